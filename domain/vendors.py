"""Vendor companies: name, address, trade and default progress claim contact."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from domain import audit
from domain.errors import Invalid, check_all
from domain.models import Company, User, db
from domain.permissions import PermissionDenied, require_company_admin
from domain.sales_taxes import normalise_tax_number


@dataclass(frozen=True)
class VendorDetails:
    name: str
    address: str = ""
    trade: str = ""
    default_claim_contact_id: int | None = None
    tax_number: str = ""  # GST/HST registration number as typed (domain/sales_taxes.normalise_tax_number)


@dataclass(frozen=True)
class VendorRow:
    vendor: Company
    users: int
    active_users: int


def vendor_rows() -> list[VendorRow]:
    """Every vendor with its default contact and user counts, in two statements."""
    vendors = list(db.session.scalars(
        select(Company).where(Company.is_own.is_(False)).options(selectinload(Company.default_claim_contact))
        .order_by(func.lower(Company.name), Company.id)))
    counts = {company_id: (total, active or 0) for company_id, total, active in db.session.execute(
        select(User.company_id, func.count(User.id), func.count(User.id).filter(User.active.is_(True)))
        .group_by(User.company_id))}
    return [VendorRow(v, *counts.get(v.id, (0, 0))) for v in vendors]


def get_company(company_id: int) -> Company | None:
    return db.session.get(Company, company_id)


def get_vendor(vendor_id: int) -> Company | None:
    """A vendor company; None for an unknown id and for the own company."""
    company = db.session.get(Company, vendor_id)
    return company if company is not None and not company.is_own else None


def active_users(company: Company) -> list[User]:
    return list(db.session.scalars(
        select(User).where(User.company_id == company.id, User.active.is_(True)).order_by(User.name, User.id)))


def create_vendor(details: VendorDetails, by: User) -> Company:
    """Add a vendor company whose name no other vendor has, whatever its case."""
    require_company_admin(by)
    name = details.name.strip()
    _lock_vendor_names()
    _, tax_number = check_all(lambda: _check_vendor_name(name, None),
                              lambda: normalise_tax_number(details.tax_number))
    vendor = Company(name=name, is_own=False, address=details.address.strip(), trade=details.trade.strip(),
                     tax_number=tax_number)
    db.session.add(vendor)
    db.session.flush()
    audit.record(actor=by, entity_type="company", entity_id=vendor.id, action="vendor created",
                 new=_describe_vendor(vendor))
    db.session.commit()
    return vendor


def update_vendor(vendor: Company, details: VendorDetails, by: User) -> list[str]:
    """Save a vendor; its default progress claim contact must be one of its own active users."""
    require_company_admin(by)
    if vendor.is_own:
        raise PermissionDenied("The own company is edited under Settings.")
    name = details.name.strip()
    _lock_vendor_names()
    contact, _, tax_number = check_all(lambda: _contact_for(vendor, details.default_claim_contact_id),
                                       lambda: _check_vendor_name(name, vendor.id),
                                       lambda: normalise_tax_number(details.tax_number))
    changed = audit.record_changes(vendor, {"name": name, "address": details.address.strip(),
                                            "trade": details.trade.strip(), "tax_number": tax_number}, by)
    if vendor.default_claim_contact_id != (contact.id if contact else None):
        record_default_contact(vendor, contact, by)
        changed.append("default_claim_contact")
    db.session.commit()
    return changed


def _contact_for(vendor: Company, contact_id: int | None) -> User | None:
    if contact_id is None:
        return None
    contact = db.session.get(User, contact_id)
    if contact is None or contact.company_id != vendor.id or not contact.active:
        raise Invalid("default_claim_contact_id", lazy_gettext("Choose one of %(vendor)s's active users.",
                                                                 vendor=vendor.name))
    return contact


def _check_vendor_name(name: str, vendor_id: int | None) -> None:
    clash = db.session.scalar(select(Company.id).where(
        Company.is_own.is_(False), func.lower(Company.name) == name.lower(),
        Company.id != (vendor_id if vendor_id is not None else -1)).limit(1))
    if clash is not None:
        raise Invalid("name", lazy_gettext("A vendor with this name already exists."))


def _lock_vendor_names() -> None:
    # No unique index covers vendor names (the own company may share one), so two admins adding
    # "Acme" at once take turns here on PostgreSQL. SQLite runs one writer at a time anyway.
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('directory:vendor-names'))"))


def _describe_vendor(vendor: Company) -> str:
    return " · ".join(x for x in [vendor.name, vendor.trade, vendor.address, vendor.tax_number] if x)


def record_default_contact(vendor: Company, contact: User | None, by: User) -> None:
    old = vendor.default_claim_contact
    audit.record(actor=by, entity_type="company", entity_id=vendor.id, action="changed",
                 field="default_claim_contact", old=_person(old), new=_person(contact))
    vendor.default_claim_contact = contact


def _person(user: User | None) -> str:
    return f"{user.name} <{user.email}>" if user is not None else ""
