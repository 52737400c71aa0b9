"""make_optimizer with mmengine configs: optim_wrapper / param_scheduler / train_cfg translation.

The numbers are checked against mmengine and torch in ``tests/parity/``
(``test_param_scheduler_mmengine.py``, ``test_optim_wrapper_mmengine.py``); here: what maps
to what, the precision hint, value clipping, the CLI, and every error path.
"""

from __future__ import annotations

from pathlib import Path

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch

import jaxoptim
from jaxoptim import cli, clipping, mmengine_cfg, param_scheduler, plot

SGD = dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)


def _cfg(**wrapper):
    return dict(optim_wrapper=dict(dict(optimizer=SGD), **wrapper))


def _run(tx, params, grads_list):
    state = tx.init(params)
    update = jax.jit(tx.update)
    out = []
    for grads in grads_list:
        updates, state = update(grads, state, params)
        params = optax.apply_updates(params, updates)
        out.append(params)
    return out, state


def test_translation_maps_onto_the_mmcv_sections():
    t = mmengine_cfg.translate(
        dict(
            optim_wrapper=dict(
                type="AmpOptimWrapper",
                optimizer=SGD,
                paramwise_cfg=dict(bias_lr_mult=2.0),
                clip_grad=dict(max_norm=35, norm_type=2),
                accumulative_counts=4,
                loss_scale=512.0,
                dtype="bfloat16",
            ),
            train_cfg=dict(by_epoch=True, max_epochs=3),
        ),
        iters_per_epoch=10,
    )
    assert t.mmcv == {
        "optimizer": dict(
            SGD,
            constructor="DefaultOptimizerConstructor",
            paramwise_cfg=dict(dialect="mmengine", bias_lr_mult=2.0),
        ),
        "optimizer_config": {"grad_clip": {"max_norm": 35, "norm_type": 2}, "cumulative_iters": 4},
        "fp16": {"loss_scale": 512.0},
    }
    assert (t.precision, t.max_iters, t.clip_value, t.lr, t.momentum) == (
        "bfloat16", 30, None, None, None,
    )  # fmt: skip


@pytest.mark.parametrize(
    "wrapper, precision",
    [
        (dict(), "float32"),
        (dict(type="AmpOptimWrapper"), "float16"),
        (dict(type="AmpOptimWrapper", dtype="bfloat16"), "bfloat16"),
        (dict(type="AmpOptimWrapper", dtype="float32"), "float32"),
    ],
)
def test_precision_hint_reaches_info_and_the_cli(wrapper, precision):
    cfg = _cfg(**wrapper)
    tx = jaxoptim.make_optimizer(cfg)
    assert tx.info.precision == precision
    assert tx.info.loss_scaling == ("type" in wrapper)
    assert cli._precision(cfg) == precision
    assert cli._precision(dict(cfg, precision="float32")) == "float32"


def test_default_constructor_uses_the_mmengine_dialect():
    params = {"conv": {"kernel": jnp.zeros((3, 3, 1, 4)), "bias": jnp.zeros(4)}}
    kinds = {"conv": {"kernel": "dwconv", "bias": "dwconv"}}
    wrapper = dict(paramwise_cfg=dict(bias_decay_mult=0.5, dwconv_decay_mult=0.0))
    table = jaxoptim.explain(_cfg(**wrapper), params, param_kinds=kinds)
    assert table.dialect == "mmengine"
    # mmengine: bias before depthwise (mmcv 1.x: depthwise first)
    assert table.group("conv.bias").weight_decay == pytest.approx(0.5e-4)
    mmcv = dict(optimizer=dict(SGD, paramwise_cfg=wrapper["paramwise_cfg"]))
    assert jaxoptim.explain(mmcv, params, param_kinds=kinds).group("conv.bias").weight_decay == 0
    explicit = dict(paramwise_cfg=dict(wrapper["paramwise_cfg"], dialect="mmcv"))
    assert jaxoptim.explain(_cfg(**explicit), params, param_kinds=kinds).dialect == "mmcv"


