"""The ``jaxoptim`` command line: every command as a subprocess, resume, and the error lines."""

from __future__ import annotations

import functools
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


# ---- your own model (linen or nnx, registered through custom_imports) on your own arrays ----

_USER_MODELS = """
from typing import Any

import flax.linen as nn
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxoptim import DATASETS, MODELS


@MODELS.register_module()
class UserLinenNet(nn.Module):
    num_classes: int = 3
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Dense(8, dtype=self.dtype)(x.reshape((x.shape[0], -1)))
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9, dtype=self.dtype)(x)
        return nn.Dense(self.num_classes, dtype=self.dtype)(nn.relu(x))


@MODELS.register_module()
class UserNnxNet(nnx.Module):
    def __init__(self, image_size=4, num_classes=3, dtype=jnp.float32, *, rngs):
        self.fc = nnx.Linear(image_size * image_size, 8, dtype=dtype, rngs=rngs)
        self.bn = nnx.BatchNorm(8, momentum=0.9, dtype=dtype, rngs=rngs)
        self.head = nnx.Linear(8, num_classes, dtype=dtype, rngs=rngs)

    def __call__(self, x):
        return self.head(nnx.relu(self.bn(self.fc(x.reshape((x.shape[0], -1))))))


@DATASETS.register_module()
def user_blobs(split="train", path=None):
    with np.load(path) as f:
        return f["x_" + split], f["y_" + split]
"""


@pytest.fixture(scope="module")
def user_dir(tmp_path_factory):
    """A directory with the model module, blobs.npz (3 classes of 4x4 images) and configs."""
    root = tmp_path_factory.mktemp("user")
    (root / "user_models.py").write_text(_USER_MODELS)
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(3, 4, 4)).astype(np.float32)
    arrays = {}
    for split, n in (("train", 48), ("test", 24)):
        labels = np.arange(n) % 3
        arrays[f"x_{split}"] = centers[labels] + 0.3 * rng.normal(size=(n, 4, 4)).astype("f4")
        arrays[f"y_{split}"] = labels.astype(np.int64)
    np.savez(root / "blobs.npz", **arrays)
    np.savez(root / "float_labels.npz", **{**arrays, "y_train": arrays["y_train"] * 1.0})
    np.savez(root / "short_labels.npz", **{**arrays, "y_train": arrays["y_train"][:-1]})
    for kind in ("Linen", "Nnx"):
        (root / f"{kind.lower()}.py").write_text(
            "custom_imports = dict(imports=['user_models'], allow_failed_imports=False)\n"
            f"model = dict(type='User{kind}Net', num_classes=3)\n"
            f"data = dict(type='NpzDataset', path={str(root / 'blobs.npz')!r}, batch_size=16)\n"
            "optimizer = dict(type='SGD', lr=0.1)\n"
            "runner = dict(type='IterBasedRunner', max_iters=6)\n"
            "log_config = dict(interval=1)\n"
            "checkpoint_config = dict(interval=100, by_epoch=False)\n"
        )
    return root


def _cross_entropy(logits, labels):
    import optax

    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


