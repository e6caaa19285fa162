"""``geoplan import-dxf``: a drawing with one CAD layer per kind becomes a plan with one layer per
kind, polygons closed and text entities used as ids."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from builders.progress import assert_progress_rules
from click.testing import CliRunner

import geoplan
from geoplan.cli import cli
from geoplan.errors import CRSError, PlanError
from geoplan.importers.dxf import cad_layer_kind, import_dxf
from geoplan.io.encodings import encode
from geoplan.progress import Recorder, listening

X0, Y0 = 565_000, 2_345_000  # Bắc Ninh area, VN-2000 TM-3 105°30′ (EPSG:9209)


def _poly(layer: str, pts: list[tuple[float, float]], *, closed: bool = True) -> list[str]:
    out = ["0", "POLYLINE", "8", layer, "66", "1", "70", "1" if closed else "0"]
    for x, y in pts:
        out += ["0", "VERTEX", "8", layer, "10", str(x), "20", str(y)]
    return [*out, "0", "SEQEND", "8", layer]


def _text(layer: str, x: float, y: float, text: str) -> list[str]:
    return ["0", "TEXT", "8", layer, "10", str(x), "20", str(y), "40", "2.5", "1", text]


def _square(x: float, y: float, side: float) -> list[tuple[float, float]]:
    return [(x, y), (x + side, y), (x + side, y + side), (x, y + side)]


def _drawing(path: Path, extra: list[str] | None = None) -> Path:
    """An R12 DXF as AutoCAD saves it with an ABC (TCVN3) font: ANSI_1252 bytes."""
    e: list[str] = []
    e += _poly("CCN_QUY_HOACH", _square(X0, Y0, 500))  # 25 ha, closed: a polygon
    e += _text("CCN_QUY_HOACH", X0 + 200, Y0 + 250, "CCN-01")
    e += _text("CCN_QUY_HOACH", X0 + 200, Y0 + 150, encode("Cụm công nghiệp Phong Khê", "tcvn3"))
    e += _poly("CCN_QUY_HOACH", _square(X0 + 2000, Y0, 400))  # no text: an id is generated
    e += _poly("CCN_QUY_HOACH", [(X0, Y0 + 2000), (X0 + 300, Y0 + 2000)], closed=False)
    e += _poly("KCN_HIEN_TRANG", _square(X0 + 5000, Y0, 1500))
    e += _text("KCN_HIEN_TRANG", X0 + 5700, Y0 + 700, "KCN-QV1")
    e += _poly("DZ_110KV", [(X0 - 3000, Y0 - 1000), (X0 + 8000, Y0 - 1000)], closed=False)
    e += _text("TEXT", X0 + 1000, Y0 - 980, "ĐZ-171")
    e += _poly("<script>alert(1)</script>", _square(X0, Y0 + 5000, 100))
    # AutoCAD 2007 and later (AC1021+) write DXF as UTF-8 whatever the code page says
    doc = ["0", "SECTION", "2", "HEADER", "9", "$ACADVER", "1", "AC1021", "9", "$DWGCODEPAGE",
           "3", "ANSI_1252", "0", "ENDSEC", "0", "SECTION", "2", "ENTITIES", *e, *(extra or []),
           "0", "ENDSEC", "0", "EOF"]
    path.write_text("\n".join(doc) + "\n", encoding="utf-8")
    return path


def test_cad_layer_names_to_kinds() -> None:
    assert cad_layer_kind("CCN_QUY_HOACH") == "industrial_cluster"
    assert cad_layer_kind("KCN Hiện trạng") == "industrial_park"
    assert cad_layer_kind("Đường dây 220kV") == "grid_line"
    assert cad_layer_kind("TBA_110") == "substation"
    assert cad_layer_kind("0") is None and cad_layer_kind("TEXT") is None


def test_drawing_becomes_one_layer_per_kind(tmp_path: Path) -> None:
    path = _drawing(tmp_path / "quy_hoach.dxf")
    out = tmp_path / "plan"
    result = import_dxf(path, out, crs="EPSG:9209", province="Bắc Ninh")
    assert result.layers == {"grid_line": 1, "industrial_cluster": 2, "industrial_park": 1}
    clusters = gpd.read_file(out / "industrial_cluster.gpkg")
    assert clusters["id"].tolist() == ["CCN-01", "industrial_cluster-2"]
    assert clusters.geom_type.tolist() == ["Polygon", "Polygon"]  # closed polylines closed
    assert (clusters.area / 1e4).round(6).tolist() == [25.0, 16.0]
    assert clusters["status"].tolist() == ["planned", "planned"]  # "QUY HOACH" in the name
    parks = gpd.read_file(out / "industrial_park.gpkg")
    assert parks.loc[0, "id"] == "KCN-QV1" and parks.loc[0, "status"] == "existing"
    lines = gpd.read_file(out / "grid_line.gpkg")
    assert lines.loc[0, "id"] == "ĐZ-171" and lines.loc[0, "voltage_kv"] == "110"
    assert result.dropped == {"open polyline on a industrial_cluster layer": 1,
                              "CAD layer '<script>alert(1)</script>' of no kind": 1}
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "<script>" not in readme and "&lt;script&gt;" in readme
    plan = geoplan.load_plan(out)
    assert plan.crs.to_epsg() == 9209 and set(plan.layers) == {
        "grid_line", "industrial_cluster", "industrial_park"}
    assert plan.report.errors == []


def test_tcvn3_text_in_an_ansi_drawing_becomes_the_name(tmp_path: Path) -> None:
    e = _poly("CCN", _square(X0, Y0, 300)) + _text("CCN", X0 + 100, Y0 + 100, "CCN-07") + \
        _text("CCN", X0 + 100, Y0 + 200, encode("Cụm công nghiệp Đồng Kỵ", "tcvn3"))
    doc = ["0", "SECTION", "2", "HEADER", "9", "$DWGCODEPAGE", "3", "ANSI_1252", "0", "ENDSEC",
           "0", "SECTION", "2", "ENTITIES", *e, "0", "ENDSEC", "0", "EOF"]
    path = tmp_path / "ccn.dxf"
    path.write_bytes(("\n".join(doc) + "\n").encode("cp1252"))
    result = import_dxf(path, tmp_path / "plan", crs="EPSG:9209")
    frame = gpd.read_file(tmp_path / "plan" / "industrial_cluster.gpkg")
    assert frame.loc[0, "id"] == "CCN-07" and frame.loc[0, "name"] == "Cụm công nghiệp Đồng Kỵ"
    assert any("converted from TCVN3 (ABC)" in n for n in result.notes)


def test_the_zone_is_required_and_mappings_checked(tmp_path: Path) -> None:
    path = _drawing(tmp_path / "a.dxf")
    with pytest.raises(CRSError, match="a DXF drawing carries no CRS"):
        import_dxf(path, tmp_path / "p", crs=None)
    with pytest.raises(CRSError, match="not projected in metres"):
        import_dxf(path, tmp_path / "p", crs="EPSG:4326")
    with pytest.raises(PlanError, match="'clusters' is not a layer kind"):
        import_dxf(path, tmp_path / "p", crs="EPSG:9209", layer_kinds={"X": "clusters"})
    res = CliRunner().invoke(cli, ["import-dxf", str(path), "-o", str(tmp_path / "p")])
    assert res.exit_code == 2 and "--crs" in res.output
    assert not (tmp_path / "p").exists()


def test_cli_with_a_layer_mapping(tmp_path: Path) -> None:
    path = _drawing(tmp_path / "a.dxf")
    res = CliRunner().invoke(cli, ["import-dxf", str(path), "--crs", "EPSG:9209", "-o",
                                   str(tmp_path / "p"), "--layer",
                                   "<script>alert(1)</script>=restricted_zone", "--layer",
                                   "DZ_110KV=none", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["layers"] == {"industrial_cluster": 2, "industrial_park": 1,
                              "restricted_zone": 1}
    assert data["cad_layers"]["DZ_110KV"] == {"kind": None, "entities": 1}


def test_external_references_are_not_followed(tmp_path: Path) -> None:
    """A block flagged as an external reference (XREF) naming a drawing outside the plan: GDAL's
    DXF reader does not open it, so nothing from it appears."""
    outside = tmp_path / "outside"
    outside.mkdir()
    _drawing(outside / "secret.dxf")
    block = ["0", "SECTION", "2", "HEADER", "9", "$ACADVER", "1", "AC1009", "0", "ENDSEC",
             "0", "SECTION", "2", "BLOCKS", "0", "BLOCK", "8", "0", "2", "XREF1", "70", "4",
             "10", "0", "20", "0", "3", "XREF1", "1", str(outside / "secret.dxf"), "0", "ENDBLK",
             "8", "0", "0", "ENDSEC"]
    e = [*_poly("CCN", _square(X0, Y0, 300)), "0", "INSERT", "8", "CCN", "2", "XREF1",
         "10", str(X0), "20", str(Y0)]
    doc = [*block, "0", "SECTION", "2", "ENTITIES", *e, "0", "ENDSEC", "0", "EOF"]
    path = tmp_path / "with_xref.dxf"
    path.write_text("\n".join(doc) + "\n", encoding="ascii")
    result = import_dxf(path, tmp_path / "plan", crs="EPSG:9209")
    assert result.layers == {"industrial_cluster": 1}
    assert sum(n for _, n in result.cad_layers.values()) <= 2


def test_the_import_reports_its_stages(tmp_path: Path) -> None:
    path = _drawing(tmp_path / "quy_hoach.dxf")
    with listening(Recorder()) as heard:
        import_dxf(path, tmp_path / "plan", crs="EPSG:9209")
    assert heard.names() == ["source", "classify", "label", "write"]
    steps = {name: [item for event, n, item in heard.events if event == "advance" and n == name]
             for name in heard.names()}
    assert steps["source"] == ["quy_hoach.dxf"]
    # every shape entity counted once (texts label, they are not sorted)
    sorted_total = next(v for e, n, v in heard.events if e == "start" and n == "classify")
    assert sorted_total == len(steps["classify"]) == 6
    assert sorted(steps["label"]) == ["grid_line", "industrial_cluster", "industrial_park"]
    assert steps["write"][-1] == "plan.toml, README.md" and len(steps["write"]) == 4


def test_import_dxf_bars_on_stderr_only_when_asked(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = _drawing(tmp_path / "a.dxf")
    args = ["import-dxf", str(path), "--crs", "EPSG:9209", "-o", str(tmp_path / "p"),
            "--overwrite", "--format", "json"]
    forced = assert_progress_rules(monkeypatch, args, (
        "Đọc dữ liệu nguồn", "Phân loại đối tượng CAD", "Gán nhãn theo lớp",
        "Ghi thư mục phương án"))
    assert json.loads(forced.stdout)["layers"]["industrial_park"] == 1