def test_layer_decay_constructor_and_user_constructors_are_looked_up():
    params = {"blocks_0": {"kernel": jnp.zeros((2, 2))}, "head": {"kernel": jnp.zeros((2, 2))}}
    cfg = _cfg(
        constructor="LayerDecayOptimizerConstructor",
        paramwise_cfg=dict(num_layers=1, layer_decay_rate=0.5),
    )
    table = jaxoptim.explain(cfg, params)
    assert table.group("blocks_0.kernel").lr == pytest.approx(0.05)
    assert table.group("head.kernel").lr == pytest.approx(0.1)
    with pytest.raises(KeyError, match="NoSuchConstructor"):
        jaxoptim.make_optimizer(_cfg(constructor="NoSuchConstructor"))


def test_accumulation_is_mmcvs_rule():
    cfg = _cfg(accumulative_counts=3)
    cfg["train_cfg"] = dict(type="IterBasedTrainLoop", max_iters=8)
    tx = jaxoptim.make_optimizer(cfg)
    assert (tx.info.cumulative_iters, tx.info.max_iters) == (3, 8)
    ref = jaxoptim.make_optimizer(
        dict(optimizer=SGD, optimizer_config=dict(cumulative_iters=3)), max_iters=8
    )
    params = {"w": jnp.ones(3)}
    grads = [{"w": jnp.full(3, float(i + 1))} for i in range(8)]
    got, _ = _run(tx, params, grads)
    want, _ = _run(ref, params, grads)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a["w"], b["w"])


def test_value_clip_equals_torch_clip_grad_value():
    rng = np.random.default_rng(0)
    grads = {"a": rng.normal(size=(4, 3)).astype(np.float32), "b": rng.normal(size=5)}
    grads["b"] = grads["b"].astype(np.float32)
    grads["b"][0] = np.inf
    grads["b"][1] = np.nan
    tensors = {k: torch.nn.Parameter(torch.zeros(v.shape)) for k, v in grads.items()}
    for k, t in tensors.items():
        t.grad = torch.tensor(grads[k])
    torch.nn.utils.clip_grad_value_(list(tensors.values()), clip_value=0.3)
    tx = clipping.clip_by_value(0.3, trainable={"a": True, "b": True})
    out, _ = jax.jit(tx.update)(jax.tree_util.tree_map(jnp.asarray, grads), tx.init(None))
    for k in grads:
        np.testing.assert_array_equal(np.asarray(out[k]), tensors[k].grad.numpy())
    frozen = clipping.clip_by_value(0.3, trainable={"a": False, "b": True})
    out, _ = frozen.update(jax.tree_util.tree_map(jnp.asarray, grads), frozen.init(None))
    np.testing.assert_array_equal(np.asarray(out["a"]), grads["a"])


def test_value_clip_runs_after_unscaling_and_a_non_finite_step_is_skipped():
    cfg = _cfg(
        type="AmpOptimWrapper",
        clip_grad=dict(type="value", clip_value=0.01),
        loss_scale=dict(init_scale=4.0),
    )
    cfg["optim_wrapper"]["optimizer"] = dict(type="SGD", lr=1.0)
    tx = jaxoptim.make_optimizer(cfg)
    assert tx.info.clip_value == 0.01
    params = {"w": jnp.zeros(2)}
    # scaled gradients 4 * [0.5, -0.002]: unscaled, then clamped to 0.01
    out, state = _run(tx, params, [{"w": jnp.array([2.0, -0.008])}])
    np.testing.assert_allclose(out[0]["w"], [-0.01, 0.002], rtol=1e-6)
    out2, state = _run(tx, params, [{"w": jnp.array([jnp.inf, 0.0])}])
    np.testing.assert_array_equal(out2[0]["w"], [0.0, 0.0])
    assert float(jaxoptim.current_loss_scale(state)) == 2.0


class _Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(1)(nn.relu(nn.Dense(4)(x)))


