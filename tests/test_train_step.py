"""The jitted train step: precision, loss scaling, skipping, metrics, recompiles, sharding."""

import os
import subprocess
import sys
import textwrap
import warnings

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxoptim
from jaxoptim import TrainState, current_loss_scale, make_optimizer, make_train_step


class _Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.Dense(16)(x)
        x = nn.LayerNorm()(x)
        x = nn.relu(x)
        return nn.Dense(3)(x)


def _setup(cfg, precision="float32", n=32, seed=0):
    model = _Net()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    y = rng.integers(0, 3, size=(n,))
    params = model.init(jax.random.key(seed), x[:1])["params"]
    kinds = jaxoptim.param_kinds(model, x[:1])

    def loss_fn(p, batch):
        logits = model.apply({"params": p}, batch["x"]).astype(jnp.float32)
        onehot = jax.nn.one_hot(batch["y"], 3)
        return -jnp.mean(jnp.sum(jax.nn.log_softmax(logits) * onehot, -1))

    tx = make_optimizer(cfg, param_kinds=kinds, max_iters=200)
    step = make_train_step(loss_fn, tx, precision=precision, param_kinds=kinds, donate=False)
    state = TrainState.create(params=params, tx=tx)
    return step, state, {"x": jnp.asarray(x), "y": jnp.asarray(y)}


def test_float32_step_matches_manual_sgd():
    cfg = dict(optimizer=dict(type="SGD", lr=0.1))
    step, state, batch = _setup(cfg)
    grads = jax.grad(
        lambda p: (
            -jnp.mean(
                jnp.sum(
                    jax.nn.log_softmax(_Net().apply({"params": p}, batch["x"]))
                    * jax.nn.one_hot(batch["y"], 3),
                    -1,
                )
            )
        )
    )(state.params)
    new, metrics = step(state, batch)
    expected = jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, state.params, grads)
    for a, b in zip(jax.tree_util.tree_leaves(new.params), jax.tree_util.tree_leaves(expected)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    gnorm = np.sqrt(sum(float(jnp.sum(g**2)) for g in jax.tree_util.tree_leaves(grads)))
    np.testing.assert_allclose(metrics["grad_norm"], gnorm, rtol=1e-5)
    assert float(metrics["lr"]) == pytest.approx(0.1)
    assert not bool(metrics["skipped"]) and bool(metrics["updated"])
    assert float(metrics["loss_scale"]) == 1.0
    assert int(new.step) == 1


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_low_precision_keeps_float32_master_params_and_norms(precision):
    cfg = dict(optimizer=dict(type="AdamW", lr=1e-2), fp16=dict(loss_scale="dynamic"))
    step, state, batch = _setup(cfg, precision=precision)
    for _ in range(3):
        state, metrics = step(state, batch)
    for leaf in jax.tree_util.tree_leaves(state.params):
        assert leaf.dtype == jnp.float32
        assert np.all(np.isfinite(leaf))
    assert metrics["loss"].dtype == jnp.float32


def test_float16_overflowing_initial_scale_backs_off_then_trains():
    # 2**24 overflows float16 gradients (max 65504) through the first layers.
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.5, momentum=0.9),
        fp16=dict(loss_scale=dict(init_scale=2.0**40, growth_interval=1000)),
    )
    step, state, batch = _setup(cfg, precision="float16")
    scales, skipped, losses = [], [], []
    for _ in range(60):
        scales.append(float(current_loss_scale(state.opt_state)))
        state, metrics = step(state, batch)
        skipped.append(bool(metrics["skipped"]))
        losses.append(float(metrics["loss"]))
    assert skipped[0] and skipped[1]
    first_ok = skipped.index(False)
    assert all(skipped[:first_ok])
    for i in range(first_ok):  # every skip halves the scale
        assert scales[i + 1] == scales[i] / 2
    assert scales[first_ok] < 2.0**40
    for leaf in jax.tree_util.tree_leaves(state.params):
        assert leaf.dtype == jnp.float32 and np.all(np.isfinite(leaf))
    assert losses[-1] < 0.5 * losses[first_ok]


