"""Tests of factlake.discover: walking source folders, links, rejects and reading with limits."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from factlake.assemble import files_fingerprint
from factlake.config import ParseConfig
from factlake.discover import discover_inputs, read_input
from factlake.errors import BadInputError, RunError
from factlake.records import to_frame
from schemas.tables import Rejects
from tests.deep_folders import make_nested_folders, remove_nested_folders

CONFIG = ParseConfig()
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def write(path: Path, text: str = "Title\n\nSome body text here.") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_walks_nested_folders_in_sorted_order(tmp_path: Path) -> None:
    for relative in ["b.txt", "a/z.jsonl", "a/nested/deeper/c.TXT", "-leading dash.txt", "ünïcode name.txt"]:
        write(tmp_path / relative)
    inputs, rejects = discover_inputs([tmp_path], CONFIG)
    assert rejects == []
    assert [item.source_uri for item in inputs] == [
        "-leading dash.txt",
        "a/nested/deeper/c.TXT",
        "a/z.jsonl",
        "b.txt",
        "ünïcode name.txt",
    ]
    first = inputs[0]
    assert (first.root, first.path) == (tmp_path, tmp_path / "-leading dash.txt")
    assert first.size == len(b"Title\n\nSome body text here.")


def test_discovery_is_deterministic(tmp_path: Path) -> None:
    for index in range(20):
        write(tmp_path / f"folder{index % 3}" / f"file{index}.txt")
    assert discover_inputs([tmp_path], CONFIG) == discover_inputs([tmp_path], CONFIG)


def test_unsupported_files_are_rejected_with_their_type(tmp_path: Path) -> None:
    write(tmp_path / "story.pdf")
    write(tmp_path / "README")
    write(tmp_path / "ok.txt")
    inputs, rejects = discover_inputs([tmp_path], CONFIG)
    assert [item.source_uri for item in inputs] == ["ok.txt"]
    expected = "(expected one of .txt, .jsonl, .html, .htm, .warc, .warc.gz, .xml, .rss, .atom)"
    assert [(reject["source_uri"], reject["stage"], reject["error"]) for reject in rejects] == [
        ("README", "discover", f"unsupported file type: a file without extension {expected}"),
        ("story.pdf", "discover", f"unsupported file type: '.pdf' {expected}"),
    ]
    Rejects.validate(to_frame("rejects", rejects))


def test_link_inside_the_folder_is_read(tmp_path: Path) -> None:
    target = write(tmp_path / "real" / "story.txt", "Title\n\nBody of the linked story.")
    (tmp_path / "link.txt").symlink_to(target)
    inputs, rejects = discover_inputs([tmp_path], CONFIG)
    assert rejects == []
    link = next(item for item in inputs if item.source_uri == "link.txt")
    assert link.path == tmp_path / "link.txt"
    assert link.size == target.stat().st_size
    assert read_input(link, CONFIG) == target.read_bytes()


def test_link_outside_the_folder_is_rejected_and_never_read(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    secret = write(tmp_path / "outside" / "secret.txt", "Secret\n\nNot to be read by anyone.")
    secret.chmod(0o000)  # opening it would fail loudly for a non-root user
    (source / "escape.txt").symlink_to(secret)
    (source / "relative.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    try:
        inputs, rejects = discover_inputs([source], CONFIG)
    finally:
        secret.chmod(0o644)
    assert inputs == []
    assert [(reject["source_uri"], reject["content_sha256"]) for reject in rejects] == [
        ("escape.txt", None),
        ("relative.txt", None),
    ]
    assert all("outside the source folder" in reject["error"] for reject in rejects)


def test_link_swapped_to_outside_after_discovery_is_not_read(tmp_path: Path) -> None:
    source = tmp_path / "source"
    inside = write(source / "inside.txt")
    outside = write(tmp_path / "outside.txt", "Outside\n\nMust never be read.")
    link = source / "link.txt"
    link.symlink_to(inside)
    (item,) = [item for item in discover_inputs([source], CONFIG)[0] if item.source_uri == "link.txt"]
    link.unlink()
    link.symlink_to(outside)
    with pytest.raises(BadInputError, match="outside the source folder"):
        read_input(item, CONFIG)


def test_broken_looping_and_folder_links_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "broken.txt").symlink_to(tmp_path / "missing.txt")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    write(tmp_path / "sub" / "story.txt")
    (tmp_path / "sub-link").symlink_to(tmp_path / "sub")
    inputs, rejects = discover_inputs([tmp_path], CONFIG)
    assert [item.source_uri for item in inputs] == ["sub/story.txt"]
    errors = {reject["source_uri"]: reject["error"] for reject in rejects}
    assert errors["broken.txt"].startswith("broken symbolic link")
    assert errors["loop.txt"].startswith("broken symbolic link")
    assert errors["sub-link"].startswith("symbolic link to a folder is not followed")


def test_missing_source_or_file_source_is_a_run_error(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="does not exist"):
        discover_inputs([tmp_path / "nowhere"], CONFIG)
    with pytest.raises(RunError, match="not a folder"):
        discover_inputs([write(tmp_path / "a.txt")], CONFIG)


def test_several_sources_keep_their_order(tmp_path: Path) -> None:
    write(tmp_path / "second" / "a.txt")
    write(tmp_path / "first" / "z.txt")
    inputs, _ = discover_inputs([tmp_path / "second", tmp_path / "first"], CONFIG)
    assert [(item.root.name, item.source_uri) for item in inputs] == [
        ("second", "second/a.txt"),
        ("first", "first/z.txt"),
    ]


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 2048)
    (item,) = discover_inputs([tmp_path], CONFIG)[0]
    assert read_input(item, ParseConfig(max_file_bytes=2048)) == b"x" * 2048
    with pytest.raises(BadInputError) as caught:
        read_input(item, ParseConfig(max_file_bytes=1024))
    assert caught.value.error == "file larger than the 1024-byte limit"
    os.truncate(path, CONFIG.max_file_bytes + 1)  # sparse: takes no disk space
    with pytest.raises(BadInputError, match="file larger than the 20 MB limit"):
        read_input(item, CONFIG)


def test_vanished_file_is_a_bad_input(tmp_path: Path) -> None:
    path = write(tmp_path / "gone.txt")
    (item,) = discover_inputs([tmp_path], CONFIG)[0]
    path.unlink()
    with pytest.raises(BadInputError, match="disappeared"):
        read_input(item, CONFIG)


@pytest.mark.skipif(IS_ROOT, reason="permissions do not apply to root")
def test_permission_denied_is_a_bad_input_and_unlistable_folder_a_reject(tmp_path: Path) -> None:
    path = write(tmp_path / "private.txt")
    locked = tmp_path / "locked"
    write(locked / "hidden.txt")
    path.chmod(0o000)
    locked.chmod(0o000)
    try:
        inputs, rejects = discover_inputs([tmp_path], CONFIG)
        (item,) = inputs
        with pytest.raises(BadInputError, match="permission denied"):
            read_input(item, CONFIG)
    finally:
        path.chmod(0o644)
        locked.chmod(0o755)
    assert [(reject["source_uri"], reject["error"]) for reject in rejects] == [
        ("locked", "folder cannot be listed")
    ]


def test_several_sources_keep_source_uris_unique(tmp_path: Path) -> None:
    first, second = tmp_path / "one" / "news", tmp_path / "two" / "news"
    for folder in (first, second):
        folder.mkdir(parents=True)
        (folder / "a.txt").write_text("Title\n\nSome body text here.\n", encoding="utf-8")
    inputs, _ = discover_inputs([first, second], ParseConfig())
    assert [item.source_uri for item in inputs] == ["news/a.txt", "news~2/a.txt"]


def test_deeply_nested_folders_are_walked_without_recursion(tmp_path: Path) -> None:
    story = b"Deep\n\nA story at the bottom of the folders."
    relative = make_nested_folders(tmp_path, 1100, "deep.txt", story)
    try:
        inputs, rejects = discover_inputs([tmp_path], CONFIG)
        assert rejects == []
        (item,) = inputs
        assert item.source_uri == relative == "d/" * 1100 + "deep.txt"
        assert read_input(item, CONFIG) == story
    finally:
        remove_nested_folders(tmp_path)


def _read_with_timeout(item: object, fifo: Path) -> object:
    """read_input in a thread; a read stuck on the pipe is released by opening the pipe for writing."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(read_input(item, CONFIG))
        except BadInputError as error:
            outcome.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=20)
    if thread.is_alive():
        with open(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "wb"):
            pass
        thread.join(timeout=5)
        pytest.fail("reading a pipe swapped in after discovery blocked")
    return outcome[0]


