"""Parity with torch.amp.GradScaler('cpu') driving torch optimizers, as mmcv's Fp16OptimizerHook.

Torch side (mmcv, torch >= 1.6): ``scaler.scale(loss).backward(); scaler.step(opt);
scaler.update(new_scale)`` with ``new_scale=x`` for a float ``loss_scale`` (static) and ``None``
otherwise. jaxoptim side: the loss multiplied by ``current_loss_scale(state)`` before ``jax.grad``,
then ``chain(unscale_gradients(...), skip_not_finite(optimizer))``. Non-finite steps are injected
by putting an inf or a NaN into the step's input batch, on both sides.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch

from jaxoptim import optimizers
from jaxoptim.loss_scale import (
    current_loss_scale,
    load_scaler_state_dict,
    parse_loss_scale,
    scaler_state_dict,
    skip_not_finite,
    unscale_gradients,
)

OPTIMIZERS = {
    "SGD": (dict(lr=0.05, momentum=0.9, weight_decay=1e-3), torch.optim.SGD),
    "AdamW": (dict(lr=0.01, weight_decay=0.05), torch.optim.AdamW),
}


def _loss_np(w, b, x, y, xp):
    pred = x @ w + b
    return xp.mean((pred - y) ** 2)


def _batches(events, seed):
    """One (x, y) per event: 'ok' finite, 'inf' / 'nan' poisons one input value."""
    rng = np.random.default_rng(seed)
    out = []
    for event in events:
        x = rng.normal(size=(8, 4)).astype(np.float32)
        y = rng.normal(size=(8, 3)).astype(np.float32)
        if event == "inf":
            x[rng.integers(8), rng.integers(4)] = np.inf
        elif event == "nan":
            x[rng.integers(8), rng.integers(4)] = np.nan
        out.append((x, y))
    return out


def _torch_scaler(loss_scale):
    """The scaler mmcv's torch>=1.6 Fp16OptimizerHook builds, and its `update` argument."""
    if loss_scale == "dynamic":
        return torch.amp.GradScaler("cpu"), None
    if isinstance(loss_scale, float):
        return torch.amp.GradScaler("cpu", init_scale=loss_scale), loss_scale
    return torch.amp.GradScaler("cpu", **loss_scale), None


def _run_torch(opt_name, loss_scale, batches, w0, b0):
    kwargs, cls = OPTIMIZERS[opt_name]
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    opt = cls([w, b], **kwargs)
    scaler, new_scale = _torch_scaler(loss_scale)
    scales, params = [], []
    for x, y in batches:
        opt.zero_grad()
        loss = _loss_np(w, b, torch.from_numpy(x), torch.from_numpy(y), torch)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update(new_scale)
        scales.append(scaler.get_scale())
        params.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
    return scales, params, scaler


def _run_jax(opt_name, loss_scale, batches, w0, b0):
    kwargs, _ = OPTIMIZERS[opt_name]
    tx = optax.chain(
        unscale_gradients(**parse_loss_scale(loss_scale)),
        skip_not_finite(getattr(optimizers, opt_name)(**kwargs)),
    )
    params = {"w": jnp.asarray(w0), "b": jnp.asarray(b0)}
    state = tx.init(params)

    @jax.jit
    def step(params, state, x, y):
        scale = current_loss_scale(state)
        grads = jax.grad(lambda p: _loss_np(p["w"], p["b"], x, y, jnp) * scale)(params)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    scales, skipped, trajectory = [], [], []
    for x, y in batches:
        params, state = step(params, state, x, y)
        scales.append(float(current_loss_scale(state)))
        skipped.append(bool(state[1].skipped))
        trajectory.append((np.asarray(params["w"]), np.asarray(params["b"])))
    return scales, skipped, trajectory, state


def _random_events(seed, n=14):
    rng = np.random.default_rng(seed)
    return list(rng.choice(["ok", "ok", "ok", "inf", "nan"], size=n))


