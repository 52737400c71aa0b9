"""Every shipped config loads, merges as documented and trains a few iterations.

Each config runs 3 iterations in-process through :func:`jaxoptim.cli.train` (its schedules still
span the config's full runner length), and the logged lr / momentum / loss scale are compared
with mmcv's formulas evaluated here by hand.
"""

from __future__ import annotations

import math
from pathlib import Path

import jax
import numpy as np
import pytest

import jaxoptim
from jaxoptim import checkpoint, cli
from jaxoptim.optimizer_base import tree_names

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
# Modules next to the configs that configs import through `custom_imports` (not configs).
CUSTOM_MODULES = {"custom/my_optimizer.py", "custom/my_constructor.py", "custom/my_model.py"}
IPE = 21  # digits: 1347 training images // batch_size 64
EPOCHS = 12


def _warmup_linear(base, i, warmup_iters=20, ratio=0.1):
    return base * (1 - (1 - i / warmup_iters) * (1 - ratio))


def _cos(start, end, fraction):
    return end + 0.5 * (start - end) * (1 + math.cos(math.pi * fraction))


def _cyclic_lr(i, base=0.01, up=int(0.4 * EPOCHS * IPE)):
    return _cos(base, base * 10, i / up)


def _cyclic_momentum(i, base=0.95, up=int(0.4 * EPOCHS * IPE)):
    return _cos(base, base * 0.85 / 0.95, i / up)


def _poly(i, base=0.02, min_lr=1e-4, total=300, power=0.9):
    return (base - min_lr) * (1 - i / total) ** power + min_lr


# config -> (lr at iterations 0 and 2, momentum at 0 and 2 (None: not checked), precision,
#            loss scale at iteration 0, static scale)
WARMUP = [_warmup_linear(0.05, 0), _warmup_linear(0.05, 2)]
M = [0.9, 0.9]  # SGD's momentum and Adam's betas[0]
EXPECTED = {
    "digits_demo.py": (WARMUP, M, "float32", 1.0, True),
    "digits_demo_fp16.py": (WARMUP, M, "float16", 65536.0, False),
    "digits_demo_mmengine.py": (WARMUP, M, "float32", 1.0, True),
    "digits_unused_head.py": (WARMUP, M, "float32", 1.0, True),
    "sgd_step_lr.py": ([0.02, 0.02], M, "float32", 1.0, True),
    "adam.py": ([0.0003, 0.0003], M, "float32", 1.0, True),
    "grad_clip.py": ([0.02, 0.02], M, "float32", 1.0, True),
    "fp16_static.py": ([0.02, 0.02], M, "float16", 512.0, True),
    "fp16_dynamic_dict.py": ([0.02, 0.02], M, "float16", 65536.0, False),
    "cyclic_lr_momentum.py": (
        [_cyclic_lr(0), _cyclic_lr(2)],
        [_cyclic_momentum(0), _cyclic_momentum(2)],
        "float32",
        1.0,
        True,
    ),
    "paramwise_custom_keys.py": ([0.02, 0.02], M, "float32", 1.0, True),
    "iter_based_poly.py": ([_poly(0), _poly(2)], M, "float32", 1.0, True),
    "custom/my_optimizer_digits.py": ([0.001, 0.001], None, "float32", 1.0, True),
    "custom/my_constructor_digits.py": ([0.02, 0.02], M, "float32", 1.0, True),
    "custom/my_model_npz.py": (WARMUP, M, "float32", 1.0, True),
}


