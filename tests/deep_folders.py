"""Folders nested deeper than recursive code (and one path string) can handle: making and removing them."""

from __future__ import annotations

import os
from pathlib import Path

NAME = "d"


def make_nested_folders(top: Path, depth: int, file_name: str, content: bytes) -> str:
    """Create ``top/d/d/.../file_name`` with ``depth`` folders; returns its path relative to ``top``.

    Each folder is created relative to the one above it: the full path may be longer than the system
    accepts in one call.
    """
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(NAME, dir_fd=fd)
            child = os.open(NAME, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        with os.fdopen(os.open(file_name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as handle:
            handle.write(content)
    finally:
        os.close(fd)
    return f"{NAME}/" * depth + file_name


def remove_nested_folders(top: Path) -> None:
    """Remove ``top/d/d/...`` one level at a time (too deep for recursive removal)."""
    while (folder := top / NAME).exists():
        for entry in os.scandir(folder):
            if entry.name != NAME:
                os.unlink(entry.path)
        if (folder / NAME).exists():
            os.rename(folder / NAME, top / "next")
        os.rmdir(folder)
        if (top / "next").exists():
            os.rename(top / "next", folder)


def files_below(top: Path) -> list[str]:
    """Every file and link below ``top``, relative, POSIX separators (iterative: no recursion limit)."""
    found: list[str] = []
    pending = [""]
    while pending:
        relative = pending.pop()
        for entry in os.scandir(top / relative if relative else top):
            name = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_dir(follow_symlinks=False):
                pending.append(name)
            else:
                found.append(name)
    return found