@pytest.mark.parametrize("kind", ["linen", "nnx"])
def test_train_a_user_model_on_an_npz(user_dir, tmp_path, kind):
    """One SGD step of the user's model equals the step written by hand with flax's own API:
    the logged loss, the parameters p - lr * grad, the BatchNorm statistics (train mode), and
    the evaluation accuracy (eval mode, running statistics)."""
    import jax.numpy as jnp
    from flax import nnx

    from jaxoptim import demo

    result = cli.train(user_dir / f"{kind}.py", work_dir=tmp_path, max_iters=1, progress=False)
    state = result["state"]
    with np.load(user_dir / "blobs.npz") as f:
        data = {
            "train_image": f["x_train"],
            "train_label": f["y_train"],
            "test_image": f["x_test"],
            "test_label": f["y_test"],
        }
    batch = next(demo.epoch_batches(data, 16, seed=0, epoch=0))
    x, y = jnp.asarray(batch["image"]), jnp.asarray(batch["label"])
    cls = jaxoptim.MODELS.get(f"User{kind.capitalize()}Net")
    if kind == "linen":
        model = cls(num_classes=3)
        variables = model.init(jax.random.key(0), x, train=False)

        def loss_fn(params):
            logits, new = model.apply(
                {"params": params, "batch_stats": variables["batch_stats"]},
                x,
                train=True,
                mutable=["batch_stats"],
            )
            return _cross_entropy(logits, y), new

        (loss, new), grads = jax.value_and_grad(loss_fn, has_aux=True)(variables["params"])
        want = jax.tree.map(lambda p, g: p - 0.1 * g, variables["params"], grads)
        want_stats, got_stats = new["batch_stats"], state.model_state["batch_stats"]
        final = {"params": state.params, "batch_stats": got_stats}
        logits = model.apply(final, jnp.asarray(data["test_image"]), train=False)
    else:
        model = cls(num_classes=3, rngs=nnx.Rngs(0))
        model.train()
        loss, grads = nnx.value_and_grad(lambda m: _cross_entropy(m(x), y))(model)
        want = jax.tree.map(lambda p, g: p - 0.1 * g, nnx.state(model, nnx.Param), grads)
        want_stats = nnx.state(model, nnx.BatchStat)
        got_stats = state.model_state
        nnx.update(model, state.params, state.model_state)
        model.eval()
        logits = model(jnp.asarray(data["test_image"]))
    train = [r for r in result["history"] if r["mode"] == "train"]
    np.testing.assert_allclose(train[0]["loss"], float(loss), rtol=1e-5)
    got, expected = jax.tree_util.tree_leaves(state.params), jax.tree_util.tree_leaves(want)
    assert len(got) == len(expected) == 6
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    stats = jax.tree_util.tree_leaves(want_stats), jax.tree_util.tree_leaves(got_stats)
    assert len(stats[0]) == len(stats[1]) == 2  # mean and var
    for a, b in zip(*stats, strict=True):
        assert np.abs(np.asarray(a)).max() > 0
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    accuracy = float(jnp.mean(jnp.argmax(logits, -1) == data["test_label"]))
    assert result["accuracy"] == pytest.approx(accuracy, abs=1e-6)


def test_nnx_model_resumes_exactly_with_its_state(tmp_path):
    """The example config (nnx: BatchNorm statistics and Dropout's key counter in the train
    state): 2 iterations and a resumed run to 4 equal one run of 4."""
    config = CONFIGS / "custom" / "my_model_npz.py"
    opts = {"log_config.interval": 1, "log_config.hooks": []}
    run = functools.partial(cli.train, config, cfg_options=opts, progress=False)
    run(work_dir=tmp_path / "a", max_iters=2)
    resumed = run(work_dir=tmp_path / "a", max_iters=4, resume=True)
    straight = run(work_dir=tmp_path / "b", max_iters=4)
    assert [r for r in _log(tmp_path / "a") if r["mode"] == "train"] == [
        r for r in _log(tmp_path / "b") if r["mode"] == "train"
    ]
    assert int(straight["state"].model_state["dropout"]["rngs"]["count"].get_value()) == 4
    for a, b in zip(
        jax.tree_util.tree_leaves(resumed["state"]),
        jax.tree_util.tree_leaves(straight["state"]),
        strict=True,
    ):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_data_layouts_mmcv_mmengine_and_a_registered_dataset_agree(user_dir):
    path = str(user_dir / "blobs.npz")
    base = cli.load_config(user_dir / "nnx.py")
    short = cli.build_task(base, init=False)
    npz = dict(type="NpzDataset", path=path)
    mmcv = {**base, "data": dict(batch_size=16, train=npz, test=npz)}
    mmengine = {k: v for k, v in base.items() if k != "data"}
    mmengine["train_dataloader"] = dict(
        batch_size=16, num_workers=2, sampler=dict(type="DefaultSampler", shuffle=True), dataset=npz
    )
    mmengine["val_dataloader"] = dict(batch_size=1, dataset=npz)
    blobs = {**base, "data": dict(type="user_blobs", path=path, batch_size=16)}
    for cfg in (mmcv, mmengine, blobs):
        task = cli.build_task(cfg, init=False)
        assert task.batch_size == 16 and task.iters_per_epoch == 3
        assert sorted(task.data) == sorted(short.data)
        for key, value in short.data.items():
            assert task.data[key].dtype == value.dtype
            np.testing.assert_array_equal(task.data[key], value)
    # uint8 images are scaled to [0, 1]
    shipped = cli.build_task(cli.load_config(CONFIGS / "custom" / "my_model_npz.py"), init=False)
    with np.load(CONFIGS / "custom" / "digits8x8.npz") as f:
        np.testing.assert_array_equal(shipped.data["test_image"], f["x_test"] / np.float32(255))


