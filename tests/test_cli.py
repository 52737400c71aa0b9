"""The ``jaxoptim`` command line: every command as a subprocess, resume, and the error lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

import jaxoptim
from jaxoptim import cli

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
LOG_KEYS = {"mode", "iter", "epoch", "loss", "lr", "momentum", "grad_norm", "loss_scale", "skipped"}


def _jaxoptim(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "jaxoptim", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd or Path(__file__).parent,
    )


def _log(work_dir):
    return [json.loads(line) for line in (work_dir / "log.jsonl").read_text().splitlines()]


def _final_state(config, work_dir):
    cfg = cli.load_config(config)
    task = cli.build_task(cfg)
    tx = jaxoptim.make_optimizer(
        cfg, param_kinds=task.kinds, max_iters=task.max_iters, iters_per_epoch=task.iters_per_epoch
    )
    target = jaxoptim.TrainState.create(params=task.params, tx=tx)
    return jaxoptim.restore_checkpoint(work_dir / "checkpoints", target)


def test_train_resume_continues_exactly(tmp_path):
    """19 iterations, then a resumed run to 38, equals one run of 38 (epoch 1 ends at 21).

    The fp16 config with dynamic loss scaling: the loss scale and the growth tracker, the
    momentum buffers, the schedule's iteration and the data order must all come back.
    """
    config = CONFIGS / "digits_demo_fp16.py"
    opts = ["--cfg-options", "log_config.interval=1"]
    interrupted, straight = tmp_path / "interrupted", tmp_path / "straight"
    first = _jaxoptim("train", config, "--work-dir", interrupted, "--max-iters", 19, *opts)
    assert first.returncode == 0, first.stderr
    assert "trained 19 iterations" in first.stdout
    second = _jaxoptim(
        "train", config, "--work-dir", interrupted, "--max-iters", 38, "--resume", *opts
    )
    assert second.returncode == 0, second.stderr
    assert "trained 38 iterations" in second.stdout
    third = _jaxoptim("train", config, "--work-dir", straight, "--max-iters", 38, *opts)
    assert third.returncode == 0, third.stderr

    resumed = {r["iter"]: r for r in _log(interrupted) if r["mode"] == "train"}
    reference = {r["iter"]: r for r in _log(straight) if r["mode"] == "train"}
    assert sorted(resumed) == sorted(reference) == list(range(1, 39))
    for it in range(1, 39):
        assert set(resumed[it]) == LOG_KEYS
        assert resumed[it] == reference[it], it
    assert reference[22]["epoch"] == 2 and reference[21]["epoch"] == 1
    assert reference[1]["loss_scale"] == 65536.0
    val = [r for r in _log(straight) if r["mode"] == "val"]
    assert [(r["epoch"], r["iter"]) for r in val] == [(1, 21), (2, 38)]
    assert val[-1] == [r for r in _log(interrupted) if r["mode"] == "val"][-1]

    a, b = _final_state(config, interrupted), _final_state(config, straight)
    assert int(a.step) == int(b.step) == 38
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_explain_prints_the_table():
    config = CONFIGS / "paramwise_custom_keys.py"
    result = _jaxoptim("explain", config)
    assert result.returncode == 0, result.stderr
    cfg = cli.load_config(config)
    task = cli.build_task(cfg)
    table = jaxoptim.explain(cfg, task.params, param_kinds=task.kinds)
    assert result.stdout == str(table) + "\n"
    bias_line = next(line for line in result.stdout.splitlines() if "backbone.pwconv.bias" in line)
    assert "0.04" in bias_line  # bias_lr_mult=2 on lr 0.02


def test_schedule_writes_a_png(tmp_path):
    out = tmp_path / "plots" / "lr.png"
    result = _jaxoptim(
        "schedule", CONFIGS / "cyclic_lr_momentum.py", "--out", out, "--max-iters", 100
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {out}"
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_unused_lists_the_aux_head(capsys):
    result = _jaxoptim("unused", CONFIGS / "digits_unused_head.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["aux_head.bias (10,)", "aux_head.kernel (1024, 10)"]
    assert cli.main(["unused", str(CONFIGS / "digits_demo.py")]) == 0
    assert capsys.readouterr().out == "no unused parameters\n"


def test_bad_config_prints_one_line_and_debug_shows_the_traceback(tmp_path):
    config = CONFIGS / "sgd_step_lr.py"
    args = ("train", config, "--work-dir", tmp_path, "--cfg-options", "optimizer.type=Adamm")
    result = _jaxoptim(*args, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("jaxoptim: error: ")
    assert "optimizer.type" in lines[0] and "'Adamm'" in lines[0] and "Adam" in lines[0]
    debug = _jaxoptim("--debug", *args, cwd=tmp_path)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def _error(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jaxoptim: error: "), err
    return code, lines[0]


@pytest.mark.parametrize(
    "options, code, names",
    [
        (["data.batchsize=32"], 1, "batchsize"),
        (["data.batch_size=5000"], 1, "batch_size"),
        (["model.depth=3"], 1, "depth"),
        (["model.type=ResNet50"], 1, "ResNet50"),
        (["model.num_classes=5"], 1, "num_classes"),
        (["model.groups=7"], 1, "DigitsNet"),
        (["precision=float8"], 1, "precision"),
        (["runner.max_epochs=0"], 1, "runner.max_epochs"),
        (["log_config.every=3"], 1, "every"),
        (["checkpoint_config.keep=3"], 1, "keep"),
        (["log_config.interval=0"], 1, "log_config.interval"),
        (["checkpoint_config.max_keep=0"], 1, "checkpoint_config.max_keep"),
        (["optimizer.nesterovv=True"], 1, "nesterovv"),
        (["data.batch_size=2.5"], 1, "data.batch_size"),
        (["data.batch_size=True"], 1, "data.batch_size"),
        (["data.test_size=1.5"], 1, "data.test_size"),
        (["data.seed=x"], 1, "data.seed"),
        (["seed=1.5"], 1, "seed must be an int"),
        (["checkpoint_config.by_epoch=no"], 1, "checkpoint_config.by_epoch"),
        (["optimizer"], 2, "--cfg-options"),
    ],
)
def test_config_errors(capsys, tmp_path, options, code, names):
    config = CONFIGS / "sgd_step_lr.py"
    got, line = _error(capsys, "train", config, "--work-dir", tmp_path, "--cfg-options", *options)
    assert got == code
    assert names in line


def test_usage_errors(capsys, tmp_path):
    code, line = _error(capsys, "train", tmp_path / "missing.py")
    assert code == 2 and "missing.py" in line and "does not exist" in line
    code, line = _error(capsys, "frobnicate", CONFIGS / "sgd_step_lr.py")
    assert code == 2 and "frobnicate" in line
    code, line = _error(capsys, "schedule", CONFIGS / "sgd_step_lr.py")
    assert code == 2 and "--out" in line
    code, line = _error(capsys, "train", CONFIGS / "sgd_step_lr.py", "--max-iters", "many")
    assert code == 2 and "--max-iters" in line
    code, line = _error(
        capsys, "train", CONFIGS / "sgd_step_lr.py", "--work-dir", tmp_path, "--resume"
    )
    assert code == 1 and "--resume" in line and "no checkpoint" in line
    with pytest.raises(KeyError, match="Adamm"):
        cli.main(
            ["train", str(CONFIGS / "adam.py"), "--debug", "--cfg-options", "optimizer.type=Adamm"]
        )


def test_checkpoints_keep_the_newest(tmp_path):
    result = cli.train(
        CONFIGS / "iter_based_poly.py",
        work_dir=tmp_path,
        max_iters=7,
        cfg_options={"checkpoint_config.interval": 2, "checkpoint_config.max_keep": 2},
        progress=False,
    )
    assert result["iters"] == 7
    steps = sorted(int(p.name) for p in (tmp_path / "checkpoints").iterdir() if p.name.isdigit())
    assert steps == [6, 7]
    # log_config.interval is 10: only the last iteration is logged, then the final evaluation
    train = [r for r in result["history"] if r["mode"] == "train"]
    assert [r["iter"] for r in train] == [7]
    assert [r["mode"] for r in result["history"]] == ["train", "val"]
    # a fresh run must not write over those checkpoints
    assert (
        cli.main(["train", str(CONFIGS / "iter_based_poly.py"), "--work-dir", str(tmp_path)]) == 1
    )


_DATA_PARALLEL = """
import sys, jax, numpy as np
from jaxoptim import cli
assert jax.local_device_count() == 8
config, tmp = sys.argv[1], sys.argv[2]
options = {"log_config.interval": 1}
one = cli.train(config, work_dir=tmp + "/one", max_iters=6, cfg_options=options,
                progress=False, devices=1)
