"""Unit tests of jaxoptim.clipping: torch's clip_grad_norm_ arithmetic with the norm kept."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxoptim.clipping import ClipState, clip_by_global_norm, global_norm, parse_grad_clip


def test_closed_form_l2_with_epsilon():
    tx = clip_by_global_norm(1.0)
    grads = {"a": jnp.array([3.0]), "b": jnp.array([[4.0]])}
    out, state = jax.jit(tx.update)(grads, tx.init(grads))
    assert isinstance(state, ClipState) and float(state.grad_norm) == 5.0
    coef = np.float32(1.0) / (np.float32(5.0) + np.float32(1e-6))
    assert out["a"].tolist() == [float(np.float32(3.0) * coef)]
    assert out["b"].tolist() == [[float(np.float32(4.0) * coef)]]
    # Not optax's coefficient (max_norm / total, no epsilon).
    assert out["a"].tolist() != [0.6000000238418579]


@pytest.mark.parametrize(
    "norm_type, expected",
    [(1, 3 + 4 + 12), (2.0, 13.0), (3, (27 + 64 + 1728) ** (1 / 3)), (math.inf, 12), ("inf", 12)],
)
def test_global_norm_of_leaf_norms(norm_type, expected):
    grads = [jnp.array([3.0, -4.0]), jnp.array([[-12.0]]), jnp.zeros((0,))]
    np.testing.assert_allclose(float(global_norm(grads, float(norm_type))), expected, rtol=1e-6)
    tx = clip_by_global_norm(None, norm_type)
    out, state = tx.update(grads, tx.init(None))
    np.testing.assert_allclose(float(state.grad_norm), expected, rtol=1e-6)
    for g, o in zip(grads, out, strict=True):
        np.testing.assert_array_equal(o, g)  # max_norm=None only records


def test_below_max_norm_multiplies_by_exactly_one():
    grads = {"w": jnp.array([0.1, 0.2, 0.3])}
    tx = clip_by_global_norm(10.0)
    out, state = tx.update(grads, tx.init(None))
    np.testing.assert_array_equal(out["w"], grads["w"])
    np.testing.assert_allclose(float(state.grad_norm), math.sqrt(0.14), rtol=1e-6)


def test_trainable_function_excludes_frozen_leaves():
    params = {"frozen": jnp.zeros(2), "live": jnp.zeros(2)}
    grads = {"frozen": jnp.array([100.0, 100.0]), "live": jnp.array([6.0, 8.0])}
    seen = []

    def trainable(tree):
        seen.append(jax.tree_util.tree_structure(tree))
        return {"frozen": False, "live": True}

    tx = clip_by_global_norm(5.0, trainable=trainable)
    out, state = jax.jit(tx.update)(grads, tx.init(params), params)
    assert float(state.grad_norm) == 10.0
    np.testing.assert_array_equal(out["frozen"], grads["frozen"])
    np.testing.assert_allclose(out["live"], [3.0, 4.0], rtol=1e-6)
    assert seen == [jax.tree_util.tree_structure(params)]


def test_keeps_gradient_dtypes_and_composes_in_chain():
    grads = {"h": jnp.array([30.0, 40.0], jnp.float16), "b": jnp.array([0.0], jnp.bfloat16)}
    tx = optax.chain(clip_by_global_norm(1.0), optax.sgd(1.0))
    params = jax.tree_util.tree_map(jnp.zeros_like, grads)
    out, state = jax.jit(tx.update)(grads, tx.init(params), params)
    assert out["h"].dtype == jnp.float16 and out["b"].dtype == jnp.bfloat16
    np.testing.assert_allclose(np.asarray(out["h"], np.float32), [-0.6, -0.8], rtol=1e-3)
    assert float(state[0].grad_norm) == 50.0


def test_grad_norm_changes_without_recompiling():
    tx = clip_by_global_norm(1.0)
    update = jax.jit(tx.update)
    state = tx.init(None)
    norms = []
    for scale in (1.0, 2.0, 0.5):
        _, state = update({"w": jnp.array([3.0, 4.0]) * scale}, state)
        norms.append(float(state.grad_norm))
    assert norms == [5.0, 10.0, 2.5]
    assert update._cache_size() == 1


@pytest.mark.parametrize(
    "kwargs, exc, key",
    [
        (dict(max_norm=0.0), ValueError, "max_norm"),
        (dict(max_norm=-1.0), ValueError, "max_norm"),
        (dict(max_norm=math.nan), ValueError, "max_norm"),
        (dict(max_norm="1"), TypeError, "max_norm"),
        (dict(max_norm=True), TypeError, "max_norm"),
        (dict(max_norm=1.0, norm_type=0), ValueError, "norm_type"),
        (dict(max_norm=1.0, norm_type=-2.0), ValueError, "norm_type"),
        (dict(max_norm=1.0, norm_type="l2"), ValueError, "norm_type"),
        (dict(max_norm=1.0, norm_type=None), TypeError, "norm_type"),
    ],
)
def test_clip_by_global_norm_validates(kwargs, exc, key):
    with pytest.raises(exc, match=key):
        clip_by_global_norm(**kwargs)


def test_trainable_must_be_python_bools():
    tx = clip_by_global_norm(1.0, trainable={"w": jnp.asarray(True)})
    with pytest.raises(TypeError, match="trainable"):
        tx.update({"w": jnp.ones(2)}, tx.init(None))


def test_parse_grad_clip():
    assert parse_grad_clip(None) is None
    assert parse_grad_clip(dict(max_norm=35, norm_type=2)) == {"max_norm": 35.0, "norm_type": 2.0}
    assert parse_grad_clip(dict(max_norm=1.0)) == {"max_norm": 1.0, "norm_type": 2.0}
    assert parse_grad_clip(dict(max_norm=1.0, norm_type="inf")) == {
        "max_norm": 1.0,
        "norm_type": math.inf,
    }
    assert parse_grad_clip(dict(max_norm=1.0, foreach=True, error_if_nonfinite=False)) == {
        "max_norm": 1.0,
        "norm_type": 2.0,
    }


@pytest.mark.parametrize(
    "cfg, exc, key",
    [
        (dict(max_norm=1.0, clip_value=3.0), TypeError, "clip_value"),
        (dict(max_norm=1.0, type="norm"), TypeError, "type"),
        (dict(norm_type=2), TypeError, "max_norm"),
        (dict(max_norm=None), TypeError, "max_norm"),
        (dict(max_norm=-1), ValueError, "max_norm"),
        (dict(max_norm=1.0, norm_type="fro"), ValueError, "norm_type"),
        (dict(max_norm=1.0, error_if_nonfinite=True), ValueError, "error_if_nonfinite"),
        (dict(max_norm=1.0, foreach="yes"), TypeError, "foreach"),
        (35.0, TypeError, "grad_clip"),
    ],
)
def test_parse_grad_clip_rejects(cfg, exc, key):
    with pytest.raises(exc, match=key):
        parse_grad_clip(cfg)
