"""Agent hours: when a caller can reach a person, why not, and when they next can."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from ivr.config import ROOT
from ivr.engine.prompts import load_prompts
from ivr.engine.hours import Hours, HoursError

PROMPTS = load_prompts(ROOT / "prompts")[0]  # the words live in prompts/*/closed.yaml

SHIPPED = Path(__file__).resolve().parents[2] / "flows" / "hours.yaml"
TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture(scope="module")
def hours() -> Hours:
    return Hours.from_file(SHIPPED)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock time at the contact centre."""
    return datetime(year, month, day, hour, minute, tzinfo=TORONTO)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hours.yaml"
    path.write_text(text, encoding="utf-8")
    return path


VALID = """\
timezone: America/Toronto
open:
  monday: "08:00-17:00"
  friday: "08:00-16:30"
holidays: {country: CA, subdivision: QC}
"""


# ---------------------------------------------------------------- weekly hours


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(7, 59, False), (8, 0, True), (16, 59, True), (17, 0, False)],
)
def test_agents_answer_from_8_to_17_on_a_weekday(hours, hour, minute, expected):
    # Monday 23 November 2026
    assert hours.is_open(at(2026, 11, 23, hour, minute)) is expected


def test_agents_leave_at_16_30_on_friday(hours):
    assert hours.is_open(at(2026, 11, 27, 16, 29))
    assert not hours.is_open(at(2026, 11, 27, 16, 30))


def test_friday_evening_callers_are_told_monday_8_am(hours):
    friday_evening = at(2026, 11, 27, 19, 15)
    assert hours.next_opening(friday_evening) == at(2026, 11, 30, 8, 0)
    assert hours.describe_next_opening(friday_evening, "fr", PROMPTS) == "lundi 30 novembre, à 8 h"
    assert hours.describe_next_opening(friday_evening, "en", PROMPTS) == "Monday, November 30, at 8:00 a.m."


def test_agents_are_closed_all_saturday_without_a_holiday_reason(hours):
    saturday = at(2026, 11, 28, 10, 0)
    assert not hours.is_open(saturday)
    assert hours.closed_reason(saturday, "fr") is None
    assert hours.next_opening(saturday) == at(2026, 11, 30, 8, 0)


def test_an_instant_in_another_timezone_is_judged_on_the_centre_clock(hours):
    # 13:30 UTC is 08:30 in Toronto in November (EST): open; 12:30 UTC is 07:30: closed.
    assert hours.is_open(datetime(2026, 11, 23, 13, 30, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 11, 23, 12, 30, tzinfo=UTC))


def test_next_opening_is_now_when_agents_are_in(hours):
    now = at(2026, 11, 23, 10, 0)
    assert hours.next_opening(now) == now
    assert hours.describe_next_opening(now, "fr", PROMPTS) == "maintenant"
    assert hours.closed_reason(now, "en") is None


def test_early_callers_hear_today_at_8(hours):
    early = at(2026, 11, 24, 6, 45)
    assert hours.describe_next_opening(early, "fr", PROMPTS) == "aujourd'hui à 8 h"
    assert hours.describe_next_opening(early, "en", PROMPTS) == "today at 8:00 a.m."


def test_evening_callers_hear_tomorrow_with_the_date(hours):
    evening = at(2026, 11, 23, 18, 0)
    assert hours.describe_next_opening(evening, "fr", PROMPTS) == "demain, mardi 24 novembre, à 8 h"
    assert (
        hours.describe_next_opening(evening, "en", PROMPTS) == "tomorrow, Tuesday, November 24, at 8:00 a.m."
    )


def test_lunch_break_reopens_later_today_with_minutes_spoken(tmp_path):
    hours = Hours.from_file(
        write(
            tmp_path,
            VALID.replace('"08:00-17:00"', '"08:00-12:00, 13:30-17:00"'),
        )
    )
    lunch = at(2026, 11, 23, 12, 15)
    assert not hours.is_open(lunch)
    assert hours.describe_next_opening(lunch, "fr", PROMPTS) == "aujourd'hui à 13 h 30"
    assert hours.describe_next_opening(lunch, "en-CA", PROMPTS) == "today at 1:30 p.m."


def test_a_caller_at_5_pm_on_friday_is_told_monday_morning(hours):
    with freeze_time("2026-11-27 22:00:00"):  # 17:00 in Toronto on a Friday
        now = datetime.now(UTC)
        assert not hours.is_open(now)
        assert hours.describe_next_opening(now, "en", PROMPTS) == "Monday, November 30, at 8:00 a.m."


# ------------------------------------------------------- holidays and closures