eight = cli.train(config, work_dir=tmp + "/eight", max_iters=6, cfg_options=options,
                  progress=False)
losses = [[r["loss"] for r in run["history"] if r["mode"] == "train"] for run in (one, eight)]
np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)
for a, b in zip(jax.tree_util.tree_leaves(one["state"].params),
                jax.tree_util.tree_leaves(eight["state"].params)):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6)
leaf = jax.tree_util.tree_leaves(eight["state"].params)[0]
assert len(leaf.sharding.device_set) == 8, leaf.sharding
# resuming the 8-device run restores onto the mesh and continues
again = cli.train(config, work_dir=tmp + "/eight", max_iters=8, resume=True,
                  cfg_options=options, progress=False)
assert again["iters"] == 8
try:
    cli.train(config, work_dir=tmp + "/bad", max_iters=1, progress=False, devices=3)
except cli.CLIError as e:
    assert "does not split evenly" in str(e), e
else:
    raise AssertionError("devices=3 with batch 64 was accepted")
print("DATA-PARALLEL-OK")
"""


def test_train_runs_data_parallel_over_every_local_device(tmp_path):
    import os

    env = dict(
        os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu"
    )
    out = subprocess.run(
        [sys.executable, "-c", _DATA_PARALLEL, str(CONFIGS / "digits_demo.py"), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "DATA-PARALLEL-OK" in out.stdout, out.stderr[-3000:]
