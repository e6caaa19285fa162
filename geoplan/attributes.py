"""Attribute tables joined onto a layer by feature id, before validation.

A Department keeps the figures of its clusters (industrial land, leased land, the establishment
decision, secondary projects, labour, the wastewater plant ...) in a spreadsheet keyed by the
cluster's id, apart from the drawn polygons. A layer names that table in the plan::

    [layers.clusters]
    kind = "industrial_cluster"
    path = "industry.gpkg"
    attributes = "clusters.xlsx"            # or { path = "...", sheet = "CCN", key = "ma" }

:func:`join_attributes` reads the table (:func:`geoplan.io.tables.read_attribute_table`) and
joins its columns onto the layer as read, so the usual column matching (canonical names,
Vietnamese aliases, ``fields``) and validation apply to them exactly as to the layer's own
columns. Ids are compared as text, trimmed, Unicode-normalised and case-folded. A column of the
table replaces the layer's column of the same name where the table has a value. Every mismatch is
reported, never dropped silently:

* rows of the table whose id is not in the layer (``attributes-unmatched``, a warning);
* features of the layer without a row (``attributes-missing``, a note);
* the same id on several rows (``attributes-duplicate-id``, an error);
* columns of the layer that the table replaced (``attributes-replaced``, a note).
"""

from __future__ import annotations

import unicodedata
from typing import Any

import geopandas as gpd

from geoplan.io.tables import read_attribute_table
from geoplan.kinds import KINDS, fold, normalise_text
from geoplan.messages import Text
from geoplan.plan import LayerSpec
from geoplan.problems import Problem, read_error
from geoplan.problems import problem_text as _t

__all__ = ["id_column", "join_attributes"]

#: How many ids a message lists before "and N more".
_SHOWN = 8


def _shown(ids: list[str] | list[Text]) -> Text:
    """The first ids (or row labels) and how many more, in both languages."""
    texts = [i if isinstance(i, Text) else Text.same(i) for i in ids]
    shown = Text.join(", ", texts[:_SHOWN])
    return _t("more", shown=shown, n=len(ids) - _SHOWN) if len(ids) > _SHOWN else shown


def _key(value: Any) -> str | None:
    text = normalise_text(value)
    return None if text is None else unicodedata.normalize("NFC", text).casefold()


def id_column(columns: list[str], spec: LayerSpec) -> str | None:
    """The column of ``columns`` holding the feature id: the plan's ``fields.id``, else the
    canonical name or a Vietnamese alias of ``id`` (``ma``, ``mã`` ...)."""
    mapped = spec.fields.get("id")
    if mapped is not None:
        return mapped if mapped in columns else None
    by_fold = {fold(c).replace(" ", "_"): c for c in columns}
    field = KINDS[spec.kind].get("id") if spec.kind in KINDS and "id" in KINDS[
        spec.kind].field_names else None
    candidates = ("id", *field.aliases) if field is not None else ("id",)
    for name in candidates:
        hit = by_fold.get(fold(name).replace(" ", "_"))
        if hit is not None:
            return hit
    return None


def join_attributes(raw: gpd.GeoDataFrame, spec: LayerSpec
                    ) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """``raw`` with the columns of the layer's attribute table joined by id, and the problems.

    ``raw`` is the layer as read (source column names); it is not modified. A layer without
    ``attributes`` comes back as it is. Raises :class:`~geoplan.errors.LayerReadError` when the
    table cannot be read.
    """
    source = spec.attributes
    if source is None:
        return raw, []
    file = str(source.path)

    def problem(severity: str, code: str, message: Text, fix: Text | None = None, *,
                feature: str | None = None, field: str | None = None,
                count: int = 1) -> Problem:
        return Problem.of(severity, code, message, fix,  # type: ignore[arg-type]
                          layer=spec.name, file=file, feature=feature, field=field, count=count)

    table = read_attribute_table(source.path, sheet=source.sheet, encoding=source.encoding)
    columns = [c for c in raw.columns if c != raw.geometry.name]
    layer_id = id_column(columns, spec)
    if layer_id is None:
        raise read_error(_t("attributes_no_layer_id", path=str(spec.path), layer=spec.name,
                            file=file))
    key_col = source.key or (layer_id if layer_id in table.columns else
                             id_column(list(table.columns), spec))
    if key_col is None or key_col not in table.columns:
        listed = (Text.same(", ".join(map(str, table.columns))) if len(table.columns)
                  else _t("none"))
        raise read_error(_t("attributes_no_key", file=file, layer=spec.name,
                            looked=str(source.key or layer_id), columns=listed))
    problems: list[Problem] = []
    keys = table[key_col].map(_key)
    blank = keys.isna()
    if blank.any():
        rows = [_t("row", n=int(i) + 2) for i in blank[blank].index]
        problems.append(problem("warning", "attributes-no-id",
                                _t("attributes_no_id", n=len(rows), rows=_shown(rows)),
                                _t("attributes_no_id_fix", column=str(key_col)),
                                field=key_col, count=len(rows)))
    table = table[~blank].assign(_key=keys[~blank])
    dup = table["_key"].duplicated(keep=False)
    if dup.any():
        ids = sorted(set(table.loc[dup, key_col].map(str)))
        problems.append(problem("error", "attributes-duplicate-id",
                                _t("attributes_duplicate_id", ids=_shown(ids)),
                                _t("attributes_duplicate_id_fix"), field=key_col,
                                count=len(ids)))
        table = table[~table["_key"].duplicated(keep="first")]

    layer_keys = raw[layer_id].map(_key)
    known = set(layer_keys.dropna())
    unmatched = table[~table["_key"].isin(known)]
    if len(unmatched):
        ids = [str(v) for v in unmatched[key_col]]
        problems.append(problem("warning", "attributes-unmatched",
                                _t("attributes_unmatched", n=len(ids), ids=_shown(ids)),
                                _t("attributes_unmatched_fix", column=str(layer_id)),
                                field=key_col, count=len(ids)))
    matched = set(table["_key"])
    without = [str(v) for v, k in zip(raw[layer_id], layer_keys, strict=True)
               if k is not None and k not in matched]
    if without:
        problems.append(problem("info", "attributes-missing",
                                _t("attributes_missing", n=len(without), ids=_shown(without)),
                                _t("attributes_missing_fix"), field=layer_id,
                                count=len(without)))

    extra = [c for c in table.columns if c not in (key_col, "_key")]
    lookup = table.set_index("_key")[extra]
    joined = lookup.reindex(layer_keys.to_numpy())
    joined.index = raw.index
    out = raw.copy()
    replaced = []
    for col in extra:
        values = joined[col].astype(object)
        if col in out.columns and col != out.geometry.name:
            given = values.notna() & (values.astype(str).str.strip() != "")
            if given.any():
                replaced.append(col)
            out[col] = out[col].astype(object).where(~given, values)
        elif col == out.geometry.name:
            continue
        else:
            out[col] = values
    if replaced:
        problems.append(problem("info", "attributes-replaced",
                                _t("attributes_replaced",
                                   columns=", ".join(map(repr, replaced)))))
    return gpd.GeoDataFrame(out, geometry=raw.geometry.name, crs=raw.crs), problems
