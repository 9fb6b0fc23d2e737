"""One clock for the whole app, so tests can reason about time.

Timestamps are stored as naive UTC: SQLite keeps no time zone, and mixing the two
kinds in one column is how off-by-hours bugs start.
"""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
