"""The reminder policy as an admin sets it: the company's on the settings page, a project's own on its
Reminders page. Each bad input of issue 15 says what is wrong next to its field and saves nothing."""

from __future__ import annotations

from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from domain import reminders
from domain.models import AccessLevel, AuditEvent, Project, ProjectPermission, ReminderPolicy, db
from tests import factories
from tests.helpers import count

GOOD = {"enabled": "y", "days_before": "5, 1", "on_due_date": "y", "overdue_every_days": "3",
        "overdue_times": "3", "message": "Attach the lien waiver, please."}


def html_of(response) -> str:  # type: ignore[no-untyped-def]
    return unescape(response.get_data(as_text=True))


def message_next_to(html: str, field: str) -> str:
    assert f'id="{field}-feedback"' in html, f"no message next to {field}"
    return html.split(f'id="{field}-feedback"')[1].split("</div>")[0]


def stored() -> tuple:
    return (count(ReminderPolicy), count(AuditEvent),
            [(p.enabled, p.days_before, p.on_due_date, p.overdue_every_days, p.overdue_times, p.message)
             for p in db.session.scalars(select(ReminderPolicy).order_by(ReminderPolicy.id))])


@pytest.fixture
def due_dec_10(world: factories.World) -> factories.World:
    world.period.start_date, world.period.end_date = date(2026, 11, 1), date(2026, 11, 30)
    world.period.due_date = date(2026, 12, 10)
    db.session.commit()
    return world


# --- the company's policy -----------------------------------------------------------------------------------


def test_the_settings_page_says_what_the_default_policy_does_for_a_sample_project(admin_client, due_dec_10):
    html = html_of(admin_client.get("/settings/company"))
    assert "Reminder policy" in html
    assert "P-1 Riverside Medical" in html
    assert "reminded 5 days and 1 day before the due date, on the due date" in html
    assert "reminders go out on Dec 5, Dec 9, Dec 10, Dec 13, Dec 16 and Dec 19" in html


