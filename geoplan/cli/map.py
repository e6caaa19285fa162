"""``geoplan map``: the interactive HTML map or the printable PNG/PDF sheet of a plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from geoplan.cli.options import (
    EPILOG,
    as_of_option,
    file_lang,
    handle_errors,
    judged,
    lang_option,
    overwrite_option,
    plan_argument,
    progress_option,
    say,
)


@click.command("map", epilog=EPILOG)
@plan_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="NAME.html (interactive map), NAME.png or NAME.pdf (printable sheet). "
                   "Default: maps/<plan folder>.html")
@click.option("--offline", is_flag=True, default=None,
              help="No base-map tiles: the HTML makes no network request at all.")
@click.option("--no-findings", is_flag=True, help="Do not run the checks for the map.")
@click.option("--no-coverage", is_flag=True, help="Do not run the coverage analysis.")
@click.option("--no-grid", is_flag=True, help="Do not run the grid topology audit.")
@click.option("--sites", type=click.IntRange(0, 50), default=0, show_default=True,
              help="Propose this many new substation sites (coverage).")
@click.option("--paper", type=click.Choice(["A3", "A4"]), default=None,
              help="Paper of a .png/.pdf sheet (default: [map] paper, else A3).")
@click.option("--layer", "layers", multiple=True, metavar="NAME",
              help="Only this plan layer (repeat for several).")
@click.option("--title", default=None, help="Title of the map (default: the plan name).")
@overwrite_option
@as_of_option
@lang_option
@handle_errors
@progress_option
def map_command(plan: Path, output: Path | None, offline: bool | None, no_findings: bool,
                no_coverage: bool, no_grid: bool, sites: int, paper: str | None,
                layers: tuple[str, ...], title: str | None, overwrite: bool, as_of: Any,
                lang: str | None) -> None:
    """Write the map of PLAN: an interactive HTML map or a printable PNG/PDF sheet.

    The HTML map has one toggleable layer per plan layer, styled by meaning (voltage, status,
    type), with the findings of the checks, the coverage gaps and proposed sites and the grid
    audit when they can be computed (the plan is analysed once; its findings are those of
    geoplan check); a legend, popups in Vietnamese and English, search by name, measure, full
    screen and scale bar. Leaflet and its plugins are inlined, so with --offline the file
    opens on a machine with no internet. A .png or .pdf is an A3/A4 sheet with legend, scale
    bar, north arrow and title.
    """
    from geoplan.pipeline import write_map
    from geoplan.plan import find_plan_file

    if output is None:
        output = Path("maps") / f"{find_plan_file(plan).resolve().parent.name or 'plan'}.html"
    suffix = output.suffix.lower()
    if paper is not None and suffix not in (".png", ".pdf"):
        raise click.UsageError("--paper applies to a .png or .pdf sheet, not to "
                               f"{output.name}")
    if offline and suffix in (".png", ".pdf"):
        raise click.UsageError("--offline applies to an .html map (a sheet has no tiles)")
    options: dict[str, Any] = {"layers": list(layers) or None, "title": title}
    if suffix in (".html", ".htm"):
        options["offline"] = offline
    path = write_map(judged(plan, as_of), output, findings=not no_findings,
                     coverage=not no_coverage, grid=not no_grid, sites=sites, paper=paper,
                     overwrite=overwrite, lang=lang, **options)
    click.echo(str(path))
    say("cli.map_written", file_lang(plan, lang), err=True, path=str(path),
        size=path.stat().st_size / 1e6)
