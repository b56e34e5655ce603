"""The supervisor's Reports page (/agent/reports) and its CSV (/agent/reports.csv): issue 16's figures.

Every figure is ivr.services.reports.build_report's (defined in docs/reports.md); this module only
chooses the period, compares it with the previous one of the same length, and shapes the figures
into bars (lengths from 0 to 1) and tables the template draws as inline SVG. No personal data: the
report holds counts, seconds and amounts only. Words are in ivr/desktop/words/<lang>.yaml (reports.*),
numbers, money and dates are written by Babel in the agent's locale.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, current_app, render_template, request

from ivr import clock
from ivr.desktop import auth, pages
from ivr.desktop.reports_api import MAX_DAYS, served_costs
from ivr.desktop.roles import Role
from ivr.desktop.views import bp
from ivr.desktop.words import Words
from ivr.engine.costs import Costs, CostsInvalid
from ivr.services.changes import local_zone
from ivr.services.reports import (ALL_LANGUAGES, FIRST_DAY, LAST_DAY, By, Figures, Report, build_report,
                                  offered_by_period)
from ivr.store import db

DEFAULT_DAYS = 7
"""Without a period, the page shows the last 7 days of the centre's zone, today included."""

QUICK_DAYS = (1, 7, 30)


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its value as written for the agent, its length (0 to 1)."""

    label: str
    shown: str
    length: float
    marked: bool = False
    """Drawn with the second (hatched) fill: e.g. an hour when agents are in."""
    code: str = ""
    """The name the flows give it (a step's `flow/step`), shown as code beside the label."""


@dataclass(frozen=True)
class Period:
    """The period asked for (local dates, both included), its cut, and the problem with the request, if any."""

    starts: date
    ends: date
    by: By
    problem: str | None = None

    @property
    def previous(self) -> tuple[date, date]:
        """The period of the same length just before."""
        length = self.ends - self.starts + timedelta(days=1)
        return self.starts - length, self.starts - timedelta(days=1)


def asked_period(today: date) -> Period:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD&by=day|week|hour, else the last DEFAULT_DAYS days by day; a bad
    value falls back to the default with its problem's word key (reports.bad_*)."""
    default = Period(today - timedelta(days=DEFAULT_DAYS - 1), today, By.DAY)
    if not request.args.get("from") and not request.args.get("to"):
        return Period(default.starts, default.ends, _by(request.args.get("by")) or By.DAY)
    try:
        starts, ends = date.fromisoformat(request.args.get("from", "")), date.fromisoformat(request.args.get("to", ""))
    except ValueError:
        return Period(default.starts, default.ends, By.DAY, "reports.bad_date")
    by = _by(request.args.get("by"))
    if by is None:
        return Period(default.starts, default.ends, By.DAY, "reports.bad_by")
    if ends < starts or (ends - starts).days >= MAX_DAYS:
        return Period(default.starts, default.ends, By.DAY, "reports.bad_length")
    if starts < FIRST_DAY or ends > LAST_DAY:
        return Period(default.starts, default.ends, By.DAY, "reports.bad_year")
    return Period(starts, ends, by)


def _by(value: str | None) -> By | None:
    return By(value or By.DAY) if (value or By.DAY) in list(By) else None


@bp.get("/reports")
@auth.login_required
@auth.requires(Role.SUPERVISOR)
def reports() -> Any:
    zone = local_zone()
    today = clock.now().astimezone(zone).date()
    period = asked_period(today)
    quick = [(days, (today - timedelta(days=days - 1)).isoformat(), today.isoformat()) for days in QUICK_DAYS]
    w = pages.words()
    try:
        costs = served_costs()
    except CostsInvalid:
        return render_template("desktop/reports.html", period=period, problem="reports.costs_invalid",
                               quick=quick), 503
    connection = db.session().connection()
    report = build_report(connection, period.starts, period.ends, period.by, zone, costs)
    before = build_report(connection, *period.previous, By.WEEK, zone, costs)
    hourly = offered_by_period(connection, period.starts, period.ends, By.HOUR, zone)
    return render_template("desktop/reports.html", period=period, problem=period.problem, quick=quick,
                           page=_page(w, report, before, hourly, costs))


@bp.get("/reports.csv")
@auth.login_required
@auth.requires(Role.SUPERVISOR)
def reports_csv() -> Response:
    """The same figures as rows `period, language, figure, value` (figure: the JSON endpoint's dotted
    name; values as that endpoint writes them: counts, seconds, shares 0-1, amounts "12.50")."""
    zone = local_zone()
    period = asked_period(clock.now().astimezone(zone).date())
    if period.problem:
        return Response(pages.words()(period.problem), status=400, mimetype="text/plain")
    try:
        costs = served_costs()
    except CostsInvalid:
        return Response(pages.words()("reports.costs_invalid"), status=503, mimetype="text/plain")
    report = build_report(db.session().connection(), period.starts, period.ends, period.by, zone, costs)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(["period", "language", "figure", "value"])
    for figures in report.as_dict()["figures"]:
        for name, value in _flat(figures, skip=("period", "language")):
            writer.writerow([figures["period"], figures["language"], name, "" if value is None else value])
    name = f"report-{period.starts.isoformat()}-{period.ends.isoformat()}-{period.by}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _flat(data: dict[str, Any], prefix: str = "", skip: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        if key in skip:
            continue
        if isinstance(value, dict):
            rows += _flat(value, f"{prefix}{key}.")
        elif isinstance(value, list):  # the funnels, one per service
            for item in value:
                rows += _flat(item, f"{prefix}{key}.{item['service']}.", skip=("service",))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


# -- shaping the figures for the template -----------------------------------------------------------


def _page(w: Words, report: Report, before: Report, hourly: list[tuple[str, int]],
          costs: Costs) -> dict[str, Any]:
    total, previous = report.total(), before.total()
    return {
        "comparison": _comparison(w, total, previous),
        "funnels": [(item.service, _bars(w, [(w(f"reports.stages.{stage}"), count) for stage, count in (
            ("called", item.called), ("chose", item.chose), ("identified", item.identified),
            ("verified", item.verified), ("completed", item.completed))]), item.drop_offs) for item in total.funnels],
        "steps": _step_bars(w, total.sent_by_step),
        "reasons": _bars(w, [(w(f"reports.reasons.{key}"), count) for key, count in
                             sorted(total.sent_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))]),
        "hours": _by_hour(w, hourly),
        "waits": _waits(w, total),
        "repeats": _bars(w, [(w(f"reports.repeats.{name}"), getattr(total.repeats, name)) for name in (
            "contacts", "again_7_days", "again_30_days", "same_subject_7_days", "same_subject_30_days")]),
        "fcr": _share(w, total.repeats.first_contact_resolution),
        "cost": _money_bars(w, costs, total),
        "saving": costs.money(total.cost.saving, str(w.locale)),
        "scores": _scores(w, total),
        "periods": [(_period_label(w, f.period, report.by), f) for f in report.figures
                    if f.language == ALL_LANGUAGES and f.period != "total"],
        "languages": [(w.language_label(f.language), f) for f in report.figures
                      if f.period == "total" and f.language != ALL_LANGUAGES],
        "total": total,
    }


