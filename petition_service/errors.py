"""Error pages: HTML for people, JSON for API clients, never a stack trace."""

from __future__ import annotations

import math
import time

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from .embed.framing import is_embedded_request
from .extensions import limiter

MESSAGE_429 = _l(
    "You have sent this several times in a short while. Please wait a little and try again."
)


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _render(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    if wants_json():
        message = MESSAGE_429 if code == 429 else error.description
        body = {"error": {"code": code, "name": error.name, "message": str(message)}}
        return jsonify(body), code
    page = render_template("errors/error.html", error=error, embedded=is_embedded_request())
    return page, code


def _retry_after_seconds() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        response, code = _render(error)
        if isinstance(response, str):
            response = Response(response, status=code, mimetype="text/html")
        else:
            response.status_code = code
        # Keep headers an exception carries (Allow on 405).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        if code == 429 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(_retry_after_seconds())
        return response

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return handle_http_error(InternalServerError())