def test_every_config_is_tested():
    shipped = {
        str(p.relative_to(CONFIGS))
        for p in CONFIGS.rglob("*.py")
        if "_base_" not in p.parts and "__pycache__" not in p.parts
    }
    assert shipped - CUSTOM_MODULES == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_config_trains_three_iterations(name, tmp_path):
    lrs, momenta, precision, first_scale, static = EXPECTED[name]
    result = cli.train(
        CONFIGS / name,
        work_dir=tmp_path,
        max_iters=3,
        cfg_options={"log_config.interval": 1},
        progress=False,
    )
    train = [r for r in result["history"] if r["mode"] == "train"]
    assert [r["iter"] for r in train] == [1, 2, 3]
    assert [r["epoch"] for r in train] == [1, 1, 1]
    losses = [r["loss"] for r in train]
    assert all(math.isfinite(x) and 0 < x < 10 for x in losses), losses
    np.testing.assert_allclose([train[0]["lr"], train[2]["lr"]], lrs, rtol=1e-5)
    if momenta is not None:
        np.testing.assert_allclose([train[0]["momentum"], train[2]["momentum"]], momenta, rtol=1e-5)
    assert cli.build_task(cli.load_config(CONFIGS / name), init=False).precision == precision
    scales = [r["loss_scale"] for r in train]
    assert scales[0] == first_scale
    for before, after, record in zip(scales[:-1], scales[1:], train[:-1], strict=True):
        # static scales never move; dynamic ones halve exactly when a step was skipped
        expected = before if static or not record["skipped"] else before / 2
        assert after == expected, (scales, [r["skipped"] for r in train])
    if static:
        assert not any(r["skipped"] for r in train)
    val = [r for r in result["history"] if r["mode"] == "val"]
    assert len(val) == 1 and val[0]["iter"] == 3 and 0.0 <= val[0]["accuracy"] <= 1.0
    assert val[0]["accuracy"] == result["accuracy"]
    assert result["iters"] == 3 and int(result["state"].step) == 3
    initial = cli.build_task(cli.load_config(CONFIGS / name)).params
    moved = {
        path: float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
        for path, a, b in zip(
            tree_names(initial),
            jax.tree_util.tree_leaves(initial),
            jax.tree_util.tree_leaves(result["state"].params),
            strict=True,
        )
    }
    if all(r["skipped"] for r in train):  # fp16 overflow on every step: nothing applied
        assert all(change == 0 for change in moved.values()), moved
    elif name == "digits_unused_head.py":
        # no gradient reaches aux_head: its zero-initialised bias stays exactly zero and its
        # kernel only feels the weight decay (3 steps of lr <= 0.01 x 1e-4)
        assert moved.pop("aux_head.bias") == 0.0
        assert 0 < moved.pop("aux_head.kernel") < 1e-5
        assert all(change > 1e-5 for change in moved.values()), moved
    else:
        assert all(change > 0 for change in moved.values()), moved
    if name == "custom/my_optimizer_digits.py":
        assert "MyOptimizer" in jaxoptim.OPTIMIZERS
        # Adam-style steps move each parameter by at most lr per step: 3 steps of lr 1e-3
        assert all(1e-4 < change < 3.05e-3 for change in moved.values()), moved
    if name == "custom/my_model_npz.py":
        assert "MyNnxNet" in jaxoptim.MODELS
        # BatchNorm statistics moved from their initial (0, 1); dropout drew 3 keys
        bn = result["state"].model_state["bn"]
        assert float(np.max(np.abs(np.asarray(bn["mean"].get_value())))) > 0
        assert int(result["state"].model_state["dropout"]["rngs"]["count"].get_value()) == 3
    assert checkpoint.latest_step(tmp_path / "checkpoints") == 3


def test_shipped_npz_is_the_digits_split():
    """configs/custom/digits8x8.npz: the demo's stratified digits split as 8-bit pixels."""
    from jaxoptim import data

    with np.load(CONFIGS / "custom" / "digits8x8.npz") as f:
        for split in ("train", "test"):
            images, labels = data.digits(split)
            assert f[f"x_{split}"].dtype == np.uint8 and f[f"x_{split}"].shape == images.shape[:3]
            np.testing.assert_array_equal(f[f"x_{split}"], np.rint(images[..., 0] * 255))
            np.testing.assert_array_equal(f[f"y_{split}"], labels)


def test_inherited_configs_merge_as_the_seed_says():
    adam = cli.load_config(CONFIGS / "adam.py")
    assert adam["optimizer"] == dict(type="Adam", lr=0.0003, weight_decay=0.0001)
    clip = cli.load_config(CONFIGS / "grad_clip.py")
    assert clip["optimizer_config"] == dict(grad_clip=dict(max_norm=35, norm_type=2))
    static = cli.load_config(CONFIGS / "fp16_static.py")
    assert static["fp16"] == dict(loss_scale=512.0)
    cyclic = cli.load_config(CONFIGS / "cyclic_lr_momentum.py")
    assert cyclic["lr_config"] == dict(
        policy="cyclic", target_ratio=(10, 1e-4), cyclic_times=1, step_ratio_up=0.4
    ) or cyclic["lr_config"] == dict(
        policy="cyclic", target_ratio=[10, 1e-4], cyclic_times=1, step_ratio_up=0.4
    )
    assert cyclic["optimizer"] == dict(type="SGD", lr=0.01, momentum=0.95, weight_decay=0.0001)
    demo = cli.load_config(CONFIGS / "digits_demo.py")
    assert demo["model"]["type"] == "DigitsNet" and demo["runner"]["max_epochs"] == EPOCHS
    assert cli.build_task(demo, init=False).iters_per_epoch == IPE


def _table(name):
    cfg = cli.load_config(CONFIGS / name)
    task = cli.build_task(cfg)
    return {row.name: row for row in jaxoptim.explain(cfg, task.params, param_kinds=task.kinds)}


