"""Checkpoints of a whole train state (params, optimizer state, loss scale, counters) with orbax.

A checkpoint is one orbax ``CheckpointManager`` step directory (``<directory>/<step>``). Saves are
atomic: orbax writes into a temporary directory and renames it when complete, so a process killed
mid-save leaves only an ignored ``<step>.orbax-checkpoint-tmp-*`` directory (removed by the
next process that saves there) and the latest *complete* step is what :func:`latest_step` and
:func:`restore_checkpoint` see.

Restoring needs a ``target``: the state the training script builds anyway (concrete or from
``jax.eval_shape``). The result has the target's exact pytree types (optax ``NamedTuple`` states,
``optax.MaskedNode``, flax struct dataclasses), dtypes, shardings, weak types and committedness,
so a jitted step function traced on the target runs the restored state without recompiling.

Several processes (``jax.distributed``, :mod:`jaxoptim.distributed`) write and read one
checkpoint together: every process calls the same functions in the same order with the same
``directory`` (a file system all of them see), orbax's multi-process manager writes each array
shard from the process that holds it (a replicated array once) and process 0 commits the step.
A restore places each leaf on the target's sharding, so a checkpoint saved by N processes on D
devices restores on any other number of processes and devices (ZeRO-1 state included).

Saves use orbax's ``PyTreeSave``/``PyTreeRestore`` arguments: the on-disk format is the one
``StandardSave`` writes, and the per-leaf restore arguments are what let a restore mirror the
target exactly and read a subtree alone (:func:`restore_params`).
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import orbax.checkpoint as ocp

from jaxoptim.optimizer_base import path_name

try:  # jax has no public way to make an array weakly typed again
    from jax._src.lax.lax import _convert_element_type
except ImportError:  # a later jax: restored weak leaves stay strong (one recompile)
    _convert_element_type = None

__all__ = [
    "all_steps",
    "latest_step",
    "restore_checkpoint",
    "restore_params",
    "save_checkpoint",
    "wait_for_checkpoints",
]

# path -> (manager, max_to_keep, made for saving)
_MANAGERS: dict[str, tuple[ocp.CheckpointManager, int | None, bool]] = {}
_LOCK = threading.Lock()


def _key(directory: str | os.PathLike) -> str:
    return os.path.abspath(os.fspath(directory))


def _manager(directory: str | os.PathLike, max_to_keep: int | None = None, *, for_save: bool):
    """The process's manager for ``directory``, (re)created when ``max_to_keep`` changes.

    The first manager this process saves with removes the temporary directories a killed
    process left (orbax's ``cleanup_tmp_directories``); one made only to restore leaves them,
    as another process may still be writing there.
    """
    path = _key(directory)
    if not for_save and not os.path.isdir(path):
        raise FileNotFoundError(f"checkpoint directory {path!r} does not exist")
    with _LOCK:
        cached = _MANAGERS.get(path)
        if cached is not None and (not for_save or cached[1:] == (max_to_keep, True)):
            return cached[0]
        if cached is not None:
            cached[0].close()  # waits for its in-flight save
        options = ocp.CheckpointManagerOptions(
            max_to_keep=max_to_keep, create=True, cleanup_tmp_directories=for_save
        )
        mgr = ocp.CheckpointManager(
            path, options=options, item_handlers=ocp.PyTreeCheckpointHandler()
        )
        _MANAGERS[path] = (mgr, max_to_keep, for_save)
        return mgr


def _synced(directory: str | os.PathLike) -> ocp.CheckpointManager:
    """A manager whose view of the directory is current (after any in-flight save)."""
    mgr = _manager(directory, for_save=False)
    mgr.wait_until_finished()
    mgr.reload()
    return mgr


def save_checkpoint(
    directory: str | os.PathLike,
    state: Any,
    *,
    step: int,
    max_to_keep: int | None = None,
    wait: bool = True,
) -> None:
    """Saves ``state`` as checkpoint ``step`` of ``directory``, atomically.

    In a multi-process run every process calls it with its part of the same global ``state``.

    Args:
      directory: the checkpoint directory (created if missing); one orbax manager per
        directory is cached for the life of the process.
      state: any pytree of arrays and Python scalars (a ``TrainState``).
      step: the step number; it must be greater than every step already saved there.
      max_to_keep: keep only the newest this many checkpoints (``None`` keeps all).
      wait: ``False`` returns once the arrays are copied to host memory and writes them in
        the background: the caller may then donate or delete ``state``. The write is finalized
        by the next save to the directory, a restore from it, :func:`wait_for_checkpoints`, or
        at interpreter exit; until then the step is not listed.

    Raises:
      ValueError: ``step`` is negative or not newer than the latest saved step.

    Examples:
      >>> import tempfile
      >>> d = tempfile.mkdtemp()
      >>> save_checkpoint(d, {'w': jnp.ones(3)}, step=10)
      >>> latest_step(d)
      10
    """
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
        raise ValueError(f"`step` must be a non-negative int, got {step!r}")
    if max_to_keep is not None and (not isinstance(max_to_keep, int) or max_to_keep < 1):
        raise ValueError(f"`max_to_keep` must be None or a positive int, got {max_to_keep!r}")
    mgr = _manager(directory, max_to_keep, for_save=True)
    if not mgr.save(int(step), args=ocp.args.PyTreeSave(jax.tree.map(_key_data, state))):
        raise ValueError(
            f"checkpoint step {step} was not saved in {_key(directory)!r}: steps must increase "
            f"and the latest saved step is {mgr.latest_step()}"
        )
    if wait:
        mgr.wait_until_finished()


def wait_for_checkpoints(directory: str | os.PathLike | None = None) -> None:
    """Blocks until the background saves to ``directory`` (or to every directory) are written."""
    with _LOCK:
        managers = list(_MANAGERS.items())
    for path, (mgr, *_) in managers:
        if directory is None or path == _key(directory):
            mgr.wait_until_finished()


@atexit.register
def _close_all() -> None:
    with _LOCK:
        managers = [entry[0] for entry in _MANAGERS.values()]
        _MANAGERS.clear()
    for mgr in managers:
        mgr.close()


def all_steps(directory: str | os.PathLike) -> list[int]:
    """The complete checkpoint steps in ``directory``, ascending (``[]`` when it is missing)."""
    if not os.path.isdir(_key(directory)):
        return []
    return sorted(_synced(directory).all_steps())


def latest_step(directory: str | os.PathLike) -> int | None:
    """The newest complete checkpoint step in ``directory``, or ``None``."""
    steps = all_steps(directory)
    return steps[-1] if steps else None


def _resolve_step(directory: str | os.PathLike, step: int | None) -> tuple[Any, int]:
    mgr = _synced(directory)
    steps = sorted(mgr.all_steps())
    if step is None:
        if not steps:
            raise FileNotFoundError(f"no complete checkpoint in {_key(directory)!r}")
        return mgr, steps[-1]
    if step not in steps:
        raise FileNotFoundError(
            f"no complete checkpoint for step {step} in {_key(directory)!r} (steps: {steps})"
        )
    return mgr, int(step)


def _describe(shape: Any, dtype: Any) -> str:
    return f"{np.dtype(dtype).name}[{','.join(str(d) for d in shape)}]"


def _leaf_spec(leaf: Any) -> tuple[tuple[int, ...], Any]:
    if isinstance(leaf, (bool, int, float)):
        return (), np.asarray(leaf).dtype
    return tuple(leaf.shape), leaf.dtype


def _leaf_name(path: Any) -> str:
    # an nnx Variable's `.value` is an attribute in the target but a dict key in the saved
    # metadata: drop it on both sides
    name = path_name(path)
    return name[: -len(".value")] if name.endswith(".value") else name


def _check_structure(saved: Any, target: Any, where: str, *, dtypes: bool = False) -> None:
    """Raises ValueError naming the first leaf where ``saved`` metadata and ``target`` differ.

    With ``dtypes`` an array leaf's dtype must match too (orbax would cast it silently).
    """
    found = {_leaf_name(p): m for p, m in jax.tree_util.tree_flatten_with_path(saved)[0]}
    wanted = [(_leaf_name(p), x) for p, x in jax.tree_util.tree_flatten_with_path(target)[0]]
    problem = None
    for name, leaf in wanted:
        shape, dtype = _leaf_spec(leaf)
        if name not in found:
            problem = f"the target has `{name}` ({_describe(shape, dtype)}), the checkpoint has not"
        elif tuple(found[name].shape) != shape or (
            dtypes
            and not isinstance(leaf, (bool, int, float))
            and getattr(found[name], "dtype", None) is not None
            and np.dtype(found[name].dtype) != np.dtype(dtype)
        ):
            saved_desc = _describe(found[name].shape, found[name].dtype)
            problem = (
                f"`{name}` is {_describe(shape, dtype)} in the target but {saved_desc} in the "
                "checkpoint"
            )
        if problem:
            break
    if problem is None:
        extra = [n for n in found if n not in {n for n, _ in wanted}]
        if extra:
            m = found[extra[0]]
            problem = (
                f"the checkpoint has `{extra[0]}` ({_describe(m.shape, m.dtype)}), the target "
                "has not"
            )
    if problem:
        raise ValueError(
            f"{where} does not match the target: {problem} (target: {len(wanted)} leaves, "
            f"checkpoint: {len(found)}). Was it saved with another optimizer, other param "
            "groups or other parameter shapes?"
        )


def _restore_arg(leaf: Any) -> Any:
    """How orbax should read one leaf: onto the target's sharding, or to host for later."""
    if isinstance(leaf, (bool, int, float)):
        return ocp.RestoreArgs(restore_type=type(leaf))
    if isinstance(leaf, np.ndarray):
        return ocp.RestoreArgs(restore_type=np.ndarray, dtype=leaf.dtype)
    sharding = getattr(leaf, "sharding", None)
    if sharding is None or (isinstance(leaf, jax.Array) and not leaf.committed):
        # Uncommitted arrays are read to host and put back uncommitted: jit keys its cache on
        # committedness, so a committed copy would recompile the step function.
        return ocp.RestoreArgs(restore_type=np.ndarray, dtype=leaf.dtype)
    return ocp.ArrayRestoreArgs(sharding=sharding, global_shape=leaf.shape, dtype=leaf.dtype)


def _finish_leaf(value: Any, leaf: Any) -> Any:
    """Gives a restored leaf the target's kind: array or not, weak type, committedness."""
    if isinstance(leaf, (bool, int, float, np.ndarray)):
        return value
    if isinstance(value, np.ndarray):
        value = jnp.asarray(value)
    if getattr(leaf, "weak_type", False) and _convert_element_type is not None:
        value = _convert_element_type(value, np.dtype(value.dtype), weak_type=True)
    return value


def _is_key(leaf: Any) -> bool:
    dtype = getattr(leaf, "dtype", None)
    return dtype is not None and jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key)


