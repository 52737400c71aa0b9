"""The config front end: normalize() reads either dialect into one frozen OptimSetup."""

from __future__ import annotations

import ast
import copy
import dataclasses
import json
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxoptim
from jaxoptim import cli, frontend
from jaxoptim.config import Config
from jaxoptim.frontend import Accumulation, OptimSetup, RunLength, normalize
from jaxoptim.plot import schedule_values

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"
SGD = dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)


def _mmcv(**extra):
    return dict(
        optimizer=dict(SGD),
        optimizer_config=dict(grad_clip=dict(max_norm=35, norm_type=2), cumulative_iters=2),
        fp16=dict(loss_scale=512.0),
        runner=dict(type="EpochBasedRunner", max_epochs=3),
        **extra,
    )


def _mmengine(**extra):
    return dict(
        optim_wrapper=dict(
            type="AmpOptimWrapper",
            optimizer=dict(SGD),
            clip_grad=dict(max_norm=35, norm_type=2),
            accumulative_counts=2,
            loss_scale=512.0,
        ),
        train_cfg=dict(by_epoch=True, max_epochs=3),
        **extra,
    )


def test_both_dialects_of_one_setup_normalize_to_equal_setups():
    mmcv = normalize(_mmcv(), iters_per_epoch=5)
    engine = normalize(_mmengine(), iters_per_epoch=5)
    assert mmcv == engine
    assert (mmcv.dialect, engine.dialect) == ("mmcv", "mmengine")
    assert engine.optimizer.type == "SGD"
    assert dict(engine.optimizer.kwargs) == dict(lr=0.1, momentum=0.9, weight_decay=1e-4)
    assert dict(engine.grad_clip) == {"max_norm": 35.0, "norm_type": 2.0}
    assert engine.clip_value is None
    # a static scale of 512 (GradScaler's other arguments at their defaults)
    assert dict(engine.loss_scale) == dict(
        init_scale=512.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
        dynamic=False,
    )  # fmt: skip
    assert engine.accumulation == Accumulation(every=2, remainder=True)
    assert engine.precision == "float16"  # mmcv's fp16 and AmpOptimWrapper's default dtype
    assert engine.run == RunLength(max_iters=15, iters_per_epoch=5, max_epochs=3, by_epoch=True)
    assert (mmcv.run.loop, engine.run.loop) == ("EpochBasedRunner", "EpochBasedTrainLoop")
    assert engine.paramwise.constructor == "DefaultOptimizerConstructor"
    assert engine.schedules == mmcv.schedules == frontend.Schedules()
    # what differs in meaning differs in the setup
    assert normalize(_mmcv(), iters_per_epoch=4) != mmcv
    other = _mmengine()
    other["optim_wrapper"]["accumulative_counts"] = 3
    assert normalize(other, iters_per_epoch=5) != mmcv


def test_normalize_reads_every_part_of_the_setup():
    dist_cfg = dict(
        optimizer=dict(type="AdamW", lr=1e-3),
        optimizer_config=dict(
            type="DistOptimizerHook", update_interval=4, grad_clip=dict(max_norm=1.0)
        ),
        lr_config=dict(policy="step", step=[2]),
        runner=dict(type="IterBasedRunner", max_iters=40),
    )
    dist = normalize(dist_cfg)
    assert dist.accumulation == Accumulation(every=4, remainder=False)  # no remainder rule
    assert dist.loss_scale is None and dict(dist.grad_clip)["max_norm"] == 1.0
    dist_cfg["optimizer_config"] = dict(type="DistOptimizerHook", use_fp16=True)
    assert dict(normalize(dist_cfg).loss_scale) == dict(
        init_scale=2.0**16,
        growth_factor=2.0,
        backoff_factor=0.5,
        growth_interval=2000,
        dynamic=True,
        max_scale=2.0**24,
    )  # fmt: skip  (apex amp O1's dynamic scaler)
    assert dist.schedules.lr_config["by_epoch"] is False  # IterBasedRunner's default
    assert dist.run == RunLength(max_iters=40, by_epoch=False)
    assert dist.schedules.dialect == "mmcv" and dist.schedules.factory("weight_decay") is None

    zero = normalize(
        dict(
            optim_wrapper=dict(
                optimizer=dict(type="ZeroRedundancyOptimizer", optimizer_type="AdamW", lr=1e-3),
                clip_grad=dict(type="value", clip_value=0.5),
                constructor="LearningRateDecayOptimizerConstructor",
                paramwise_cfg=dict(decay_rate=0.9, num_layers=12),
            ),
            param_scheduler=[dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=5)],
            auto_scale_lr=dict(enable=True, base_batch_size=16),
        ),
        batch_size=64,
    )
    assert zero.shard_opt_state and zero.optimizer.type == "AdamW"
    assert zero.optimizer.kwargs["lr"] == pytest.approx(4e-3)  # auto_scale_lr: 64 / 16
    assert (zero.grad_clip, zero.clip_value) == (None, 0.5)
    assert zero.paramwise.constructor == "LayerDecayOptimizerConstructor"
    assert dict(zero.paramwise.paramwise_cfg) == dict(
        dialect="mmengine", decay_rate=0.9, num_layers=12
    )
    assert zero.schedules.dialect == "mmengine" and zero.precision == "float32"
    lr = zero.schedules.factory("lr")(np.array([1.0]))
    np.testing.assert_allclose([float(lr(i)[0]) for i in (0, 5)], [0.1, 1.0], rtol=1e-6)

    selfsup = normalize(
        dict(
            optimizer=dict(SGD, paramwise_options={"predictor": dict(fix_lr=True)}),
            lr_config=dict(policy="CosineAnnealing", min_lr=0.0, by_epoch=True),
            custom_hooks=[dict(type="SimSiamHook", fix_pred_lr=True, lr=0.1, priority="HIGH")],
            runner=dict(type="EpochBasedRunner", max_epochs=2),
        )
    )
    assert selfsup.paramwise.fixed_lr == 0.1 and selfsup.paramwise.has_fix_lr_rule
    assert dict(selfsup.paramwise.paramwise_options) == {"predictor": {"fix_lr": True}}
    assert "paramwise_options" not in selfsup.optimizer.kwargs

    tsm = normalize(
        dict(type="SGD", lr=0.1, constructor="TSMOptimizerConstructor",
             paramwise_cfg=dict(fc_lr5=True))
    )  # fmt: skip
    assert tsm.paramwise.constructor == "TSMOptimizerConstructor"
    assert dict(tsm.paramwise.paramwise_cfg) == {"fc_lr5": True}