CASES = [
    ("dynamic", _random_events(0)),
    (dict(init_scale=4.0, growth_interval=3), _random_events(1)),
    (dict(init_scale=2.0**10, growth_factor=4.0, backoff_factor=0.25, growth_interval=2), None),
    (512.0, _random_events(3)),
    (1000.0, _random_events(4)),  # not a power of two: the reciprocal must round like torch's
]


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("case", range(len(CASES)))
def test_scale_trajectory_skips_and_params_match_torch(opt_name, case):
    loss_scale, events = CASES[case]
    if events is None:
        events = _random_events(2)
    rng = np.random.default_rng(100 + case)
    w0 = rng.normal(size=(4, 3)).astype(np.float32)
    b0 = rng.normal(size=(3,)).astype(np.float32)
    batches = _batches(events, seed=case)
    t_scales, t_params, scaler = _run_torch(opt_name, loss_scale, batches, w0, b0)
    j_scales, j_skipped, j_params, state = _run_jax(opt_name, loss_scale, batches, w0, b0)

    assert j_scales == t_scales
    assert j_skipped == [e != "ok" for e in events]
    assert any(j_skipped) and not all(j_skipped)
    for i, ((tw, tb), (jw, jb)) in enumerate(zip(t_params, j_params, strict=True)):
        np.testing.assert_allclose(jw, tw, rtol=2e-5, atol=2e-6, err_msg=f"step {i}")
        np.testing.assert_allclose(jb, tb, rtol=2e-5, atol=2e-6, err_msg=f"step {i}")
    # Skipped steps changed nothing on either side.
    for i, event in enumerate(events):
        if event != "ok" and i > 0:
            np.testing.assert_array_equal(j_params[i][0], j_params[i - 1][0])
            np.testing.assert_array_equal(t_params[i][0], t_params[i - 1][0])
    assert scaler_state_dict(state) == scaler.state_dict()


def test_reference_trace_init4_interval3():
    """mmcv_semantics.md 1.4: events ok,ok,ok,inf,ok,ok,ok,ok -> 4,4,8,4,4,4,8,8."""
    events = ["ok", "ok", "ok", "inf", "ok", "ok", "ok", "ok"]
    batches = _batches(events, seed=7)
    rng = np.random.default_rng(7)
    w0 = rng.normal(size=(4, 3)).astype(np.float32)
    b0 = rng.normal(size=(3,)).astype(np.float32)
    cfg = dict(init_scale=4, growth_interval=3)
    t_scales, _, _ = _run_torch("SGD", cfg, batches, w0, b0)
    j_scales, j_skipped, _, state = _run_jax("SGD", cfg, batches, w0, b0)
    assert t_scales == j_scales == [4, 4, 8, 4, 4, 4, 8, 8]
    assert j_skipped == [False, False, False, True, False, False, False, False]
    assert int(state[0].growth_tracker) == 1


def test_growth_that_overflows_float32_is_skipped_like_torch():
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**127, growth_interval=1)
    w = torch.ones(2, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.0)
    scaler.scale((w * 1e-30).sum()).backward()
    scaler.step(opt)
    scaler.update()

    tx = unscale_gradients(init_scale=2.0**127, growth_interval=1)
    state = tx.init(None)
    _, state = tx.update({"w": jnp.ones(2)}, state)
    assert scaler.get_scale() == 1.7014118346046923e38
    assert float(state.scale) == scaler.get_scale()
    assert int(state.growth_tracker) == 0 == scaler.state_dict()["_growth_tracker"]


def test_unscaled_gradients_equal_torch_unscale():
    """`unscale_` multiplies by the float32 reciprocal of the scale: bitwise equal grads."""
    rng = np.random.default_rng(5)
    grads = [rng.normal(size=(5, 3)).astype(np.float32) * 1e4 for _ in range(2)]
    tx = unscale_gradients()
    update = jax.jit(tx.update)
    for scale in (65536.0, 3.0, 1e-3, 12345.678, 7.0):
        params = [torch.zeros(g.shape, requires_grad=True) for g in grads]
        for p, g in zip(params, grads, strict=True):
            p.grad = torch.from_numpy(g.copy())
        opt = torch.optim.SGD(params, lr=0.1)
        scaler = torch.amp.GradScaler("cpu", init_scale=scale)
        scaler.scale(torch.ones(()))  # initializes the scale tensor
        scaler.unscale_(opt)
        state = tx.init(None)._replace(scale=jnp.float32(scale))
        out, _ = update(tuple(jnp.asarray(g) for g in grads), state)
        for p, o in zip(params, out, strict=True):
            np.testing.assert_array_equal(np.asarray(o), p.grad.numpy())
    assert update._cache_size() == 1


def test_state_dict_round_trip_with_torch_scaler():
    scaler = torch.amp.GradScaler("cpu", init_scale=8.0, growth_interval=5)
    w = torch.ones(2, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        scaler.scale(w.sum()).backward()
        scaler.step(opt)
        scaler.update()
    torch_sd = scaler.state_dict()
    tx = unscale_gradients(**parse_loss_scale(dict(init_scale=8.0, growth_interval=5)))
    state = load_scaler_state_dict(tx.init(None), torch_sd)
    assert scaler_state_dict(state) == torch_sd
    assert float(current_loss_scale(state)) == torch_sd["scale"]
    # Two more clean steps on both sides: the tracker carried over, so both grow together.
    for _ in range(2):
        opt.zero_grad()
        scaler.scale(w.sum()).backward()
        scaler.step(opt)
        scaler.update()
        _, state = tx.update({"w": jnp.ones(2)}, state)
    assert scaler_state_dict(state) == scaler.state_dict()
    assert scaler.get_scale() == 16.0
