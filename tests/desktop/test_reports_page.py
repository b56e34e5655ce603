"""The supervisor's Reports page and its CSV: the figures of ivr.services.reports for a known history
(tests/support/reports.py, 10-19 November 2026 in Montréal), in French and in English, for supervisors only."""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.numbers import format_currency
from freezegun import freeze_time

from ivr.desktop.accounts import DEMO_TOKEN, add_agent
from ivr.engine.costs import DEFAULTS
from ivr.desktop.words import Words
from ivr.services.reports import FIRST_DAY, LAST_DAY, By, build_report
from ivr.store import db, survey

from tests.support.desktop_fixtures import agents, quick_password_hashing, sign_in, text  # noqa: F401
from tests.support.reports import app, make_history, personal_values  # noqa: F401 - agents' hours in force

PERIOD = "/agent/reports?from=2026-11-10&to=2026-11-19&by=day"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def staff(app, agents):
    """Ana is an agent; Sue a supervisor who works in French, Tom one who works in English."""
    with db.session_for(app) as s:
        add_agent(s, "ana", "ana-password", role="agent")
        add_agent(s, "sue", "sue-password", role="supervisor", language="fr")
        add_agent(s, "tom", "tom-password", role="supervisor", language="en")
    return {name: sign_in(app.test_client(), name, f"{name}-password") for name in ("ana", "sue", "tom")}


@pytest.fixture
def history(app, phone):
    make_history(phone)
    with app.app_context(), db.engine().connect() as connection:
        return build_report(connection, date(2026, 11, 10), date(2026, 11, 19), By.DAY, ZoneInfo("America/Toronto"),
                            DEFAULTS)


def row(page: str, label: str) -> tuple[str, str]:
    """This period's and the previous period's values of a comparison row."""
    found = re.search(rf'<th scope="row">{re.escape(label)}</th><td class="now">([^<]*)</td><td class="before">([^<]*)</td>',
                      page)
    assert found, f"no row {label!r}"
    return found.group(1), found.group(2)


def test_a_supervisor_sees_the_reports_figures_in_french(staff, history):
    total = history.total()
    page = text(staff["sue"].get(PERIOD))
    assert row(page, "Appels reçus") == (str(total.offered), "0")
    assert row(page, "Réglés en libre-service") == (str(total.outcomes.contained), "0")
    assert row(page, "Abandonnés dans le serveur vocal") == (str(total.outcomes.abandoned_in_ivr), "0")
    assert row(page, "Raccrochés pendant l'attente") == (str(total.queue.hung_up), "0")
    assert (total.offered, total.outcomes.contained) == (8, 4)  # a non-empty history: the page is not all zeros
    assert "Du 10 nov. 2026 au 19 nov. 2026, comparé à la période du 31 oct. 2026 au 9 nov. 2026." in page
    status = total.funnels[0]
    assert (f'<tr><th scope="row">Ont choisi le service</th><td>{status.chose}</td>'
            f'<td>{status.drop_offs["chose"]}</td></tr>') in page
    assert "<td>40\u00a0s</td>" in page  # Robert's wait: mean, 90th percentile and longest, as CLDR writes seconds
    assert "Répondus en 180\u00a0s ou moins : 1 (50\u00a0% des appelants sortis de la file)." in page
    saving = format_currency(total.cost.saving, "CAD", locale="fr_CA")
    assert f"Économie : {saving}." in page
    assert [(group.service, group.answered, group.mean) for group in total.scores] == [("address", 1, 4), ("agent", 0, None)]
    assert "Note moyenne : 4 sur 5. 1 réponse" in page.replace("\u202f", " ")


def test_an_english_supervisor_reads_the_same_figures_in_english(staff, history):
    total = history.total()
    page = text(staff["tom"].get(PERIOD))
    assert row(page, "Calls offered") == (str(total.offered), "0")
    assert row(page, "Contained") == (str(total.outcomes.contained), "0")
    assert "From Nov 10, 2026 to Nov 19, 2026, compared with the period from Oct 31, 2026 to Nov 9, 2026." in page
    assert f"Saving: {format_currency(total.cost.saving, 'CAD', locale='en_CA')}." in page
    assert "Answered within 180 secs: 1 (50% of the callers who left the queue)." in page
    assert "Mean score: 4 out of 5. 1 answer" in page


def test_each_chart_has_a_titled_image_and_a_data_table_with_headers(staff, history):
    page = text(staff["tom"].get(PERIOD))
    assert page.count('<svg class="chart"') == page.count("<title id=\"chart-") >= 7
    assert page.count("<caption>") >= page.count('<svg class="chart"')
    assert '<th scope="col">Hour</th>' in page and "<script>" not in page and "style=" not in page


