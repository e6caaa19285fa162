"""Compose the stages: what the CLI, notebooks and scripts call.

:func:`geoplan.load.load_plan` reads and validates a plan; :func:`geoplan.analysis.analyse`
computes its one :class:`~geoplan.analysis.Analysis` (grid, checks, coverage); the functions
here deliver it: findings, coverage and grid files, the map, the exports, the report, the diff
and the demo. Each takes an ``Analysis`` (used as it is), a loaded plan or a plan path, and
builds at most one analysis.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from geoplan import io
from geoplan.analysis import Analysis, analyse, dedupe_findings
from geoplan.errors import PlanError
from geoplan.findings import FINDING_ID, concat_findings, localise
from geoplan.io.atomic import check_not_input
from geoplan.load import load_plan, validate_plan
from geoplan.messages import plan_lang
from geoplan.plan import Plan
from geoplan.progress import stage
from geoplan.rules import GRID_RULE_IDS

if TYPE_CHECKING:  # the coverage is imported by the functions that deliver it (not by check)
    from geoplan.coverage import CoverageResult
    from geoplan.grid import GridResult

log = logging.getLogger(__name__)

__all__ = [
    "GRID_RULE_IDS",
    "DemoResult",
    "analyse",
    "build_map",
    "compare_plans",
    "default_sample_path",
    "diff_plans",
    "export_plan",
    "load_plan",
    "map_analysis",
    "map_results",
    "report_form",
    "report_plan",
    "report_tables",
    "run_checks",
    "run_coverage",
    "run_demo",
    "run_grid",
    "run_pdp8",
    "validate_plan",
    "write_map",
]


def _loaded(plan: Plan | Analysis | str | Path) -> Plan:
    if isinstance(plan, Analysis):
        return plan.plan
    return plan if isinstance(plan, Plan) else load_plan(plan)


def _input_files(plan: Plan | Analysis | str | Path) -> list[Path]:
    """The files a plan is read from (plan file, layer sources with their sidecars, rasters),
    told from the plan file alone when the plan is not loaded yet."""
    from geoplan.plan import read_plan_file

    if isinstance(plan, (Plan, Analysis)):
        spec = _loaded(plan).spec
    else:
        try:
            spec = read_plan_file(plan)
        except PlanError:
            return []  # loading will say what is wrong with the plan file
    files = [spec.path]
    for layer in spec.layers:
        files += io.source_files(layer.path)
    return files


def _check_output(plan: Plan | Analysis | str | Path, output: str | Path, *,
                  overwrite: bool) -> None:
    """:func:`geoplan.io.check_output`, and never one of the plan's input files."""
    check_not_input(output, _input_files(plan))
    io.check_output(output, overwrite=overwrite)


# --------------------------------------------------------------------------------- checks


def _output_suffix(output: str | Path | None, allowed: tuple[str, ...], what: str,
                   example: str) -> str | None:
    if output is None:
        return None
    suffix = Path(output).suffix.lower()
    if suffix not in allowed:
        raise PlanError(f"{output}: {what}; name the file {example}")
    return suffix


def run_checks(
    plan: Plan | Analysis | str | Path,
    *,
    only: str | Sequence[str] | None = None,
    output: str | Path | None = None,
    overwrite: bool = False,
) -> gpd.GeoDataFrame:
    """The findings of the plan rules and the grid topology audit (what ``geoplan check``
    reports), optionally written.

    Parameters
    ----------
    plan
        An :class:`~geoplan.analysis.Analysis`, a loaded plan, or the plan file / folder.
    only
        Rule ids to run (all when None): :data:`geoplan.rules.RULE_IDS` and
        :data:`geoplan.rules.GRID_RULE_IDS`.
    output
        Write the findings as RFC 7946 GeoJSON (WGS 84 through the pinned transformation,
        written atomically by :func:`geoplan.io.write_geojson`).
    overwrite
        Replace an existing ``output``.

    Returns
    -------
    GeoDataFrame
        The findings, in the plan's analysis CRS.
    """
    _output_suffix(output, (".geojson", ".json"), "findings are written as GeoJSON",
                   "*.geojson")
    if isinstance(plan, Analysis) and only is None and plan.checks is not None:
        findings = plan.check_findings
    else:
        findings = analyse(_loaded(plan), coverage=False, only=only).check_findings
    if output is not None:
        _check_output(plan, output, overwrite=overwrite)
        io.write_geojson(findings, output, id_field=FINDING_ID, overwrite=overwrite)
    return findings