def test_agents_are_closed_on_fete_nationale(hours):
    fete = at(2026, 6, 24, 10, 0)  # a Wednesday
    assert not hours.is_open(fete)
    assert "Fête nationale" in hours.closed_reason(fete, "fr")
    assert hours.closed_reason(fete, "en")  # named in English too, never empty
    assert hours.next_opening(fete) == at(2026, 6, 25, 8, 0)
    assert hours.describe_next_opening(fete, "fr", PROMPTS) == "demain, jeudi 25 juin, à 8 h"


def test_english_holiday_names_use_canadian_spelling(hours):
    labour_day = at(2026, 9, 7, 10, 0)
    assert hours.closed_reason(labour_day, "en") == "Labour Day"
    assert hours.closed_reason(labour_day, "fr") == "Fête du Travail"


def test_agents_are_closed_on_christmas(hours):
    christmas = at(2026, 12, 25, 10, 0)  # a Friday
    assert not hours.is_open(christmas)
    assert hours.closed_reason(christmas, "fr") == "Jour de Noël"
    assert hours.next_opening(christmas) == at(2026, 12, 28, 8, 0)


def test_christmas_eve_afternoon_is_closed_with_the_reason_from_the_file(hours):
    assert hours.is_open(at(2026, 12, 24, 11, 59))
    assert not hours.is_open(at(2026, 12, 24, 12, 0))
    assert hours.closed_reason(at(2026, 12, 24, 12, 0), "fr") == "la veille de Noël"
    assert hours.closed_reason(at(2026, 12, 24, 14, 0), "en") == "Christmas Eve"


def test_a_holiday_is_no_reason_outside_the_hours_agents_would_have_worked(hours):
    assert hours.closed_reason(at(2026, 6, 24, 20, 0), "fr") is None


def test_callback_is_promised_for_the_next_business_day(hours):
    assert hours.next_business_day(at(2026, 11, 27, 10, 0)) == date(2026, 11, 30)
    assert hours.next_business_day(at(2026, 6, 23, 10, 0)) == date(2026, 6, 25)
    assert hours.next_business_day(at(2026, 12, 23, 10, 0)) == date(2026, 12, 24)


def test_a_whole_day_closure_skips_that_day(tmp_path):
    text = VALID + 'closures:\n  - {date: 2026-11-23, reason: {fr: "panne", en: "outage"}}\n'
    hours = Hours.from_file(write(tmp_path, text))
    assert not hours.is_open(at(2026, 11, 23, 10, 0))
    assert hours.closed_reason(at(2026, 11, 23, 10, 0), "en") == "outage"
    assert hours.next_opening(at(2026, 11, 23, 7, 0)) == at(2026, 11, 27, 8, 0)


def test_a_morning_closure_opens_at_its_end(tmp_path):
    text = VALID + 'closures:\n  - {date: 2026-11-23, to: "10:30"}\n'
    hours = Hours.from_file(write(tmp_path, text))
    assert not hours.is_open(at(2026, 11, 23, 9, 0))
    assert hours.closed_reason(at(2026, 11, 23, 9, 0), "fr") is None  # no reason written
    assert hours.next_opening(at(2026, 11, 23, 9, 0)) == at(2026, 11, 23, 10, 30)


def test_nothing_to_promise_when_no_opening_within_30_days(tmp_path):
    closures = "".join(
        f"  - {{date: {date(2026, 11, 23) + timedelta(weeks=week)}}}\n" for week in range(6)
    )
    only_mondays = VALID.replace('  friday: "08:00-16:30"\n', "")
    hours = Hours.from_file(write(tmp_path, only_mondays + "closures:\n" + closures))
    assert hours.next_opening(at(2026, 11, 23, 9, 0)) is None
    assert hours.describe_next_opening(at(2026, 11, 23, 9, 0), "fr", PROMPTS) is None


# ------------------------------------------------------------ daylight saving


@pytest.mark.parametrize("day", [date(2026, 3, 9), date(2026, 11, 2)])
def test_monday_after_a_clock_change_opens_at_8_local(hours, day):
    # Clocks change on Sunday 8 March and Sunday 1 November 2026.
    opening = hours.next_opening(at(2026, day.month, day.day - 1, 12, 0))
    assert opening == at(day.year, day.month, day.day, 8, 0)
    assert (opening.hour, opening.minute) == (8, 0)


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [(date(2026, 3, 8), 12), (date(2026, 11, 1), 13)],  # EDT from 8 March, EST from 1 November
)
def test_opening_hours_follow_the_wall_clock_on_clock_change_days(tmp_path, day, utc_hour):
    every_day = VALID.replace('  friday: "08:00-16:30"\n', '  sunday: "08:00-17:00"\n')
    hours = Hours.from_file(write(tmp_path, every_day))
    eight_local = datetime(day.year, day.month, day.day, utc_hour, 0, tzinfo=UTC)
    assert hours.is_open(eight_local)
    assert not hours.is_open(eight_local - timedelta(minutes=1))
    assert hours.next_opening(eight_local - timedelta(hours=3)) == at(
        day.year, day.month, day.day, 8, 0
    )


