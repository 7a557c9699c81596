"""`litrev init` creates the starter profile's import folder, so the first harvest's `files`
source has a folder to read instead of failing."""

from __future__ import annotations

from litrev.extract.profile import load_profile
from litrev.extract.sources import HarvestContext, run_source
from litrev.flows.cli import main


def test_init_creates_the_import_folder_and_the_files_source_can_run(tmp_path, capsys):
    profile_path = tmp_path / "review" / "litrev.toml"
    assert main(["--profile", str(profile_path), "init"]) == 0
    out = capsys.readouterr().out
    imports = tmp_path / "review" / "imports"
    assert imports.is_dir() and list(imports.iterdir()) == []
    assert f"created the import folder {imports}" in out

    profile = load_profile(profile_path)
    # an empty folder: one search with no records that says where the files go, no failure
    [search] = run_source("files", HarvestContext(profile, profile.sources["files"]))
    assert (search.status, search.records) == ("succeeded", [])
    assert "holds no files" in search.error
    assert main(["--profile", str(profile_path), "init"]) == 0
    assert "import folder" not in capsys.readouterr().out  # an existing folder is kept as is