def _bars(w: Words, rows: list[tuple[str, int]]) -> list[Bar]:
    top = max((value for _, value in rows), default=0) or 1
    return [Bar(label, w.number(value), value / top) for label, value in rows]


def _step_bars(w: Words, by_step: dict[str, int]) -> list[Bar]:
    """Calls sent to the agents at each step, most first, named by the desktop's words for the step
    (steps.<flow/step>) when it has some, else by the step's own name."""
    rows = sorted(by_step.items(), key=lambda kv: (-kv[1], kv[0]))
    named = [(w.step_name(position), count) for position, count in rows]
    return [Bar(bar.label, bar.shown, bar.length, code=position)
            for bar, (position, _) in zip(_bars(w, named), rows)]


def _comparison(w: Words, now: Figures, before: Figures) -> list[tuple[str, str, str, str]]:
    """(word, this period, the previous one, the change) for the headline counts."""
    rows = [("offered", now.offered, before.offered),
            ("completed", now.outcomes.completed, before.outcomes.completed),
            ("contained", now.outcomes.contained, before.outcomes.contained),
            ("abandoned_in_ivr", now.outcomes.abandoned_in_ivr, before.outcomes.abandoned_in_ivr),
            ("sent_to_agents", now.outcomes.sent_to_agents, before.outcomes.sent_to_agents),
            ("answered", now.queue.answered, before.queue.answered),
            ("hung_up", now.queue.hung_up, before.queue.hung_up),
            ("callbacks_requested", now.callbacks.requested, before.callbacks.requested),
            ("callbacks_done", now.callbacks.done, before.callbacks.done)]
    return [(w(f"reports.figures.{key}"), w.number(value), w.number(old), _change(w, value, old))
            for key, value, old in rows]


