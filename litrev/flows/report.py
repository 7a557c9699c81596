"""The run report: one self-contained HTML file a review lead opens after a night's run.

Why one file with inline SVG: the report is mailed, archived with the review and opened on
machines without network; charts drawn by matplotlib are embedded as SVG (text kept as text, so
it stays searchable), with no script, stylesheet or font fetched from anywhere. The figures come
from :func:`store.report.report_data`; this module only draws and lays them out.

    from litrev.flows.report import write_report
    write_report("litrev.ducklake", "report.html", target_language="en")
    # -> PosixPath('report.html')

Synthetic records (demo data, DOI prefix 10.5555) are counted apart in the charts and marked
SYNTHETIC in every listed row; each listed record shows its source and where its text came from.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import textwrap
from pathlib import Path

import pandas as pd

from litrev.store.cells import escape_html
from litrev.store.report import ReportData
from litrev.vocabulary import ExcerptKind, Stance, TranslationStatus

# "unclassified": a citation statement no source gave a stance (NULL in the database).
STANCE_ORDER = (*(s.value for s in Stance), "unclassified")
STANCE_COLOURS = {Stance.SUPPORTING: "#2e7d32", Stance.MENTIONING: "#5c7caf",
                  Stance.CONTRASTING: "#c62828", "unclassified": "#9e9e9e"}
# "not needed" and "untranslated": the status query's words for a text already in the target
# language and for one with no translation row yet.
STATUS_ORDER = ("not needed", *(s.value for s in TranslationStatus), "untranslated")
STATUS_LABELS = {"not needed": "already in the target language",
                 TranslationStatus.HUMAN: "human correction",
                 TranslationStatus.TM: "translation memory",
                 TranslationStatus.MACHINE: "machine translation",
                 TranslationStatus.PENDING: "pending (provider unreachable or none)",
                 TranslationStatus.FAILED: "failed", "untranslated": "not yet translated"}
REAL_COLOUR, SYNTHETIC_COLOUR = "#3b6ea8", "#f0a030"
TEXT_PREVIEW = 600


# --- charts ------------------------------------------------------------------------------

def _pyplot():
    """matplotlib's pyplot on the file-only Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)


def _svg(fig, label: str) -> str:
    """The figure as an inline ``<svg>`` element: no XML prologue, no date, stable ids."""
    plt = _pyplot()
    buf = io.StringIO()
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "litrev-report"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = _SVG_PROLOGUE.sub("", buf.getvalue(), count=1)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape_html(label)}" ', 1)


def _style():
    import matplotlib

    return matplotlib.rc_context({
        "font.family": "sans-serif", "font.size": 9, "axes.spines.top": False,
        "axes.spines.right": False, "axes.titlesize": 10, "axes.titleweight": "bold"})


def chart_themes_by_language(data: ReportData) -> str | None:
    """Heatmap: themes (rows) by language (columns), cell = excerpts coded with the theme."""
    df = data.themes_by_language
    if df.empty:
        return None
    plt = _pyplot()
    coded = df[df["language"] != "unknown"] if (df["language"] != "unknown").any() else df
    languages = sorted(set(coded["language"]) - {"unknown"},
                       key=lambda lang: (lang != data.target_language, lang))
    if not languages:
        return None
    labels = df.drop_duplicates("theme_id").set_index("theme_id")["label"]
    table = (coded.pivot_table(index="theme_id", columns="language", values="excerpts",
                               aggfunc="sum", fill_value=0)
             .reindex(index=labels.index, columns=languages, fill_value=0))
    with _style():
        fig, ax = plt.subplots(figsize=(1.6 + 0.9 * len(languages), 0.9 + 0.38 * len(table)))
        im = ax.imshow(table.values, cmap="Blues", aspect="auto", vmin=0)
        ax.set_xticks(range(len(languages)), languages)
        ax.set_yticks(range(len(table)), [textwrap.shorten(str(labels[t]), 48)
                                          for t in table.index])
        ax.xaxis.tick_top()
        top = table.values.max() or 1
        for (i, j), value in pd.DataFrame(table.values).stack().items():
            ax.text(j, i, str(int(value)), ha="center", va="center", fontsize=8,
                    color="white" if value > top * 0.6 else "black")
        ax.set_xlabel("language of the excerpt")
        ax.spines[:].set_visible(False)
        fig.colorbar(im, ax=ax, shrink=0.6, label="excerpts")
    return _svg(fig, "Heatmap of excerpts by theme and language")


