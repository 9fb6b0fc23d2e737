"""domain/permissions.py: the list rule agrees with the row rule, services refuse at their top,
route guards answer 404 before 403, and every page says it varies with HX-Request."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from domain import claims, permissions, portal
from domain.models import (
    AuditEvent,
    Claim,
    ClaimStatus,
    Commitment,
    Invite,
    InviteStatus,
    LineReview,
    Project,
    User,
    db,
)
from tests import factories
from tests.helpers import AuthActions


@pytest.fixture
def cast(world):
    """A public and a private commitment of one vendor; the private one's Private list holds the
    read-only user and the vendor's second user (who is not a contact)."""
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    other = factories.user(vendor, "omar@keystone.example", "Omar Other")
    public = factories.commitment(world.project, vendor, number="SC-001")
    private = factories.commitment(world.project, vendor, number="SC-002", private=True)
    private.private_users.extend([world.readonly, other])
    db.session.commit()
    return {"admin": world.admin, "standard": world.standard, "readonly": world.readonly, "nobody": world.nobody,
            "contact": vendor.default_claim_contact, "other": other, "public": public, "private": private}


@pytest.mark.parametrize("who, sees", [
    ("admin", {"SC-001", "SC-002"}),
    ("standard", {"SC-001"}),
    ("readonly", {"SC-001", "SC-002"}),  # on the Private list
    ("nobody", set()),
    ("contact", {"SC-001", "SC-002"}),  # a contact of both, and on the Private list of SC-002
    ("other", set()),  # on the Private list, but a contact of neither
])
def test_the_list_rule_and_the_row_rule_agree(world, cast, who, sees):
    user = cast[who]
    level = permissions.project_level(user, world.project)
    listed = set(db.session.scalars(select(Commitment.number).where(
        Commitment.project_id == world.project.id, permissions.visible_commitments(user, level))))
    one_by_one = {c.number for c in (cast["public"], cast["private"])
                  if permissions.can_see_commitment(user, c, level)}
    assert listed == one_by_one == sees


def _claims() -> int:
    return db.session.scalar(select(func.count(Claim.id)))


def _audit() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


@pytest.mark.parametrize("who", ["standard", "readonly", "other"])
def test_only_admins_and_contacts_start_a_claim(world, cast, who):
    before = _audit()
    with pytest.raises(permissions.PermissionDenied, match="may fill in its claims"):
        claims.start_claim(cast["public"], world.period, cast[who])
    assert _claims() == 0 and _audit() == before
    assert claims.start_claim(cast["public"], world.period, cast["contact"]).status is ClaimStatus.DRAFT


@pytest.mark.parametrize("who", ["standard", "other"])
def test_only_admins_and_contacts_save_a_claim(world, cast, who):
    claim = claims.start_claim(cast["public"], world.period, world.admin)
    entry = claims.LineEntry(cast["public"].sov_lines[0].id, this_period="100.00")
    before = _audit()
    with pytest.raises(permissions.PermissionDenied, match="may fill in its claims"):
        claims.save_entries(claim, [entry], cast[who], submit=True,
                            signature=claims.Signature(True, "Someone"))
    db.session.expire_all()
    claim = db.session.get(Claim, claim.id)
    assert claim.status is ClaimStatus.DRAFT and claim.lines[0].work_completed_this_period == 0
    assert _audit() == before


@pytest.mark.parametrize("who", ["standard", "contact"])
def test_only_admins_review_a_claim(world, cast, who):
    claim = claims.start_claim(cast["public"], world.period, world.admin)
    claims.save_entries(claim, [claims.LineEntry(cast["public"].sov_lines[0].id, this_period="100.00")],
                        cast["contact"], submit=True, signature=claims.Signature(True, "Maria"))
    before = _audit()
    decision = claims.LineDecision(claim.lines[0].id, LineReview.APPROVED)
    with pytest.raises(permissions.PermissionDenied, match="may review claims"):
        claims.review(claim, [decision], ClaimStatus.APPROVED, cast[who])
    db.session.expire_all()
    assert db.session.get(Claim, claim.id).status is ClaimStatus.UNDER_REVIEW and _audit() == before


@pytest.mark.parametrize("who", ["admin", "other"])
def test_only_contacts_answer_an_invite(world, cast, who):
    invite = Invite(commitment=cast["public"], billing_period=world.period, sent_by=world.admin)
    db.session.add(invite)
    db.session.commit()
    before = _audit()
    with pytest.raises(permissions.PermissionDenied, match="may answer its invite"):
        portal.accept(invite, cast[who])
    with pytest.raises(permissions.PermissionDenied, match="may answer its invite"):
        portal.decline(invite, cast[who], "Not this month")
    db.session.expire_all()
    assert db.session.get(Invite, invite.id).status is InviteStatus.INVITED and _claims() == 0 and _audit() == before


def test_a_guard_answers_404_for_a_foreign_claim_before_403_for_a_missing_level(client, world, cast):
    claim = claims.start_claim(cast["public"], world.period, world.admin)
    elsewhere = factories.commitment(Project(number="P-2", name="Elsewhere"), cast["public"].vendor)
    db.session.commit()
    foreign = claims.start_claim(elsewhere, factories.period(elsewhere.project), world.admin)
    db.session.commit()
    AuthActions(client).sign_in(world.readonly.email)
    base = f"/projects/{world.project.id}/billings/claims"
    assert client.post(f"{base}/{foreign.id}/review", data={"action": "approve"}).status_code == 404
    assert client.post(f"{base}/{claim.id}/review", data={"action": "approve"}).status_code == 403
    assert client.get(f"{base}/{claim.id}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Claim, claim.id).status is ClaimStatus.DRAFT


def test_every_page_and_error_says_it_varies_with_hx_request(client, world):
    AuthActions(client).sign_in(world.admin.email)
    for path, headers in [("/", {}), ("/nowhere", {}), ("/nowhere", {"HX-Request": "true"}),
                          (f"/projects/{world.project.id}/team", {})]:
        response = client.get(path, headers=headers)
        assert "HX-Request" in response.headers.get("Vary", ""), path
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "HX-Request" not in static.headers.get("Vary", "")
    static.close()


def test_the_menu_shows_directory_and_settings_to_company_admins_only(client, world):
    AuthActions(client).sign_in(world.standard.email)
    assert "Directory" not in client.get("/").get_data(as_text=True)
    client.post("/sign-out")
    AuthActions(client).sign_in(world.admin.email)
    html = client.get("/").get_data(as_text=True)
    assert ">Directory</a>" in html and ">Settings</a>" in html
    assert db.session.get(User, world.admin.id).is_company_admin
