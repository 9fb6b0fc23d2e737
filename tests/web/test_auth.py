"""Sign-in, sign-out, first-run setup, CSRF and the cookie and secret-key rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app import create_app
from domain.models import Company, User, db
from tests import factories
from tests.helpers import test_config

GOOD_SETUP = {
    "company_name": "Harbor & Pine Builders",
    "name": "Avery Morgan",
    "email": "avery@harborpine.example",
    "password": "a-long-password",
    "confirm": "a-long-password",
}


def _counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Company.id))))


# --- first-run setup --------------------------------------------------------------------------


def test_empty_install_leads_every_page_to_setup(client):
    for path in ["/", "/sign-in", "/projects/1"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/setup")
    assert "Create company and admin" in client.get("/setup").get_data(as_text=True)


def test_setup_creates_company_and_admin_once(client):
    response = client.post("/setup", data=GOOD_SETUP)
    assert response.status_code == 303
    user = db.session.scalar(select(User))
    assert user.email == "avery@harborpine.example" and user.is_company_admin and user.company.is_own
    assert user.company.name == "Harbor & Pine Builders"
    # signed in straight away
    assert "Projects" in client.get("/").get_data(as_text=True)
    # and setup never shows again, to anyone
    assert client.get("/setup").status_code == 404
    assert client.post("/setup", data={**GOOD_SETUP, "email": "second@x.example"}).status_code == 404
    assert _counts() == (1, 1)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"company_name": ""}, "company_name", "Enter your company&#39;s name."),
        ({"company_name": "x" * 201}, "company_name", "Use at most 200 characters."),
        ({"name": ""}, "name", "Enter your name."),
        ({"name": "n" * 121}, "name", "Use at most 120 characters."),
        ({"email": ""}, "email", "Enter your e-mail address."),
        ({"email": "not-an-email"}, "email", "Enter a valid e-mail address"),
        ({"email": "a" * 250 + "@x.example"}, "email", "at most 254 characters"),
        ({"confirm": "something-else"}, "confirm", "The passwords do not match."),
        ({"password": "short", "confirm": "short"}, "password", "Use at least 10 characters"),
        ({"password": "", "confirm": ""}, "password", "Choose a password."),
    ],
)
def test_setup_bad_input_says_what_is_wrong_and_writes_nothing(client, change, field, message):
    data = {**GOOD_SETUP, **change}
    response = client.post("/setup", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    # the message sits next to its field
    assert f'id="{field}-feedback"' in html
    assert f'id="{field}"' in html.split(f'id="{field}-feedback"')[0]
    # what was typed stays, passwords excepted
    if field != "company_name":
        assert 'value="Harbor &amp; Pine Builders"' in html
    assert "a-long-password" not in html
    assert _counts() == (0, 0)


# --- sign-in ----------------------------------------------------------------------------------


def test_sign_in_and_out(client, world):
    response = client.post("/sign-in", data={"email": "ADMIN@pb.example", "password": factories.PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Riverside Medical" in client.get("/").get_data(as_text=True)
    assert db.session.get(User, world.admin.id).last_sign_in_at is not None
    response = client.post("/sign-out")
    assert response.status_code == 303
    assert client.get("/").status_code == 302


def test_the_first_visit_is_not_told_off_but_a_page_asked_for_says_why_the_sign_in_form_shows(client, world):
    first = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Sign in" in first and "Please sign in to see that page." not in first
    asked = client.get(f"/projects/{world.project.id}/billings", follow_redirects=True).get_data(as_text=True)
    assert "Please sign in to see that page." in asked


def test_the_favicon_answers_signed_out_and_every_page_names_it(client, world):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    assert 'rel="icon"' in client.get("/sign-in").get_data(as_text=True)


@pytest.mark.parametrize("email", ["admin@pb.example", "nobody-at-all@pb.example"])
def test_wrong_password_gives_one_message_whether_or_not_the_email_exists(client, world, email):
    response = client.post("/sign-in", data={"email": email, "password": "wrong-password"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "E-mail or password is incorrect." in html
    assert f'value="{email}"' in html  # kept
    assert "wrong-password" not in html
    assert client.get("/").status_code == 302  # still signed out


def test_disabled_user_cannot_sign_in(client, world):
    world.admin.active = False
    db.session.commit()
    response = client.post("/sign-in", data={"email": "admin@pb.example", "password": factories.PASSWORD})
    assert response.status_code == 422
    assert "E-mail or password is incorrect." in response.get_data(as_text=True)


def test_user_without_password_cannot_sign_in(client, world):
    factories.user(world.company, "fresh@pb.example", password=False)
    db.session.commit()
    response = client.post("/sign-in", data={"email": "fresh@pb.example", "password": "anything-at-all"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "", "password": "x"}, "email", "Enter your e-mail address."),
        ({"email": "not-an-email", "password": "x"}, "email", "Enter a valid e-mail address"),
        ({"email": "a" * 250 + "@x.example", "password": "x"}, "email", "at most 254 characters"),
        ({"email": "admin@pb.example", "password": ""}, "password", "Enter your password."),
        ({"email": "admin@pb.example", "password": "p" * 201}, "password", "Too long."),
    ],
)
def test_sign_in_bad_input(client, world, data, field, message):
    before = db.session.get(User, world.admin.id).last_sign_in_at
    response = client.post("/sign-in", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="{field}-feedback"' in html
    db.session.expire_all()
    assert db.session.get(User, world.admin.id).last_sign_in_at == before


def test_next_goes_only_to_this_site(client, world):
    ok = client.post("/sign-in?next=/projects/1", data={"email": "admin@pb.example", "password": factories.PASSWORD})
    assert ok.headers["Location"] == "/projects/1"
    client.post("/sign-out")
    for evil in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
        r = client.post(f"/sign-in?next={evil}", data={"email": "admin@pb.example", "password": factories.PASSWORD})
        assert r.headers["Location"] == "/", evil
        client.post("/sign-out")


def test_anonymous_user_is_sent_to_sign_in(client, world):
    response = client.get(f"/projects/{world.project.id}")
    assert response.status_code == 302
    assert "/sign-in?next=" in response.headers["Location"]


def test_an_htmx_request_after_the_session_ended_sends_the_window_to_sign_in(client, world):
    """Not the sign-in form swapped into a list: the whole page goes there, and comes back after."""
    page = f"http://localhost/projects/{world.project.id}/billings?status=invited"
    response = client.post(f"/projects/{world.project.id}/billings/invites", data={"commitment_ids": ["1"]},
                           headers={"HX-Request": "true", "HX-Current-URL": page})
    assert response.status_code == 401 and response.get_data(as_text=True) == ""
    target = response.headers["HX-Redirect"]
    assert target.startswith("/sign-in?next=") and "billings%3Fstatus%3Dinvited" in target
    # a page address on another host is not taken: back to the address asked for
    evil = client.get(f"/projects/{world.project.id}/billings", headers={
        "HX-Request": "true", "HX-Current-URL": "https://evil.example/x"})
    signed_in = client.post(evil.headers["HX-Redirect"], data={"email": "admin@pb.example",
                                                               "password": factories.PASSWORD})
    assert signed_in.headers["Location"] == f"/projects/{world.project.id}/billings"


def test_an_htmx_request_that_fails_gets_a_banner_and_leaves_the_page_alone(client, world, auth):
    auth.sign_in(world.readonly.email)
    response = client.post(f"/projects/{world.project.id}/billings/invites", data={"commitment_ids": ["1"]},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and response.headers["HX-Reswap"] == "none"
    assert html.startswith('<div id="flash" hx-swap-oob="innerHTML">') and "<html" not in html
    assert "You do not have permission to do that." in html and 'role="alert"' in html
    missing = client.get("/projects/99999/billings", headers={"HX-Request": "true"})
    assert missing.status_code == 404 and "There is nothing here" in missing.get_data(as_text=True)
    assert "<html" not in missing.get_data(as_text=True)
    # a page request still gets the whole error page
    page = client.post(f"/projects/{world.project.id}/billings/invites", data={"commitment_ids": ["1"]})
    assert page.status_code == 403 and "<html" in page.get_data(as_text=True) and "HX-Reswap" not in page.headers


@pytest.mark.parametrize("config_overrides", [{"PROPAGATE_EXCEPTIONS": False}], indirect=True)
def test_a_server_error_says_so_in_words_as_a_page_or_a_banner(app, client, world, auth):
    def broken():  # type: ignore[no-untyped-def]
        db.session.execute(text("SELECT * FROM no_such_table"))  # leaves the transaction failed on PostgreSQL

    app.add_url_rule("/broken", "broken", broken)
    auth.sign_in(world.admin.email)
    page = client.get("/broken")
    assert page.status_code == 500 and "Something went wrong" in page.get_data(as_text=True)
    assert "<html" in page.get_data(as_text=True) and "Back to projects" in page.get_data(as_text=True)
    banner = client.get("/broken", headers={"HX-Request": "true"})
    assert banner.status_code == 500 and banner.headers["HX-Reswap"] == "none"
    assert "The server could not finish this request." in banner.get_data(as_text=True)


def test_pages_cannot_be_framed_and_links_keep_their_tokens(client, world):
    for response in (client.get("/sign-in"), client.get("/portal/invites/1?token=x")):
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'self' covers it
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- CSRF, cookies, secret key, health ------------------------------------------------------------


@pytest.fixture
def config_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("config_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_csrf_missing_is_refused(client, world):
    response = client.post("/sign-in", data={"email": "admin@pb.example", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert db.session.get(User, world.admin.id).last_sign_in_at is None
    # with the token from the form it works
    html = client.get("/sign-in").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/sign-in", data={"email": "admin@pb.example", "password": factories.PASSWORD,
                                              "csrf_token": token})
    assert response.status_code == 303
    # a signed-in POST without the token is refused too, and so is an htmx request without the header
    assert client.post("/sign-out").status_code == 400
    send = client.post(f"/projects/{world.project.id}/billings/invites", headers={"HX-Request": "true"},
                       data={"period": world.period.id, "commitment_ids": ["1"]})
    assert send.status_code == 400 and "This form was open too long" in send.get_data(as_text=True)
    assert send.headers["HX-Reswap"] == "none"


def test_session_cookie_is_httponly_and_lax(client, world, auth):
    auth.sign_in("admin@pb.example")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEMO", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    config = test_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path, TESTING=False, SECRET_KEY=None)
    with pytest.raises(SystemExit, match="will not start without a secret key: set FLASK_SECRET_KEY"):
        create_app(config)


def test_production_cookies_are_secure(tmp_path):
    config = test_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path, TESTING=False)
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_environment_configures_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("FLASK_BASE_URL", "https://billing.example")
    monkeypatch.setenv("FLASK_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["BASE_URL"] == "https://billing.example"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_a_next_address_with_a_line_break_goes_home_after_sign_in(client, world):
    response = client.post("/sign-in?next=/%0d%0aX-Injected:%20yes",
                           data={"email": world.admin.email, "password": factories.PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "X-Injected" not in response.headers


def test_a_team_level_named_with_other_digits_is_not_found(admin_client, world):
    response = admin_client.post(f"/projects/{world.project.id}/team", data={"level-²": "ADMIN"})
    assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)
