"""The Prefect UI that ``factlake serve`` advertises, opened in headless Chromium: it reaches its own API,
lists the scheduled runs, and shows the run's artifact with the link to the version's report."""

from __future__ import annotations

import json
import re
import signal
import urllib.request
from pathlib import Path

import pytest

from tests.chromium import console_errors, headless_chromium, require_chromium, save_screenshot
from tests.helpers_process import (
    client_environment,
    copy_seeds,
    factlake_command,
    live_processes_in_group,
    start,
    wait_until,
)
from tests.test_serve import SERVER_LINE, api_post

pytestmark = pytest.mark.slow

PUBLISH_TIMEOUT = 300.0
UI_TIMEOUT = 120.0
#: The UI's own icons that Prefect's server does not ship (404 whatever the configuration).
MISSING_ICONS = re.compile(r"/(favicon\.ico|ico/\S+) - Failed to load resource: .* 404")


def page_text(driver: object) -> str:
    """The visible text of the page ("" while the single-page app replaces the element being read)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except StaleElementReferenceException:
        return ""


def test_the_served_ui_lists_the_runs_and_links_the_report(tmp_path: Path) -> None:
    require_chromium()
    dataset = tmp_path / "dataset"
    arguments = [str(copy_seeds(tmp_path / "articles")), "--dataset", str(dataset)]
    arguments += ["--interval", "30", "--name", "every-30s"]
    environment = client_environment(None, tmp_path / "client-home")
    serve = start(factlake_command("serve", *arguments), environment, tmp_path / "logs", "serve")
    try:
        match = wait_until(
            lambda: SERVER_LINE.search(serve.stderr()) or serve.process.poll() is not None,
            PUBLISH_TIMEOUT,
            interval=0.5,
            what="the embedded Prefect server",
        )
        assert isinstance(match, re.Match), serve.describe()
        ui_url, api_url = match.group(2), match.group(3)
        with urllib.request.urlopen(f"{ui_url}/ui-settings", timeout=10) as response:
            assert json.loads(response.read())["api_url"] == api_url
        wait_until(
            lambda: (dataset / "latest" / "manifest.json").is_file() or serve.process.poll() is not None,
            PUBLISH_TIMEOUT,
            interval=1,
            what="a scheduled run to publish v1",
        )
        assert serve.process.poll() is None, serve.describe()
        run = json.loads((dataset / "latest" / "manifest.json").read_text())["prefect"]
        run_filter = {"artifacts": {"flow_run_id": {"any_": [run["flow_run_id"]]}}}
        # The run posts its artifact after the version is published: wait for it rather than race it.
        artifacts = wait_until(
            lambda: api_post(api_url, "/artifacts/filter", run_filter),
            PUBLISH_TIMEOUT,
            interval=0.5,
            what="the run's artifact",
        )
        assert [artifact["key"] for artifact in artifacts] == ["factlake-run"]

        with headless_chromium(height=1700) as driver:
            driver.get(f"{ui_url}/runs")
            wait_until(
                lambda: run["flow_run_name"] in page_text(driver) and "Scheduled" in page_text(driver),
                UI_TIMEOUT,
                interval=1,
                what=f"the runs page to list {run['flow_run_name']} and a scheduled run",
            )
            save_screenshot(driver, "prefect-ui-runs", full_page=False)
            assert "Can't connect" not in page_text(driver)
            assert "every-30s" in page_text(driver)

            driver.get(f"{ui_url}/artifacts/artifact/{artifacts[0]['id']}")
            wait_until(lambda: "Report:" in page_text(driver), UI_TIMEOUT, interval=1, what="the artifact")
            save_screenshot(driver, "prefect-ui-run-artifact", full_page=False)
            from selenium.webdriver.common.by import By

            report_links = [
                link
                for link in driver.find_elements(By.TAG_NAME, "a")
                if (link.get_attribute("href") or "").endswith("/v1/report.html")
            ]
            assert report_links and report_links[0].is_displayed()
            assert (
                report_links[0].get_attribute("href") == (dataset / "v1" / "report.html").resolve().as_uri()
            )
            errors = [message for message in console_errors(driver) if not MISSING_ICONS.search(message)]
            assert errors == []
    finally:
        serve.process.send_signal(signal.SIGTERM)
        serve.wait(timeout=120)
    wait_until(lambda: not live_processes_in_group(serve.pid), 60, what="the serve process group to end")
