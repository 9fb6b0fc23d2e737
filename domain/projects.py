"""Projects and their teams (SPEC §2): who works on a project, at which level of the Commitments tool.

Company admins create and edit projects; they are Admin on every project. A project's
team is changed by company admins and by the project's own Admins. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from domain import audit
from domain.dates import known_zones
from domain.errors import Invalid
from domain.locales import N_, currency_for
from domain.models import AccessLevel, Company, Country, Currency, Project, ProjectPermission, User, db
from domain.permissions import can_edit_project, can_manage_team, level_fixed_because, require
from domain.prompt_payment import PROVINCES

NUMBER_MAX, NAME_MAX, ADDRESS_MAX = 30, 200, 500
JURISDICTION_CHOICE = N_("Choose a province, a territory or Federal (Crown work) from the list.")


@dataclass(frozen=True)
class ProjectData:
    number: str
    name: str
    address: str
    country: Country
    currency: Currency | None  # None: the country's (domain/locales.currency_for)
    time_zone: str
    allow_overbilling: bool
    # A province or territory code or "FED" (domain/prompt_payment.PROVINCES); None in the United States.
    jurisdiction: str | None = None


FIELDS = ("number", "name", "address", "country", "currency", "time_zone", "allow_overbilling", "jurisdiction")


def _require_company_admin(user: User) -> None:
    require(can_edit_project(user), "Only a company admin may create or edit projects.")


def _clean(data: ProjectData) -> ProjectData:
    currency = data.currency or currency_for(data.country)
    return ProjectData(number=data.number.strip(), name=data.name.strip(), address=data.address.strip(),
                       country=data.country, currency=currency, time_zone=data.time_zone,
                       allow_overbilling=data.allow_overbilling,
                       jurisdiction=(data.jurisdiction or None) if data.country is Country.CA else None)


def check(data: ProjectData, editing: Project | None = None) -> None:
    """Raise Invalid naming the field at fault; nothing is written."""
    for field, limit, missing in [("number", NUMBER_MAX, lazy_gettext("Enter the project number.")),
                                  ("name", NAME_MAX, lazy_gettext("Enter the project name."))]:
        value = getattr(data, field)
        if not value:
            raise Invalid(field, missing)
        if len(value) > limit:
            raise Invalid(field, lazy_gettext("Use at most %(limit)s characters.", limit=limit))
    if len(data.address) > ADDRESS_MAX:
        raise Invalid("address", lazy_gettext("Use at most %(limit)s characters.", limit=ADDRESS_MAX))
    if data.time_zone not in known_zones():
        raise Invalid("time_zone", lazy_gettext("Choose a time zone from the list."))
    if data.jurisdiction is not None and data.jurisdiction not in PROVINCES:
        raise Invalid("jurisdiction", lazy_gettext(JURISDICTION_CHOICE))
    clash = number_clash(data.number, editing)
    if clash:
        raise Invalid("number", clash)


def number_clash(number: str, editing: Project | None = None) -> str | None:
    """Why the project number cannot be used (another project has it, whatever its case), or None."""
    clash = db.session.scalar(select(Project).where(
        func.lower(Project.number) == number.strip().lower(),
        Project.id != (editing.id if editing else -1)).limit(1))
    return gettext("Project %(number)s (%(name)s) already has this number.", number=clash.number,
                   name=clash.name) if clash else None


def create_project(data: ProjectData, by: User) -> Project:
    """Create the project (number unique) and record who did; company admins only."""
    _require_company_admin(by)
    data = _clean(data)
    check(data)
    project = Project(**{f: getattr(data, f) for f in FIELDS})
    db.session.add(project)
    try:
        db.session.flush()
    except IntegrityError:  # the same number saved a moment ago by someone else
        db.session.rollback()
        raise Invalid("number", lazy_gettext("A project with this number was just created. Choose another.")) from None
    audit.record(actor=by, entity_type="project", entity_id=project.id, project_id=project.id,
                 action="created", new=f"{project.number} {project.name}")
    db.session.commit()
    return project


def update_project(project: Project, data: ProjectData, by: User) -> list[str]:
    """Save the changed fields, one audit event each; returns the names of what changed."""
    _require_company_admin(by)
    data = _clean(data)
    check(data, editing=project)
    changed = audit.record_changes(project, {field: getattr(data, field) for field in FIELDS}, by)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Invalid("number", lazy_gettext("A project with this number was just created. Choose another.")) from None
    return changed


# --- the team -----------------------------------------------------------------------------------


@dataclass
class Member:
    user: User
    level: AccessLevel
    # Why the level cannot be changed here, or "" when it can.
    locked: str = ""

    @property
    def editable(self) -> bool:
        return not self.locked


def team(project: Project, viewer: User) -> list[Member]:
    """Every active user of the own company with their level on the project, by name (two statements)."""
    users = db.session.scalars(
        select(User).join(Company, User.company_id == Company.id)
        .where(Company.is_own.is_(True), User.active.is_(True))
        .order_by(User.name, User.id)
    ).all()
    levels = dict(db.session.execute(
        select(ProjectPermission.user_id, ProjectPermission.level).where(ProjectPermission.project_id == project.id)
    ).all())
    return [Member(user, AccessLevel.ADMIN if user.is_company_admin else levels.get(user.id, AccessLevel.NONE),
                   level_fixed_because(user, viewer)) for user in users]


class TeamRefused(Exception):
    """The change cannot be made; `user_id` names the row, when it concerns one."""

    def __init__(self, message: str, user_id: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.user_id = user_id


class NotOnTeamPage(LookupError):
    """A user id that is not among the people the team page lists (unknown, a vendor's, inactive)."""


def set_levels(project: Project, levels: dict[int, AccessLevel], by: User) -> list[Member]:
    """Give each listed user the level (all or nothing); returns the members whose level changed."""
    require(can_manage_team(by, project), "Only a company admin or an Admin of this project may change its team.")
    members = {m.user.id: m for m in team(project, by)}
    for user_id in levels:
        if user_id not in members:
            raise NotOnTeamPage(user_id)
    for user_id, level in levels.items():
        member = members[user_id]
        if member.locked and level is not member.level:
            raise TeamRefused(f"{member.user.name}: {member.locked}.", user_id)
    existing = {p.user_id: p for p in db.session.scalars(
        select(ProjectPermission).where(ProjectPermission.project_id == project.id,
                                        ProjectPermission.user_id.in_(list(levels))))}
    changed = []
    for user_id, level in levels.items():
        member = members[user_id]
        if member.locked or level is member.level:
            continue
        permission = existing.get(user_id)
        if permission is None:
            permission = ProjectPermission(project_id=project.id, user_id=user_id)
            db.session.add(permission)
        permission.level = level
        audit.record(actor=by, entity_type="user", entity_id=user_id, project_id=project.id,
                     action="project access changed", field="level", old=member.level.label, new=level.label)
        member.level = level
        changed.append(member)
    try:
        db.session.commit()
    except IntegrityError:  # two admins gave the same person their first level at once
        db.session.rollback()
        raise TeamRefused("Someone changed this team at the same moment. Reload the page and try again.") from None
    return changed