# ------------------------------------------------------------------------------- coverage


def run_coverage(
    plan: Plan | Analysis | str | Path,
    *,
    site: int = 0,
    capacitated: bool = False,
    output: str | Path | None = None,
    overwrite: bool = False,
) -> CoverageResult:
    """Grid coverage of a plan (:func:`geoplan.coverage.compute_coverage` on the grid's
    substations with their inferred voltages), optionally written.

    Parameters
    ----------
    plan
        An :class:`~geoplan.analysis.Analysis`, a loaded plan, or the plan file / folder.
    site
        Propose up to this many new 110 kV substation sites.
    capacitated
        Capacitated assignment (HiGHS ``milp``) instead of nearest-within-radius.
    output
        Write every output layer (features, substations, service areas, gaps, sites, findings)
        into one RFC 7946 GeoJSON FeatureCollection (WGS 84 by the pinned transformation),
        each feature tagged with an ``output`` property and carrying only its own layer's
        columns.
    overwrite
        Replace an existing ``output``.
    """
    _output_suffix(output, (".geojson", ".json"), "coverage outputs are written as GeoJSON",
                   "*.geojson")
    if output is not None:
        _check_output(plan, output, overwrite=overwrite)
    found = plan.coverage if isinstance(plan, Analysis) else None
    if found is None:
        found = analyse(_loaded(plan), checks=False, grid=False, site=site,
                        capacitated=capacitated).coverage
    if found is None:  # pragma: no cover - analyse raises instead (tolerate=False)
        raise PlanError("the coverage could not be computed for this plan")
    result: CoverageResult = found
    if output is not None:
        from geoplan.coverage.compute import LAYER_IDS as COVERAGE_LAYER_IDS

        io.write_geojson_layers(result.layers(), output, id_fields=COVERAGE_LAYER_IDS,
                                overwrite=overwrite)
    return result


# ----------------------------------------------------------------------------------- grid


def run_grid(
    plan: Plan | Analysis | str | Path,
    *,
    output: str | Path | None = None,
    overwrite: bool = False,
) -> GridResult:
    """The grid of a plan as a graph, with its topology audit (:mod:`geoplan.grid`).

    Parameters
    ----------
    plan
        An :class:`~geoplan.analysis.Analysis`, a loaded plan, or the plan file / folder.
    output
        Write the graph (nodes with degree and component, line edges with voltage) as a
        GeoJSON FeatureCollection in WGS 84.
    overwrite
        Replace an existing ``output``.
    """
    from geoplan.grid import analyse_plan, write_grid_geojson

    _output_suffix(output, (".geojson", ".json"), "the grid graph is written as GeoJSON",
                   "*.geojson")
    if output is not None:
        _check_output(plan, output, overwrite=overwrite)
    if isinstance(plan, Analysis) and plan.grid is not None:
        result = plan.grid
    else:
        loaded = _loaded(plan)
        found = analyse(loaded, checks=False, coverage=False).grid
        result = found if found is not None else analyse_plan(loaded)
    if output is not None:
        write_grid_geojson(result.grid, output, overwrite=overwrite)
    return result