def chart_by_year(data: ReportData) -> str | None:
    """Bars: excerpts per publication year, synthetic records stacked apart in orange."""
    df = data.by_year
    if df.empty:
        return None
    plt = _pyplot()
    df = df.assign(year=df["year"].map(lambda y: "no year" if y is None or y != y
                                       else str(int(y))))
    years = sorted(set(df["year"]) - {"no year"}) + (["no year"] if "no year" in set(df["year"])
                                                     else [])
    real = df[~df["synthetic"]].groupby("year")["excerpts"].sum().reindex(years, fill_value=0)
    synth = df[df["synthetic"]].groupby("year")["excerpts"].sum().reindex(years, fill_value=0)
    with _style():
        fig, ax = plt.subplots(figsize=(max(4.0, 0.55 * len(years) + 1.5), 2.8))
        ax.bar(years, real.values, color=REAL_COLOUR, label="real records")
        if synth.sum():
            ax.bar(years, synth.values, bottom=real.values, color=SYNTHETIC_COLOUR,
                   hatch="//", label="SYNTHETIC records (demo examples)")
        ax.set_ylabel("excerpts")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("publication year of the work")
        ax.tick_params(axis="x", labelrotation=45)
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _svg(fig, "Bar chart of excerpts by publication year")


def chart_seed_stances(data: ReportData) -> list[tuple[str, str]]:
    """One horizontal bar chart per seed work: its citation statements by stance."""
    out = []
    plt = _pyplot()
    for seed_id, df in data.seed_stances.groupby("seed_work_id", sort=True):
        title = df["seed_title"].iloc[0] or seed_id
        doi = df["seed_doi"].iloc[0]
        real = (df[~df["synthetic"]].groupby("stance")["statements"].sum()
                .reindex(STANCE_ORDER, fill_value=0))
        synth = (df[df["synthetic"]].groupby("stance")["statements"].sum()
                 .reindex(STANCE_ORDER, fill_value=0))
        with _style():
            fig, ax = plt.subplots(figsize=(5.5, 2.2))
            ys = list(reversed(STANCE_ORDER))
            ax.barh(ys, [real[s] for s in ys], color=[STANCE_COLOURS[s] for s in ys])
            if synth.sum():
                ax.barh(ys, [synth[s] for s in ys], left=[real[s] for s in ys],
                        color=SYNTHETIC_COLOUR, hatch="//", label="SYNTHETIC")
                ax.legend(frameon=False, fontsize=8)
            for y in ys:
                total = int(real[y] + synth[y])
                ax.text(total + 0.05, y, str(total), va="center", fontsize=8)
            ax.set_xlabel("citation statements")
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.set_xlim(0, max(1, int((real + synth).max())) * 1.15 + 0.5)
        caption = f"{title}" + (f" (doi {doi})" if doi else "")
        out.append((caption, _svg(fig, f"Stance tallies of the statements citing {caption}")))
    return out


def prisma_totals(prisma: pd.DataFrame) -> dict[str, int]:
    cols = ("identified", "duplicates", "already_stored", "excluded_automation",
            "removed_other", "screened", "failed_searches", "searches")
    return {c: int(pd.to_numeric(prisma[c]).fillna(0).sum()) if not prisma.empty else 0
            for c in cols}


