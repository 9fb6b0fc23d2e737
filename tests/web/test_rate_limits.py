"""Sign-in, activation and e-mail-sending forms resist guessing and floods (issue 10, item 8).

Limits count per e-mail address (or account) and per client; each test proves one cannot be
dodged by changing the other. Every test runs with the counts in memory and in Redis (the
storage several gunicorn workers share).
"""

from __future__ import annotations

import contextlib
import os

import pytest
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select

from app import _defaults
from domain.models import AuditEvent, OutboxMessage, User, db
from extensions import limiter
from tests import factories
from tests.helpers import IN_CI

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LIMITS = {
    "RATELIMIT_ENABLED": True,
    "SIGN_IN_LIMIT_PER_ADDRESS": "3 per 15 minutes",
    "SIGN_IN_LIMIT_PER_CLIENT": "5 per 15 minutes",
    "MAIL_LIMIT_PER_PERSON": "2 per hour",
    "MAIL_LIMIT_PER_CLIENT": "3 per hour",
    "PASSWORD_RESET_LIMIT_PER_ADDRESS": "3 per hour",
    "PASSWORD_RESET_LIMIT_PER_CLIENT": "5 per hour",
}


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    try:
        Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is not reachable in CI: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc}")
    return REDIS_URL


@pytest.fixture
def config_overrides(storage: str) -> dict[str, object]:
    return {**LIMITS, "RATELIMIT_STORAGE_URI": storage}


@pytest.fixture(autouse=True)
def fresh_counts(app):  # type: ignore[no-untyped-def]
    # Redis keeps counts between tests (that is its point); one test has no Redis at all.
    with contextlib.suppress(RedisError):
        limiter.reset()
    yield
    with contextlib.suppress(RedisError):
        limiter.reset()
    # The limiter is one object for every app the tests build; Redis found down by one app must
    # not send the next one to the in-memory fallback.
    limiter._storage_dead = False


def post_sign_in(client, email: str, password: str, ip: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.post("/sign-in", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip}, headers=headers)


def failed_sign_ins() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "sign-in failed"))


def assert_paused(response, words: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert words in page, page
    assert "try again in 15 minutes" in page or "try again in 14 minutes" in page, page[page.find("lead"):][:300]
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert "Back to projects" not in page or "Sign out" in page  # signed out: the way on is signing in


def test_the_app_limits_by_default(tmp_path):
    assert _defaults(str(tmp_path))["RATELIMIT_ENABLED"] is True


def test_per_address_limit_holds_whichever_client_guesses(client, world, storage):
    for n in range(3):
        response = post_sign_in(client, world.admin.email, "wrong-password", f"10.0.0.{n + 1}")
        assert response.status_code == 422
        assert "E-mail or password is incorrect." in response.get_data(as_text=True)
    # A fourth machine, even with the right password: the address is paused.
    response = post_sign_in(client, world.admin.email, factories.PASSWORD, "10.0.0.99")
    assert_paused(response, "Too many sign-in attempts")
    assert "Please wait a moment" in response.get_data(as_text=True)  # the app's own page, in its layout
    assert failed_sign_ins() == 3  # the paused attempt never reached the password check
    if storage.startswith("redis"):  # the counts are where every worker sees them
        assert Redis.from_url(storage).keys("LIMITS*")
    db.session.refresh(world.admin)
    assert world.admin.last_sign_in_at is None
    # Another person signing in from one of those machines is not affected.
    assert post_sign_in(client, world.standard.email, factories.PASSWORD, "10.0.0.1").status_code == 303


def test_per_client_limit_holds_whichever_address_is_tried(client, world, storage):
    for n in range(5):
        assert post_sign_in(client, f"guess{n}@pb.example", "wrong-password", "10.0.1.1").status_code == 422
    response = post_sign_in(client, world.admin.email, factories.PASSWORD, "10.0.1.1")
    assert_paused(response, "Too many sign-in attempts")
    # The same address from another client signs in: the address itself was never guessed at.
    assert post_sign_in(client, world.admin.email, factories.PASSWORD, "10.0.1.2").status_code == 303


def test_successful_sign_ins_do_not_count(client, world, storage):
    for _ in range(6):
        assert post_sign_in(client, world.admin.email, factories.PASSWORD, "10.0.2.1").status_code == 303
        client.post("/sign-out")


def test_htmx_gets_a_banner_that_says_when_to_try_again(client, world, storage):
    for _ in range(3):
        post_sign_in(client, world.admin.email, "wrong-password", "10.0.3.1")
    response = post_sign_in(client, world.admin.email, "wrong-password", "10.0.3.1", **{"HX-Request": "true"})
    assert_paused(response, "signing in is paused")
    assert response.headers["HX-Reswap"] == "none"
    assert 'class="alert' in response.get_data(as_text=True)


def test_activation_link_is_limited(client, world, storage):
    for n in range(3):
        response = client.post("/activate", data={"token": "not-a-token", "password": "x"},
                               environ_base={"REMOTE_ADDR": f"10.0.4.{n}"})
        assert response.status_code == 400
    response = client.post("/activate", data={"token": "not-a-token", "password": "x"},
                           environ_base={"REMOTE_ADDR": "10.0.4.9"})
    assert_paused(response, "Too many sign-in attempts")


def reset_mails() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "password_reset"))


