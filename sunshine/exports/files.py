"""Where export files are kept: the directory ``EXPORT_DIR`` (by default ``instance/exports``).

Files get random names (``<export id>-<16 hex>.xlsx``): the name says nothing about whose
file it is, and only the export's row (its requester) leads to it. With several hosts,
``EXPORT_DIR`` must be storage they share (an NFS mount or the like): the job that writes a
file and the request that downloads it may run on different hosts.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from pathlib import Path

from flask import current_app

SUFFIX = ".xlsx"
# What the directory holds: our files, and XlsxWriter's temporary files (tempfile's names).
_OURS = re.compile(r"^(\d+-[0-9a-f]{16}\.xlsx|tmp\w+)$")


def directory() -> Path:
    """The export directory, created when missing."""
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_name(export_id: int) -> str:
    return f"{export_id}-{secrets.token_hex(8)}{SUFFIX}"


def path_of(name: str) -> Path:
    return directory() / name


def remove(name: str | None) -> bool:
    """Delete one export file; whether there was one."""
    if not name:
        return False
    try:
        path_of(name).unlink()
    except FileNotFoundError:
        return False
    return True


def sweep(older_than: datetime) -> int:
    """Delete the export files last written before ``older_than``: the files of expired
    exports a crash left behind, and XlsxWriter's temporary files of a killed job. Files that
    are not named as ours are left alone."""
    removed = 0
    cutoff = older_than.timestamp()
    for path in directory().iterdir():
        if _OURS.match(path.name) and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
