"""``factlake serve`` on a real Prefect server: scheduled runs publish; the embedded server comes and goes.

Also the pure parts of serving: the configuration as a flow parameter, the pinned flow and the deployment.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from prefect.exceptions import ParameterTypeError
from pydantic import ValidationError

from factlake.config import DEFAULT_SOURCE, FactlakeConfig
from factlake.errors import RunError
from factlake.publish import read_table, resolve_version
from factlake.serve import build_deployment, pinned_build
from tests.helpers_process import (
    api_call,
    check_dataset,
    client_environment,
    copy_seeds,
    factlake_command,
    live_processes_in_group,
    prefect_server,
    process_is_alive,
    start,
    wait_until,
)

PUBLISH_TIMEOUT = 240.0
SERVER_TIMEOUT = 180.0
SERVER_LINE = re.compile(r"Prefect server \(pid (\d+)\) at (http://\S+); API (http://\S+)")


def api_post(api_url: str, path: str, body: dict[str, Any]) -> Any:
    return api_call(api_url, path, body)


def completed_runs(api_url: str, deployment_name: str) -> list[dict[str, Any]]:
    return api_post(
        api_url,
        "/flow_runs/filter",
        {
            "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
            "deployments": {"name": {"any_": [deployment_name]}},
        },
    )


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from prefect_server(tmp_path_factory.mktemp("prefect-server"))


def test_the_configuration_is_built_and_checked_from_json_values() -> None:
    """What made a hand-written JSON converter necessary: the configuration now validates itself, and
    the flow has Prefect validate its parameter with it."""
    from factlake.flow import build_dataset

    config = FactlakeConfig(sources=["/data/a"], dataset="/data/out", run={"lock_timeout": 3})
    assert config.sources == (Path("/data/a"),) and config.dataset == Path("/data/out")
    assert config.run.lock_timeout == 3.0 and config.parse == FactlakeConfig().parse
    with pytest.raises(ValidationError, match="colour"):
        FactlakeConfig(run={"colour": "red"})
    assert build_dataset.should_validate_parameters
    parameters = build_dataset.validate_parameters(
        {"config": {"sources": ["/data/a"], "dataset": "/data/out"}}
    )
    assert parameters["config"] == replace(
        FactlakeConfig(), sources=(Path("/data/a"),), dataset=Path("/data/out")
    )
    with pytest.raises(ParameterTypeError, match="colour"):
        build_dataset.validate_parameters({"config": {"run": {"colour": "red"}}})


def test_a_served_flow_refuses_parameters_other_than_its_own(tmp_path: Path) -> None:
    served = replace(FactlakeConfig(), sources=(tmp_path / "articles",), dataset=tmp_path / "news")
    scheduled_build = pinned_build(served, "nightly")
    other_sources = replace(served, sources=(tmp_path / "articles", Path("/etc")))
    other_dataset = replace(served, dataset=tmp_path / "elsewhere")
    other_reference = replace(served, reference_dir=tmp_path)
    for config in (other_sources, other_dataset, other_reference):
        with pytest.raises(RunError, match="refused"):
            scheduled_build.fn(config=config, deployment_name="nightly")
    with pytest.raises(RunError, match="refused"):
        scheduled_build.fn(config=served, deployment_name="hourly")
    assert not (tmp_path / "news").exists() and not (tmp_path / "elsewhere").exists()


def test_deployment_carries_schedule_name_and_json_parameters() -> None:
    deployment = build_deployment(FactlakeConfig(), "nightly", cron="0 3 * * *")
    assert deployment.name == "nightly"
    assert deployment.schedules[0].schedule.cron == "0 3 * * *"
    assert deployment.parameters["deployment_name"] == "nightly"
    assert deployment.model_dump(mode="json")["parameters"]["config"]["sources"] == [str(DEFAULT_SOURCE)]
    with pytest.raises(RunError, match="exactly one schedule"):
        build_deployment(FactlakeConfig(), "nightly")
    with pytest.raises(RunError, match="exactly one schedule"):
        build_deployment(FactlakeConfig(), "nightly", cron="0 3 * * *", interval=60)
    with pytest.raises(RunError, match="bad schedule"):
        build_deployment(FactlakeConfig(), "nightly", cron="every night")


@pytest.mark.slow
def test_scheduled_runs_publish_once_on_a_prefect_server(prefect_api: str, tmp_path: Path) -> None:
    sources = copy_seeds(tmp_path / "articles")
    dataset = tmp_path / "dataset"
    environment = client_environment(prefect_api, tmp_path / "client-home")
    arguments = [str(sources), "--dataset", str(dataset), "--interval", "5", "--name", "every-5s"]
    server = start(factlake_command("serve", *arguments), environment, tmp_path / "logs", "serve")
    try:
        wait_until(
            lambda: (dataset / "latest" / "manifest.json").is_file() or server.process.poll() is not None,
            PUBLISH_TIMEOUT,
            interval=1,
            what="a scheduled run to publish v1",
        )
        assert server.process.poll() is None, server.describe()
        manifest = json.loads((dataset / "latest" / "manifest.json").read_text())
        assert manifest["version"] == 1
        assert manifest["prefect"]["flow_run_id"]
        assert manifest["prefect"]["deployment"]
        assert manifest["prefect"]["deployment_name"] == "every-5s"
        # a later scheduled run finds nothing new and publishes nothing
        wait_until(
            lambda: len(completed_runs(prefect_api, "every-5s")) >= 2,
            PUBLISH_TIMEOUT,
            interval=1,
            what="a second completed scheduled run",
        )
        assert check_dataset(dataset) == ["v1"]
        assert manifest["prefect"]["flow_run_id"] in {
            run["id"] for run in completed_runs(prefect_api, "every-5s")
        }
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
    wait_until(lambda: not live_processes_in_group(server.pid), 60, what="the serve process group to end")


def api_get(api_url: str, path: str) -> Any:
    return api_call(api_url, path)


def finished_state(api_url: str, flow_run_id: str) -> dict[str, Any]:
    """The final state of a flow run, once it has one."""
    terminal = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
    return wait_until(
        lambda: (
            (state := api_get(api_url, f"/flow_runs/{flow_run_id}")["state"])["type"] in terminal and state
        ),
        PUBLISH_TIMEOUT,
        interval=1,
        what=f"flow run {flow_run_id} to finish",
    )


@pytest.mark.slow
def test_a_run_with_other_folders_is_refused_and_reads_nothing(prefect_api: str, tmp_path: Path) -> None:
    """Anyone who reaches the Prefect API can start a run of a deployment with parameters of their own;
    the served deployment builds its configured sources into its dataset and nothing else."""
    sources = copy_seeds(tmp_path / "articles")
    private = tmp_path / "private"
    private.mkdir()
    secret = "Secret memo\n\nThe board met on Monday in secret.\n"
    (private / "secret.txt").write_text(secret, encoding="utf-8")
    dataset, stolen = tmp_path / "dataset", tmp_path / "stolen"
    environment = client_environment(prefect_api, tmp_path / "client-home")
    arguments = [str(sources), "--dataset", str(dataset), "--cron", "0 0 1 1 *", "--name", "pinned"]
    serve = start(factlake_command("serve", *arguments), environment, tmp_path / "logs", "serve")
    try:
        by_name = {"deployments": {"name": {"any_": ["pinned"]}}}
        deployments = wait_until(
            lambda: api_post(prefect_api, "/deployments/filter", by_name),
            SERVER_TIMEOUT,
            interval=0.5,
            what="the deployment to be registered",
        )
        start_run = f"/deployments/{deployments[0]['id']}/create_flow_run"
        other_folders = {"sources": [str(private)], "dataset": str(stolen)}
        override = {"parameters": {"config": other_folders, "deployment_name": "pinned"}}
        refused = finished_state(prefect_api, api_post(prefect_api, start_run, override)["id"])
        assert refused["type"] == "FAILED", refused
        assert "refused" in refused["message"]
        assert not stolen.exists() and not dataset.exists()
        assert serve.process.poll() is None, serve.describe()
        # the deployment's own parameters still build
        built = finished_state(prefect_api, api_post(prefect_api, start_run, {})["id"])
        assert built["type"] == "COMPLETED", built
        manifest = json.loads((dataset / "latest" / "manifest.json").read_text())
        assert manifest["sources"] == [sources.name]  # a label, never the machine's path
        inputs = read_table(resolve_version(dataset, None), "inputs")
        assert not any("secret" in uri for uri in inputs["source_uri"])
    finally:
        serve.process.send_signal(signal.SIGTERM)
        serve.wait(timeout=120)
    assert not stolen.exists()
    wait_until(lambda: not live_processes_in_group(serve.pid), 60, what="the serve process group to end")


@pytest.mark.slow
def test_serve_without_an_api_starts_and_stops_its_own_server(tmp_path: Path) -> None:
    dataset = tmp_path / "dataset"
    environment = client_environment(None, tmp_path / "client-home")
    arguments = [str(copy_seeds(tmp_path / "articles")), "--dataset", str(dataset)]
    arguments += ["--cron", "0 0 1 1 *", "--name", "yearly"]
    serve = start(factlake_command("serve", *arguments), environment, tmp_path / "logs", "serve")
    try:
        match = wait_until(
            lambda: (
                re.search(r"Prefect server \(pid (\d+)\) at (http://\S+); API (http://\S+)", serve.stderr())
                or serve.process.poll() is not None
            ),
            SERVER_TIMEOUT,
            interval=0.5,
            what="the embedded Prefect server",
        )
        assert isinstance(match, re.Match), serve.describe()
        server_pid, api_url = int(match.group(1)), match.group(3)
        assert process_is_alive(server_pid)
        assert (dataset / ".prefect" / "prefect.db").is_file()
        deployments = wait_until(
            lambda: api_post(api_url, "/deployments/filter", {"deployments": {"name": {"any_": ["yearly"]}}}),
            60,
            interval=0.5,
            what="the deployment to be registered",
        )
        assert deployments[0]["name"] == "yearly"
    finally:
        serve.process.send_signal(signal.SIGTERM)
        code = serve.wait(timeout=120)
    assert code == 0, serve.describe()
    assert not process_is_alive(server_pid)
    assert "stopped the local Prefect server" in serve.stderr()
    wait_until(lambda: not live_processes_in_group(serve.pid), 60, what="the serve process group to end")


SWALLOWED_SIGTERM_SCRIPT = """
import os, signal, sys, time, weakref
from factlake.serve import ExitOnSigterm

