"""`ivr report` and GET /agent/api/reports on known journeys: the same figures, no personal data."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace

import pytest
from click.testing import CliRunner
from freezegun import freeze_time
from sqlalchemy import select

from ivr.cli import main
from ivr.desktop import accounts
from ivr.desktop.accounts import add_agent, issue_token
from ivr.store import db
from ivr.store.models.calls import Call

from tests.support.reports import app, make_history  # noqa: F401 - the line with agents' hours in force

DEMO_CLIENTS = ("100200300", "200300400", "400500600", "19480517", "19611102", "19900714", "Tremblay", "Smith",
                "Gagnon", "Jeanne", "Robert", "Saint-Denis", "Sherbrooke", "H2X", "H3B", "5550142", "5550199",
                "5550111", "5550177", "5550178", "5550179")
"""What would identify a caller: client numbers, birth dates, names, addresses, phone numbers."""
CALL_SIDS: list[str] = []


def no_personal_data(text: str) -> None:
    leaked = [value for value in (*DEMO_CLIENTS, *CALL_SIDS) if value in text]
    assert not leaked, f"the report shows {leaked}"


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    monkeypatch.setattr(accounts, "HASH_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def history(app, phone):  # noqa: F811
    make_history(phone)
    with app.app_context():
        CALL_SIDS[:] = db.session().scalars(select(Call.call_sid)).all()
    assert len(CALL_SIDS) == 8
    return app


@pytest.fixture
def ivr_report(history, database_url, monkeypatch):
    monkeypatch.setenv("IVR_DATABASE_URL", database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["report", *args])


def test_the_table_says_each_figure_in_the_desktops_words_in_english_with_money_in_dollars(ivr_report):
    result = ivr_report("--from", "2026-11-10", "--to", "2026-11-19", "--lang", "en")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Self-service from Nov 10, 2026 to Nov 19, 2026 (America/Toronto), by day"
    for line in ("Calls offered: 8", "Completed in self-service: 5", "  Application status: 4", "  Change of address: 1",
                 "Contained: 4", "Abandoned in the IVR: 1", "  Answered by an agent: 1", "  Hung up while waiting: 1",
                 "  Mean: 40 secs", "  90th percentile: 40 secs", "  Cost of these contacts: $19.30",
                 "  The same contacts, all by an agent: $36.00", "  Saving: $16.70"):
        assert line in lines, (line, result.output)
    no_personal_data(result.output)


def test_the_table_is_french_by_default_on_a_line_that_greets_in_french_first(ivr_report):
    """flows/languages.yaml lists French first: the table speaks it, as the desktop does, with French
    numbers, money, percentages and lengths of time (CLDR, through Babel)."""
    result = ivr_report("--from", "2026-11-10", "--to", "2026-11-19")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Libre-service du 10 nov. 2026 au 19 nov. 2026 (America/Toronto), par jour"
    for line in ("Appels reçus\xa0: 8", "Terminés en libre-service\xa0: 5", "  État d'une demande\xa0: 4",
                 "Abandonnés dans le serveur vocal\xa0: 1", "  Économie\xa0: 16,70\xa0$"):
        assert line in lines, (line, result.output)
    assert re.search(r"^total +toutes +8 ", result.output, re.M), result.output
    assert ivr_report("--from", "2026-11-10", "--to", "2026-11-19", "--lang", "fr").output == result.output


def test_a_day_without_calls_has_a_one_day_title_and_dashes_where_nothing_was_measured(ivr_report):
    """No wait, no callback, no contact: "–", as in the columns, never a word that must agree with its label."""
    lines = ivr_report("--from", "2026-12-25", "--to", "2026-12-25").output.splitlines()
    assert lines[0] == "Libre-service le 25 déc. 2026 (America/Toronto), par jour"
    for line in ("Appels reçus\xa0: 0", "  90e centile\xa0: –", "Délai moyen avant le rappel\xa0: –",
                 "  Résolution au premier contact\xa0: –"):
        assert line in lines, (line, lines)


@pytest.mark.parametrize(("language", "said"), [("en", "Mean delay before the callback: 16 hours"),
                                                 ("fr", "Délai moyen avant le rappel\xa0: 16\xa0heures")])
def test_a_callback_delay_is_said_as_a_length_of_time_not_a_count_of_seconds(history, language, said):
    """57 796 s between the request and the callback is said as people say it (Babel's format_timedelta)."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from ivr.cli.report import as_table
    from ivr.desktop.words import Words
    from ivr.engine.costs import read_costs
    from ivr.services.reports import By, CallbackFigures, build_report

    costs = read_costs(history.config["FLOWS_DIR"])
    with history.app_context(), db.engine().connect() as connection:
        report = build_report(connection, date(2026, 11, 10), date(2026, 11, 19), By.DAY, ZoneInfo("America/Toronto"), costs)
    late = CallbackFigures(requested=3, done=2, mean_delay_seconds=57796.4, longest_delay_seconds=80000.0)
    report = replace(report, figures=(replace(report.figures[0], callbacks=late), *report.figures[1:]))
    table = as_table(report, costs, Words(language)).splitlines()
    assert any(line.endswith(said) for line in table), table


def test_a_table_language_the_desktop_has_no_words_for_is_refused_with_those_it_has(ivr_report):
    result = ivr_report("--from", "2026-11-10", "--to", "2026-11-19", "--lang", "de")
    assert result.exit_code == 2
    assert "Invalid value for '--lang': 'de' is not a language the reports are written in; give one of fr, en" in result.output


def test_csv_has_one_row_per_period_and_language(ivr_report):
    result = ivr_report("--from", "2026-11-10", "--to", "2026-11-11", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["period"], r["language"]) for r in rows] == [
        ("total", "*"), ("total", "en"), ("total", "fr"), ("2026-11-10", "*"), ("2026-11-10", "en"),
        ("2026-11-10", "fr"), ("2026-11-11", "*"), ("2026-11-11", "fr")]
    tuesday = rows[3]
    assert (tuesday["offered"], tuesday["contained"], tuesday["abandoned_in_ivr"], tuesday["service_level"]) == (
        "6", "2", "1", "0.5")
    no_personal_data(result.output)