def test_an_admin_saves_the_company_policy_and_the_page_says_it_in_words(admin_client, due_dec_10):
    response = admin_client.post("/settings/company/reminders",
                                 data={**GOOD, "days_before": "7", "on_due_date": "", "overdue_times": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/settings/company#reminders")
    policy = reminders.company_policy(db.session.get(type(due_dec_10.company), due_dec_10.company.id))
    assert policy == reminders.Policy(days_before=(7,), on_due_date=False, overdue_times=1,
                                      message="Attach the lien waiver, please.")
    html = html_of(admin_client.get("/settings/company"))
    assert "Reminder policy saved." in html
    assert "reminded 7 days before the due date and once 3 days after it if the claim is late" in html
    assert "reminders go out on Dec 3 and Dec 13" in html
    assert 'value="7"' in html and "Attach the lien waiver, please." in html


def test_turning_reminders_off_says_so(admin_client, due_dec_10):
    assert admin_client.post("/settings/company/reminders", data={**GOOD, "enabled": ""}).status_code == 303
    assert "No reminders: contacts get the Invite to Bill and nothing after it." in html_of(
        admin_client.get("/settings/company"))


BAD = [
    ({"days_before": "5, -1"}, "days_before", "Each number of days must be between 1 and 365."),
    ({"days_before": "400"}, "days_before", "Each number of days must be between 1 and 365."),
    ({"days_before": "11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1"}, "days_before", "At most 10 reminders before the due date."),
    ({"days_before": "five"}, "days_before", "Write whole numbers of days"),
    ({"overdue_every_days": "-3"}, "overdue_every_days", "Choose between 1 and 60 days."),
    ({"overdue_every_days": "400"}, "overdue_every_days", "Choose between 1 and 60 days."),
    ({"overdue_times": "-1"}, "overdue_times", "Choose between 0 and 10 times."),
    ({"overdue_times": ""}, "overdue_times", "Enter how many times"),
    ({"message": "x" * 2001}, "message", "Keep the message to 2,000 characters or fewer."),
    ({"message": "Please <b>hurry</b>"}, "message", "Write the message as plain text, without HTML tags."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[b[1] + ":" + b[0][b[1]][:12] for b in BAD])
def test_bad_company_policy_says_what_is_wrong_next_to_the_field_and_saves_nothing(admin_client, world, change,
                                                                                     field, message):
    before = stored()
    response = admin_client.post("/settings/company/reminders", data={**GOOD, **change})
    assert response.status_code == 422
    html = html_of(response)
    assert message in message_next_to(html, field)
    assert 'class="form-control is-invalid"' in html
    assert stored() == before


def test_every_field_at_fault_is_named_at_once(admin_client, world):
    before = stored()
    html = html_of(admin_client.post("/settings/company/reminders",
                                     data={**GOOD, "days_before": "400", "message": "<i>x</i>"}))
    assert "between 1 and 365" in message_next_to(html, "days_before")
    assert "without HTML tags" in message_next_to(html, "message")
    assert stored() == before


def test_a_message_of_exactly_2000_characters_is_kept(admin_client, world):
    assert admin_client.post("/settings/company/reminders", data={**GOOD, "message": "x" * 2000}).status_code == 303
    assert reminders.company_policy(world.company).message == "x" * 2000


@pytest.mark.parametrize("who", ["standard", "readonly", "nobody"])
def test_only_company_admins_set_the_company_policy(client, world, auth, who):
    auth.sign_in(getattr(world, who).email)
    before = stored()
    assert client.post("/settings/company/reminders", data=GOOD).status_code == 403
    assert stored() == before


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.post("/settings/company/reminders", data=GOOD)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert count(ReminderPolicy) == 0


# --- a project's own policy ---------------------------------------------------------------------------------


def reminders_url(world: factories.World) -> str:
    return f"/projects/{world.project.id}/reminders"


def project_policy(world: factories.World) -> ReminderPolicy | None:
    db.session.expire_all()
    return db.session.get(Project, world.project.id).reminder_policy


def test_the_project_page_links_to_its_reminders(admin_client, world):
    assert f'href="{reminders_url(world)}"' in html_of(admin_client.get(f"/projects/{world.project.id}"))


def test_a_project_follows_the_company_until_it_has_its_own_policy(admin_client, due_dec_10):
    world = due_dec_10
    html = html_of(admin_client.get(reminders_url(world)))
    assert "follows the company's policy" in html
    assert "reminders go out on Dec 5, Dec 9, Dec 10, Dec 13, Dec 16 and Dec 19" in html

    response = admin_client.post(reminders_url(world), data={**GOOD, "follow": "own", "days_before": "2"})
    assert response.status_code == 303 and response.headers["Location"].endswith(reminders_url(world))
    own = project_policy(world)
    assert own is not None and own.days_before == "2"
    html = html_of(admin_client.get(reminders_url(world)))
    assert "Reminders saved: this project has its own policy." in html
    assert "reminders go out on Dec 8, Dec 10, Dec 13, Dec 16 and Dec 19" in html
    # the company's policy is untouched, and the daily job goes by the project's
    assert reminders.company_policy(world.company) == reminders.DEFAULT
    assert reminders.effective_policy(db.session.get(Project, world.project.id), world.company).days_before == (2,)

    response = admin_client.post(reminders_url(world), data={**GOOD, "follow": "company", "days_before": "400"})
    assert response.status_code == 303  # the fields of a policy it no longer has are not read
    assert project_policy(world) is None
    assert "Reminders saved: this project follows the company's policy." in html_of(
        admin_client.get(reminders_url(world)))


@pytest.mark.parametrize(("change", "field", "message"), BAD, ids=[b[1] + ":" + b[0][b[1]][:12] for b in BAD])
def test_bad_project_policy_says_what_is_wrong_and_saves_nothing(admin_client, world, change, field, message):
    before = stored()
    response = admin_client.post(reminders_url(world), data={**GOOD, "follow": "own", **change})
    assert response.status_code == 422
    assert message in message_next_to(html_of(response), field)
    assert stored() == before


def test_follow_must_be_one_of_the_two_choices(admin_client, world):
    before = stored()
    response = admin_client.post(reminders_url(world), data={**GOOD, "follow": "mine"})
    assert response.status_code == 422
    assert "Choose the company's policy or this project's own." in message_next_to(html_of(response), "follow")
    assert stored() == before


def test_control_characters_are_refused_even_in_the_fields_a_company_follower_leaves_unread(admin_client, world):
    before = stored()
    response = admin_client.post(reminders_url(world), data={**GOOD, "follow": "company", "days_before": "5,\x00 1"})
    assert response.status_code == 422
    assert "invisible control characters" in message_next_to(html_of(response), "days_before")
    assert stored() == before


def test_a_project_admin_who_is_not_a_company_admin_sets_the_project_policy(client, world, auth):
    pat = factories.user(world.company, "padmin@pb.example", "Pat Projectadmin")
    db.session.add(ProjectPermission(project=world.project, user=pat, level=AccessLevel.ADMIN))
    db.session.commit()
    auth.sign_in(pat.email)
    assert client.get(reminders_url(world)).status_code == 200
    assert client.post(reminders_url(world), data={**GOOD, "follow": "own"}).status_code == 303
    assert project_policy(world) is not None


@pytest.mark.parametrize(("who", "status"), [("standard", 403), ("readonly", 403), ("nobody", 404)])
def test_others_on_the_project_may_not(client, world, auth, who, status):
    auth.sign_in(getattr(world, who).email)
    before = stored()
    assert client.get(reminders_url(world)).status_code == status
    assert client.post(reminders_url(world), data={**GOOD, "follow": "own"}).status_code == status
    assert stored() == before
    if status == 403:
        assert f'href="{reminders_url(world)}"' not in html_of(client.get(f"/projects/{world.project.id}"))


def test_a_project_without_an_open_period_says_so(admin_client, world):
    world.period.due_date = date.today() + timedelta(days=1)
    from domain.models import PeriodStatus
    world.period.status = PeriodStatus.CLOSED
    db.session.commit()
    html = html_of(admin_client.get(reminders_url(world)))
    assert "No billing period is open" in html
