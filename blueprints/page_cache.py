"""A finished page kept in this worker's memory and sent again to the same request while nothing changed.

A page is kept under everything it was made from: the data version read with the signed-in user
before anything else (domain/data_version.py: every committed write, by any process, moves it), the
user and their session version, the session's CSRF token (the page's forms carry it), the URL with
its query, the request's language (its words, money and dates), and whatever else the view names
(the project's date, which a due date is compared with).
The guard that lets the user see the page runs before every answer, kept or not. Not kept: htmx
requests, pages with a message waiting to be shown once (a flash), answers other than 200, and
anything made before the database had a data version. At most `PAGE_CACHE_SIZE` pages a worker
(0 turns it off) and 64 MB, each for at most `PAGE_CACHE_SECONDS`; a write drops them all at the next
page kept.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_login import current_user

from blueprints.language import request_language
from extensions import htmx

_EXTENSION = "page_cache"


MAX_BYTES = 64 * 1024 * 1024  # a worker's kept pages in all (a 1,000-row board is about 0.7 MB)


class PageCache:
    """Least recently used pages, each dropped once older than `seconds`, at most `size` of them and
    MAX_BYTES in all. Keys start with the data version: a page of an older one is never asked for again,
    so the first page of a new version drops them all."""

    def __init__(self, size: int, seconds: float) -> None:
        self.size, self.seconds = size, seconds
        self._pages: OrderedDict[Hashable, tuple[float, bytes, str]] = OrderedDict()
        self._version: object = None
        self._bytes = 0
        self._lock = Lock()

    def get(self, key: Hashable) -> tuple[bytes, str] | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is None:
                return None
            if time.monotonic() - kept[0] > self.seconds:
                del self._pages[key]
                self._bytes -= len(kept[1])
                return None
            self._pages.move_to_end(key)
            return kept[1], kept[2]

    def put(self, key: tuple, body: bytes, mimetype: str) -> None:
        if len(body) > MAX_BYTES:
            return
        with self._lock:
            if key[0] != self._version:
                self._pages.clear()
                self._version, self._bytes = key[0], 0
            old = self._pages.pop(key, None)
            self._bytes += len(body) - (len(old[1]) if old else 0)
            self._pages[key] = (time.monotonic(), body, mimetype)
            while len(self._pages) > self.size or self._bytes > MAX_BYTES:
                self._bytes -= len(self._pages.popitem(last=False)[1][1])

    def __len__(self) -> int:
        return len(self._pages)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0


def register_page_cache(app: Flask) -> None:
    app.extensions[_EXTENSION] = PageCache(app.config["PAGE_CACHE_SIZE"], app.config["PAGE_CACHE_SECONDS"])


def page_cache(app: Flask | None = None) -> PageCache:
    return (app or current_app).extensions[_EXTENSION]


def kept_page(make: Callable[[], object], *made_from: Hashable) -> object:
    """The page `make()` answers, or the same page kept from an identical earlier request."""
    key = _key(made_from)
    if key is None:
        return make()
    cache = page_cache()
    kept = cache.get(key)
    if kept is not None:
        return Response(kept[0], mimetype=kept[1])
    response = make_response(make())
    if response.status_code == 200 and not response.is_streamed and "_flashes" not in session:
        cache.put(key, response.get_data(), response.mimetype)
    return response


def _key(made_from: tuple[Hashable, ...]) -> tuple | None:
    version = g.get("data_version")
    token = session.get("csrf_token")
    if (not current_app.config["PAGE_CACHE_SIZE"] or version is None or token is None or htmx
            or request.method != "GET" or "_flashes" in session or not current_user.is_authenticated):
        return None
    token_digest = hashlib.sha256(str(token).encode()).hexdigest()
    # The language too: a person's language may change without a write (the switch keeps an anonymous choice
    # in the session), and money and dates follow it (domain/locales.locale_for).
    return (version, current_user.get_id(), token_digest, request.full_path, request_language(), *made_from)
