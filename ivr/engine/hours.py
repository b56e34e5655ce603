"""When agents answer: weekly hours, statutory holidays and closures, read from hours.yaml.

Self-service stays open 24/7; this module only says when a caller can reach a person, why not
right now, and when they can next, in words fit to be spoken in French or English.

The module is pure: no Flask, no database, no clock. Every question takes an aware datetime.
Times are compared as local wall-clock times in the file's timezone, so daylight saving changes
never move opening hours.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from holidays.constants import HOLIDAY_NAME_DELIMITER
from babel import Locale
from babel.dates import format_date, format_time

from ivr.engine.findings import Finding
from ivr.engine.languages import BUILT_IN, Languages, read_languages
from ivr.engine.prompts import Prompts
from ivr.engine.texts import as_path
from ivr.engine.yamlsource import Located, LocatedList, YamlProblem, load_text

__all__ = ["Closure", "Hours", "HoursError", "LOOKAHEAD_DAYS"]

#: How far next_opening looks ahead before it gives up and returns None.
LOOKAHEAD_DAYS = 30

_DAY_END = 24 * 60  # minutes; "24:00" and an absent closure "to" mean the end of the day
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3,
    "vendredi": 4, "samedi": 5, "dimanche": 6,
}  # fmt: skip
_CLOSED_WORDS = {"closed", "fermé", "ferme"}
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_TOP_KEYS = ("timezone", "open", "holidays", "closures")
_HOLIDAY_KEYS = ("country", "subdivision")
_CLOSURE_KEYS = ("date", "from", "to", "reason")

Where = tuple[Any, ...]  # a place in the document: keys and list indexes from the top


class HoursError(ValueError):
    """hours.yaml cannot be used. `findings`: each problem as a Finding (code `hours-invalid`, file, line,
    what is wrong as its message and the fix as its hint), which `ivr lint` reports as they are;
    `problems`: the same as "<file>:<line>: what — fix" sentences, for a log or a start-up error."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self.findings: tuple[Finding, ...] = tuple(findings)
        self.problems: tuple[str, ...] = tuple(_sentence(finding) for finding in self.findings)
        super().__init__("\n".join(self.problems))


def _problem(what: str, path: str, line: int, fix: str) -> Finding:
    """A problem in hours.yaml, under the one code the catalogue (ivr.engine.lint.codes) gives them all."""
    return Finding("hours-invalid", what, path, line, hint=fix)


def _sentence(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}: {finding.message}" + (f" — {finding.hint}" if finding.hint else "")


@dataclass(frozen=True)
class Closure:
    """A day (or part of one) with no agents, beyond the statutory holidays."""

    day: date
    start: int  # minutes after local midnight
    end: int  # minutes after local midnight, _DAY_END for the end of the day
    reason: tuple[tuple[str, str], ...] = ()  # (language, words) pairs; empty when not given

    def reason_in(self, language: str) -> str | None:
        """The reason in the caller's language, so the prompt never switches language mid-call."""
        return dict(self.reason).get(language)


