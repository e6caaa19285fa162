"""``geoplan rules``: the rules and thresholds in force on a day, with what changed.

A click command of its own, registered on the ``geoplan`` group in :mod:`geoplan.cli`. It only
formats :func:`geoplan.rules.rule_table`.
"""

from __future__ import annotations

import json
from typing import Any

import click

__all__ = ["rules_command"]

_HEAD: dict[str, dict[str, Any]] = {
    "vi": {"as_of": "Quy định áp dụng ngày {day} (bảng quy tắc {version})",
           "rules": "Quy tắc", "thresholds": "Ngưỡng", "changes": "Thay đổi so với phiên bản trước",
           "no_changes": "(không có)", "all": "Mọi phiên bản (* đang áp dụng)",
           "cols": ("khóa", "giá trị", "căn cứ", "từ", "đến", "mức", "trước đó")},
    "en": {"as_of": "Rules in force on {day} (rule table {version})",
           "rules": "Rules", "thresholds": "Thresholds", "changes": "Changes from the previous "
           "version", "no_changes": "(none)", "all": "Every version (* in force)",
           "cols": ("key", "value", "source", "from", "until", "mark", "before")},
}


def _day(value: str | None, lang: str) -> str:
    import datetime as dt

    from geoplan.messages import fmt_date

    return fmt_date(dt.date.fromisoformat(value), lang) if value else "…"


@click.command("rules", epilog="Exit codes: 0 ok; 2 usage error.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="The day whose rules are listed (default: today).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="How to print the table on stdout.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True,
              help="Language of the titles, references and notes.")
@click.option("--all", "all_versions", is_flag=True,
              help="Also list the versions not in force on that day (superseded or later).")
def rules_command(as_of: str | None, fmt: str, lang: str, all_versions: bool) -> None:
    """List every rule and threshold in force on a day.

    Each threshold with its value, act and article, the dates it is in force, its certainty
    (C confirmed, S secondhand, N not in the law) and, when it replaced an earlier version,
    what that version said. --all lists superseded and later versions too.
    """
    from geoplan.errors import PlanError
    from geoplan.rules import rule_table

    try:
        table = rule_table(as_of, lang=lang, all_versions=all_versions)
    except PlanError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None
    if fmt == "json":
        click.echo(json.dumps(table, ensure_ascii=False, indent=2))
        return
    h = _HEAD[lang]
    click.echo(h["as_of"].format(day=_day(table["as_of"], lang), version=table["version"]))
    click.echo(f"\n{h['rules']}")
    for r in table["rules"]:
        refs = "; ".join(r["references"])
        click.echo(f"  {r['id']:<18} {r['title']}\n  {'':<18} [{r['certainty']}] {refs}")
    click.echo(f"\n{h['changes']}")
    if not table["changes"]:
        click.echo(f"  {h['no_changes']}")
    for ch in table["changes"]:
        click.echo(f"  {_day(ch['since'], lang)}  {ch['key']}: {ch['before']} → {ch['after']}"
                   f"  ({ch['source']})")
    click.echo(f"\n{h['all'] if all_versions else h['thresholds']}")
    cols = h["cols"]
    rows: list[dict[str, Any]] = []
    for t in table["thresholds"]:
        prev = t["previous"]
        rows.append({
            cols[0]: ("* " if all_versions and t["in_force"] else "  " if all_versions else "")
            + t["key"],
            cols[1]: t["value_text"],
            cols[2]: t["reference"],
            cols[3]: _day(t["in_force_from"], lang) if t["in_force_from"] else "",
            cols[4]: _day(t["in_force_until"], lang) if t["in_force_until"] else "",
            cols[5]: t["certainty"],
            cols[6]: prev["value_text"] if prev and prev["changed"] else "",
        })
    _echo_table(rows, list(cols))


def _echo_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = [min(max(len(c), *(len(str(r[c])) for r in rows)), 72) for c in columns]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    click.echo("  ".join("-" * w for w in widths))
    for r in rows:
        click.echo("  ".join(str(r[c])[:w].ljust(w) for c, w in zip(columns, widths,
                                                                      strict=True)).rstrip())
