"""Where a batch's files live: `instance/batches/<batch id>/<file name>`.

Every file is written to a temporary name in the same folder and renamed into place only
once complete, so a reader (a download, an export, a crashed render's retry) sees either the
whole previous file or the whole new one, never a torn one. The small interface (writer,
put, open, exists, path) is what an object store would offer too, so the local folder can be
swapped for one without touching the batch service.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from flask import current_app

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


class StorageError(Exception):
    """A file is missing or a name is not one this store would have written."""


def _check_name(name: str) -> str:
    # Names come from our own code, but a manifest read back from disk is not ours.
    if not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise StorageError(f"not a valid batch file name: {name!r}")
    return name


class LocalBatchStorage:
    """Batch files in a local folder (the instance folder by default)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def folder(self, batch_id: int) -> Path:
        return self.root / str(int(batch_id))

    def path(self, batch_id: int, name: str) -> Path:
        """The local path of a file (a cloud store would download to a temp file here)."""
        return self.folder(batch_id) / _check_name(name)

    def exists(self, batch_id: int, name: str) -> bool:
        return self.path(batch_id, name).is_file()

    def open(self, batch_id: int, name: str) -> BinaryIO:
        path = self.path(batch_id, name)
        try:
            return path.open("rb")
        except FileNotFoundError as exc:
            raise StorageError(f"batch {batch_id} has no file {name!r}") from exc

    @contextlib.contextmanager
    def writer(self, batch_id: int, name: str) -> Iterator[BinaryIO]:
        """A file to write; it replaces `name` atomically when the block ends without error."""
        target = self.path(batch_id, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
            raise

    def put(self, batch_id: int, name: str, data: bytes) -> None:
        with self.writer(batch_id, name) as handle:
            handle.write(data)


def batch_storage() -> LocalBatchStorage:
    """The app's batch store: `BATCH_STORAGE_PATH`, else `instance/batches`."""
    root = current_app.config["BATCH_STORAGE_PATH"] or (Path(current_app.instance_path) / "batches")
    return LocalBatchStorage(root)
