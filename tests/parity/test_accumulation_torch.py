"""Parity of accumulate_gradients with mmcv's GradientCumulativeOptimizerHook (torch loops).

The torch reference is the hook's loop: ``(loss / factor).backward()`` every iteration, and at
update iterations (``(it + 1) % c == 0`` or ``it + 1 == max_iters``) ``optimizer.step()`` then
``optimizer.zero_grad()``; with fp16, ``scaler.scale(loss / factor).backward()`` and
``scaler.step(opt); scaler.update()`` once per optimizer step. mmengine's ``OptimWrapper`` (same
rule, ``initialize_count_status``) is a second oracle for the loss-factor traces.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch
from mmengine.optim import OptimWrapper

from jaxoptim import optimizers
from jaxoptim.accumulation import accumulate_gradients, loss_factor
from jaxoptim.loss_scale import current_loss_scale, skip_not_finite, unscale_gradients

SGD_KW = dict(lr=0.1, momentum=0.9, weight_decay=1e-3)


def _loss(w, b, x, y, xp):
    return xp.mean((x @ w + b - y) ** 2)


def _data(n, seed, poison=()):
    rng = np.random.default_rng(seed)
    batches = []
    for i in range(n):
        x = rng.normal(size=(6, 4)).astype(np.float32)
        y = rng.normal(size=(6, 2)).astype(np.float32)
        if i in poison:
            x[0, 0] = np.inf
        batches.append((x, y))
    w0 = rng.normal(size=(4, 2)).astype(np.float32)
    b0 = rng.normal(size=(2,)).astype(np.float32)
    return batches, w0, b0


def _mmcv_factor(it, c, max_iters):
    remainder = max_iters % c
    return c if it < max_iters - remainder else remainder


def _torch_loop(batches, w0, b0, c, max_iters, scaler=None):
    w = torch.tensor(w0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    opt = torch.optim.SGD([w, b], **SGD_KW)
    params, scales = [], []
    for it, (x, y) in enumerate(batches):
        loss = _loss(w, b, torch.from_numpy(x), torch.from_numpy(y), torch)
        loss = loss / _mmcv_factor(it, c, max_iters)
        (scaler.scale(loss) if scaler else loss).backward()
        if (it + 1) % c == 0 or it + 1 == max_iters:
            if scaler:
                scaler.step(opt)
                scaler.update()
            else:
                opt.step()
            opt.zero_grad()
        params.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
        scales.append(scaler.get_scale() if scaler else 1.0)
    return params, scales


def _jax_loop(batches, w0, b0, tx, state=None, params=None):
    params = params or {"w": jnp.asarray(w0), "b": jnp.asarray(b0)}
    state = state if state is not None else tx.init(params)

    @jax.jit
    def step(params, state, x, y):
        scale = current_loss_scale(state)
        grads = jax.grad(lambda p: _loss(p["w"], p["b"], x, y, jnp) * scale)(params)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    out, scales = [], []
    for x, y in batches:
        params, state = step(params, state, x, y)
        out.append((np.asarray(params["w"]), np.asarray(params["b"])))
        scales.append(float(current_loss_scale(state)))
    return out, scales, params, state


def _assert_close(j_params, t_params):
    for i, ((jw, jb), (tw, tb)) in enumerate(zip(j_params, t_params, strict=True)):
        np.testing.assert_allclose(jw, tw, rtol=1e-5, atol=1e-6, err_msg=f"iteration {i}")
        np.testing.assert_allclose(jb, tb, rtol=1e-5, atol=1e-6, err_msg=f"iteration {i}")


@pytest.mark.parametrize("c, max_iters", [(3, 7), (3, 8), (3, 6), (1, 4)])
def test_matches_torch_hook_loop_with_remainder(c, max_iters):
    batches, w0, b0 = _data(max_iters, seed=c * 10 + max_iters)
    t_params, _ = _torch_loop(batches, w0, b0, c, max_iters)
    tx = accumulate_gradients(optimizers.SGD(**SGD_KW), c, max_iters)
    j_params, _, _, state = _jax_loop(batches, w0, b0, tx)
    _assert_close(j_params, t_params)
    # Parameters move exactly at the update iterations.
    moved = [
        not np.array_equal(j_params[i][0], (j_params[i - 1][0] if i else w0))
        for i in range(max_iters)
    ]
    assert moved == [(i + 1) % c == 0 or i + 1 == max_iters for i in range(max_iters)]
    assert int(state.iteration) == max_iters
    assert int(state.inner_state.count) == -(-max_iters // c)


def _mmengine_trace(c, max_iters, init=0, iters=None, initialize=True):
    """`counter:factor` (`*` = step) from mmengine's OptimWrapper, as mmcv_semantics.md 3.3 (g)."""
    model = torch.nn.Linear(1, 1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=c)
    if initialize:
        wrapper.initialize_count_status(model, init, max_iters)
    trace = []
    steps = []
    wrapper.step = lambda **kw: steps.append(True)
    for it in range(init, iters if iters is not None else max_iters):
        scaled = wrapper.scale_loss(torch.tensor(1.0))
        steps.clear()
        wrapper.update_params(torch.tensor(1.0, requires_grad=True))
        factor = round(1 / float(scaled))
        trace.append(f"{it}:{factor}" + ("*" if steps else ""))
    return " ".join(trace)


