"""Build small plans in code for tests: layers written to a temp folder plus a plan.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import Point, box

from builders.common import centred_box, side_of, toml_value

# A small "province" around Bắc Ninh town, in VN-2000 TM-3 105°30′ (EPSG:9209) metres.
ZONE = "EPSG:9209"
X0, Y0 = 560_000.0, 2_340_000.0  # easting, northing
SIZE = 20_000.0


def province_polygon() -> Any:
    return box(X0, Y0, X0 + SIZE, Y0 + SIZE)


def square(cx: float, cy: float, side: float) -> Any:
    """A square of ``side`` metres centred on (cx, cy) (absolute coordinates)."""
    return centred_box(cx, cy, side)


def ha_square(cx: float, cy: float, ha: float) -> Any:
    """A square of ``ha`` hectares centred on (cx, cy) (absolute coordinates)."""
    return square(cx, cy, side_of(ha))


class PlanBuilder:
    """Collects layers and writes them with a plan.toml."""

    def __init__(self, folder: Path, *, name: str = "Test plan", **plan_keys: Any) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.plan_keys = {"name": name, "analysis_crs": ZONE, **plan_keys}
        self.layers: dict[str, dict[str, Any]] = {}
        self.extra: str = ""

    def add(self, name: str, kind: str, frame: gpd.GeoDataFrame | None = None, *,
            filename: str | None = None, driver: str | None = None, **keys: Any) -> Path:
        filename = filename or f"{name}.gpkg"
        path = self.folder / filename
        if frame is not None:
            frame.to_file(path, driver=driver) if driver else frame.to_file(path)
        self.layers[name] = {"kind": kind, "path": filename, **keys}
        return path

    def add_boundary(self) -> None:
        frame = gpd.GeoDataFrame({"name": ["Tỉnh Thử"], "level": ["province"]},
                                 geometry=[province_polygon()], crs=ZONE)
        self.add("boundary", "boundary", frame)

    def write(self) -> Path:
        lines = ["[plan]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in self.plan_keys.items() if v is not None]
        for name, table in self.layers.items():
            lines.append(f"\n[layers.{name}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in table.items()]
        if self.extra:
            lines.append(self.extra)
        path = self.folder / "plan.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def clusters(n: int = 3, *, crs: str = ZONE) -> gpd.GeoDataFrame:
    geoms = [ha_square(X0 + 3000 + 4000 * i, Y0 + 5000, 20 + 5 * i) for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "id": [f"C{i + 1}" for i in range(n)],
            "ten": [f"Cụm công nghiệp Số {i + 1}" for i in range(n)],
            "trang_thai": ["Hiện trạng", "Quy hoạch", "Mở rộng"][:n] + ["planned"] * max(0, n - 3),
            "dien_tich": [20.0 + 5 * i for i in range(n)],
        },
        geometry=geoms,
        crs=crs,
    )


def points(xs: list[float], ys: list[float], crs: str | None, **cols: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=shapely.points(xs, ys), crs=crs)


__all__ = ["X0", "Y0", "ZONE", "PlanBuilder", "Point", "clusters", "ha_square", "points",
           "province_polygon", "square"]
