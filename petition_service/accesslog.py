"""gunicorn's logger without a client's address or the secret of a signer's link.

`gunicorn.conf.py` names `PrivateLogger`. Its access log atoms are a fixed few: the time,
the request line with its path redacted (`redact_path`) and no query string, the status,
the size and the duration. Every other atom, a header (`%({x-forwarded-for}i)s`) or an
environment value included, prints as `-`, so no format can bring an address back. gunicorn
itself warns about malformed requests with the client's address ("Invalid request from
ip=…"): that address is replaced too.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# The paths whose second segment is a secret: a signer's confirm, withdraw and correction
# links, one-click unsubscribe, and a batch's public receipt (unguessable by design).
_SECRET_SEGMENT = re.compile(r"^/(confirm|withdraw|correct|u|r)/[^/]+")
_IP = re.compile(r"\bip=\S+")


def redact_path(path: str) -> str:
    """`/confirm/abc…?lang=vi` -> `/confirm/<token>`: the query string goes too."""
    return _SECRET_SEGMENT.sub(r"/\1/<token>", path.split("?", 1)[0])


class PrivateLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        full = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO") or "")
        method = environ.get("REQUEST_METHOD", "-")
        protocol = environ.get("SERVER_PROTOCOL", "-")
        kept = {key: full[key] for key in ("t", "s", "m", "H", "b", "B", "T", "D", "M", "L", "p")}
        return {**kept, "r": f"{method} {path} {protocol}", "U": path}

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(msg, str):
            msg = _IP.sub("ip=-", msg)
        super().warning(msg, *args, **kwargs)
