"""The one way dates and times are written, on pages, in e-mails and in documents.

Timestamps are stored as naive UTC (domain/clock.py); a person reads them in the project's time zone, with
its abbreviation. On screen a date of this year leaves the year out and any other year shows it; a document
(`full=True`) always shows the year, since it is filed and read years later. A locale (domain/locales.py)
says how: en_US as Python writes it ("Dec 3, 2025", "2:05 PM"), the others as Babel does (en_CA
"Dec 3, 2025", "2:05 p.m."; fr_CA "3 déc. 2025", "14 h 05").
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_skeleton, format_time

from domain import clock


@functools.lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    """clock.zone_named, looked up once per name: a 1,000-row page writes two dates a row."""
    return clock.zone_named(name)


def local(value: datetime, in_zone: ZoneInfo) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(in_zone)


def this_year(in_zone: ZoneInfo) -> int:
    return local(clock.utcnow(), in_zone).year


@functools.lru_cache(maxsize=4096)
def _babel_day(value: date, with_year: bool, locale: str) -> str:
    """A date as Babel writes it in `locale`; a board shows the same few dates on every row."""
    return format_skeleton("yMMMd" if with_year else "MMMd", value, locale=locale)


def _date_text(value: date, in_zone: ZoneInfo, year: int | None, full: bool, locale: str = "en_US") -> str:
    with_year = full or value.year != (year or this_year(in_zone))
    if locale != "en_US":
        return _babel_day(value, with_year, locale)
    return f"{value:%b %-d, %Y}" if with_year else f"{value:%b %-d}"


def day(value: date | datetime | None, time_zone: str | None = None, *, year: int | None = None,
        full: bool = False, locale: str = "en_US") -> str:
    """A date, or the date a timestamp fell on in `time_zone` (UTC when none): "Nov 30", "Dec 3, 2025".
    `year` is this year in that zone when the caller has worked it out already."""
    if not value:
        return ""
    in_zone = zone(time_zone)
    return _date_text(local(value, in_zone).date() if isinstance(value, datetime) else value, in_zone, year, full,
                      locale)


def moment(value: datetime | None, time_zone: str | None = None, *, year: int | None = None,
           full: bool = False, locale: str = "en_US") -> str:
    """A timestamp in `time_zone` (UTC when none) with its abbreviation: "Nov 30, 2:05 PM PST",
    "Dec 3, 2025, 9:00 AM EST"."""
    if not value:
        return ""
    in_zone = zone(time_zone)
    at = local(value, in_zone)
    abbreviation = at.tzname() or ""
    if abbreviation[:1] in "+-":  # a zone without a name of its own reads "-03"
        abbreviation = f"UTC{abbreviation}"
    clock_time = f"{at:%-I:%M %p}" if locale == "en_US" else format_time(at, "short", locale=locale)
    return f"{_date_text(at.date(), in_zone, year, full, locale)}, {clock_time} {abbreviation}"


# The zones people in the United States and Canada pick from first, in words; every other zone follows.
NORTH_AMERICA: dict[str, tuple[tuple[str, str], ...]] = {
    "United States": (
        ("America/New_York", "Eastern Time (New York)"),
        ("America/Chicago", "Central Time (Chicago)"),
        ("America/Denver", "Mountain Time (Denver)"),
        ("America/Phoenix", "Mountain Time, no daylight saving (Phoenix)"),
        ("America/Los_Angeles", "Pacific Time (Los Angeles)"),
        ("America/Anchorage", "Alaska Time (Anchorage)"),
        ("Pacific/Honolulu", "Hawaii Time (Honolulu)"),
        ("America/Puerto_Rico", "Atlantic Time (Puerto Rico)"),
    ),
    "Canada": (
        ("America/St_Johns", "Newfoundland Time (St. John's)"),
        ("America/Halifax", "Atlantic Time (Halifax)"),
        ("America/Toronto", "Eastern Time (Toronto)"),
        ("America/Winnipeg", "Central Time (Winnipeg)"),
        ("America/Regina", "Central Time, no daylight saving (Regina)"),
        ("America/Edmonton", "Mountain Time (Edmonton)"),
        ("America/Vancouver", "Pacific Time (Vancouver)"),
        ("America/Whitehorse", "Yukon Time (Whitehorse)"),
    ),
}
# Old names kept by the zone database for compatibility ("US/Pacific", "EST5EDT", "Etc/GMT+8", ...): accepted
# where they are stored already, not offered.
_LEGACY_PREFIXES = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/", "posix/", "right/")


@functools.cache
def known_zones() -> frozenset[str]:
    """Every zone name a company or a project may hold."""
    return frozenset(available_timezones())


@functools.cache
def _offered() -> tuple[tuple[str, str], ...]:
    names = sorted(z for z in known_zones() if ("/" in z and not z.startswith(_LEGACY_PREFIXES)) or z == "UTC")
    return tuple((z, z.replace("_", " ")) for z in names)


def zone_choices(first: str = "United States", current: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """The time zone picker, in groups: the country's zones in words first, then the other country's, then
    every zone by name; a stored old name stays offered so that saving the form keeps it."""
    groups = {country: list(NORTH_AMERICA[country]) for country in sorted(NORTH_AMERICA, key=lambda c: c != first)}
    named = {value for zones in groups.values() for value, _ in zones}
    # Each zone once: a select with the same value twice shows the chosen zone by its last label (the raw name).
    every = [(value, words) for value, words in _offered() if value not in named]
    if current and current in known_zones() and current not in named and current not in dict(every):
        every.insert(0, (current, current))
    groups["All other time zones"] = every
    return groups


def zone_words(name: str) -> str:
    """A zone as the picker names it: "Pacific Time (Los Angeles)", else its name without underscores."""
    for zones in NORTH_AMERICA.values():
        for value, words in zones:
            if value == name:
                return words
    return name.replace("_", " ")