# ----------------------------------------------------------------- bad files


def test_shipped_file_loads():
    hours = Hours.from_file(SHIPPED)
    assert hours.timezone == "America/Toronto"
    assert hours.holiday_subdivision == "QC"


def test_a_time_written_8h_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, VALID.replace('monday: "08:00-17:00"', 'monday: "8h-17h"'))
    with pytest.raises(HoursError) as caught:
        Hours.from_file(path)
    assert f"{path}:3:" in str(caught.value)
    assert '"08:00-17:00"' in str(caught.value)


def test_an_unquoted_time_is_read_as_written(tmp_path):
    # YAML 1.1 would read 08:00 as 480 (base 60); staff should not need to know that.
    hours = Hours.from_file(write(tmp_path, VALID.replace('"08:00-16:30"', "08:00-16:30")))
    assert hours.is_open(at(2026, 11, 27, 16, 0))


def test_a_misspelt_weekday_gets_a_suggestion(tmp_path):
    path = write(tmp_path, VALID.replace("monday:", "munday:"))
    with pytest.raises(HoursError) as caught:
        Hours.from_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: 'munday' is not a day of the week")
    assert "did you mean 'monday'?" in message


def test_an_unknown_timezone_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, VALID.replace("America/Toronto", "America/Torronto"))
    with pytest.raises(HoursError) as caught:
        Hours.from_file(path)
    assert f"{path}:1:" in str(caught.value)
    assert "did you mean 'America/Toronto'?" in str(caught.value)


def test_an_unknown_subdivision_is_refused_with_its_line(tmp_path):
    text = VALID.replace("{country: CA, subdivision: QC}", "\n  country: CA\n  subdivision: QQ\n")
    path = write(tmp_path, text)
    with pytest.raises(HoursError) as caught:
        Hours.from_file(path)
    message = str(caught.value)
    assert f"{path}:7: 'QQ' is not a subdivision of CA" in message
    assert "QC" in message


def test_a_closure_ending_before_it_starts_is_refused(tmp_path):
    text = VALID + 'closures:\n  - date: 2026-12-24\n    from: "14:00"\n    to: "12:00"\n'
    path = write(tmp_path, text)
    with pytest.raises(HoursError, match=rf"^{path}:9: this closure ends before it starts"):
        Hours.from_file(path)


def test_a_closure_with_a_bad_date_and_a_one_language_reason_reports_both(tmp_path):
    text = VALID + 'closures:\n  - {date: 2026-13-01, reason: {fr: "panne"}}\n'
    with pytest.raises(HoursError) as caught:
        Hours.from_file(write(tmp_path, text))
    problems = caught.value.problems
    assert len(problems) == 2
    assert all(":7: " in problem for problem in problems)
    assert "YYYY-MM-DD" in problems[0]
    assert "no en words" in problems[1]


def test_a_range_ending_before_it_starts_is_refused():
    data = {
        "timezone": "America/Toronto",
        "open": {"monday": "17:00-08:00"},
        "holidays": {"country": "CA", "subdivision": "QC"},
    }
    with pytest.raises(HoursError, match=r"^hours\.yaml:1: '17:00-08:00' for monday ends before"):
        Hours.from_dict(data)


def test_a_day_written_twice_is_refused(tmp_path):
    path = write(tmp_path, VALID.replace('  friday: "08:00-16:30"', '  lundi: "09:00-17:00"'))
    with pytest.raises(HoursError, match=r":4: 'lundi' is the same day as 'monday'"):
        Hours.from_file(path)


def test_broken_yaml_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, VALID.replace("open:", "open: [", 1))
    with pytest.raises(HoursError, match=rf"^{path}:\d+: the '\[' opened on line \d+ is never closed — end it"):
        Hours.from_file(path)


def test_naive_datetimes_are_refused_rather_than_guessed(hours):
    with pytest.raises(ValueError, match="timezone-aware"):
        hours.is_open(datetime(2026, 11, 23, 10, 0))


def test_the_zone_alone_is_read_without_the_holiday_calendar(tmp_path):
    assert Hours.zone_from_file(ROOT / "flows" / "hours.yaml") == Hours.from_file(ROOT / "flows" / "hours.yaml").zone
    unchecked = write(tmp_path, "timezone: America/Vancouver\nholidays: {country: XX}\n")
    assert Hours.zone_from_file(unchecked) == ZoneInfo("America/Vancouver")


@pytest.mark.parametrize("text", ["timezone: Mars/Olympus\n", "open: {}\n", "- timezone\n"])
def test_a_missing_or_unknown_zone_is_an_hours_error(tmp_path, text):
    with pytest.raises(HoursError):
        Hours.zone_from_file(write(tmp_path, text))