def test_pipe_is_rejected_unopened_and_a_file_swapped_for_a_pipe_is_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    path = write(tmp_path / "story.txt")
    inputs, rejects = discover_inputs([tmp_path], CONFIG)
    assert [reject["source_uri"] for reject in rejects] == ["pipe.txt"]
    assert rejects[0]["error"].startswith("not a regular file")
    (item,) = inputs
    path.unlink()
    os.mkfifo(path)
    outcome = _read_with_timeout(item, path)
    assert isinstance(outcome, BadInputError) and outcome.error.startswith("not a regular file")
    assert files_fingerprint(inputs, rejects) is None


def test_folder_swapped_for_a_link_after_discovery_is_not_followed(tmp_path: Path) -> None:
    source = tmp_path / "source"
    write(source / "sub" / "story.txt", "Title\n\nThe real story inside the source folder.")
    secret = write(tmp_path / "outside" / "story.txt", "Secret\n\nText that must never be read.")
    (item,) = discover_inputs([source], CONFIG)[0]
    (source / "sub").rename(source / "old-sub")
    (source / "sub").symlink_to(secret.parent, target_is_directory=True)
    with pytest.raises(BadInputError, match="replaced by a symbolic link"):
        read_input(item, CONFIG)


def test_link_to_a_link_inside_is_read_and_a_chain_leading_outside_is_not(tmp_path: Path) -> None:
    source = tmp_path / "source"
    target = write(source / "real" / "story.txt", "Title\n\nBody of the linked story.")
    write(tmp_path / "secret.txt", "Secret\n\nNever to be read.")
    (source / "first.txt").symlink_to(Path("real") / "story.txt")
    (source / "real" / "second.txt").symlink_to(Path("..") / "first.txt")
    (source / "real" / "escape.txt").symlink_to(Path("..") / ".." / "secret.txt")
    (source / "via-escape.txt").symlink_to(Path("real") / "escape.txt")
    inputs, rejects = discover_inputs([source], CONFIG)
    assert {item.source_uri for item in inputs} == {"first.txt", "real/second.txt", "real/story.txt"}
    assert all(read_input(item, CONFIG) == target.read_bytes() for item in inputs)
    assert {reject["source_uri"]: reject["error"] for reject in rejects} == {
        "real/escape.txt": "symbolic link points outside the source folder; it was not read",
        "via-escape.txt": "symbolic link points outside the source folder; it was not read",
    }
