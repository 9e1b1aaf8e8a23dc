"""Test-session settings: the same embedded Prefect defaults as the command line."""

from factlake.runner import prefect_defaults

prefect_defaults()