def _jax_trace(c, max_iters, init=0, iters=None, tx_max_iters=...):
    tx_max = max_iters if tx_max_iters is ... else tx_max_iters
    tx = accumulate_gradients(optax.sgd(1.0), c, tx_max)
    params = {"w": jnp.zeros(())}
    state = tx.init(params)._replace(iteration=jnp.asarray(init, jnp.int32))
    update = jax.jit(tx.update)
    trace = []
    for it in range(init, iters if iters is not None else max_iters):
        # Every micro-batch's gradient is 1.0, so each call adds 1/factor to the running sum
        # (read from the sum, or from the update that flushed it: optax.sgd(1.0) negates it).
        before = state.grads["w"]
        updates, state = update({"w": jnp.ones(())}, state, params)
        stepped = float(updates["w"]) != 0.0
        added = (float(-updates["w"]) if stepped else float(state.grads["w"])) - float(before)
        factor = round(1 / added)
        assert factor == loss_factor(it, c, tx_max)
        trace.append(f"{it}:{factor}" + ("*" if stepped else ""))
    return " ".join(trace)


@pytest.mark.parametrize(
    "c, max_iters, init, expected",
    [
        (3, 6, 0, "0:3 1:3 2:3* 3:3 4:3 5:3*"),
        (3, 7, 0, "0:3 1:3 2:3* 3:3 4:3 5:3* 6:1*"),
        (3, 8, 0, "0:3 1:3 2:3* 3:3 4:3 5:3* 6:2 7:2*"),
        (3, 10, 0, "0:3 1:3 2:3* 3:3 4:3 5:3* 6:3 7:3 8:3* 9:1*"),
        (3, 10, 5, "5:3* 6:3 7:3 8:3* 9:1*"),
        (3, 8, 3, "3:3 4:3 5:3* 6:2 7:2*"),
        (1, 3, 0, "0:1* 1:1* 2:1*"),
    ],
)
def test_factor_traces_equal_mmengine_and_reference(c, max_iters, init, expected):
    assert _mmengine_trace(c, max_iters, init) == expected
    assert _jax_trace(c, max_iters, init) == expected


def test_without_max_iters_the_trailing_window_is_never_applied():
    expected = "0:3 1:3 2:3* 3:3 4:3 5:3* 6:3"
    assert _mmengine_trace(3, 7, initialize=False) == expected
    assert _jax_trace(3, 7, tx_max_iters=None) == expected


def test_resumed_mid_window_state_continues_identically():
    c, max_iters, cut = 3, 8, 4
    batches, w0, b0 = _data(max_iters, seed=42)
    tx = accumulate_gradients(optimizers.SGD(**SGD_KW), c, max_iters)
    full, _, _, _ = _jax_loop(batches, w0, b0, tx)
    _, _, params, state = _jax_loop(batches[:cut], w0, b0, tx)
    # A checkpoint round trip: host numpy copies, a freshly built transformation.
    state = jax.tree_util.tree_map(lambda x: jnp.asarray(np.asarray(x)), state)
    params = jax.tree_util.tree_map(lambda x: jnp.asarray(np.asarray(x)), params)
    assert int(state.iteration) == cut and float(jnp.abs(state.grads["w"]).sum()) > 0
    tx2 = accumulate_gradients(optimizers.SGD(**SGD_KW), c, max_iters)
    rest, _, _, _ = _jax_loop(batches[cut:], w0, b0, tx2, state=state, params=params)
    for (fw, fb), (rw, rb) in zip(full[cut:], rest, strict=True):
        np.testing.assert_array_equal(rw, fw)
        np.testing.assert_array_equal(rb, fb)


def test_loss_scaling_inside_accumulation_updates_the_scaler_once_per_step():
    c, max_iters = 2, 11
    # Iteration 5 (second window, 3rd optimizer step) overflows: that whole step is skipped.
    batches, w0, b0 = _data(max_iters, seed=7, poison={5})
    scaler_kw = dict(init_scale=8.0, growth_interval=2)
    t_params, t_scales = _torch_loop(
        batches, w0, b0, c, max_iters, scaler=torch.amp.GradScaler("cpu", **scaler_kw)
    )
    inner = optax.chain(unscale_gradients(**scaler_kw), skip_not_finite(optimizers.SGD(**SGD_KW)))
    tx = accumulate_gradients(inner, c, max_iters)
    j_params, j_scales, _, state = _jax_loop(batches, w0, b0, tx)
    assert j_scales == t_scales
    # Growth after 2 clean optimizer steps (not micro-batches), backoff on the overflowing one.
    assert j_scales == [8, 8, 8, 16, 16, 8, 8, 8, 8, 16, 16]
    _assert_close(j_params, t_params)
    np.testing.assert_array_equal(j_params[5][0], j_params[3][0])
    assert int(state.inner_state[1].skipped_total) == 1
    assert int(state.inner_state[1].inner_state.count) == 5
