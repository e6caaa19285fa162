"""``geoplan compare``: two or more variants of one province's plan side by side."""

from __future__ import annotations

from pathlib import Path

import click

from geoplan.cli.options import (
    EPILOG,
    file_lang,
    handle_errors,
    overwrite_option,
    progress_option,
    say,
)


@click.command("compare", epilog=EPILOG)
@click.argument("plans", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path), metavar="A B [C …]")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="compare.html (one page, maps side by side) or compare.xlsx.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None,
              help="Language of the labels (default: the first plan's [report] lang, else vi).")
@click.option("--no-maps", is_flag=True, help="Leave out the maps.")
@overwrite_option
@handle_errors
@progress_option
def compare_command(plans: tuple[Path, ...], output: Path, lang: str | None, no_maps: bool,
                    overwrite: bool) -> None:
    """Compare plan variants A B [C …] of one province; A is the reference.

    For each: the share of clusters within the supply radius, unserved demand and population,
    findings by rule and severity, new substations and new line km by voltage, cluster and park
    land with occupancy; each plan identified by the SHA-256 of its input files and the rule
    table's version. The feature-level changes against A come from geoplan diff.
    """
    from geoplan.pipeline import compare_plans

    if len(plans) < 2:
        raise click.UsageError("compare needs two or more plans: geoplan compare A B [C …]")
    result = compare_plans(list(plans), output, lang=lang, maps=not no_maps,
                           overwrite=overwrite)
    click.echo(str(output))
    changed = result.changed()
    say("cli.compare_summary", file_lang(plans[0], lang), err=True, names=" · ".join(result.names),
        n=len(changed), path=str(output),
        which=f" ({', '.join(changed['key'].head(8))})" if len(changed) else "")
