"""Bad config values, both styles: each is an exception naming the key, or is accepted as mmcv does.

Found by throwing wrong types, NaN / inf, out-of-range numbers and numpy scalars at
``make_optimizer`` (mmcv 1.x and mmengine configs). NaN / inf hyperparameters used to train with
NaN; numpy scalars, which a programmatic config holds as often as Python numbers, used to be
refused (or, for a user optimizer's lr, silently replaced by the factory's default).
"""

from __future__ import annotations

import copy
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxoptim

PARAMS = {
    "backbone": {"conv": {"kernel": jnp.ones((3, 3, 1, 4)), "bias": jnp.zeros(4)}},
    "head": {"kernel": jnp.ones((4, 2)), "bias": jnp.zeros(2)},
}
GRADS = jax.tree.map(lambda p: jnp.full_like(p, 0.1), PARAMS)
NAN, INF = float("nan"), float("inf")

MMCV = dict(
    optimizer=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4),
    lr_config=dict(policy="step", step=[2, 3], by_epoch=False),
    runner=dict(type="IterBasedRunner", max_iters=10),
)
MMENGINE = dict(
    optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
    param_scheduler=[dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=3)],
    train_cfg=dict(type="IterBasedTrainLoop", max_iters=10),
)


def _with(base, path, value):
    cfg = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = cfg
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return cfg


def _params_after(cfg, steps=4, **kwargs):
    tx = jaxoptim.make_optimizer(cfg, **kwargs)
    state, params = tx.init(PARAMS), PARAMS
    for _ in range(steps):
        updates, state = tx.update(GRADS, state, params)
        params = optax.apply_updates(params, updates)
    return params


REJECTED = [
    # (base, path, value, exception, words the message must hold)
    (MMCV, "optimizer.lr", INF, ValueError, ["lr", "inf"]),
    (MMCV, "optimizer.weight_decay", INF, ValueError, ["weight_decay", "inf"]),
    (MMCV, "optimizer.paramwise_cfg", dict(bias_lr_mult=NAN), ValueError, ["bias_lr_mult"]),
    (MMCV, "optimizer.paramwise_cfg", dict(dwconv_decay_mult=INF), ValueError, ["dwconv"]),
    (
        MMCV,
        "optimizer.paramwise_cfg",
        dict(custom_keys={"head": dict(lr_mult=NAN)}),
        ValueError,
        ["custom_keys['head'].lr_mult", "nan"],
    ),
    (MMCV, "lr_config.gamma", NAN, ValueError, ["lr_config.gamma", "nan"]),
    (MMCV, "lr_config.gamma", -0.1, ValueError, ["lr_config.gamma", "-0.1"]),
    (MMCV, "lr_config.min_lr", NAN, ValueError, ["lr_config.min_lr"]),
    (MMCV, "lr_config.min_lr", -1.0, ValueError, ["lr_config.min_lr", "-1.0"]),
    (
        MMCV,
        "lr_config",
        dict(policy="Exp", gamma=INF, by_epoch=False),
        ValueError,
        ["lr_config.gamma", "inf"],
    ),
    (
        MMCV,
        "lr_config",
        dict(policy="CosineAnnealing", min_lr_ratio=NAN, by_epoch=False),
        ValueError,
        ["min_lr_ratio"],
    ),
    (
        MMCV,
        "lr_config",
        dict(policy="OneCycle", max_lr=NAN),
        ValueError,
        ["lr_config.max_lr", "nan"],
    ),
    (
        MMCV,
        "lr_config",
        dict(policy="OneCycle", max_lr=1.0, div_factor=0),
        ValueError,
        ["lr_config.div_factor", "0"],
    ),
    (
        MMCV,
        "lr_config",
        dict(policy="OneCycle", max_lr=1.0, final_div_factor=0.0),
        ValueError,
        ["lr_config.final_div_factor"],
    ),
    (
        MMCV,
        "momentum_config",
        dict(policy="CosineAnnealing", min_momentum=NAN, by_epoch=False),
        ValueError,
        ["momentum_config.min_momentum"],
    ),
    (
        MMENGINE,
        "param_scheduler",
        [dict(type="LinearLR", start_factor=NAN, by_epoch=False)],
        ValueError,
        ["start_factor", "nan"],
    ),
    (
        MMENGINE,
        "param_scheduler",
        [dict(type="ExponentialLR", gamma=NAN, by_epoch=False)],
        ValueError,
        ["gamma", "nan"],
    ),
    (
        MMENGINE,
        "param_scheduler",
        [dict(type="ExponentialLR", gamma=-1.0, by_epoch=False)],
        ValueError,
        ["gamma", "-1.0"],
    ),
    (
        MMENGINE,
        "param_scheduler",
        [dict(type="PolyLR", power=NAN, by_epoch=False)],
        ValueError,
        ["power", "nan"],
    ),
    (
        MMENGINE,
        "param_scheduler",
        [dict(type="CosineAnnealingLR", eta_min=-0.1, by_epoch=False)],
        ValueError,
        ["eta_min", "-0.1"],
    ),
    (
        MMENGINE,
        "param_scheduler",
        [dict(type="OneCycleLR", eta_max=1.0, div_factor=0, by_epoch=False)],
        ValueError,
        ["div_factor"],
    ),
    (
        MMENGINE,
        "optim_wrapper.paramwise_cfg",
        dict(custom_keys={"head": dict(lr=-1.0)}),
        ValueError,
        ["custom_keys['head'].lr", "-1.0"],
    ),
    (
        MMENGINE,
        "optim_wrapper.paramwise_cfg",
        dict(custom_keys={"head": dict(weight_decay=INF)}),
        ValueError,
        ["custom_keys['head'].weight_decay", "inf"],
    ),
    (MMENGINE, "auto_scale_lr", [1], TypeError, ["auto_scale_lr", "[1]"]),
    (MMENGINE, "auto_scale_lr", dict(enable=False, bsae_batch_size=16), KeyError, ["bsae"]),
    (MMENGINE, "auto_scale_lr", dict(enable="yes"), TypeError, ["auto_scale_lr.enable"]),
]


