"""Error answers: HTML for people, JSON for API clients, never a stack trace.

Services raise `DomainError` subclasses (a petition that does not exist, a batch that is not
ready, a signature refused); this module alone turns them into HTTP answers. A blueprint that
shows a refusal its own way (the sign form shown again with its errors) registers an HTML
renderer for that error class with `html_renderer`; JSON answers are always built here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

from .accesslog import redact_path
from .extensions import limiter

MESSAGE_429 = _l(
    "You have sent this several times in a short while. Please wait a little and try again."
)


class DomainError(Exception):
    """Something a request asked for that the service refuses or cannot find.

    `status` is the HTTP status errors.py answers with; `message` is safe to show (it may be
    a lazy translation); `headers` are added to the answer (Retry-After on a 429).
    """

    status = 400
    name = "Bad Request"
    default_message: Any = _l("This request cannot be carried out.")

    def __init__(self, message: Any = None, *, headers: Mapping[str, str] | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.headers = dict(headers or {})
        super().__init__(str(self.message))

    def json_body(self) -> dict[str, Any]:
        return {"error": {"code": self.status, "name": self.name, "message": str(self.message)}}


class NotFoundError(DomainError):
    status, name = 404, "Not Found"
    default_message = _l("We could not find this page.")


class ForbiddenError(DomainError):
    status, name = 403, "Forbidden"


class ConflictError(DomainError):
    status, name = 409, "Conflict"


class GoneError(DomainError):
    status, name = 410, "Gone"


class TooManyRequestsError(DomainError):
    status, name = 429, "Too Many Requests"
    default_message = MESSAGE_429

    def __init__(self, retry_after: int, message: Any = None) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = max(1, int(retry_after))


class InvalidInputError(DomainError):
    """Fields the caller must correct: `errors` maps each field to its messages."""

    status, name = 422, "Unprocessable Content"
    default_message = _l("Please correct the marked fields.")

    def __init__(self, errors: Mapping[str, list[Any]], message: Any = None) -> None:
        super().__init__(message)
        self.errors = {field: list(messages) for field, messages in errors.items()}

    def json_body(self) -> dict[str, Any]:
        return {
            "errors": {
                field: [str(message) for message in messages]
                for field, messages in self.errors.items()
            }
        }


HtmlRenderer = Callable[[Any], Any]
_html_renderers: dict[tuple[str | None, type[DomainError]], HtmlRenderer] = {}


def html_renderer(
    blueprint: Blueprint | None, error_class: type[DomainError]
) -> Callable[[HtmlRenderer], HtmlRenderer]:
    """Register how `blueprint`'s pages show `error_class` (and its subclasses) to a person.

    The renderer returns a body (the status and headers still come from the error)."""

    def register(renderer: HtmlRenderer) -> HtmlRenderer:
        _html_renderers[(blueprint.name if blueprint else None, error_class)] = renderer
        return renderer

    return register


def _find_renderer(error: DomainError) -> HtmlRenderer | None:
    for klass in type(error).__mro__:
        if not (isinstance(klass, type) and issubclass(klass, DomainError)):
            continue
        for scope in (request.blueprint, None):
            renderer = _html_renderers.get((scope, klass))
            if renderer is not None:
                return renderer
    return None


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _error_page(code: int, name: str, description: Any) -> str:
    from .embed.framing import is_embedded_request

    page = {"code": code, "name": name, "description": description}
    return render_template("errors/error.html", error=page, embedded=is_embedded_request())


def _render(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    if wants_json():
        message = MESSAGE_429 if code == 429 else error.description
        body = {"error": {"code": code, "name": error.name, "message": str(message)}}
        return jsonify(body), code
    return _error_page(code, error.name, error.description), code


def _retry_after_seconds() -> int:
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def domain_error_response(error: DomainError) -> Response:
    """The HTTP answer for a domain error, HTML or JSON as the caller expects."""
    if wants_json():
        response = jsonify(error.json_body())
    else:
        renderer = _find_renderer(error)
        body = (
            renderer(error)
            if renderer is not None
            else _error_page(error.status, error.name, error.message)
        )
        response = body if isinstance(body, Response) else Response(body, mimetype="text/html")
    response.status_code = error.status
    for header, value in error.headers.items():
        response.headers[header] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        return domain_error_response(error)

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
        # The path without a link's secret: logs are kept longer than links are good.
        app.logger.exception("unhandled error on %s %s", request.method, redact_path(request.path))
        return handle_http_error(InternalServerError())
