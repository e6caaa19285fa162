"""``geoplan diff``: what changed between two versions of a plan, feature by feature."""

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
    progress_option,
    said,
)
from geoplan.cli.output import echo_json, echo_table

_COLUMNS = ["layer", "id", "change", "distance_m", "area_change_ha", "fields", "details"]


@click.command("diff", epilog=EPILOG)
@click.argument("plan_a", type=click.Path(exists=True, path_type=Path), metavar="PLAN_A")
@click.argument("plan_b", type=click.Path(exists=True, path_type=Path), metavar="PLAN_B")
@format_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the differences as GeoJSON (one feature per difference).")
@click.option("--tolerance", type=click.FloatRange(min=0), default=None, metavar="M",
              help="Geometries closer than M metres count as unmoved (default 0.01).")
@click.option("--map", "map_output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, metavar="NAME.html",
              help="Also write the interactive map of PLAN_B with the changes as a layer.")
@click.option("--offline", is_flag=True, default=None,
              help="With --map: no base-map tiles, the HTML makes no network request at all.")
@overwrite_option
@lang_option
@handle_errors
@progress_option
def diff_command(plan_a: Path, plan_b: Path, fmt: str, output: Path | None,
                 tolerance: float | None, map_output: Path | None, offline: bool | None,
                 overwrite: bool, lang: str | None) -> None:
    """What changed from PLAN_A to PLAN_B, layer by layer, feature by feature (by id).

    added / removed features, moved ones (distance of the centroid and largest displacement, in
    metres, in PLAN_A's CRS) and changed ones (which fields, before → after). --map draws them
    on the map of PLAN_B: added green, removed red (dashed), moved orange with an arrow from
    the old position, changed blue.
    """
    from geoplan.pipeline import diff_plans

    if offline and map_output is None:
        raise click.UsageError("--offline applies to the map: add --map NAME.html")
    result = diff_plans(plan_a, plan_b, output=output, map_output=map_output, offline=offline,
                        tolerance_m=tolerance, overwrite=overwrite)
    records = result.to_records()
    if fmt == "json":
        echo_json(records)
    else:
        echo_table(records, _COLUMNS)
    summary = result.summary()
    lg = file_lang(plan_b, lang)
    count = {c: int(summary[c].sum()) for c in ("added", "removed", "moved", "changed")}
    click.echo(said("cli.diff_summary", lg, before=str(result.before), after=str(result.after),
                    **count)
               + (said("cli.written_to", lg, path=str(output)) if output else "")
               + (said("cli.map_also", lg, path=str(map_output)) if map_output else ""),
               err=True)
