"""bench/recording.py: a bench replaces its own section of bench/RESULTS.md and no other."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("recording", BENCH / "recording.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS", tmp_path / "RESULTS.md")
    return module


OLD = """# Benchmark results

intro

## demo

Measured 2026-11-26.

```text
run 1: wall 20.2 s
```

## harvest

ratio 1.012
"""


def test_a_section_is_replaced_in_place_and_the_others_kept(recording: ModuleType) -> None:
    new = recording.section("demo", "python bench/demo.py", "run 1: wall 18.0 s\n",
                            when=dt.datetime(2026, 12, 2, 10, 0), commit="abc1234",
                            where="Linux x86_64, 2 CPUs")
    text = recording.replace_section(OLD, "demo", new)
    assert "wall 20.2 s" not in text and "run 1: wall 18.0 s" in text
    assert "Measured 2026-12-02 10:00 UTC at commit abc1234; Linux x86_64, 2 CPUs." in text
    assert text.index("## demo") < text.index("## harvest") and "ratio 1.012" in text
    assert text.startswith("# Benchmark results\n\nintro\n")
    assert recording.replace_section(text, "demo", new) == text  # running twice changes nothing


def test_headings_a_bench_prints_stay_inside_its_section(recording: ModuleType) -> None:
    printed = "# Language detection bench\n\n## dev set: ablation\n\nshipped 100%\n"
    first = recording.section("language", "python bench/language.py", printed,
                              when=dt.datetime(2026, 12, 1), commit="a", where="x")
    text = recording.replace_section(OLD, "language", first)
    second = recording.section("language", "python bench/language.py", "shipped 99%\n",
                               when=dt.datetime(2026, 12, 2), commit="b", where="x")
    text = recording.replace_section(text, "language", second)
    assert "ablation" not in text and "shipped 100%" not in text and "shipped 99%" in text
    assert text.count("## language") == 1 and text.count("## demo") == 1


def test_a_new_bench_appends_its_section(recording: ModuleType) -> None:
    new = recording.section("startup", "python bench/startup.py", "litrev -h 0.3 s",
                            when=dt.datetime(2026, 12, 2), commit="abc1234", where="x")
    text = recording.replace_section(OLD, "startup", new)
    assert text.startswith(OLD.rstrip("\n")) and text.endswith("litrev -h 0.3 s\n```\n")


def test_recorded_writes_what_the_bench_printed_only_when_it_succeeds(
        recording: ModuleType, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["bench/demo.py", "--runs", "1"])
    with recording.recorded("demo"):
        print("run 1: wall 19.0 s")
    text = recording.RESULTS.read_text(encoding="utf-8")
    assert "$ python bench/demo.py --runs 1\nrun 1: wall 19.0 s\n```" in text
    assert "run 1: wall 19.0 s" in capsys.readouterr().out  # still printed
    with pytest.raises(SystemExit), recording.recorded("demo"):
        print("run 1: failed")
        sys.exit(1)
    assert recording.RESULTS.read_text(encoding="utf-8") == text
