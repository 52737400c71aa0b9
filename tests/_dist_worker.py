"""One process of tests/test_distributed.py's library-level run (also run alone, as the reference).

    python _dist_worker.py OUT_DIR DEVICES_PER_PROCESS

Joins the processes the environment names (``jaxoptim.distributed.initialize``), trains a
small MLP for ``STEPS`` steps with ``make_train_step`` over a mesh of every process's devices
(AMP dynamic loss scaling, gradient clipping, a ZeRO-1 AdamW), where step ``BAD_STEP``'s global
batch has an ``inf`` in its last row (the last process's rows), saves the final state with
``save_checkpoint`` from every process, and process ``p`` writes ``OUT_DIR/result<p>.npz``:
its copy of the parameters, each step's ``skipped`` / ``loss_scale`` / ``loss`` as it saw
them, and whether the optimizer moments were split over all devices.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import jaxoptim
from jaxoptim import distributed
from jaxoptim.optimizer_base import path_name

STEPS = 5
BAD_STEP = 2
GLOBAL_BATCH = 16

CONFIG = dict(
    optim_wrapper=dict(
        type="AmpOptimWrapper",
        loss_scale="dynamic",
        optimizer=dict(
            type="ZeroRedundancyOptimizer", optimizer_type="AdamW", lr=1e-2, weight_decay=0.01
        ),
        clip_grad=dict(max_norm=0.5),
    ),
    train_cfg=dict(type="IterBasedTrainLoop", max_iters=STEPS),
)


def init_params() -> dict:
    k1, k2 = jax.random.split(jax.random.key(0))
    return {
        "dense": {"kernel": jax.random.normal(k1, (8, 16)) * 0.3, "bias": jnp.zeros((16,))},
        "head": {"kernel": jax.random.normal(k2, (16, 4)) * 0.3, "bias": jnp.zeros((4,))},
    }


def global_batch(step: int) -> tuple[np.ndarray, np.ndarray]:
    """Step ``step``'s global batch, the same in every process (an inf at BAD_STEP)."""
    rng = np.random.default_rng(step)
    x = rng.normal(size=(GLOBAL_BATCH, 8)).astype(np.float32)
    y = rng.normal(size=(GLOBAL_BATCH, 4)).astype(np.float32)
    if step == BAD_STEP:
        x[-1, 0] = np.inf
    return x, y


def loss_fn(params, batch):
    x, y = batch
    h = jax.nn.relu(x @ params["dense"]["kernel"] + params["dense"]["bias"])
    return jnp.mean((h @ params["head"]["kernel"] + params["head"]["bias"] - y) ** 2)


def main(out_dir: str, devices_per_process: int) -> None:
    distributed.initialize()
    mesh = distributed.global_mesh(devices_per_process)
    tx = jaxoptim.make_optimizer(CONFIG)
    assert tx.info.shard_opt_state
    with warnings.catch_warnings():
        # float32 compute (the config's AMP asks for float16): a cross-process reduction then
        # agrees with the one-process one to float32 rounding; the loss scaling is the same
        warnings.simplefilter("ignore", UserWarning)
        step_fn = jaxoptim.make_train_step(loss_fn, tx, precision="float32", mesh=mesh)
    state = jaxoptim.TrainState.create(params=init_params(), tx=tx)
    state = jaxoptim.shard_train_state(state, mesh, shard_opt_state=True)
    rows = distributed.process_batch_slice(mesh, GLOBAL_BATCH)
    record: dict[str, list] = {"skipped": [], "loss_scale": [], "loss": []}
    for step in range(STEPS):
        x, y = global_batch(step)
        batch = jaxoptim.shard_batch((x[rows], y[rows]), mesh)
        state, metrics = step_fn(state, batch)
        for key in record:
            record[key].append(np.asarray(metrics[key]))
    moments = [
        x
        for x in jax.tree_util.tree_leaves(state.opt_state)
        if getattr(x, "ndim", 0) == 2 and x.shape == (8, 16)
    ]
    split = [
        len(m.sharding.device_set) == jax.device_count()
        and m.addressable_shards[0].data.shape[0] == 8 // jax.device_count()
        for m in moments
    ]
    jaxoptim.save_checkpoint(Path(out_dir) / "checkpoints", state, step=STEPS)
    params = {
        path_name(p): np.asarray(v)
        for p, v in jax.tree_util.tree_flatten_with_path(state.params)[0]
    }
    np.savez(
        Path(out_dir) / f"result{jax.process_index()}.npz",
        **{f"params/{k}": v for k, v in params.items()},
        **{k: np.stack(v) for k, v in record.items()},
        moments_split=np.array(bool(split) and all(split)),
        processes=np.array(jax.process_count()),
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
    sys.stdout.flush()
    os._exit(0)  # the checkpoint was waited for; skip the slow distributed teardown
