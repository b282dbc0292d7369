"""Response headers that every page gets unless its view says otherwise."""

from __future__ import annotations

from flask import Flask, Response


def init_app(app: Flask) -> None:
    @app.after_request
    def set_default_security_headers(response: Response) -> Response:
        # Only the embed views may be framed, and they set their own
        # frame-ancestors from the petition's allowed origins.
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response
