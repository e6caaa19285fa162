"""Legacy Vietnamese text (TCVN3/ABC, VNI, Windows-1258): tables, detection, conversion on read."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from builders.plans import PlanBuilder
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

import geoplan
from geoplan.io.encodings import (
    LEGACY_ENCODINGS,
    convert_frame,
    decode,
    detect,
    encode,
    syllable_share,
    transport_encoding,
)

TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
#: every Vietnamese letter with every tone, lower and upper case (12 vowels × 6 tones × 2 + đ Đ)
LETTERS = [unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
           for t in TONES] + ["đ", "Đ"]
SENTENCE = "Cụm công nghiệp Đông Anh mở rộng, chợ đầu mối nông sản Phủ Lý, trạm biến áp Quế Võ"


def test_every_letter_with_every_tone_round_trips_in_every_encoding() -> None:
    assert len(set(LETTERS)) == 146
    for enc in LEGACY_ENCODINGS:
        bad = [ch for ch in LETTERS if decode(encode(ch, enc), enc) != ch]
        assert bad == [], enc


def test_the_issue_example_and_known_codes() -> None:
    assert decode("Côm c«ng nghiÖp", "tcvn3") == "Cụm công nghiệp"
    assert encode("Cụm công nghiệp", "vni") == "Cuïm coâng nghieäp"
    # spot checks against a public converter's table (duydev/vietnamese-conversion, MIT)
    for uni, vni in (("Ẫ", "AÃ"), ("ẵ", "aü"), ("ỵ", "î"), ("ĩ", "ó"), ("ờ", "ôø"), ("Đ", "Ñ"),
                     ("ự", "öï")):
        assert encode(uni, "vni") == vni
    # TCVN3 codes of the ABC fonts (the lowercase letters and the seven uppercase bases)
    for uni, tcvn in (("à", "µ"), ("ư", "\xad"), ("Ư", "¦"), ("đ", "®"), ("ệ", "Ö"),
                      ("ỹ", "ü")):
        assert encode(uni, "tcvn3") == tcvn
    assert decode(encode(SENTENCE, "cp1258"), "cp1258") == SENTENCE


def test_tcvn3_table_matches_the_systems_iconv_where_it_has_one() -> None:
    try:
        raw = bytes(range(0xA1, 0x100))
        ref = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=raw,
                             capture_output=True, check=True).stdout.decode("utf-8")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("iconv with TCVN5712-1 not available")
    ours = decode(raw.decode("latin-1"), "tcvn3")
    assert unicodedata.normalize("NFC", ref) == ours


def test_tables_are_what_the_script_writes(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[1] / "scripts" / "make_legacy_tables.py"
    if not Path("/usr/share/i18n/charmaps/TCVN5712-1.gz").exists():
        pytest.skip("glibc charmaps not installed")
    data = Path(geoplan.__file__).parent / "io" / "data"
    before = {p.name: p.read_bytes() for p in data.glob("*.tsv")}
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
    assert {p.name: p.read_bytes() for p in data.glob("*.tsv")} == before


@pytest.mark.parametrize("enc", LEGACY_ENCODINGS)
def test_detection_picks_the_encoding(enc: str) -> None:
    values = [encode(s, enc) for s in SENTENCE.split(", ")]
    assert detect(values) == enc
    out, (conv,) = convert_frame(pd.DataFrame({"ten": values}))
    assert out["ten"].tolist() == SENTENCE.split(", ")
    assert conv.encoding == enc and conv.count == 3 and not conv.forced


def test_unicode_and_ascii_and_symbols_are_left_alone() -> None:
    frame = pd.DataFrame({"ten": ["Cụm công nghiệp", "Hà Nam", "Tân Yên"],
                          "note": ["© OpenStreetMap contributors (ODbL)"] * 3,
                          "code": ["CCN-01", "CCN-02", None]})
    out, conversions = convert_frame(frame)
    assert conversions == [] and out is frame
    assert detect(["Hà Nam", "Tân Yên"]) is None  # Latin-1 letters that read as Vietnamese
    assert syllable_share(["Côm c«ng nghiÖp"]) == pytest.approx(1 / 3)


def test_forced_encoding_converts_what_detection_would_not() -> None:
    frame = pd.DataFrame({"ten": ["Hµ"]})  # "µ" decodes to "à" in TCVN3
    out, (conv,) = convert_frame(frame, encoding="ABC")
    assert out.loc[0, "ten"] == "Hà" and conv.forced and conv.encoding == "tcvn3"
    assert "as the plan declares" in conv.message()
    assert transport_encoding("vni") == "ISO-8859-1" and transport_encoding("utf-8") == "utf-8"


@given(st.lists(st.sampled_from([*LETTERS, " ", "a", "n", "g", "h", "-"]), min_size=1,
                max_size=30))
def test_decode_inverts_encode_on_any_text(chars: list[str]) -> None:
    text = "".join(chars)
    for enc in LEGACY_ENCODINGS:
        assert decode(encode(text, enc), enc) == unicodedata.normalize("NFC", text)


# ------------------------------------------------------------------ through reading a plan


def _dbf_layer(folder: Path, values: list[str]) -> Path:
    """A Shapefile whose DBF holds ``values`` as raw single bytes and no .cpg (as old files)."""
    frame = gpd.GeoDataFrame({"ma": [f"C{i}" for i in range(len(values))], "ten": values,
                              "trang_thai": ["existing"] * len(values)},
                             geometry=[box(105.9 + i * 0.01, 21.0, 105.905 + i * 0.01, 21.005)
                                       for i in range(len(values))], crs="EPSG:4326")
    path = folder / "ccn.shp"
    pyogrio.write_dataframe(frame, path, encoding="ISO-8859-1")
    for sidecar in folder.glob("ccn.cpg"):
        sidecar.unlink()
    return path


@pytest.mark.parametrize("enc", ["tcvn3", "vni"])
def test_dbf_without_cpg_is_detected_and_converted(tmp_path: Path, enc: str) -> None:
    names = ["Cụm công nghiệp Đồng Văn", "Khu công nghiệp Yên Phong", "Cụm công nghiệp Hà Mãn"]
    path = _dbf_layer(tmp_path, [encode(n, enc) for n in names])
    b = PlanBuilder(tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": path.name}
    plan = geoplan.load_plan(b.write())
    assert plan.layers["ccn"].frame["name"].tolist() == names
    (note,) = [p for p in plan.report.problems if p.code == "legacy-encoding"]
    assert note.severity == "info" and note.layer == "ccn" and note.field == "ten"
    label = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI"}[enc]
    assert re.match(rf"text in 'ten' converted from {re.escape(label)} to Unicode \(detected\): "
                    r"3 values", note.message_en)


@pytest.mark.parametrize("cpg", [True, False], ids=["with .cpg", "without .cpg"])
@pytest.mark.parametrize("enc", ["tcvn3", "vni"])
def test_dbf_declared_in_a_font_encoding_reads_as_unicode(tmp_path: Path, enc: str,
                                                         cpg: bool) -> None:
    """The plan's ``encoding = "tcvn3"`` on a Shapefile, with the .cpg a GIS program writes
    ("ISO-8859-1") or without one: the DBF's bytes come through one to one and are decoded."""
    names = ["Cụm công nghiệp Đồng Văn", "Khu công nghiệp Yên Phong"]
    frame = gpd.GeoDataFrame({"ma": ["C0", "C1"], "ten": [encode(n, enc) for n in names],
                              "trang_thai": ["existing"] * 2},
                             geometry=[box(105.9 + i * 0.01, 21.0, 105.905 + i * 0.01, 21.005)
                                       for i in range(2)], crs="EPSG:4326")
    pyogrio.write_dataframe(frame, tmp_path / "ccn.shp", encoding="ISO-8859-1")
    if not cpg:
        (tmp_path / "ccn.cpg").unlink()
    b = PlanBuilder(tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.shp", "encoding": enc}
    plan = geoplan.load_plan(b.write())
    assert plan.layers["ccn"].frame["name"].tolist() == names


def test_csv_declared_tcvn3_reads_as_unicode(tmp_path: Path) -> None:
    table = pd.DataFrame({"ma": ["T1", "T2"], "ten": ["Chợ Hà Mãn", "Siêu thị Đông Anh"],
                          "loai_hinh": ["chợ", "siêu thị"], "trang_thai": ["hiện trạng"] * 2,
                          "lon": [106.05, 106.06], "lat": [21.18, 21.19]})
    text = table.to_csv(index=False)
    (tmp_path / "trade.csv").write_bytes(encode(text, "tcvn3").encode("latin-1"))
    b = PlanBuilder(tmp_path)
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.csv", "x_field": "lon",
                         "y_field": "lat", "crs": "EPSG:4326", "encoding": "tcvn3"}
    plan = geoplan.load_plan(b.write())
    frame = plan.layers["trade"].frame
    assert frame["name"].tolist() == ["Chợ Hà Mãn", "Siêu thị Đông Anh"]
    assert frame["type"].tolist() == ["market", "supermarket"]
    assert {p.field for p in plan.report.problems if p.code == "legacy-encoding"} >= {
        "ten", "loai_hinh", "trang_thai"}