def test_the_volume_by_hour_is_set_against_the_agents_hours(staff, history):
    page = text(staff["tom"].get(PERIOD))
    hours = re.findall(r'<tr><th scope="row">(\d\d)</th><td>(\d+)</td><td>(yes|no)</td></tr>', page)
    assert len(hours) == 24
    by_hour = {hour: (int(calls), agents) for hour, calls, agents in hours}
    assert by_hour["10"] == (5, "yes") and by_hour["20"] == (1, "no") and by_hour["23"] == (1, "no")
    assert by_hour["16"][1] == "yes" and by_hour["07"][1] == "no"
    assert sum(calls for calls, _ in by_hour.values()) == history.total().offered


def test_without_a_period_the_page_shows_the_last_seven_days_of_the_centre(app, staff):
    with freeze_time("2026-11-20 03:00:00"):  # still the 19th in Montréal
        page = text(sign_in(app.test_client(), "tom", "tom-password").get("/agent/reports"))
    assert 'name="from" value="2026-11-13"' in page and 'name="to" value="2026-11-19"' in page


def test_a_bad_period_is_said_and_the_default_shown(staff):
    page = text(staff["sue"].get("/agent/reports?from=2026-11-19&to=2026-11-10"))
    assert "La fin doit être le même jour que le début ou après" in page


def test_the_csv_holds_the_same_figures_for_the_period(staff, history):
    answer = staff["tom"].get("/agent/reports.csv?from=2026-11-10&to=2026-11-19&by=day")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == ["period", "language", "figure", "value"]
    values = {(period, language, figure): value for period, language, figure, value in rows[1:]}
    total = history.total()
    assert values[("total", "*", "offered")] == str(total.offered)
    assert values[("total", "*", "outcomes.contained")] == str(total.outcomes.contained)
    assert values[("total", "*", "funnels.status.chose")] == str(total.funnels[0].chose)
    assert values[("total", "*", "cost.saving")] == f"{total.cost.saving:.2f}"
    assert values[("2026-11-10", "*", "offered")] == str(history.find("2026-11-10").offered)


def test_no_demo_clients_value_is_in_the_page_the_csv_or_the_json(staff, history):
    """Names, client numbers, birth dates, phone numbers in every usual spelling, streets and postal
    codes of the demo clients, the numbers the history calls from and the address it says: none of
    them in the page (both languages), the CSV or the JSON, by day or by hour; no CallSid either."""
    days = "from=2026-11-10&to=2026-11-19"
    answers = [staff["sue"].get(f"/agent/reports?{days}&by=day"), staff["tom"].get(f"/agent/reports?{days}&by=hour"),
               staff["sue"].get(f"/agent/reports.csv?{days}&by=day"),
               staff["tom"].get(f"/agent/reports.csv?{days}&by=hour")]
    for by in ("day", "week", "hour"):
        answers.append(staff["tom"].get(f"/agent/api/reports?{days}&by={by}",
                                        headers={"Authorization": f"Bearer {DEMO_TOKEN}"}))
    assert history.total().offered == 8  # the history is there to be leaked
    values = personal_values()
    assert "Jeanne" in values and "514-555-0142" in values and "H2X 3K8" in values
    for answer in answers:
        assert answer.status_code == 200, answer.request.url
        body = text(answer)
        assert any(word in body for word in ("offered", "Appels reçus"))  # the figures are there
        found = [value for value in values if value in body]
        assert found == [], (answer.request.url, found)
        assert not re.search(r"CA[0-9a-f]{32}", body)


def test_a_fresh_install_with_no_calls_shows_zeros_in_both_languages(staff):
    for who, offered, empty in (("sue", "Appels reçus", "Pas encore de réponses."),
                                ("tom", "Calls offered", "No answers yet.")):
        answer = staff[who].get(PERIOD)
        assert answer.status_code == 200
        page = text(answer)
        assert row(page, offered) == ("0", "0")
        assert empty in page and page.count('<svg class="chart"') >= 5
    csv_answer = staff["tom"].get(PERIOD.replace("/agent/reports", "/agent/reports.csv"))
    assert csv_answer.status_code == 200
    assert "total,*,offered,0" in csv_answer.get_data(as_text=True)


def test_agents_are_refused_the_page_and_the_csv(staff):
    assert staff["ana"].get(PERIOD).status_code == 403
    assert staff["ana"].get("/agent/reports.csv").status_code == 403
    assert "Rapports" not in text(staff["ana"].get("/agent/"))


