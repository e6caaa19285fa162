"""``geoplan validate``: load every layer of a plan and report every problem."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from geoplan.cli.options import (
    EPILOG,
    EXIT_INPUT,
    EXIT_OK,
    format_option,
    handle_errors,
    plan_argument,
    progress_option,
)
from geoplan.cli.output import echo_json


@click.command("validate", epilog=EPILOG)
@plan_argument
@format_option
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@handle_errors
@progress_option
def validate_command(plan: Path, fmt: str, strict: bool) -> None:
    """Load every layer of PLAN and report every problem found.

    Exit 0 when the plan loads (warnings allowed unless --strict), 1 when it has errors.
    """
    from geoplan.pipeline import validate_plan

    report = validate_plan(plan)
    if fmt == "json":
        echo_json(report.to_records())
    else:
        click.echo(report.to_text())
    failed = report.has_errors or (strict and report.has_warnings)
    click.echo(report.summary(), err=True)
    sys.exit(EXIT_INPUT if failed else EXIT_OK)
