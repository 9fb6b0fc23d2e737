"""Append-only change history (SPEC §2 Audit event)."""

from __future__ import annotations

from domain.models import AuditEvent, User, db


def record(
    *,
    actor: User | None,
    entity_type: str,
    entity_id: int,
    action: str,
    project_id: int | None = None,
    field: str = "",
    old: object = "",
    new: object = "",
) -> AuditEvent:
    """Add an audit event to the session; the caller's transaction commits it."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        project_id=project_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
    )
    db.session.add(event)
    return event


def _text(value: object) -> str:
    if value is None:
        return ""
    label = getattr(value, "value", None)  # enums read as their label
    return str(label if isinstance(label, str) else value)
