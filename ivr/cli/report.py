"""`ivr report`: every figure of issue 16 for a period, per language, as a table, CSV or JSON.

The figures and their rules are ivr.services.reports' (docs/reports.md); this module only reads the
options and writes them out. No figure holds personal data, so the output can be shared as it is.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from ivr.cli.db import database_app
from ivr.engine.costs import Costs, CostsInvalid, read_costs
from ivr.services.changes import local_zone
from ivr.desktop.words import Words, desktop_languages
from ivr.engine.languages import read_languages
from ivr.services.reports import ALL_LANGUAGES, By, Figures, Report, build_report, check_days
from ivr.store import db

COLUMNS: tuple[str, ...] = (
    "period", "language", "offered", "completed", "contained", "completed_then_sent", "abandoned_in_ivr",
    "sent_to_agents", "answered", "hung_up_in_queue", "mean_wait_seconds", "p90_wait_seconds",
    "longest_wait_seconds", "service_level", "callbacks_requested", "callbacks_done", "contacts",
    "same_subject_7_days", "first_contact_resolution", "cost", "all_by_agent", "saving",
    "survey_answered", "survey_skipped", "survey_mean",
)
"""The CSV header of each column, in order; the table's headings are report_table.columns.<header> in
the desktop's word files."""
SHARES = frozenset({"service_level", "first_contact_resolution"})
"""Columns that are shares from 0 to 1: percentages in the table."""
AMOUNTS = frozenset({"cost", "all_by_agent", "saving"})
"""Columns that are amounts of money ("12.50" in CSV): in the locale's currency format in the table."""
DAY_FORMAT = "%Y-%m-%d"
"""How --from and --to are written: year-month-day."""
HOUR_MARK = "T"
"""In a period's name, what marks an hour ("2026-11-10T10:00"): the scores are counted by whole days."""


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:  # year-month-day only (2026-11-30, 2026-11-1): not ISO 8601's other forms (20261130, 2026-W48-1)
        return datetime.strptime(value, DAY_FORMAT).date()
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; write it as 2026-11-30 (year-month-day)") from None


@click.command("report")
@click.option("--from", "starts", metavar="DATE", required=True, callback=_day, help="First day counted, as 2026-11-01.")
@click.option("--to", "ends", metavar="DATE", required=True, callback=_day, help="Last day counted (included), as 2026-11-30.")
@click.option("--by", type=click.Choice([b.value for b in By]), default=By.DAY.value, show_default=True,
              help="Cut the period into days, weeks (from Monday) or hours of the contact centre's time zone.")
@click.option("--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="A table to read, CSV for a spreadsheet, or JSON for tools.")
@click.option("--lang", "language", metavar="CODE",
              help="The table's language: a code of flows/languages.yaml the desktop has words for (fr, en). "
                   "Default: the line's first, as on the desktop. CSV and JSON are the same in every language.")
def report_command(starts: date, ends: date, by: str, output: str, language: str | None) -> None:
    """Self-service figures from DATE to DATE, per language: offered, completed, contained, abandoned,
    why and where callers left for an agent, the queue, callbacks, repeat contacts and cost.

    Definitions: docs/reports.md. Costs: flows/costs.yaml.
    """
    if ends < starts:
        raise click.BadParameter(f"--to {ends} is before --from {starts}; give the earlier day first", param_hint="'--to'")
    try:
        check_days(starts, ends)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--from' / '--to'") from None
    app = database_app()
    flows = Path(app.config.get("FLOWS_DIR") or "flows")
    words = _words(language, flows)
    costs = _costs(flows)
    progress = _progress if sys.stderr.isatty() else None
    with app.app_context():
        zone = local_zone()
        with db.engine().connect() as connection:
            try:
                report = build_report(connection, starts, ends, By(by), zone, costs, progress)
            except ValueError as error:
                raise click.BadParameter(str(error), param_hint="'--by'") from None
    if progress is not None:
        click.echo("", err=True)
    if output == "json":
        # Indented for a person at a terminal; one line for a program reading a pipe, which Python's json
        # writes in C (with an indent it falls back to Python: 0.13 s of a 90-day report by day).
        indent = 2 if sys.stdout.isatty() else None
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=indent))
    elif output == "csv":
        click.echo(as_csv(report), nl=False)
    else:
        click.echo(as_table(report, costs, words))


