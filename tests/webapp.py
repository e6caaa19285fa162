"""Helpers shared by the workbench tests (tests/test_web.py, tests/test_web_browser.py)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import shapely.affinity
from builders import province as mini_province

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "layers" / "sample"
SAMPLE_FILES = ("boundary.geojson", "industry.gpkg", "grid.gpkg", "trade_facilities.csv",
                "power_plants.geojson", "restricted_zones.geojson", "population.tif")
HOSTILE = "<img src=x onerror=alert(1)>"


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html) or re.search(
        r'"X-CSRF-Token": "([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def plan_ids(html: str) -> list[str]:
    return re.findall(r'href="/plans/([a-z0-9-]+)"', html)


def mini_plan(folder: Path, *, name: str = "Tỉnh Thử Nghiệm 2021–2030",
              hostile: bool = False, moved: bool = False) -> Path:
    """The small province of tests/mini_province.py (no report maps: fast), optionally with a
    cluster and a column named like a script, or with one cluster moved 300 m."""
    frames = mini_province.frames()
    if hostile:
        clusters = frames["clusters"].copy()
        clusters.loc[0, "ten"] = HOSTILE
        clusters[HOSTILE] = "x"
        frames["clusters"] = clusters
    if moved:
        clusters = frames["clusters"].copy()
        clusters.loc[1, "geometry"] = shapely.affinity.translate(clusters.geometry.iloc[1],
                                                                 xoff=300.0)
        frames["clusters"] = clusters
    return mini_province.write_plan(folder, name=name, layers=frames,
                                    extra="[report]\nmaps = false")


def zip_bytes(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        if symlink is not None:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


def geojson_feature_collection(names: list[str]) -> bytes:
    import json

    feats: list[dict[str, Any]] = [
        {"type": "Feature", "properties": {"ma": f"Z-{i}", "ten": n, "loai": "Di tích"},
         "geometry": {"type": "Polygon", "coordinates": [[[105.9 + i * 0.01, 21.1],
                                                         [105.905 + i * 0.01, 21.1],
                                                         [105.905 + i * 0.01, 21.105],
                                                         [105.9 + i * 0.01, 21.1]]]}}
        for i, n in enumerate(names)]
    return json.dumps({"type": "FeatureCollection", "features": feats},
                      ensure_ascii=False).encode()
