"""Markup that assistive technology relies on, checked where the browser suite's axe check cannot see it."""

from __future__ import annotations

import re

from tests.helpers import AuthActions


def test_a_select_without_help_or_error_points_nowhere(client, world):
    AuthActions(client).sign_in(world.admin.email)
    html = client.get(f"/projects/{world.project.id}/commitments/new").get_data(as_text=True)
    assert "<select" in html
    assert 'aria-describedby="None"' not in html  # a Python None written as text
    for target in re.findall(r'aria-describedby="([^"]+)"', html):
        assert f'id="{target}"' in html, target


def test_two_forms_on_one_page_do_not_share_an_id(app, client, world):
    AuthActions(client).sign_in(world.admin.email)
    app.config["WTF_CSRF_ENABLED"] = True  # each form then carries its CSRF field, as in production
    html = client.get(f"/projects/{world.project.id}/billings").get_data(as_text=True)
    assert html.count("<form") >= 3  # sign out, open a period, the monthly rule
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
