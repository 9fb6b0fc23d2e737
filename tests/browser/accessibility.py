"""axe-core in every page the browser tests open: after each load and each htmx swap, and again at phone width.

`AxeWatch.attach(context)` adds axe (vendored under vendor/axe-core) and a small hook to the context's pages.
The hook runs axe after every `load` and `htmx:after:settle` and reports the serious and critical violations
to Python. `finish()` waits for the checks still running, opens again (at the same width) any address whose
check was cut short because the test moved on first, then opens every address the test saw at 375 px wide
and checks it there too.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, Error, Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
# WCAG 2.0 and 2.1, A and AA; the label-in-name rule (2.5.3) is still tagged experimental in axe 4.
OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "rules": {"label-content-name-mismatch": {"enabled": True}},
    "resultTypes": ["violations"],
}

HOOK = """
(() => {
  if (window.top !== window || window.__axeIdle) return;
  const options = __OPTIONS__;
  let chain = Promise.resolve();
  let queued = false;
  const check = (trigger) => {
    if (queued) return;  // one check covers every event that arrives before it starts
    queued = true;
    const url = location.href;  // where the check started: a swap may push another address meanwhile
    window.__axeReport({ url, trigger, width: window.innerWidth, started: true });
    chain = chain
      .then(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0))))
      .then(async () => {
        queued = false;
        const report = { url, trigger, width: window.innerWidth, violations: [] };
        try {
          const result = await axe.run(document, options);
          report.violations = result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({ rule: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html })) }));
        } catch (error) {
          report.error = String(error);
        }
        await window.__axeReport(report);
      });
  };
  window.__axeIdle = () => chain;
  window.addEventListener("load", () => check("load"));
  document.addEventListener("htmx:after:settle", () => check("htmx:after:settle"));
})();
""".replace("__OPTIONS__", json.dumps(OPTIONS))

WAIT = "() => (window.__axeIdle ? window.__axeIdle().then(() => true) : false)"


@dataclass
class Finding:
    url: str
    trigger: str
    width: int
    rule: str
    impact: str
    help: str
    nodes: list[dict]

    def __str__(self) -> str:
        elements = "\n".join(f"      {n['target']}: {n['html'][:160]}" for n in self.nodes[:5])
        more = f"\n      ... and {len(self.nodes) - 5} more" if len(self.nodes) > 5 else ""
        return (f"  {self.rule} ({self.impact}): {self.help}\n    on {self.url} at {self.width}px"
                f" after {self.trigger}\n{elements}{more}")


@dataclass
class AxeWatch:
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    checks: int = 0
    # per context, the addresses its pages showed at desktop width (in the order first seen), each with the
    # number of checks started there and not finished
    addresses: dict[BrowserContext, dict[str, int]] = field(default_factory=dict)

    def attach(self, context: BrowserContext) -> BrowserContext:
        self.addresses[context] = {}
        context.on("close", lambda closed: self.addresses.pop(closed, None))
        context.expose_binding("__axeReport", lambda source, report: self._report(context, report))
        context.add_init_script(path=str(AXE))
        context.add_init_script(HOOK)
        return context

    def _report(self, context: BrowserContext, report: dict) -> None:
        url = report["url"]
        if url.startswith("http") and report["width"] > PHONE["width"] and context in self.addresses:
            unfinished = self.addresses[context]
            unfinished[url] = unfinished.get(url, 0) + (1 if report.get("started") else -1)
        if report.get("started"):
            return
        self.checks += 1
        if "error" in report:
            self.errors.append(f"{report['url']} after {report['trigger']}: {report['error']}")
        for v in report["violations"]:
            self.findings.append(Finding(report["url"], report["trigger"], report["width"], v["rule"], v["impact"],
                                         v["help"], v["nodes"]))

    def finish(self) -> None:
        """Wait for the checks under way, then check every address seen again at phone width."""
        for context in list(self.addresses):
            for page in context.pages:
                _wait(page)
        for context, addresses in list(self.addresses.items()):
            cut_short = [a for a, unfinished in addresses.items() if unfinished > 0]
            _check_again(context, cut_short, None)
            _check_again(context, list(addresses), PHONE)

    def problems(self) -> str:
        lines = dict.fromkeys(str(f) for f in self.findings)  # the same problem after each swap, said once
        return "\n".join([*lines, *(f"  axe failed: {e}" for e in self.errors)])


def _check_again(context: BrowserContext, addresses: list[str], viewport: dict | None) -> None:
    if not addresses:
        return
    page = context.new_page()
    if viewport:
        page.set_viewport_size(viewport)
    for address in addresses:
        page.goto(address)
        _wait(page)
    page.close()


def _wait(page: Page) -> None:
    if page.is_closed():
        return
    with contextlib.suppress(Error):  # the page is going away (closed, or its context): nothing more to check
        page.evaluate(WAIT)

