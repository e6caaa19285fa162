"""``geoplan export``: every layer as RFC 7946 GeoJSON, one GeoPackage and a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from geoplan.cli.options import (
    EPILOG,
    as_of_option,
    deliver_to_postgis,
    handle_errors,
    judged,
    lang_option,
    overwrite_option,
    plan_argument,
    postgis_options,
    preflight_postgis,
    progress_option,
    say,
)


@click.command("export", epilog=EPILOG)
@plan_argument
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder (created when missing).")
@overwrite_option
@click.option("--shapefile", is_flag=True, default=None,
              help="Also write one zipped Shapefile (UTF-8 .cpg) per plan layer.")
@click.option("--precision", type=click.IntRange(0, 15), default=None, metavar="N",
              help="Decimals of GeoJSON coordinates (default 7, about 1 cm).")
@click.option("--findings", is_flag=True, help="Run the checks and export their findings.")
@click.option("--coverage", "with_coverage", is_flag=True,
              help="Run the coverage analysis and export its layers and findings.")
@as_of_option
@lang_option
@postgis_options
@handle_errors
@progress_option
def export_command(plan: Path, output: Path, overwrite: bool, shapefile: bool | None,
                   precision: int | None, findings: bool, with_coverage: bool,
                   as_of: Any, lang: str | None, to_postgis: str | None,
                   pg_schema: str) -> None:
    """Export every layer of PLAN: GeoJSON (RFC 7946), one GeoPackage, a manifest.

    GeoJSON, one file per layer: WGS 84 longitude/latitude through the official VN-2000
    transformation (EPSG:6960), counter-clockwise outer rings, coordinates rounded to 7 decimals.
    The GeoPackage holds every layer in the plan's VN-2000 CRS with QGIS layer styles.
    manifest.json records the input files' SHA-256, the rule table, the CRSs and the counts.
    With --findings and/or --coverage the plan is analysed once and those results join the
    export. Existing outputs are kept unless --overwrite. --to-postgis also appends the plan's
    layers (and those results) to a PostGIS database, after the files are written.
    """
    from geoplan.analysis import Analysis, analyse
    from geoplan.io.atomic import check_not_input
    from geoplan.messages import plan_lang
    from geoplan.pipeline import export_plan, load_plan
    from geoplan.plan import find_plan_file

    # -o inside the plan's folder would mix the plan's inputs and its outputs
    check_not_input(output, [], folder=True, plan_folder=find_plan_file(plan).parent)
    preflight_postgis(to_postgis)
    loaded = load_plan(plan) if as_of is None else judged(plan, as_of)
    analysis = (analyse(loaded, checks=findings, grid=findings, coverage=with_coverage)
                if findings or with_coverage else Analysis(loaded))
    result = export_plan(analysis, output, findings=findings, coverage=with_coverage,
                         shapefile=shapefile or None, precision=precision, overwrite=overwrite)
    lg = plan_lang(loaded, lang)
    deliver_to_postgis(analysis, to_postgis, pg_schema, "export", lg)
    for path in result.files:
        click.echo(str(path))
    counts = result.manifest.get("counts", {})
    say("cli.export_summary", lg, err=True, layers=len(counts),
        features=sum(counts.values()), files=len(result.files), folder=str(result.folder))