@pytest.mark.parametrize(
    "options, names",
    [
        ({"model.image_size": 5}, ["'UserNnxNet' does not fit", "f32[16, 4, 4]"]),
        ({"model.num_classes": 2}, ["outputs shape (16, 2)", "(16, 3)"]),
        ({"model.width": 2}, ["width"]),
        ({"data.path": "missing.npz"}, ["data", "missing.npz", "does not exist"]),
        ({"data.image_key": "images"}, ["no array(s) ['images']", "x_train"]),
        ({"data.path": "{dir}/float_labels.npz"}, ["integer class indices", "float64"]),
        ({"data.path": "{dir}/short_labels.npz"}, ["one per image", "[47]"]),
        ({"data.samples_per_gpu": 8}, ["samples_per_gpu", "data.batch_size"]),
        ({"data.root": "x"}, ["['root']", "path"]),
        ({"data.type": "Blobs"}, ["data.type='Blobs'", "NpzDataset"]),
        (
            {"log_config.hooks": [dict(type="WandbLoggerHook")]},
            ["WandbLoggerHook", "TextLoggerHook", "TensorboardLoggerHook"],
        ),
        ({"log_config.hooks": [dict(type="TextLoggerHook", interval=5)]}, ["interval"]),
        (
            {"visualizer": dict(vis_backends=[dict(type="WandbVisBackend")])},
            ["WandbVisBackend", "TensorboardVisBackend"],
        ),
    ],
)
def test_user_model_and_data_errors_are_one_line(user_dir, tmp_path, options, names):
    options = {k: v.format(dir=user_dir) if isinstance(v, str) else v for k, v in options.items()}
    with pytest.raises(Exception) as info:
        cli.train(user_dir / "nnx.py", work_dir=tmp_path, cfg_options=options, progress=False)
    assert getattr(info.value, "exit_code", 1) == 1
    line = cli._one_line(info.value)
    for name in names:
        assert name in line, (name, line)


def test_model_that_does_not_fit_the_data_is_one_line_from_the_command(user_dir, tmp_path):
    out = _jaxoptim(
        "train",
        user_dir / "linen.py",
        "--work-dir",
        tmp_path,
        "--cfg-options",
        "model.num_classes=4",
    )
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "jaxoptim: error: model 'UserLinenNet' outputs shape (16, 4) on the training images "
        "f32[16, 4, 4], but the labels (0 to 2) need (16, 3): make the model output 3 classes "
        "(e.g. model.num_classes=3)"
    ]