def chart_prisma(data: ReportData) -> str | None:
    """The PRISMA 2020 identification flow: identified -> removed before screening -> screened."""
    if data.prisma.empty:
        return None
    plt = _pyplot()
    t = prisma_totals(data.prisma)
    per_source = "\n".join(f"  {r.source} (n = {int(r.identified or 0)})"
                           for r in data.prisma.itertuples())
    identified = (f"Records identified from\ndatabases and files (n = {t['identified']}):\n"
                  f"{per_source}")
    removed = ("Records removed before screening:\n"
               f"  duplicate records (n = {t['duplicates']})\n"
               f"  already in the corpus from earlier runs (n = {t['already_stored']})\n"
               f"  marked ineligible by automation tools (n = {t['excluded_automation']})\n"
               f"  removed for other reasons, withdrawn (n = {t['removed_other']})")
    screened = f"Records screened\n(n = {t['screened']})"
    box = {"boxstyle": "square,pad=0.6", "facecolor": "white", "edgecolor": "#333333"}
    arrow = {"arrowstyle": "-|>", "color": "#333333", "lw": 1.2, "shrinkA": 0, "shrinkB": 0}
    with _style():
        fig, ax = plt.subplots(figsize=(7.5, 3.2))
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.text(0.02, 0.99, "Identification", fontsize=10, fontweight="bold", va="top")
        left = ax.text(0.03, 0.86, identified, va="top", ha="left", fontsize=8.5, bbox=box,
                       linespacing=1.5)
        right = ax.text(0.52, 0.86, removed, va="top", ha="left", fontsize=8.5, bbox=box,
                        linespacing=1.5)
        bottom = ax.text(0.03, 0.04, screened, va="bottom", ha="left", fontsize=8.5, bbox=box,
                         linespacing=1.5)
        # place the arrows from the boxes' drawn extents (they depend on the text)
        fig.canvas.draw()
        to_axes = ax.transAxes.inverted()

        def extent(t):
            (x0, y0), (x1, y1) = to_axes.transform(
                t.get_bbox_patch().get_window_extent().get_points())
            return x0, y0, x1, y1

        lx0, ly0, lx1, ly1 = extent(left)
        rx0, ry0, rx1, ry1 = extent(right)
        bx0, by0, bx1, by1 = extent(bottom)
        ax.text(0.02, (ly0 + by1) / 2, "Screening", fontsize=10, fontweight="bold",
                va="center")
        mid = (ly0 + ly1) / 2
        ax.annotate("", xy=(rx0, mid), xytext=(lx1, mid), arrowprops=arrow)
        x = lx0 + 0.06
        ax.annotate("", xy=(x, by1), xytext=(x, ly0), arrowprops=arrow)
        if t["failed_searches"]:
            ax.text(rx0, by0, f"{t['failed_searches']} of {t['searches']} searches failed "
                    "(see the table below)", fontsize=8.5, color="#c62828", va="bottom")
    return _svg(fig, "PRISMA 2020 identification flow diagram")


def chart_translation_status(data: ReportData) -> str | None:
    """Horizontal bars: excerpts by translation status into the target language."""
    df = data.translation_status
    if df.empty:
        return None
    plt = _pyplot()
    counts = df.set_index("status")["excerpts"]
    statuses = [s for s in STATUS_ORDER if s in counts.index] + \
        sorted(set(counts.index) - set(STATUS_ORDER))
    with _style():
        fig, ax = plt.subplots(figsize=(6.0, 0.6 + 0.38 * len(statuses)))
        ys = list(reversed(statuses))
        colours = {TranslationStatus.PENDING: "#f0a030", TranslationStatus.FAILED: "#c62828",
                   "untranslated": "#9e9e9e", TranslationStatus.HUMAN: "#2e7d32",
                   TranslationStatus.TM: "#5c7caf", TranslationStatus.MACHINE: "#8e6bb0"}
        ax.barh([STATUS_LABELS.get(s, s) for s in ys], [int(counts[s]) for s in ys],
                color=[colours.get(s, "#b0bec5") for s in ys])
        for i, s in enumerate(ys):
            ax.text(int(counts[s]) + 0.3, i, str(int(counts[s])), va="center", fontsize=8)
        ax.set_xlabel("excerpts")
        ax.xaxis.get_major_locator().set_params(integer=True)
    return _svg(fig, "Bar chart of excerpts by translation status")


