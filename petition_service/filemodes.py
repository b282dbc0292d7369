"""Files that hold signers' data are readable by the service's own user only.

The instance folder holds the SQLite database (and its WAL and shared-memory files), the
rate limiter's counters (and the day's client-hash key), the generated secret key and demo
password, the signing key, mail written as `.eml` files and the batch PDFs. `make_private`
sets the process's umask so everything the service creates from then on is 0600 (folders
0700), and tightens what an older release left readable by others.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
FOLDER_MODE = 0o700
# Folders whose files are tightened at start (the rest are large and made 0600 already).
_SMALL_FOLDERS = ("outbox", "signing")


def _tighten(path: Path, mode: int) -> None:
    try:
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077:
            os.chmod(path, current & ~0o077 & 0o7777 | (mode & 0o700))
    except FileNotFoundError:
        pass


def make_private(instance_path: Path, *extra_files: Path) -> None:
    """Umask 077 for this process; the instance folder 0700; its files, those of its small
    folders and `extra_files` (a database kept elsewhere, with its -wal and -shm) 0600."""
    os.umask(PRIVATE_UMASK)
    instance_path.mkdir(parents=True, exist_ok=True)
    _tighten(instance_path, FOLDER_MODE)
    for entry in instance_path.iterdir():
        if entry.is_symlink():
            continue
        if entry.is_dir():
            _tighten(entry, FOLDER_MODE)
            if entry.name in _SMALL_FOLDERS:
                for child in entry.iterdir():
                    if child.is_file() and not child.is_symlink():
                        _tighten(child, FILE_MODE)
        elif entry.is_file():
            _tighten(entry, FILE_MODE)
    for path in extra_files:
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            _tighten(candidate, FILE_MODE)
