"""`litrev deploy`: a complete prefect.yaml for a process or Docker work pool, with references
instead of values (paths from the environment, API keys from Prefect Secret blocks), checked with
Prefect's own prefect.yaml schema. `prefect deploy --all` registering it on a real server and
workers running it: tests/test_workers.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from prefect.cli.deploy._models import PrefectYamlModel

from litrev.flows.cli import main

KEY = "oa-live-key-0123456789"  # a made-up key, set in the environment below


def write_profile(folder: Path) -> Path:
    (folder / "imports").mkdir(parents=True, exist_ok=True)
    path = folder / "review.toml"
    path.write_text("""
[review]
name = "Deploy test"
target_language = "en"
candidate_languages = ["en", "de"]
contact_email = "test@example.org"
database = "review.ducklake"

[search.terms]
en = ["peer review"]

[sources.files]
folder = "imports"

[sources.openalex]

[translation]
provider = "none"

[schedule]
cron = "0 2 * * 1-5"
timezone = "Europe/Berlin"
""", encoding="utf-8")
    return path


def deploy(folder: Path, *args: str) -> tuple[int, str]:
    out = folder / "prefect.yaml"
    code = main(["--profile", str(folder / "review.toml"), "deploy", "-o", str(out), *args])
    return code, out.read_text(encoding="utf-8") if out.exists() else ""


@pytest.fixture
def review(tmp_path, monkeypatch):
    monkeypatch.setenv("LITREV_OPENALEX_API_KEY", KEY)
    write_profile(tmp_path)
    return tmp_path


def test_process_pool_file_is_complete_and_holds_references_only(review, capsys):
    code, text = deploy(review, "--pool", "reviews")
    assert code == 0
    assert KEY not in text and str(review) not in text  # no key, no machine's path
    spec = yaml.safe_load(text)
    model = PrefectYamlModel.model_validate(spec)  # Prefect's own prefect.yaml schema
    nightly, per_source = model.deployments
    assert (nightly.name, nightly.entrypoint) == ("nightly-deploy-test",
                                                  "litrev.flows.harvest.nightly_harvest")
    assert [(s.cron, s.timezone) for s in nightly.schedules] == [("0 2 * * 1-5",
                                                                  "Europe/Berlin")]
    assert nightly.concurrency_limit == 1
    assert nightly.parameters == {"profile_path": "review.toml", "trigger": "deployment",
                                  "fan_out": True,
                                  "source_deployment": "harvest-source/sources-deploy-test"}
    assert (per_source.name, per_source.entrypoint, per_source.schedules) == (
        "sources-deploy-test", "litrev.flows.source_run.source_run", [])
    for dep in (nightly, per_source):
        assert dep.work_pool.name == "reviews"
        assert dep.work_pool.job_variables == {"env": {
            "LITREV_DB": "{{ $LITREV_DB }}", "LITREV_REVIEW_DIR": "{{ $LITREV_REVIEW_DIR }}",
            "LITREV_OPENALEX_API_KEY": "{{ prefect.blocks.secret.litrev-openalex-api-key }}"}}
    assert model.pull == [{"prefect.deployments.steps.set_working_directory": {
        "directory": "{{ $LITREV_REVIEW_DIR }}"}}]
    said = capsys.readouterr().out
    assert "prefect work-pool create reviews --type process" in said
    assert "litrev-openalex-api-key" in said and KEY not in said
    assert f"LITREV_DB={review / 'review.ducklake'} LITREV_REVIEW_DIR={review} prefect deploy" \
        in said


def test_docker_pool_with_a_git_pull_step(review):
    code, text = deploy(review, "--type", "docker", "--image", "registry.example.org/litrev:1",
                        "--pull", "git", "--repo", "https://git.example.org/team/review.git",
                        "--branch", "main", "--git-token-block", "review-repo-token",
                        "--profile-in-repo", "reviews/review.toml")
    assert code == 0 and KEY not in text
    model = PrefectYamlModel.model_validate(yaml.safe_load(text))
    assert model.pull == [{"prefect.deployments.steps.git_clone": {
        "id": "clone", "repository": "https://git.example.org/team/review.git",
        "branch": "main", "access_token": "{{ prefect.blocks.secret.review-repo-token }}"}}]
    variables = model.deployments[0].work_pool.job_variables
    assert variables["image"] == "registry.example.org/litrev:1"
    assert "volumes" not in variables and "LITREV_REVIEW_DIR" not in variables["env"]
    assert model.deployments[0].parameters["profile_path"] == "reviews/review.toml"


def test_docker_pool_mounts_the_shared_review_folder_at_its_own_path(review):
    code, text = deploy(review, "--type", "docker", "--force")
    variables = PrefectYamlModel.model_validate(yaml.safe_load(text)).deployments[0] \
        .work_pool.job_variables
    assert code == 0 and variables["image"] == "litrev:latest"
    assert variables["volumes"] == ["{{ $LITREV_REVIEW_DIR }}:{{ $LITREV_REVIEW_DIR }}"]


def test_a_shared_catalog_url_goes_through_a_secret_block_with_its_data_path(review, capsys):
    url = "postgresql://litrev:pg-pass-42@db.example.org/review"
    code = main(["--profile", str(review / "review.toml"), "--db", url, "--data-path",
                 "s3://bucket/review/", "deploy", "-o", str(review / "prefect.yaml"),
                 "--db-block", "review-catalog"])
    text = (review / "prefect.yaml").read_text(encoding="utf-8")
    said = capsys.readouterr().out
    assert code == 0 and "pg-pass-42" not in text + said
    env = yaml.safe_load(text)["deployments"][0]["work_pool"]["job_variables"]["env"]
    assert env["LITREV_DB"] == "{{ prefect.blocks.secret.review-catalog }}"
    assert env["LITREV_DATA_PATH"] == "{{ $LITREV_DATA_PATH }}"
    assert "LITREV_DATA_PATH=s3://bucket/review/ LITREV_REVIEW_DIR=" in said


def test_keys_from_the_workers_environment_and_all_sources_in_one_run(review):
    code, text = deploy(review, "--secrets", "env", "--one-run")
    assert code == 0 and KEY not in text
    assert "# API keys: set LITREV_OPENALEX_API_KEY in every worker's environment" in text
    (nightly,) = PrefectYamlModel.model_validate(yaml.safe_load(text)).deployments
    assert nightly.parameters["fan_out"] is False
    assert nightly.work_pool.job_variables["env"] == {
        "LITREV_DB": "{{ $LITREV_DB }}", "LITREV_REVIEW_DIR": "{{ $LITREV_REVIEW_DIR }}"}


def test_an_existing_file_is_kept_without_force(review, capsys):
    (review / "prefect.yaml").write_text("# mine\n", encoding="utf-8")
    code, text = deploy(review)
    assert code == 1 and text == "# mine\n"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--force" in err[0]
    code, text = deploy(review, "--force")
    assert code == 0 and text.startswith("# Written by `litrev deploy`")


def test_git_pull_without_a_repository_is_one_clear_line(review, capsys):
    code, text = deploy(review, "--pull", "git")
    assert code == 1 and text == ""
    assert capsys.readouterr().err.strip() == (
        "litrev: error: --pull git needs --repo URL (the repository that holds the review's "
        "profile)")