# --- HTML --------------------------------------------------------------------------------

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin-top: 2rem;
  border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.meta { color: #555; font-size: .9rem; }
.cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
.card b { display: block; font-size: 1.3rem; }
.notice { background: #fff4e0; border-left: 4px solid #f0a030; padding: .6rem .9rem; }
figure { margin: 1rem 0; } figcaption { color: #555; font-size: .85rem; }
figure svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: .82rem; width: 100%; }
th, td { border: 1px solid #ddd; padding: .3rem .45rem; vertical-align: top; text-align: left; }
th { background: #f3f5f8; position: sticky; top: 0; }
td.num { text-align: right; }
table.records { table-layout: fixed; } table.records td { overflow-wrap: anywhere; }
tr.synthetic td { background: #fff8ec; }
.badge { display: inline-block; font-size: .7rem; font-weight: bold; padding: .05rem .35rem;
         border-radius: 3px; background: #f0a030; color: #000; }
.status-pending, .status-untranslated { color: #a05a00; } .status-failed { color: #c62828; }
.origin { color: #555; font-size: .75rem; word-break: break-word; }
"""


def _e(value: object) -> str:
    """``escape_html``, with pandas' missing values (NA, NaT) as empty cells."""
    return escape_html(None if value is pd.NA or value is pd.NaT else value)


def _short(text, limit: int = TEXT_PREVIEW) -> str:
    text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _list(value) -> list:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return list(value)


def _rows(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts with every missing value (None, NaN, NA) as ``None``."""
    def clean(v):
        if v is None or v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, float) and math.isnan(v):
            return None
        return v
    return [{k: clean(v) for k, v in row.items()} for row in df.to_dict("records")]


def _figure(svg: str | None, caption: str, empty: str) -> str:
    if not svg:
        return f'<p class="meta">{escape_html(empty)}</p>'
    return f"<figure>{svg}<figcaption>{escape_html(caption)}</figcaption></figure>"


def _prisma_table(prisma: pd.DataFrame) -> str:
    if prisma.empty:
        return ""
    cols = [("source", "source"), ("platform", "platform"), ("runs", "runs"),
            ("searches", "searches"), ("hits_reported", "hits reported"),
            ("identified", "identified"), ("duplicates", "duplicates"),
            ("already_stored", "already in corpus"),
            ("excluded_automation", "excluded by automation"),
            ("removed_other", "withdrawn"), ("screened", "screened"),
            ("failed_searches", "failed searches")]
    head = "".join(f"<th>{escape_html(label)}</th>" for _, label in cols)
    rows = []
    for r in _rows(prisma):
        cells = "".join(
            f'<td class="num">{_e(r[c])}</td>' if c not in ("source", "platform")
            else f"<td>{_e(r[c])}</td>" for c, _ in cols)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _records_table(df: pd.DataFrame) -> str:
    head = ("<th>kind</th><th>lang</th><th>work</th><th>original</th><th>translation</th>"
            "<th>themes</th><th>source</th>")
    widths = (7, 4, 19, 25, 25, 8, 12)  # per cent of the table's width
    cols = "".join(f'<col style="width:{w}%">' for w in widths)
    rows = []
    for r in _rows(df):
        synthetic = bool(r["synthetic"])
        badge = '<span class="badge">SYNTHETIC</span> ' if synthetic else ""
        work = _e(r["work_title"]) or "<i>untitled</i>"
        if r["year"] is not None:
            work += f" ({int(r['year'])})"
        if r["doi"]:
            work += (f'<br><a href="https://doi.org/{_e(r["doi"])}">doi:{_e(r["doi"])}</a>')
        if r["kind"] == ExcerptKind.CITATION_STATEMENT and (r["cited_title"] or r["cited_doi"]):
            work += f"<br>cites: {_e(r['cited_title'] or r['cited_doi'])}"
            details = ", ".join(x for x in (r["section"] and f"section {r['section']}",
                                            r["stance"] or "unclassified") if x)
            work += f"<br><span class='meta'>{_e(details)}</span>"
        status = r["translation_status"]
        translation = _e(_short(r["translation"])) if r["translation"] else ""
        provider = f" ({_e(r['translation_provider'])})" if r["translation_provider"] else ""
        translation += (f"<br><span class='status-{_e(status)}'>[{_e(status)}{provider}]</span>"
                        if status != "not needed" else "")
        themes = ", ".join(_e(t) for t in _list(r["themes"]))
        source = f"{_e(r['source'])}<div class='origin'>{_e(r['origin'])}</div>"
        rows.append(
            f"<tr class=\"{'synthetic' if synthetic else 'real'}\">"
            f"<td>{badge}{_e(r['kind']).replace('_', ' ')}</td><td>{_e(r['language'])}</td>"
            f"<td>{work}</td><td>{_e(_short(r['text']))}</td><td>{translation}</td>"
            f"<td>{themes}</td><td>{source}</td></tr>")
    return (f'<table class="records"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def render_report(data: ReportData, *, title: str = "litrev run report",
                  database_name: str | None = None,
                  generated_at: dt.datetime | None = None) -> str:
    """The whole report as one HTML string (no external resources)."""
    o = data.overview
    generated_at = generated_at or dt.datetime.now(dt.UTC)
    cards = [("works", o["works"]), ("excerpts", o["excerpts"]),
             ("citation statements", o["citation_statements"]), ("languages", o["languages"]),
             ("seed works", o["seed_works"]), ("harvest runs", o["runs"])]
    cards_html = "".join(f'<div class="card"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in cards)
    notice = ""
    if o["synthetic_works"] or o["synthetic_excerpts"]:
        notice = (f'<p class="notice"><span class="badge">SYNTHETIC</span> This corpus holds '
                  f'{_e(o["synthetic_works"])} synthetic works and {_e(o["synthetic_excerpts"])}'
                  " synthetic excerpts: examples written for the demo (DOI prefix 10.5555, "
                  "reserved for examples), not real records. They are drawn in orange in the "
                  "charts and marked SYNTHETIC in the table.</p>")
    seed_figs = "".join(
        _figure(svg, f"Stance of the citation statements citing the seed work {caption}; "
                "stance and confidence as given by the source.", "")
        for caption, svg in chart_seed_stances(data)
    ) or '<p class="meta">No citation statements of a seed work yet.</p>'
    listed = len(data.excerpts)
    more = (f" (the first {listed} of {o['excerpts']}; `litrev export excerpts` writes them all)"
            if o["excerpts"] and listed < o["excerpts"] else "")
    target = data.target_language or "the target language"
    last = o["last_run_started"]
    last_text = last.strftime("%Y-%m-%d %H:%M UTC") if hasattr(last, "strftime") else "none"
    sections = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Database {_e(database_name or "")} · last run started {last_text} · '
        f'report written {generated_at:%Y-%m-%d %H:%M} UTC · translations into '
        f"{_e(target)}</p>",
        f'<div class="cards">{cards_html}</div>', notice,
        "<h2>Excerpts by theme and language</h2>",
        _figure(chart_themes_by_language(data), "Excerpts coded with each theme of the "
                "codebook, by the language of the excerpt (matched in the original or its "
                "translation).", "No excerpts coded with a theme yet."),
        "<h2>Excerpts by publication year</h2>",
        _figure(chart_by_year(data), "Excerpts by the publication year of their work; records "
                "without a year (many repository records) are counted under 'no year'.",
                "No excerpts yet."),
        "<h2>Citation statements of the seed works</h2>", seed_figs,
        "<h2>PRISMA 2020 identification</h2>",
        _figure(chart_prisma(data), "PRISMA 2020 flow, identification stage, over all runs in "
                "the search ledger.", "No searches recorded yet."),
        _prisma_table(data.prisma),
        "<h2>Translation status</h2>",
        _figure(chart_translation_status(data), f"Excerpts by the status of their translation "
                f"into {target}.", "No excerpts yet."),
        f"<h2>Records{_e(more)}</h2>",
        "<p class=\"meta\">Each row shows the source that delivered the record and, beneath it, "
        "where its text came from.</p>",
        _records_table(data.excerpts),
    ]
    body = "\n".join(s for s in sections if s)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
            "</body>\n</html>\n")


def write_report(db_path: str | os.PathLike, out_path: str | os.PathLike, *,
                 target_language: str | None = None, title: str | None = None) -> Path:
    """Read the corpus (its snapshot when there is one) and write the report to ``out_path``."""
    from litrev.store.db import read_session
    from litrev.store.report import report_data

    with read_session(db_path) as con:
        data = report_data(con, target_language=target_language)
    page = render_report(data, title=title or "litrev run report",
                         database_name=Path(db_path).name)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out
