"""Signed, expiring links for e-mails (SPEC §4): an invite link is bound to one invite, one contact and
the address it was mailed to, an activation link to one user and the address it was sent to. A link
that went to a mistyped address stops working once an admin corrects the address.

A token proves only that the link came from us and is fresh; it never signs anyone in.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

INVITE_SALT = "invite-link"
ACTIVATION_SALT = "account-activation"


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


@dataclass(frozen=True)
class InviteToken:
    invite_id: int
    contact_id: int
    address_digest: str

    def sent_to(self, email: str) -> bool:
        """Whether the link was mailed to this address."""
        return hmac.compare_digest(self.address_digest, _address_digest(email))


def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def make_invite_token(secret_key: str, invite_id: int, contact_id: int, email: str) -> str:
    """A link for one contact to answer one invite, bound to the address it is mailed to (for a contact
    with no password yet the link leads to setting one, so it must not outlive a corrected address)."""
    return _serializer(secret_key, INVITE_SALT).dumps({"i": invite_id, "c": contact_id, "e": _address_digest(email)})


def read_invite_token(secret_key: str, token: str, max_age_seconds: int) -> InviteToken:
    return _read_invite_and_contact(secret_key, INVITE_SALT, token, max_age_seconds)


def _read_invite_and_contact(secret_key: str, salt: str, token: str, max_age_seconds: int) -> InviteToken:
    """An invite link's or a mute link's payload: invite, contact and the address digest."""
    try:
        data = _serializer(secret_key, salt).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise TokenExpired from None
    except BadSignature:
        raise TokenInvalid from None
    if (not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("c"), int)
            or not isinstance(data.get("e"), str)):
        raise TokenInvalid
    return InviteToken(invite_id=data["i"], contact_id=data["c"], address_digest=data["e"])


@dataclass(frozen=True)
class ActivationToken:
    user_id: int
    address_digest: str

    def sent_to(self, email: str) -> bool:
        """Whether the link was made for this address."""
        return hmac.compare_digest(self.address_digest, _address_digest(email))


def _address_digest(email: str) -> str:
    # The address itself would be readable in the link (and in web server logs); its digest is not.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


def make_activation_token(secret_key: str, user_id: int, email: str) -> str:
    """A link to set a first password, bound to the user and to the address it is mailed to: once an
    admin corrects a mistyped e-mail, a link that went to the old address no longer works."""
    return _serializer(secret_key, ACTIVATION_SALT).dumps({"u": user_id, "e": _address_digest(email)})


def read_activation_token(secret_key: str, token: str, max_age_seconds: int) -> ActivationToken:
    """The user and address a link names. The caller checks that the user still has that address,
    and that they have no password yet: a link is useless once the password is set."""
    try:
        data = _serializer(secret_key, ACTIVATION_SALT).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise TokenExpired from None
    except BadSignature:
        raise TokenInvalid from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("e"), str):
        raise TokenInvalid
    return ActivationToken(user_id=data["u"], address_digest=data["e"])


RESET_SALT = "password-reset"


@dataclass(frozen=True)
class PasswordResetToken:
    user_id: int
    address_digest: str
    fingerprint: str

    def sent_to(self, email: str) -> bool:
        return hmac.compare_digest(self.address_digest, _address_digest(email))

    def still_fits(self, password_hash: str | None, session_version: int) -> bool:
        """Whether the password is still the one the link was made for: once it is used (or the password
        changed, or two-step sign-in turned on) the fingerprint differs and the link is dead."""
        return hmac.compare_digest(self.fingerprint, password_fingerprint(password_hash, session_version))


def password_fingerprint(password_hash: str | None, session_version: int) -> str:
    # A digest of the hash (never the hash itself: the token's content is readable) and the session
    # version. A new password always has a new salt, so the fingerprint changes with every reset.
    return hashlib.sha256(f"{session_version}:{password_hash or ''}".encode()).hexdigest()[:24]


def make_password_reset_token(secret_key: str, user_id: int, email: str, password_hash: str | None,
                              session_version: int) -> str:
    """A link to choose a new password, bound to the user, the address it is mailed to and the current
    password: it works once, since setting the password changes what it was signed over."""
    return _serializer(secret_key, RESET_SALT).dumps(
        {"u": user_id, "e": _address_digest(email), "p": password_fingerprint(password_hash, session_version)})


def read_password_reset_token(secret_key: str, token: str, max_age_seconds: int) -> PasswordResetToken:
    """The user a reset link names. The caller checks the address and the fingerprint still fit."""
    try:
        data = _serializer(secret_key, RESET_SALT).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise TokenExpired from None
    except BadSignature:
        raise TokenInvalid from None
    if (not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("e"), str)
            or not isinstance(data.get("p"), str)):
        raise TokenInvalid
    return PasswordResetToken(user_id=data["u"], address_digest=data["e"], fingerprint=data["p"])


MUTE_SALT = "reminder-mute"


def make_mute_token(secret_key: str, invite_id: int, contact_id: int, email: str) -> str:
    """A link in a reminder e-mail that stops the reminders of one invite, for the contact it was mailed
    to and that address: it mutes nothing else, and nothing once the contact's address changed."""
    return _serializer(secret_key, MUTE_SALT).dumps({"i": invite_id, "c": contact_id, "e": _address_digest(email)})


def read_mute_token(secret_key: str, token: str, max_age_seconds: int) -> InviteToken:
    """The invite, contact and address a mute link names. The caller checks the contact still has that
    address and is still a contact of that invite."""
    return _read_invite_and_contact(secret_key, MUTE_SALT, token, max_age_seconds)
