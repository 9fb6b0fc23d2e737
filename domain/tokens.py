"""Signed, expiring links for e-mails (SPEC §4): bound to one invite and one contact.

A token proves only that the link came from us and is fresh; it never signs anyone in.
"""

from __future__ import annotations

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


def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=salt)


def make_invite_token(secret_key: str, invite_id: int, contact_id: int) -> str:
    return _serializer(secret_key, INVITE_SALT).dumps({"i": invite_id, "c": contact_id})


def read_invite_token(secret_key: str, token: str, max_age_seconds: int) -> InviteToken:
    try:
        data = _serializer(secret_key, INVITE_SALT).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise TokenExpired from None
    except BadSignature:
        raise TokenInvalid from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("c"), int):
        raise TokenInvalid
    return InviteToken(invite_id=data["i"], contact_id=data["c"])