@pytest.mark.parametrize("known", [True, False], ids=["known address", "unknown address"])
def test_reset_requests_for_one_address_pause_politely_whichever_client_asks(client, world, storage, known):
    email = world.standard.email if known else "nobody-here@pb.example"
    for n in range(3):
        response = client.post("/sign-in/forgot", data={"email": email.upper() if n else email},
                               environ_base={"REMOTE_ADDR": f"10.0.7.{n}"}, follow_redirects=True)
        assert response.status_code == 200 and "is the address of an account" in response.get_data(as_text=True)
    assert reset_mails() == (3 if known else 0)
    before = (reset_mails(), db.session.scalar(select(func.count()).select_from(AuditEvent)))
    response = client.post("/sign-in/forgot", data={"email": email}, environ_base={"REMOTE_ADDR": "10.0.7.9"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many password reset e-mails were asked for this address or from this connection" in page
    assert "try again in 60 minutes" in page or "try again in 59 minutes" in page, page
    assert (reset_mails(), db.session.scalar(select(func.count()).select_from(AuditEvent))) == before
    # another address is not paused by it, and refused forms do not count
    assert client.post("/sign-in/forgot", data={"email": "not-an-address"},
                       environ_base={"REMOTE_ADDR": "10.0.7.9"}).status_code == 422
    assert client.post("/sign-in/forgot", data={"email": world.readonly.email},
                       environ_base={"REMOTE_ADDR": "10.0.7.9"}).status_code == 303


def test_reset_requests_from_one_client_pause_whichever_address_is_tried(client, world, storage):
    for n in range(5):
        assert client.post("/sign-in/forgot", data={"email": f"someone{n}@pb.example"},
                           environ_base={"REMOTE_ADDR": "10.0.8.1"}).status_code == 303
    response = client.post("/sign-in/forgot", data={"email": world.standard.email},
                           environ_base={"REMOTE_ADDR": "10.0.8.1"})
    assert response.status_code == 429 and reset_mails() == 0


def test_mail_sending_forms_pause_after_the_limit_and_send_nothing(client, world, storage):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    db.session.commit()
    post_sign_in(client, world.admin.email, factories.PASSWORD, "10.0.5.1")
    for n in range(2):
        response = client.post("/directory/people/new", environ_base={"REMOTE_ADDR": "10.0.5.1"},
                               data={"name": f"Person {n}", "email": f"p{n}@keystone.example",
                                     "company_id": str(vendor.id)})
        assert response.status_code == 303
    outbox_before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    # The person is paused, from any client.
    response = client.post("/directory/people/new", environ_base={"REMOTE_ADDR": "10.0.5.2"},
                           data={"name": "Person 3", "email": "p3@keystone.example", "company_id": str(vendor.id)})
    assert_paused_mail(response)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before
    assert db.session.scalar(select(User).where(User.email == "p3@keystone.example")) is None
    # A form that sends nothing (a refused one) is not counted and not paused... but is still checked:
    # the pause is about e-mail, so pages keep working.
    assert client.get("/directory/people/new").status_code == 200


def test_mail_limit_per_client_holds_whichever_person_sends(client, world, storage):
    vendor = factories.vendor("Keystone Concrete Co.", "maria@keystone.example")
    other_admin = factories.user(world.company, "second-admin@pb.example", admin=True)
    db.session.commit()
    senders = [world.admin.email, other_admin.email, world.admin.email]
    for n, email in enumerate(senders):
        client.post("/sign-out")
        post_sign_in(client, email, factories.PASSWORD, "10.0.6.1")
        response = client.post("/directory/people/new", environ_base={"REMOTE_ADDR": "10.0.6.1"},
                               data={"name": f"Person {n}", "email": f"q{n}@keystone.example",
                                     "company_id": str(vendor.id)})
        assert response.status_code == 303
    client.post("/sign-out")
    post_sign_in(client, other_admin.email, factories.PASSWORD, "10.0.6.1")
    response = client.post("/directory/people/new", environ_base={"REMOTE_ADDR": "10.0.6.1"},
                           data={"name": "Person 9", "email": "q9@keystone.example", "company_id": str(vendor.id)})
    assert_paused_mail(response)
    assert db.session.scalar(select(User).where(User.email == "q9@keystone.example")) is None


def assert_paused_mail(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many e-mails were sent in a short time" in page and "nothing was sent" in page
    assert "try again in 60 minutes" in page or "try again in 59 minutes" in page
    assert 0 < int(response.headers["Retry-After"]) <= 3600


@pytest.mark.parametrize("config_overrides", [{**LIMITS, "PROXY_FIX_X_FOR": 1}])
def test_behind_a_proxy_the_client_is_the_one_it_names(client, world, config_overrides):
    for n in range(5):
        client.post("/sign-in", data={"email": f"guess{n}@pb.example", "password": "wrong-password"},
                    environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "198.51.100.1"})
    paused = client.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD},
                         environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "198.51.100.1"})
    assert paused.status_code == 429
    other = client.post("/sign-in", data={"email": world.admin.email, "password": factories.PASSWORD},
                        environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": "198.51.100.2"})
    assert other.status_code == 303


@pytest.mark.parametrize("config_overrides", [{**LIMITS, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"}])
def test_with_redis_down_sign_in_still_works_and_is_still_limited(client, world, config_overrides):
    assert post_sign_in(client, world.standard.email, factories.PASSWORD, "10.0.7.1").status_code == 303
    client.post("/sign-out")
    for _ in range(3):
        assert post_sign_in(client, world.admin.email, "wrong-password", "10.0.7.2").status_code == 422
    assert post_sign_in(client, world.admin.email, factories.PASSWORD, "10.0.7.3").status_code == 429


def test_a_json_body_is_not_a_way_around_the_count_per_address(client, world):
    """Pages post forms: a JSON post is not read as one, so it cannot test a password the limits do not see."""
    for _ in range(6):
        response = client.post("/sign-in", json={"email": world.admin.email, "password": "wrong-password"},
                               environ_base={"REMOTE_ADDR": f"10.0.9.{_}"})
        assert response.status_code in (422, 429)
    right = client.post("/sign-in", json={"email": world.admin.email, "password": factories.PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.0.9.99"})
    assert right.status_code in (422, 429)  # never signed in through JSON
    assert client.get("/", follow_redirects=False).headers.get("Location", "").startswith("/sign-in")


def test_the_count_per_address_folds_case_and_spaces(client, world):
    spellings = [world.admin.email.upper(), f"  {world.admin.email} ", world.admin.email.title()]
    for i, spelling in enumerate(spellings):
        assert post_sign_in(client, spelling, "wrong-password", f"10.0.8.{i}").status_code == 422
    assert_paused(post_sign_in(client, world.admin.email, "wrong-password", "10.0.8.9"), "Too many sign-in attempts")