@pytest.mark.parametrize(
    "cfg, error, match",
    [
        (dict(optimizer=dict(SGD), lr_confg=dict(policy="step")), KeyError, "lr_config"),
        (dict(optimizer=dict(SGD), param_scheduler=[]), KeyError, "optim_wrapper"),
        (dict(optimizer=dict(lr=0.1)), KeyError, "type"),
        (dict(optimizer=dict(SGD), total_epochs=3, runner=dict(max_epochs=4)), ValueError, "4"),
    ],
)
def test_bad_configs_raise_in_the_front_end(cfg, error, match):
    with pytest.raises(error, match=match):
        normalize(cfg)


def test_the_setup_is_immutable_and_the_config_untouched():
    cfg = _mmengine()
    cfg["optim_wrapper"] = dict(
        optimizer=dict(SGD, betas=[0.9, 0.99]),
        paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=2.0)}),
    )
    before = copy.deepcopy(cfg)
    setup = normalize(Config(cfg))
    assert cfg == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        setup.precision = "float16"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setup.optimizer.type = "Adam"
    with pytest.raises(TypeError):
        setup.optimizer.kwargs["lr"] = 1.0
    with pytest.raises(TypeError):
        setup.paramwise.paramwise_cfg["custom_keys"]["head"]["lr_mult"] = 3.0
    assert isinstance(setup.optimizer.kwargs["betas"], tuple)  # no list to append to
    # what a consumer takes is a fresh plain copy: changing it changes nothing
    taken = setup.optimizer.config()
    taken["betas"].append(1.0)
    assert taken["betas"] == [0.9, 0.99, 1.0] and list(setup.optimizer.kwargs["betas"]) == [
        0.9, 0.99,
    ]  # fmt: skip
    assert normalize(setup) is setup
    with pytest.raises(TypeError, match="max_iters"):
        normalize(setup, max_iters=10)


def _params():
    return {
        "backbone": {"kernel": jnp.ones((3, 2)), "bias": jnp.ones(2)},
        "head": {"kernel": jnp.full((2, 2), 0.5)},
    }


def test_consumers_take_a_prebuilt_setup_with_the_same_results():
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(SGD),
            paramwise_cfg=dict(bias_decay_mult=0.0, custom_keys={"head": dict(lr_mult=2.0)}),
            clip_grad=dict(max_norm=1.0),
        ),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.25, by_epoch=False, end=3),
            dict(type="MultiStepLR", milestones=[1], by_epoch=True),
        ],
        train_cfg=dict(by_epoch=True, max_epochs=2),
    )
    setup = normalize(cfg, iters_per_epoch=4)
    params = _params()
    assert str(jaxoptim.explain(setup, params)) == str(jaxoptim.explain(cfg, params))
    got, want = schedule_values(setup), schedule_values(cfg, iters_per_epoch=4)
    assert got.keys() == want.keys() == {"iteration", "lr"}
    for key in want:
        np.testing.assert_array_equal(got[key], want[key])
    runs = []
    for tx in (jaxoptim.make_optimizer(setup), jaxoptim.make_optimizer(cfg, iters_per_epoch=4)):
        state, p, lrs = tx.init(params), params, []
        for i in range(8):
            grads = jax.tree.map(lambda x, i=i: jnp.sin(x + i), p)
            updates, state = tx.update(grads, state, p)
            p = jax.tree.map(lambda a, b: a + b, p, updates)
            lrs.append(np.asarray(state.hyperparams["lr"]))
        runs.append((p, np.stack(lrs)))
    for a, b in zip(jax.tree.leaves(runs[0]), jax.tree.leaves(runs[1]), strict=True):
        np.testing.assert_array_equal(a, b)
    # and the schedule is the one the plot shows (group 0: the optimizer's own lr)
    np.testing.assert_allclose(runs[0][1][:, 0], want["lr"], rtol=1e-6)