def test_train_step_compiles_once_while_the_schedules_move():
    cfg = dict(
        optim_wrapper=dict(
            type="AmpOptimWrapper",
            optimizer=dict(type="AdamW", lr=1e-2, betas=(0.9, 0.99)),
            clip_grad=dict(max_norm=1.0),
            accumulative_counts=2,
        ),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=5),
            dict(type="CosineAnnealingLR", eta_min=1e-4, by_epoch=True, begin=1),
            dict(type="StepMomentum", step_size=1, gamma=0.98, by_epoch=True),
        ],
        train_cfg=dict(by_epoch=True, max_epochs=4),
    )
    model = _Net()
    x = jnp.ones((8, 3))
    traces = []

    def loss_fn(p, batch):
        traces.append(1)
        return jnp.mean(model.apply({"params": p}, batch) ** 2)

    params = model.init(jax.random.key(0), x)["params"]
    tx = jaxoptim.make_optimizer(cfg, iters_per_epoch=5)
    step = jaxoptim.make_train_step(loss_fn, tx, precision=tx.info.precision)
    state = jaxoptim.TrainState.create(params=params, tx=tx)
    lrs, momenta = [], []
    for _ in range(20):
        state, metrics = step(state, x)
        lrs.append(float(metrics["lr"]))
        momenta.append(float(metrics["momentum"]))
    assert len(set(lrs)) > 5 and len(set(momenta)) == 4
    assert len(traces) == 1 and step._cache_size() == 1


def test_cli_trains_schedules_and_explains_an_mmengine_config(tmp_path):
    path = Path(__file__).resolve().parents[1] / "configs" / "digits_demo_mmengine.py"
    cfg = cli.load_config(path)
    task = cli.build_task(cfg, init=False)
    assert (task.max_iters, task.precision) == (12 * 21, "float32")
    out = cli.schedule(path, tmp_path / "lr.png")
    assert out.stat().st_size > 0
    values = plot.schedule_values(cfg, iters_per_epoch=21)
    lr = values["lr"]
    assert lr.shape == (12 * 21,)
    np.testing.assert_allclose(
        lr[[0, 20, 8 * 21, 11 * 21]], [0.005, 0.05, 0.005, 0.0005], rtol=1e-6
    )
    assert "mmengine dialect" in cli.explain(path)
    bad = cli.load_config(path, ["train_cfg.max_epochs=0"])
    with pytest.raises(cli.CLIError, match="max_epochs"):
        cli.build_task(bad, init=False)


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cfg, error, match",
    [
        (dict(_cfg(), lr_config=dict(policy="step", step=[1])), KeyError,
         r"optim_wrapper.*lr_config"),
        # a top-level `optimizer` other than the wrapper's (equal: mmselfsup 1.x's variable)
        (dict(_cfg(), optimizer=dict(SGD, lr=0.2)), KeyError, r"optim_wrapper.*\['optimizer'\]"),
        (dict(optim_wrapper=dict(type="ApexOptimWrapper", optimizer=SGD)), KeyError,
         "ApexOptimWrapper"),
        (dict(optim_wrapper=dict(type="OptimWrapper")), KeyError, "needs an `optimizer`"),
        (_cfg(clip_gard=dict(max_norm=1)), KeyError, r"clip_gard=\{'max_norm': 1\}.*allowed"),
        (_cfg(loss_scale="dynamic"), KeyError, r"'OptimWrapper'.*loss_scale='dynamic'"),
        (_cfg(type="AmpOptimWrapper", loss_scale="static"), TypeError, "loss_scale"),
        (_cfg(type="AmpOptimWrapper", dtype="float64"), ValueError, "dtype='float64'"),
        (_cfg(type="AmpOptimWrapper", use_fsdp=True), ValueError, "use_fsdp"),
        (_cfg(clip_grad=dict()), TypeError, "non-empty"),
        (_cfg(clip_grad=dict(type="foo", max_norm=1)), ValueError, "'norm' or 'value'"),
        (_cfg(clip_grad=dict(type="value")), KeyError, "clip_value"),
        (_cfg(clip_grad=dict(type="value", clip_value=-1.0)), ValueError, "clip_value"),
        (_cfg(clip_grad=dict(type="value", clip_value=1.0, max_norm=2)), KeyError, "max_norm=2"),
        (_cfg(clip_grad=dict(max_norm=1, norm="l2")), KeyError, "norm='l2'"),
        (_cfg(accumulative_counts=0), ValueError, "accumulative_counts"),
        (_cfg(paramwise_cfg=[1]), TypeError, "paramwise_cfg"),
        (dict(optim_wrapper=dict(optimizer=dict(SGD, paramwise_cfg={}))), KeyError,
         "belongs in optim_wrapper"),
        (dict(optimizer=SGD, param_scheduler=[dict(type="StepLR", step_size=1)]), KeyError,
         "param_scheduler.*optim_wrapper"),
        (dict(_cfg(), train_cfg=dict(type="MyLoop", max_iters=3)), KeyError, "MyLoop"),
        (dict(_cfg(), train_cfg=dict(max_iters=3)), KeyError, "by_epoch"),
        (dict(_cfg(), train_cfg=dict(by_epoch=True, max_iters=3)), KeyError, "max_iters=3"),
        (dict(_cfg(), train_cfg=dict(by_epoch=False, max_iters=3, foo=1)), KeyError, "foo=1"),
        (dict(_cfg(), train_cfg=dict(type="IterBasedTrainLoop", max_iters=9),
              param_scheduler=dict(type="StepLR", step_size=1)), ValueError,
         "IterBasedTrainLoop"),
        (dict(_cfg(), train_cfg=dict(by_epoch=True, max_epochs=2),
              param_scheduler=dict(type="LinearLR", by_epoch=False)), ValueError,
         "iters_per_epoch"),
        (dict(_cfg(), param_scheduler="StepLR"), TypeError, "list of dicts"),
        (dict(_cfg(), auto_scale_lr=dict(enable=True, base_batch_size=16)), ValueError,
         "auto_scale_lr"),
        (dict(_cfg(), param_scheduler=[dict(type="ReduceOnPlateauLR", by_epoch=False)]),
         ValueError, "by_epoch=False: mmengine supports only True"),
        (dict(optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
              param_scheduler=dict(type="StepMomentum", step_size=1, by_epoch=False)),
         ValueError, "momentum=0"),
        (dict(optim_wrapper=dict(optimizer=dict(type="Adam", lr=0.1)),
              param_scheduler=dict(type="StepParamScheduler", param_name="momentum",
                                   step_size=1, by_epoch=False)),
         KeyError, r"param_scheduler\[0\] \(StepParamScheduler\).*does not have"),
        (dict(optim_wrapper=dict(optimizer=dict(type="Adagrad", lr=0.1)),
              param_scheduler=dict(type="StepMomentum", step_size=1, by_epoch=False)),
         ValueError, "must support momentum"),
    ],
)  # fmt: skip
def test_bad_configs_raise_naming_the_key(cfg, error, match):
    with pytest.raises(error, match=match):
        jaxoptim.make_optimizer(cfg)