def _words(language: str | None, flows: Path) -> Words:
    """The desktop's words in `language` (None: the line's first language the desktop has words for);
    a language it has no words for is refused with those it has."""
    languages = read_languages(flows)
    offered = desktop_languages(languages)
    if language is not None and language not in offered:
        raise click.BadParameter(f"'{language}' is not a language the reports are written in; give one of "
                                 f"{', '.join(offered)}", param_hint="'--lang'")
    return Words(language or offered[0], languages)


def _costs(flows: Path) -> Costs:
    try:
        return read_costs(flows)
    except CostsInvalid as error:
        raise click.ClickException(f"flows/costs.yaml has mistakes (see `ivr lint`):\n{error}") from None


def _progress(name: str) -> None:
    click.echo(f"\rcounting {name}…".ljust(30), nl=False, err=True)


def row(figures: Figures) -> dict[str, Any]:
    """One CSV row: counts, seconds, shares (0 to 1) and amounts ("12.50")."""
    outcomes, queue, repeats, cost = figures.outcomes, figures.queue, figures.repeats, figures.cost
    return {
        "period": figures.period, "language": figures.language, "offered": figures.offered,
        "completed": outcomes.completed, "contained": outcomes.contained,
        "completed_then_sent": outcomes.completed_then_sent, "abandoned_in_ivr": outcomes.abandoned_in_ivr,
        "sent_to_agents": outcomes.sent_to_agents, "answered": queue.answered, "hung_up_in_queue": queue.hung_up,
        "mean_wait_seconds": queue.mean_wait_seconds, "p90_wait_seconds": queue.p90_wait_seconds,
        "longest_wait_seconds": queue.longest_wait_seconds, "service_level": _share(queue.service_level),
        "callbacks_requested": figures.callbacks.requested, "callbacks_done": figures.callbacks.done,
        "contacts": repeats.contacts, "same_subject_7_days": repeats.same_subject_7_days,
        "first_contact_resolution": _share(repeats.first_contact_resolution),
        "cost": f"{cost.cost:.2f}", "all_by_agent": f"{cost.all_by_agent:.2f}", "saving": f"{cost.saving:.2f}",
        **_survey(figures),
    }


def _survey(figures: Figures) -> dict[str, Any]:
    """What callers think, all services together: answered, skipped, mean score (1 to 5). Empty for an
    hour, since an answer keeps its day only (docs/reports.md)."""
    if HOUR_MARK in figures.period:
        return {"survey_answered": None, "survey_skipped": None, "survey_mean": None}
    answered = sum(score.answered for score in figures.scores)
    total = sum(score.score_sum for score in figures.scores)
    return {"survey_answered": answered, "survey_skipped": sum(score.skipped for score in figures.scores),
            "survey_mean": round(total / answered, 2) if answered else None}


def as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for figures in report.figures:
        writer.writerow({key: "" if value is None else value for key, value in row(figures).items()})
    return out.getvalue()


def as_table(report: Report, costs: Costs, words: Words) -> str:
    """The report for a person, in `words`' language: what the Reports page shows, in its words (the
    desktop's word files, reports.* and report_table.*), then one row of figures per period and language.
    Counts, shares, amounts and lengths of time are written in the language's locale (Babel, CLDR)."""
    by = words(f"reports.cuts.{report.by.value}")
    title = (words("report_table.title_one_day", day=words.date(report.starts), zone=report.zone, by=by)
             if report.starts == report.ends else
             words("report_table.title", starts=words.date(report.starts), ends=words.date(report.ends),
                   zone=report.zone, by=by))
    lines = [title, ""]
    lines += _summary(report.total(), costs, words)
    rows = [[words(f"report_table.columns.{key}") for key in COLUMNS]]
    for figures in report.figures:
        cells = [_cell(words, costs, value, key) for key, value in row(figures).items()]
        cells[0] = words("report_table.total") if figures.period == "total" else figures.period
        cells[1] = _language_cell(words, figures.language)
        rows.append(cells)
    widths = [max(len(cells[n]) for cells in rows) for n in range(len(COLUMNS))]
    lines.append("")
    lines += ["  ".join(cell.ljust(width) if n < 2 else cell.rjust(width)
                        for n, (cell, width) in enumerate(zip(cells, widths))).rstrip() for cells in rows]
    return "\n".join(lines)