@pytest.mark.parametrize(
    "base,path,value,exc,words", REJECTED, ids=[f"{c[1]}={c[2]!r}" for c in REJECTED]
)
def test_bad_value_is_an_error_naming_the_key(base, path, value, exc, words):
    with pytest.raises(exc) as info:
        _params_after(_with(base, path, value), steps=1)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize("value,key", [(0, "iters_per_epoch"), (-1, "iters_per_epoch")])
def test_bad_iters_per_epoch_is_named_not_max_iters(value, key):
    cfg = _with(MMCV, "runner", dict(type="EpochBasedRunner", max_epochs=2))
    with pytest.raises(ValueError, match=f"`{key}` must be a positive int, got {value}"):
        jaxoptim.make_optimizer(cfg, iters_per_epoch=value)


NUMPY_SCALARS = [
    (MMCV, "optimizer.lr", np.float32(0.25), 0.25),
    (MMCV, "optimizer.lr", np.int64(1), 1),
    (MMCV, "optimizer.momentum", np.float64(0.5), 0.5),
    (MMCV, "optimizer.momentum", np.float32(0.5), 0.5),
    (MMCV, "optimizer_config.cumulative_iters", np.int64(2), 2),
    (MMCV, "lr_config.step", np.array([2, 3]), [2, 3]),
    (MMCV, "lr_config.step", [np.int64(2), np.int32(3)], [2, 3]),
    (MMENGINE, "optim_wrapper.accumulative_counts", np.int64(2), 2),
    (MMENGINE, "train_cfg.max_iters", np.int64(10), 10),
    (MMENGINE, "optim_wrapper.optimizer.lr", np.float32(0.25), 0.25),
]