def test_skipped_step_leaves_params_and_opt_statistics_bitwise_unchanged():
    cfg = dict(optimizer=dict(type="AdamW", lr=1e-2), fp16=dict(loss_scale=1024.0))
    step, state, batch = _setup(cfg)
    state, _ = step(state, batch)
    bad = dict(batch, x=batch["x"].at[0, 0].set(jnp.inf))
    new, metrics = step(state, bad)
    assert bool(metrics["skipped"]) and not bool(metrics["updated"])
    for a, b in zip(jax.tree_util.tree_leaves(state.params), jax.tree_util.tree_leaves(new.params)):
        np.testing.assert_array_equal(a, b)
    inner_old = _optimizer_state(state.opt_state)
    inner_new = _optimizer_state(new.opt_state)
    for a, b in zip(jax.tree_util.tree_leaves(inner_old), jax.tree_util.tree_leaves(inner_new)):
        np.testing.assert_array_equal(a, b)
    # static scale: unchanged; the iteration (schedule clock) still advanced
    assert float(current_loss_scale(new.opt_state)) == 1024.0
    assert int(new.opt_state.iteration) == int(state.opt_state.iteration) + 1


def _optimizer_state(opt_state):
    from jaxoptim.optimizer_base import TorchOptimizerState

    found = jax.tree_util.tree_leaves(
        opt_state, is_leaf=lambda x: isinstance(x, TorchOptimizerState)
    )
    (state,) = [x for x in found if isinstance(x, TorchOptimizerState)]
    return (state.count, state.leaves)


def test_fifty_steps_with_changing_scale_and_lr_compile_once():
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1, momentum=0.9),
        fp16=dict(loss_scale=dict(init_scale=2.0**20, growth_interval=3)),
        lr_config=dict(
            policy="step", step=[10, 30], by_epoch=False, warmup="linear", warmup_iters=5
        ),
    )
    traces = []
    model = _Net()
    x = jnp.ones((8, 5))

    def loss_fn(p, batch):
        traces.append(1)
        return jnp.mean(model.apply({"params": p}, batch) ** 2)

    params = model.init(jax.random.key(0), x)["params"]
    tx = make_optimizer(cfg, max_iters=50)
    step = make_train_step(loss_fn, tx, precision="float16")
    state = TrainState.create(params=params, tx=tx)
    lrs, scales = set(), set()
    for i in range(50):
        batch = x * (1e4 if i % 7 == 3 else 1.0)  # some overflowing steps
        state, metrics = step(state, batch)
        lrs.add(float(metrics["lr"]))
        scales.add(float(metrics["loss_scale"]))
    assert len(lrs) > 5 and len(scales) > 2
    assert len(traces) == 1
    assert step._cache_size() == 1


def test_accumulation_updates_every_cumulative_iters():
    cfg = dict(optimizer=dict(type="SGD", lr=0.1), optimizer_config=dict(cumulative_iters=3))
    step, state, batch = _setup(cfg)
    updated = []
    p0 = state.params
    for _ in range(6):
        state, metrics = step(state, batch)
        updated.append(bool(metrics["updated"]))
        if len(updated) == 2:
            for a, b in zip(jax.tree_util.tree_leaves(p0), jax.tree_util.tree_leaves(state.params)):
                np.testing.assert_array_equal(a, b)
    assert updated == [False, False, True, False, False, True]


def test_detect_anomalous_params_logs_once_at_trace_time(caplog):
    class Headed(nn.Module):
        @nn.compact
        def __call__(self, x):
            nn.Dense(4, name="unused_head")(x)  # created, result discarded
            return nn.Dense(1, name="head")(x)

    model = Headed()
    x = jnp.ones((4, 3))
    params = model.init(jax.random.key(0), x)["params"]
    tx = make_optimizer(
        dict(
            optimizer=dict(type="SGD", lr=0.1), optimizer_config=dict(detect_anomalous_params=True)
        )
    )
    step = make_train_step(lambda p, b: jnp.mean(model.apply({"params": p}, b)), tx)
    state = TrainState.create(params=params, tx=tx)
    with caplog.at_level("ERROR", logger="jaxoptim"):
        state, _ = step(state, x)
        state, _ = step(state, x)
    lines = [r.getMessage() for r in caplog.records if "computational graph" in r.getMessage()]
    assert sorted(lines) == [
        "unused_head.bias with shape (4,) is not in the computational graph",
        "unused_head.kernel with shape (3, 4) is not in the computational graph",
    ]


def test_bad_precision_names_the_value():
    tx = make_optimizer(dict(type="SGD", lr=0.1))
    with pytest.raises(ValueError, match="float8"):
        make_train_step(lambda p, b: 0.0, tx, precision="float8")


