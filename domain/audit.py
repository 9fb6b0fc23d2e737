"""Append-only change history (SPEC §2 Audit event)."""

from __future__ import annotations

import re

from domain.models import AuditEvent, Project, User, db


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


def record_changes(entity: db.Model, changes: dict[str, object], by: User | None) -> list[str]:
    """Set each attribute of `entity` that differs from `changes`, one "changed" event each, in order;
    returns the names that changed. The caller's transaction commits them."""
    entity_type = re.sub(r"(?<!^)(?=[A-Z])", "_", type(entity).__name__).lower()  # BillingPeriod: billing_period
    project_id = entity.id if isinstance(entity, Project) else getattr(entity, "project_id", None)
    changed = []
    for name, new in changes.items():
        old = getattr(entity, name)
        if old == new:
            continue
        record(actor=by, entity_type=entity_type, entity_id=entity.id, project_id=project_id, action="changed",
               field=name, old=old, new=new)
        setattr(entity, name, new)
        changed.append(name)
    return changed


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, db.Model):  # a row (a vendor, a person) reads as its name
        return str(getattr(value, "name", value))
    label = getattr(value, "value", None)  # enums read as their label
    return str(label if isinstance(label, str) else value)