class Served:
    pass

def terminate_inside_callback(reference):
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(100_000):
        pass

with ExitOnSigterm(repeat_seconds=REPEAT) as sigterm:
    try:
        served = Served()
        reference = weakref.ref(served, terminate_inside_callback)
        del served
        print("the first SIGTERM was swallowed", flush=True)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            time.sleep(0.05)
        print("still serving", flush=True)
        sys.exit(3)
    finally:
        sigterm.disarm()
        print("left through finally", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize(("repeat_seconds", "expected_code"), [(0.2, 0), (3600.0, 3)])
def test_a_sigterm_lost_inside_a_weakref_callback_is_delivered_again(
    tmp_path: Path, repeat_seconds: float, expected_code: int
) -> None:
    """The CI failure of 'serve' ignoring SIGTERM: the handler ran inside a weakref callback, where its
    SystemExit was printed and dropped. The guard delivers the signal again until serving ends; with the
    repetition out of reach (an hour) the same script serves on, which shows the scenario is real."""
    script = SWALLOWED_SIGTERM_SCRIPT.replace("REPEAT", repr(repeat_seconds))
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert "the first SIGTERM was swallowed" in completed.stdout
    assert "Exception ignored" in completed.stderr
    assert completed.returncode == expected_code, completed.stderr
    assert "left through finally" in completed.stdout
    assert ("still serving" in completed.stdout) == (expected_code != 0)