def test_tensorboard_event_files_hold_the_logged_scalars(tmp_path):
    """TensorboardLoggerHook (mmcv) and TensorboardVisBackend (mmengine): the event files
    read back give the warmup lr in closed form, the logged losses and the accuracy."""
    from jaxoptim import loggers

    hooks = [dict(type="TextLoggerHook"), dict(type="TensorboardLoggerHook")]
    result = cli.train(
        CONFIGS / "digits_demo.py",
        work_dir=tmp_path,
        max_iters=5,
        cfg_options={"log_config.interval": 2, "log_config.hooks": hooks},
        progress=False,
    )
    scalars = loggers.read_scalars(tmp_path / "tf_logs")
    # mmcv's linear warmup (20 iterations from 0.1 x 0.05): iteration k trains with lr(k - 1)
    lr = [(k, 0.05 * (1 - (1 - (k - 1) / 20) * 0.9)) for k in (2, 4, 5)]
    assert [s for s, _ in scalars["train/lr"]] == [2, 4, 5]
    np.testing.assert_allclose([v for _, v in scalars["train/lr"]], [v for _, v in lr], rtol=1e-6)
    train = [r for r in _log(tmp_path) if r["mode"] == "train"]
    assert scalars["train/loss"] == [(r["iter"], pytest.approx(r["loss"], rel=1e-6)) for r in train]
    assert scalars["val/accuracy"] == [(5, pytest.approx(result["accuracy"], rel=1e-6))]
    assert set(scalars) == {
        "train/loss", "train/lr", "train/momentum", "train/grad_norm", "train/loss_scale",
        "val/loss", "val/accuracy",
    }  # fmt: skip
    text = (tmp_path / "log.txt").read_text().splitlines()
    assert [line.split("]  ")[0] for line in text] == [
        "Epoch [1][iter 2", "Epoch [1][iter 4", "Epoch [1][iter 5", "Epoch(val) [1][iter 5",
    ]  # fmt: skip
    visualizer = dict(
        type="Visualizer",
        vis_backends=[dict(type="LocalVisBackend"), dict(type="TensorboardVisBackend")],
    )
    cli.train(
        CONFIGS / "digits_demo_mmengine.py",
        work_dir=tmp_path / "mmengine",
        max_iters=2,
        cfg_options={"log_config.interval": 1, "visualizer": visualizer},
        progress=False,
    )
    scalars = loggers.read_scalars(tmp_path / "mmengine" / "vis_data")
    np.testing.assert_allclose(
        [v for _, v in scalars["train/lr"]], [0.05 * 0.1, 0.05 * (0.1 + 0.9 / 20)], rtol=1e-6
    )


def test_tensorboard_without_the_extra_names_the_pip_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # import tensorboardX fails
    hooks = [dict(type="TensorboardLoggerHook")]
    with pytest.raises(cli.CLIError) as info:
        cli.train(
            CONFIGS / "digits_demo.py",
            work_dir=tmp_path,
            cfg_options={"log_config.hooks": hooks},
            progress=False,
        )
    line = str(info.value)
    assert "log_config.hooks[0]" in line and "pip install 'jaxoptim[tensorboard]'" in line


# ---- real OpenMMLab configs (tests/data/real_configs/) on the command line ----

REAL = Path(__file__).parent / "data" / "real_configs"
REAL_EXPECTED = json.loads((REAL.parent / "real_configs_expected.json").read_text())

