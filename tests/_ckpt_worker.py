"""A tiny deterministic training setup shared by tests/test_checkpoint.py and its subprocesses.

Run as a script it is the subprocess side of the crash and multi-device tests:

    python _ckpt_worker.py train DIR TOTAL EVERY [REFERENCE.npz]
        Resume from the latest complete checkpoint in DIR (or start fresh), train to step
        TOTAL saving asynchronously every EVERY steps, print progress lines the parent kills on;
        with REFERENCE.npz, also train TOTAL steps uninterrupted and write that state there.
    python _ckpt_worker.py shard DIR_IN DIR_OUT OUT.npz      (needs 8 devices)
        Restore DIR_IN onto a state sharded over 8 devices, record its values and whether each
        leaf landed on the target sharding; train a sharded state 2 steps and save it to DIR_OUT.
"""

from __future__ import annotations

import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import struct
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from jaxoptim import checkpoint
from jaxoptim.optimizer_base import LeafGroup, ParamGroups, path_name, tree_names
from jaxoptim.optimizers import SGD


class TrainState(struct.PyTreeNode):
    """The minimal train state the lead's TrainState looks like."""

    step: jax.Array
    params: dict
    opt_state: optax.OptState


def _groups(params) -> ParamGroups:
    # head.bias is frozen: its optimizer state is an optax.MaskedNode.
    leaves = tuple(LeafGroup(frozen=name == "head.bias") for name in tree_names(params))
    return ParamGroups(leaves=leaves, lr=(0.05,), momentum=(0.9,))


def make_tx(frozen_head_bias: bool = True) -> optax.GradientTransformation:
    """Adam scaling (a NamedTuple state) followed by jaxoptim's SGD with momentum."""
    groups = _groups if frozen_head_bias else None
    return optax.chain(
        optax.scale_by_adam(),
        SGD(lr=0.05, momentum=0.9, weight_decay=1e-4, groups=groups),
    )


def init_params(hidden: int = 8) -> dict:
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    return {
        "dense": {
            "kernel": jax.random.normal(k1, (16, hidden)) * 0.3,
            "bias": jnp.zeros((hidden,)),
        },
        "head": {"kernel": jax.random.normal(k2, (hidden, 4)) * 0.3, "bias": jnp.zeros((4,))},
    }


def make_state(tx: optax.GradientTransformation | None = None, hidden: int = 8) -> TrainState:
    params = init_params(hidden)
    tx = tx or make_tx()
    return TrainState(step=0, params=params, opt_state=tx.init(params))


def batch_for(step) -> tuple[jax.Array, jax.Array]:
    """The batch of a step: a pure function of the step number."""
    key = jax.random.fold_in(jax.random.PRNGKey(1), step)
    kx, ky = jax.random.split(key)
    return jax.random.normal(kx, (8, 16)), jax.random.normal(ky, (8, 4))


def _loss(params, batch):
    x, y = batch
    h = jax.nn.relu(x @ params["dense"]["kernel"] + params["dense"]["bias"])
    return jnp.mean((h @ params["head"]["kernel"] + params["head"]["bias"] - y) ** 2)


def make_train_step(tx: optax.GradientTransformation):
    """A jitted step; ``step.traces`` counts how often it was traced."""

    def step(state: TrainState, batch):
        step.traces += 1
        grads = jax.grad(_loss)(state.params, batch)
        updates, opt_state = tx.update(grads, state.opt_state, state.params)
        return state.replace(
            step=state.step + 1,
            params=optax.apply_updates(state.params, updates),
            opt_state=opt_state,
        )

    step.traces = 0
    jitted = jax.jit(step)
    jitted.traces = lambda: step.traces
    return jitted


def train(state: TrainState, train_step, until: int) -> TrainState:
    while int(state.step) < until:
        state = train_step(state, batch_for(int(state.step)))
    return state


def leaves_by_name(tree) -> dict[str, np.ndarray]:
    return {path_name(p): np.asarray(x) for p, x in jax.tree_util.tree_flatten_with_path(tree)[0]}


def _say(*words) -> None:
    print(*words, flush=True)


def _train_main(directory: str, total: int, every: int, reference: str | None) -> None:
    tx = make_tx()
    train_step = make_train_step(tx)
    state = make_state(tx)
    start = checkpoint.latest_step(directory)
    if start is not None:
        state = checkpoint.restore_checkpoint(directory, state)
    _say("RESUMED", -1 if start is None else start, int(state.step))
    while int(state.step) < total:
        state = train_step(state, batch_for(int(state.step)))
        time.sleep(0.03)  # gives the parent time to kill between saves, too
        step = int(state.step)
        if step % every == 0 or step == total:
            checkpoint.save_checkpoint(directory, state, step=step, max_to_keep=3, wait=False)
            _say("SAVE_IN_FLIGHT", step)
    checkpoint.wait_for_checkpoints(directory)
    _say("DONE", int(state.step))
    if reference:
        clean = train(make_state(tx), train_step, total)
        np.savez(reference, **leaves_by_name(clean))


def _shard_main(dir_in: str, dir_out: str, out: str) -> None:
    assert jax.device_count() == 8, jax.devices()
    mesh = Mesh(np.array(jax.devices()), ("data",))

    def sharding_of(x):
        spec = P("data") if np.ndim(x) >= 1 and np.shape(x)[0] % 8 == 0 else P()
        return NamedSharding(mesh, spec)

    def shard(state):
        return jax.tree.map(lambda x: jax.device_put(x, sharding_of(x)), state)

    tx = make_tx()
    target = shard(make_state(tx))
    restored = checkpoint.restore_checkpoint(dir_in, target)
    record = {f"restored/{k}": v for k, v in leaves_by_name(restored).items()}
    same = [
        r.sharding == t.sharding and len(r.sharding.device_set) == 8
        for r, t in zip(jax.tree.leaves(restored), jax.tree.leaves(target), strict=True)
    ]
    record["restored_on_target_sharding"] = np.array(same)
    record["restored_type_ok"] = np.array(
        jax.tree.structure(restored) == jax.tree.structure(target)
    )
    state = train(shard(make_state(tx)), make_train_step(tx), 2)
    record["kernel_sharded"] = np.array(
        len(state.opt_state[1].leaves["dense"]["kernel"][0].addressable_shards) == 8
        and state.opt_state[1].leaves["dense"]["kernel"][0].addressable_shards[0].data.shape
        == (2, 8)
    )
    checkpoint.save_checkpoint(dir_out, state, step=2)
    record.update({f"saved/{k}": v for k, v in leaves_by_name(state).items()})
    np.savez(out, **record)
    _say("DONE")


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "train":
        ref = args[3] if len(args) > 3 else None
        _train_main(args[0], int(args[1]), int(args[2]), ref)
    elif mode == "shard":
        _shard_main(*args)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    os._exit(0)  # every save was waited for; skip the slow interpreter teardown
