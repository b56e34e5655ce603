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
from pathlib import Path
from typing import Any

import click

from ivr.cli.db import database_app
from ivr.engine.costs import Costs, CostsInvalid, read_costs
from ivr.engine.counts import counted
from ivr.services.changes import local_zone
from ivr.services.reports import By, Figures, Report, build_report, check_days
from ivr.store import db

COLUMNS: tuple[tuple[str, str], ...] = (
    ("period", "period"), ("language", "lang"), ("offered", "offered"), ("completed", "completed"),
    ("contained", "contained"), ("completed_then_sent", "done+agent"), ("abandoned_in_ivr", "abandoned"),
    ("sent_to_agents", "to agents"), ("answered", "answered"), ("hung_up_in_queue", "hung up"),
    ("mean_wait_seconds", "wait s"), ("p90_wait_seconds", "p90 s"), ("longest_wait_seconds", "max s"),
    ("service_level", "in target"), ("callbacks_requested", "callbacks"), ("callbacks_done", "cb done"),
    ("contacts", "contacts"), ("same_subject_7_days", "again 7d"), ("first_contact_resolution", "FCR"),
    ("cost", "cost"), ("all_by_agent", "all agent"), ("saving", "saving"),
    ("survey_answered", "rated"), ("survey_skipped", "not rated"), ("survey_mean", "score"),
)
"""(CSV header, table heading) of each column, in order."""
SHARES = frozenset({"service_level", "first_contact_resolution"})
"""Columns that are shares from 0 to 1: percentages in the table."""
NO_LANGUAGE = "none"
"""The table's name for the empty language (docs/reports.md): calls where none was chosen, contacts without a
call. CSV and JSON keep it empty, as the Reports page's CSV and the API do."""
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
def report_command(starts: date, ends: date, by: str, output: str) -> None:
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
    costs = _costs(Path(app.config.get("FLOWS_DIR") or "flows"))
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
        click.echo(as_table(report, costs))


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
    writer = csv.DictWriter(out, fieldnames=[name for name, _ in COLUMNS], lineterminator="\n")
    writer.writeheader()
    for figures in report.figures:
        writer.writerow({key: "" if value is None else value for key, value in row(figures).items()})
    return out.getvalue()


def as_table(report: Report, costs: Costs) -> str:
    total = report.total()
    lines = [f"Self-service from {report.starts} to {report.ends} ({report.zone}), by {report.by}", ""]
    lines += _summary(total, costs)
    lines += ["", _columns([heading for _, heading in COLUMNS])]
    for figures in report.figures:
        cells = {key: _cell(value, key in SHARES) for key, value in row(figures).items()}
        cells["language"] = figures.language or NO_LANGUAGE
        lines.append(_columns(list(cells.values())))
    return "\n".join(lines)


def _summary(total: Figures, costs: Costs) -> list[str]:
    outcomes, queue, repeats, cost = total.outcomes, total.queue, total.repeats, total.cost
    services = ", ".join(f"{service} {count}" for service, count in sorted(total.completed_by_service.items()))
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(total.sent_by_reason.items()))
    steps = ", ".join(f"{step} {count}" for step, count in sorted(total.sent_by_step.items(), key=lambda i: -i[1]))
    lines = [
        f"Offered: {counted(total.offered, 'call')}.",
        f"Completed in self-service: {counted(outcomes.completed, 'call')} ({services or 'none'}); "
        f"contained: {outcomes.contained}; completed, then sent to an agent: {outcomes.completed_then_sent}.",
        f"Abandoned in the IVR: {counted(outcomes.abandoned_in_ivr, 'call')}.",
        f"Left for an agent: {counted(outcomes.sent_to_agents, 'call')}; by reason: {reasons or 'none'}; "
        f"from: {steps or 'none'}.",
    ]
    for funnel in total.funnels:
        lines.append(f"Funnel {funnel.service}: called {funnel.called}, chose {funnel.chose}, identified "
                     f"{funnel.identified}, verified {funnel.verified}, completed {funnel.completed}.")
    lines += [
        f"Queue: {counted(queue.answered, 'call')} answered, {queue.hung_up} hung up while waiting; wait "
        f"mean {_cell(queue.mean_wait_seconds)} s, 90th percentile {_cell(queue.p90_wait_seconds)} s, longest "
        f"{_cell(queue.longest_wait_seconds)} s; answered within {queue.target_seconds} s: "
        f"{_cell(queue.service_level, share=True)}.",
        f"Callbacks: {counted(total.callbacks.requested, 'request')}, {total.callbacks.done} done; delay mean "
        f"{_cell(total.callbacks.mean_delay_seconds)} s.",
        f"Contacts: {counted(repeats.contacts, 'contact')}; the same client again within 7 days: "
        f"{repeats.again_7_days} ({repeats.same_subject_7_days} on the same subject), within 30 days: "
        f"{repeats.again_30_days} ({repeats.same_subject_30_days}); first-contact resolution: "
        f"{_cell(repeats.first_contact_resolution, share=True)}.",
        f"Cost: {costs.money(cost.cost, 'en_CA')}; all by agent: {costs.money(cost.all_by_agent, 'en_CA')}; "
        f"saving: {costs.money(cost.saving, 'en_CA')}.",
    ]
    for score in total.scores:
        lines.append(f"What callers think of {score.service} ({score.outcome}, flows {score.flow_version or '–'}): "
                     f"{counted(score.answered, 'answer')}, {score.skipped} skipped; mean score "
                     f"{_cell(score.mean)} of 5.")
    if not total.scores:
        lines.append("What callers think: no answer to the end-of-call question.")
    return lines


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _cell(value: Any, share: bool = False) -> str:
    if value is None:
        return "–"
    if share:
        return f"{value:.0%}"
    return str(value)


def _columns(cells: list[str]) -> str:
    widths = [max(len(heading), 10 if index == 0 else 4) for index, (_, heading) in enumerate(COLUMNS)]
    widths[0] = 16
    return "  ".join(cell.rjust(width) if index > 1 else cell.ljust(width)
                     for index, (cell, width) in enumerate(zip(cells, widths)))

