"""Response headers that every page gets unless its view says otherwise."""

from __future__ import annotations

from flask import Flask, Response

from .embed.framing import embed_frame_ancestors


def init_app(app: Flask) -> None:
    @app.after_request
    def set_default_security_headers(response: Response) -> Response:
        # Only the embed pages may be framed, by their petition's allowed origins; they
        # send no X-Frame-Options, which cannot express a list of origins.
        if "Content-Security-Policy" not in response.headers:
            ancestors = embed_frame_ancestors()
            if ancestors is None:
                response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
                response.headers.setdefault("X-Frame-Options", "DENY")
            else:
                response.headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return response
