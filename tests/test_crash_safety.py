"""Crash safety and concurrent runs, with real ``factlake run`` processes.

Runs are killed with SIGKILL (no clean-up code runs) at points observed from outside: once the run holds
the writer lock (stages running), and once a temporary version folder appears (publishing). Afterwards
the dataset holds only complete versions and the next run succeeds and removes the leftovers.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from factlake import dataset_files, part_store, publish, retention
from tests.helpers_process import (
    Child,
    check_dataset,
    client_environment,
    copy_seeds,
    factlake_command,
    leftovers,
    prefect_server,
    run_factlake,
    start,
)

pytestmark = pytest.mark.slow

LOCK_MESSAGE = "another factlake run is writing"
KILL_POLL_SECONDS = 0.002
KILL_TIMEOUT = 300.0


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from prefect_server(tmp_path_factory.mktemp("prefect-server"))


def holds_lock(dataset: Path, child: Child) -> Callable[[], bool]:
    """True once ``child`` has written its pid into the dataset's lock file (it holds the lock)."""

    def check() -> bool:
        try:
            return (dataset / publish.LOCK_FILE).read_text().strip() == str(child.pid)
        except OSError:
            return False

    return check


def writes_version(dataset: Path) -> Callable[[], bool]:
    """True while a temporary version folder exists (the run is writing Parquet files)."""

    def check() -> bool:
        try:
            return any(name.startswith(f"{dataset_files.TEMP_PREFIX}v") for name in os.listdir(dataset))
        except OSError:
            return False

    return check


def kill_when(child: Child, condition: Callable[[], bool]) -> bool:
    """SIGKILL ``child`` as soon as ``condition`` holds; False when the run ended first."""
    deadline = time.monotonic() + KILL_TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            child.kill()
            return True
        if child.process.poll() is not None:
            return False
        time.sleep(KILL_POLL_SECONDS)
    child.stop()
    raise AssertionError(f"run neither reached the kill point nor ended:\n{child.describe()}")


def add_article(sources: Path, name: str) -> None:
    """A new input: a seed article with one more sentence (new content, so a new version)."""
    seed = sorted(path for path in sources.iterdir() if path.suffix == ".txt")[0]
    text = seed.read_text(encoding="utf-8")
    (sources / name).write_text(text + "\nOfficials said 12 people were evacuated on Tuesday.\n", "utf-8")


