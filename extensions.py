"""The extension objects, made here and bound to the app in `create_app`.

Blueprints, services and commands import them from this module; nothing imports `app`.
"""

from __future__ import annotations

from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import joinedload

from domain.mailer import TimedMail
from domain.models import User, db

csrf = CSRFProtect()
login_manager = LoginManager()
mail = TimedMail()  # every SMTP connection gives up after MAIL_TIMEOUT
migrate = Migrate()
htmx = HTMX()


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # The company comes along: every page asks whether the user is a collaborator.
    return db.session.get(User, int(user_id), options=[joinedload(User.company)])
