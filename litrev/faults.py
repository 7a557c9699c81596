"""Fault injection for crash tests: stop at a named point so a test can kill the process there.

Why: a test that kills a process "at some moment" races the clock and proves nothing. With
``LITREV_FAULT_PAUSE=<stage>:<marker file>`` in its environment, the process that reaches
``<stage>`` writes the marker file and sleeps, and the test kills it then, exactly there::

    LITREV_FAULT_PAUSE=merged:at-merge.marker litrev harvest   # test waits for the file

Stages: ``merged`` (the harvest's batch merged, not committed), ``committed`` (committed, the
run not closed yet), ``translation-saved`` and ``coding-saved`` (their rows written, not committed),
``reviews-saved`` (an import of reviewers' decisions written, not committed), ``harvesting``
(the run opened, before any source answered). Without the variable nothing happens.

It imports nothing from litrev, so every layer may call it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_ENV = "LITREV_FAULT_PAUSE"
PAUSE_SECONDS = 300.0


def pause_at(stage: str) -> None:
    """Write the marker and wait, when ``LITREV_FAULT_PAUSE`` names ``stage``; else return."""
    wanted, _, marker = os.environ.get(PAUSE_ENV, "").partition(":")
    if wanted == stage and marker:
        Path(marker).write_text(stage, encoding="utf-8")
        time.sleep(PAUSE_SECONDS)
