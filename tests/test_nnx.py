"""Flax nnx and flax's TrainState: many updates, every feature, model state, exact resume.

Run as a script (``python tests/test_nnx.py DIR``) it is the resumed half of the
checkpoint test: a new process restores the mid-window checkpoint and finishes the run.
"""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx
from flax.training import train_state

import jaxoptim
from jaxoptim import optimizers

STEPS = 50


def _cfg(name):
    opt = dict(type=name, paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=2.0)}))
    if name in ("Adadelta", "Adafactor"):
        opt["lr"] = 0.5 if name == "Adadelta" else 1e-2
    elif name != "Rprop":
        opt["lr"] = 1e-2
    if name == "Muon":
        opt["fallback"] = dict(type="AdamW", lr=1e-2)
    return dict(
        optimizer=opt,
        optimizer_config=dict(grad_clip=dict(max_norm=1.0), cumulative_iters=2),
        fp16=dict(loss_scale=dict(init_scale=4.0, growth_interval=5)),
        lr_config=dict(policy="step", step=[20, 35], by_epoch=False),
        runner=dict(type="IterBasedRunner", max_iters=STEPS),
    )


class Net(nnx.Module):
    def __init__(self, rngs):
        self.body = nnx.Linear(4, 6, rngs=rngs)
        self.bn = nnx.BatchNorm(6, rngs=rngs)
        self.head = nnx.Linear(6, 3, rngs=rngs)

    def __call__(self, x):
        return self.head(nnx.relu(self.bn(self.body(x))))


def _grad(p, i):
    # deterministic, different every step; step 7 is not finite (the scaler skips and backs off)
    i = jnp.asarray(i, jnp.float32)
    g = jnp.sin(p * (i + 1.0) + 0.3) * 3.0 + 0.1 * p
    return jnp.where(i == 7, jnp.inf, g)


def _assert_close(a, b):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-6, atol=1e-7)


def _reference(tx, params):
    """The same updates through tx.update on plain arrays."""

    @jax.jit
    def run(params):
        def body(i, carry):
            params, state = carry
            grads = jax.tree_util.tree_map(lambda p: _grad(p, i), params)
            updates, state = tx.update(grads, state, params)
            return optax.apply_updates(params, updates), state

        return jax.lax.fori_loop(0, STEPS, body, (params, tx.init(params)))

    return run(params)


@pytest.mark.parametrize("name", [d.name for d in optimizers.BUILTIN])
def test_nnx_optimizer_50_updates_equal_tx_update(name):
    tx = jaxoptim.make_optimizer(_cfg(name))
    model = Net(nnx.Rngs(0))
    plain = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    opt = nnx.Optimizer(model, tx, wrt=nnx.Param)

    @nnx.jit
    def one(model, opt, i):
        grads = jax.tree_util.tree_map(lambda p: _grad(p, i), nnx.state(model, nnx.Param))
        opt.update(model, grads)

    for i in range(STEPS):  # one compilation: i is traced
        one(model, opt, jnp.asarray(i, jnp.float32))
    want_params, want_state = _reference(tx, plain)
    _assert_close(nnx.to_pure_dict(nnx.state(model, nnx.Param)), want_params)
    _assert_close(nnx.as_pure(opt.opt_state), want_state)
    assert float(jaxoptim.current_loss_scale(want_state)) == 4.0 * 0.5 * 2.0**4


@pytest.mark.parametrize("name", ["SGD", "AdamW", "Muon", "Adafactor"])
def test_flax_train_state_50_updates_equal_tx_update(name):
    tx = jaxoptim.make_optimizer(_cfg(name))
    params = {
        "body": {"kernel": jnp.linspace(-1, 1, 24).reshape(4, 6), "bias": jnp.zeros(6)},
        "head": {"kernel": jnp.linspace(1, -1, 18).reshape(6, 3)},
    }
    state = train_state.TrainState.create(apply_fn=None, params=params, tx=tx)

    @jax.jit
    def run(state):
        def body(i, state):
            grads = jax.tree_util.tree_map(lambda p: _grad(p, i), state.params)
            return state.apply_gradients(grads=grads)

        return jax.lax.fori_loop(0, STEPS, body, state)

    state = run(state)
    want_params, want_state = _reference(tx, params)
    _assert_close(state.params, want_params)
    _assert_close(state.opt_state, want_state)


def test_nnx_optimizer_refuses_model_state():
    model = Net(nnx.Rngs(0))
    tx = jaxoptim.make_optimizer(dict(type="AdamW", lr=1e-3))
    with pytest.raises(TypeError, match=r"BatchStat.*bn\.mean.*nnx\.Param"):
        nnx.Optimizer(model, tx, wrt=...)


# --- an nnx CNN with BatchNorm and Dropout through make_train_step, float16, accumulation ---


class CNN(nnx.Module):
    def __init__(self, rngs):
        self.conv = nnx.Conv(1, 4, (3, 3), rngs=rngs)
        self.bn = nnx.BatchNorm(4, rngs=rngs)
        self.drop = nnx.Dropout(0.25, rngs=rngs)
        self.head = nnx.Linear(4, 3, rngs=rngs)

    def __call__(self, x):
        x = nnx.relu(self.bn(self.conv(x)))
        return self.head(self.drop(x.mean(axis=(1, 2))))


CNN_CFG = dict(
    optimizer=dict(
        type="AdamW", lr=1e-2, weight_decay=0.05, paramwise_cfg=dict(norm_decay_mult=0.0)
    ),
    optimizer_config=dict(grad_clip=dict(max_norm=5.0), cumulative_iters=3),
    fp16=dict(loss_scale="dynamic"),
    lr_config=dict(policy="CosineAnnealing", min_lr=0.0, by_epoch=False),
    runner=dict(type="IterBasedRunner", max_iters=10),
)