def test_killed_runs_leave_only_complete_versions(prefect_api: str, tmp_path: Path) -> None:
    sources = copy_seeds(tmp_path / "articles")
    dataset = tmp_path / "dataset"
    environment = client_environment(prefect_api, tmp_path / "client-home")
    logs = tmp_path / "logs"
    command = factlake_command("run", str(sources), "--dataset", str(dataset))

    stages = start(command, environment, logs, "killed-in-stages")
    assert kill_when(stages, holds_lock(dataset, stages)), stages.describe()
    assert check_dataset(dataset) == []
    assert not (dataset / "latest").is_symlink()

    publishing = start(command, environment, logs, "killed-publishing")
    if kill_when(publishing, writes_version(dataset)):
        assert check_dataset(dataset) in ([], ["v1"])
    else:
        assert publishing.process.returncode == 0, publishing.describe()
        assert check_dataset(dataset) == ["v1"]
    # what a crash in the middle of writing a version leaves, whether or not the kill above landed there
    half_written = dataset / f"{dataset_files.TEMP_PREFIX}v7-999999"
    half_written.mkdir()
    shutil.copy(sources / sorted(os.listdir(sources))[0], half_written / "articles.parquet")
    # and in the store: a part cut short before its rename, and a complete part no version lists
    store = dataset / part_store.PARTS_DIR / "articles"
    store.mkdir(parents=True, exist_ok=True)
    (store / f"{part_store.TEMP_PREFIX}{'0' * 64}.parquet.999999").write_bytes(b"PAR1 half")
    orphan, _ = part_store.store_part(dataset, "articles", b"a part of a version that never appeared")

    recovered = run_factlake(command[3:], environment, logs, "recovered")
    assert recovered.process.returncode == 0, recovered.describe()
    assert check_dataset(dataset) == ["v1"]
    assert os.readlink(dataset / "latest") == "v1"
    assert leftovers(dataset) == []
    assert not any(path.name.startswith(part_store.TEMP_PREFIX) for path in store.iterdir())

    add_article(sources, "900_new.txt")
    second = start(command, environment, logs, "killed-publishing-v2")
    if kill_when(second, writes_version(dataset)):
        assert check_dataset(dataset) in (["v1"], ["v1", "v2"])
    else:
        assert second.process.returncode == 0, second.describe()
    assert os.readlink(dataset / "latest") in ("v1", "v2")

    final = run_factlake(command[3:], environment, logs, "final")
    assert final.process.returncode == 0, final.describe()
    assert check_dataset(dataset) == ["v1", "v2"]
    assert os.readlink(dataset / "latest") == "v2"
    assert leftovers(dataset) == []
    storage = publish.read_manifest(publish.resolve_version(dataset, 2))["storage"]
    assert 0 < storage["new_parts"] < storage["parts"]  # v2 links v1's unchanged parts
    # gc keeps the parts of both versions and removes only the one no version lists
    result = retention.collect_garbage(dataset, keep=2)
    assert result.removed == [] and result.removed_parts == [f"articles/{orphan.name}"]
    listed = set().union(
        *(part_store.listed_parts(publish.read_manifest(v)) for v in publish.version_dirs(dataset))
    )
    assert set(part_store.stored_parts(dataset)) == listed
    assert check_dataset(dataset) == ["v1", "v2"]


def test_concurrent_runs_one_publishes_the_other_stops_or_waits(prefect_api: str, tmp_path: Path) -> None:
    sources = copy_seeds(tmp_path / "articles")
    dataset = tmp_path / "dataset"
    environment = client_environment(prefect_api, tmp_path / "client-home")
    logs = tmp_path / "logs"
    arguments = ["run", str(sources), "--dataset", str(dataset)]

    # a writer holds the lock: a run without --wait stops at once, a run with --wait publishes later
    with publish.writer_lock(dataset):
        impatient = start(factlake_command(*arguments), environment, logs, "impatient")
        patient = start(factlake_command(*arguments, "--wait", "600"), environment, logs, "patient")
        assert impatient.wait() == 1, impatient.describe()
        assert impatient.stderr().strip().splitlines()[-1].startswith(f"error: {LOCK_MESSAGE}")
        assert check_dataset(dataset) == []
        assert patient.process.poll() is None, patient.describe()
    assert patient.wait() == 0, patient.describe()
    assert check_dataset(dataset) == ["v1"]

    # two runs started at once: exactly one publishes v2; the other finds the lock taken (or, when it
    # arrives after the first has finished, nothing new)
    add_article(sources, "900_new.txt")
    racers = [start(factlake_command(*arguments), environment, logs, f"racer-{index}") for index in (1, 2)]
    codes = [racer.wait() for racer in racers]
    published = [racer for racer in racers if "published:" in racer.stdout()]
    assert len(published) == 1, [racer.describe() for racer in racers]
    other = next(racer for racer in racers if racer is not published[0])
    assert published[0].process.returncode == 0
    if other.process.returncode == 1:
        assert other.stderr().strip().splitlines()[-1].startswith(f"error: {LOCK_MESSAGE}"), other.describe()
    else:
        assert other.process.returncode == 0 and "up to date" in other.stdout(), other.describe()
    assert sorted(codes) in ([0, 1], [0, 0])
    assert check_dataset(dataset) == ["v1", "v2"]
    assert os.readlink(dataset / "latest") == "v2"
    assert leftovers(dataset) == []