_CONFIG_PATH = ("builder", "frontend", "mmcv_cfg", "mmengine_cfg", "paramwise", "plot")


@pytest.mark.parametrize("name", _CONFIG_PATH)
def test_no_module_on_the_config_path_imports_inside_a_function(name):
    """A function-level import of a jaxoptim module is how a cycle was dodged: none is left."""
    tree = ast.parse((ROOT / "jaxoptim" / f"{name}.py").read_text())
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    late = []
    for fn in functions:
        for node in ast.walk(fn):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jaxoptim"):
                late.append((fn.name, node.module))
            if isinstance(node, ast.Import):
                late += [(fn.name, a.name) for a in node.names if a.name.startswith("jaxoptim")]
    assert late == []


def test_paramwise_no_longer_imports_mmengine_cfg():
    source = (ROOT / "jaxoptim" / "paramwise.py").read_text()
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else a.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for a in node.names
    ]
    imported += [
        f"{node.module}.{a.name}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom)
        for a in node.names
    ]
    assert not [m for m in imported if "mmengine_cfg" in m or m.endswith(".builder")]


def test_total_epochs_without_a_runner_is_an_epoch_based_runner():
    """mmdet / mmcls 2.x's train_*: no `runner` -> EpochBasedRunner(max_epochs=total_epochs)."""
    old = dict(optimizer=dict(SGD), lr_config=dict(policy="step", step=[1]), total_epochs=3)
    setup = normalize(old, iters_per_epoch=5)
    assert setup.run == RunLength(max_iters=15, iters_per_epoch=5, max_epochs=3, by_epoch=True)
    assert setup.run.loop == "EpochBasedRunner"
    assert setup == normalize(
        dict(old, total_epochs=None, runner=dict(type="EpochBasedRunner", max_epochs=3)),
        iters_per_epoch=5,
    )
    np.testing.assert_allclose(
        schedule_values(setup)["lr"], [0.1] * 5 + [0.01] * 10, rtol=1e-6
    )  # by epoch: the lr hook's default under an EpochBasedRunner
    # the CLI: the run's length and by-epoch checkpoints come from it
    cfg = cli.load_config(ROOT / "configs" / "sgd_step_lr.py")
    del cfg["runner"]
    cfg["total_epochs"] = 2
    task = cli.build_task(cfg, init=False)
    assert task.max_iters == 2 * task.iters_per_epoch
    assert cli._run_settings(cfg, task.setup).ckpt_by_epoch is True
    with_runner = dict(cfg, runner=dict(type="EpochBasedRunner", max_epochs=2))
    del with_runner["total_epochs"]
    assert cli.build_task(with_runner, init=False).setup == task.setup


EXPECTED = json.loads((DATA / "real_configs_expected.json").read_text())


def _fixed_lr_cases():
    cases = []
    for path, record in sorted(EXPECTED["configs"].items()):
        for length, sched in record.get("schedules", {}).items():
            if "fixed_lr" in EXPECTED["schedules"].get(sched.get("id"), {}):
                cases.append(pytest.param(path, sched["id"], int(length), id=f"{path}@{length}"))
    return cases


@pytest.mark.parametrize("path, sched_id, length", _fixed_lr_cases())
def test_schedule_values_report_simsiam_fix_lr_groups(path, sched_id, length):
    """The plot's `fixed_lr`: the lr SimSiamHook holds the fix_lr groups at (the corpus's
    mmcv / mmengine records), beside the scheduled lr."""
    expected = EXPECTED["schedules"][sched_id]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cfg = Config.fromfile(DATA / "real_configs" / path, import_custom_modules=False)
        got = schedule_values(cfg, iters_per_epoch=length)
    iterations = np.asarray(expected["iterations"])
    assert len(got["fixed_lr"]) == expected["max_iters"]
    np.testing.assert_allclose(got["lr"][iterations], expected["lr"], rtol=1e-6, atol=0)
    np.testing.assert_allclose(got["fixed_lr"][iterations], expected["fixed_lr"], rtol=1e-6)
    # without the hook the flag is inert: no fixed groups to report
    del cfg["custom_hooks"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert "fixed_lr" not in schedule_values(cfg, iters_per_epoch=length)


def test_setup_is_exported():
    assert jaxoptim.normalize is normalize and jaxoptim.OptimSetup is OptimSetup
    assert {"normalize", "OptimSetup"} <= set(jaxoptim.__all__)