def test_a_supervisor_sees_what_callers_think_by_service_and_outcome(staff, app):
    """Four answers and one skip (as ivr.services.survey keeps them): the mean of the answers, and one
    bar and table row per outcome and service, flow versions added up."""
    with db.session_for(app) as s:
        for service, outcome, version, score in [("status", "self_service", "v1", 5), ("status", "self_service", "v2", 4),
                                                 ("status", "self_service", "v2", None), ("agent", "agent", "v2", 2),
                                                 ("address", "self_service", "v2", 4)]:
            survey.keep(s, date(2026, 11, 12), "fr", service, outcome, version, score)
    page = text(staff["tom"].get(PERIOD))
    scores = page[page.index('id="scores"'):page.index('id="periods"')]
    assert "Mean score: 3.8 out of 5. 4 answers" in scores
    assert '<th scope="row">Self-service: application status</th><td>2</td><td>1</td><td>4.5</td>' in scores
    assert '<th scope="row">A call with an agent</th><td>1</td><td>0</td><td>2</td>' in scores
    assert '<th scope="row">Self-service: change of address</th><td>1</td><td>0</td><td>4</td>' in scores
    french = text(staff["sue"].get(PERIOD))
    assert "Libre-service : état de la demande" in french.replace("\u202f", " ").replace("\xa0", " ")


def test_the_scores_say_no_answers_yet_when_nobody_answered(staff, history):
    page = text(staff["tom"].get("/agent/reports?from=2026-10-01&to=2026-10-05&by=day"))
    assert "No answers yet." in page[page.index('id="scores"'):page.index('id="periods"')]


@pytest.mark.parametrize("days", ["from=9999-12-01&to=9999-12-31", "from=0001-01-01&to=0001-01-05"])
def test_days_at_the_ends_of_the_calendar_are_a_bad_period_in_both_languages_not_an_error(staff, days):
    """9999-12-31 has no next midnight, and the period before 0001-01-05 none at all: the page says which
    days it counts and shows the last 7; the CSV refuses them as it refuses any bad period."""
    assert "Choisissez des jours du 1er janvier 1900 au 31 décembre 9998." in text(staff["sue"].get(f"/agent/reports?{days}"))
    page = staff["tom"].get(f"/agent/reports?{days}")
    assert page.status_code == 200
    assert "Choose days from January 1, 1900 to December 31, 9998." in text(page)
    refused = staff["tom"].get(f"/agent/reports.csv?{days}")
    assert refused.status_code == 400 and "January 1, 1900" in refused.get_data(as_text=True)


def test_the_words_for_a_period_out_of_reach_name_the_reports_first_and_last_days():
    for language in ("fr", "en"):
        said = Words(language)("reports.bad_year")
        assert str(FIRST_DAY.year) in said and str(LAST_DAY.year) in said and str(LAST_DAY.day) in said


def test_a_period_of_400_days_is_shown_and_one_of_401_is_refused_as_the_words_say(staff):
    """MAX_DAYS counts the days of the period, both ends included: the words say so, not '400 days later'
    (2025-11-01 + 400 days was refused while the page said it was allowed)."""
    longest = staff["tom"].get("/agent/reports?from=2025-11-01&to=2026-12-05&by=week")
    assert 'name="from" value="2025-11-01"' in text(longest) and "400 days long" not in text(longest)
    refused = text(staff["tom"].get("/agent/reports?from=2025-11-01&to=2026-12-06&by=week"))
    assert "the period at most 400 days long, both ends included" in refused
    assert "la période compter au plus 400 jours, début et fin compris" in text(
        staff["sue"].get("/agent/reports?from=2025-11-01&to=2026-12-06&by=week"))


def test_costs_with_mistakes_are_said_on_the_page_the_csv_and_the_api_not_a_server_error(staff, app, tmp_path):
    """Content staff broke flows/costs.yaml: every way to the figures says so (503) and points to `ivr lint`."""
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    (flows / "costs.yaml").write_text('currency: CAD\nper_contact:\n  ivr: "one dollar eighty-five"\n', encoding="utf-8")
    app.config["FLOWS_DIR"] = str(flows)
    page = staff["tom"].get(PERIOD)
    assert page.status_code == 503 and "ivr lint" in text(page)
    spreadsheet = staff["tom"].get(PERIOD.replace("/agent/reports", "/agent/reports.csv"))
    assert spreadsheet.status_code == 503 and "ivr lint" in spreadsheet.get_data(as_text=True)
    tools = staff["tom"].get("/agent/api/reports?from=2026-11-10&to=2026-11-19", headers={"Authorization": f"Bearer {DEMO_TOKEN}"})
    assert tools.status_code == 503 and tools.get_json()["error"] == "costs_invalid"
