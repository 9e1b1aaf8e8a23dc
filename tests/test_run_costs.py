"""The fixed costs of a run that do no work for its output."""

from __future__ import annotations

from prefect import Task
from prefect.cache_policies import NO_CACHE

import factlake.flow


def test_no_task_of_the_flow_hashes_its_inputs_for_a_cache_key() -> None:
    """Prefect's default cache policy hashes a task's inputs (cloudpickling the whole tables for validate
    and publish) for a cache key nothing reads: results are neither cached nor persisted."""
    tasks = {name: value for name, value in vars(factlake.flow).items() if isinstance(value, Task)}
    assert {"discover_task", "parse_task", "extract_task", "validate_task", "publish_task"} <= set(tasks)
    assert {name: task.cache_policy for name, task in tasks.items()} == dict.fromkeys(tasks, NO_CACHE)
