"""``geoplan pdp8``: the plan's 220/500 kV grid against the national power plan's list."""

from __future__ import annotations

from pathlib import Path

import click

from geoplan.cli.options import (
    EPILOG,
    file_lang,
    format_option,
    handle_errors,
    lang_option,
    overwrite_option,
    plan_argument,
    progress_option,
    said,
)
from geoplan.cli.output import echo_json, echo_table, records


@click.command("pdp8", epilog=EPILOG)
@plan_argument
@click.option("--list", "national", type=click.Path(exists=True, dir_okay=False,
                                                    path_type=Path), required=True,
              help="The national project list (.csv or .xlsx) in the layout of the PDP8 grid "
                   "appendix: name, capacity MVA or circuits × km, note, under phase headers.")
@click.option("--sheet", default=None, help="Read only this sheet of an .xlsx list.")
@click.option("--min-score", type=click.FloatRange(0, 100), default=None, metavar="0-100",
              help="Lowest fuzzy name-match score accepted (default 85).")
@format_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the comparison table (.csv, .xlsx or .json).")
@overwrite_option
@lang_option
@handle_errors
@progress_option
def pdp8_command(plan: Path, national: Path, sheet: str | None, min_score: float | None,
                 fmt: str, output: Path | None, overwrite: bool,
                 lang: str | None) -> None:
    """Compare PLAN's 220 and 500 kV substations and lines with the national plan (PDP8).

    Names are matched after normalisation (diacritics, "TBA", "500kV", "Rẽ" loop-ins,
    "nối cấp"...) with a fuzzy score; results: in both (capacity MVA, circuits × km and phase
    compared), in the national list only (when it concerns the province), in the provincial
    plan only. The remarks and findings are in Vietnamese unless --lang en (or the plan's
    [report] lang) says English.
    """
    from geoplan.pipeline import run_pdp8

    result = run_pdp8(plan, national, min_score=min_score, sheet=sheet, output=output,
                      overwrite=overwrite, lang=lang)
    counts = result.counts()
    if fmt == "json":
        echo_json({"counts": counts, "results": records(result.table),
                   "elsewhere": records(result.elsewhere, ["row", "kind", "voltage_kv",
                                                            "name", "phase"])})
    else:
        echo_table(records(result.table),
                   ["result", "kind", "voltage_kv", "national_name", "plan_id", "score",
                    "phase", "mva", "circuits_km", "remarks"])
    lg = file_lang(plan, lang)
    click.echo(said("cli.pdp8_summary", lg, both=counts["both"],
                    national=counts["national only"], plan=counts["plan only"],
                    elsewhere=counts["elsewhere"])
               + (said("cli.written_to", lg, path=str(output)) if output else ""), err=True)