def test_a_top_level_optimizer_the_wrapper_reuses_is_mmengines_unread_variable():
    # mmselfsup 1.x: `optimizer = dict(...)`, then `optim_wrapper = dict(optimizer=optimizer)`
    t = mmengine_cfg.translate(dict(_cfg(), optimizer=dict(SGD)))
    assert t.mmcv["optimizer"]["lr"] == SGD["lr"]


def test_by_epoch_default_end_needs_the_loop_length():
    timing = mmengine_cfg.timing(dict(train_cfg=dict(by_epoch=True, max_epochs=3)), None, 4)
    assert timing == param_scheduler.Timing(4, 12, 3, True, 12, True)
    timing = mmengine_cfg.timing(dict(train_cfg=dict(by_epoch=False, max_iters=7)), 5, None)
    assert (timing.max_iters, timing.loop_iters, timing.epoch_loop) == (5, 7, False)


def test_scoped_type_names_are_the_names_without_their_scope():
    """mmengine configs name other projects' registries: 'mmdet.QuadraticWarmupLR' (YOLOX)."""
    scoped = dict(
        optim_wrapper=dict(
            type="mmengine.OptimWrapper",
            constructor="mmengine.DefaultOptimWrapperConstructor",
            optimizer=dict(type="mmengine.SGD", lr=0.1, momentum=0.9, weight_decay=1e-4),
            paramwise_cfg=dict(norm_decay_mult=0.0),
        ),
        param_scheduler=[
            dict(type="mmdet.QuadraticWarmupLR", by_epoch=False, begin=0, end=4),
            dict(type="mmengine.CosineAnnealingLR", by_epoch=False, begin=4, end=10, eta_min=0.0),
            dict(type="mmdet.ReduceOnPlateauLR", patience=0),
        ],
        train_cfg=dict(type="mmengine.EpochBasedTrainLoop", max_epochs=2),
    )

    def unscoped(tree):
        if isinstance(tree, dict):
            return {
                k: (v.split(".", 1)[1] if k in ("type", "constructor") else unscoped(v))
                for k, v in tree.items()
            }
        if isinstance(tree, list):
            return [unscoped(v) for v in tree]
        return tree

    params = {"conv": {"kernel": jnp.ones((2, 2))}, "bn": {"scale": jnp.ones(2)}}
    grads = [jax.tree_util.tree_map(lambda p, s=s: p * s, params) for s in range(1, 11)]
    got, _ = _run(jaxoptim.make_optimizer(scoped, iters_per_epoch=5), params, grads)
    want, _ = _run(jaxoptim.make_optimizer(unscoped(scoped), iters_per_epoch=5), params, grads)
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_array_equal(a, b)
    rows = {r.name: r.weight_decay for r in jaxoptim.explain(scoped, params)}
    assert rows == {"bn.scale": 0.0, "conv.kernel": 1e-4}  # mmengine's dialect was kept
    amp = dict(optim_wrapper=dict(type="mmengine.AmpOptimWrapper", optimizer=SGD))
    assert jaxoptim.make_optimizer(amp).info.loss_scaling
    assert mmengine_cfg.precision_hint(amp) == "float16"