def test_paramwise_config_rules():
    rows = _table("paramwise_custom_keys.py")
    lr, wd = 0.02, 0.0001
    # custom_keys win over every other rule
    assert rows["head.kernel"].lr == pytest.approx(lr * 0.1)
    assert rows["head.kernel"].weight_decay == 0.0
    assert rows["head.bias"].lr == pytest.approx(lr * 0.1)
    # norm layers: no decay, lr unchanged (mmcv: bias_lr_mult skips norm biases)
    for name in ("backbone.gn.scale", "backbone.gn.bias", "backbone.ln.scale"):
        assert rows[name].weight_decay == 0.0 and rows[name].lr == pytest.approx(lr)
    assert rows["backbone.ln.bias"].lr == pytest.approx(lr)
    # a plain conv: bias gets 2x lr and no decay, kernel the optimizer's values
    assert rows["backbone.pwconv.bias"].lr == pytest.approx(2 * lr)
    assert rows["backbone.pwconv.bias"].weight_decay == 0.0
    assert rows["backbone.pwconv.kernel"].lr == pytest.approx(lr)
    assert rows["backbone.pwconv.kernel"].weight_decay == pytest.approx(wd)
    # the depthwise conv: dwconv_decay_mult=0 for its kernel
    assert rows["backbone.dwconv.kernel"].weight_decay == 0.0
    assert rows["backbone.dwconv.kernel"].lr == pytest.approx(lr)


def test_custom_constructor_config_applies_layer_decay():
    rows = _table("custom/my_constructor_digits.py")
    lr = 0.02
    depth = {"conv": 5, "dwconv": 4, "pwconv": 3, "gn": 2, "ln": 1}
    for layer, d in depth.items():
        leaf = "scale" if layer in ("gn", "ln") else "kernel"
        assert rows[f"backbone.{layer}.{leaf}"].lr == pytest.approx(lr * 0.5**d)
    assert rows["head.kernel"].lr == pytest.approx(lr)
    assert rows["backbone.gn.scale"].weight_decay == 0.0  # the default rules still apply
    assert "layer_decay['backbone.conv']" in rows["backbone.conv.kernel"].rule


def test_precision_key_sets_the_compute_dtype(tmp_path):
    options = {"precision": "bfloat16", "log_config.interval": 1}
    result = cli.train(
        CONFIGS / "digits_demo.py",
        work_dir=tmp_path,
        max_iters=2,
        cfg_options=options,
        progress=False,
    )
    task = cli.build_task(cli.load_config(CONFIGS / "digits_demo.py", options))
    assert task.precision == "bfloat16" and task.model.dtype == jax.numpy.bfloat16
    assert all(p.dtype == np.float32 for p in jax.tree_util.tree_leaves(result["state"].params))
    train = [r for r in result["history"] if r["mode"] == "train"]
    assert [r["loss_scale"] for r in train] == [1.0, 1.0]  # no fp16 section: no loss scaling
    assert all(math.isfinite(r["loss"]) and not r["skipped"] for r in train)
    # float16 from an `fp16` section can be overridden back to float32
    fp32 = cli.load_config(CONFIGS / "digits_demo_fp16.py", {"precision": "float32"})
    assert cli.build_task(fp32, init=False).precision == "float32"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["digits_demo.py", "digits_demo_fp16.py"])
def test_demo_reaches_95_percent(name, tmp_path):
    result = cli.train(CONFIGS / name, work_dir=tmp_path, progress=False)
    assert result["iters"] == EPOCHS * IPE
    assert result["accuracy"] >= 0.95, result["accuracy"]
    val = [r for r in result["history"] if r["mode"] == "val"]
    assert [r["epoch"] for r in val] == list(range(1, EPOCHS + 1))
    print(f"{name}: accuracy {result['accuracy']:.4f} in {result['seconds']:.1f} s")


def test_docs_list_every_key():
    from jaxoptim import optimizers, paramwise, schedules

    doc = (CONFIGS.parent / "docs" / "configs.md").read_text()
    for defn in optimizers.BUILTIN:
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{defn.name}` |"))
        for key in defn.defaults:
            assert f"`{key}=" in row, (defn.name, key)
    for kind in ("lr", "momentum"):
        for policy, keys in schedules.policy_keys(kind).items():
            assert f"| `{policy}` |" in doc, policy
            for key in keys:
                assert f"`{key}`" in doc, (policy, key)
    for key in paramwise._PARAMWISE_KEYS:
        assert f"| `{key}` |" in doc, key
    for name in EXPECTED:
        assert f"`{name}`" in doc, name


def test_resume_with_another_seed_is_refused(tmp_path):
    config = CONFIGS / "digits_demo.py"
    cli.train(config, work_dir=tmp_path, max_iters=2, progress=False)
    assert '"seed": 0' in (tmp_path / "run.json").read_text()
    with pytest.raises(cli.CLIError, match="--seed 0"):
        cli.train(config, work_dir=tmp_path, resume=True, max_iters=3, seed=1, progress=False)
    out = cli.train(config, work_dir=tmp_path, resume=True, max_iters=3, progress=False)
    assert out["iters"] == 3