def _summary(total: Figures, costs: Costs, w: Words) -> list[str]:
    """The whole period, all languages: one figure a line ("label: value"), indented under its group."""
    outcomes, queue, repeats = total.outcomes, total.queue, total.repeats
    no_value = w("report_table.no_value")

    def line(depth: int, label: str, value: str) -> str:
        return "  " * depth + w("report_table.pair", label=label, value=value)

    def count(depth: int, key: str, value: int) -> str:
        """The figure the word file names `key`, a count."""
        return line(depth, w(key), w.number(value))

    def most_first(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def money(amount: Any) -> str:
        return costs.money(amount, str(w.locale))

    def seconds(value: float | None) -> str:
        return no_value if value is None else w.seconds(value)

    def share(value: float | None) -> str:
        return no_value if value is None else w.percent(value)

    lines = [count(0, "reports.figures.offered", total.offered),
             count(0, "reports.figures.completed", outcomes.completed)]
    lines += [line(1, w(f"reports.services.{service}", default=service), w.number(n))
              for service, n in most_first(total.completed_by_service)]
    lines += [count(0, "reports.figures.contained", outcomes.contained),
              count(0, "report_table.completed_then_sent", outcomes.completed_then_sent),
              count(0, "reports.figures.abandoned_in_ivr", outcomes.abandoned_in_ivr),
              count(0, "reports.figures.sent_to_agents", outcomes.sent_to_agents)]
    if total.sent_by_reason:
        lines.append("  " + w("reports.by_reason"))
        lines += [line(2, w(f"reports.reasons.{reason}", default=reason), w.number(n))
                  for reason, n in most_first(total.sent_by_reason)]
    if total.sent_by_step:
        lines.append("  " + w("reports.by_step"))
        lines += [line(2, w.step_name(position), w.number(n)) for position, n in most_first(total.sent_by_step)]
    for funnel in total.funnels:
        lines.append(w("reports.funnel", service=w(f"reports.services.{funnel.service}", default=funnel.service)))
        lines += [count(1, f"reports.stages.{stage}", getattr(funnel, stage))
                  for stage in ("called", "chose", "identified", "verified", "completed")]
    lines += [w("reports.waits_title"),
              count(1, "reports.figures.answered", queue.answered),
              count(1, "reports.figures.hung_up", queue.hung_up),
              line(1, w("reports.waits.mean"), seconds(queue.mean_wait_seconds)),
              line(1, w("reports.waits.p90"), seconds(queue.p90_wait_seconds)),
              line(1, w("reports.waits.longest"), seconds(queue.longest_wait_seconds)),
              line(1, w("report_table.answered_within", target=seconds(queue.target_seconds)), share(queue.service_level)),
              count(0, "reports.figures.callbacks_requested", total.callbacks.requested),
              count(0, "reports.figures.callbacks_done", total.callbacks.done),
              line(0, w("report_table.callback_delay"), w.duration(total.callbacks.mean_delay_seconds) or no_value),
              w("reports.repeats_title")]
    lines += [count(1, f"reports.repeats.{name}", getattr(repeats, name)) for name in (
        "contacts", "again_7_days", "again_30_days", "same_subject_7_days", "same_subject_30_days")]
    lines += [line(1, w("report_table.first_contact_resolution"), share(repeats.first_contact_resolution)),
              w("reports.cost_title"),
              line(1, w("reports.cost.cost"), money(total.cost.cost)),
              line(1, w("reports.cost.all_by_agent"), money(total.cost.all_by_agent)),
              line(1, w("report_table.saving"), money(total.cost.saving)),
              w("reports.scores_title")]
    groups = total.scores_by_service()
    if not any(group.answered or group.skipped for group in groups):
        return lines + ["  " + w("reports.no_answers")]
    for group in groups:
        lines += ["  " + w(f"reports.score_groups.{group.outcome}",
                           service=w(f"reports.score_services.{group.service}", default=group.service)),
                  count(2, "reports.score_answered", group.answered),
                  count(2, "reports.score_skipped", group.skipped),
                  line(2, w("reports.score_mean"), no_value if group.mean is None else w.number(round(group.mean, 1)))]
    return lines


def _language_cell(w: Words, language: str) -> str:
    """A row's language: its code; all languages together and none chosen in words (report_table.all_languages,
    reports.none). CSV and JSON keep "*" and "" as the Reports page's CSV and the API do."""
    if language == ALL_LANGUAGES:
        return w("report_table.all_languages")
    return language or w("reports.none")


def _cell(w: Words, costs: Costs, value: Any, key: str) -> str:
    if value is None or value == "":
        return w("report_table.no_value")
    if key in SHARES:
        return w.percent(value)
    if key in AMOUNTS:
        return costs.money(Decimal(value), str(w.locale))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return w.number(value)
    return str(value)


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