def run_pdp8(
    plan: Plan | str | Path,
    national: str | Path,
    *,
    min_score: float | None = None,
    sheet: str | None = None,
    output: str | Path | None = None,
    overwrite: bool = False,
    lang: str | None = None,
) -> Any:
    """Reconcile a plan's 220/500 kV layers with a national PDP8 project list
    (:mod:`geoplan.pdp8`).

    Parameters
    ----------
    plan
        A loaded plan, or the plan file / folder to load.
    national
        The national list (``.csv`` or ``.xlsx``) in the layout of the PDP8 grid appendix.
    min_score
        Lowest name-match score, 0-100 (default :data:`geoplan.pdp8.MIN_SCORE`).
    sheet
        Read only this sheet of an ``.xlsx`` list.
    output
        Write the comparison table: ``.csv`` (UTF-8 with BOM, for Excel), ``.xlsx`` or
        ``.json``.
    overwrite
        Replace an existing ``output``.
    lang
        Language of the remarks and findings (default ``[report] lang``, else Vietnamese).

    Returns
    -------
    geoplan.pdp8.Pdp8Result
    """
    from geoplan.pdp8 import MIN_SCORE, reconcile_plan

    suffix = Path(output).suffix.lower() if output is not None else None
    if suffix is not None and suffix not in (".csv", ".xlsx", ".json"):
        raise PlanError(f"{output}: the comparison is written as .csv, .xlsx or .json")
    if output is not None:
        _check_output(plan, output, overwrite=overwrite)
    loaded = _loaded(plan)
    with stage("pdp8"):
        result = reconcile_plan(loaded, national, sheet=sheet,
                                min_score=MIN_SCORE if min_score is None else min_score,
                                lang=lang)
    if output is not None:
        from geoplan.io.spreadsheet import write_csv, write_xlsx_table

        # the names come from the plan and the national list: never a live formula
        if suffix == ".csv":
            write_csv(result.table, output, overwrite=overwrite)
        elif suffix == ".xlsx":
            write_xlsx_table(result.table, output, sheet="PDP8", overwrite=overwrite)
        else:
            with io.atomic_path(output, overwrite=overwrite) as tmp:
                tmp.write_text(result.table.to_json(orient="records", force_ascii=False,
                                                    indent=2), encoding="utf-8")
    return result


# ------------------------------------------------------------------------------------ map


def map_analysis(
    plan: Plan | Analysis | str | Path,
    *,
    findings: bool = True,
    coverage: bool = True,
    grid: bool = True,
    sites: int = 0,
) -> Analysis:
    """The one analysis a map draws: the checks (with the grid audit) and the coverage. A part
    that cannot be computed for this plan is left out with a warning (``Analysis.notes``):
    the map is still drawn."""
    if isinstance(plan, Analysis):
        return plan
    return analyse(_loaded(plan), checks=findings, grid=grid, coverage=coverage, site=sites,
                   tolerate=True)


def map_results(
    plan: Plan | Analysis | str | Path,
    *,
    findings: bool = True,
    coverage: bool = True,
    grid: bool = True,
    sites: int = 0,
) -> dict[str, Any]:
    """The results a map shows as keyword arguments of :func:`geoplan.maps.plan_map`:
    ``findings`` (the checks with the grid audit, as ``geoplan check`` reports them) and
    ``coverage`` (whose own findings are drawn as their own layer)."""
    analysis = map_analysis(plan, findings=findings, coverage=coverage, grid=grid, sites=sites)
    return _map_kwargs(analysis)


def _map_kwargs(analysis: Analysis, lang: str | None = None) -> dict[str, Any]:
    has_findings = analysis.checks is not None or (analysis.grid is not None
                                                   and analysis.grid_audit)
    findings = analysis.check_findings if has_findings else None
    language = plan_lang(analysis.plan, lang)
    if findings is not None:
        findings = _one_language(findings, language)
    coverage = analysis.coverage
    if coverage is not None:  # its findings, like the checks', in the map's language only
        coverage = dataclasses.replace(coverage,
                                       findings=_one_language(coverage.findings, language))
    return {"findings": findings, "coverage": coverage}


