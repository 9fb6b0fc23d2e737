"""The demo mailbox (demo mode only): the contractor's own people read every e-mail the app sent, the HTML
part as the recipient sees it and the text part with clickable links; a vendor's contact never does."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage

import pytest

from domain.models import db
from tests import factories

pytestmark = pytest.mark.parametrize("config_overrides", [{"DEMO": True}], indirect=True)
LINK = "http://127.0.0.1:5310/invites/answer/abc?answer=yes&x=1"


@pytest.fixture
def config_overrides(request):  # type: ignore[no-untyped-def]
    return request.param


@pytest.fixture
def message_key(app) -> str:  # type: ignore[no-untyped-def]
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "Invite to bill: SC-001", "pb@x.example", "a@v.example"
    message.set_content(f"Answer here: {LINK}\n<b>not markup</b>")
    message.add_alternative(f'<p onclick="steal()">Answer <a href="{LINK}">Yes</a></p>', subtype="html")
    return mailbox.Maildir(app.config["DEMO_MAILDIR"], create=True).add(message)


def test_staff_read_the_html_as_sent_in_a_sandbox_and_the_text_with_links(client, world, auth, message_key):
    auth.sign_in(world.readonly.email)
    listing = client.get("/demo/mail").get_data(as_text=True)
    assert "Invite to bill: SC-001" in listing and 'href="/demo/mail"' in listing  # the top bar links it
    page = client.get(f"/demo/mail/{message_key}").get_data(as_text=True)
    frame = page.split("<iframe", 1)[1].split("</iframe>", 1)[0]
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in frame
    assert "srcdoc=\"&lt;base target=&#34;_blank&#34;&gt;&lt;p onclick=" in frame  # escaped, shown, not run
    assert f'<a href="{LINK.replace("&", "&amp;")}">' in page  # the text part's address is a link
    assert "&lt;b&gt;not markup&lt;/b&gt;" in page


def test_a_contact_sees_neither_the_mailbox_nor_a_message_nor_its_link(client, world, auth, message_key):
    vendor = factories.vendor()
    db.session.commit()
    auth.sign_in(vendor.users[0].email)
    for path in ["/demo/mail", f"/demo/mail/{message_key}"]:
        response = client.get(path)
        assert response.status_code == 403
        assert "Invite to bill: SC-001" not in response.get_data(as_text=True)
    assert 'href="/demo/mail"' not in client.get("/portal").get_data(as_text=True)
