"""``geoplan report``: the Department's report on a plan, a form it files, or the plan's tables."""

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
    overwrite_option,
    plan_argument,
    progress_option,
    say,
)


@click.command("report", epilog=EPILOG)
@plan_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="report.html (one self-contained, printable file) or report.xlsx.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the labels (default: [report] lang, else vi).")
@click.option("--no-maps", is_flag=True, help="Leave out the small static maps.")
@click.option("--form", "form", default=None, metavar="NAME|FORM.toml",
              help="Fill a form a Department files instead: bieu-04 (Circular 14/2024/TT-BCT, "
                   "clusters; .xlsx), moit-outline (six-monthly / annual report to the "
                   "Ministry; .html for A4), or a form template of your own. Needs --period.")
@click.option("--period", default=None, metavar="YYYY-H1|YYYY-H2|YYYY",
              help="Reporting period of --form, e.g. 2026-H2 (the form lists its periods).")
@click.option("--tables", is_flag=True,
              help="Write the provincial plan's tables instead: clusters and parks by status "
                   "and period, grid by voltage and period, land and trade by commune, "
                   "population outside the supply area.")
@click.option("--against", type=click.Path(exists=True, path_type=Path), default=None,
              metavar="OLD_PLAN",
              help="With --tables: the previous plan; lists clusters and parks kept, adjusted, "
                   "added and removed.")
@overwrite_option
@as_of_option
@handle_errors
@progress_option
def report_command(plan: Path, output: Path, lang: str | None, no_maps: bool,
                   form: str | None, period: str | None, tables: bool, against: Path | None,
                   overwrite: bool, as_of: Any) -> None:
    """Write the Department's report on PLAN as HTML or Excel.

    Industrial clusters and parks (number, areas, detailed plans, occupancy, by commune and by
    status, those breaking a rule), trade infrastructure (by type, class and commune), the power
    grid (km of line and substations by voltage and status, coverage, unserved demand,
    overloaded substations) and every finding by rule with its legal reference. Areas and
    lengths are measured in the plan's CRS; the plan is analysed once.

    With --form, the form a Department files (every cell a figure from the plan, or blank with
    a comment naming the missing field); with --tables, the tables of the provincial plan.
    """
    from geoplan import pipeline

    plan = judged(plan, as_of)
    if form is not None and tables:
        raise click.UsageError("--form and --tables write different documents: give one")
    if form is None and period is not None:
        raise click.UsageError("--period belongs to --form: add --form bieu-04 (or another)")
    if against is not None and not tables:
        raise click.UsageError("--against compares the plan's tables: add --tables")
    if form is not None:
        if period is None:
            raise click.UsageError("--form needs --period, e.g. --period 2026-H2")
        filled = pipeline.report_form(plan, form, period, output, lang=lang,
                                      maps=False if no_maps else None, overwrite=overwrite)
        blank = [v for v in filled.values if v.blank]
        click.echo(str(output))
        say("cli.form_written", file_lang(plan, lang), err=True, form=filled.template.id,
            period=filled.period.text,
            figures=sum(1 for v in filled.values if not v.heading), blank=len(blank),
            which=f" ({', '.join(v.no for v in blank)})" if blank else "", path=str(output))
        return
    if tables:
        report = pipeline.report_tables(plan, output, against=against, lang=lang,
                                        overwrite=overwrite)
        click.echo(str(output))
        say("cli.tables_written", file_lang(plan, lang), err=True, tables=len(report.tables()),
            path=str(output))
        return
    report = pipeline.report_plan(plan, output, lang=lang, maps=False if no_maps else None,
                                  overwrite=overwrite)
    click.echo(str(output))
    say("cli.report_written", file_lang(plan, lang), err=True, tables=len(report.tables()),
        path=str(output))