def _setup():
    model = CNN(nnx.Rngs(0, dropout=1))
    kinds = jaxoptim.param_kinds(model)
    graphdef, params, model_state = nnx.split(model, nnx.Param, ...)
    tx = jaxoptim.make_optimizer(CNN_CFG, param_kinds=kinds)

    def loss_fn(params, model_state, batch):
        model = nnx.merge(graphdef, params, model_state)
        logits = model(batch["x"])
        assert logits.dtype == jnp.float16  # computes in the config's precision
        loss = optax.softmax_cross_entropy_with_integer_labels(
            logits.astype(jnp.float32), batch["y"]
        ).mean()
        return loss, nnx.state(model, nnx.Not(nnx.Param))

    step = jaxoptim.make_train_step(loss_fn, tx, param_kinds=kinds, with_model_state=True)
    state = jaxoptim.TrainState.create(params=params, tx=tx, model_state=model_state)
    return step, state


def _batch(i):
    rng = np.random.default_rng(i)
    return {
        "x": jnp.asarray(rng.normal(size=(8, 6, 6, 1)), jnp.float32),
        "y": jnp.asarray(rng.integers(0, 3, 8), jnp.int32),
    }


def _train(step, state, start, stop):
    for i in range(start, stop):
        state, _ = step(state, _batch(i))
    return state


def _resume(directory):
    step, state = _setup()
    state = jaxoptim.restore_checkpoint(directory, state)
    return _train(step, state, 4, 10)


def test_nnx_batchnorm_dropout_float16_accumulation_resume_is_bitwise(tmp_path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # accumulation with BatchNorm warns, as mmcv
        step, state = _setup()
        whole = _train(step, state, 0, 10)
        step, state = _setup()
        state = _train(step, state, 0, 4)  # iteration 4: inside the second window of 3
    jaxoptim.save_checkpoint(tmp_path / "ckpt", state, step=4)
    jaxoptim.wait_for_checkpoints()
    out = tmp_path / "resumed.npz"
    env = dict(os.environ, PYTHONPATH=os.getcwd(), JAX_PLATFORMS="cpu")
    subprocess.run(
        [sys.executable, __file__, str(tmp_path / "ckpt"), str(out)], check=True, env=env
    )
    resumed = np.load(out)
    leaves = jax.tree_util.tree_leaves(
        (whole.params, whole.model_state, whole.opt_state),
    )
    leaves = [
        np.asarray(jax.random.key_data(x))
        if jnp.issubdtype(x.dtype, jax.dtypes.prng_key)
        else np.asarray(x)
        for x in leaves
    ]
    assert len(leaves) == len(resumed.files)
    for i, want in enumerate(leaves):
        np.testing.assert_array_equal(resumed[f"a{i}"], want)
    # BatchNorm's statistics followed the data and were not weight-decayed
    assert float(jnp.abs(whole.model_state["bn"]["mean"].get_value()).max()) > 0.0


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    final = _resume(sys.argv[1])
    leaves = jax.tree_util.tree_leaves((final.params, final.model_state, final.opt_state))
    leaves = [
        np.asarray(jax.random.key_data(x))
        if jnp.issubdtype(x.dtype, jax.dtypes.prng_key)
        else np.asarray(x)
        for x in leaves
    ]
    np.savez(sys.argv[2], **{f"a{i}": x for i, x in enumerate(leaves)})


def _values(tree):
    """Plain arrays for a tree of arrays or nnx Variables."""
    return jax.tree_util.tree_map(
        lambda v: v.get_value() if isinstance(v, nnx.Variable) else jnp.asarray(v),
        tree,
        is_leaf=lambda x: isinstance(x, nnx.Variable),
    )


def test_nnx_optimizer_with_reduce_on_plateau_follows_the_metrics():
    """mmengine's ReduceOnPlateauLR under nnx.Optimizer: report_val_metrics(params=...) steps
    it in place, and the updates equal the same run on flax's TrainState."""
    cfg = dict(
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=dict(type="ReduceOnPlateauLR", patience=0, factor=0.5),
        train_cfg=dict(by_epoch=True, max_epochs=4),
    )
    tx = jaxoptim.make_optimizer(cfg, iters_per_epoch=2)
    model = Net(nnx.Rngs(0))
    params = nnx.state(model, nnx.Param)
    ref = train_state.TrainState.create(apply_fn=None, params=_values(params), tx=tx)
    optimizer = nnx.Optimizer(model, tx, wrt=nnx.Param)
    with pytest.raises(TypeError, match="params=nnx.state"):
        jaxoptim.report_val_metrics(tx, optimizer, {"loss": 1.0})
    for i in range(8):
        grads = jax.tree_util.tree_map(lambda p, i=i: _grad(p, i + 10), nnx.state(model, nnx.Param))
        optimizer.update(model, grads)
        ref = ref.apply_gradients(
            grads=jax.tree_util.tree_map(lambda p, i=i: _grad(p, i + 10), ref.params)
        )
        if i % 2 == 1:  # end of an epoch: no improvement after the first, halve each time
            jaxoptim.report_val_metrics(
                tx, optimizer, {"loss": 1.0}, params=nnx.state(model, nnx.Param)
            )
            ref = jaxoptim.report_val_metrics(tx, ref, {"loss": 1.0})
    got = _values(nnx.state(model, nnx.Param))
    _assert_close(got, ref.params)
    lr = _values(optimizer.opt_state.hyperparams)["lr"]
    # the lr of the last update: halved after epochs 2 and 3 (the one after epoch 4 is pending)
    np.testing.assert_allclose(np.asarray(lr), [0.025], rtol=1e-6)
