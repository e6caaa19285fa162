"""MapInfo TAB/MIF: the CoordSys as MapInfo users write VN-2000 becomes the zone's EPSG code."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from builders.plans import PlanBuilder, ha_square
from pyproj import CRS

import geoplan
from geoplan.errors import LayerReadError
from geoplan.io.mapinfo import mapinfo_crs

COORDSYS = {
    # what MapInfo (and GDAL) write for VN-2000 / TM-3 105°30′: the WGS 84 datum, no shift
    "wgs84-datum": 'Earth Projection 8, 104, "m", 105.5, 0, 0.9999, 500000, 0',
    # "VN-2000 / user-defined": datum 9999 on the WGS 84 ellipsoid with the MONRE parameters
    "user-defined": ('Earth Projection 8, 9999, 28, -191.90441429, -39.30318279, -111.45032835, '
                     '-0.00928836, 0.01975479, -0.00427372, 0.252906278, 0, "m", 105.5, 0, '
                     '0.9999, 500000, 0'),
    "user-defined-3": ('Earth Projection 8, 9999, 28, -191.90441429, -39.30318279, '
                       '-111.45032835, 0, 0, 0, 0, 0, "m", 105.5, 0, 0.9999, 500000, 0'),
}


def _mif(folder: Path, coordsys: str, *, name: str = "ccn") -> Path:
    """A MIF/MID with two cluster squares near Bắc Ninh town in TM-3 105°30′ metres."""
    mif = (f'Version 300\nCharset "WindowsLatin1"\nDelimiter ","\nCoordSys {coordsys}\n'
           "Columns 3\n  ma Char(10)\n  ten Char(60)\n  trang_thai Char(20)\nData\n\n")
    mid = ""
    for i in range(2):
        x0, y0 = 565_000 + i * 3000, 2_345_000
        ring = [(x0, y0), (x0 + 500, y0), (x0 + 500, y0 + 500), (x0, y0 + 500), (x0, y0)]
        mif += "Region 1\n  5\n" + "".join(f"{x} {y}\n" for x, y in ring)
        mid += f'"CCN{i}","Cụm {i}","existing"\n'
    (folder / f"{name}.mif").write_text(mif, encoding="ascii")
    (folder / f"{name}.mid").write_bytes(mid.encode("cp1258", errors="replace"))
    return folder / f"{name}.mif"


@pytest.mark.parametrize("variant", list(COORDSYS))
def test_vn2000_coordsys_variants_become_the_zone_code(tmp_path: Path, variant: str) -> None:
    path = _mif(tmp_path, COORDSYS[variant])
    file_crs = pyogrio.read_info(str(path))["crs"]
    assert CRS(file_crs).to_epsg() is None  # no EPSG code in the file
    found = mapinfo_crs(CRS(file_crs))
    assert found.mapped and found.crs is not None and found.crs.to_epsg() == 9209
    b = PlanBuilder(tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": path.name}
    plan = geoplan.load_plan(b.write())
    layer = plan.layers["ccn"]
    assert layer.source_crs.to_epsg() == 9209
    (note,) = [p for p in plan.report.problems if p.code == "mapinfo-coordsys"]
    assert "VN-2000 / TM-3: EPSG:9209" in note.message_en and note.severity == "info"
    # no +towgs84 warning: the pinned EPSG:6960 is used, not the file's shift
    assert not [p for p in plan.report.problems if p.code == "crs-warning"]
    assert layer.frame.geometry.area.round(1).tolist() == [250_000.0, 250_000.0]


def test_tab_written_by_gdal_from_the_epsg_code_reads_back_as_it(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"ma": ["A", "B"], "ten": ["Cụm A", "Cụm B"],
                              "trang_thai": ["existing", "planned"]},
                             geometry=[ha_square(566_000, 2_346_000, 30),
                                       ha_square(569_000, 2_346_000, 40)], crs="EPSG:9209")
    pyogrio.write_dataframe(frame, tmp_path / "ccn.tab", driver="MapInfo File")
    assert pyogrio.read_dataframe(tmp_path / "ccn.tab").crs.to_epsg() is None
    b = PlanBuilder(tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.tab"}
    plan = geoplan.load_plan(b.write())
    assert plan.layers["ccn"].source_crs.to_epsg() == 9209
    assert plan.layers["ccn"].frame.geometry.area.div(1e4).round(2).tolist() == [30.0, 40.0]


def test_nonearth_table_takes_the_plan_crs_and_needs_one(tmp_path: Path) -> None:
    path = _mif(tmp_path, 'NonEarth Units "m" Bounds (0, 0) (1000000, 3000000)')
    b = PlanBuilder(tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": path.name}
    report = geoplan.validate_plan(b.write())
    assert [p.code for p in report.errors] == ["missing-crs"]
    note = next(p for p in report.problems if p.code == "mapinfo-coordsys")
    assert "NonEarth" in note.message_en
    b.layers["ccn"]["crs"] = "EPSG:9209"
    plan = geoplan.load_plan(b.write())
    assert plan.layers["ccn"].source_crs.to_epsg() == 9209


def test_a_coordsys_that_is_not_vn2000_is_a_clear_error(tmp_path: Path) -> None:
    path = _mif(tmp_path, 'Earth Projection 8, 1019, "m", 105.5, 0, 0.9999, 500000, 0')
    b = PlanBuilder(tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": path.name}
    errors = geoplan.validate_plan(b.write()).errors
    assert [p.code for p in errors] == ["mapinfo-coordsys", "missing-crs"]
    error = errors[0]
    assert "105°30′" in error.message_en and "not VN-2000" in error.message_en
    assert 'crs = "EPSG:...' in error.fix_en
    b.layers["ccn"]["crs"] = "EPSG:9209"  # the planner knows better: the plan decides
    assert geoplan.load_plan(b.write()).layers["ccn"].source_crs.to_epsg() == 9209
    path = _mif(tmp_path, 'Earth Projection 8, 104, "m", 105.25, 0, 0.9999, 500000, 0',
                name="odd")
    found = mapinfo_crs(CRS(pyogrio.read_info(str(path))["crs"]))
    assert not found.ok and "105°15′ is not a VN-2000 TM-3 meridian" in found.message


@pytest.mark.parametrize("header", [
    '!table\n!version 300\n!charset WindowsLatin1\n\nOpen Table "../../outside/secret" Hide\n'
    'Create View ccn As Select * From secret\n',
    '!table\n!version 300\n!charset WindowsLatin1\n\nDefinition Table\n  Type LINKED '
    'Charset "WindowsLatin1"\n',
    '!table\n!version 300\n\nDefinition Table\n  Type NATIVE Charset "Neutral"\n  Fields 1\n'
    '    Table Char (254) ;\nbegin_metadata\n"\\IsSeamless" = "TRUE"\nend_metadata\n',
])
def test_tab_files_that_open_other_files_are_refused(tmp_path: Path, header: str) -> None:
    (tmp_path / "ccn.tab").write_text(header, encoding="latin-1")
    with pytest.raises(LayerReadError, match="opens other files"):
        geoplan.io.read_vector(tmp_path / "ccn.tab")
