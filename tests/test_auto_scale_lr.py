"""auto_scale_lr: every lr times batch_size / base_batch_size, as mmengine's runner (and mmdet 2.x).

mmengine multiplies each built param group's lr by the ratio before the schedulers record their
initial lr, so lr multipliers and absolute custom-key lrs scale, and absolute scheduler values
(`eta_min`) do not. The expectations are the same config with the lrs written scaled.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxoptim
from jaxoptim import plot

PARAMS = {
    "backbone": {"conv": {"kernel": jnp.ones((2, 2), jnp.float32)}},
    "neck": {"kernel": jnp.ones((2, 2), jnp.float32)},
    "head": {"kernel": jnp.ones((2, 2), jnp.float32)},
}
STEPS = 5


def _engine(lr, neck_lr, *, auto=None):
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=lr, momentum=0.9),
            paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=0.1), "neck": dict(lr=neck_lr)}),
        ),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.5, by_epoch=False, end=2),
            dict(type="CosineAnnealingLR", eta_min=1e-3, by_epoch=False, begin=2, end=STEPS),
        ],
        train_cfg=dict(by_epoch=False, max_iters=STEPS),
    )
    if auto is not None:
        cfg["auto_scale_lr"] = auto
    return cfg


def _trajectory(tx):
    state = tx.init(PARAMS)
    update = jax.jit(tx.update)
    grads = jax.tree_util.tree_map(jnp.ones_like, PARAMS)
    params, out = PARAMS, []
    for _ in range(STEPS):
        updates, state = update(grads, state, params)
        params = optax.apply_updates(params, updates)
        out.append(params)
    return out, state


def test_mmengine_config_scales_every_group_lr_and_keeps_absolute_scheduler_values():
    auto = dict(enable=True, base_batch_size=16)
    scaled, state = _trajectory(
        jaxoptim.make_optimizer(_engine(0.02, 0.5, auto=auto), batch_size=64)
    )
    by_hand, _ = _trajectory(jaxoptim.make_optimizer(_engine(0.08, 2.0)))
    for got, want in zip(scaled, by_hand):
        for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    # the last iteration is 2/3 through the cosine: eta_min + (base - eta_min) / 4, with the
    # scaled bases and the absolute (unscaled) eta_min
    want = [1e-3 + (base - 1e-3) / 4 for base in (0.08, 0.008, 2.0)]
    np.testing.assert_allclose(np.asarray(state.hyperparams["lr"]), want, rtol=1e-5)


def test_disabled_or_absent_changes_nothing():
    plain, _ = _trajectory(jaxoptim.make_optimizer(_engine(0.02, 0.5)))
    off, _ = _trajectory(
        jaxoptim.make_optimizer(
            _engine(0.02, 0.5, auto=dict(enable=False, base_batch_size=16)), batch_size=64
        )
    )
    for a, b in zip(jax.tree_util.tree_leaves(plain), jax.tree_util.tree_leaves(off)):
        np.testing.assert_array_equal(a, b)


def test_mmcv_config_scales_optimizer_lr_as_mmdet2():
    def cfg(lr, auto=None):
        out = dict(
            optimizer=dict(
                type="SGD", lr=lr, paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=0.1)})
            ),
            lr_config=dict(policy="step", step=[2], by_epoch=False),
            runner=dict(type="IterBasedRunner", max_iters=STEPS),
        )
        return out if auto is None else dict(out, auto_scale_lr=auto)

    auto = dict(enable=True, base_batch_size=16)
    scaled, _ = _trajectory(jaxoptim.make_optimizer(cfg(0.01, auto), batch_size=8))
    by_hand, _ = _trajectory(jaxoptim.make_optimizer(cfg(0.005)))
    for a, b in zip(jax.tree_util.tree_leaves(scaled), jax.tree_util.tree_leaves(by_hand)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_default_lr_is_scaled_when_the_config_has_none():
    cfg = dict(
        optim_wrapper=dict(optimizer=dict(type="Adam")),
        auto_scale_lr=dict(enable=True, base_batch_size=4),
    )
    rows = jaxoptim.explain(cfg, PARAMS, batch_size=8)
    assert {row.lr for row in rows} == {2e-3}  # torch Adam's default 1e-3, times 2


def test_explain_and_plot_show_the_scaled_lrs():
    cfg = _engine(0.02, 0.5, auto=dict(enable=True, base_batch_size=16))
    lrs = {row.name: row.lr for row in jaxoptim.explain(cfg, PARAMS, batch_size=32)}
    assert lrs == pytest.approx(
        {"backbone.conv.kernel": 0.04, "neck.kernel": 1.0, "head.kernel": 0.004}
    )
    values = plot.schedule_values(cfg, batch_size=32)["lr"]
    np.testing.assert_allclose(values[0], 0.02, rtol=1e-6)  # LinearLR's start_factor 0.5 of 0.04
    mmcv = dict(
        optimizer=dict(type="SGD", lr=0.1),
        runner=dict(type="IterBasedRunner", max_iters=3),
        auto_scale_lr=dict(enable=True, base_batch_size=2),
    )
    np.testing.assert_allclose(plot.schedule_values(mmcv, batch_size=4)["lr"], 0.2, rtol=1e-6)


@pytest.mark.parametrize(
    "auto, batch_size, error, match",
    [
        (dict(enable=True, base_batch_size=16), None, ValueError, "auto_scale_lr.*batch_size"),
        (dict(enable=True), 8, KeyError, "base_batch_size"),
        (dict(enable=True, base_batch_size=0), 8, ValueError, "base_batch_size"),
        (dict(enable=True, base_batch_size="16"), 8, ValueError, "base_batch_size"),
        (dict(enable=True, base_batch_size=16), 0, ValueError, "batch_size must be a positive"),
        (dict(enable=True, base_batch_size=16), 2.5, ValueError, "batch_size must be a positive"),
        (dict(enable=1, base_batch_size=16), 8, TypeError, "auto_scale_lr.enable"),
        (dict(enable=True, base_bs=16), 8, KeyError, "base_bs"),
    ],
)
def test_bad_auto_scale_lr_names_the_key(auto, batch_size, error, match):
    with pytest.raises(error, match=match):
        jaxoptim.make_optimizer(_engine(0.02, 0.5, auto=auto), batch_size=batch_size)
    mmcv = dict(optimizer=dict(type="SGD", lr=0.1), auto_scale_lr=auto)
    with pytest.raises(error, match=match):
        jaxoptim.make_optimizer(mmcv, batch_size=batch_size)


@pytest.mark.parametrize(
    "batch_size, error",
    [(True, ValueError), (-4, ValueError), (0, ValueError), ("32", ValueError), (4.0, ValueError)],
)
def test_auto_scale_lr_batch_size_must_be_a_positive_int(batch_size, error):
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1),
        auto_scale_lr=dict(enable=True, base_batch_size=16),
    )
    with pytest.raises(error, match="batch_size"):
        jaxoptim.make_optimizer(cfg, batch_size=batch_size)


def test_auto_scale_lr_numpy_batch_size_is_the_int_it_is():
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1), auto_scale_lr=dict(enable=True, base_batch_size=16)
    )
    rows = jaxoptim.explain(cfg, {"w": jnp.zeros(2)}, batch_size=np.int64(32))
    assert [row.lr for row in rows] == [pytest.approx(0.2)]


def test_auto_scale_lr_needs_an_lr_to_scale():
    jaxoptim.OPTIMIZERS.register_module(
        name="AdversarialNoLr", module=lambda: jaxoptim.OPTIMIZERS.get("optax.sgd")(0.1), force=True
    )
    cfg = dict(
        optimizer=dict(type="AdversarialNoLr"), auto_scale_lr=dict(enable=True, base_batch_size=2)
    )
    with pytest.raises(ValueError, match="auto_scale_lr.*no `lr`"):
        jaxoptim.make_optimizer(cfg, batch_size=4)