_SHARDED = textwrap.dedent(
    """
    import jax, jax.numpy as jnp, numpy as np
    from jax.sharding import Mesh
    from jaxoptim import make_optimizer, make_train_step, TrainState
    from jaxoptim.train_step import shard_batch, shard_train_state
    assert len(jax.devices()) == 8
    rng = np.random.default_rng(0)
    w = {"a": jnp.asarray(rng.normal(size=(8, 4)), jnp.float32), "b": jnp.zeros((4,))}
    def loss_fn(p, batch):
        return jnp.mean((batch["x"] @ p["a"] + p["b"] - batch["y"]) ** 2)
    cfg = dict(optimizer=dict(type="AdamW", lr=1e-2), fp16=dict(loss_scale="dynamic"),
               optimizer_config=dict(grad_clip=dict(max_norm=1.0)))
    tx = make_optimizer(cfg)
    batch = {"x": jnp.asarray(rng.normal(size=(64, 8)), jnp.float32),
             "y": jnp.asarray(rng.normal(size=(64, 4)), jnp.float32)}
    single = make_train_step(loss_fn, tx, donate=False, precision="float32")
    mesh = Mesh(np.array(jax.devices()), ("data",))
    sharded = make_train_step(loss_fn, tx, donate=False, mesh=mesh, shard_opt_state=True,
                              precision="float32")
    s1 = TrainState.create(params=w, tx=tx)
    s8 = shard_train_state(TrainState.create(params=w, tx=tx), mesh, shard_opt_state=True)
    for i in range(5):
        s1, m1 = single(s1, batch)
        s8, m8 = sharded(s8, shard_batch(batch, mesh))
    for a, b in zip(jax.tree_util.tree_leaves(s1.params), jax.tree_util.tree_leaves(s8.params)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(float(m1["grad_norm"]), float(m8["grad_norm"]), rtol=1e-5)
    # one shard (device 5's rows) carries an inf: the step is skipped on every device
    bad = dict(batch, x=batch["x"].at[45, 0].set(jnp.inf))
    s9, m9 = sharded(s8, shard_batch(bad, mesh))
    assert bool(m9["skipped"])
    for a, b in zip(jax.tree_util.tree_leaves(s8.params), jax.tree_util.tree_leaves(s9.params)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # mmengine's ZeroRedundancyOptimizer: the step shards the optimizer state by itself
    zero = make_optimizer(dict(optim_wrapper=dict(optimizer=dict(
        type="ZeroRedundancyOptimizer", optimizer_type="AdamW", lr=1e-2))))
    assert zero.info.shard_opt_state
    z_step = make_train_step(loss_fn, zero, donate=False, mesh=mesh)
    sz = shard_train_state(TrainState.create(params=w, tx=zero), mesh,
                           shard_opt_state=zero.info.shard_opt_state)
    plain = make_optimizer(dict(type="AdamW", lr=1e-2))
    s_plain = TrainState.create(params=w, tx=plain)
    plain_step = make_train_step(loss_fn, plain, donate=False)
    for i in range(3):
        sz, _ = z_step(sz, shard_batch(batch, mesh))
        s_plain, _ = plain_step(s_plain, batch)
    moments = [x for x in jax.tree_util.tree_leaves(sz.opt_state) if x.shape == (8, 4)]
    assert moments and not any(x.sharding.is_fully_replicated for x in moments)
    leaves = jax.tree_util.tree_leaves
    for a, b in zip(leaves(sz.params), leaves(s_plain.params)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=1e-6)
    # a ReduceOnPlateau factor lowered between steps keeps the replicated placement
    from jaxoptim import report_val_metrics
    plateau = make_optimizer(dict(
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=dict(type="ReduceOnPlateauLR", patience=0, factor=0.5),
        train_cfg=dict(by_epoch=True, max_epochs=4)), iters_per_epoch=1)
    p_step = make_train_step(loss_fn, plateau, donate=False, mesh=mesh)
    sp = shard_train_state(TrainState.create(params=w, tx=plateau), mesh)
    lrs = []
    for loss in (1.0, 1.0, 1.0):
        sp, mp = p_step(sp, shard_batch(batch, mesh))
        lrs.append(float(mp["lr"]))
        sp = report_val_metrics(plateau, sp, {"loss": loss})
        assert all(x.sharding.is_fully_replicated for x in jax.tree_util.tree_leaves(sp.opt_state))
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.05], rtol=1e-6)
    assert p_step._cache_size() == 1
    print("SHARDED-OK")
    """
)


