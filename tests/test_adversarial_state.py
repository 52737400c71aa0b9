"""Inputs that do not belong to the state: each raises, naming the leaf, instead of broadcasting.

jnp arithmetic broadcasts a ``(3, 1)`` or scalar gradient onto a ``(3, 2)`` parameter, and an
SGD momentum buffer of another shape onto the gradient, so these used to train silently with
wrong numbers; a ``hyperparams=`` override of the wrong length used only its first value.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxoptim

PARAMS = {"a": jnp.ones((3, 2)), "b": jnp.zeros(2)}
GRADS = {"a": jnp.ones((3, 2)), "b": jnp.ones(2)}

CONFIGS = {
    "sgd": dict(type="SGD", lr=0.1, momentum=0.9),
    "adamw-fp16-clip-accumulate": dict(
        optimizer=dict(type="AdamW", lr=1e-3),
        optimizer_config=dict(grad_clip=dict(max_norm=1.0), cumulative_iters=2),
        fp16=dict(loss_scale="dynamic"),
        runner=dict(type="IterBasedRunner", max_iters=10),
    ),
    "user-optax": dict(type="AdversarialStateSGD", lr=0.1),
}
jaxoptim.OPTIMIZERS.register_module(
    name="AdversarialStateSGD", module=lambda lr=0.01: optax.sgd(lr), force=True
)


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("cfg", list(CONFIGS), ids=list(CONFIGS))
@pytest.mark.parametrize("shape", [(3, 1), (1, 2), ()], ids=str)
def test_gradient_of_another_shape_is_an_error(cfg, shape, jit):
    tx = jaxoptim.make_optimizer(CONFIGS[cfg])
    update = jax.jit(tx.update) if jit else tx.update
    with pytest.raises(ValueError, match=r"gradient of `a` has shape \(.*\), its"):
        update({"a": jnp.ones(shape), "b": jnp.ones(2)}, tx.init(PARAMS), PARAMS)


@pytest.mark.parametrize("cfg", ["sgd", "adamw-fp16-clip-accumulate"])
def test_state_for_other_shapes_is_an_error(cfg):
    tx = jaxoptim.make_optimizer(CONFIGS[cfg])
    other = tx.init({"a": jnp.ones((3, 1)), "b": jnp.zeros(2)})
    with pytest.raises(ValueError, match="`a`|`leaves.a.0`"):
        tx.update(GRADS, other, PARAMS)


def test_train_state_of_another_optimizer_is_an_error():
    sgd = jaxoptim.make_optimizer(dict(type="SGD", lr=0.1, momentum=0.9))
    adamw = jaxoptim.make_optimizer(dict(type="AdamW", lr=1e-3))
    state = jaxoptim.TrainState.create(params=PARAMS, tx=adamw)
    step = jaxoptim.make_train_step(
        lambda p, b: jnp.sum(p["a"]) + jnp.sum(p["b"]), sgd, donate=False
    )
    with pytest.raises(ValueError, match="SGD: the optimizer state does not belong"):
        step(state, {})


def _inner_sgd():
    tx = jaxoptim.OPTIMIZERS.get("SGD")(lr=0.1, momentum=0.9)
    return tx, tx.init(PARAMS)


@pytest.mark.parametrize(
    "override,exc,match",
    [
        ({"lr": jnp.full(3, 0.1)}, ValueError, r"hyperparams\['lr'\]` must have shape \(1,\)"),
        ({"lr": jnp.float32(0.1)}, ValueError, r"hyperparams\['lr'\]` must have shape \(1,\)"),
        ({"lr": jnp.ones((1, 1))}, ValueError, r"hyperparams\['lr'\]` must have shape \(1,\)"),
        ({"lr": jnp.ones(1, jnp.int32)}, TypeError, r"hyperparams\['lr'\]` must be floating"),
        ({"lr": jnp.ones(1), "lr_mult": jnp.ones(1)}, KeyError, "lr_mult"),
    ],
)
def test_bad_hyperparams_override_is_an_error(override, exc, match):
    tx, state = _inner_sgd()
    with pytest.raises(exc, match=match):
        tx.update(GRADS, state, PARAMS, hyperparams=override)


def test_good_hyperparams_override_is_used():
    tx, state = _inner_sgd()
    updates, state = tx.update(GRADS, state, PARAMS, hyperparams={"lr": [0.5]})
    np.testing.assert_allclose(updates["a"], -0.5 * np.ones((3, 2)))
    np.testing.assert_allclose(state.hyperparams["lr"], [0.5])


def test_restore_checkpoint_into_another_dtype_is_an_error(tmp_path):
    tx = jaxoptim.make_optimizer(CONFIGS["sgd"])
    jaxoptim.save_checkpoint(tmp_path, jaxoptim.TrainState.create(params=PARAMS, tx=tx), step=1)
    bf16 = jax.tree.map(lambda p: p.astype(jnp.bfloat16), PARAMS)
    with pytest.raises(
        ValueError, match=r"`params.a` is bfloat16\[3,2\] in the target but float32"
    ):
        jaxoptim.restore_checkpoint(tmp_path, jaxoptim.TrainState.create(params=bf16, tx=tx))
    # reading the params alone into another dtype (fine-tuning) still casts
    restored = jaxoptim.restore_params(tmp_path, bf16)
    assert restored["a"].dtype == jnp.bfloat16


@pytest.mark.parametrize("precision", ["float32", "bfloat16", "float16"])
def test_integer_batch_is_not_cast(precision):
    seen = {}

    def loss_fn(params, batch):
        seen.update({k: v.dtype for k, v in batch.items()})
        return jnp.sum(params["a"][batch["idx"]]) * jnp.sum(batch["x"]) + jnp.sum(params["b"])

    cfg = dict(optimizer=dict(type="SGD", lr=0.1), fp16=dict(loss_scale=512.0))
    tx = jaxoptim.make_optimizer(cfg if precision == "float16" else cfg["optimizer"])
    step = jaxoptim.make_train_step(loss_fn, tx, precision=precision, donate=False)
    batch = {"idx": jnp.array([0, 2], jnp.int32), "mask": jnp.array([1, 0], jnp.uint8)}
    batch["x"] = jnp.ones(2)
    _, metrics = step(jaxoptim.TrainState.create(params=PARAMS, tx=tx), batch)
    assert seen == {"idx": jnp.int32, "mask": jnp.uint8, "x": jnp.dtype(precision)}
    assert float(metrics["loss"]) == 8.0


@pytest.mark.parametrize(
    "loss_fn,has_aux,match",
    [
        # an integer loss was cast to float32 after the fact: zero gradients, nothing trained
        (lambda p, b: jnp.sum(p["a"]).astype(jnp.int32), False, "floating-point scalar"),
        (lambda p, b: p["a"], False, r"floating-point scalar loss, got float32\[3, 2\]"),
        (lambda p, b: (jnp.sum(p["a"]), 1.0), False, "has_aux=True"),
        (lambda p, b: jnp.sum(p["a"]), True, r"must return \(loss, aux\)"),
    ],
)
def test_bad_loss_fn_output_is_an_error(loss_fn, has_aux, match):
    tx = jaxoptim.make_optimizer(CONFIGS["sgd"])
    step = jaxoptim.make_train_step(loss_fn, tx, has_aux=has_aux, donate=False)
    with pytest.raises(TypeError, match=match):
        step(jaxoptim.TrainState.create(params=PARAMS, tx=tx), {})


def test_train_state_needs_a_transformation():
    with pytest.raises(TypeError, match="`tx` must be an optax transformation"):
        jaxoptim.TrainState.create(params=PARAMS, tx=CONFIGS["sgd"])
