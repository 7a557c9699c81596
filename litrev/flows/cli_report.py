"""`litrev report`: the run report as one self-contained HTML file (charts embedded)."""

from __future__ import annotations

from litrev.flows.cli import add_command
from litrev.flows.context import Context


def cmd_report(args, ctx: Context) -> int:
    from litrev.flows.report import write_report

    profile = ctx.profile(required=False)
    out = write_report(
        ctx.db_path, args.output,
        target_language=profile.target_language if profile else None,
        title=f"{profile.name}: run report" if profile else None)
    print(f"wrote {out} (one HTML file with its charts embedded; open it in any browser, "
          "no network needed)")
    return 0


def register(subparsers) -> None:
    p = add_command(subparsers, "report",
                    help="write the run report: one HTML file with charts (themes by language, "
                         "years, seed stances, PRISMA flow, translation status) and the records",
                    example="litrev report -o report.html\n"
                            "litrev --db litrev-demo.ducklake report -o litrev-out/report.html")
    p.add_argument("-o", "--output", default="report.html",
                   help="where to write the HTML file (default: report.html)")
    p.set_defaults(func=cmd_report)
