"""Plans over the real OpenStreetMap grid of one province (../shared/data), built in code.

``osm_province_plan`` writes, for one of the 34 provinces of 2025, the OSM lines that intersect
it (or, with ``clip=True``, the lines cut to it by :func:`geopandas.clip`, the habit the README
warns against), the substation points inside it, the plants touching it, its boundary and, when
asked, the WorldPop 2020 density raster, with a plan.toml.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio


def province_frame(shared: Path, province: str) -> gpd.GeoDataFrame:
    provinces = pyogrio.read_dataframe(shared / "vn-admin" / "vn_provinces_34_2025.geojson")
    part = provinces[provinces["name"] == province]
    assert len(part) == 1, f"{province!r} is not one of the 34 provinces of 2025"
    return part


def osm_province_plan(shared: Path, folder: Path, province: str, *, clip: bool = False,
                      population: bool = False, plants: bool = True,
                      plant_unit: str | None = "kW", voltage_field: str = "voltages",
                      tolerance_m: float = 300) -> Path:
    osm = shared / "vn-power-osm"
    bn = province_frame(shared, province)
    poly = bn.geometry.iloc[0]
    lines = pyogrio.read_dataframe(osm / "power_line.gpkg", bbox=tuple(bn.total_bounds))
    lines = lines[lines.intersects(poly)]  # selection by intersects: the README's advice
    if clip:
        lines = gpd.clip(lines, bn)
    subs = pyogrio.read_dataframe(osm / "power_substation_points_coords_only.geojson")
    subs = subs[subs.within(poly)]
    folder.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(lines, folder / "power_line.gpkg", layer="power_line")
    pyogrio.write_dataframe(subs, folder / "substations.geojson")
    pyogrio.write_dataframe(bn[["name", "code", "geometry"]], folder / "boundary.geojson")
    text = f"""[plan]
name = "{province}, OpenStreetMap grid"
province = "{province}"

[layers.boundary]
kind = "boundary"
path = "boundary.geojson"
defaults = {{ level = "province" }}

[layers.lines]
kind = "grid_line"
path = "power_line.gpkg"
fields = {{ id = "id", voltage_kv = "{voltage_field}", circuits = "circuits" }}
defaults = {{ status = "existing" }}

[layers.substations]
kind = "substation"
path = "substations.geojson"
fields = {{ id = "seq" }}
defaults = {{ status = "existing" }}
"""
    if plants:
        plant_frame = pyogrio.read_dataframe(osm / "power_plant.gpkg")
        plant_frame = plant_frame[plant_frame.intersects(poly)]
        pyogrio.write_dataframe(plant_frame, folder / "plants.gpkg", layer="power_plant")
        capacity = ('{ column = "output", unit = "' + plant_unit + '" }' if plant_unit
                    else '"output"')
        text += f"""
[layers.plants]
kind = "power_plant"
path = "plants.gpkg"
fields = {{ id = "id", capacity_mw = {capacity} }}
defaults = {{ status = "existing" }}
"""
    if population:
        raster = (shared / "worldpop-vnm-2020" / "vnm_pd_2020_1km.tif").as_posix()
        text += f"""
[layers.population]
kind = "population"
path = "{raster}"
"""
    text += f"""
[grid]
tolerance_m = {tolerance_m}
neighbours = "{(shared / 'vn-admin' / 'vn_provinces_34_2025.geojson').as_posix()}"
"""
    (folder / "plan.toml").write_text(text, encoding="utf-8")
    return folder / "plan.toml"
