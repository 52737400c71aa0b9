"""Multi-process training on jax.distributed: two local processes with two CPU devices each.

The CLI runs are shared by a module-scoped fixture (few, short runs: CI time); the resumed runs
reuse the first runs' compiled programs through the session's compilation cache (conftest.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np
import pytest

import jaxoptim
from jaxoptim import cli, distributed
from jaxoptim.optimizer_base import path_name

HERE = Path(__file__).resolve().parent
CONFIG = HERE.parent / "configs" / "digits_demo.py"
WORKER = HERE / "_dist_worker.py"
ITERS = 42  # two epochs of 21 iterations
MORE = 45  # the resumed runs stop here
_DEVICES_FLAG = "--xla_force_host_platform_device_count"


def _env(devices: int | None = None, **extra) -> dict[str, str]:
    """The test's environment without coordinator variables; ``devices`` host devices."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_COORD", "JAX_NUM_P"))}
    env.pop(distributed.ENV_PROCESS_ID, None)
    env.update(CI="true", JAX_PLATFORMS="cpu", PYTHONPATH=str(HERE.parent), **extra)
    if devices is not None:
        flags = [f for f in env.get("XLA_FLAGS", "").split() if not f.startswith(_DEVICES_FLAG)]
        env["XLA_FLAGS"] = " ".join([*flags, f"{_DEVICES_FLAG}={devices}"])
    return env


def _start(*args, devices: int | None = None) -> subprocess.Popen:
    # CI=true, no stdin, no TTY: how CI and batch schedulers run it
    return subprocess.Popen(
        [sys.executable, "-m", "jaxoptim", *map(str, args)],
        env=_env(devices),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=HERE,
    )


def _finish(proc: subprocess.Popen, timeout: float = 600) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return out


def _log(work_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (work_dir / "log.jsonl").read_text().splitlines()]