def test_eight_device_step_equals_single_device_and_skips_everywhere():
    env = dict(
        os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu"
    )
    out = subprocess.run(
        [sys.executable, "-c", _SHARDED], env=env, capture_output=True, text=True, timeout=300
    )
    assert "SHARDED-OK" in out.stdout, out.stderr[-3000:]


def test_batchnorm_statistics_are_carried_in_model_state():
    class BNNet(nn.Module):
        @nn.compact
        def __call__(self, x, train=True):
            x = nn.Dense(4)(x)
            return nn.BatchNorm(use_running_average=not train, momentum=0.5)(x)

    model = BNNet()
    x = jnp.asarray(np.random.default_rng(0).normal(size=(16, 3)) + 2.0, jnp.float32)
    variables = model.init(jax.random.key(0), x)

    def loss_fn(params, model_state, batch):
        out, updates = model.apply(
            {"params": params, **model_state}, batch, mutable=["batch_stats"]
        )
        return jnp.mean(out.astype(jnp.float32) ** 2), updates

    tx = make_optimizer(dict(type="SGD", lr=0.01))
    kinds = jaxoptim.param_kinds(model, x)
    step = make_train_step(
        loss_fn, tx, precision="float16", param_kinds=kinds, with_model_state=True
    )
    state = TrainState.create(
        params=variables["params"], tx=tx, model_state={"batch_stats": variables["batch_stats"]}
    )
    dense = variables["params"]["Dense_0"]
    expected_mean = 0.5 * np.asarray(x @ dense["kernel"] + dense["bias"]).mean(0)  # momentum 0.5
    state, _ = step(state, x)
    mean = state.model_state["batch_stats"]["BatchNorm_0"]["mean"]
    assert mean.dtype == jnp.float32
    np.testing.assert_allclose(mean, expected_mean, rtol=2e-2, atol=2e-3)
    assert state.params["BatchNorm_0"]["scale"].dtype == jnp.float32


def test_accumulating_over_batchnorm_warns_as_mmcv():
    class BNNet(nn.Module):
        @nn.compact
        def __call__(self, x):
            return nn.BatchNorm(use_running_average=False)(nn.Dense(2)(x))

    model = BNNet()
    x = jnp.ones((4, 3))
    variables = model.init(jax.random.key(0), x)

    def loss_fn(params, model_state, batch):
        out, updates = model.apply(
            {"params": params, **model_state}, batch, mutable=["batch_stats"]
        )
        return jnp.mean(out**2), updates

    tx = make_optimizer(
        dict(optimizer=dict(type="SGD", lr=0.1), optimizer_config=dict(cumulative_iters=2))
    )
    step = make_train_step(loss_fn, tx, with_model_state=True)
    state = TrainState.create(
        params=variables["params"], tx=tx, model_state={"batch_stats": variables["batch_stats"]}
    )
    with pytest.warns(UserWarning, match="may slightly decrease performance if the model has"):
        step(state, x)


def test_nnx_model_trains_in_float16_with_kinds_from_the_module():
    from flax import nnx

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.dense = nnx.Linear(4, 8, rngs=rngs)
            self.ln = nnx.LayerNorm(8, rngs=rngs)
            self.head = nnx.Linear(8, 2, rngs=rngs)

        def __call__(self, x):
            return self.head(nnx.relu(self.ln(self.dense(x))))

    model = Net(nnx.Rngs(0))
    graphdef, params, rest = nnx.split(model, nnx.Param, ...)
    kinds = jaxoptim.param_kinds(model)
    x = jnp.asarray(np.random.default_rng(0).normal(size=(16, 4)), jnp.float32)
    seen_dtypes = {}

    def loss_fn(p, batch):
        seen_dtypes["kernel"] = p["dense"]["kernel"].get_value().dtype
        seen_dtypes["ln"] = p["ln"]["scale"].get_value().dtype
        return jnp.mean(nnx.merge(graphdef, p, rest)(batch).astype(jnp.float32) ** 2)

    cfg = dict(
        optimizer=dict(
            type="AdamW", lr=1e-2, weight_decay=0.05, paramwise_cfg=dict(norm_decay_mult=0.0)
        ),
        fp16=dict(loss_scale="dynamic"),
    )
    tx = make_optimizer(cfg, param_kinds=kinds)
    step = make_train_step(loss_fn, tx, precision="float16", param_kinds=kinds)
    state = TrainState.create(params=params, tx=tx)
    losses = []
    for _ in range(10):
        state, metrics = step(state, x)
        losses.append(float(metrics["loss"]))
    assert seen_dtypes == {"kernel": jnp.float16, "ln": jnp.float32}
    assert losses[-1] < losses[0]
    for leaf in jax.tree_util.tree_leaves(state.params):
        assert leaf.dtype == jnp.float32


