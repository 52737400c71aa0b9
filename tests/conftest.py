"""Session-wide test setup: a compilation cache shared by every process, the long tests first.

Many tests train the same small configs (``python -m jaxoptim train`` and worker scripts in
subprocesses, ``cli.train`` in the test processes), each process compiling the same train and
eval steps again. A compilation cache shared by the whole session (the pytest process, its
xdist workers, which inherit the environment, and every subprocess they start) compiles each
program once. It is a fresh directory per session, removed at the end: nothing is reused
between sessions. A ``JAX_COMPILATION_CACHE_DIR`` already set is left as it is.

The longest tests are collected first, so that under ``pytest -n 2 --dist loadgroup``
(scripts/test.sh) they start at once on both workers and the short ones fill in after them,
rather than one long test running alone at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_CACHE_ENV = {
    # cache every program: the small ones are most of a CLI run's compile time
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
}


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):  # set by the user, or by the xdist controller
        return
    path = tempfile.mkdtemp(prefix="jaxoptim-test-xla-cache-")
    os.environ.update(JAX_COMPILATION_CACHE_DIR=path, **_CACHE_ENV)
    config.stash[_CACHE_KEY] = path


def pytest_unconfigure(config: pytest.Config) -> None:
    path = config.stash.get(_CACHE_KEY, None)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


_CACHE_KEY = pytest.StashKey[str]()

# The longest tests and modules (about 10 s of CPU time or more each on a 2-core machine), the
# longest first: ``file.py::test_name`` prefixes of ``file.py::test_name[params]``.
LONGEST = (
    "test_gpu_vs_torch_smoke.py::test_tiny_cpu_run_reports_every_section",
    "test_distributed.py::",
    "test_cli.py::test_train_resume_continues_exactly",
    "test_cli.py::test_train_runs_data_parallel_over_every_local_device",
    "test_nnx.py::test_nnx_batchnorm_dropout_float16_accumulation_resume_is_bitwise",
    "test_configs.py::test_demo_reaches_95_percent",
    "test_gpu_vs_torch_smoke.py::",
    "test_train_step.py::test_zero_redundancy_step_keeps_params_replicated_and_compiles_once",
    "test_adversarial_nonfinite.py::test_random_bad_batches_never_reach_the_parameters",
    "test_unused_property.py::",
    "test_configs.py::test_precision_key_sets_the_compute_dtype",
    "test_cli.py::test_bad_config_prints_one_line_and_debug_shows_the_traceback",
    "test_cli.py::test_tensorboard_event_files_hold_the_logged_scalars",
    "test_cli.py::test_nnx_model_resumes_exactly_with_its_state",
    "test_param_scheduler_mmengine.py::test_random_mixed_chains_match_mmengine",
    "test_train_step.py::test_eight_device_step_equals_single_device_and_skips_everywhere",
    "test_checkpoint.py::test_sigkill_at_random_moments_then_resume_matches_uninterrupted_run",
)


def _rank(item: pytest.Item) -> int:
    name = f"{item.path.name}::{item.name}"
    return next((i for i, p in enumerate(LONGEST) if name.startswith(p)), len(LONGEST))


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own hook
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: the rest keep their order
    if getattr(config.option, "loadgroup", False):
        _name_the_groups(items)


def _name_the_groups(items: list[pytest.Item]) -> None:
    """``--dist loadgroup``: the ``xdist_group`` name ends the node id, as pytest-xdist does it.

    pytest-xdist (3.8) writes it to ``item._nodeid``, which pytest 9 no longer reads (the id is
    ``item._id``): without this, the tests of a group are spread over the workers, each of them
    setting up the module fixture that the group shares.
    """
    for item in items:
        marks = item.iter_markers("xdist_group")
        names = sorted(
            {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks}
        )
        if names and "@" not in item.nodeid and hasattr(item, "_id"):
            item._id = type(item._id).parse(f"{item.nodeid}@{'_'.join(names)}")