def _change(w: Words, value: int, old: int) -> str:
    if value == old:
        return w("reports.change.same")
    if not old:
        return w("reports.change.new")
    key = "reports.change.up" if value > old else "reports.change.down"
    return w(key, share=w.percent(abs(value - old) / old))


def _by_hour(w: Words, hourly: list[tuple[str, int]]) -> list[Bar]:
    """Calls offered in each local hour of the day (0-23) over the period (`hourly`: each hour's label, as
    `offered_by_period` gives them, and its calls), marked where agents were in for at least part of
    that hour on some day (the app's hours, flows/hours.yaml; always in without it)."""
    hours, zone = current_app.extensions.get("ivr.hours"), local_zone()  # once: without hours, a file read
    calls = [0] * 24
    staffed = [hours is None] * 24
    for label, offered in hourly:
        start = datetime.fromisoformat(label).replace(tzinfo=zone)
        calls[start.hour] += offered
        if hours is not None and not staffed[start.hour]:
            staffed[start.hour] = any(hours.is_open(start + timedelta(minutes=m)) for m in (0, 15, 30, 45))
    top = max(calls) or 1
    return [Bar(f"{hour:02d}", w.number(count), count / top, staffed[hour]) for hour, count in enumerate(calls)]


def _seconds(w: Words, value: float | None) -> str:
    return w("reports.none") if value is None else w.seconds(value)


def _share(w: Words, value: float | None) -> str:
    return w("reports.none") if value is None else w.percent(value)


def _waits(w: Words, total: Figures) -> dict[str, Any]:
    queue = total.queue
    values = [("mean", queue.mean_wait_seconds), ("p90", queue.p90_wait_seconds),
              ("longest", queue.longest_wait_seconds)]
    top = max((v or 0 for _, v in values), default=0) or 1
    bars = [Bar(w(f"reports.waits.{key}"), _seconds(w, value), (value or 0) / top) for key, value in values]
    return {"bars": bars, "target": _seconds(w, queue.target_seconds), "level": _share(w, queue.service_level),
            "within": w.number(queue.answered_within_target), "waits": queue.waits}


def _money_bars(w: Words, costs: Costs, total: Figures) -> list[Bar]:
    rows = [("cost", total.cost.cost), ("all_by_agent", total.cost.all_by_agent)]
    top = max(amount for _, amount in rows) or 1
    return [Bar(w(f"reports.cost.{key}"), costs.money(amount, str(w.locale)), float(amount / top), key == "cost")
            for key, amount in rows]


def _scores(w: Words, total: Figures) -> dict[str, Any] | None:
    """What callers think (`Figures.scores_by_service`: one group per outcome and service, flow versions
    added up): the mean score out of 5 over every answer, and one bar per group, its length the mean
    out of 5. None when nobody answered: the page says "no answers yet"."""
    groups = total.scores_by_service()
    answered = sum(group.answered for group in groups)
    if not answered:
        return None
    bars, rows = [], []
    for group in groups:
        label = w(f"reports.score_groups.{group.outcome}", service=w(f"reports.score_services.{group.service}"))
        shown = w.number(round(group.mean, 1)) if group.mean is not None else w("reports.none")
        bars.append(Bar(label, shown, (group.mean or 0.0) / 5))
        rows.append((label, w.number(group.answered), w.number(group.skipped), shown))
    return {"mean": w.number(round(sum(group.score_sum for group in groups) / answered, 1)),
            "answered": w("reports.scores.answered", count=answered), "bars": bars, "rows": rows}


def _period_label(w: Words, label: str, by: By) -> str:
    if by is By.HOUR:
        return w.datetime(datetime.fromisoformat(label))
    day = date.fromisoformat(label)
    return w("reports.week_of", day=w.date(day)) if by is By.WEEK else w.date(day)