def test_xlsx_with_vni_text_is_converted(tmp_path: Path) -> None:
    names = ["Chợ đầu mối Phủ Lý", "Trung tâm thương mại Vĩnh Yên"]
    table = pd.DataFrame({"ma": ["T1", "T2"], "ten": [encode(n, "vni") for n in names],
                          "loai_hinh": ["wholesale_market", "shopping_mall"],
                          "trang_thai": ["existing"] * 2, "lon": [106.05, 106.06],
                          "lat": [21.18, 21.19]})
    table.to_excel(tmp_path / "trade.xlsx", index=False)
    b = PlanBuilder(tmp_path)
    b.layers["trade"] = {"kind": "trade_facility", "path": "trade.xlsx", "x_field": "lon",
                         "y_field": "lat", "crs": "EPSG:4326"}
    plan = geoplan.load_plan(b.write())
    assert plan.layers["trade"].frame["name"].tolist() == names


@pytest.mark.parametrize("charset", ["WindowsLatin1", "Neutral"])
def test_mif_with_tcvn3_text_is_converted(tmp_path: Path, charset: str) -> None:
    """A MIF/MID pair as MapInfo writes it, the text in TCVN3 bytes."""
    names = ["Cụm công nghiệp Tiên Sơn", "Cụm công nghiệp Quế Võ"]
    mif = (f'Version 300\nCharset "{charset}"\nDelimiter ","\n'
           'CoordSys Earth Projection 1, 104\nColumns 3\n  ma Char(10)\n  ten Char(60)\n'
           '  trang_thai Char(20)\nData\n\n')
    mid = ""
    for i, name in enumerate(names):
        x = 105.9 + i * 0.05
        mif += (f"Region 1\n  5\n{x} 21.1\n{x + 0.01} 21.1\n{x + 0.01} 21.11\n{x} 21.11\n"
                f"{x} 21.1\n")
        mid += f'"C{i}","{encode(name, "tcvn3")}","hiện trạng"\n'.replace(
            "hiện trạng", encode("hiện trạng", "tcvn3"))
    (tmp_path / "ccn.mif").write_bytes(mif.encode("ascii"))
    (tmp_path / "ccn.mid").write_bytes(mid.encode("cp1252"))
    b = PlanBuilder(tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": "ccn.mif"}
    plan = geoplan.load_plan(b.write())
    assert plan.layers["ccn"].frame["name"].tolist() == names
    assert plan.layers["ccn"].frame["status"].tolist() == ["existing"] * 2


def test_excel_with_dms_coordinates_and_tcvn3_names(tmp_path: Path) -> None:
    """An Excel coordinate table as Departments keep them: degrees-minutes-seconds and decimals
    mixed, names typed with an ABC font."""
    table = pd.DataFrame({
        "ma": ["C1", "C2", "C3"],
        "ten": [encode(n, "tcvn3") for n in ("Chợ Đồng Xuân", "Siêu thị Hà Đông",
                                             "Chợ đầu mối Long Biên")],
        "loai_hinh": ["chợ", "siêu thị", "chợ đầu mối"],
        "trang_thai": ["hiện trạng"] * 3,
        "kinh_do": ["105°51'00.0\"E", "105°46′48″", 105.8750],
        "vi_do": ["21°02'15.6\"N", "20 58 12", "21,0450"],
    })
    table.to_excel(tmp_path / "cho.xlsx", index=False)
    from geoplan.io import read_table

    raw = read_table(tmp_path / "cho.xlsx", x_field="kinh_do", y_field="vi_do")
    xy = [(round(p.x, 6), round(p.y, 6)) for p in raw.geometry]
    assert xy == [(105.85, 21.037667), (105.78, 20.97), (105.875, 21.045)]
    b = PlanBuilder(tmp_path)
    b.layers["cho"] = {"kind": "trade_facility", "path": "cho.xlsx", "x_field": "kinh_do",
                       "y_field": "vi_do", "crs": "EPSG:4326"}
    plan = geoplan.load_plan(b.write())
    frame = plan.layers["cho"].frame
    assert frame["name"].tolist() == ["Chợ Đồng Xuân", "Siêu thị Hà Đông", "Chợ đầu mối Long Biên"]
    assert frame["type"].tolist() == ["market", "supermarket", "wholesale_market"]


def test_bad_dms_is_a_located_error(tmp_path: Path) -> None:
    from geoplan.errors import LayerReadError
    from geoplan.io import read_table

    pd.DataFrame({"x": ["105°61'00\""], "y": ["21°02'15\""]}).to_csv(tmp_path / "t.csv",
                                                                     index=False)
    with pytest.raises(LayerReadError, match=r"column 'x' must hold numbers \(row 2: "
                                             r"'105°61\\'00\"'\); degrees as decimals"):
        read_table(tmp_path / "t.csv", x_field="x", y_field="y")


def test_decoded_text_is_escaped_where_it_is_shown(tmp_path: Path) -> None:
    """Text that becomes markup only once decoded stays text on the map and in the notes."""
    from click.testing import CliRunner

    from geoplan.cli import cli

    hostile = "Cụm công nghiệp </script><img src=x onerror=alert(1)> Đồng Văn"
    path = _dbf_layer(tmp_path, [encode(hostile, "tcvn3"), encode("Cụm công nghiệp Hà Mãn",
                                                                  "tcvn3")])
    b = PlanBuilder(tmp_path)
    b.layers["ccn"] = {"kind": "industrial_cluster", "path": path.name}
    plan_file = b.write()
    assert geoplan.load_plan(plan_file).layers["ccn"].frame.loc[0, "name"] == hostile
    out = tmp_path / "map.html"
    res = CliRunner().invoke(cli, ["map", str(plan_file), "-o", str(out), "--offline",
                                   "--no-findings", "--no-coverage", "--no-grid"])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    # the name travels as JSON data inside a script element: it must not close that element
    assert "</script><img" not in html and "\\u003c/script>\\u003cimg src=x" in html
