"""Input discovery and reading: which files of the source folders become inputs, and their bytes.

Discovery walks every source folder recursively in sorted order, so the same folders always give the same
inputs in the same order. Everything found ends up either as an :class:`InputFile` or as a ``rejects``
record (stage ``discover``) that says why it was skipped. Symbolic links are followed only when their
target lies inside the source folder; a link pointing outside is rejected without its target ever being
opened, so a source folder cannot smuggle in files from elsewhere on the machine.

The walk is iterative (any depth) and goes through folder descriptors; reading opens each input relative
to its already-open folders from the root down, never following a link on the way, so a folder swapped
for a link during a run cannot lead outside the source. A link in the last component is resolved as text
(against its folder, ``..`` included) and its target opened the same way. Inputs are opened with
``O_NONBLOCK`` and must be regular files (``fstat`` of the opened descriptor) before anything is read, so
a pipe, device or socket swapped in for a file cannot block the run.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from factlake.config import ParseConfig
from factlake.errors import BadInputError, RunError, TransientError
from factlake.records import new_record

BYTES_PER_MEGABYTE = 1024 * 1024
#: Links followed one after the other before a link is treated as a loop.
MAX_LINK_HOPS = 8
OUTSIDE = "symbolic link points outside the source folder; it was not read"
NOT_REGULAR = "not a regular file (device, socket or pipe); it was not opened"
#: Exception messages in a reject's ``detail`` are cut to this many characters.
MAX_DETAIL_CHARS = 300
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])(?:~|[A-Za-z]:)?[/\\](?:[^\s'\"/\\:,;()<>\[\]]+[/\\]?)+")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_ROOT_FLAGS = os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC
_FOLDER_FLAGS = _ROOT_FLAGS | os.O_NOFOLLOW
_FILE_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | _CLOEXEC


@dataclass(frozen=True)
class InputFile:
    """A file found under a source folder.

    Attributes:
        root: The source folder it was found under.
        path: The file (may be a symbolic link inside ``root``).
        source_uri: Path relative to ``root`` with POSIX separators; names the input in every table.
        size: Size in bytes of the file (of the link's target for a link).
    """

    root: Path
    path: Path
    source_uri: str
    size: int


def reject_record(
    source_uri: str,
    stage: str,
    error: str,
    detail: str | None = None,
    content_sha256: str | None = None,
) -> dict[str, Any]:
    """A ``rejects`` record: an input that did not become an article, and why.

    Absolute paths in ``error`` and ``detail`` (exception texts often hold them) are replaced by
    ``<path>``: published tables must not show the folders of the machine that built them.
    """
    return new_record(
        "rejects",
        source_uri=source_uri,
        stage=stage,
        error=without_paths(error),
        detail=without_paths(detail) if detail is not None else None,
        content_sha256=content_sha256,
    )


def without_paths(text: str) -> str:
    """``text`` with absolute file paths (POSIX ``/a/b``, ``~/a``, Windows ``C:\\a``) replaced by
    ``<path>``, and characters no table can store replaced."""
    text = printable_uri(text) if not text.isascii() else text
    return _ABSOLUTE_PATH.sub("<path>", text)


def error_detail(error: BaseException) -> str:
    """The ``detail`` of a reject for an exception: its type and message, shortened, without paths."""
    message = str(error)
    if len(message) > MAX_DETAIL_CHARS:
        message = message[:MAX_DETAIL_CHARS] + "…"
    return without_paths(f"{type(error).__name__}: {message}" if message else type(error).__name__)


def printable_uri(relative: str) -> str:
    """``relative`` with undecodable file-name bytes replaced, so it can be written to Parquet.

    File names on POSIX are bytes; Python keeps bytes that are not UTF-8 as lone surrogates, which no
    table can store.
    """
    try:
        return relative.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte (from JSON text, say)
        return re.sub("[\ud800-\udfff]", "\ufffd", relative)


def discover_inputs(sources: Sequence[Path], config: ParseConfig) -> tuple[list[InputFile], list[dict]]:
    """Find the input files under each source folder.

    Walks each folder recursively, entries sorted by name, sources in the order given. Files whose name
    ends with one of ``config.suffixes`` (case-insensitive) become inputs; everything else becomes a
    ``rejects`` record of stage ``discover``: unsupported file types, symbolic links pointing outside the
    source folder (never read: ``content_sha256`` is null), links to folders (their files are read where
    they really are), broken links, special files and folders that cannot be listed.

    Args:
        sources: Source folders.
        config: Parse settings (``suffixes``).

    Returns:
        The inputs and the rejects, both in discovery order.

    Raises:
        RunError: A source does not exist or is not a folder.
    """
    inputs: list[InputFile] = []
    rejects: list[dict] = []
    suffixes = tuple(suffix.lower() for suffix in config.suffixes)
    labels = source_labels(sources)
    for source, label in zip(sources, labels, strict=True):
        if not source.exists():
            raise RunError(f"source folder does not exist: {source}")
        if not source.is_dir():
            raise RunError(f"source is not a folder: {source}")
        found: list[InputFile] = []
        refused: list[dict] = []
        _walk(source, suffixes, found, refused)
        if label:
            found = [replace(item, source_uri=f"{label}/{item.source_uri}") for item in found]
            refused = [{**reject, "source_uri": f"{label}/{reject['source_uri']}"} for reject in refused]
        inputs.extend(found)
        rejects.extend(refused)
    return inputs, rejects


def source_labels(sources: Sequence[Path]) -> list[str]:
    """Prefixes that keep ``source_uri`` unique across several sources: none for a single source, else
    each folder's name (``name~2``, ``name~3`` … when two folders share a name)."""
    if len(sources) <= 1:
        return [""] * len(sources)
    labels: list[str] = []
    for source in sources:
        name = source.resolve().name or "source"
        label, counter = name, 1
        while label in labels:
            counter += 1
            label = f"{name}~{counter}"
        labels.append(label)
    return labels


def _walk(
    root: Path,
    suffixes: tuple[str, ...],
    inputs: list[InputFile],
    rejects: list[dict],
) -> None:
    """Walk ``root`` depth-first, entries sorted by name, appending to ``inputs`` and ``rejects``.

    Iterative (no recursion limit on the depth of folders) and by folder descriptors: each folder is
    opened relative to its already-open parent without following links, so a folder swapped for a link
    during the walk is never followed. A folder's descriptor is closed once its last entry is taken, so a
    deep chain of folders holds only a few open at a time.
    """
    try:
        root_fd = os.open(root, _ROOT_FLAGS)
    except OSError as error:
        rejects.append(reject_record(".", "discover", "folder cannot be listed", detail=_os_detail(error)))
        return
    stack: list[_Folder] = []
    _push_folder(stack, root_fd, (), rejects)
    while stack:
        folder = stack[-1]
        entry = folder.entries[folder.position]
        folder.position += 1
        parent_fd = folder.fd
        if folder.position == len(folder.entries):
            stack.pop()  # its descriptor stays open until this last entry is handled
        try:
            _visit_entry(root, parent_fd, folder.parts, entry, suffixes, stack, inputs, rejects)
        finally:
            if folder.position == len(folder.entries):
                os.close(parent_fd)


@dataclass
class _Folder:
    """A listed folder of the walk: its open descriptor, path parts below the root and sorted entries."""

    fd: int
    parts: tuple[str, ...]
    entries: list[os.DirEntry]
    position: int = 0


def _push_folder(stack: list[_Folder], fd: int, parts: tuple[str, ...], rejects: list[dict]) -> None:
    """List the folder open as ``fd`` and put it on the stack; an unlistable or empty one is closed."""
    try:
        with os.scandir(fd) as iterator:
            entries = sorted(iterator, key=lambda entry: entry.name)
    except OSError as error:
        os.close(fd)
        rejects.append(
            reject_record(_uri(parts), "discover", "folder cannot be listed", detail=_os_detail(error))
        )
        return
    if not entries:
        os.close(fd)
        return
    stack.append(_Folder(fd, parts, entries))


def _visit_entry(
    root: Path,
    parent_fd: int,
    parent_parts: tuple[str, ...],
    entry: os.DirEntry,
    suffixes: tuple[str, ...],
    stack: list[_Folder],
    inputs: list[InputFile],
    rejects: list[dict],
) -> None:
    """One entry of a folder: a subfolder is pushed, a file or link accepted or rejected."""
    parts = (*parent_parts, entry.name)
    uri = _uri(parts)
    try:
        if entry.is_symlink():
            _visit_link(root, parts, uri, suffixes, inputs, rejects)
        elif entry.is_dir(follow_symlinks=False):
            try:
                child_fd = os.open(entry.name, _FOLDER_FLAGS, dir_fd=parent_fd)
            except OSError as error:
                rejects.append(
                    reject_record(uri, "discover", "folder cannot be listed", detail=_os_detail(error))
                )
                return
            _push_folder(stack, child_fd, parts, rejects)
        elif entry.is_file(follow_symlinks=False):
            size = entry.stat(follow_symlinks=False).st_size
            _visit_file(root, parts, uri, size, suffixes, inputs, rejects)
        else:
            rejects.append(reject_record(uri, "discover", NOT_REGULAR))
    except OSError as error:
        rejects.append(reject_record(uri, "discover", "entry cannot be inspected", detail=_os_detail(error)))


def _visit_link(
    root: Path,
    parts: tuple[str, ...],
    uri: str,
    suffixes: tuple[str, ...],
    inputs: list[InputFile],
    rejects: list[dict],
) -> None:
    """Accept a link to a file inside the root; reject every other link without opening its target."""
    try:
        with _opened_root(root) as root_fd:
            target = _locate(root, root_fd, parts)
            mode = target.status.st_mode
            size = target.status.st_size
            target.close()
    except OutsideSourceError:
        rejects.append(reject_record(uri, "discover", OUTSIDE))
        return
    except OSError as error:
        rejects.append(
            reject_record(
                uri, "discover", "broken symbolic link: its target does not exist", _os_detail(error)
            )
        )
        return
    if stat.S_ISDIR(mode):
        rejects.append(
            reject_record(
                uri,
                "discover",
                "symbolic link to a folder is not followed; its files are read where they are",
            )
        )
        return
    if not stat.S_ISREG(mode):
        rejects.append(
            reject_record(uri, "discover", "symbolic link to something that is not a regular file")
        )
        return
    _visit_file(root, parts, uri, size, suffixes, inputs, rejects)


def _visit_file(
    root: Path,
    parts: tuple[str, ...],
    uri: str,
    size: int,
    suffixes: tuple[str, ...],
    inputs: list[InputFile],
    rejects: list[dict],
) -> None:
    """Accept a file with a supported name ending; reject the others."""
    name = parts[-1]
    if name.lower().endswith(suffixes):
        inputs.append(InputFile(root=root, path=root.joinpath(*parts), source_uri=uri, size=size))
        return
    expected = ", ".join(suffixes)
    suffix = Path(name).suffix
    found = f"'{printable_uri(suffix)}'" if suffix else "a file without extension"
    rejects.append(
        reject_record(uri, "discover", f"unsupported file type: {found} (expected one of {expected})")
    )


# ----------------------------------------------------------------------------- opening inside the root


class OutsideSourceError(OSError):
    """A symbolic link leads outside its source folder (its target is never opened)."""


class NotRegularFileError(OSError):
    """The path is a pipe, device, socket or folder, not a regular file (found without reading it)."""


@dataclass
class _Located:
    """The last component of a path inside a root: its open parent folder, name and status (no follow)."""

    parent_fd: int
    name: str
    status: os.stat_result

    def close(self) -> None:
        os.close(self.parent_fd)


@contextlib.contextmanager
def _opened_root(root: Path) -> Iterator[int]:
    """The source folder opened as a descriptor (the root itself may be a link: the user named it)."""
    fd = os.open(root, _ROOT_FLAGS)
    try:
        yield fd
    finally:
        os.close(fd)


def _open_folders(root_fd: int, parts: Sequence[str]) -> int:
    """A new descriptor of the folder ``parts`` below the root, each folder opened relative to the one
    before without following links (a folder swapped for a link fails with ``ELOOP``)."""
    fd = os.dup(root_fd)
    for part in parts:
        try:
            child = os.open(part, _FOLDER_FLAGS, dir_fd=fd)
        except NotADirectoryError as error:
            if _is_link(part, fd):  # Linux reports a link opened with O_DIRECTORY|O_NOFOLLOW so
                raise OSError(errno.ELOOP, "a folder on the way is a symbolic link") from error
            raise
        finally:
            os.close(fd)
        fd = child
    return fd


def _is_link(name: str, folder_fd: int) -> bool:
    """Whether ``name`` in the open folder is a symbolic link (False when it cannot be inspected)."""
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _locate(root: Path, root_fd: int, parts: tuple[str, ...]) -> _Located:
    """Find the file ``parts`` below the root without leaving it, following links of the last component.

    Intermediate folders are never links (they are opened with ``O_NOFOLLOW``). A link in the last
    component is resolved as text against its own folder (``..`` included) or, when absolute, against the
    root's path; its target is then located the same way, at most :data:`MAX_LINK_HOPS` times.

    Raises:
        OutsideSourceError: A link leads outside the root.
        OSError: A component is missing, a folder on the way was swapped for a link, or links loop.
    """
    for _ in range(MAX_LINK_HOPS + 1):
        parent_fd = _open_folders(root_fd, parts[:-1])
        try:
            status = os.stat(parts[-1], dir_fd=parent_fd, follow_symlinks=False)
            if not stat.S_ISLNK(status.st_mode):
                return _Located(parent_fd, parts[-1], status)
            target = os.readlink(parts[-1], dir_fd=parent_fd)
        except BaseException:
            os.close(parent_fd)
            raise
        os.close(parent_fd)
        parts = _target_parts(root, parts[:-1], target)
    raise OSError(errno.ELOOP, "too many levels of symbolic links")


def _target_parts(root: Path, folder: tuple[str, ...], target: str) -> tuple[str, ...]:
    """Path parts below the root of a link's ``target`` (relative to the link's ``folder``).

    Raises:
        OutsideSourceError: The target is not inside the root.
    """
    if os.path.isabs(target):
        for base in (os.path.abspath(root), os.path.realpath(root)):
            relative = os.path.relpath(os.path.normpath(target), base)
            if relative != os.curdir and not relative.startswith(os.pardir):
                return _normalized_parts((), relative)
        raise OutsideSourceError(errno.EPERM, OUTSIDE)
    return _normalized_parts(folder, target)


def _normalized_parts(folder: tuple[str, ...], relative: str) -> tuple[str, ...]:
    """``folder`` joined with ``relative``, ``.`` and ``..`` applied as text; never above the root."""
    parts = list(folder)
    for part in relative.split("/"):
        if part in ("", os.curdir):
            continue
        if part == os.pardir:
            if not parts:
                raise OutsideSourceError(errno.EPERM, OUTSIDE)
            parts.pop()
        else:
            parts.append(part)
    if not parts:
        raise OutsideSourceError(errno.EPERM, OUTSIDE)
    return tuple(parts)


#: Bytes read at a time when hashing an input.
HASH_CHUNK_BYTES = 1 << 20


def input_sha256(input_file: InputFile) -> str:
    """SHA-256 of an input's raw bytes, read safely (:func:`open_input`) in chunks.

    Raises:
        OSError: The input cannot be opened or read.
    """
    digest = hashlib.sha256()
    with open_input(input_file) as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def open_input(input_file: InputFile) -> Iterator[BinaryIO]:
    """Open an input for reading, safely, whatever happened to the source folder since discovery.

    The file is opened relative to its already-open folders from the source root down (a folder swapped
    for a link cannot lead elsewhere), a link is followed only to a file inside the root, the file is
    opened only when it is a regular file, with ``O_NONBLOCK`` (a pipe swapped in between cannot block the
    run) and ``O_NOFOLLOW``, and the opened descriptor must still be a regular file before anything is
    read.

    Raises:
        OutsideSourceError: A link leads outside the source folder.
        NotRegularFileError: The input is now a pipe, device, socket or folder.
        OSError: Anything else the system reports (missing, permission denied, I/O error).
    """
    parts = PurePosixPath(input_file.path.relative_to(input_file.root).as_posix()).parts
    with _opened_root(input_file.root) as root_fd:
        located = _locate(input_file.root, root_fd, parts)
        try:
            if stat.S_ISDIR(located.status.st_mode):
                raise IsADirectoryError(errno.EISDIR, "is a folder")
            if not stat.S_ISREG(located.status.st_mode):  # not opened at all (a device may act on open)
                raise NotRegularFileError(errno.EINVAL, NOT_REGULAR)
            fd = os.open(located.name, _FILE_FLAGS, dir_fd=located.parent_fd)
        finally:
            located.close()
    handle = os.fdopen(fd, "rb")
    with handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFileError(errno.EINVAL, NOT_REGULAR)
        yield handle


@contextlib.contextmanager
def opened_input(input_file: InputFile) -> Iterator[BinaryIO]:
    """:func:`open_input`, with every reason an input cannot be opened or read turned into a named error.

    Used by :func:`read_input` and by readers that stream an input record by record (WARC) instead of
    reading it whole. An ``OSError`` raised while the body reads the handle is translated the same way.

    Raises:
        BadInputError: The file is no longer inside its folder, not a regular file any more, gone, or
            permission is denied; retrying would not help.
        TransientError: Any other I/O error; worth retrying.
    """
    try:
        with open_input(input_file) as handle:
            yield handle
    except OutsideSourceError as error:
        raise BadInputError(OUTSIDE) from error
    except NotRegularFileError as error:
        raise BadInputError(NOT_REGULAR) from error
    except PermissionError as error:
        raise BadInputError("file cannot be read: permission denied", detail=_os_detail(error)) from error
    except (FileNotFoundError, NotADirectoryError) as error:
        raise BadInputError("file disappeared before it could be read", detail=_os_detail(error)) from error
    except IsADirectoryError as error:
        raise BadInputError("input is a folder, not a file", detail=_os_detail(error)) from error
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise BadInputError(
                "a folder on the way to the file was replaced by a symbolic link; it was not followed",
                detail=_os_detail(error),
            ) from error
        raise TransientError(
            f"I/O error while reading {input_file.source_uri}: {_os_detail(error)}"
        ) from error


def read_input(input_file: InputFile, config: ParseConfig) -> bytes:
    """The bytes of one input file (opened by :func:`opened_input`).

    The size is checked on the opened file before anything is read.

    Raises:
        BadInputError: The file is too large, or cannot be opened for a reason of its own (see
            :func:`opened_input`).
        TransientError: Any other I/O error while reading; worth retrying.
    """
    limit = config.max_file_bytes
    with opened_input(input_file) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise BadInputError(f"file larger than the {size_text(limit)} limit", detail=f"{size} bytes")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise BadInputError(
            f"file larger than the {size_text(limit)} limit", detail="the file grew while being read"
        )
    return data


def size_text(limit: int) -> str:
    """A byte limit as a person reads it: ``20 MB`` from a megabyte up, else ``500-byte``."""
    return f"{limit / BYTES_PER_MEGABYTE:g} MB" if limit >= BYTES_PER_MEGABYTE else f"{limit}-byte"


def _uri(parts: Sequence[str]) -> str:
    """Path parts below the root, POSIX separators, printable; ``.`` for the root itself."""
    return printable_uri("/".join(parts)) if parts else "."


def _os_detail(error: BaseException) -> str:
    """Short technical description of an OS error, without the machine path."""
    if isinstance(error, OSError) and error.errno is not None:
        return f"{errno.errorcode.get(error.errno, error.errno)}: {error.strerror}"
    return type(error).__name__
