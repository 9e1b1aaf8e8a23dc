"""A dataset's own files, written and locked safely: atomic replacement, no link followed, ``flock``.

Every file factlake writes in a dataset folder is replaced by a rename of a fresh, fsynced temporary
file (:func:`write_text_atomic`), which replaces a symbolic link planted in its place rather than its
target; its own small files are read and its lock files opened with ``O_NOFOLLOW``
(:func:`read_dataset_file`, :func:`open_lock_file`), a link being refused with a message saying what to
delete (:func:`refusal`). Locks are ``flock`` locks (:func:`lock_exclusively`), which die with the
process that holds them.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from pathlib import Path
from typing import IO, Any

from factlake.errors import DatasetLockedError, RunError

#: Name prefix of a file or folder being written: what the next run removes after a crash.
TEMP_PREFIX = ".tmp-"
#: Seconds between two attempts to take a lock.
LOCK_POLL_SECONDS = 0.1


def read_dataset_file(path: Path) -> str | None:
    """The text of one of a dataset's own small files, or None when it does not exist.

    Opened with ``O_NOFOLLOW``: a symbolic link in its place is refused, never followed.

    Raises:
        RunError: when the file is a symbolic link or cannot be read as UTF-8 text.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise RunError(refusal(path, error)) from error
    try:
        with os.fdopen(descriptor, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RunError(f"{path} cannot be read ({error}); fix or delete it") from error


def refusal(path: Path, error: OSError) -> str:
    """Why one of a dataset's own files cannot be opened, and what to do (a link: delete it)."""
    if error.errno == errno.ELOOP:
        return f"{path} is a symbolic link, which factlake never follows in a dataset folder; delete it"
    return f"{path} cannot be opened: {error.strerror or error}"


def write_json_atomic(path: Path, payload: Any) -> None:
    """Write JSON to ``path`` via a fsynced temporary file and a rename (a link at ``path`` is replaced,
    never followed)."""
    text = json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n"
    write_text_atomic(path, text)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a fresh fsynced temporary file and a rename."""
    temporary = path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        with os.fdopen(os.open(temporary, flags, 0o644), "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def open_lock_file(path: Path) -> IO[str]:
    """Open (creating it if needed) a lock file without following a symbolic link.

    Raises:
        OSError: with ``errno.ELOOP`` when ``path`` is a symbolic link.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    return os.fdopen(os.open(path, flags, 0o644), "r+")


def fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def lock_exclusively(handle: IO[str], timeout: float, busy_message: str) -> None:
    """Take an exclusive ``flock`` on an open file, waiting up to ``timeout`` seconds.

    The lock dies with the process that holds it, so a crashed run never leaves a dataset locked.

    Raises:
        DatasetLockedError: with ``busy_message`` when another process still holds it after ``timeout``.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError as error:
            if time.monotonic() >= deadline:
                raise DatasetLockedError(busy_message) from error
            time.sleep(LOCK_POLL_SECONDS)
