"""Passwords are hashed in one place, by the configured method; production's default is scrypt.

The tests configure one round of PBKDF2 (tests/helpers.py), so this is where the default is checked."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from app import create_app
from domain import accounts
from domain.models import User
from tests.helpers import test_config


def test_an_app_without_the_setting_hashes_with_scrypt(tmp_path):
    config = test_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path)
    del config["PASSWORD_HASH_METHOD"]
    app = create_app(config)
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with app.app_context():
        hashed = accounts.hash_password("correct-horse-battery")
    assert hashed.startswith("scrypt:") and check_password_hash(hashed, "correct-horse-battery")


def test_a_password_is_set_by_the_configured_method(app):
    user = User(email="ola@pb.example", name="Ola")
    accounts.set_password(user, "correct-horse-battery")
    assert user.password_hash.startswith("pbkdf2:sha256:1$")
    assert accounts.is_current_password(user, "correct-horse-battery")
    assert not accounts.is_current_password(user, "correct-horse-batterY")


def test_an_unknown_address_is_checked_against_a_hash_of_the_same_method(app):
    # the answer time must not tell an unknown address from a wrong password
    assert accounts._dummy_hash(app.config["PASSWORD_HASH_METHOD"]).startswith("pbkdf2:sha256:1$")
    assert accounts._dummy_hash("scrypt").startswith("scrypt:")
