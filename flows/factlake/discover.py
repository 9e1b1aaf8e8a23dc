"""Input discovery and reading: which files of the source folders become inputs, and their bytes.

Discovery walks every source folder recursively in sorted order, so the same folders always give the same
inputs in the same order. Everything found ends up either as an :class:`InputFile` or as a ``rejects``
record (stage ``discover``) that says why it was skipped. Symbolic links are followed only when their
target lies inside the source folder; a link pointing outside is rejected without its target ever being
opened, so a source folder cannot smuggle in files from elsewhere on the machine.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from factlake.config import ParseConfig
from factlake.errors import BadInputError, RunError, TransientError
from factlake.records import new_record

BYTES_PER_MEGABYTE = 1024 * 1024


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
    """A ``rejects`` record: an input that did not become an article, and why."""
    return new_record(
        "rejects",
        source_uri=source_uri,
        stage=stage,
        error=error,
        detail=detail,
        content_sha256=content_sha256,
    )


def printable_uri(relative: str) -> str:
    """``relative`` with undecodable file-name bytes replaced, so it can be written to Parquet.

    File names on POSIX are bytes; Python keeps bytes that are not UTF-8 as lone surrogates, which no
    table can store.
    """
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


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
        _walk(source, source.resolve(), source, suffixes, found, refused)
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
    resolved_root: Path,
    folder: Path,
    suffixes: tuple[str, ...],
    inputs: list[InputFile],
    rejects: list[dict],
) -> None:
    """Depth-first walk of ``folder``, appending to ``inputs`` and ``rejects``."""
    try:
        with os.scandir(folder) as iterator:
            entries = sorted(iterator, key=lambda entry: entry.name)
    except OSError as error:
        rejects.append(
            reject_record(_uri(root, folder), "discover", "folder cannot be listed", detail=_os_detail(error))
        )
        return
    for entry in entries:
        path = Path(entry.path)
        uri = _uri(root, path)
        try:
            if entry.is_symlink():
                _visit_link(root, resolved_root, path, uri, suffixes, inputs, rejects)
            elif entry.is_dir(follow_symlinks=False):
                _walk(root, resolved_root, path, suffixes, inputs, rejects)
            elif entry.is_file(follow_symlinks=False):
                _visit_file(
                    root, path, uri, entry.stat(follow_symlinks=False).st_size, suffixes, inputs, rejects
                )
            else:
                rejects.append(reject_record(uri, "discover", "not a regular file (device, socket or pipe)"))
        except OSError as error:
            rejects.append(
                reject_record(uri, "discover", "entry cannot be inspected", detail=_os_detail(error))
            )


def _visit_link(
    root: Path,
    resolved_root: Path,
    path: Path,
    uri: str,
    suffixes: tuple[str, ...],
    inputs: list[InputFile],
    rejects: list[dict],
) -> None:
    """Accept a link to a file inside the root; reject every other link without opening its target."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError) as error:
        rejects.append(
            reject_record(
                uri, "discover", "broken symbolic link: its target does not exist", _os_detail(error)
            )
        )
        return
    if not target.is_relative_to(resolved_root):
        rejects.append(
            reject_record(uri, "discover", "symbolic link points outside the source folder; it was not read")
        )
        return
    if target.is_dir():
        rejects.append(
            reject_record(
                uri,
                "discover",
                "symbolic link to a folder is not followed; its files are read where they are",
            )
        )
        return
    if not target.is_file():
        rejects.append(
            reject_record(uri, "discover", "symbolic link to something that is not a regular file")
        )
        return
    _visit_file(root, path, uri, target.stat().st_size, suffixes, inputs, rejects)


def _visit_file(
    root: Path,
    path: Path,
    uri: str,
    size: int,
    suffixes: tuple[str, ...],
    inputs: list[InputFile],
    rejects: list[dict],
) -> None:
    """Accept a file with a supported name ending; reject the others."""
    if path.name.lower().endswith(suffixes):
        inputs.append(InputFile(root=root, path=path, source_uri=uri, size=size))
        return
    expected = " or ".join(suffixes)
    found = f"'{path.suffix}'" if path.suffix else "a file without extension"
    rejects.append(reject_record(uri, "discover", f"unsupported file type: {found} (expected {expected})"))


def read_input(input_file: InputFile, config: ParseConfig) -> bytes:
    """The bytes of one input file.

    The size is checked before anything is read, and a symbolic link is checked again to still point
    inside its source folder (it may have changed since discovery).

    Raises:
        BadInputError: The file is too large, no longer inside its folder, gone, or permission is denied;
            retrying would not help.
        TransientError: Any other I/O error while reading; worth retrying.
    """
    limit = config.max_file_bytes
    limit_text = f"{limit / BYTES_PER_MEGABYTE:g} MB" if limit >= BYTES_PER_MEGABYTE else f"{limit}-byte"
    try:
        if input_file.path.is_symlink() and not input_file.path.resolve(strict=True).is_relative_to(
            input_file.root.resolve()
        ):
            raise BadInputError("symbolic link points outside the source folder; it was not read")
        size = input_file.path.stat().st_size
        if size > limit:
            raise BadInputError(f"file larger than the {limit_text} limit", detail=f"{size} bytes")
        with input_file.path.open("rb") as handle:
            data = handle.read(limit + 1)
    except BadInputError:
        raise
    except PermissionError as error:
        raise BadInputError("file cannot be read: permission denied", detail=_os_detail(error)) from error
    except (FileNotFoundError, NotADirectoryError, RuntimeError) as error:
        raise BadInputError("file disappeared before it could be read", detail=str(error)) from error
    except IsADirectoryError as error:
        raise BadInputError("input is a folder, not a file", detail=_os_detail(error)) from error
    except OSError as error:
        raise TransientError(
            f"I/O error while reading {input_file.source_uri}: {_os_detail(error)}"
        ) from error
    if len(data) > limit:
        raise BadInputError(
            f"file larger than the {limit_text} limit", detail="the file grew while being read"
        )
    return data


def _uri(root: Path, path: Path) -> str:
    """``path`` relative to ``root``, POSIX separators, printable; ``.`` for the root itself."""
    return printable_uri(path.relative_to(root).as_posix())


def _os_detail(error: BaseException) -> str:
    """Short technical description of an OS error, without the machine path."""
    if isinstance(error, OSError) and error.errno is not None:
        return f"{errno.errorcode.get(error.errno, error.errno)}: {error.strerror}"
    return type(error).__name__
