"""Commands that bring a Department's files in: ``import-osm``, ``import-dxf``, ``merge-plans``.

Click command objects, registered on the ``geoplan`` group by :mod:`geoplan.cli`. Each parses its
options, calls :mod:`geoplan.importers`, prints what it wrote (data to stdout, the summary to
stderr) and exits 0, or 1 with one clean message on an input error.
"""

from __future__ import annotations

from pathlib import Path

import click

from geoplan.cli import (
    EPILOG,
    echo_json,
    echo_table,
    format_option,
    handle_errors,
    overwrite_option,
)

__all__ = ["import_osm_command"]


@click.command("import-osm", epilog=EPILOG)
@click.option("--province", required=True, metavar="NAME",
              help="A province of the 34 since 1 July 2025, e.g. \"Thanh Hóa\".")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              metavar="PLAN_DIR", help="The plan folder to write.")
@click.option("--source", type=click.Path(exists=True, path_type=Path), default=None,
              metavar="FILE",
              help="Open Infrastructure Map export (VNM.gpkg or a folder of its layers) or an "
                   ".osm.pbf/.osm extract. Default: $GEOPLAN_OSM_SOURCE, else vn-power-osm in "
                   "the shared data.")
@click.option("--admin", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, metavar="DIR",
              help="Folder with vn_provinces_34_2025.geojson (and vn_wards_<name>_2025.geojson). "
                   "Default: vn-admin beside the source.")
@click.option("--buffer-m", type=click.FloatRange(min=0), default=2000.0, show_default=True,
              metavar="M", help="Take substations and plants up to M metres outside the province.")
@format_option
@overwrite_option
@handle_errors
def _import_osm(province: str, output: Path, source: Path | None, admin: Path | None,
                       buffer_m: float, fmt: str, overwrite: bool) -> None:
    """Write a plan folder for a province's power grid from OpenStreetMap.

    Lines that touch the province are taken whole; substations and plants inside the province
    plus a buffer; the 2025 boundary with its neighbours (and communes where available). The
    folder's README.md says what was taken and dropped; every OpenStreetMap layer carries
    "© OpenStreetMap contributors (ODbL)".
    """
    from geoplan.importers.osm import counts_table, import_osm

    result = import_osm(province, output, source=source, admin=admin, buffer_m=buffer_m,
                        overwrite=overwrite)
    if fmt == "json":
        echo_json(result.summary())
    else:
        echo_table(counts_table(result), ["layer", "source", "near", "taken", "dropped",
                                          "notes"])
    written = ", ".join(f"{k} {v}" for k, v in result.layers.items())
    click.echo(f"import-osm: {result.folder} ({result.province}, EPSG:{result.crs_epsg}): "
               f"{written}", err=True)


#: The commands, typed for the group that registers them.
import_osm_command: click.Command = _import_osm
