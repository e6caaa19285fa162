"""The import structure of geoplan: no cycle, no upward import, no issue markers in the package.

The graph is read from the source with :mod:`ast`: only imports that run when a module is
imported count (module level, ``if``/``try``/``with`` blocks and class bodies); imports inside
functions and under ``if TYPE_CHECKING:`` are lazy or for the type checker and do not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "geoplan"

#: The layers, lowest first. A module may import modules of its own layer or of a lower one,
#: never of a higher one ("to its right"). A module not named here is placed by its first name
#: under ``geoplan`` (``geoplan.grid.build`` is in the layer of ``grid``).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "messages", "problems", "names", "_version", "markup", "progress", "attribution"),
    ("kinds",),
    ("crs",),
    ("plan",),
    ("io",),
    ("attributes",),
    ("load",),
    ("findings", "results", "rules", "parameters", "indicators"),
    ("checks", "grid", "coverage", "pdp8", "importers"),
    ("engine",),
    ("analysis",),
    ("maps", "export", "diff", "report", "db"),
    ("pipeline",),
    ("cli", "web"),
    ("__main__",),
)
RANK = {name: i for i, names in enumerate(LAYERS) for name in names}

#: "(issue" or "issue 7" / "issue #7", in any case.
ISSUE_MARKER = re.compile(r"\(issue|\bissue\s*#?\s*\d+", re.IGNORECASE)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_time_nodes(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                found += _import_time_nodes(node.body)
            found += _import_time_nodes(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody,
                          *(h.body for h in node.handlers)):
                found += _import_time_nodes(block)
        elif isinstance(node, ast.With | ast.ClassDef):
            found += _import_time_nodes(node.body)
    return found


def _targets(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The geoplan modules ``name`` (at ``path``) imports at import time."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in _import_time_nodes(tree.body):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "geoplan")
            continue
        if node.level:
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        if source.split(".")[0] != "geoplan":
            continue
        for alias in node.names:  # `from pkg import submodule` imports the submodule
            sub = f"{source}.{alias.name}"
            out.add(sub if sub in modules else source)
    return out


def _graph() -> nx.DiGraph:
    modules = _modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for target in _targets(name, path, modules):
            if target != name:
                graph.add_edge(name, target)
    return graph


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "geoplan"


def test_the_graph_is_read() -> None:
    """The walker finds what it must (a test of the test): known edges, lazy ones left out."""
    graph = _graph()
    assert graph.has_edge("geoplan.plan", "geoplan.errors")
    assert graph.has_edge("geoplan.checks.boundary", "geoplan.checks._common")
    assert graph.has_edge("geoplan.load.loader", "geoplan.crs")  # `from geoplan import crs`
    assert graph.has_edge("geoplan.crs", "geoplan.crs.zones")
    assert not graph.has_edge("geoplan.errors", "geoplan.problems")  # under TYPE_CHECKING
    assert not graph.has_edge("geoplan.io.geojson", "geoplan.crs")  # inside a function


def test_no_import_cycle() -> None:
    cycles = sorted(sorted(c) for c in nx.simple_cycles(_graph()))
    shown = "\n".join(" -> ".join([*c, c[0]]) for c in cycles[:20])
    assert not cycles, f"{len(cycles)} import cycle(s) inside geoplan:\n{shown}"


def test_every_module_has_a_layer() -> None:
    unknown = sorted(m for m in _modules() if _layer(m) not in RANK and m != "geoplan")
    assert not unknown, (f"modules without a layer in LAYERS (add them where they belong): "
                         f"{', '.join(unknown)}")


def test_no_upward_import() -> None:
    wrong = []
    for source, target in sorted(_graph().edges):
        if target == "geoplan" and source != "geoplan":
            wrong.append(f"{source} imports the package geoplan itself (import the module)")
        elif source != "geoplan" and target != "geoplan":
            low, high = _layer(source), _layer(target)
            if low in RANK and high in RANK and RANK[high] > RANK[low]:
                wrong.append(f"{source} ({low}) imports {target} ({high}), a later layer")
    assert not wrong, "upward imports:\n" + "\n".join(wrong)


def test_no_dynamic_import() -> None:
    """``importlib.import_module`` / ``__import__`` would hide an import from the graph (the
    load stage once reached the later stages' settings checkers that way)."""
    calls = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in ("import_module", "__import__"):
                    calls.append(f"{name} line {node.lineno}")
    assert not calls, f"dynamic imports: {', '.join(calls)}"


def test_no_issue_marker() -> None:
    """No "(issue" / "issue N" in code, templates, data or assets: they reach planners' eyes."""
    hits = []
    for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        hits += [f"{path.relative_to(PACKAGE)} line {text.count(chr(10), 0, m.start()) + 1}: "
                 f"{m.group(0)!r}" for m in ISSUE_MARKER.finditer(text)]
    assert not hits, "issue markers under geoplan/:\n" + "\n".join(hits)


# ------------------------------------------------------------------ what each entry imports


def _imported(code: str) -> set[str]:
    """The top-level packages and geoplan modules in ``sys.modules`` after running ``code`` in a
    fresh interpreter."""
    import subprocess
    import sys

    probe = (f"{code}\nimport sys\n"
             "print(' '.join(m for m in sys.modules if '.' not in m or m.startswith('geoplan.')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=PACKAGE.parent).stdout
    return set(out.split())


HEAVY_FOR_STARTUP = {"pandas", "geopandas", "pyproj", "pyogrio", "shapely", "geoplan.coverage",
                     "geoplan.grid", "geoplan.analysis", "geoplan.pipeline", "geoplan.maps"}


def test_import_geoplan_is_light_and_names_come_on_first_use() -> None:
    assert not _imported("import geoplan") & (HEAVY_FOR_STARTUP | {"click"})
    loaded = _imported("import geoplan\n"
                       "assert geoplan.run_checks is geoplan.pipeline.run_checks\n"
                       "assert geoplan.load_plan.__module__ == 'geoplan.load.loader'\n"
                       "assert geoplan.crs.to_wgs84 and geoplan.FINDING_COLUMNS[0] == 'rule'\n"
                       "assert set(geoplan.__all__) <= set(dir(geoplan))")
    assert {"geoplan.pipeline", "geoplan.crs", "geoplan.findings"} <= loaded


def test_a_name_that_is_not_there_is_an_attribute_error() -> None:
    import pytest

    import geoplan

    with pytest.raises(AttributeError, match="module 'geoplan' has no attribute 'run_check'"):
        geoplan.run_check  # noqa: B018
    assert not hasattr(geoplan, "cli_main")


def test_the_command_line_help_imports_no_stage() -> None:
    """``geoplan --help`` / ``geoplan check --help`` build every command's options: that must
    not import pandas, geopandas, pyproj or any analysis stage."""
    assert not _imported("import geoplan.cli") & HEAVY_FOR_STARTUP


def test_check_imports_no_coverage_map_or_report() -> None:
    """``geoplan check`` runs ``analyse(coverage=False)``: the coverage, the maps, the exports
    and the report are not imported."""
    loaded = _imported("from click.testing import CliRunner\nfrom geoplan.cli import cli\n"
                       "res = CliRunner().invoke(cli, ['check', 'layers/sample'])\n"
                       "assert res.exit_code == 3, res.output")
    assert "geoplan.checks" in loaded and "geoplan.grid" in loaded
    assert not loaded & {"geoplan.coverage", "geoplan.maps", "geoplan.export", "geoplan.report",
                         "folium", "matplotlib"}
