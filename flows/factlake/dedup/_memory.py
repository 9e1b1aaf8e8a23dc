"""Giving the memory a step of fact dedup freed back to the operating system before the next step.

Clustering a million mentions makes and frees millions of small objects and arrays. The C allocator
keeps freed memory for later requests rather than returning it, so the resident size of the process
stays at the high-water mark of every step before: the next step's peak is added on top of memory that
nothing uses. Where the C library is glibc, ``malloc_trim`` returns the free pages at once; elsewhere
nothing is done (and nothing is needed where the allocator returns memory by itself).
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any

import pyarrow as pa


@functools.cache
def _malloc_trim() -> Callable[[int], Any] | None:
    """glibc's ``malloc_trim`` from the symbols the process already has, None without it."""
    try:
        process = ctypes.CDLL(None)
    except (OSError, TypeError):  # TypeError: no global symbol table (Windows)
        return None
    return getattr(process, "malloc_trim", None)


def release_freed_memory() -> bool:
    """Return the memory freed so far to the operating system, where the C library can.

    Returns:
        Whether the allocator was asked to (glibc); False where it has no such call.
    """
    # Arrow keeps the buffers it freed (string columns of the frames) in its own pool.
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