# A sample of both dialects: (config, iters per epoch or None for an iteration-based schedule)
REAL_SAMPLE = [
    # mmcv 1.x, IterBasedRunner (-Amp): no epoch length needed
    ("NVlabs__SegFormer/master/configs/ann/ann_r101-d8_512x1024_40k_cityscapes.py", None),
    ("czczup__ViT-Adapter/main/segmentation/configs/chase_db1/mask2former_beit_adapter_large_128_40k_chase_db1_ss.py", None),  # noqa: E501
    ("SwinTransformer__Swin-Transformer-Object-Detection/master/configs/faster_rcnn/faster_rcnn_r50_caffe_fpn_mstrain_90k_coco.py", None),  # noqa: E501
    ("facebookresearch__ConvNeXt/main/semantic_segmentation/configs/convnext/upernet_convnext_tiny_512_160k_ade20k_ss.py", None),  # noqa: E501
    # mmcv 1.x, EpochBasedRunner (-Amp)
    ("SwinTransformer__Swin-Transformer-Object-Detection/master/configs/fcos/fcos_r50_caffe_fpn_gn-head_1x_coco.py", 40),  # noqa: E501
    ("SwinTransformer__Swin-Transformer-Object-Detection/master/configs/cityscapes/faster_rcnn_r50_fpn_1x_cityscapes.py", 40),  # noqa: E501
    ("open-mmlab__mmdetection3d/v0.18.1/configs/parta2/hv_PartA2_secfpn_2x8_cyclic_80e_kitti-3d-car.py", 40),  # noqa: E501
    ("open-mmlab__mmpretrain/mmcls-0.x/configs/hrnet/hrnet-w18_4xb32_in1k.py", 3),
    ("czczup__ViT-Adapter/main/detection/configs/upgraded_mask_rcnn/mask_rcnn_mae_adapter_base_lsj_fpn_25ep_coco.py", 40),  # noqa: E501
    ("SwinTransformer__Swin-Transformer-Object-Detection/master/configs/swin/cascade_mask_rcnn_swin_base_patch4_window7_mstrain_480-800_giou_4conv1f_adamw_3x_coco.py", 40),  # noqa: E501
    # mmengine: train_cfg epoch loops, epoch-based schedulers (auto_scale_lr in some)
    ("open-mmlab__mmaction2/main/configs/skeleton/posec3d/rgbpose_conv3d/pose_only.py", 40),
    ("open-mmlab__mmaction2/main/configs/multimodal/vindlu/vindlu_beit-base_8x16_retrieval_msrvtt-9k.py", 40),  # noqa: E501
    ("open-mmlab__mmpretrain/main/configs/spark/spark_sparse-resnet50_8xb512-amp-coslr-800e_in1k.py", 3),  # noqa: E501
    ("open-mmlab__mmaction2/main/configs/detection/slowfast/slowfast_kinetics400-pretrained-r50_8xb16-4x16x1-8e_multisports-rgb.py", 40),  # noqa: E501
    ("open-mmlab__mmocr/main/configs/textrecog/nrtr/nrtr_modality-transform_6e_st_mj.py", 40),
    ("open-mmlab__mmyolo/main/configs/yolov5/voc/yolov5_s-v61_fast_1xb64-50e_voc.py", 40),
    ("open-mmlab__mmdetection3d/main/configs/point_rcnn/point-rcnn_8xb2_kitti-3d-3class.py", 40),
    ("open-mmlab__mmpretrain/main/configs/arcface/resnet50-arcface_8xb32_inshop.py", 40),
]  # fmt: skip


