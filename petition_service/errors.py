"""Error pages: HTML for people, JSON for API clients, never a stack trace."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError


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
        body = {"error": {"code": code, "name": error.name, "message": error.description}}
        response = jsonify(body)
    else:
        response = render_template("errors/error.html", error=error)
    return response, code


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        response, code = _render(error)
        if isinstance(response, str):
            response = Response(response, status=code, mimetype="text/html")
        else:
            response.status_code = code
        # Keep headers an exception carries (Retry-After on 429, Allow on 405).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return handle_http_error(InternalServerError())