@dataclass(frozen=True)
class Hours:
    """Agent hours for one contact centre, validated once at load so calls never hit bad data."""

    timezone: str
    weekly: tuple[tuple[tuple[int, int], ...], ...]  # 7 entries, Monday first: (start, end) minutes
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closures: tuple[Closure, ...] = ()
    source: str = "hours.yaml"
    languages: Languages = field(default=BUILT_IN, compare=False)
    """The line's languages (flows/languages.yaml): closure reasons in each, days and times in their locale."""

    # ----------------------------------------------------------------- loading

    @classmethod
    def from_file(cls, path: Path | str, languages: Languages | None = None) -> Hours:
        """Load and check hours.yaml, keeping line numbers so staff can find their mistake; closure
        reasons are checked against `languages` (by default those declared beside the file)."""
        source = str(path)
        data, line_of = _read_yaml(path, source)
        if languages is None:
            languages = read_languages(as_path(path).parent)
        return cls._build(data, source, line_of, languages)

    @staticmethod
    def zone_from_file(path: Path | str) -> ZoneInfo:
        """hours.yaml's `timezone` alone, for what needs only the contact centre's day (a report, a
        change's effective day): the rest of the file is not checked and no holiday calendar or language
        is loaded, which `from_file` does (0.1-0.2 s of `ivr report`'s start-up, bench/RESULTS.md, stop 22).
        Raises HoursError, as `from_file` does, when the file cannot be read or parsed or its timezone is
        missing or unknown."""
        source = str(path)
        data, line_of = _read_yaml(path, source)
        checker = _Checker(source, line_of, BUILT_IN)
        if not isinstance(data, Mapping):
            checker.check(data)  # the same finding: the file must be a list of settings
            raise HoursError(checker.findings)
        name = checker.timezone(data)
        if name is None:
            raise HoursError(checker.findings)
        return ZoneInfo(name)

    @classmethod
    def from_dict(cls, data: Any, source: str = "hours.yaml", languages: Languages = BUILT_IN) -> Hours:
        """Check already-parsed content (tests, other loaders); problems point at line 1."""
        return cls._build(data, source, lambda where: None, languages)

    @classmethod
    def _build(cls, data: Any, source: str, line_of: Callable[[Where], int | None], languages: Languages) -> Hours:
        checker = _Checker(source, line_of, languages)
        hours = checker.check(data)
        if checker.findings or hours is None:
            raise HoursError(checker.findings)
        return hours

    # --------------------------------------------------------------- questions

    @property
    def zone(self) -> ZoneInfo:
        """The contact centre's timezone, where opening hours are wall-clock times."""
        return ZoneInfo(self.timezone)

    def is_open(self, when: datetime) -> bool:
        """Whether an agent can take a call at this instant."""
        local = self._local(when)
        minute = _minute_of(local)
        return any(start <= minute < end for start, end in self._open_periods(local.date()))

    def next_opening(self, when: datetime) -> datetime | None:
        """When agents are next available: `when` itself if open now, None if not within 30 days."""
        if self.is_open(when):
            return when
        local = self._local(when)
        minute = _minute_of(local)
        for offset in range(LOOKAHEAD_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            for start, _end in self._open_periods(day):
                if offset == 0 and start <= minute:
                    continue
                return self._wall_clock(day, start)
        return None

    def closed_reason(self, when: datetime, language: str) -> str | None:
        """Why agents who would normally be here are not: a holiday name or a closure reason.

        None when agents are open, or when it is simply outside the weekly hours (evening,
        weekend) - then the caller needs no reason, only when to call back.
        """
        lang = self._language(language)
        local = self._local(when)
        day, minute = local.date(), _minute_of(local)
        if self.is_open(when) or not any(s <= minute < e for s, e in self._weekly_for(day)):
            return None
        name = self._holiday_name(day, lang)
        if name is not None:
            return name
        for closure in self.closures:
            if closure.day == day and closure.start <= minute < closure.end:
                return closure.reason_in(lang)
        return None

    def describe_next_opening(self, when: datetime, language: str, prompts: Prompts) -> str | None:
        """The next opening in few spoken words, e.g. "demain, mardi 24 novembre, à 8 h".

        The words are the prompts `closed.when_now|today|tomorrow|later`; this fills in the day and
        the time for the caller's locale. None when nothing opens within 30 days, so the caller
        picks a prompt that does not promise a time.
        """
        lang = self._language(language)
        opening = self.next_opening(when)
        if opening is None:
            return None
        if self.is_open(when):
            return prompts.render("closed.when_now", lang, {}).text
        local = opening.astimezone(self.zone)
        days_ahead = (local.date() - self._local(when).date()).days
        kind = {0: "today", 1: "tomorrow"}.get(days_ahead, "later")
        locale = self.languages.get(lang).locale
        values = {"clock": _spoken_time(local.time(), locale),
                  "day": _plain_spaces(format_date(local.date(), _day_pattern(locale), locale=locale))}
        return prompts.render(f"closed.when_{kind}", lang, values).text

    def next_business_day(self, when: datetime) -> date:
        """The first day after `when` (local) with agents, for promising a callback."""
        today = self._local(when).date()
        for offset in range(1, 367):
            day = today + timedelta(days=offset)
            if self._open_periods(day):
                return day
        raise LookupError(f"{self.source}: no day with agents in the coming year")

    def holiday_name(self, day: date, language: str) -> str | None:
        """The statutory holiday on that local date, named in the caller's language."""
        return self._holiday_name(day, self._language(language))

    # ---------------------------------------------------------------- internals

    def _local(self, when: datetime) -> datetime:
        """`when` on the centre's wall clock; naive datetimes are refused as ambiguous."""
        if when.tzinfo is None or when.utcoffset() is None:
            raise ValueError("when must be timezone-aware (e.g. datetime.now(timezone.utc))")
        return when.astimezone(self.zone)

    def _wall_clock(self, day: date, minute: int) -> datetime:
        """The instant a local wall-clock time happens, normalised through a DST gap."""
        naive = datetime.combine(day, time(minute // 60, minute % 60))
        aware = naive.replace(tzinfo=self.zone)
        return aware.astimezone(UTC).astimezone(self.zone)

    def _weekly_for(self, day: date) -> tuple[tuple[int, int], ...]:
        return self.weekly[day.weekday()]

    def _open_periods(self, day: date) -> list[tuple[int, int]]:
        """The weekly periods of that date, minus a statutory holiday and minus closures."""
        if self._holiday_name(day, None) is not None:
            return []
        periods = list(self._weekly_for(day))
        for closure in self.closures:
            if closure.day == day:
                periods = _subtract(periods, closure.start, closure.end)
        return periods

    def _language(self, language: str) -> str:
        """"fr", "fr-CA", "fr_CA" -> "fr"; a code the line does not serve is a programming error, not a
        caller's."""
        code = language.replace("-", "_").split("_")[0].lower()
        if code not in self.languages:
            raise ValueError(f"language must be one of {sorted(self.languages.codes)}, not {language!r}")
        return code

    def _holiday_name(self, day: date, language: str | None) -> str | None:
        if self.holiday_country is None:
            return None
        calendar = _holiday_calendar(
            self.holiday_country,
            self.holiday_subdivision,
            _holiday_language(self.holiday_country, language),
            day.year,
        )
        return calendar.get(day)


# --------------------------------------------------------------------- helpers


def _minute_of(local: datetime) -> int:
    return local.hour * 60 + local.minute


def _subtract(periods: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """Periods with [start, end) removed: a closure can cut an afternoon or a whole day."""
    kept: list[tuple[int, int]] = []
    for s, e in periods:
        if start > s:
            kept.append((s, min(e, start)))
        if end < e:
            kept.append((max(s, end), e))
    return [(s, e) for s, e in kept if s < e]


@lru_cache(maxsize=None)
def _day_pattern(locale: str) -> str:
    """The locale's own order of weekday, day and month, weekday and month in full: CLDR's "MMMMEd"
    skeleton with "E" widened ("EEEE d MMMM" in fr_CA, "EEEE, MMMM d" in en_CA)."""
    return re.sub(r"E+", "EEEE", str(Locale.parse(locale).datetime_skeletons["MMMMEd"].pattern))


@lru_cache(maxsize=None)
def _holiday_language(country: str, language: str | None) -> str | None:
    """The holidays package language closest to ours: fr -> "fr", en -> "en_CA" for Canada.

    Unsupported languages silently become American English in the package, so choose here.
    """
    if language is None:
        return None
    cls = type(holidays.country_holidays(country))
    supported = tuple(getattr(cls, "supported_languages", ()) or ())
    for candidate in (f"{language}_{country}", language):
        if candidate in supported:
            return candidate
    regional = sorted(code for code in supported if code.split("_")[0] == language)
    return regional[0] if regional else None


@lru_cache(maxsize=256)
def _holiday_calendar(
    country: str, subdivision: str | None, language: str | None, year: int
) -> Mapping[date, str]:
    """One year of holidays, built once and then only read (safe across request threads)."""
    calendar = holidays.country_holidays(
        country, subdiv=subdivision, years=year, language=language
    )
    return {day: _without_observed_label(calendar, name) for day, name in calendar.items()}


_OBSERVED_LABELS = ("observed_label", "observed_label_before", "observed_estimated_label")


def _without_observed_label(calendar: holidays.HolidayBase, name: str) -> str:
    """The holiday's own name on the day it is observed: "Jour de Noël", not "Jour de Noël (observé)".

    The package names a moved holiday with its `observed_label` templates ("%s (observed)"),
    translated with the calendar's own `tr`; a caller hears why agents are away, not the
    package's bookkeeping. Several names on one day stay joined by HOLIDAY_NAME_DELIMITER.
    """
    templates = {calendar.tr(label) for label in (getattr(calendar, attr, None) for attr in _OBSERVED_LABELS)
                 if isinstance(label, str) and "%s" in label and label.strip() != "%s"}
    patterns = [re.compile("^" + re.escape(template).replace(re.escape("%s"), "(?P<name>.+)", 1) + "$")
                for template in templates if "%s" in template]
    names: list[str] = []
    for part in name.split(HOLIDAY_NAME_DELIMITER):
        for pattern in patterns:
            match = pattern.match(part)
            if match:
                part = match["name"]
                break
        if part not in names:
            names.append(part)
    return HOLIDAY_NAME_DELIMITER.join(names)


def _spoken_time(clock: time, locale: str) -> str:
    """The locale's short time as said: no leading zero ("8 h", "13 h 30" in fr_CA, not "08 h 00"), no
    minutes on the hour when a word stands between hours and minutes ("HH 'h' mm"); "8:00 a.m." in en_CA.

    Plain spaces only: CLDR's narrow no-break space trips some speech engines and SSML.
    """
    pattern = str(Locale.parse(locale).time_formats["short"].pattern).replace("HH", "H")
    if clock.minute == 0:
        pattern = re.sub(r"(H\s*'[^']+')\s*mm", r"\1", pattern)
    return _plain_spaces(format_time(clock, pattern, locale=locale))


def _plain_spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def _closest(word: str, choices: Iterable[str]) -> str:
    """A "did you mean" hint for a typo (any letter case), or nothing when nothing is close."""
    word = word.lower()
    by_lower = {choice.lower(): choice for choice in choices}
    matches = difflib.get_close_matches(word, list(by_lower), n=5, cutoff=0.6)
    if not matches:
        return ""

    def rank(candidate: str) -> tuple[float, int]:
        # Equal scores ("munday": monday/sunday): typos rarely touch the first letters.
        prefix = len(os.path.commonprefix([word, candidate]))
        return (round(difflib.SequenceMatcher(None, word, candidate).ratio(), 6), prefix)

    return f"did you mean '{by_lower[max(matches, key=rank)]}'? "


# ------------------------------------------------------------------ YAML with lines


def _read_yaml(path: Path | str, source: str) -> tuple[Any, Callable[[Where], int | None]]:
    """`_load_yaml` of the file at `path`; HoursError when it cannot be read."""
    try:
        text = as_path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise HoursError([_problem(f"the file cannot be read ({error.strerror})", source, 1,
                                   "check its path")]) from None
    return _load_yaml(text, source)


def _load_yaml(text: str, source: str) -> tuple[Any, Callable[[Where], int | None]]:
    """Parse YAML as text (unquoted 08:00 is not 480 minutes), and say on which line each place is."""
    try:
        data = load_text(text, source, as_text=True)
    except YamlProblem as problem:
        raise HoursError([_problem(problem.message, source, problem.line, problem.hint)]) from None

    def line_of(where: Where) -> int | None:
        node, line = data, 1
        for step in where:
            if isinstance(node, Located) and step in node:
                line, node = node.where(step)[0], node[step]
            elif isinstance(node, LocatedList) and isinstance(step, int) and step < len(node):
                line, node = node.item_lines[step][0], node[step]
            else:
                return line
        return line

    return data, line_of


# ------------------------------------------------------------------ validation


class _Checker:
    """Collects every problem in one pass, so staff fix a file in one edit, not ten."""

    def __init__(self, source: str, line_of: Callable[[Where], int | None], languages: Languages) -> None:
        self.languages = languages
        self.source = source
        self.line_of = line_of
        self.findings: list[Finding] = []

    def problem(self, where: Where, what: str, fix: str) -> None:
        """One finding: `what` is wrong at `where` (the nearest line known), and how to `fix` it."""
        line = None
        for depth in range(len(where), -1, -1):  # the nearest place we know the line of
            line = self.line_of(where[:depth])
            if line is not None:
                break
        self.findings.append(_problem(what, self.source, line or 1, fix))

    def unknown_keys(self, data: Mapping[str, Any], known: tuple[str, ...], where: Where) -> None:
        for key in data:
            if key not in known:
                hint = _closest(str(key), known)
                self.problem(
                    where + (key,),
                    f"'{key}' is not a setting here", f"{hint}use one of: {', '.join(known)}",
                )

    def check(self, data: Any) -> Hours | None:
        if not isinstance(data, Mapping):
            self.problem((), "the file must be a list of settings (timezone, open, holidays, "
                             "closures)", "start from the shipped flows/hours.yaml")
            return None
        self.unknown_keys(data, _TOP_KEYS, ())
        tz = self.timezone(data)
        weekly = self.weekly(data)
        country, subdivision = self.statutory(data)
        closures = self.closures(data)
        if self.findings or tz is None or weekly is None:
            return None
        return Hours(tz, weekly, country, subdivision, closures, self.source, self.languages)

    # each part

    def timezone(self, data: Mapping[str, Any]) -> str | None:
        name = data.get("timezone")
        if name is None:
            self.problem(("timezone",), "the timezone is missing", "add a line such as "
                                        "'timezone: America/Toronto'")
            return None
        if not isinstance(name, str) or not name.strip():
            self.problem(("timezone",), "the timezone must be a name", "write e.g. "
                                        "'timezone: America/Toronto'")
            return None
        name = name.strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            hint = _closest(name, available_timezones())
            self.problem(("timezone",), f"'{name}' is not a known timezone", f"{hint}use a name "
                                        "like America/Toronto or America/Montreal")
            return None
        return name

    def weekly(self, data: Mapping[str, Any]) -> tuple[tuple[tuple[int, int], ...], ...] | None:
        where: Where = ("open",)
        days = data.get("open")
        if not isinstance(days, Mapping) or not days:
            self.problem(where, "'open' must list the days agents work, one per line", "write "
                                'e.g. \'monday: "08:00-17:00"\' under it')
            return None
        week: list[tuple[tuple[int, int], ...]] = [()] * 7
        seen: dict[int, str] = {}
        for name, value in days.items():
            here = where + (name,)
            index = _WEEKDAYS.get(str(name).strip().lower())
            if index is None:
                hint = _closest(str(name), _WEEKDAYS)
                self.problem(here, f"'{name}' is not a day of the week", f"{hint}write days in "
                                   "full, e.g. monday or lundi")
                continue
            if index in seen:
                self.problem(here, f"'{name}' is the same day as '{seen[index]}'", "keep only "
                                   "one of them")
                continue
            seen[index] = str(name)
            periods = self.periods(value, here, str(name))
            if periods is not None:
                week[index] = periods
        if not self.findings and not any(week):
            self.problem(where, "no day has opening hours, so agents would never answer", "give "
                                'at least one day a time range such as "08:00-17:00"')
        return tuple(week)

    def periods(self, value: Any, where: Where, day: str) -> tuple[tuple[int, int], ...] | None:
        """ "08:00-17:00", or "08:00-12:00, 13:00-17:00" for a break; empty/closed for none."""
        if value is None or (isinstance(value, str) and value.strip().lower() in _CLOSED_WORDS):
            return ()
        parts = value if isinstance(value, list) else str(value).split(",")
        periods: list[tuple[int, int]] = []
        for part in parts:
            text = str(part).strip()
            start_text, dash, end_text = text.partition("-")
            start = _minutes(start_text.strip())
            end = _minutes(end_text.strip(), end_of_day=True)
            if not dash or start is None or end is None:
                self.problem(where, f"'{text}' for {day} is not a time range", "write it as "
                                    '"08:00-17:00" (24-hour HH:MM, in quotes)')
                return None
            if start >= end:
                self.problem(where, f"'{text}' for {day} ends before it starts", "put the "
                                    'earlier time first, e.g. "08:00-17:00"')
                return None
            periods.append((start, end))
        periods.sort()
        for (_s1, e1), (s2, _e2) in zip(periods, periods[1:]):
            if s2 < e1:
                self.problem(where, f"the time ranges for {day} overlap", "make each range end "
                                    "before the next one starts")
                return None
        return tuple(periods)

    def statutory(self, data: Mapping[str, Any]) -> tuple[str | None, str | None]:
        where: Where = ("holidays",)
        if "holidays" not in data:
            self.problem((), "'holidays' is missing, so agents would be shown as working on "
                             "statutory holidays", "add "
                             "'holidays: {country: CA, subdivision: QC}'")
            return None, None
        spec = data["holidays"]
        if isinstance(spec, str) and spec.strip().lower() == "none":  # a line staffed on holidays too
            return None, None
        if not isinstance(spec, Mapping):
            self.problem(where, "'holidays' must name a country and a province", "write "
                                "'holidays: {country: CA, subdivision: QC}' (or 'holidays: none' when "
                                "agents also work on statutory holidays)")
            return None, None
        self.unknown_keys(spec, _HOLIDAY_KEYS, where)
        country = str(spec.get("country") or "").strip().upper()
        if not country:
            self.problem(where, "the holiday country is missing", "add 'country: CA'")
            return None, None
        try:  # loads that country's calendar alone; the list of every country (0.1 s) only for a hint
            calendar = holidays.country_holidays(country)
        except NotImplementedError:
            hint = _closest(country, holidays.list_supported_countries())
            self.problem(where + ("country",), f"'{spec.get('country')}' is not a country the "
                                               f"holidays package knows", f"{hint}use a two-letter "
                                               "code such as CA")
            return None, None
        raw = spec.get("subdivision")
        if raw is None:
            return country, None
        subdivision = str(raw).strip()
        aliases = dict(getattr(calendar, "subdivisions_aliases", {}) or {})
        codes = list(calendar.subdivisions)
        if subdivision.upper() in codes:
            return country, subdivision.upper()
        if subdivision in aliases:
            return country, aliases[subdivision]
        hint = _closest(subdivision, codes + list(aliases))
        self.problem(where + ("subdivision",), f"'{subdivision}' is not a subdivision of "
                                               f"{country}", f"{hint}use one of: "
                                               f"{', '.join(codes)}")
        return country, None

    def closures(self, data: Mapping[str, Any]) -> tuple[Closure, ...]:
        where: Where = ("closures",)
        items = data.get("closures")
        if items is None:
            return ()
        if not isinstance(items, list):
            self.problem(where, "'closures' must be a list, one closure per line starting with "
                                "'- '", "e.g. '- {date: 2026-12-24, from: \"12:00\"}'")
            return ()
        closures: list[Closure] = []
        for index, item in enumerate(items):
            closure = self.closure(item, where + (index,))
            if closure is not None:
                closures.append(closure)
        return tuple(closures)

    def closure(self, item: Any, where: Where) -> Closure | None:
        if not isinstance(item, Mapping):
            self.problem(where, "a closure must have at least a date", "write "
                                "'- {date: 2026-12-24, from: \"12:00\"}'")
            return None
        before = len(self.findings)
        self.unknown_keys(item, _CLOSURE_KEYS, where)
        day = _date(item.get("date"))
        if day is None:
            text = item.get("date")
            what = "has no date" if text is None else f"date '{text}' is not a date"
            self.problem(where + ("date",), f"this closure {what}", "write it as YYYY-MM-DD, "
                                            "e.g. 'date: 2026-12-24'")
        start = end = None
        for key, end_of_day in (("from", False), ("to", True)):
            text = item.get(key)
            minutes = 0 if key == "from" else _DAY_END
            if text is not None:
                parsed = _minutes(str(text).strip(), end_of_day=end_of_day)
                if parsed is None:
                    self.problem(where + (key,), f"'{text}' is not a time", "write it as "
                                                 f'"12:00" (24-hour HH:MM, in quotes)')
                minutes = parsed if parsed is not None else minutes
            if key == "from":
                start = minutes
            else:
                end = minutes
        if start is not None and end is not None and start >= end:
            self.problem(where + ("to",), "this closure ends before it starts", "make 'to' "
                                          "later than 'from', or leave one out")
        reason = self.reason(item.get("reason"), where + ("reason",))
        if len(self.findings) > before or day is None or start is None or end is None:
            return None
        return Closure(day, start, end, reason)

    def reason(self, value: Any, where: Where) -> tuple[tuple[str, str], ...]:
        if value is None:
            return ()
        codes = self.languages.codes
        example = "'reason: {" + ", ".join(f'{code}: "…"' for code in codes) + "}'"
        if not isinstance(value, Mapping):
            self.problem(where, "the reason must be given in every language of the line", f"write {example}")
            return ()
        self.unknown_keys(value, codes, where)
        missing = [lang for lang in codes if not str(value.get(lang) or "").strip()]
        if missing:
            self.problem(where, f"the reason has no {' or '.join(missing)} words", f"callers hear "
                                f"it in their language, so write {example}")
            return ()
        return tuple((lang, str(value[lang]).strip()) for lang in codes)


def _minutes(text: str, end_of_day: bool = False) -> int | None:
    """ "08:00" -> 480; "24:00" only where an end of day makes sense; anything else -> None."""
    match = _TIME.match(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if end_of_day and (hour, minute) == (24, 0):
        return _DAY_END
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
