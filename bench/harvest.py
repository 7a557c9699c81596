"""Harvest throughput under per-host rate limits: elapsed time over the rate-limit lower bound.

Three loopback servers (three hosts) stand in for OpenAlex, Crossref and Europe PMC; each adds
50 ms of latency to every answer. The real source modules page through 500 pages in all, the
three sources concurrently in threads, each held to its own per-host rate limit by
``litrev.extract.http``. No source can finish before its last request's slot plus one latency:

    lower bound = max over sources of (pages - 1) / rate + latency

and the figure printed is elapsed / lower bound (goal: <= 1.25).

    python bench/harvest.py                 # 500 pages, rates 12/10/8 per second
    python bench/harvest.py --pages 150     # a quicker run
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litrev.extract.profile import parse_profile  # noqa: E402
from litrev.extract.sources import HarvestContext, run_source  # noqa: E402
from tests.loopback import LoopbackServer, Reply, Request  # noqa: E402

LATENCY = 0.05
RATES = {"openalex": 12.0, "crossref": 10.0, "europepmc": 8.0}
PER_PAGE = 5


def _works(source: str, page: int) -> list[dict]:
    return [{"n": page * PER_PAGE + i, "doi": f"10.5555/bench.{source}.{page}.{i}",
             "title": f"Benchmark work {source} {page} {i}", "year": 2020}
            for i in range(PER_PAGE)]


def openalex_route(pages: int):
    def route(req: Request) -> Reply:
        page = 0 if req.query["cursor"] == "*" else int(req.query["cursor"])
        results = [{"id": f"https://openalex.org/W{w['n'] + 1}", "doi": f"https://doi.org/{w['doi']}",
                    "title": w["title"], "publication_year": w["year"], "language": "en",
                    "abstract_inverted_index": {"Peer": [0], "support": [1], "work.": [2]}}
                   for w in _works("openalex", page)]
        nxt = str(page + 1) if page + 1 < pages else None
        return Reply.json({"meta": {"count": pages * PER_PAGE, "next_cursor": nxt},
                           "results": results})
    return route


def crossref_route(pages: int):
    def route(req: Request) -> Reply:
        page = 0 if req.query["cursor"] == "*" else int(req.query["cursor"])
        items = [{"DOI": w["doi"], "title": [w["title"]], "issued": {"date-parts": [[w["year"]]]},
                  "abstract": "<jats:p>Peer support work.</jats:p>"}
                 for w in _works("crossref", page)]
        if page + 1 >= pages:
            items = items[:-1]  # a short page is Crossref's last one
        return Reply.json({"message": {"total-results": pages * PER_PAGE, "items": items,
                                       "next-cursor": str(page + 1)}})
    return route


def europepmc_route(pages: int):
    def route(req: Request) -> Reply:
        cursor = req.query["cursorMark"]
        page = 0 if cursor == "*" else int(cursor)
        result = [{"id": str(w["n"]), "source": "MED", "pmid": str(w["n"]), "doi": w["doi"],
                   "title": w["title"], "pubYear": str(w["year"]),
                   "abstractText": "Peer support work."} for w in _works("europepmc", page)]
        nxt = str(page + 1) if page + 1 < pages else cursor  # a repeated cursor ends it
        return Reply.json({"hitCount": pages * PER_PAGE, "nextCursorMark": nxt,
                           "resultList": {"result": copy.deepcopy(result)}})
    return route


ROUTES = {"openalex": openalex_route, "crossref": crossref_route,
          "europepmc": europepmc_route}


def split_pages(total: int) -> dict[str, int]:
    """Pages per source in proportion to its rate, so all three bounds are close."""
    rate_sum = sum(RATES.values())
    pages = {name: int(total * rate / rate_sum) for name, rate in RATES.items()}
    pages["openalex"] += total - sum(pages.values())
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="pages in all (default 500)")
    args = parser.parse_args(argv)
    pages = split_pages(args.pages)
    servers = {name: LoopbackServer(ROUTES[name](pages[name]), latency=LATENCY)
               for name in RATES}
    for server in servers.values():
        server.__enter__()
    try:
        profile = parse_profile({
            "review": {"name": "bench", "target_language": "en", "candidate_languages": ["en"],
                       "contact_email": "bench@example.org"},
            "search": {"terms": {"en": ["peer support"]}},
            "sources": {
                "openalex": {"rate_per_second": RATES["openalex"], "max_records": 10**6,
                             "base_url": servers["openalex"].url, "per_page": PER_PAGE,
                             "citations": False},
                "crossref": {"rate_per_second": RATES["crossref"], "max_records": 10**6,
                             "base_url": servers["crossref"].url, "rows": PER_PAGE,
                             "by_doi": False},
                "europepmc": {"rate_per_second": RATES["europepmc"], "max_records": 10**6,
                              "base_url": servers["europepmc"].url, "page_size": PER_PAGE},
            }})
        contexts = {name: HarvestContext(profile, profile.sources[name]) for name in RATES}
        started = time.perf_counter()
        with ThreadPoolExecutor(len(contexts)) as pool:
            futures = {name: pool.submit(run_source, name, ctx) for name, ctx in contexts.items()}
            results = {name: f.result() for name, f in futures.items()}
        elapsed = time.perf_counter() - started
    finally:
        for server in servers.values():
            server.__exit__(None, None, None)

    served = {name: len(s.requests) for name, s in servers.items()}
    bound = max((served[n] - 1) / RATES[n] + LATENCY for n in RATES)
    print(f"latency per request: {LATENCY * 1000:.0f} ms; pages per source: {served} "
          f"({sum(served.values())} in all)")
    for name, res in results.items():
        [r] = res
        print(f"  {name:<10} rate {RATES[name]:>4.0f}/s  pages {served[name]:>4}  "
              f"records {len(r.records):>5}  status {r.status}")
        if r.status != "succeeded":
            print(f"    error: {r.error}")
    print(f"elapsed {elapsed:.2f} s; rate-limit lower bound {bound:.2f} s; "
          f"ratio {elapsed / bound:.3f} (goal <= 1.25)")
    return 0 if all(r.status == "succeeded" for res in results.values() for r in res) else 1


if __name__ == "__main__":
    from recording import recorded

    with recorded("harvest"):
        sys.exit(main())
