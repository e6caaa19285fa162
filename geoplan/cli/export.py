"""``geoplan export``: every layer as RFC 7946 GeoJSON, one GeoPackage and a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from geoplan.cli.options import (
    EPILOG,
    as_of_option,
    handle_errors,
    judged,
    overwrite_option,
    plan_argument,
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
@handle_errors
def export_command(plan: Path, output: Path, overwrite: bool, shapefile: bool | None,
                   precision: int | None, findings: bool, with_coverage: bool,
                   as_of: Any) -> None:
    """Export every layer of PLAN: GeoJSON (RFC 7946), one GeoPackage, a manifest.

    GeoJSON, one file per layer: WGS 84 longitude/latitude through the official VN-2000
    transformation (EPSG:6960), counter-clockwise outer rings, coordinates rounded to 7 decimals.
    The GeoPackage holds every layer in the plan's VN-2000 CRS with QGIS layer styles.
    manifest.json records the input files' SHA-256, the rule table, the CRSs and the counts.
    With --findings and/or --coverage the plan is analysed once and those results join the
    export. Existing outputs are kept unless --overwrite.
    """
    from geoplan.pipeline import export_plan

    result = export_plan(judged(plan, as_of), output, findings=findings,
                         coverage=with_coverage,
                         shapefile=shapefile or None, precision=precision, overwrite=overwrite)
    for path in result.files:
        click.echo(str(path))
    counts = result.manifest.get("counts", {})
    click.echo(f"export: {len(counts)} layer(s), {sum(counts.values())} feature(s), "
               f"{len(result.files)} file(s) in {result.folder}", err=True)
