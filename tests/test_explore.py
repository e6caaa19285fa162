"""Every frame geoplan hands a notebook opens with ``GeoDataFrame.explore()`` as installed.

geopandas' ``explore`` needs folium, matplotlib and mapclassify; mapclassify is a dependency of
geoplan so that it works out of the box. No browser is needed: the folium map is rendered to
HTML and its GeoJSON layer counted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import geoplan
from geoplan.analysis import Analysis


@pytest.fixture(scope="module")
def analysis(sample_plan_path: Path) -> Analysis:
    return geoplan.analyse(sample_plan_path, site=1)


#: The frames of the sample's analysis (Analysis.layers) and of its plan.
FRAMES = ("findings", "coverage_features", "coverage_substations", "coverage_service_areas",
          "coverage_gaps", "coverage_sites", "grid_nodes", "grid_edges", "grid_stations",
          "grid_interconnections")


def _features_drawn(m: Any) -> int:
    """The features of the GeoJSON layer(s) in the rendered map."""
    html = m.get_root().render()
    found = re.findall(r'"type": "Feature"', html)
    return len(found)


def test_the_analysis_has_the_frames_tested(analysis: Analysis) -> None:
    assert set(analysis.layers()) == set(FRAMES)


@pytest.mark.parametrize("name", FRAMES)
def test_every_result_frame_can_be_explored(analysis: Analysis, name: str) -> None:
    import folium

    frame = analysis.layers()[name]
    assert len(frame), name  # the sample has some of each
    m = frame.explore()
    assert isinstance(m, folium.Map)
    drawn = frame[~frame.geometry.isna() & ~frame.geometry.is_empty]
    assert _features_drawn(m) == len(drawn)


def test_every_plan_layer_can_be_explored(analysis: Analysis) -> None:
    for name, layer in analysis.plan.layers.items():
        m = layer.frame.explore(tooltip=False)
        assert _features_drawn(m) == int((~layer.frame.geometry.isna()).sum()), name


def test_a_classified_choropleth_of_a_result_uses_mapclassify(analysis: Analysis) -> None:
    import numpy as np

    frame = analysis.layers()["coverage_features"]
    m = frame.explore(column="distance_m", scheme="quantiles", k=4)
    ticks = re.search(r"\.tickValues\(\[([^\]]+)\]\)", m.get_root().render())
    assert ticks is not None, "no classified legend"
    shown = [float(v) for v in ticks.group(1).split(",")]
    values = frame["distance_m"].dropna().to_numpy()
    # the class breaks are the quartiles (numpy's, computed independently of mapclassify)
    expected = [values.min(), *np.quantile(values, [0.25, 0.5, 0.75]), values.max()]
    assert shown == pytest.approx(expected, rel=1e-6)
