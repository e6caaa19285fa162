"""The progress-bar rules every long command follows, checked through the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from geoplan.cli import cli


def assert_progress_rules(monkeypatch: pytest.MonkeyPatch, args: list[str],
                          labels: tuple[str, ...]) -> Result:
    """``geoplan ARGS`` (a command with ``--format json``) draws its stage bars, labelled
    ``labels``, on stderr only: none with stderr piped, all with ``--progress`` (stdout then
    holds the JSON alone), all on a terminal, none on a terminal with ``-q``. Returns the
    ``--progress`` run, for the command's own checks."""
    from geoplan.cli import options

    piped = CliRunner().invoke(cli, args)  # stderr is not a terminal
    assert piped.exit_code == 0, piped.output
    assert not any(label in piped.stderr for label in labels) and "\r" not in piped.stderr
    forced = CliRunner().invoke(cli, [*args, "--progress"])
    assert forced.exit_code == 0, forced.output
    json.loads(forced.stdout)  # stdout: the JSON alone
    for label in labels:
        assert label in forced.stderr and label not in forced.stdout
    monkeypatch.setattr(options, "_isatty", lambda stream: True)  # as on a terminal
    monkeypatch.setattr(options, "AUTO_PROGRESS_DELAY", 0.0)
    shown = CliRunner().invoke(cli, args).stderr
    assert all(label in shown for label in labels), shown
    quiet = CliRunner().invoke(cli, ["-q", *args])
    assert quiet.exit_code == 0, quiet.output
    assert not any(label in quiet.stderr for label in labels)
    return forced
