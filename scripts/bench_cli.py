"""Benchmark what the command line costs before any work: start-up and printing the findings.

* **start-up**: whole child processes, alternated and timed with the same clock, medians of
  ``--repeat`` runs: ``python -c "import geopandas"`` (the baseline: what any geopandas tool
  pays), ``python -c "import geoplan"``, ``geoplan --version`` and ``geoplan check --help``.
  With ``--compare DIR`` the geoplan rows are run also from another checkout (its
  ``PYTHONPATH``), in the same alternation, so a change is measured against its parent;
* **printing**: ``geoplan check`` prints every finding on stdout. The findings of the national
  workload (``--plan``) are printed by :func:`geoplan.cli.output.echo_findings` and, as the
  baseline, the row-wise way (a dict per finding, one :func:`~geoplan.cli.output.finding_text`
  each) into an in-memory stream; both texts must be equal. ``--no-print`` skips it (it
  analyses the workload first, some seconds).

Usage::

    python scripts/bench_cli.py --repeat 7
    python scripts/bench_cli.py --compare /work/main --repeat 7 --no-print
    python scripts/bench_cli.py --plan /work/bench-out/workload-1/plan.toml --repeat 3

Targets: ``geoplan check --help`` no slower than ``import geopandas`` (0.65 s on a quiet
machine), ``geoplan --version`` well under it; printing at least 4 x faster than row-wise.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PLAN = Path("/work/bench-out/workload-1/plan.toml")

COMMANDS: dict[str, list[str]] = {
    "import geoplan": ["-c", "import geoplan"],
    "geoplan --version": ["-m", "geoplan", "--version"],
    "geoplan check --help": ["-m", "geoplan", "check", "--help"],
}
BASELINE = "import geopandas"


def _wall(args: list[str], tree: Path | None) -> float:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    t = time.perf_counter()  # run from elsewhere: `-c` and `-m` put the working folder first
    subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    return time.perf_counter() - t


def startup(repeat: int, compare: Path | None) -> None:
    runs: dict[str, list[float]] = {}
    jobs: list[tuple[str, list[str], Path | None]] = [(BASELINE, ["-c", "import geopandas"],
                                                       None)]
    for name, args in COMMANDS.items():
        jobs.append((name, args, ROOT))
        if compare is not None:
            jobs.append((f"{name} [{compare}]", args, compare))
    for _ in range(repeat):  # alternated: the load of the machine falls on every row alike
        for name, args, tree in jobs:
            runs.setdefault(name, []).append(_wall(args, tree))
    base = statistics.median(runs[BASELINE])
    print(f"start-up, whole process, medians of {repeat} (ratio to `{BASELINE}`):")
    for name, times in runs.items():
        med = statistics.median(times)
        print(f"  {name:<48} {med:6.3f} s  x{med / base:.2f}")


def _rowwise_text(findings: Any) -> str:
    """The baseline: a dict per finding, each value made plain, one text per finding, printed
    with one ``click.echo`` (what ``echo_findings`` did before it worked column by column)."""
    import click

    from geoplan.cli.output import FINDING_FIELDS, RULE_WIDTH, _plain, finding_text

    cols = [c for c in FINDING_FIELDS if c in findings.columns]
    recs = [{c: _plain(v) for c, v in zip(cols, row, strict=True)}
            for row in findings[cols].itertuples(index=False, name=None)]
    return _captured(lambda: click.echo("\n".join(finding_text(r, rule_width=RULE_WIDTH)
                                                 for r in recs)))


def _captured(job: Any) -> str:
    """What ``job`` prints on stdout (an in-memory stream: a pipe, not a terminal)."""
    saved, sink = sys.stdout, io.StringIO()
    sys.stdout = sink
    try:
        job()
    finally:
        sys.stdout = saved
    return sink.getvalue()


def _printed(findings: Any) -> str:
    from geoplan.cli.output import echo_findings

    return _captured(lambda: echo_findings(findings))


def printing(plan: Path, repeat: int) -> None:
    sys.path.insert(0, str(ROOT))
    import geoplan
    from geoplan.findings import localise
    from geoplan.pipeline import run_checks

    analysis = geoplan.analyse(plan, coverage=False)
    findings = run_checks(analysis)
    print(f"printing {len(findings):,} findings of {plan} (best of {repeat}):")
    for lang in ("vi", "en"):
        shown = localise(findings, lang)
        times: dict[str, list[float]] = {"row-wise": [], "echo_findings": []}
        cpu: dict[str, list[float]] = {"row-wise": [], "echo_findings": []}
        texts: dict[str, str] = {}
        for _ in range(repeat):
            for name, job in (("row-wise", _rowwise_text), ("echo_findings", _printed)):
                t, c = time.perf_counter(), time.process_time()
                texts[name] = job(shown)
                times[name].append(time.perf_counter() - t)
                cpu[name].append(time.process_time() - c)
        base, new = min(times["row-wise"]), min(times["echo_findings"])
        cbase, cnew = min(cpu["row-wise"]), min(cpu["echo_findings"])
        same = "identical" if texts["row-wise"] == texts["echo_findings"] else "DIFFERENT"
        print(f"  {lang}: row-wise {base:.3f} s, echo_findings {new:.3f} s, x{base / new:.1f} "
              f"faster (CPU {cbase:.3f} / {cnew:.3f} s, x{cbase / cnew:.1f}); texts {same} "
              f"({len(texts['row-wise']):,} characters)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", type=Path, default=None,
                        help="another checkout whose geoplan rows run in the same alternation")
    parser.add_argument("--plan", type=Path, default=DEFAULT_PLAN)
    parser.add_argument("--no-print", action="store_true", help="start-up only")
    parser.add_argument("--no-startup", action="store_true", help="printing only")
    args = parser.parse_args()
    if not args.no_startup:
        startup(args.repeat, args.compare)
    if not args.no_print:
        if not args.plan.exists():
            print(f"printing skipped: {args.plan} not found (--plan)", file=sys.stderr)
        else:
            printing(args.plan, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