def _key_data(leaf: Any) -> Any:
    """A typed PRNG key (an nnx ``RngState``, say) as the uint32 array orbax saves for it."""
    if not _is_key(leaf):
        return leaf
    if isinstance(leaf, jax.ShapeDtypeStruct):
        return jax.eval_shape(jax.random.key_data, leaf)
    return jax.random.key_data(leaf)


def _rewrap_key(value: Any, leaf: Any) -> Any:
    if not _is_key(leaf):
        return value
    # a ShapeDtypeStruct target has no key_impl(); its key dtype carries the implementation
    impl = leaf.dtype._impl if isinstance(leaf, jax.ShapeDtypeStruct) else jax.random.key_impl(leaf)
    return jax.random.wrap_key_data(jnp.asarray(value), impl=impl)


def _restore(mgr: Any, step: int, target: Any, where: str) -> Any:
    # typed PRNG keys travel as their key data (what orbax writes) and are wrapped back after
    target_data = jax.tree.map(_key_data, target)
    _check_structure(mgr.item_metadata(step).tree, target_data, where, dtypes=True)
    restore_args = jax.tree.map(_restore_arg, target_data)
    restored = mgr.restore(
        step, args=ocp.args.PyTreeRestore(item=target_data, restore_args=restore_args)
    )
    restored = jax.tree.map(_finish_leaf, restored, target_data)
    return jax.tree.map(_rewrap_key, restored, target)


