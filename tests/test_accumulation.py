"""Unit tests of jaxoptim.accumulation: mmcv's loss factor, update timing, state, warnings."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxoptim import optimizers
from jaxoptim.accumulation import (
    AccumulationState,
    accumulate_gradients,
    loss_factor,
)


@pytest.mark.parametrize(
    "c, max_iters, expected",
    [
        (3, 6, [3] * 6),
        (3, 7, [3] * 6 + [1]),
        (3, 8, [3] * 6 + [2, 2]),
        (3, 10, [3] * 9 + [1]),
        (4, 6, [4] * 4 + [2, 2]),
        (3, None, [3] * 8),
        (1, 5, [1] * 5),
    ],
)
def test_loss_factor_post_fix_rule(c, max_iters, expected):
    assert [loss_factor(i, c, max_iters) for i in range(len(expected))] == expected
    traced = jax.jit(lambda i: loss_factor(i, c, max_iters))
    assert [int(traced(jnp.int32(i))) for i in range(len(expected))] == expected


def test_loss_factor_past_max_iters_never_divides_by_zero():
    assert loss_factor(9, 3, 6) == 3  # max_iters % c == 0: always c
    assert loss_factor(9, 3, 7) == 1  # the remainder, as mmcv


def _sum_run(c, max_iters, grads):
    tx = accumulate_gradients(optax.sgd(1.0), c, max_iters)
    params = {"w": jnp.zeros(())}
    state = tx.init(params)
    update = jax.jit(tx.update)
    out = []
    for g in grads:
        updates, state = update({"w": jnp.float32(g)}, state, params)
        out.append(float(updates["w"]))
    return out, state, update


def test_updates_are_the_mean_of_each_window():
    out, state, update = _sum_run(3, 8, [3.0, 6.0, 9.0, 1.0, 2.0, 3.0, 10.0, 20.0])
    np.testing.assert_allclose(out, [0, 0, -6.0, 0, 0, -2.0, 0, -15.0], rtol=1e-6)
    assert isinstance(state, AccumulationState) and int(state.iteration) == 8
    np.testing.assert_array_equal(state.grads["w"], 0.0)
    assert update._cache_size() == 1


def test_inner_state_only_changes_on_update_iterations():
    params = {"w": jnp.ones(3)}
    tx = accumulate_gradients(optimizers.SGD(lr=0.1, momentum=0.9), 2)
    state = tx.init(params)
    update = jax.jit(tx.update)
    for i in range(4):
        before = state.inner_state
        _, state = update({"w": jnp.full(3, i + 1.0, jnp.float32)}, state, params)
        unchanged = all(
            np.array_equal(a, b)
            for a, b in zip(
                jax.tree_util.tree_leaves(before),
                jax.tree_util.tree_leaves(state.inner_state),
                strict=True,
            )
        )
        assert unchanged == (i % 2 == 0)
    assert int(state.inner_state.count) == 2


def test_inner_update_does_not_run_inside_a_window():
    calls = []

    def update_fn(updates, state, params=None):
        jax.debug.callback(lambda: calls.append(1))
        return updates, state

    inner = optax.GradientTransformation(lambda p: optax.EmptyState(), update_fn)
    tx = accumulate_gradients(inner, 3)
    params = {"w": jnp.ones(2)}
    state = tx.init(params)
    update = jax.jit(tx.update)
    for _ in range(6):
        _, state = update(params, state, params)
        jax.effects_barrier()
    assert len(calls) == 2


def test_extra_args_reach_the_inner_transformation():
    params = {"w": jnp.ones(2)}
    tx = accumulate_gradients(optimizers.SGD(lr=0.1), 2)
    state = tx.init(params)
    hp = {"lr": jnp.array([1.0], jnp.float32)}
    u1, state = tx.update({"w": jnp.array([2.0, 4.0])}, state, params, hyperparams=hp)
    u2, state = tx.update({"w": jnp.array([4.0, 8.0])}, state, params, hyperparams=hp)
    np.testing.assert_array_equal(u1["w"], [0.0, 0.0])
    np.testing.assert_allclose(u2["w"], [-3.0, -6.0])


def test_running_sum_is_float32_for_half_precision_params():
    params = {"h": jnp.ones(2, jnp.bfloat16), "f": jnp.ones(2, jnp.float32)}
    tx = accumulate_gradients(optax.sgd(1.0), 4)
    state = tx.init(params)
    assert state.grads["h"].dtype == jnp.float32 and state.grads["f"].dtype == jnp.float32
    grads = {"h": jnp.full(2, 1e-3, jnp.bfloat16), "f": jnp.full(2, 1.0, jnp.float32)}
    for _ in range(4):
        updates, state = tx.update(grads, state, params)
    assert updates["h"].dtype == jnp.bfloat16
    np.testing.assert_allclose(np.asarray(updates["h"], np.float32), -1e-3, rtol=1e-2)


@pytest.mark.parametrize(
    "kwargs, exc, key",
    [
        (dict(cumulative_iters="2"), TypeError, "cumulative_iters"),
        (dict(cumulative_iters=2.0), TypeError, "cumulative_iters"),
        (dict(cumulative_iters=True), TypeError, "cumulative_iters"),
        (dict(cumulative_iters=-1), ValueError, "cumulative_iters"),
        (dict(cumulative_iters=0), ValueError, "cumulative_iters"),
        (dict(cumulative_iters=2, max_iters=0), ValueError, "max_iters"),
        (dict(cumulative_iters=2, max_iters=10.0), TypeError, "max_iters"),
    ],
)
def test_arguments_are_validated(kwargs, exc, key):
    with pytest.raises(exc, match=key):
        accumulate_gradients(optax.sgd(0.1), **kwargs)
    with pytest.raises(exc, match=key):
        loss_factor(0, kwargs["cumulative_iters"], kwargs.get("max_iters"))


# ---- DistOptimizerHook (Swin / BEiT / ConvNeXt / PVT mmcv_custom) ---------------------------


def _dist_hook_torch(grads, interval, lr=0.1, momentum=0.9):
    """The hook restated in torch: backward(loss / interval) every iteration; clip-free step
    and zero_grad when (iter + 1) % interval == 0; a trailing partial window is never stepped."""
    import torch

    w = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=lr, momentum=momentum)
    opt.zero_grad()
    for it, g in enumerate(grads):
        (w * torch.as_tensor(g, dtype=torch.float64)).sum().div(interval).backward()
        if (it + 1) % interval == 0:
            opt.step()
            opt.zero_grad()
    return w.detach().numpy()


@pytest.mark.parametrize("interval,steps", [(2, 5), (3, 7), (1, 4)])
def test_dist_optimizer_hook_accumulates_like_its_source(interval, steps):
    pytest.importorskip("torch")
    from jaxoptim import make_optimizer

    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1, momentum=0.9),
        optimizer_config=dict(
            type="DistOptimizerHook",
            update_interval=interval,
            grad_clip=None,
            coalesce=True,
            bucket_size_mb=-1,
            use_fp16=False,
        ),
        runner=dict(type="IterBasedRunner", max_iters=steps),  # no remainder rule even so
    )
    tx = make_optimizer(cfg)
    assert tx.info.cumulative_iters == interval and not tx.info.loss_scaling
    rng = np.random.default_rng(interval)
    grads = rng.normal(size=(steps, 3))
    params = {"w": jnp.ones(3)}
    state = tx.init(params)
    update = jax.jit(tx.update)
    for g in grads:
        updates, state = update({"w": jnp.asarray(g, jnp.float32)}, state, params)
        params = optax.apply_updates(params, updates)
    np.testing.assert_allclose(params["w"], _dist_hook_torch(grads, interval), rtol=1e-5)


def test_dist_optimizer_hook_use_fp16_is_apex_o1_dynamic_scaling():
    from jaxoptim import make_optimizer
    from jaxoptim.loss_scale import load_scaler_state_dict, scaler_state_dict

    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1),
        optimizer_config=dict(type="DistOptimizerHook", update_interval=1, use_fp16=True),
    )
    tx = make_optimizer(cfg)
    assert tx.info.loss_scaling
    params = {"w": jnp.ones(2)}
    state = tx.init(params)
    sd = scaler_state_dict(state)
    # apex LossScaler('dynamic'): init_scale 2**16, scale_factor 2, scale_window 2000
    assert (sd["scale"], sd["growth_factor"], sd["growth_interval"]) == (2.0**16, 2.0, 2000)
    update = jax.jit(tx.update)
    updates, state = update({"w": jnp.array([jnp.inf, 1.0])}, state, params)
    np.testing.assert_array_equal(updates["w"], 0.0)  # the overflowing step is skipped
    assert scaler_state_dict(state)["scale"] == 2.0**15  # halved
    # apex caps the growth at max_loss_scale = 2**24 (torch's GradScaler would double)
    state = load_scaler_state_dict(state, dict(sd, scale=2.0**24, _growth_tracker=1999))
    _, state = update({"w": jnp.ones(2) * 2.0**24}, state, params)
    assert scaler_state_dict(state)["scale"] == 2.0**24


@pytest.mark.parametrize(
    "opt_config,extra,exc,match",
    [
        (dict(use_fp16=True, update_interval=2), {}, ValueError, "update_interval=2"),
        (dict(use_fp16=True), dict(fp16=dict(loss_scale=512.0)), KeyError, "twice"),
        (dict(use_fp16="yes"), {}, TypeError, "use_fp16"),
        (dict(update_interval=0), {}, ValueError, "update_interval"),
        (dict(cumulative_iters=2), {}, KeyError, "cumulative_iters"),
    ],
)
def test_dist_optimizer_hook_bad_input_names_the_key(opt_config, extra, exc, match):
    from jaxoptim import make_optimizer

    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1),
        optimizer_config=dict(type="DistOptimizerHook", **opt_config),
        **extra,
    )
    with pytest.raises(exc, match=match):
        make_optimizer(cfg)
