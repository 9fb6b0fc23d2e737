"""In a real Chromium: the axe-core check that every browser test runs catches what it must, and every page
of the demo passes it (at 1280 and 375 px) for a company admin, a read-only user and a claim contact."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import AxeWatch
from tests.browser.conftest import sign_in_as

pytestmark = pytest.mark.browser

PLANTED = '<p id="planted" style="color:#aaa;background:#fff">Hard to read</p>'
# Addresses a crawl must not open: files, and the demo's mail viewer (not part of the product).
SKIP = re.compile(r"^/(static|attachments)/|[./](csv|pdf|xlsx)$|/package$|^/mail")  # downloads are no pages


def test_the_check_catches_a_planted_low_contrast_element(app, live_server, page: Page, axe_watch: AxeWatch):
    app.test_cli_runner().invoke(args=["demo"])
    def plant(route):  # noqa: ANN001
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace("</main>", PLANTED + "</main>"))

    page.route(live_server.url + "/sign-in", plant)
    page.goto(live_server.url + "/sign-in")
    expect(page.locator("#planted")).to_be_visible()
    page.evaluate("() => window.__axeIdle()")
    found = [f for f in axe_watch.findings if f.rule == "color-contrast"]
    assert [(f.trigger, f.width, [n["target"] for n in f.nodes]) for f in found] == [("load", 1280, ["#planted"])]
    assert "#planted" in axe_watch.problems() and live_server.url + "/sign-in" in axe_watch.problems()

    # the same after an in-place swap
    page.unroute(live_server.url + "/sign-in")
    page.goto(live_server.url + "/sign-in")
    page.evaluate("() => window.__axeIdle()")  # the load check first: one queued check covers later events
    page.evaluate("""(html) => { document.querySelector("main").insertAdjacentHTML("beforeend", html);
                                 document.dispatchEvent(new Event("htmx:after:settle")); }""", PLANTED)
    page.evaluate("() => window.__axeIdle()")
    assert [f.trigger for f in axe_watch.findings if f.rule == "color-contrast"] == ["load", "htmx:after:settle"]
    assert axe_watch.checks >= 3
    axe_watch.findings.clear()  # planted on purpose: the test's own check must not fail it


def _shape(url: str) -> str:
    """One page per kind of address: /projects/1/commitments/4 and /projects/2/commitments/7 are alike."""
    parts = urlsplit(url)
    keys = sorted(pair.split("=")[0] for pair in parts.query.split("&") if pair)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def _crawl(page: Page, base: str, start: str, limit: int = 40) -> list[str]:
    queue, seen, shapes = [base + start], [], set()
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if _shape(url) in shapes:
            continue
        shapes.add(_shape(url))
        response = page.goto(url)
        assert response is not None and response.status < 500, f"{url}: {response and response.status}"
        seen.append(page.url)
        for href in page.eval_on_selector_all("a[href]", "links => links.map((a) => a.href)"):
            href = urldefrag(href).url
            if href.startswith(base) and not SKIP.search(urlsplit(href).path) and _shape(href) not in shapes:
                queue.append(href)
    return seen


@pytest.mark.parametrize(("email", "password", "start"), [
    ("admin@example.com", "demo-admin", "/"),
    ("readonly@example.com", "demo-readonly", "/"),
    ("maria@keystone-concrete.example", "demo-contact", "/portal"),
], ids=["company-admin", "read-only", "claim-contact"])
def test_every_page_of_the_demo_passes_the_check(app, live_server, page: Page, email, password, start):
    """The check itself runs from the fixture, on each page the crawl opens, and again at 375 px."""
    app.test_cli_runner().invoke(args=["demo"])
    sign_in_as(page, live_server.url, email, password)
    seen = _crawl(page, live_server.url, start)
    assert len(seen) >= 3, seen
