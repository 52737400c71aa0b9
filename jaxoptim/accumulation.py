"""Gradient accumulation with mmcv's ``GradientCumulativeOptimizerHook`` semantics.

Each call is one mmcv iteration (``runner.iter``): the gradient of ``loss / factor`` is added to a
running sum, and on every ``cumulative_iters``-th iteration (and on the last one, ``max_iters - 1``)
the wrapped transformation runs on the sum, which then restarts from zero. The ``factor`` is
mmcv's post-fix rule (mmcv PR #2093): ``cumulative_iters``, except in the trailing
``max_iters % cumulative_iters`` iterations, which are divided by that remainder, so the last
optimizer step averages exactly the micro-batches it got.

Unlike mmcv, the partial sum is part of the state: a run resumed from a checkpoint taken inside a
window continues that window exactly (mmcv loses the partial window and warns).
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxoptim.optimizer_base import check_shapes, update_if

BATCHNORM_WARNING = (
    "GradientCumulativeOptimizerHook may slightly decrease performance if the model has "
    "BatchNorm layers."
)


class AccumulationState(NamedTuple):
    """State of :func:`accumulate_gradients`.

    Attributes:
      iteration: int32 scalar; calls so far (mmcv's ``runner.iter``, 0-based for the next call).
      grads: the running sum of ``grads / factor`` since the last optimizer step (float32 for
        float32 or narrower parameters).
      inner_state: the wrapped transformation's state; changes only on update iterations.
    """

    iteration: jax.Array
    grads: Any
    inner_state: Any


def _check_int(key: str, value: Any, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"accumulate_gradients: `{key}` must be an int, got {value!r}")
    if value <= 0:
        raise ValueError(f"accumulate_gradients: `{key}` must be > 0, got {value!r}")


def loss_factor(iteration: Any, cumulative_iters: int, max_iters: int | None = None) -> Any:
    """What mmcv divides the loss of iteration ``iteration`` by.

    ``cumulative_iters`` before the last ``max_iters % cumulative_iters`` iterations, that remainder
    in them. Without ``max_iters`` it is always ``cumulative_iters`` (mmengine's ``OptimWrapper``
    before ``initialize_count_status``: the trailing partial window is then never applied).

    Args:
      iteration: the 0-based iteration (a Python int or a traced integer array).
      cumulative_iters: micro-batches per optimizer step.
      max_iters: the run's total iterations, or ``None``.

    Returns:
      The factor, a Python int for a Python ``iteration``, else an int32 array.

    Examples:
      >>> [loss_factor(i, 3, 8) for i in range(8)]
      [3, 3, 3, 3, 3, 3, 2, 2]
    """
    _check_int("cumulative_iters", cumulative_iters)
    _check_int("max_iters", max_iters, allow_none=True)
    c = int(cumulative_iters)
    remainder = 0 if max_iters is None else max_iters % c
    if remainder == 0:
        return c if isinstance(iteration, numbers.Integral) else jnp.full_like(iteration, c)
    divisible = max_iters - remainder
    if isinstance(iteration, numbers.Integral):
        return c if iteration < divisible else remainder
    return jnp.where(iteration < divisible, c, remainder).astype(jnp.int32)


def _is_update(iteration: jax.Array, c: int, max_iters: int | None) -> jax.Array:
    done = iteration + 1
    update = done % c == 0
    if max_iters is not None:
        update = update | (done == max_iters)
    return update


def _sum_dtype(p: Any) -> Any:
    dtype = jnp.result_type(p)
    if jnp.issubdtype(dtype, jnp.inexact):
        return jnp.promote_types(dtype, jnp.float32)
    return dtype


def accumulate_gradients(
    inner: optax.GradientTransformation,
    cumulative_iters: int,
    max_iters: int | None = None,
) -> optax.GradientTransformationExtraArgs:
    """Accumulates ``cumulative_iters`` gradients per update of ``inner``, as mmcv.

    Every call adds ``grads / loss_factor(iteration)`` to the running sum. On an update iteration
    (``(iteration + 1) % cumulative_iters == 0`` or ``iteration + 1 == max_iters``)
    ``inner.update`` runs on the sum (extra keyword arguments forwarded) and the sum restarts at
    zero; otherwise the updates are zero and ``inner``'s state is untouched (a ``jax.lax.cond``:
    ``inner`` does no work).
    With loss scaling inside ``inner``, the scaler is updated once per optimizer step, as mmcv's
    ``GradientCumulativeFp16OptimizerHook``.

    Args:
      inner: the transformation applied to the accumulated gradients.
      cumulative_iters: micro-batches per optimizer step, an int ``> 0``.
      max_iters: the run's total iterations; it enables mmcv's remainder rule. ``None`` divides
        every iteration by ``cumulative_iters`` and never flushes a trailing partial window.

    Returns:
      The transformation; its state is an :class:`AccumulationState`.

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> tx = accumulate_gradients(optax.sgd(1.0), cumulative_iters=2)
      >>> params = {'w': jnp.zeros(1)}
      >>> state = tx.init(params)
      >>> u1, state = tx.update({'w': jnp.array([2.0])}, state, params)
      >>> u2, state = tx.update({'w': jnp.array([4.0])}, state, params)
      >>> u1['w'].tolist(), u2['w'].tolist()
      ([0.0], [-3.0])
    """
    _check_int("cumulative_iters", cumulative_iters)
    _check_int("max_iters", max_iters, allow_none=True)
    c = int(cumulative_iters)
    max_iters = None if max_iters is None else int(max_iters)
    inner = optax.with_extra_args_support(inner)

    def init_fn(params):
        grads = jax.tree_util.tree_map(lambda p: jnp.zeros(jnp.shape(p), _sum_dtype(p)), params)
        return AccumulationState(
            iteration=jnp.zeros([], jnp.int32), grads=grads, inner_state=inner.init(params)
        )

    def update_fn(updates, state, params=None, **extra_args):
        check_shapes("accumulate_gradients", updates, state.grads, what="accumulator")
        factor = jnp.asarray(loss_factor(jnp.asarray(state.iteration), c, max_iters))
        total = jax.tree_util.tree_map(
            lambda acc, g: acc + g.astype(acc.dtype) / factor.astype(acc.dtype),
            state.grads,
            updates,
        )

        is_update = _is_update(state.iteration, c, max_iters)
        summed = jax.tree_util.tree_map(lambda t, g: t.astype(g.dtype), total, updates)
        new_updates, inner_state = update_if(
            is_update, inner, summed, state.inner_state, params, **extra_args
        )
        # select_n with the scalar predicate: jnp.where would trace a nested jit per leaf
        grads = jax.tree_util.tree_map(
            lambda t: jax.lax.select_n(is_update, t, jnp.zeros_like(t)), total
        )
        return new_updates, AccumulationState(state.iteration + 1, grads, inner_state)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)
