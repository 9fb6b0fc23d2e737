"""One clock for the whole app, so tests can reason about time.

Timestamps are stored as naive UTC: SQLite keeps no time zone, and mixing the two
kinds in one column is how off-by-hours bugs start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from domain.models import Project


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def zone_named(name: str | None) -> ZoneInfo:
    """The time zone of that name; UTC for none, or for a name this system does not know."""
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def project_today(project: Project) -> date:
    """Today where the project is: a due date passes, and a month's period opens, at midnight on site."""
    return datetime.now(zone_named(project.time_zone)).date()
