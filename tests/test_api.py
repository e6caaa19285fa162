"""The public API is declared, and importing geoplan stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import tomllib
import yaml

import geoplan

ROOT = Path(__file__).resolve().parents[1]


def test_all_is_sorted_and_importable() -> None:
    # isort-style order (CONSTANTS, Classes, functions), as ruff's RUF022 keeps it
    def key(name: str) -> tuple[int, str]:
        kind = 0 if name.isupper() else (1 if name[:1].isupper() else 2)
        return kind, name

    assert geoplan.__all__ == sorted(geoplan.__all__, key=key)
    assert len(set(geoplan.__all__)) == len(geoplan.__all__)
    for name in geoplan.__all__:
        assert hasattr(geoplan, name), name


def test_import_does_not_pull_heavy_optional_modules() -> None:
    code = (
        "import sys, geoplan\n"
        "heavy = ['folium', 'branca', 'matplotlib', 'click', 'networkx', 'scipy', 'openpyxl',"
        " 'jinja2', 'rasterio']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"import geoplan imported: {out}"


def test_library_never_prints(tmp_path: Path) -> None:
    """No print() in the library: only the CLI talks to the terminal (through click.echo).
    Doctest examples (``>>> print(...)``) show output to the reader and are not code paths."""
    offenders = []
    for path in (ROOT / "geoplan").rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith((">>> ", "... ")):
                continue
            if line.lstrip().startswith("print(") or " print(" in line.split("#")[0]:
                offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert not offenders, offenders


def _names(requirements: list[str]) -> set[str]:
    import re

    out = set()
    for req in requirements:
        name = re.split(r"[<>=!;\[ ]", req.strip(), maxsplit=1)[0].lower()
        out.add({"psycopg": "psycopg"}.get(name, name))
    return out


def test_environment_yml_in_step_with_pyproject() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    wanted = _names([d for d in project["dependencies"] if "python_version" not in d])
    wanted |= _names(project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = _names([d for d in env["dependencies"] if isinstance(d, str)]) - {"python", "pip"}
    assert wanted == conda, (f"only in pyproject: {sorted(wanted - conda)}; "
                             f"only in environment.yml: {sorted(conda - wanted)}")


def test_version_reports_gdal_geos_proj() -> None:
    from click.testing import CliRunner

    from geoplan.cli import cli

    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    import re

    assert re.match(r"geoplan \d+\.\d+\.\d+ \(GDAL \d+\.\d+\.\d+, GEOS \d+\.\d+\.\d+.*, "
                    r"PROJ \d+\.\d+\.\d+", result.output)


def test_python_dash_m_entry_point() -> None:
    out = subprocess.run([sys.executable, "-m", "geoplan", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "Exit codes: 0 ok; 1 input error" in out
