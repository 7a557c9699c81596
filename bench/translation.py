"""Time of a translation run: provider unreachable, provider answering, and the run after.

Builds a database of N distinct real Finnish texts (pairs of sentences from the Finnish
abstracts in tests/fixtures/translation), then runs :func:`flows.translation.run_translation`
three times against a LibreTranslate-compatible server on loopback (tests/libre_server.py):

1. nothing listens on the port: every text must end ``pending`` quickly (circuit breaker);
2. the server is up: every text is translated (one HTTP request per text);
3. again: nothing left to do, zero requests.

    python bench/translation.py            # 1,000 texts
    python bench/translation.py --texts 5000
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from litrev.flows.translation import run_translation  # noqa: E402
from tests.libre_server import LibreServer  # noqa: E402
from tests.test_translate import finnish_sentences, make_db, make_profile  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    args = parser.parse_args()
    sentences = finnish_sentences()
    texts = [f"{sentences[i % len(sentences)]} {sentences[(i * 7 + 3) % len(sentences)]} ({i})"
             for i in range(args.texts)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        db = make_db(tmp / "bench.duckdb", [(t, "fi") for t in texts])
        print(f"database of {len(texts)} Finnish texts "
              f"({sum(map(len, texts)) / len(texts):.0f} characters on average) built in "
              f"{time.perf_counter() - started:.2f} s")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        profile = make_profile(tmp, f"http://127.0.0.1:{port}/")
        print(f"{'run':<28} {'seconds':>8} {'texts/s':>9} {'calls':>6}  statuses")
        for label, up in (("provider unreachable", False), ("provider answering", True),
                          ("second run", True)):
            server = LibreServer(port=port) if up else None
            if server:
                server.__enter__()
            try:
                summary = run_translation(db, profile)
            finally:
                if server:
                    server.__exit__(None, None, None)
            rate = summary.texts / summary.seconds if summary.seconds else 0
            print(f"{label:<28} {summary.seconds:>8.2f} {rate:>9.0f} "
                  f"{summary.provider_calls:>6}  "
                  f"{', '.join(f'{k} {v}' for k, v in summary.by_status.items()) or '-'}")
    return 0


if __name__ == "__main__":
    from recording import recorded

    with recorded("translation"):
        sys.exit(main())
