"""Adversarial inputs for the param-group user optimizers, plateaus, auto_scale_lr and scopes.

Each case either trains as the plain input would or raises naming the key; none corrupts state.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxoptim


def _plateau_cfg(**plateau):
    return dict(
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=[dict(type="ReduceOnPlateauLR", patience=0, factor=0.5, **plateau)],
        train_cfg=dict(by_epoch=True, max_epochs=10),
    )


def _report(tx, metrics_seq):
    state = jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=tx)
    step = jaxoptim.make_train_step(lambda p, b: jnp.sum((p["w"] - b) ** 2), tx)
    lrs = []
    for metrics in metrics_seq:
        state, out = step(state, jnp.ones(2))
        lrs.append(float(out["lr"]))
        state = jaxoptim.report_val_metrics(tx, state, metrics)
    return state, lrs


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_metrics_count_as_no_improvement_as_in_mmengine(bad):
    tx = jaxoptim.make_optimizer(_plateau_cfg(), iters_per_epoch=1)
    state, lrs = _report(tx, [{"loss": 1.0}, {"loss": bad}, {"loss": 0.5}, {"loss": 0.5}])
    # inf / nan never beat 1.0 (-inf does: a < best); every lr stays finite and positive
    expected = [0.1, 0.1, 0.05, 0.05] if bad != -math.inf else [0.1, 0.1, 0.1, 0.05]
    np.testing.assert_allclose(lrs, expected, rtol=1e-6)
    plateau = state.opt_state.plateau["lr"]
    assert np.isfinite(np.asarray(plateau.scale)).all()  # `best` may be +-inf, as mmengine's
    assert all(np.isfinite(x).all() for x in jax.tree_util.tree_leaves(state.opt_state.hyperparams))


def test_metrics_as_arrays_and_numpy_scalars_equal_python_numbers():
    tx = jaxoptim.make_optimizer(_plateau_cfg(), iters_per_epoch=1)
    plain = _report(tx, [{"loss": 1.0}, {"loss": 1.0}, {"loss": 0.9}])[1]
    arrays = _report(tx, [{"loss": jnp.float32(1.0)}, {"loss": np.float64(1.0)}, {"loss": 0.9}])[1]
    assert plain == arrays


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


def test_a_callable_under_optax_that_is_no_optimizer_is_named():
    with pytest.raises(TypeError, match="optax.l2_loss"):
        jaxoptim.make_optimizer(dict(type="optax.l2_loss", lr=0.1))


def test_scope_stripping_leaves_unknown_scopes_and_optax_alone():
    from jaxoptim.registry import strip_scope

    assert strip_scope("mmfoo.SGD") == "mmfoo.SGD"
    assert strip_scope("mmdet.") == "mmdet."
    with pytest.raises(KeyError, match="mmfoo.SGD"):
        jaxoptim.make_optimizer(dict(type="mmfoo.SGD", lr=0.1))


def test_user_optimizer_groups_take_numpy_multipliers_as_numbers():
    cfg = dict(
        type="optax.adamw",
        learning_rate=np.float32(0.01),
        weight_decay=np.float64(0.1),
        paramwise_cfg=dict(
            custom_keys={"head": dict(lr_mult=np.float32(0.5), decay_mult=np.int64(0))}
        ),
    )
    plain = dict(
        type="optax.adamw",
        learning_rate=0.01,
        weight_decay=0.1,
        paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=0.5, decay_mult=0)}),
    )
    params = {"head": jnp.ones(2), "body": jnp.ones(2)}
    out = []
    for c in (cfg, plain):
        tx = jaxoptim.make_optimizer(c)
        updates, _ = jax.jit(tx.update)(params, tx.init(params), params)
        out.append(updates)
    for a, b in zip(jax.tree_util.tree_leaves(out[0]), jax.tree_util.tree_leaves(out[1])):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_torch_lr_name_on_an_optax_factory_says_learning_rate():
    with pytest.raises(TypeError, match="optax.adamw.*'lr'.*write learning_rate="):
        jaxoptim.make_optimizer(dict(type="optax.adamw", lr=1e-3))
