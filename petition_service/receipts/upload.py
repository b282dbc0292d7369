"""Reading an uploaded file as a stream of chunks, kept nowhere.

Werkzeug's form parser would spool a large upload to a temporary file; a receipt check only
needs the file's hash, so the multipart body is decoded here as it arrives and each chunk of
the `file` field is handed on and dropped. The size limit is the request's own
(`request.max_content_length`), which the view raises for this route alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Request
from werkzeug.exceptions import BadRequest
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

READ_SIZE = 64 * 1024


def uploaded_chunks(request: Request, field: str = "file") -> Iterator[bytes]:
    """The bytes of the upload `field` of a multipart/form-data body, chunk by chunk; or
    the whole body when it is sent as the file itself (e.g. `Content-Type: application/pdf`).
    BadRequest when the form has no such file; RequestEntityTooLarge past the limit."""
    stream = request.stream
    if request.mimetype != "multipart/form-data":
        if request.mimetype in ("", "application/x-www-form-urlencoded"):
            raise BadRequest("Send the document as the multipart form field 'file'.")
        yield from iter(lambda: stream.read(READ_SIZE), b"")
        return
    boundary = request.mimetype_params.get("boundary", "").encode("latin-1")
    if not boundary:
        raise BadRequest("The multipart body has no boundary.")
    decoder = MultipartDecoder(boundary, max_form_memory_size=request.max_form_memory_size)
    in_file = found = ended = False
    while True:
        try:
            event = decoder.next_event()
        except ValueError as exc:  # a truncated or malformed body
            raise BadRequest("The multipart body is malformed.") from exc
        if isinstance(event, NeedData):
            if ended:
                raise BadRequest("The multipart body ends too early.")
            chunk = stream.read(READ_SIZE)
            ended = not chunk
            decoder.receive_data(chunk or None)
        elif isinstance(event, File):
            in_file = event.name == field and not found
            found = found or in_file
        elif isinstance(event, Field):
            in_file = False
        elif isinstance(event, Data):
            if in_file and event.data:
                yield event.data
            if not event.more_data:
                in_file = False
        elif isinstance(event, Epilogue):
            break
    if not found:
        raise BadRequest("Send the document as the multipart form field 'file'.")
