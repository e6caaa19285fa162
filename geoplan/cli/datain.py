"""Commands that bring a Department's files in: ``import-osm``, ``import-dxf``, ``merge-plans``.

Click command objects, registered on the ``geoplan`` group in :mod:`geoplan.cli`. Each parses its
options, calls :mod:`geoplan.importers`, prints what it wrote (data to stdout, the summary to
stderr) and exits 0, or 1 with one clean message on an input error. Their stages (reading,
selecting, merging, writing) show as progress bars on stderr like the other long commands'
(``--progress/--no-progress``, off with ``geoplan -q`` or when stderr is not a terminal).
"""

from __future__ import annotations

from pathlib import Path

import click

from geoplan.cli.options import (
    EPILOG,
    format_option,
    handle_errors,
    lang_option,
    overwrite_option,
    progress_option,
    say,
)
from geoplan.cli.output import echo_json, echo_table

__all__ = ["import_dxf_command", "import_osm_command", "merge_plans_command"]


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
@lang_option
@handle_errors
@progress_option
def _import_osm(province: str, output: Path, source: Path | None, admin: Path | None,
                       buffer_m: float, fmt: str, overwrite: bool, lang: str | None) -> None:
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
    say("cli.import_written", lang or "vi", err=True, command="import-osm",
        folder=str(result.folder), where=f"{result.province}, ", epsg=str(result.crs_epsg),
        written=written)


@click.command("merge-plans", epilog=EPILOG)
@click.argument("plans", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path), metavar="OLD_PLAN...")
@click.option("--province", required=True, metavar="NEW",
              help="The province since 1 July 2025 the old provinces became part of.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              metavar="PLAN_DIR", help="The merged plan folder to write.")
@click.option("--meridian", default=None, metavar="DEGREES",
              help="Central meridian of the new province where the sources disagree, e.g. "
                   "106.25 or 106-15.")
@format_option
@overwrite_option
@lang_option
@handle_errors
@progress_option
def _merge_plans(plans: tuple[Path, ...], province: str, output: Path, meridian: str | None,
                 fmt: str, overwrite: bool, lang: str | None) -> None:
    """Merge the plans of old provinces (before 1 July 2025) into the new province's plan.

    Each old layer is read in its own CRS and reprojected to the new province's VN-2000 TM-3
    zone; ids are kept unique (prefixed with the old province's code where they collide) and
    every feature keeps old_province, old_commune, old_id. Possible duplicates across the old
    boundary are listed in duplicates.csv.
    """
    from geoplan.importers.merge import merge_plans

    result = merge_plans(list(plans), province, output, meridian_choice=meridian,
                         overwrite=overwrite)
    if fmt == "json":
        echo_json(result.summary())
    else:
        rows = [{"layer": name, "old_province": old, "features": n}
                for name, counts in result.layers.items() for old, n in counts.items()]
        echo_table(rows, ["layer", "old_province", "features"])
        for note in result.notes:
            say("cli.note", lang or "vi", err=True, text=str(note))
    say("cli.merge_written", lang or "vi", err=True, folder=str(result.folder),
        province=result.province, epsg=str(result.crs_epsg), plans=len(result.sources),
        duplicates=len(result.duplicates))


@click.command("import-dxf", epilog=EPILOG)
@click.argument("drawing", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                metavar="DRAWING.dxf")
@click.option("--crs", required=True, metavar="EPSG:CODE",
              help="The VN-2000 zone the drawing is in (a DXF carries no CRS), e.g. EPSG:9209.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              metavar="PLAN_DIR", help="The plan folder to write.")
@click.option("--layer", "layers", multiple=True, metavar="\"CAD NAME=KIND\"",
              help="Map a CAD layer to a kind (repeatable); KIND none leaves it out. Without "
                   "it CAD layer names are matched by their words (CCN, KCN, DZ 110KV, TBA ...).")
@click.option("--status", type=click.Choice(["existing", "under_construction", "planned"]),
              default="existing", show_default=True,
              help="Status of features whose CAD layer name says none.")
@click.option("--label-distance", type=click.FloatRange(min=0), default=50.0,
              show_default=True, metavar="M",
              help="A text this close to a line or point labels it (inside a polygon always).")
@click.option("--province", default=None, metavar="NAME", help="Written to the plan.")
@format_option
@overwrite_option
@lang_option
@handle_errors
@progress_option
def _import_dxf(drawing: Path, crs: str, output: Path, layers: tuple[str, ...], status: str,
                label_distance: float, province: str | None, fmt: str, overwrite: bool,
                lang: str | None) -> None:
    """Write a plan folder from an AutoCAD DXF drawing: one layer per kind.

    CAD layers become kinds, closed polylines polygons, and text entities ids or names of the
    feature they sit in or next to.
    """
    from geoplan.errors import PlanError
    from geoplan.importers.dxf import import_dxf

    mapping = {}
    for item in layers:
        cad, sep, kind = item.rpartition("=")
        if not sep or not cad:
            raise PlanError(f"--layer {item!r}: write \"CAD NAME=kind\", e.g. "
                            "\"CCN_QH=industrial_cluster\"")
        mapping[cad] = kind.strip()
    result = import_dxf(drawing, output, crs=crs, layer_kinds=mapping, status=status,
                        label_distance_m=label_distance, province=province,
                        overwrite=overwrite)
    if fmt == "json":
        echo_json(result.summary())
    else:
        echo_table([{"cad_layer": cad, "kind": kind or "(left out)", "entities": n}
                    for cad, (kind, n) in result.cad_layers.items()],
                   ["cad_layer", "kind", "entities"])
    written = ", ".join(f"{k} {v}" for k, v in result.layers.items())
    say("cli.import_written", lang or "vi", err=True, command="import-dxf",
        folder=str(result.folder), where="", epsg=str(result.crs_epsg), written=written)


#: The commands, typed for the group that registers them.
import_osm_command: click.Command = _import_osm
merge_plans_command: click.Command = _merge_plans
import_dxf_command: click.Command = _import_dxf