@pytest.mark.parametrize("precision", ["bfloat16", "float16"])
def test_nnx_norm_outputs_return_to_the_compute_dtype(precision):
    # A float32 norm parameter promotes the norm's output; without the cast everything after
    # the first nnx norm would silently run in float32 (mmcv's patch_norm_fp32 casts back).
    from flax import nnx

    seen = {}

    class Probe(nnx.Module):
        def __init__(self, name):
            self.name = name

        def __call__(self, x):
            seen[self.name] = x.dtype
            return x

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.dense = nnx.Linear(4, 8, rngs=rngs)
            self.ln = nnx.LayerNorm(8, rngs=rngs)
            self.rms = nnx.RMSNorm(8, rngs=rngs)
            self.gn = nnx.GroupNorm(8, num_groups=2, rngs=rngs)
            self.after_ln, self.after_rms, self.after_gn = Probe("ln"), Probe("rms"), Probe("gn")
            self.head = nnx.Linear(8, 2, rngs=rngs)

        def __call__(self, x):
            x = self.after_ln(self.ln(self.dense(x)))
            x = self.after_rms(self.rms(x))
            return self.head(self.after_gn(self.gn(x)))

    model = Net(nnx.Rngs(0))
    graphdef, params, rest = nnx.split(model, nnx.Param, ...)
    kinds = jaxoptim.param_kinds(model)
    dtype = jnp.dtype(precision)

    def loss_fn(p, batch):
        return jnp.mean(nnx.merge(graphdef, p, rest)(batch).astype(jnp.float32) ** 2)

    tx = make_optimizer(dict(type="SGD", lr=0.1))
    step = make_train_step(loss_fn, tx, precision=precision, param_kinds=kinds)
    state = TrainState.create(params=params, tx=tx)
    state, metrics = step(state, jnp.ones((4, 4)))
    assert seen == {"ln": dtype, "rms": dtype, "gn": dtype}
    assert state.params["ln"]["scale"].get_value().dtype == jnp.float32
    assert np.isfinite(float(metrics["loss"]))

    # Outside a train step the norm classes behave as flax wrote them.
    seen.clear()
    ln = nnx.LayerNorm(8, rngs=nnx.Rngs(0))
    assert ln(jnp.ones((2, 8), dtype)).dtype == jnp.float32
    assert type(ln).__call__.__wrapped__ is not None


