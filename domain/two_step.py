"""Two-step sign-in: a time-based one-time password (RFC 6238) from an authenticator app, and
one-time recovery codes for when the phone is lost (issue 10).

The secret is written only once the person has typed a code that proves their app holds it;
recovery codes are shown once and kept as SHA-256 digests (they are long random strings, so a
slow password hash would add nothing but seconds). A code is accepted once: a TOTP code's
30-second step must be newer than the last one accepted, and a recovery code is marked used in
the same statement that finds it unused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import delete, func, select, update

from domain import audit
from domain.clock import utcnow
from domain.models import RecoveryCode, User, db

ISSUER = "Progress Billings"
RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30


class TwoStepRefused(Exception):
    """The code was not right (or was already used); nothing was written."""


@dataclass(frozen=True)
class Enrolment:
    """A secret offered to a person, not yet confirmed: it lives in their session, not the database."""

    secret: str
    email: str

    @property
    def uri(self) -> str:
        return pyotp.TOTP(self.secret).provisioning_uri(name=self.email, issuer_name=ISSUER)

    @property
    def qr_svg(self) -> Markup:
        # segno writes the SVG itself from the URI (no user text in it): safe to inline.
        svg = segno.make(self.uri, error="m").svg_inline(scale=5, border=2, title="QR code for your authenticator app")
        return Markup(svg)  # noqa: S704

    @property
    def spaced_secret(self) -> str:
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


def new_enrolment(user: User) -> Enrolment:
    return Enrolment(secret=pyotp.random_base32(), email=user.email)


def required_for(user: User) -> bool:
    """Company admins of the own company, when its settings say so; contacts never."""
    if not user.is_company_admin or user.is_collaborator:
        return False
    # The company came along with the user (extensions._load_user), read in this same request: no query.
    return bool(user.company.two_step_required_for_admins)


def turn_on(user: User, secret: str, code: str) -> list[str]:
    """Confirm the app with one of its codes, store the secret, end the person's other sessions;
    returns the recovery codes, which are never shown again."""
    step = _matching_step(secret, code, after=None)
    if step is None:
        db.session.rollback()
        raise TwoStepRefused(gettext("That code does not match. Enter the 6-digit code your app shows now for "
                                     "Progress Billings (it changes every 30 seconds)."))
    user.totp_secret = secret
    user.totp_last_step = step
    user.two_step_enabled_at = utcnow()
    user.session_version += 1
    codes = _replace_recovery_codes(user)
    audit.record(actor=user, entity_type="user", entity_id=user.id, action="two-step sign-in turned on")
    db.session.commit()
    return codes


def turn_off(user: User, by: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    user.two_step_enabled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(actor=by, entity_type="user", entity_id=user.id, action="two-step sign-in turned off")
    db.session.commit()


def new_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code (used or not) with fresh ones."""
    codes = _replace_recovery_codes(user)
    audit.record(actor=user, entity_type="user", entity_id=user.id, action="new recovery codes")
    db.session.commit()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def verify(user: User, code: str) -> str:
    """Accept a code from the app ("app") or an unused recovery code ("recovery code"), once.

    Does not commit: the caller records the sign-in in the same transaction."""
    cleaned = "".join(code.split()).replace("-", "").lower()
    if user.totp_secret and cleaned.isascii() and cleaned.isdigit() and len(cleaned) == 6:
        step = _matching_step(user.totp_secret, cleaned, after=user.totp_last_step)
        # Only a newer step wins: the same code replayed, or raced by a second request, matches no row.
        if step is not None and db.session.execute(
                update(User).where(User.id == user.id,
                                   (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
                .values(totp_last_step=step)).rowcount == 1:
            return "app"
    elif user.two_step_enabled and cleaned:
        used = db.session.execute(
            update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(cleaned),
                                       RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())).rowcount
        if used == 1:
            return "recovery code"
    raise TwoStepRefused(gettext("That code is not right. Enter the 6-digit code your authenticator app shows now, "
                                 "or one of your recovery codes."))


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The 30-second step (now, or one either side for a slow clock) whose code this is."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // STEP_SECONDS
    for step in (now - 1, now, now + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
