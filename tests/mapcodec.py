"""Decode geoplan's compact map JSON in Python, for tests (a twin of geoplan.js)."""

from __future__ import annotations

from typing import Any

import numpy as np


def decode(data: dict[str, Any]) -> list[list[list[list[tuple[float, float]]]]]:
    """A Python twin of geoplan.js ``geometries()``: features -> parts -> rings -> (lat, lon)."""
    flat = np.cumsum(np.asarray(data["c"], dtype=np.int64).reshape(-1, 2), axis=0) / data["s"]
    g, r, k = data.get("g"), data.get("r"), data.get("k")
    out, ci, ri, pi = [], 0, 0, 0
    for f in range(data["n"]):
        parts = []
        for _ in range(g[f] if g else 1):
            rings = []
            for _ in range(r[pi] if r else 1):
                nc = k[ri] if k else 1
                rings.append([tuple(v) for v in flat[ci:ci + nc].tolist()])
                ci += nc
                ri += 1
            parts.append(rings)
            pi += 1
        out.append(parts)
    assert ci == len(flat), "every vertex belongs to a ring"
    return out
