"""One way to answer an htmx request: the fragment it targets, fragments out of band, and the banner.

Every response of a view may differ with `HX-Request` (errors answer htmx with a banner, the
sign-in prompt with HX-Redirect), so `Vary: HX-Request` is added once, after every request,
rather than by each view that branches.
"""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template, request

BANNER = "partials/_banner.html"


def htmx_answer(template: str | None, *oob: str, banner: str | None = None, category: str = "success",
                status: int = 200, **context: object) -> Response:
    """`template` in band (None: nothing in band, and `HX-Reswap: none`), each of `oob` rendered with
    `oob=True` so its root swaps itself by id (a table row: an `<hx-partial>` naming it), then the banner:
    text shows it, "" clears it, None leaves it as it is."""
    parts = [render_template(template, **context)] if template else []
    parts += [render_template(name, oob=True, **context) for name in oob]
    if banner is not None:
        parts.append(render_template(BANNER, banner=banner, category=category))
    response = make_response("".join(parts), status)
    if template is None:  # nothing in band: the element that asked stays as it is
        response.headers["HX-Reswap"] = "none"
    return response


def register_vary(app: Flask) -> None:
    @app.after_request
    def _vary_on_htmx(response: Response) -> Response:
        if request.endpoint != "static":  # files answer the same whoever asks
            response.vary.add("HX-Request")
        return response