def _one_language(findings: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """Findings with ``message`` / ``reference`` in ``lang`` and the per-language columns
    dropped: what a map popup shows."""
    out = localise(findings, lang)
    return out.drop(columns=[c for c in ("message_vi", "message_en", "reference_vi",
                                         "reference_en") if c in out.columns])


def build_map(
    plan: Plan | Analysis | str | Path,
    *,
    findings: bool = True,
    coverage: bool = True,
    grid: bool = True,
    sites: int = 0,
    lang: str | None = None,
    **kwargs: Any,
) -> Any:
    """The interactive map of a plan (a :class:`folium.Map`, shown inline in a notebook).

    Draws one :class:`~geoplan.analysis.Analysis` (given, or computed once here with the
    checks, coverage and grid audit; switch each off with ``False``); ``sites`` proposes that
    many new substation sites; ``lang`` the language of the findings' popups (default
    ``[report] lang``, else Vietnamese). ``**kwargs`` go to :func:`geoplan.maps.plan_map`
    (``offline``, ``title``, ``layers``, ``basemaps`` ...).
    """
    from geoplan.maps import plan_map

    analysis = map_analysis(plan, findings=findings, coverage=coverage, grid=grid, sites=sites)
    return plan_map(analysis.plan, **_map_kwargs(analysis, lang), lang=lang, **kwargs)


def write_map(
    plan: Plan | Analysis | str | Path,
    output: str | Path,
    *,
    findings: bool = True,
    coverage: bool = True,
    grid: bool = True,
    sites: int = 0,
    paper: str | None = None,
    overwrite: bool = False,
    lang: str | None = None,
    **kwargs: Any,
) -> Path:
    """Write the map of a plan: ``.html`` interactive (folium), ``.png`` / ``.pdf`` a printable
    sheet (matplotlib, ``paper`` ``"A3"`` or ``"A4"``, default the plan's ``[map] paper`` or A3);
    ``lang`` chooses the language of the findings' texts (default ``[report] lang``, else vi).

    The analysis is that of :func:`build_map`; the file is written atomically. ``**kwargs``
    go to :func:`geoplan.maps.plan_map` or :func:`geoplan.maps.static_map`.
    """
    target = Path(output)
    suffix = _output_suffix(target, (".html", ".htm", ".png", ".pdf"),
                            "a map is written as .html (interactive), .png or .pdf "
                            "(printable sheet)", "*.html, *.png or *.pdf")
    _check_output(plan, target, overwrite=overwrite)
    if paper is not None and suffix in (".html", ".htm"):
        raise PlanError(f"{target}: --paper applies to .png and .pdf maps only")
    analysis = map_analysis(plan, findings=findings, coverage=coverage, grid=grid, sites=sites)
    results = _map_kwargs(analysis, lang)
    with stage("map"):
        if suffix in (".html", ".htm"):
            from geoplan.maps import write_map as _write_html

            return _write_html(analysis.plan, target, overwrite=overwrite, **results, lang=lang,
                               **kwargs)
        from geoplan.maps import write_static_map

        kwargs.pop("offline", None)  # a sheet has no tiles anyway
        sheet = paper or analysis.plan.settings.get("map", {}).get("paper", "A3")
        return write_static_map(analysis.plan, target, overwrite=overwrite, paper=sheet,
                                **results, **kwargs)


# ------------------------------------------------------------------------- export / report


def _coverage_extra(result: CoverageResult | None) -> dict[str, tuple[str, gpd.GeoDataFrame]]:
    """Coverage output layers for the export, named ``coverage_<output>``."""
    if result is None:
        return {}
    return {f"coverage_{name}": (f"coverage_{name}", frame)
            for name, frame in result.layers().items() if name != "findings"}


def export_plan(
    plan: Plan | Analysis | str | Path,
    output: str | Path,
    *,
    findings: bool = False,
    coverage: bool = False,
    shapefile: bool | None = None,
    precision: int | None = None,
    overwrite: bool = False,
) -> Any:
    """Export a plan into the folder ``output`` (:func:`geoplan.export.export_plan`).

    Every layer goes to RFC 7946 GeoJSON (one file per layer) and to one GeoPackage in the
    plan's CRS, with a ``manifest.json``; ``shapefile`` adds zipped Shapefiles.
    ``findings`` exports the findings of the checks (with the grid audit) as the layer
    ``findings``; ``coverage`` exports the coverage layers (``coverage_features``,
    ``coverage_substations``, ``coverage_service_areas``, ``coverage_gaps``,
    ``coverage_sites``), its findings joining ``findings``. Given an
    :class:`~geoplan.analysis.Analysis`, its parts are exported without computing anything.

    Returns
    -------
    geoplan.export.ExportResult
    """
    from geoplan.export import export_plan as _export

    if isinstance(plan, Analysis):
        analysis = plan
    elif findings or coverage:
        analysis = analyse(_loaded(plan), checks=findings, grid=findings, coverage=coverage)
    else:
        analysis = Analysis(_loaded(plan))
    extra: dict[str, tuple[str, gpd.GeoDataFrame]] = {}
    if findings or coverage:
        parts = []
        if findings:
            parts.append(analysis.check_findings)
        if coverage and analysis.coverage is not None:
            parts.append(analysis.coverage.findings)
            extra.update(_coverage_extra(analysis.coverage))
        frame = dedupe_findings(concat_findings(parts, crs=analysis.plan.crs))
        extra = {"findings": ("findings", frame), **extra}
    with stage("export"):
        return _export(analysis.plan, output, extra=extra, precision=precision,
                       shapefile=shapefile, overwrite=overwrite)


def report_plan(
    plan: Plan | Analysis | str | Path,
    output: str | Path | None = None,
    *,
    lang: str | None = None,
    checks: bool = True,
    coverage: bool = True,
    maps: bool | None = None,
    overwrite: bool = False,
) -> Any:
    """The Department's report on a plan (:mod:`geoplan.report`), optionally written.

    Parameters
    ----------
    plan
        An :class:`~geoplan.analysis.Analysis` (reported as it is), a loaded plan, or the plan
        file / folder.
    output
        ``*.html`` (one self-contained file that prints well) or ``*.xlsx`` (one sheet per
        table); nothing is written when ``None``.
    lang
        ``"vi"`` or ``"en"`` (default: ``[report] lang``, else Vietnamese).
    checks, coverage
        Report the checks (every finding, by rule, with the grid audit) and the coverage
        (coverage of clusters and parks, unserved demand, overloaded substations, sites).
    maps
        Draw the small static maps (default: ``[report] maps``, else true).

    Returns
    -------
    geoplan.report.Report
    """
    from geoplan.report import build_report, write_report

    _output_suffix(output, (".html", ".htm", ".xlsx"), "a report is written as .html or .xlsx",
                   "report.html or report.xlsx")
    if output is not None:
        _check_output(plan, output, overwrite=overwrite)
    if isinstance(plan, Analysis):
        analysis = plan
    else:
        loaded = _loaded(plan)
        sites = int(loaded.settings.get("report", {}).get("sites", 0))
        analysis = analyse(loaded, checks=checks, grid=checks, coverage=coverage, site=sites)
    parts = []
    if checks:
        parts.append(analysis.check_findings)
    cov = analysis.coverage if coverage else None
    if cov is not None:
        parts.append(cov.findings)
    findings = (dedupe_findings(concat_findings(parts, crs=analysis.plan.crs))
                if (checks or coverage) else None)
    with stage("report"):
        report = build_report(analysis.plan, findings=findings, coverage=cov, lang=lang,
                              maps=maps)
        if output is not None:
            write_report(report, output, overwrite=overwrite)
    return report


def diff_plans(
    before: Plan | str | Path,
    after: Plan | str | Path,
    *,
    output: str | Path | None = None,
    map_output: str | Path | None = None,
    offline: bool | None = None,
    tolerance_m: float | None = None,
    overwrite: bool = False,
) -> Any:
    """What changed from ``before`` to ``after`` (:func:`geoplan.diff.diff_plans`).

    ``output`` writes the differences as RFC 7946 GeoJSON (one feature per difference, the
    feature's geometry in ``after``, in ``before`` for removed features). ``map_output``
    (``*.html``) writes the interactive map of ``after`` with the differences as the layer
    "So sánh phương án / Plan changes" (:func:`geoplan.maps.plan_map` ``diff=``); ``offline``
    leaves out the base-map tiles (default: ``after``'s ``[map] offline``). An existing output
    stops the diff before anything is written unless ``overwrite``.

    Returns
    -------
    geoplan.diff.PlanDiff
    """
    from geoplan.diff import DEFAULT_TOLERANCE_M
    from geoplan.diff import diff_plans as _diff

    if output is not None and Path(output).suffix.lower() not in (".geojson", ".json"):
        raise PlanError(f"{output}: a diff is written as GeoJSON; name the file *.geojson")
    if map_output is not None and Path(map_output).suffix.lower() not in (".html", ".htm"):
        raise PlanError(f"{map_output}: the map of a diff is written as .html; name the file "
                        "*.html")
    for target in (output, map_output):
        if target is not None:
            for source in (before, after):
                _check_output(source, target, overwrite=overwrite)
    loaded = _loaded(after)
    earlier = _loaded(before)
    with stage("diff"):
        result = _diff(earlier, loaded,
                       tolerance_m=DEFAULT_TOLERANCE_M if tolerance_m is None else tolerance_m)
        if output is not None:
            io.write_geojson(result.frame, output, id_field=("layer", "id", "change"),
                             overwrite=overwrite)
    if map_output is not None:
        from geoplan.maps import write_map as _write_html

        with stage("map"):
            _write_html(loaded, map_output, overwrite=overwrite, diff=result, offline=offline)
    return result


# ------------------------------------------------------------------- forms, tables, variants


def report_form(
    plan: Plan | Analysis | str | Path,
    form: str | Path,
    period: str,
    output: str | Path | None = None,
    *,
    lang: str | None = None,
    maps: bool | None = None,
    overwrite: bool = False,
) -> Any:
    """A form a Department files (:mod:`geoplan.report.forms`), filled from the plan.

    Parameters
    ----------
    plan
        An :class:`~geoplan.analysis.Analysis`, a loaded plan, or the plan file / folder.
    form
        ``"bieu-04"`` (Circular 14/2024/TT-BCT's cluster report), ``"moit-outline"`` (the
        six-monthly and annual report to the Ministry) or the path of a form template.
    period
        ``"2026-H1"``, ``"2026-H2"``, ``"2026"`` ... as the form defines its periods.
    output
        ``*.xlsx`` (table forms, in the form's own layout) or ``*.html`` (prints on A4).

    Returns
    -------
    geoplan.report.forms.FilledForm
    """
    from geoplan.report.forms import fill_form, load_form
    from geoplan.report.formwriters import write_form

    template = load_form(form)
    allowed = (".xlsx", ".html", ".htm") if template.layout == "table" else (".html", ".htm")
    _output_suffix(output, allowed, f"{template.id} is written as "
                   f"{' or '.join(allowed[:2])}", f"{template.id}{allowed[0]}")
    if output is not None:
        io.check_output(output, overwrite=overwrite)
    needs_coverage = any(r.get("measure") in ("coverage", "unserved_population")
                         for r in template.rows) or bool(template.sections)
    if isinstance(plan, Analysis):
        analysis = plan
    else:
        loaded = _loaded(plan)
        analysis = analyse(loaded, checks=False, grid=False, coverage=needs_coverage,
                           tolerate=True)
    language = lang or analysis.plan.settings.get("report", {}).get("lang", "vi")
    draw = maps if maps is not None else bool(analysis.plan.settings.get("report", {}).get(
        "maps", True))
    with stage("report"):
        filled = fill_form(template, analysis.plan, period, coverage=analysis.coverage,
                           lang="en" if language == "en" else "vi", maps=draw)
        if output is not None:
            write_form(filled, output, overwrite=overwrite)
    return filled


def report_tables(
    plan: Plan | Analysis | str | Path,
    output: str | Path | None = None,
    *,
    against: Plan | str | Path | None = None,
    lang: str | None = None,
    overwrite: bool = False,
) -> Any:
    """The provincial plan's tables (:mod:`geoplan.report.tables`), optionally written.

    ``against`` is the previous plan: the tables then list the clusters and parks kept,
    adjusted, added and removed (through :func:`geoplan.diff.diff_plans`). ``output`` is
    ``*.xlsx`` (one sheet per table) or ``*.html``.

    Returns
    -------
    geoplan.report.Report
    """
    from geoplan.report import write_report
    from geoplan.report.tables import tables_report

    _output_suffix(output, (".html", ".htm", ".xlsx"), "the plan's tables are written as "
                   ".xlsx or .html", "tables.xlsx")
    if output is not None:
        io.check_output(output, overwrite=overwrite)
    if isinstance(plan, Analysis):
        analysis = plan
    else:
        analysis = analyse(_loaded(plan), checks=False, grid=False, coverage=True,
                           tolerate=True)
    before = _loaded(against) if against is not None else None
    language = lang or analysis.plan.settings.get("report", {}).get("lang", "vi")
    with stage("report"):
        report = tables_report(analysis.plan, coverage=analysis.coverage, against=before,
                               lang="en" if language == "en" else "vi")
        if output is not None:
            write_report(report, output, overwrite=overwrite)
    return report


def compare_plans(
    plans: Sequence[Plan | Analysis | str | Path],
    output: str | Path | None = None,
    *,
    lang: str | None = None,
    maps: bool = True,
    overwrite: bool = False,
) -> Any:
    """Two or more plans of one province side by side (:mod:`geoplan.report.compare`).

    Each plan is analysed once (checks, grid, coverage); the first is the reference. ``output``
    is ``*.html`` (one page, maps side by side) or ``*.xlsx``.

    Returns
    -------
    geoplan.report.compare.Comparison
    """
    from geoplan.report.compare import compare_analyses, write_comparison

    _output_suffix(output, (".html", ".htm", ".xlsx"), "a comparison is written as .html or "
                   ".xlsx", "compare.html")
    if output is not None:
        io.check_output(output, overwrite=overwrite)
    if len(plans) < 2:
        raise PlanError("compare needs two or more plans: geoplan compare A B [C …]")
    analyses = [p if isinstance(p, Analysis) else analyse(_loaded(p), tolerate=True)
                for p in plans]
    language = lang or analyses[0].plan.settings.get("report", {}).get("lang", "vi")
    with stage("compare"):
        result = compare_analyses(analyses, lang="en" if language == "en" else "vi", maps=maps)
        if output is not None:
            write_comparison(result, output, overwrite=overwrite)
    return result


# ------------------------------------------------------------------------------------ demo


def default_sample_path() -> Path:
    """The bundled sample province: ``layers/sample`` of the working folder or the checkout."""
    here = Path.cwd() / "layers" / "sample"
    if (here / "plan.toml").exists():
        return here
    checkout = Path(__file__).resolve().parents[1] / "layers" / "sample"
    if (checkout / "plan.toml").exists():
        return checkout
    raise PlanError("the bundled sample province (layers/sample/plan.toml) was not found; run "
                    "geoplan demo from the project folder or pass the plan to use")


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` wrote and found."""

    analysis: Analysis
    map_html: Path
    export_folder: Path
    report_html: Path
    files: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def plan(self) -> Plan:
        return self.analysis.plan

    @property
    def findings(self) -> gpd.GeoDataFrame:
        """Every finding once: the checks with the grid audit, then the coverage."""
        return self.analysis.findings

    @property
    def coverage_summary(self) -> Mapping[str, Any]:
        cov = self.analysis.coverage
        return cov.summary() if cov is not None else {}


def run_demo(
    plan: Plan | str | Path | None = None,
    output: str | Path = "maps",
    *,
    sites: int = 3,
    lang: str | None = None,
) -> DemoResult:
    """The main job: analyse a plan once, then write its offline map, exports and report.

    Everything goes under ``output`` (default ``maps/``), named after the plan's folder:
    ``NAME.html`` (the offline interactive map with the findings, coverage and grid layers),
    ``NAME-export/`` (RFC 7946 GeoJSON per layer, one GeoPackage, manifest) and
    ``NAME-report.html``. Earlier outputs of the demo are replaced. The grid and the
    coverage are computed once, in one :class:`~geoplan.analysis.Analysis`.
    """
    analysis = analyse(_loaded(plan if plan is not None else default_sample_path()), site=sites)
    stem = analysis.plan.path.parent.name or "plan"
    out = Path(output)
    map_path = write_map(analysis, out / f"{stem}.html", offline=True, overwrite=True,
                         lang=lang)
    exported = export_plan(analysis, out / f"{stem}-export", findings=True, coverage=True,
                           overwrite=True)
    report_path = out / f"{stem}-report.html"
    report_plan(analysis, report_path, overwrite=True, lang=lang)
    return DemoResult(analysis, map_path, exported.folder, report_path,
                      (map_path, *exported.files, report_path))