def test_json_carries_every_figure_for_tools(ivr_report):
    result = ivr_report("--from", "2026-11-10", "--to", "2026-11-19", "--format", "json", "--by", "week")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    total = report["figures"][0]
    assert (report["by"], total["period"], total["language"]) == ("week", "total", "*")
    assert total["repeats"]["again_30_days"] == 2 and total["cost"]["saving"] == "16.70"
    no_personal_data(result.output)


def test_what_callers_think_is_in_the_table_the_csv_and_the_json(ivr_report):
    table = ivr_report("--from", "2026-11-10", "--to", "2026-11-19", "--lang", "en").output.splitlines()
    think = table[table.index("What callers think"):table.index("What callers think") + 9]
    assert think == ["What callers think",
                     "  A call with an agent", "    Answered: 0", "    Skipped: 1", "    Mean score out of 5: –",
                     "  Self-service: change of address", "    Answered: 1", "    Skipped: 0", "    Mean score out of 5: 4"], think
    rows = list(csv.DictReader(io.StringIO(ivr_report("--from", "2026-11-10", "--to", "2026-11-12", "--format", "csv").output)))
    by = {(r["period"], r["language"]): (r["survey_answered"], r["survey_skipped"], r["survey_mean"]) for r in rows}
    assert by[("total", "*")] == ("1", "1", "4.0")
    assert by[("2026-11-12", "fr")] == ("1", "0", "4.0") and by[("2026-11-10", "en")] == ("0", "1", "")
    hours = list(csv.DictReader(io.StringIO(ivr_report("--from", "2026-11-10", "--to", "2026-11-10", "--by", "hour",
                                                       "--format", "csv").output)))
    assert {r["survey_answered"] for r in hours if r["period"] != "total"} == {""}  # an answer keeps its day only
    total = json.loads(ivr_report("--from", "2026-11-10", "--to", "2026-11-19", "--format", "json").output)["figures"][0]
    assert sorted((s["service"], s["outcome"], s["asked"], s["answered"], s["skipped"], s["score_sum"], s["mean"])
                  for s in total["scores"]) == [("address", "self_service", 1, 1, 0, 4, 4.0), ("agent", "agent", 1, 0, 1, 0, None)]
    no_personal_data("\n".join(table))


@pytest.mark.parametrize("written", ["10/11/2026", "20261110", "2026-W46-2", "2026-11-10T00:00", "2026-02-30"])
def test_a_day_written_otherwise_or_backwards_is_refused_with_the_fix(ivr_report, written):
    wrong = ivr_report("--from", written, "--to", "2026-11-19")
    assert wrong.exit_code == 2 and f"'{written}' is not a date" in wrong.output
    assert "write it as 2026-11-30" in wrong.output
    backwards = ivr_report("--from", "2026-11-19", "--to", "2026-11-10")
    assert backwards.exit_code == 2 and "give the earlier day first" in backwards.output


def test_a_day_without_its_leading_zeros_is_the_same_day(ivr_report):
    padded = ivr_report("--from", "2026-11-09", "--to", "2026-11-10", "--format", "csv")
    unpadded = ivr_report("--from", "2026-11-9", "--to", "2026-11-10", "--format", "csv")
    assert padded.exit_code == 0 and unpadded.output == padded.output


