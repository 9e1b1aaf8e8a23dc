"""Test-session settings and shared fixtures.

The embedded Prefect defaults are the command line's; the spaCy pipeline and the reference data are
loaded once per test session, the way the product loads them.
"""

from typing import Any

import pytest

from factlake.config import DEFAULT_REFERENCE_DIR, ExtractConfig
from factlake.extract import build_nlp
from factlake.reference import Reference, load_reference
from factlake.runner import prefect_defaults

prefect_defaults()


@pytest.fixture(scope="session")
def nlp() -> Any:
    """The spaCy pipeline as extraction runs it."""
    return build_nlp(ExtractConfig())


@pytest.fixture(scope="session")
def reference() -> Reference:
    """The project's reference data."""
    return load_reference(DEFAULT_REFERENCE_DIR)