def test_a_precision_the_config_asks_for_and_the_step_ignores_warns():
    cfg = dict(
        optim_wrapper=dict(
            type="AmpOptimWrapper", dtype="bfloat16", optimizer=dict(type="SGD", lr=0.1)
        ),
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=10),
    )
    tx = make_optimizer(cfg)
    assert tx.info.precision == "bfloat16"
    with pytest.warns(UserWarning, match="asks for bfloat16 compute.*computes in float32"):
        make_train_step(lambda p, b: jnp.sum(p["w"] * b), tx, precision="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_train_step(lambda p, b: jnp.sum(p["w"] * b), tx)  # the config's: no warning
        make_train_step(lambda p, b: jnp.sum(p["w"] * b), tx, precision=tx.info.precision)
        make_train_step(lambda p, b: jnp.sum(p["w"] * b), make_optimizer(dict(type="SGD", lr=0.1)))


_ZERO_STEP = textwrap.dedent(
    """
    import jax, jax.numpy as jnp, numpy as np
    from jax.sharding import Mesh
    import jaxoptim
    from jaxoptim.train_step import shard_batch, shard_train_state
    mesh = Mesh(np.array(jax.devices()[:4]), ("data",))
    params = {"a": jnp.ones((8, 4)), "b": jnp.zeros((4,))}
    tx = jaxoptim.make_optimizer(dict(optim_wrapper=dict(optimizer=dict(
        type="ZeroRedundancyOptimizer", optimizer_type="AdamW", lr=1e-2))))
    step = jaxoptim.make_train_step(
        lambda p, x: jnp.mean((x @ p["a"] + p["b"]) ** 2), tx, mesh=mesh)
    state = shard_train_state(jaxoptim.TrainState.create(params=params, tx=tx), mesh,
                              shard_opt_state=tx.info.shard_opt_state)
    x = shard_batch(jnp.ones((8, 8)), mesh)
    for _ in range(3):
        state, _ = step(state, x)
    print("CACHE", step._cache_size())
    print("REPLICATED", all(p.sharding.is_fully_replicated
                            for p in jax.tree_util.tree_leaves(state.params)))
    """
)


def test_zero_redundancy_step_keeps_params_replicated_and_compiles_once():
    """mmengine's ZeroRedundancyOptimizer (ZeRO-1) shards only the optimizer state.

    Expected: ``make_train_step(mesh=...)`` with ``tx.info.shard_opt_state`` keeps the params
    replicated as ``shard_train_state`` placed them, so the second step reuses the first
    compilation (the no-recompile check of optax's tests). Actual (before the fix): the sharded
    moments propagate into the parameter update, the step returns params split over ``data``,
    and the second step recompiles for the new input sharding (cache size 2).
    """
    env = dict(
        os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu"
    )
    out = subprocess.run(
        [sys.executable, "-c", _ZERO_STEP], env=env, capture_output=True, text=True, timeout=300
    )
    assert "CACHE" in out.stdout, out.stderr[-3000:]
    assert "CACHE 1" in out.stdout and "REPLICATED True" in out.stdout, out.stdout


# --- the config's precision, and model state given as params ---


def test_an_mmcv_fp16_config_computes_in_float16():
    """mmcv's ``fp16`` section means float16 compute (``wrap_fp16_model``), not a float32 step
    with a loss scaler; ``tx.info.precision`` says so and the step takes it by default."""
    tx = make_optimizer(dict(optimizer=dict(type="SGD", lr=0.1), fp16=dict(loss_scale=512.0)))
    assert tx.info.precision == "float16"
    seen = []

    def loss_fn(params, batch):
        seen.append((params["w"].dtype, batch.dtype))
        return jnp.sum(params["w"] * batch).astype(jnp.float32)

    step = make_train_step(loss_fn, tx)
    state = TrainState.create(params={"w": jnp.ones(4)}, tx=tx)
    state, metrics = step(state, jnp.ones(4))
    assert seen == [(jnp.float16, jnp.float16)]
    assert state.params["w"].dtype == jnp.float32  # float32 master weights
    assert float(metrics["loss_scale"]) == 512.0
    for cfg, want in [
        (dict(optimizer=dict(type="SGD", lr=0.1)), "float32"),
        (
            dict(
                optimizer=dict(type="SGD", lr=0.1),
                optimizer_config=dict(type="Fp16OptimizerHook", loss_scale="dynamic"),
            ),
            "float16",
        ),
        (
            dict(optim_wrapper=dict(type="AmpOptimWrapper", optimizer=dict(type="SGD", lr=0.1))),
            "float16",
        ),  # dtype=None: autocast's float16
        (dict(optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1))), "float32"),
    ]:
        assert make_optimizer(cfg).info.precision == want, cfg


def test_a_step_in_another_precision_than_the_fp16_config_warns():
    tx = make_optimizer(dict(optimizer=dict(type="SGD", lr=0.1), fp16=dict(loss_scale="dynamic")))
    with pytest.warns(UserWarning, match="asks for float16 compute.*computes in float32"):
        make_train_step(lambda p, b: jnp.sum(p["w"] * b), tx, precision="float32")


def test_linen_variables_given_as_params_raise_naming_the_collection():
    """A whole linen ``variables`` dict as the params would weight-decay BatchNorm's running
    statistics (1.0 -> 0.73 in three AdamW steps) and stop them following the data."""
    import flax.linen as nn

    class Net(nn.Module):
        @nn.compact
        def __call__(self, x):
            return nn.Dense(2)(nn.BatchNorm(use_running_average=False)(x))

    variables = Net().init(jax.random.key(0), jnp.ones((4, 3)))
    tx = make_optimizer(dict(type="AdamW", lr=1e-2, weight_decay=0.1))
    match = r"\['batch_stats'\].*variables\['params'\].*with_model_state"
    with pytest.raises(TypeError, match=match):
        TrainState.create(params=variables, tx=tx)
    with pytest.raises(TypeError, match=match):
        tx.init(variables)
    TrainState.create(params=variables["params"], tx=tx)  # the fix works