def _train(records: list[dict]) -> dict[int, dict]:
    return {r["iter"]: r for r in records if r["mode"] == "train"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``--nproc 2`` (2 devices each) and ``--devices 4`` to ``ITERS`` iterations, then each
    one's checkpoint resumed on the other layout to ``MORE`` iterations."""
    root = tmp_path_factory.mktemp("dist")
    opts = ["--cfg-options", "log_config.interval=1"]
    two, one = root / "nproc2", root / "devices4"
    procs = [
        _start(
            "train",
            CONFIG,
            "--work-dir",
            two,
            "--max-iters",
            ITERS,
            "--nproc",
            2,
            "--devices",
            2,
            *opts,
        ),
        _start(
            "train",
            CONFIG,
            "--work-dir",
            one,
            "--max-iters",
            ITERS,
            "--devices",
            4,
            *opts,
            devices=4,
        ),
    ]
    outs = [_finish(p) for p in procs]
    logs = {"nproc2": _log(two), "devices4": _log(one)}
    two_then_one, one_then_two = root / "nproc2_then_1", root / "devices4_then_nproc2"
    shutil.copytree(two, two_then_one)
    shutil.copytree(one, one_then_two)
    procs = [
        _start(
            "train",
            CONFIG,
            "--work-dir",
            two_then_one,
            "--max-iters",
            MORE,
            "--resume",
            "--devices",
            4,
            *opts,
            devices=4,
        ),
        _start(
            "train",
            CONFIG,
            "--work-dir",
            one_then_two,
            "--max-iters",
            MORE,
            "--resume",
            "--nproc",
            2,
            "--devices",
            2,
            *opts,
        ),
    ]
    outs += [_finish(p) for p in procs]
    logs["nproc2_then_1"] = _log(two_then_one)[len(logs["nproc2"]) :]
    logs["devices4_then_nproc2"] = _log(one_then_two)[len(logs["devices4"]) :]
    return {"root": root, "stdout": outs, "logs": logs}


# the tests that read the shared runs go to one xdist worker (--dist loadgroup): one setup
@pytest.mark.xdist_group("distributed_runs")
def test_nproc_2_trains_as_4_devices_in_one_process(runs):
    two, one = _train(runs["logs"]["nproc2"]), _train(runs["logs"]["devices4"])
    # process 0 alone logs: every iteration once
    assert sorted(two) == list(range(1, ITERS + 1)) == sorted(one)
    np.testing.assert_allclose(
        [two[i]["loss"] for i in range(1, 31)], [one[i]["loss"] for i in range(1, 31)], rtol=1e-5
    )
    np.testing.assert_allclose(
        [two[i]["lr"] for i in range(1, ITERS + 1)], [one[i]["lr"] for i in range(1, ITERS + 1)]
    )
    val_two = [r for r in runs["logs"]["nproc2"] if r["mode"] == "val"]
    val_one = [r for r in runs["logs"]["devices4"] if r["mode"] == "val"]
    assert [r["iter"] for r in val_two] == [21, 42] == [r["iter"] for r in val_one]
    assert abs(val_two[-1]["accuracy"] - val_one[-1]["accuracy"]) <= 0.01
    assert val_two[-1]["accuracy"] > 0.85  # it learned
    assert f"trained {ITERS} iterations" in runs["stdout"][0]
    assert runs["stdout"][0].count("trained") == 1  # one process prints the summary
    run = json.loads((runs["root"] / "nproc2" / "run.json").read_text())
    assert run["seed"] == 0


@pytest.mark.xdist_group("distributed_runs")
def test_checkpoints_resume_across_process_counts(runs):
    """A two-process checkpoint resumes in one process, and a one-process one under --nproc 2,
    each continuing from iteration ``ITERS`` (the step counter, the schedule, the data order)."""
    to_one = _train(runs["logs"]["nproc2_then_1"])
    to_two = _train(runs["logs"]["devices4_then_nproc2"])
    assert sorted(to_one) == sorted(to_two) == list(range(ITERS + 1, MORE + 1))
    base = _train(runs["logs"]["devices4"])
    assert to_one[ITERS + 1]["lr"] == pytest.approx(base[ITERS]["lr"], rel=1e-6)  # lr step is later
    # both started from ITERS-iteration states that agree up to the drift of the runs themselves
    np.testing.assert_allclose(
        [to_one[i]["loss"] for i in sorted(to_one)],
        [to_two[i]["loss"] for i in sorted(to_two)],
        rtol=1e-3,
    )
    assert f"trained {MORE} iterations" in runs["stdout"][2]
    assert f"trained {MORE} iterations" in runs["stdout"][3]
    for name in ("nproc2_then_1", "devices4_then_nproc2"):
        assert jaxoptim.latest_step(runs["root"] / name / "checkpoints") == MORE


def test_library_step_on_two_processes_equals_one_process(tmp_path):
    """make_train_step over both processes' devices: AMP dynamic loss scaling, clipping and a
    ZeRO-1 AdamW. The inf in process 1's rows skips step 2 on both processes and halves the
    scale; the parameters equal a one-process run on four devices; the checkpoint that both
    processes wrote restores in this one-device process."""
    two, one = tmp_path / "two", tmp_path / "one"
    two.mkdir(), one.mkdir()
    reference = subprocess.Popen(
        [sys.executable, str(WORKER), str(one), "4"], env=_env(4), stdin=subprocess.DEVNULL
    )
    code = distributed.launch_local(
        [str(WORKER), str(two), "2"], 2, devices=2, command=[sys.executable], env=_env()
    )
    assert code == 0
    assert reference.wait(timeout=600) == 0
    ref = np.load(one / "result0.npz")
    assert int(ref["processes"]) == 1
    results = [np.load(two / f"result{p}.npz") for p in (0, 1)]
    for res in results:
        assert int(res["processes"]) == 2
        np.testing.assert_array_equal(res["skipped"], [False, False, True, False, False])
        np.testing.assert_array_equal(res["loss_scale"], [65536.0] * 3 + [32768.0] * 2)
        assert np.isnan(res["loss"][2]) and np.isfinite(np.delete(res["loss"], 2)).all()
        assert bool(res["moments_split"])  # ZeRO-1 over all 4 devices of both processes
        np.testing.assert_allclose(res["loss"], ref["loss"], rtol=1e-5)
        for key in ref.files:
            if key.startswith("params/"):
                np.testing.assert_allclose(res[key], ref[key], rtol=1e-5, atol=1e-7, err_msg=key)
    assert bool(ref["moments_split"])

    sys.path.insert(0, str(HERE))
    try:
        import _dist_worker as worker
    finally:
        sys.path.remove(str(HERE))
    tx = jaxoptim.make_optimizer(worker.CONFIG)
    target = jaxoptim.TrainState.create(params=worker.init_params(), tx=tx)
    restored = jaxoptim.restore_checkpoint(two / "checkpoints", target)
    assert int(restored.step) == worker.STEPS
    assert float(jaxoptim.current_loss_scale(restored.opt_state)) == 32768.0
    for path, leaf in jax.tree_util.tree_flatten_with_path(restored.params)[0]:
        np.testing.assert_array_equal(np.asarray(leaf), results[0][f"params/{path_name(path)}"])


def _children(pid: int) -> dict[int, int]:
    """``{JAX_PROCESS_ID: pid}`` of the launcher's worker processes (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            env = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            for item in env:
                if item.startswith(b"JAX_PROCESS_ID="):
                    found[int(item.split(b"=", 1)[1])] = int(entry.name)
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_a_killed_worker_ends_the_run_with_an_error_naming_it(tmp_path):
    work_dir = tmp_path / "run"
    launcher = _start(
        "train",
        CONFIG,
        "--work-dir",
        work_dir,
        "--nproc",
        2,
        "--devices",
        1,
        "--cfg-options",
        "log_config.interval=1",
    )
    try:
        deadline = time.monotonic() + 300
        while not (work_dir / "log.jsonl").exists() or not (work_dir / "log.jsonl").read_text():
            assert launcher.poll() is None, launcher.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the run never logged"
            time.sleep(0.2)
        workers = _children(launcher.pid)
        assert sorted(workers) == [0, 1]
        os.kill(workers[1], signal.SIGKILL)
        killed = time.monotonic()
        _, err = launcher.communicate(timeout=60)
        assert time.monotonic() - killed < 30
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert launcher.returncode == 1
    assert f"worker 1 of 2 (pid {workers[1]}) was killed by SIGKILL" in err
    assert not Path(f"/proc/{workers[0]}").exists()  # the other worker was ended too


def test_bad_nproc_and_nproc_under_a_launcher_are_usage_errors(capsys, monkeypatch):
    assert cli.main(["train", str(CONFIG), "--nproc", "0"]) == 2
    assert "--nproc must be a positive int, got 0" in capsys.readouterr().err
    monkeypatch.setenv(distributed.ENV_ADDRESS, "localhost:1234")
    assert cli.main(["train", str(CONFIG), "--nproc", "2"]) == 2
    assert "already one of a multi-process run" in capsys.readouterr().err


def test_initialize_reads_the_environment(monkeypatch):
    for name in (
        distributed.ENV_ADDRESS,
        distributed.ENV_NUM_PROCESSES,
        "SLURM_JOB_ID",
        "OMPI_COMM_WORLD_SIZE",
        distributed.ENV_PROCESS_ID,
    ):
        monkeypatch.delenv(name, raising=False)
    assert distributed.initialize() is False  # nothing names other processes: one process
    assert not distributed.external_launch({"SLURM_JOB_ID": "7", "SLURM_NTASKS": "1"})
    assert distributed.external_launch({"SLURM_JOB_ID": "7", "SLURM_NTASKS": "2"})
    assert distributed.external_launch({"OMPI_COMM_WORLD_SIZE": "4"})
    with pytest.raises(ValueError, match="OMPI_COMM_WORLD_SIZE='x' is not an int"):
        distributed.external_launch({"OMPI_COMM_WORLD_SIZE": "x"})
    monkeypatch.setenv(distributed.ENV_ADDRESS, "localhost:1234")
    with pytest.raises(ValueError, match="set JAX_NUM_PROCESSES and JAX_PROCESS_ID"):
        distributed.initialize()
    monkeypatch.setenv(distributed.ENV_NUM_PROCESSES, "2")
    monkeypatch.setenv(distributed.ENV_PROCESS_ID, "2")
    with pytest.raises(ValueError, match=r"process_id must be in \[0, 2\) .* got 2"):
        distributed.initialize()
    env = distributed.worker_env(1, 2, 4321, 3, env={"XLA_FLAGS": f"{_DEVICES_FLAG}=8 --foo"})
    assert env["XLA_FLAGS"] == f"--foo {_DEVICES_FLAG}=3"
    assert (env["JAX_COORDINATOR_ADDRESS"], env["JAX_NUM_PROCESSES"], env["JAX_PROCESS_ID"]) == (
        "localhost:4321",
        "2",
        "1",
    )
