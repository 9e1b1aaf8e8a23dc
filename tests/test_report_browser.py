"""The seed dataset's report as a person sees it: opened in headless Chromium, with a screenshot artifact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from factlake.publish import REPORT_FILE
from tests.chromium import console_errors, headless_chromium, require_chromium, save_screenshot
from tests.helpers_process import client_environment, copy_seeds, run_factlake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_chromium()
    root = tmp_path_factory.mktemp("seed-report")
    dataset = root / "news"
    arguments = ["run", str(copy_seeds(root / "articles")), "--dataset", str(dataset)]
    child = run_factlake(arguments, client_environment(None, root / "home"), root / "logs", "run")
    assert child.process.returncode == 0, child.describe()
    return dataset / "latest" / REPORT_FILE


def test_the_seed_report_opens_without_errors_and_shows_the_conflict_and_the_putin_quote(
    seed_report: Path,
) -> None:
    from selenium.webdriver.common.by import By

    with headless_chromium() as driver:
        driver.get(seed_report.resolve().as_uri())
        save_screenshot(driver, "seed-report")
        assert console_errors(driver) == []
        assert driver.title == "factlake v1 report"
        # .text is what is rendered visibly, not what the source holds
        conflicts = driver.find_element(By.ID, "conflicts")
        values = [element.text for element in conflicts.find_elements(By.CSS_SELECTOR, ".side .value")]
        assert {"221", "286"} <= set(values), conflicts.text
        rows = driver.find_element(By.ID, "corroborated").find_elements(By.CSS_SELECTOR, "tr")
        putin = [
            row.text for row in rows if "Vladimir Putin" in row.text and "very good atmosphere" in row.text
        ]
        assert putin, driver.find_element(By.ID, "corroborated").text
        assert re.search(r"\bquote 3\b", putin[0]), putin  # three articles report it
        # its link leads to three evidence sentences with the quote highlighted
        link = next(row.find_element(By.TAG_NAME, "a") for row in rows if "very good atmosphere" in row.text)
        evidence = driver.find_element(By.ID, link.get_attribute("href").split("#", 1)[1])
        assert len(evidence.find_elements(By.CSS_SELECTOR, "li mark")) == 3
        assert all(mark.is_displayed() for mark in evidence.find_elements(By.CSS_SELECTOR, "li mark"))