@pytest.mark.parametrize(
    "base,path,value,plain", NUMPY_SCALARS, ids=[f"{c[1]}={c[2]!r}" for c in NUMPY_SCALARS]
)
def test_numpy_scalar_trains_as_the_python_number(base, path, value, plain):
    got = _params_after(_with(base, path, value))
    want = _params_after(_with(base, path, plain))
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("lr", [np.float32(0.5), np.float64(0.5), np.int64(1)])
def test_user_optimizer_numpy_lr_is_its_lr_not_the_factory_default(lr):
    def factory(lr=1e-3):
        return optax.sgd(lr)

    jaxoptim.OPTIMIZERS.register_module(name="AdversarialNumpySGD", module=factory, force=True)
    params = {"w": jnp.ones(3)}
    tx = jaxoptim.make_optimizer(dict(type="AdversarialNumpySGD", lr=lr))
    updates, _ = tx.update({"w": jnp.ones(3)}, tx.init(params), params)
    np.testing.assert_allclose(updates["w"], -float(lr) * np.ones(3), rtol=1e-6)


def test_layer_decay_numpy_numbers_are_accepted():
    paramwise = dict(num_layers=np.int64(2), layer_decay_rate=np.float32(0.5))
    cfg = dict(
        type="AdamW",
        lr=1e-3,
        constructor="LayerDecayOptimizerConstructor",
        paramwise_cfg=paramwise,
    )
    plain = dict(cfg, paramwise_cfg=dict(num_layers=2, layer_decay_rate=0.5))
    params = {"backbone": {"layers": {"0": {"w": jnp.ones(2)}}}, "head": {"w": jnp.ones(2)}}
    got = [row.lr for row in jaxoptim.explain(cfg, params)]
    want = [row.lr for row in jaxoptim.explain(plain, params)]
    assert got == want and all(math.isfinite(x) for x in got)


@pytest.mark.parametrize(
    "key,value,match",
    [
        ("lr", NAN, "`lr` must be finite"),
        ("lr", -0.1, "invalid `lr` value -0.1"),
        ("weight_decay", INF, "`weight_decay` must be finite"),
        ("momentum", -1.0, "invalid `momentum` value -1.0"),
        ("nesterov", "yes", "`nesterov` must be a bool"),
    ],
)
def test_explain_checks_the_optimizer_arguments_as_make_optimizer(key, value, match):
    cfg = {**dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4), key: value}
    with pytest.raises((TypeError, ValueError), match=match):
        jaxoptim.make_optimizer(cfg)
    with pytest.raises((TypeError, ValueError), match=match):
        jaxoptim.explain(cfg, PARAMS)
    with pytest.raises((TypeError, ValueError), match=match):
        jaxoptim.explain(dict(optim_wrapper=dict(optimizer=cfg)), PARAMS)


@pytest.mark.parametrize(
    "base,exc,match",
    [
        (NAN, ValueError, "base_lr must be finite and >= 0"),
        (-0.1, ValueError, "base_lr must be finite and >= 0"),
        ("0.1", TypeError, "base_lr must be a number"),
        ([0.1, INF], ValueError, "base_lr must be finite and >= 0"),
    ],
)
def test_lr_schedule_base_value_is_checked(base, exc, match):
    with pytest.raises(exc, match=match):
        jaxoptim.lr_schedule(dict(policy="Step", step=[2], by_epoch=False), base, max_iters=10)
    with pytest.raises(exc, match=match.replace("lr", "momentum")):
        jaxoptim.momentum_schedule(
            dict(policy="Step", step=[2], by_epoch=False), base, max_iters=10
        )


def test_lr_schedule_numpy_base_is_the_python_number():
    cfg = dict(policy="Step", step=[2], by_epoch=False)
    got = jaxoptim.lr_schedule(cfg, np.float32(0.5), max_iters=10)
    want = jaxoptim.lr_schedule(cfg, 0.5, max_iters=10)
    assert [float(got(i)) for i in range(4)] == [float(want(i)) for i in range(4)]
