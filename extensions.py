"""The extension objects, made here and bound to the app in `create_app`.

Blueprints, services and commands import them from this module; nothing imports `app`.
"""

from __future__ import annotations

from flask import g
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from domain import data_version
from domain.mailer import TimedMail
from domain.models import User, db

csrf = CSRFProtect()
login_manager = LoginManager()
mail = TimedMail()  # every SMTP connection gives up after MAIL_TIMEOUT
migrate = Migrate()
htmx = HTMX()
# Limits are named on the routes they guard (blueprints/auth/limits.py); storage comes from
# RATELIMIT_STORAGE_URI (memory by default, Redis to share counts between workers).
limiter = Limiter(key_func=get_remote_address, headers_enabled=True, strategy="fixed-window")


# Built once: the statement's shape never changes, only the id.
_USER_WITH_DATA_VERSION = (select(User, data_version.current_column()).options(joinedload(User.company))
                           .where(User.id == bindparam("user_id")))


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # "id:session version" (User.get_id): a session from before a password change or from before
    # two-step sign-in was turned on names an older version and is no longer anyone's.
    user_part, _, version = user_id.partition(":")
    if not (user_part.isdigit() and version.isdigit() and len(user_part) < 19):
        return None
    # The company comes along: every page asks whether the user is a collaborator. So does the data
    # version, read before anything else the request reads: a page made from what follows is at least
    # that current (blueprints/page_cache.py).
    found = db.session.execute(_USER_WITH_DATA_VERSION, {"user_id": int(user_part)}).first()
    if found is None or found[0].session_version != int(version):
        return None
    g.data_version = found[1]
    return found[0]
