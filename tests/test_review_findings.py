"""Defects found in review, one test each (expected, actual and reference in each docstring)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import jax.numpy as jnp
import pytest

import jaxoptim

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


def test_plateau_under_an_iteration_loop_reduces_like_mmengine():
    """ReduceOnPlateauLR inside an ``IterBasedTrainLoop`` (validation every ``val_interval``).

    mmengine's IterBasedTrainLoop never calls ``after_train_epoch`` while training, so the
    plateau's ``_global_step`` stays 0 and its default ``end`` is the loop's ``max_epochs``
    (1): every validation steps it (``ParamSchedulerHook.after_val_epoch``). Expected: the lr
    halves after each non-improving validation, as real mmengine's scheduler (driven here
    the way the loop drives it) does. Actual (before the fix): jaxoptim counted epochs as
    ``iteration // iters_per_epoch`` (>= end after the first epoch), silently never reducing,
    and without ``iters_per_epoch`` it was an error although the loop has no epochs.
    """
    import jax.numpy as jnp
    import mmengine.optim  # noqa: F401 - registers the schedulers
    import numpy as np
    import torch
    from mmengine.registry import PARAM_SCHEDULERS

    import jaxoptim

    max_iters, val_interval = 12, 2
    losses = [1.0, 0.9, 0.95, 0.95, 0.95, 0.5]
    schedulers = [
        dict(type="LinearLR", start_factor=0.5, by_epoch=False, begin=0, end=3),
        dict(type="ReduceOnPlateauLR", patience=0, factor=0.5),
    ]
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    built = [
        PARAM_SCHEDULERS.build(
            {"end": 1 if cfg.get("by_epoch", True) else max_iters, **cfg, "optimizer": opt}
        )
        for cfg in schedulers
    ]
    want = []
    for i in range(max_iters):
        want.append(opt.param_groups[0]["lr"])
        opt.step()
        for s in built:
            if not s.by_epoch:
                s.step()
        if (i + 1) % val_interval == 0:
            built[1].step({"loss": losses[i // val_interval]})

    cfg = dict(
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        param_scheduler=schedulers,
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=max_iters, val_interval=val_interval),
    )
    tx = jaxoptim.make_optimizer(cfg)
    state = jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=tx)
    step = jaxoptim.make_train_step(lambda p, b: jnp.sum(p["w"] * b), tx)
    got = []
    for i in range(max_iters):
        state, metrics = step(state, jnp.ones(2))
        got.append(float(metrics["lr"]))
        if (i + 1) % val_interval == 0:
            state = jaxoptim.report_val_metrics(tx, state, {"loss": losses[i // val_interval]})
    assert min(want) < 0.05  # mmengine did reduce
    np.testing.assert_allclose(got, want, rtol=2e-6)


def test_a_scoped_lbfgs_gets_the_lbfgs_message():
    with pytest.raises(ValueError, match="mmengine.LBFGS.*closure"):
        jaxoptim.make_optimizer(dict(type="mmengine.LBFGS", lr=0.1))


def test_outside_its_window_a_plateau_does_not_read_the_metrics():
    # mmengine steps a ReduceOnPlateau scheduler only inside [begin, end): outside it a missing
    # monitor is no error
    cfg = dict(
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=dict(type="ReduceOnPlateauLR", patience=0, begin=3, monitor="mAP"),
        train_cfg=dict(by_epoch=True, max_epochs=6),
    )
    tx = jaxoptim.make_optimizer(cfg, iters_per_epoch=1)
    state = jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=tx)
    step = jaxoptim.make_train_step(lambda p, b: jnp.sum((p["w"] - b) ** 2), tx)
    state, _ = step(state, jnp.ones(2))
    state = jaxoptim.report_val_metrics(tx, state, {"loss": 1.0})  # epoch 1: outside
    for _ in range(2):
        state, _ = step(state, jnp.ones(2))
    with pytest.raises(KeyError, match="mAP"):
        jaxoptim.report_val_metrics(tx, state, {"loss": 1.0})  # epoch 3: inside
