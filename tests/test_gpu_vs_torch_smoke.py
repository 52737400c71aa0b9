"""benchmarks/gpu_vs_torch.py runs end to end on the CPU at toy sizes and always prints a summary.

The full smoke run compiles four small ResNet-18 train steps on the CPU (5-6 minutes on a busy
2-core machine): marked ``slow``, and skipped when
``JAXOPTIM_SKIP_GPU_SMOKE=1``. The cut-short test (budget, SIGTERM) takes about 20 s.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "gpu_vs_torch.py"
SKIP = pytest.mark.skipif(
    os.environ.get("JAXOPTIM_SKIP_GPU_SMOKE") == "1", reason="JAXOPTIM_SKIP_GPU_SMOKE=1"
)


def _env(compilation_cache: bool = True) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    if not compilation_cache:  # (the session's, tests/conftest.py) a cached step compiles fast
        env.pop("JAX_COMPILATION_CACHE_DIR", None)
    return env


def _summary(stdout: str) -> str:
    marker = "==== summary (paste into benchmarks/RESULTS.md)"
    assert marker in stdout, stdout[-3000:]
    return stdout.split(marker, 1)[1]


def _number(summary: str, row_start: str) -> float:
    """The first number after ``row_start`` in a Markdown table row of the summary."""
    line = next(ln for ln in summary.splitlines() if ln.startswith(row_start))
    return float(re.match(r"\s*(-?[0-9.]+) \|", line[len(row_start) :]).group(1))


@pytest.mark.slow
@SKIP
def test_tiny_cpu_run_reports_every_section(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--device", "cpu", "--tiny", "--budget-s", "900"],
        env=dict(_env(), OUT=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=960,
    )
    summary = _summary(proc.stdout)
    assert "ERROR" not in summary and "SKIPPED" not in summary and "CUT SHORT" not in summary
    assert "all sections ended" in summary
    # every candidate of every section has a time and a rate
    for section, names, unit in [
        ("bf16 step", ["optax bf16", "jaxoptim bf16", "torch bf16"], "img/s"),
        ("fp16 step", ["optax fp16", "jaxoptim fp16", "jaxoptim bf16", "torch fp16"], "img/s"),
        ("copy", ["jax x + 1", "torch copy_"], "GB/s"),
        ("update ResNet-18", ["jaxoptim AdamW", "optax.adamw", "torch AdamW fused"], "GB/s"),
        ("update ViT-tiny", ["jaxoptim AdamW", "optax.adamw", "torch AdamW fused"], "GB/s"),
    ]:
        for name in names:
            row = f"| {section} | {name} |"
            assert _number(summary, row) > 0, row
            line = next(ln for ln in summary.splitlines() if ln.startswith(row))
            assert re.search(rf"\| [0-9.]+ {unit} \|", line), line
    # every target row carries a number
    for target in [
        "| jaxoptim bf16 img/s / torch AMP bf16 img/s >= 1 |",
        "| jaxoptim bf16 (clip) / optax bf16 step <= 1.03 |",
        "| jaxoptim fp16 img/s / torch AMP fp16 img/s >= 1 |",
        "| jaxoptim fp16 (dynamic scale + clip) / optax fp16 step <= 1.03 |",
        "| jaxoptim fp16 / jaxoptim bf16 step <= 1.03 |",
        "| update ResNet-18: jaxoptim AdamW GB/s / copy GB/s >= 0.80 |",
        "| update ViT-tiny: jaxoptim AdamW / torch fused AdamW time <= 1 |",
    ]:
        assert _number(summary, target) > 0, target
    # the same param groups (ResNet-18: 20 conv + fc kernels decay; 40 norm leaves + fc bias not)
    assert "jaxoptim explain {'decay': (21, 11172032), 'no decay': (41, 9610)}" in summary
    assert "PASS" in summary and "FAIL" not in summary
    assert "compilations at first calls 0, while timed 0, final losses finite: True" in summary
    assert (tmp_path / "gpu_vs_torch.md").read_text().strip() in summary
    assert proc.returncode == 0  # a missed target is reported, not an error


@SKIP
def test_summary_on_sigterm_and_at_the_budget():
    # at the budget: the first section is still compiling, the summary says so at once
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--device", "cpu", "--tiny", "--budget-s", "10"],
        env=_env(compilation_cache=False),
        capture_output=True,
        text=True,
        timeout=120,
    )
    summary = _summary(proc.stdout)
    # (on a very slow start the budget is spent before the first section: it is skipped)
    cut = "CUT SHORT at --budget-s 10" in summary and "'bf16 step'" in summary
    assert cut or "SKIPPED bf16 step" in summary, summary
    assert proc.returncode == 1
    # on SIGTERM (as `timeout` sends it) while a section runs
    child = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--device", "cpu", "--tiny", "--budget-s", "300"],
        env=_env(compilation_cache=False),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.perf_counter() + 90
        line = ""
        while "== bf16 step" not in line and time.perf_counter() < deadline:
            line = child.stdout.readline()
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert "CUT SHORT on SIGTERM" in _summary(out)
    assert child.returncode == 1
    assert time.perf_counter() - t0 < 200