def restore_checkpoint(
    directory: str | os.PathLike, target: Any, *, step: int | None = None
) -> Any:
    """Restores a checkpoint onto the structure, dtypes and shardings of ``target``.

    Args:
      directory: the checkpoint directory.
      target: a state of the expected structure: concrete arrays (their shardings, weak types
        and committedness are reproduced) or ``jax.eval_shape`` output (``ShapeDtypeStruct``
        leaves; with a ``sharding`` it is used, without one the arrays land uncommitted on the
        default device).
      step: the step to restore; ``None`` restores the latest complete checkpoint.

    Returns:
      The saved state, with the pytree types and dtypes of ``target`` (saved values of another
      dtype are cast; only structure and shapes must match).

    Raises:
      FileNotFoundError: the directory, or a complete checkpoint for ``step``, does not exist.
      ValueError: the checkpoint's structure or shapes differ from the target's; the message
        names the first differing leaf path and both shapes.
    """
    mgr, step = _resolve_step(directory, step)
    return _restore(mgr, step, target, f"checkpoint {step} in {_key(directory)!r}")


def restore_params(
    directory: str | os.PathLike,
    params_target: Any,
    *,
    step: int | None = None,
    key: str = "params",
) -> Any:
    """Reads one subtree (the params, for fine-tuning) of a saved state, nothing else.

    Args:
      directory: the checkpoint directory.
      params_target: the expected structure of the subtree (as for ``restore_checkpoint``).
      step: the step to read; ``None`` reads the latest complete checkpoint.
      key: the subtree's `.`-joined path in the saved state (``'params'``, ``'model.params'``).

    Returns:
      The subtree, with the pytree types of ``params_target``.

    Raises:
      KeyError: the saved state has no subtree ``key``; the message lists what it has.
      ValueError: the subtree's structure or shapes differ from ``params_target``.
    """
    mgr, step = _resolve_step(directory, step)
    where = f"`{key}` of checkpoint {step} in {_key(directory)!r}"
    saved = mgr.item_metadata(step).tree
    parts = key.split(".")
    for depth, part in enumerate(parts):
        if not isinstance(saved, dict) or part not in saved:
            have = sorted(saved) if isinstance(saved, dict) else type(saved).__name__
            raise KeyError(
                f"checkpoint {step} in {_key(directory)!r} has no `{'.'.join(parts[: depth + 1])}`"
                f" (found: {have})"
            )
        saved = saved[part]
    _check_structure(saved, params_target, where)
    restore_args = jax.tree.map(_restore_arg, params_target)
    item, args = params_target, restore_args
    for part in reversed(parts):
        item, args = {part: item}, {part: args}
    restored = mgr.restore(
        step, args=ocp.args.PyTreeRestore(item=item, restore_args=args, partial_restore=True)
    )
    for part in parts:
        restored = restored[part]
    return jax.tree.map(_finish_leaf, restored, params_target)