def _real_cfg(path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cli.load_config(REAL / path)


@pytest.mark.parametrize("path, ipe", REAL_SAMPLE, ids=[p for p, _ in REAL_SAMPLE])
def test_schedule_plots_real_configs(path, ipe, tmp_path, monkeypatch):
    """`schedule` on a real config draws jaxoptim.schedule_values (the real library's numbers
    where the corpus recorded that epoch length and the lr is not batch-scaled)."""
    import warnings

    from jaxoptim import data as data_lib
    from jaxoptim import plot

    drawn = []
    draw = plot.draw_schedules
    monkeypatch.setattr(plot, "draw_schedules", lambda v, **kw: drawn.append(v) or draw(v, **kw))
    out = tmp_path / "lr.png"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cli.schedule(REAL / path, out, iters_per_epoch=ipe) == out
        cfg = _real_cfg(path)
        batch = data_lib.batch_spec(cfg).total(jax.device_count())
        want = plot.schedule_values(cfg, iters_per_epoch=ipe, batch_size=batch)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (got,) = drawn
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    record = REAL_EXPECTED["configs"][path]
    scaled = (record["sections"].get("auto_scale_lr") or {}).get("enable")
    sched = record["schedules"][str(ipe or 40)]  # an iteration schedule: any recorded length
    expected = REAL_EXPECTED["schedules"][sched["id"]]
    assert len(got["lr"]) == expected["max_iters"]
    if not scaled:
        rows = np.asarray(expected["iterations"])
        lr = np.asarray(got["lr"]).reshape(len(got["lr"]), -1)[rows, 0]
        np.testing.assert_allclose(lr, expected["lr"], rtol=1e-6, atol=0)


def test_schedule_of_an_epoch_based_real_config_needs_iters_per_epoch(tmp_path, capsys):
    """Unloadable data (ImageNet, CocoDataset) and an epoch schedule: one error naming the
    option and why, never the data section's keys."""
    for path, dataset in [
        (REAL_SAMPLE[12][0], "train_dataloader.dataset.type='ImageNet'"),
        (REAL_SAMPLE[4][0], "data.train.type='CocoDataset'"),
    ]:
        with pytest.raises(cli.CLIError) as info:
            cli.schedule(REAL / path, tmp_path / "lr.png")
        message = str(info.value)
        assert "--iters-per-epoch" in message and dataset in message, message
        assert "unknown key" not in message and "samples_per_gpu" not in message, message
        assert "iters_per_epoch" in message  # the schedule's own reason
        assert cli.main(["schedule", str(REAL / path), "--out", str(tmp_path / "x.png")]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--iters-per-epoch" in err
    assert not (tmp_path / "lr.png").exists()


def test_schedule_reads_loadable_data_only_for_the_epoch_length(tmp_path, monkeypatch):
    """The demo's data gives the epoch length (1347 training digits // 64 = 21); an iteration
    runner reads no data; --iters-per-epoch wins over the data."""
    from jaxoptim import data as data_lib
    from jaxoptim import plot

    drawn, loads = [], []
    draw, load = plot.draw_schedules, data_lib.load_data
    monkeypatch.setattr(plot, "draw_schedules", lambda v, **kw: drawn.append(v) or draw(v, **kw))
    monkeypatch.setattr(data_lib, "load_data", lambda *a, **kw: loads.append(1) or load(*a, **kw))
    cli.schedule(CONFIGS / "digits_demo.py", tmp_path / "a.png")
    assert len(loads) == 1
    cfg = cli.load_config(CONFIGS / "digits_demo.py")
    want = plot.schedule_values(cfg, iters_per_epoch=21, batch_size=64)
    np.testing.assert_array_equal(drawn[-1]["lr"], want["lr"])
    cli.schedule(CONFIGS / "digits_demo.py", tmp_path / "b.png", iters_per_epoch=5)
    want = plot.schedule_values(cfg, iters_per_epoch=5, batch_size=64)
    np.testing.assert_array_equal(drawn[-1]["lr"], want["lr"])
    cli.schedule(CONFIGS / "iter_based_poly.py", tmp_path / "c.png")
    assert len(loads) == 1  # neither read the data
    with pytest.raises(cli.UsageError, match="--iters-per-epoch must be a positive int, got 0"):
        cli.schedule(CONFIGS / "digits_demo.py", tmp_path / "d.png", iters_per_epoch=0)


def test_explain_on_a_real_config_says_how_to_register_the_model(capsys):
    path = REAL / REAL_SAMPLE[3][0]  # ConvNeXt UperNet: EncoderDecoder, ADE20K
    with pytest.raises(cli.CLIError) as info:
        cli.explain(path)
    message = str(info.value)
    for part in ("model.type='EncoderDecoder'", "jaxoptim.MODELS", "custom_imports"):
        assert part in message, message
    assert "samples_per_gpu" not in message and "data" not in message.split(";")[0]
    assert cli.main(["explain", str(path)]) == 1
    assert "jaxoptim.MODELS" in capsys.readouterr().err


def test_schedule_command_on_a_real_config_end_to_end(tmp_path):
    out = tmp_path / "lr.png"
    run = subprocess.run(
        [sys.executable, "-m", "jaxoptim", "schedule", str(REAL / REAL_SAMPLE[12][0])]
        + ["--out", str(out), "--iters-per-epoch", "3"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == f"wrote {out}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_per_device_batch_keys_count_every_device(user_dir):
    """mmcv's data.samples_per_gpu and mmengine's train_dataloader.batch_size are per device
    (mmcv build_dataloader, mmengine's runner); jaxoptim's data.batch_size is the total."""
    npz = dict(type="NpzDataset", path=str(user_dir / "blobs.npz"))
    base = cli.load_config(user_dir / "nnx.py")
    del base["data"]
    mmcv = {**base, "data": dict(samples_per_gpu=8, workers_per_gpu=2, train=npz, val=npz)}
    mmengine = {**base, "train_dataloader": dict(batch_size=8, num_workers=2, dataset=npz)}
    mmengine["val_dataloader"] = dict(batch_size=1, dataset=npz)
    total = {**base, "data": dict(batch_size=16, train=npz, val=npz)}
    for cfg, batches in ((mmcv, (8, 16, 32)), (mmengine, (8, 16, 32)), (total, (16,) * 3)):
        for devices, batch in zip((1, 2, 4), batches, strict=True):
            task = cli.build_task(cfg, init=False, devices=devices)
            assert task.batch_size == batch and task.iters_per_epoch == 48 // batch
    both = {**base, "data": dict(batch_size=16, samples_per_gpu=8, train=npz, val=npz)}
    with pytest.raises(cli.CLIError, match="data.batch_size=16 .* or data.samples_per_gpu=8"):
        cli.build_task(both, init=False)
    with pytest.raises(cli.CLIError, match="data.samples_per_gpu must be a positive int, got 0"):
        cli.build_task({**base, "data": dict(samples_per_gpu=0, train=npz, val=npz)}, init=False)


def test_auto_scale_lr_gets_the_total_batch_as_mmengine_counts_it(user_dir, tmp_path):
    """make_optimizer's lr under auto_scale_lr equals mmengine's Runner.scale_lr with world
    size x train_dataloader.batch_size (mmdet 2.x: gpus x samples_per_gpu, the same ratio)."""
    import types

    import torch
    from mmengine.logging import MMLogger
    from mmengine.optim import OptimWrapper
    from mmengine.runner import Runner

    npz = dict(type="NpzDataset", path=str(user_dir / "blobs.npz"))
    base = {k: v for k, v in cli.load_config(user_dir / "nnx.py").items() if k != "data"}
    scale = dict(enable=True, base_batch_size=64)
    mmengine = {k: v for k, v in base.items() if k not in ("optimizer", "runner")}
    mmengine.update(
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        train_cfg=dict(by_epoch=False, max_iters=6),
        train_dataloader=dict(batch_size=8, dataset=npz),
        val_dataloader=dict(dataset=npz),
        auto_scale_lr=scale,
    )
    mmcv = {**base, "data": dict(samples_per_gpu=8, train=npz, val=npz), "auto_scale_lr": scale}
    for devices in (1, 2):
        runner = types.SimpleNamespace(
            world_size=devices,
            _train_dataloader={"batch_size": 8},
            logger=MMLogger.get_instance("jaxoptim_test_scale_lr"),
            param_schedulers=None,
        )
        wrapper = OptimWrapper(torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=0.1))
        Runner.scale_lr(runner, wrapper, scale)
        want = wrapper.optimizer.param_groups[0]["lr"]
        assert want == pytest.approx(0.1 * devices * 8 / 64)
        for cfg in (mmengine, mmcv):
            task = cli.build_task(cfg, devices=devices)
            tx, _, state, _ = cli._start_state(task, tmp_path / f"{devices}-{len(cfg)}", False)
            lr = np.asarray(state.opt_state.hyperparams["lr"])
            np.testing.assert_allclose(lr, want, rtol=1e-7)
