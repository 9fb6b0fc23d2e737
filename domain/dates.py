"""The one way dates and times are written, on pages, in e-mails and in documents.

Timestamps are stored as naive UTC (domain/clock.py); a person reads them in the project's time zone, with
its abbreviation. On screen a date of this year leaves the year out and any other year shows it; a document
(`full=True`) always shows the year, since it is filed and read years later.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from domain import clock


@functools.lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    """clock.zone_named, looked up once per name: a 1,000-row page writes two dates a row."""
    return clock.zone_named(name)


def local(value: datetime, in_zone: ZoneInfo) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(in_zone)


def this_year(in_zone: ZoneInfo) -> int:
    return local(clock.utcnow(), in_zone).year


def _date_text(value: date, in_zone: ZoneInfo, year: int | None, full: bool) -> str:
    if full:
        return f"{value:%b %-d, %Y}"
    return f"{value:%b %-d}" if value.year == (year or this_year(in_zone)) else f"{value:%b %-d, %Y}"


def day(value: date | datetime | None, time_zone: str | None = None, *, year: int | None = None,
        full: bool = False) -> str:
    """A date, or the date a timestamp fell on in `time_zone` (UTC when none): "Nov 30", "Dec 3, 2025".
    `year` is this year in that zone when the caller has worked it out already."""
    if not value:
        return ""
    in_zone = zone(time_zone)
    return _date_text(local(value, in_zone).date() if isinstance(value, datetime) else value, in_zone, year, full)


def moment(value: datetime | None, time_zone: str | None = None, *, year: int | None = None,
           full: bool = False) -> str:
    """A timestamp in `time_zone` (UTC when none) with its abbreviation: "Nov 30, 2:05 PM PST",
    "Dec 3, 2025, 9:00 AM EST"."""
    if not value:
        return ""
    in_zone = zone(time_zone)
    at = local(value, in_zone)
    abbreviation = at.tzname() or ""
    if abbreviation[:1] in "+-":  # a zone without a name of its own reads "-03"
        abbreviation = f"UTC{abbreviation}"
    return f"{_date_text(at.date(), in_zone, year, full)}, {at:%-I:%M %p} {abbreviation}"
