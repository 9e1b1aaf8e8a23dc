"""Retention: naming versions with tags and removing old versions (``factlake tag`` / ``factlake gc``).

Tags live in ``tags.json`` (name → version number). Garbage collection keeps the newest N versions, the
one ``latest`` points to and every tagged version, and removes the others under the writer lock:

1. each version to remove is renamed to a hidden ``.tmp-`` name (it disappears from listings at once; a
   crash from here on leaves only leftovers the next run or gc deletes),
2. the catalog is rebuilt over the remaining versions,
3. the renamed folders are deleted,
4. the parts of the store (``DIR/parts``) that no remaining version lists are deleted. Every version
   folder holds its own hard links (or copies) of its parts, so this never damages a version: it only
   frees the bytes that were kept for versions now gone. A crash between 3 and 4 leaves unused parts,
   which the next gc removes.

Tag changes and gc also share a small ``.tags.lock``, so a tag is never set on a version gc is removing;
tagging does not wait for a running build (a build never removes a version).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from factlake import catalog, dataset_files, part_store, publish
from factlake.errors import FactlakeError, RunError

TAGS_LOCK_FILE = ".tags.lock"
TAG_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,99}$")
RESERVED_TAG_PATTERN = re.compile(r"^(v\d+|latest)$")
TAGS_LOCK_TIMEOUT = 30.0


@dataclass
class GarbageCollection:
    """What gc did (or would do, for a dry run).

    Attributes:
        removed: Names of the removed versions, oldest first.
        kept: Names of the kept versions, oldest first.
        protected: Kept only because ``latest`` or a tag names them (version name → reasons).
        removed_parts: ``table/file`` of the stored parts removed because no kept version lists them.
    """

    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    protected: dict[str, list[str]] = field(default_factory=dict)
    removed_parts: list[str] = field(default_factory=list)


@contextlib.contextmanager
def tags_lock(dataset: Path, timeout: float = TAGS_LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the dataset's tags lock (an ``flock``; held briefly by ``tag`` and ``gc``).

    Raises:
        DatasetLockedError: when another process holds it past ``timeout``.
        RunError: when the dataset folder does not exist.
    """
    if not dataset.is_dir():
        raise RunError(f"dataset {dataset} does not exist")
    try:
        handle = dataset_files.open_lock_file(dataset / TAGS_LOCK_FILE)
    except OSError as error:
        raise RunError(dataset_files.refusal(dataset / TAGS_LOCK_FILE, error)) from error
    with handle:
        dataset_files.lock_exclusively(
            handle, timeout, f"another factlake command is changing the tags of {dataset}"
        )
        yield


def plan_collection(dataset: Path, keep: int) -> GarbageCollection:
    """Which versions gc would remove: all but the newest ``keep``, ``latest`` and the tagged ones.

    Raises:
        RunError: for a negative ``keep`` or a corrupt ``latest``.
    """
    if keep < 0:
        raise RunError(f"--keep must be 0 or more, not {keep}")
    versions = publish.version_dirs(dataset)
    latest = publish.latest_version(dataset)
    protected: dict[str, list[str]] = {}
    if latest is not None:
        protected.setdefault(latest.name, []).append("latest")
    for tag, number in sorted(publish.read_tags(dataset).items()):
        protected.setdefault(f"v{number}", []).append(f"tag {tag}")
    newest = {version.name for version in versions[len(versions) - keep :]} if keep else set()
    plan = GarbageCollection()
    for version in versions:
        if version.name in newest:
            plan.kept.append(version.name)
        elif version.name in protected:
            plan.kept.append(version.name)
            plan.protected[version.name] = protected[version.name]
        else:
            plan.removed.append(version.name)
    return plan


def collect_garbage(dataset: Path, keep: int, dry_run: bool = False, wait: float = 0.0) -> GarbageCollection:
    """Remove every version but the newest ``keep``, ``latest`` and tagged ones; refresh the catalog.

    Args:
        dataset: Dataset folder.
        keep: How many of the newest versions to keep (``latest`` and tagged versions are kept anyway).
        dry_run: Only report what would be removed.
        wait: Seconds to wait for a running build's writer lock.

    Raises:
        RunError: when the dataset does not exist, ``keep`` is negative or ``latest`` is corrupt.
        DatasetLockedError: when a build holds the writer lock past ``wait``.
    """
    if not dataset.is_dir():
        raise RunError(f"dataset {dataset} does not exist")
    if dry_run:
        return plan_collection(dataset, keep)
    with publish.writer_lock(dataset, timeout=wait), tags_lock(dataset):
        publish.clean_leftovers(dataset)
        plan = plan_collection(dataset, keep)
        doomed = []
        for name in plan.removed:
            hidden = dataset / f"{dataset_files.TEMP_PREFIX}gc-{name}-{os.getpid()}"
            os.rename(dataset / name, hidden)
            doomed.append(hidden)
        if doomed:
            _fsync_directory(dataset)
        catalog.refresh_catalog(dataset)
        for hidden in doomed:
            shutil.rmtree(hidden, ignore_errors=True)
        plan.removed_parts = part_store.remove_unused_parts(dataset, parts_in_use(dataset))
    return plan


def parts_in_use(dataset: Path) -> set[tuple[str, str]]:
    """(table, file) of every part listed by a version on disk (a version whose manifest cannot be read
    keeps none: its folder holds its own links, so removing them from the store cannot damage it)."""
    used: set[tuple[str, str]] = set()
    for version in publish.version_dirs(dataset):
        try:
            used |= part_store.listed_parts(publish.read_manifest(version))
        except FactlakeError:
            continue
    return used


def check_tag_name(name: str) -> None:
    """Raise RunError unless ``name`` can be a tag (a letter first; not ``latest`` or ``vN``)."""
    if RESERVED_TAG_PATTERN.match(name) or not TAG_NAME_PATTERN.match(name):
        raise RunError(
            f"bad tag name {name!r}: use letters, digits, '.', '_' or '-', starting with a letter "
            "(and not 'latest' or a version name like 'v3')"
        )


def set_tag(dataset: Path, name: str, version: str | None = None) -> publish.PublishedVersion:
    """Point tag ``name`` at ``version`` (number, ``vN``, another tag, or None for latest).

    Returns:
        The tagged version.

    Raises:
        RunError: for a bad name or a version that does not exist.
    """
    check_tag_name(name)
    with tags_lock(dataset):
        target = publish.resolve_version(dataset, version)
        tags = publish.read_tags(dataset)
        tags[name] = target.number
        dataset_files.write_json_atomic(dataset / publish.TAGS_FILE, dict(sorted(tags.items())))
    return target


def delete_tag(dataset: Path, name: str) -> int:
    """Remove tag ``name``.

    Returns:
        The version number it named.

    Raises:
        RunError: when there is no such tag.
    """
    with tags_lock(dataset):
        tags = publish.read_tags(dataset)
        if name not in tags:
            raise RunError(f"dataset {dataset} has no tag {name!r}")
        number = tags.pop(name)
        dataset_files.write_json_atomic(dataset / publish.TAGS_FILE, dict(sorted(tags.items())))
    return number


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