def test_zero_redundancy_optimizer_is_the_optimizer_it_wraps_with_a_sharding_hint():
    zero = dict(
        optim_wrapper=dict(
            optimizer=dict(
                type="ZeroRedundancyOptimizer",
                optimizer_type="AdamW",
                lr=1e-3,
                weight_decay=0.05,
                parameters_as_bucket_view=True,
            ),
            paramwise_cfg=dict(norm_decay_mult=0.0),
        )
    )
    plain = dict(
        optim_wrapper=dict(
            optimizer=dict(type="AdamW", lr=1e-3, weight_decay=0.05),
            paramwise_cfg=dict(norm_decay_mult=0.0),
        )
    )
    params = {"conv": {"kernel": jnp.ones((2, 2))}, "bn": {"scale": jnp.ones(2)}}
    grads = [jax.tree_util.tree_map(lambda p, s=s: p * s, params) for s in (1.0, -2.0, 0.5)]
    tx = jaxoptim.make_optimizer(zero)
    assert tx.info.shard_opt_state and not jaxoptim.make_optimizer(plain).info.shard_opt_state
    got, _ = _run(tx, params, grads)
    want, _ = _run(jaxoptim.make_optimizer(plain), params, grads)
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_array_equal(a, b)
    assert [r.weight_decay for r in jaxoptim.explain(zero, params)] == [0.0, 0.05]


@pytest.mark.parametrize(
    "extra, error, match",
    [
        (dict(optimizer_type=None), KeyError, "needs `optimizer_type`"),
        (dict(overlap_with_ddp=True), ValueError, "overlap_with_ddp"),
        (dict(process_group="gloo"), KeyError, "process_group"),
        (dict(parameters_as_bucket_view="yes"), TypeError, "parameters_as_bucket_view"),
        (dict(optimizer_type="AdamW", momentum=0.9), TypeError, "momentum"),
    ],
)
def test_zero_redundancy_optimizer_bad_arguments_name_the_key(extra, error, match):
    optimizer = {"type": "ZeroRedundancyOptimizer", "optimizer_type": "AdamW", "lr": 1e-3, **extra}
    if optimizer["optimizer_type"] is None:
        del optimizer["optimizer_type"]
    with pytest.raises(error, match=match):
        jaxoptim.make_optimizer(dict(optim_wrapper=dict(optimizer=optimizer)))
