"""`litrev init`, `status` and `query` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from litrev.flows.cli import main
from litrev.store.db import read_session

LITREV = [sys.executable, "-m", "litrev.flows.cli"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_then_status_json_prints_zero_counts(tmp_path, capsys):
    code, out, _ = run(capsys, "--db", "new.ducklake", "init")
    assert code == 0 and "litrev.toml" in out
    code, out, err = run(capsys, "--db", "new.ducklake", "status", "--json")
    assert code == 0, err
    status = json.loads(out)
    assert status["works"] == 0 and status["excerpts"] == 0
    assert status["excerpts_by_kind"] == {} and status["last_runs"] == []


def test_init_never_overwrites_a_profile_without_force(tmp_path, capsys):
    (tmp_path / "litrev.toml").write_text("# mine\n", encoding="utf-8")
    run(capsys, "init")
    assert (tmp_path / "litrev.toml").read_text() == "# mine\n"
    run(capsys, "init", "--force")
    assert "[review]" in (tmp_path / "litrev.toml").read_text()


def test_the_console_script_runs_in_a_fresh_process(tmp_path):
    result = subprocess.run([*LITREV, "--db", "x.ducklake", "init"],
                            capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([*LITREV, "--db", "x.ducklake", "status"],
                            capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0 and "works: 0" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize("sql", ["DELETE FROM works", "DROP TABLE works",
                                 "UPDATE works SET title = 'x'", "COPY works TO 'out.csv'",
                                 "SELECT 1; DELETE FROM works"])
def test_query_sql_refuses_writes_and_deletes_nothing(corpus_db, capsys, sql):
    code, out, err = run(capsys, "--db", str(corpus_db), "query", "sql", sql)
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and err.startswith("litrev: error: refused")
    with read_session(corpus_db) as con:
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 5


def test_query_sql_cannot_read_files_of_the_machine(corpus_db, capsys):
    code, _, err = run(capsys, "--db", str(corpus_db), "query", "sql",
                       "SELECT * FROM read_csv('/etc/passwd')")
    assert code == 1 and "disabled" in err


def test_query_run_with_missing_or_unknown_parameters_is_a_clear_error(corpus_db, capsys):
    code, _, err = run(capsys, "--db", str(corpus_db), "query", "run",
                       "citation_statements_of_work")
    assert code == 1 and "-p doi=VALUE" in err
    code, _, err = run(capsys, "--db", str(corpus_db), "query", "run", "stance_tallies",
                       "-p", "nope=1")
    assert code == 1 and "no parameter 'nope'" in err
    code, _, err = run(capsys, "--db", str(corpus_db), "query", "run", "no_such_query")
    assert code == 1 and "litrev query list" in err


def test_query_run_formats(corpus_db, capsys):
    for fmt, probe in (("csv", "language,kind,excerpts"), ("markdown", "| language | kind |"),
                       ("json", '"language": "en"'), ("table", "citation_statement")):
        code, out, err = run(capsys, "--db", str(corpus_db), "query", "run",
                             "excerpts_by_language", "--format", fmt)
        assert code == 0, err
        assert probe in out


def test_query_sql_binds_parameters(corpus_db, capsys):
    code, out, _ = run(capsys, "--db", str(corpus_db), "query", "sql",
                       "SELECT count(*) AS n FROM excerpts WHERE language = $lang",
                       "-p", "lang=fi", "--format", "csv")
    assert code == 0 and out.splitlines() == ["n", "1"]


def test_every_command_has_help_with_an_example(capsys):
    from litrev.flows.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert "example:" in (p.epilog or ""), name


def test_missing_database_is_one_line_saying_what_to_do(capsys):
    code, _, err = run(capsys, "--db", "nowhere.ducklake", "status")
    assert code == 1 and "litrev init" in err and len(err.splitlines()) == 1


def test_global_options_work_after_the_command_too(tmp_path, capsys):
    code, out, _ = run(capsys, "init", "--db", "after.ducklake", "--profile", "p/review.toml")
    assert code == 0
    assert (tmp_path / "after.ducklake").exists() and (tmp_path / "p" / "review.toml").exists()
    code, out, _ = run(capsys, "status", "--db", "after.ducklake", "--json")
    assert code == 0 and json.loads(out)["database"] == "after.ducklake"


def test_status_without_a_profile_counts_target_language_texts_as_not_needing_translation(
        corpus_db, capsys):
    code, out, _ = run(capsys, "--db", str(corpus_db), "status", "--json")
    assert code == 0
    # four English excerpts need no translation into English; the Finnish one has a tm row
    assert json.loads(out)["translation_status"] == {"not needed": 4, "tm": 1}


def test_status_counts_the_review_corpus_by_kind_language_and_translation(tmp_path, capsys):
    """The figures of tests.corpus_review's docstring, with one excerpt not detected yet."""
    from litrev.store.db import write_session
    from tests import corpus_review

    db = tmp_path / "review.ducklake"
    with write_session(db) as con:
        corpus_review.build(con)
        undetected = con.execute("SELECT excerpt_id FROM excerpts WHERE language = 'sv'"
                                 ).fetchone()[0]
        con.execute("UPDATE excerpts SET language = NULL WHERE excerpt_id = $id",
                    {"id": undetected})
        kinds = dict(con.execute("SELECT kind, count(*) FROM excerpts GROUP BY kind").fetchall())
    code, out, err = run(capsys, "--db", str(db), "status", "--json")
    assert code == 0, err
    status = json.loads(out)
    assert status["excerpts"] == 13 and sum(kinds.values()) == 13
    assert status["excerpts_by_kind"] == dict(sorted(kinds.items()))
    assert status["excerpts_by_language"] == {"en": 9, "fi": 2, "de": 1, "unknown": 1}
    # into English: the English texts need none; the Finnish statement tm, the German abstract
    # machine, the Finnish abstract none yet; the Swedish abstract (pending) is undetected now
    # and still counted by its translation row
    assert status["translation_status"] == {"not needed": 9, "machine": 1, "pending": 1,
                                            "tm": 1, "untranslated": 1}
