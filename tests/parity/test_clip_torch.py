"""Parity with torch.nn.utils.clip_grad_norm_ (what mmcv's OptimizerHook calls with grad_clip)."""

from __future__ import annotations

import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from jaxoptim.clipping import clip_by_global_norm

SHAPES = {"conv": (4, 3, 3), "bias": (4,), "fc": (6, 5), "scalar": ()}


def _grads(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return {k: np.asarray(rng.normal(size=s) * scale, np.float32) for k, s in SHAPES.items()}


def _torch_clip(grads, max_norm, norm_type, frozen=()):
    params = {}
    for name, g in grads.items():
        p = torch.zeros(g.shape, requires_grad=name not in frozen)
        if name not in frozen:
            p.grad = torch.from_numpy(g.copy())
        params[name] = p
    trainable = [p for p in params.values() if p.requires_grad and p.grad is not None]
    total = torch.nn.utils.clip_grad_norm_(trainable, max_norm, norm_type=norm_type)
    out = {n: (p.grad.numpy() if p.grad is not None else grads[n]) for n, p in params.items()}
    return float(total), out


def _jax_clip(grads, max_norm, norm_type, frozen=()):
    trainable = {name: name not in frozen for name in grads}
    tx = clip_by_global_norm(max_norm, norm_type, trainable=trainable)
    out, state = jax.jit(tx.update)(jax.tree_util.tree_map(jnp.asarray, grads), tx.init(None))
    return float(state.grad_norm), {k: np.asarray(v) for k, v in out.items()}


@pytest.mark.parametrize("norm_type", [1, 2, 3.0, float("inf"), "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e6], ids=["clipping", "not-clipping"])
@pytest.mark.parametrize("frozen", [(), ("fc",)], ids=["all", "frozen-fc"])
def test_norm_and_clipped_grads_equal_torch(norm_type, max_norm, frozen):
    grads = _grads(seed=zlib.crc32(repr((norm_type, max_norm, frozen)).encode()))
    t_norm, t_grads = _torch_clip(grads, max_norm, norm_type, frozen)
    j_norm, j_grads = _jax_clip(grads, max_norm, norm_type, frozen)
    if norm_type in (float("inf"), "inf"):
        assert j_norm == t_norm
    else:
        np.testing.assert_allclose(j_norm, t_norm, rtol=1e-6)
    assert (j_norm > max_norm) == (max_norm == 0.5)
    for name in SHAPES:
        np.testing.assert_allclose(j_grads[name], t_grads[name], rtol=2e-6, atol=1e-7, err_msg=name)
        if name in frozen:
            np.testing.assert_array_equal(j_grads[name], grads[name])
        elif max_norm > j_norm:
            # The coefficient is clamped to exactly 1: grads unchanged bitwise, as torch.
            np.testing.assert_array_equal(j_grads[name], grads[name])
            np.testing.assert_array_equal(t_grads[name], grads[name])


def test_reference_example_3_4():
    """mmcv_semantics.md 1.4: grad [3, 4], max_norm 1 -> 5.0, [0.5999999, 0.7999998]."""
    t_norm, t_grads = _torch_clip({"g": np.array([3.0, 4.0], np.float32)}, 1.0, 2.0)
    j_norm, j_grads = _jax_clip({"g": np.array([3.0, 4.0], np.float32)}, 1.0, 2.0)
    assert t_norm == j_norm == 5.0
    np.testing.assert_array_equal(j_grads["g"], t_grads["g"])
    np.testing.assert_allclose(j_grads["g"], [0.5999999, 0.7999998], rtol=1e-7)


@pytest.mark.parametrize("bad", [np.inf, np.nan])
@pytest.mark.parametrize("norm_type", [2.0, "inf"])
def test_non_finite_grads_like_torch(bad, norm_type):
    grads = _grads(seed=3)
    grads["fc"][1, 2] = bad
    t_norm, t_grads = _torch_clip(grads, 1.0, norm_type)
    j_norm, j_grads = _jax_clip(grads, 1.0, norm_type)
    assert not np.isfinite(t_norm) and not np.isfinite(j_norm)
    assert np.isnan(t_norm) == np.isnan(j_norm)
    for name in SHAPES:
        np.testing.assert_array_equal(j_grads[name], t_grads[name])


def test_all_frozen_gives_zero_norm_like_torch_empty_list():
    grads = _grads(seed=4)
    assert float(torch.nn.utils.clip_grad_norm_([], 1.0)) == 0.0
    j_norm, j_grads = _jax_clip(grads, 1.0, 2.0, frozen=tuple(SHAPES))
    assert j_norm == 0.0
    for name in SHAPES:
        np.testing.assert_array_equal(j_grads[name], grads[name])