def test_a_report_of_too_many_periods_suggests_only_a_coarser_cut_than_the_one_asked(ivr_report):
    """More than 10 000 periods is refused; the fix named is a cut coarser than the one asked, never the same."""
    by_hour = ivr_report("--from", "2025-01-01", "--to", "2026-12-31", "--by", "hour")
    by_day = ivr_report("--from", "1990-01-01", "--to", "2026-12-31", "--by", "day")
    by_week = ivr_report("--from", "1900-01-01", "--to", "2199-12-31", "--by", "week")
    assert by_hour.exit_code == by_day.exit_code == by_week.exit_code == 2
    assert "more than 10000 periods by hour: cut it by day or by week, or ask for fewer days" in by_hour.output
    assert "more than 10000 periods by day: cut it by week, or ask for fewer days" in by_day.output
    assert "more than 10000 periods by week: ask for fewer days" in by_week.output


def token_for(app, role: str) -> str:
    with db.session_for(app) as session:
        return issue_token(session, add_agent(session, f"a-{role}", "password-123", role=role))


def test_the_api_gives_a_supervisors_token_the_figures(history):
    client = history.test_client()
    response = client.get("/agent/api/reports?from=2026-11-10&to=2026-11-19&by=day",
                          headers={"Authorization": f"Bearer {token_for(history, 'supervisor')}"})
    assert response.status_code == 200
    figures = response.get_json()["figures"]
    assert figures[0]["offered"] == 8 and figures[0]["outcomes"]["contained"] == 4
    assert {(s["service"], s["answered"], s["skipped"]) for s in figures[0]["scores"]} == {("address", 1, 0), ("agent", 0, 1)}
    no_personal_data(response.get_data(as_text=True))


def test_the_api_refuses_an_agents_token_and_no_token(history):
    client = history.test_client()
    asked = "/agent/api/reports?from=2026-11-10&to=2026-11-19"
    refused = client.get(asked, headers={"Authorization": f"Bearer {token_for(history, 'agent')}"})
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    assert client.get(asked).status_code == 401


def test_the_api_says_what_is_wrong_with_a_period(history):
    client = history.test_client()
    headers = {"Authorization": f"Bearer {token_for(history, 'supervisor')}"}
    wrong = client.get("/agent/api/reports?from=2026-11-10&to=19/11&by=day", headers=headers)
    assert wrong.status_code == 400 and "'to' must be a date such as 2026-11-30" in wrong.get_json()["message"]
    month = client.get("/agent/api/reports?from=2026-11-10&to=2026-11-19&by=month", headers=headers)
    assert month.status_code == 400 and "day, week, hour" in month.get_json()["message"]


def test_days_at_the_ends_of_the_calendar_are_refused_with_the_days_a_report_counts(ivr_report):
    """9999-12-31 has no UTC bounds (its next midnight overflows): a sentence, not a traceback."""
    for starts, ends in (("9999-12-01", "9999-12-31"), ("0001-01-01", "2026-11-19")):
        refused = ivr_report("--from", starts, "--to", ends)
        assert refused.exit_code == 2, refused.output
        assert "a report counts days from 1900-01-01 to 9998-12-31" in refused.output
        assert refused.exception is None or isinstance(refused.exception, SystemExit)


def test_the_api_says_a_day_at_the_end_of_the_calendar_is_out_of_reach(history):
    client = history.test_client()
    headers = {"Authorization": f"Bearer {token_for(history, 'supervisor')}"}
    late = client.get("/agent/api/reports?from=9999-12-01&to=9999-12-31", headers=headers)
    assert late.status_code == 400 and "from 1900-01-01 to 9998-12-31" in late.get_json()["message"]


def test_the_table_names_the_calls_where_no_language_was_chosen(ivr_report, phone):
    """A caller who hangs up at the greeting chose no language: the table says 'none', not a blank cell that
    reads as a misaligned row; the CSV keeps the empty language of docs/reports.md."""
    with freeze_time("2026-11-13 15:00:00"):
        phone("+15145550100").hang_up()
    table = ivr_report("--from", "2026-11-13", "--to", "2026-11-13", "--lang", "en").output
    assert re.search(r"^total +none +1 ", table, re.M), table
    assert not re.search(r"^total {3,}\d", table, re.M)
    rows = list(csv.DictReader(io.StringIO(ivr_report("--from", "2026-11-13", "--to", "2026-11-13",
                                                      "--format", "csv").output)))
    assert [r["offered"] for r in rows if r["period"] == "total" and r["language"] == ""] == ["1"]


def test_the_api_allows_400_days_both_included_and_says_so_when_refusing_401(history):
    client = history.test_client()
    headers = {"Authorization": f"Bearer {token_for(history, 'supervisor')}"}
    assert client.get("/agent/api/reports?from=2025-11-01&to=2026-12-05&by=week", headers=headers).status_code == 200
    refused = client.get("/agent/api/reports?from=2025-11-01&to=2026-12-06&by=week", headers=headers)
    assert refused.status_code == 400
    assert "at most 400 days, both ends included" in refused.get_json()["message"]
