"""Headless Chromium for the tests that look at pages as a person would (the report, the Prefect UI).

Drives the system's Chromium (Debian's ``chromium`` and ``chromium-driver`` packages, which ``.ci/run``
installs when they are missing) through Selenium with explicit paths, so nothing is downloaded. Screenshots
go to ``test-artifacts/`` at the project root (ignored by git), where a person can open them after a run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
MAX_SCREENSHOT_HEIGHT = 12000


def _executables() -> tuple[str, str] | None:
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def require_chromium() -> tuple[str, str]:
    """Paths of the browser and its driver; skip the test without them (fail in CI, which installs them)."""
    found = _executables()
    if found is None:
        message = "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@contextlib.contextmanager
def headless_chromium(width: int = 1280, height: int = 1000) -> Iterator[object]:
    """A Selenium driver of headless Chromium that records the browser console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: object) -> list[str]:
    """Messages the page logged at error level (console errors, failed loads) since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def save_screenshot(driver: object, name: str, full_page: bool = True) -> Path:
    """Save a PNG of the page (its whole height, up to a limit) under ``test-artifacts/``."""
    ARTIFACTS.mkdir(exist_ok=True)
    if full_page:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        width = driver.execute_script("return document.documentElement.scrollWidth")
        driver.set_window_size(max(1280, width), min(max(800, height + 120), MAX_SCREENSHOT_HEIGHT))
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
