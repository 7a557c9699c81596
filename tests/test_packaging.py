"""What `pip install litrev` puts on a machine: one import name, a `litrev` command that runs.

The wheel is built from this checkout and installed into a temporary folder, so the test reads
what a user's site-packages would hold, not the editable install the tests run from.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder a wheel of this checkout was installed into (`pip install --target`)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy, so that the build leaves nothing in the checkout
    shutil.copytree(ROOT / "litrev", source / "litrev",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                  str(work / "dist"), str(source)], cwd=work)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (work / "dist").glob("litrev-*.whl")
    site = work / "site"
    done = _run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                 str(site), str(wheel)], cwd=work)
    assert done.returncode == 0, done.stderr[-2000:]
    return site


def test_the_wheel_installs_one_import_name_litrev(installed_wheel: Path) -> None:
    (dist,) = importlib.metadata.distributions(name="litrev", path=[str(installed_wheel)])
    files = [Path(str(f)) for f in dist.files or []]
    # pip also records the console script it wrote, outside site-packages (../bin/litrev)
    scripts = [f for f in files if f.parts[0] == ".."]
    assert [f.parts[-2:] for f in scripts] == [("bin", "litrev")], scripts
    tops = {f.parts[0] for f in files if f not in scripts}
    dist_info = {t for t in tops if t.endswith(".dist-info")}
    assert len(dist_info) == 1 and tops - dist_info == {"litrev"}, sorted(tops)
    assert (dist.read_text("top_level.txt") or "").split() == ["litrev"]
    packaged = {str(f) for f in dist.files or []}
    assert "litrev/store/migrations/001_initial.sql" in packaged  # data files travel too
    assert "litrev/flows/demo/profile.toml" in packaged


def test_only_litrev_is_importable_from_the_install(installed_wheel: Path,
                                                   tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(installed_wheel)}
    for generic in ("store", "extract", "flows", "queries"):
        result = _run([sys.executable, "-c", f"import {generic}"], cwd=tmp_path, env=env)
        assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr, generic
    result = _run([sys.executable, "-c", "import litrev.store.db, litrev.flows.cli; "
                   "print(litrev.store.db.__file__)"], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(installed_wheel)


def test_import_store_fails_in_the_development_venv(tmp_path: Path) -> None:
    result = _run([sys.executable, "-c", "import store"], cwd=tmp_path)
    assert result.returncode != 0 and "No module named 'store'" in result.stderr


# --- the installed `litrev` console script --------------------------------------------------

def _litrev() -> str:
    script = shutil.which("litrev", path=str(VENV_BIN))
    assert script, f"no litrev console script in {VENV_BIN}: install with pip install -e ."
    return script


def test_the_litrev_console_script_runs_a_command(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITREV_")}
    db = tmp_path / "review.ducklake"
    init = _run([_litrev(), "--db", str(db), "init"], cwd=tmp_path, env=env)
    assert init.returncode == 0, init.stderr
    assert f"database ready: {db}" in init.stdout
    assert (tmp_path / "litrev.toml").is_file()
    status = _run([_litrev(), "--db", str(db), "status"], cwd=tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    assert "works: 0    excerpts: 0" in status.stdout
    missing = _run([_litrev(), "--db", str(tmp_path / "none.ducklake"), "status"], cwd=tmp_path,
                   env=env)
    assert missing.returncode == 1
    assert missing.stderr.startswith("litrev: error: no database at")


def test_litrev_version_prints_the_installed_version(tmp_path: Path) -> None:
    result = _run([_litrev(), "--version"], cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"litrev {importlib.metadata.version('litrev')}"


def _complete(line: str, tmp_path: Path) -> list[str]:
    """What the shell would offer after `line`, asked as argcomplete's shell hook asks."""
    answer = tmp_path / "completions.txt"
    env = {**os.environ, "_ARGCOMPLETE": "1", "_ARGCOMPLETE_IFS": "\n",
           "COMP_LINE": line, "COMP_POINT": str(len(line)),
           "_ARGCOMPLETE_STDOUT_FILENAME": str(answer)}
    result = _run([_litrev()], cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    return answer.read_text(encoding="utf-8").split("\n")


def test_tab_completion_offers_the_subcommands_and_their_options(tmp_path: Path) -> None:
    import argparse

    from litrev.flows.cli import build_parser

    commands = {name for action in build_parser()._actions
                if isinstance(action, argparse._SubParsersAction) for name in action.choices}
    assert "export" in commands and "tm" in commands
    assert set(_complete("litrev ", tmp_path)) >= commands
    assert sorted(_complete("litrev t", tmp_path)) == ["tm", "translate"]
    assert "--retry-failed" in _complete("litrev translate --", tmp_path)
    assert "import" in _complete("litrev tm ", tmp_path)


def test_global_completion_accepts_the_litrev_script(tmp_path: Path) -> None:
    """`activate-global-python-argcomplete` completes only scripts whose module carries the
    PYTHON_ARGCOMPLETE_OK marker; this is the check its shell function runs on `litrev`."""
    result = _run([sys.executable, "-m", "argcomplete._check_console_script", _litrev()],
                  cwd=tmp_path)
    assert result.returncode == 0, result.stderr
