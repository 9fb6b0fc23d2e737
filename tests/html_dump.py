"""Opt-in pytest plugin: write every full HTML page the web tests receive to $HTML_DUMP_DIR, for the Nu checker.

    HTML_DUMP_DIR=/tmp/pages python -m pytest tests/web -p tests.html_dump -q
    java -jar vnu.jar --errors-only --filterpattern '.*“hx-.*' /tmp/pages

(vnu.jar from `npm install vnu-jar --ignore-scripts`, run with the machine's Java 17; htmx's hx-* attributes
are the only errors it should report, hence the filter.) Not part of `make test`: it needs Java and npm.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.helpers import IsolatedClient

OUT = Path(os.environ.get("HTML_DUMP_DIR", "html-dump"))
_open = IsolatedClient.open


def _open_and_dump(self, *args, **kwargs):  # type: ignore[no-untyped-def]
    response = _open(self, *args, **kwargs)
    body = response.get_data()
    if response.mimetype == "text/html" and body.lstrip()[:15].lower() == b"<!doctype html>":
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"{hashlib.sha1(body).hexdigest()[:12]}.html").write_bytes(body)  # noqa: S324 - a file name
    return response


IsolatedClient.open = _open_and_dump  # type: ignore[method-assign]
