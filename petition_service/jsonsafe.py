"""JSON bodies that cannot hurt: whatever a client sends, parsing fails as a ValueError.

The standard parser recurses once per nesting level, so 30,000 opening brackets raise a
RecursionError, which Flask's `get_json(silent=True)` does not expect (it catches ValueError)
and which became a 500. Here it is a ValueError like any other malformed body: the API
answers 400, and the limit is the depth, not the size (MAX_CONTENT_LENGTH bounds the size).
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

#: Far deeper than any signature (one level), far shallower than the interpreter's stack.
MAX_DEPTH = 64


class JSONTooDeep(ValueError):
    pass


def _depth_ok(text: str | bytes) -> bool:
    """Whether brackets nest at most MAX_DEPTH deep, counted outside strings; linear time."""
    data = text.decode("utf-8", "replace") if isinstance(text, bytes | bytearray) else text
    depth = 0
    in_string = escaped = False
    for char in data:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif char in "]}":
            depth -= 1
    return True


class SafeJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        # Counting brackets is done in C; only a body with many of them is walked.
        opening = (
            s.count("[") + s.count("{") if isinstance(s, str) else s.count(b"[") + s.count(b"{")
        )
        if opening > MAX_DEPTH and not _depth_ok(s):
            raise JSONTooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:  # belt and braces: never a 500
            raise JSONTooDeep("JSON nested too deeply") from exc
