"""Find the parameters a loss does not depend on, from its jaxpr, without running it.

This is the JAX counterpart of mmcv's ``OptimizerHook(detect_anomalous_params=True)``, which
walks the autograd graph back from the loss and logs every parameter it does not reach.
:func:`find_unused_params` traces the loss once with abstract inputs (no FLOPs, no callbacks),
then walks the jaxpr backwards from the floating-point loss outputs, following only paths a
gradient can flow through, in torch's sense:

* values are never inspected: a parameter multiplied by zero, behind a dead ReLU, rounded with
  ``floor``/``round``/``sign`` or sliced to zero width is *in* the graph, as in torch;
* a path is cut by ``stop_gradient`` (torch's ``detach``), by any integer, boolean or PRNG-key
  value (comparisons, ``argmax``, ``cond``/``switch`` predicates, ``while`` conditions, int
  casts) and by host callbacks (torch's ``.numpy()`` round trip);
* shapes are static in a jaxpr, so a parameter read only for its shape is not in it;
* every branch of a ``cond``/``switch`` counts; ``scan`` carries are followed back exactly
  ``length`` steps and ``while`` carries (trip count unknown) over any number of steps;
  ``jit``, ``remat``/``checkpoint``, ``shard_map`` and other call-like primitives are entered;
* a ``custom_jvp``/``custom_vjp`` function, a ``pallas_call`` kernel and a
  ``custom_partitioning`` function are opaque, like a torch ``autograd.Function``: if an output
  reaches the loss, all of their floating-point inputs are in the graph;
* a value written into a mutable ref (``jax.new_ref``, ``ref[...] = x``, ``ref[...] += x``,
  ``run_state``) reaches every later read of that ref, across ``jit``, ``cond``, ``scan`` and
  ``while`` bodies (a write in one loop iteration reaches a read in the next); an overwritten
  value stays in the graph, as after torch's in-place ``copy_``.

Soundness comes first: a primitive the walk does not know that has sub-jaxprs, ref operands or
side effects it cannot model is treated conservatively (every floating-point input reaches every
output, ref and effect), so a parameter with a nonzero gradient is never reported;
:func:`log_unused_params` (and ``verbose=True``) names such primitives once. JAX's own dead-code
elimination answers a different question (it keeps integer paths and effects, and treats
``stop_gradient`` as a use), hence the walk in :mod:`jaxoptim.unused_rules`. The only JAX
internals used are the jaxpr types of :mod:`jax.extend.core` and the parameter layout of the
structured control flow primitives; both fail with a clear error if a JAX upgrade moves them.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxoptim.optimizer_base import path_name
from jaxoptim.unused_rules import Walker, _inexact

__all__ = ["UnusedParam", "find_unused_params", "log_unused_params"]


@dataclasses.dataclass(frozen=True)
class UnusedParam:
    """A parameter the loss does not depend on through a differentiable path.

    Attributes:
      name: the `.`-joined key path of the leaf (``head.fc.kernel``).
      shape: the leaf's shape.
      dtype: the leaf's dtype name (``'float32'``).
    """

    name: str
    shape: tuple[int, ...]
    dtype: str = "float32"

    def __str__(self) -> str:
        return f"{self.name} {self.shape} {self.dtype}"


def find_unused_params(
    loss_fn: Callable[..., Any],
    params: Any,
    *args: Any,
    has_aux: bool = False,
    verbose: bool = False,
    **kwargs: Any,
) -> list[UnusedParam]:
    """The floating-point leaves of ``params`` that ``loss_fn`` does not depend on.

    The loss is traced (never run) with every array of ``params``, ``args`` and ``kwargs``
    replaced by its shape and dtype, so concrete arrays, tracers and ``jax.ShapeDtypeStruct``
    (e.g. from ``jax.eval_shape``) are all accepted, nothing is allocated or computed and no
    callback fires. Python values in ``args``/``kwargs`` (flags, configs) stay static.
    Integer, boolean and PRNG-key leaves of ``params`` are never reported.

    Args:
      loss_fn: ``loss_fn(params, *args, **kwargs) -> loss`` or ``(loss, aux)``. Every
        floating-point array of ``loss`` counts as the loss.
      params: a pytree of parameters, or a Flax ``nnx.Module`` (its ``nnx.Param`` variables
        are the parameters and ``loss_fn`` receives the module).
      *args: further positional arguments of ``loss_fn`` (a batch).
      has_aux: ``loss_fn`` returns ``(loss, aux)``; only ``loss`` counts.
      verbose: log one WARNING to ``'jaxoptim'`` naming, once each, the primitives treated
        conservatively (see :func:`log_unused_params`).
      **kwargs: keyword arguments of ``loss_fn``.

    Returns:
      One :class:`UnusedParam` per unused leaf, in tree order.

    Raises:
      TypeError: the loss has no floating-point output, or ``has_aux=True`` and ``loss_fn``
        does not return a pair.

    Examples:
      >>> import jax, jax.numpy as jnp
      >>> params = {'w': jnp.ones(3), 'head': jnp.ones((3, 2)), 'step': jnp.int32(0)}
      >>> find_unused_params(lambda p, x: (p['w'] * x).sum(), params, jnp.ones(3))
      [UnusedParam(name='head', shape=(3, 2), dtype='float32')]
      >>> find_unused_params(lambda p: jax.lax.stop_gradient(p['w']).sum() + p['head'].sum(),
      ...                    params)
      [UnusedParam(name='w', shape=(3,), dtype='float32')]
    """
    unused, conservative = _analyse(loss_fn, params, args, kwargs, has_aux)
    if verbose:
        _log_conservative(logging.getLogger("jaxoptim"), conservative)
    return unused


def _analyse(
    loss_fn: Callable[..., Any], params: Any, args: tuple, kwargs: dict, has_aux: bool
) -> tuple[list[UnusedParam], list[str]]:
    """``(unused, conservative)``: the unused leaves and the primitives treated conservatively."""
    call, params, context = _bind(loss_fn, params, args, kwargs)
    path_leaves, treedef = jax.tree_util.tree_flatten_with_path(params)
    param_leaves = [leaf for _, leaf in path_leaves]
    ctx_leaves, ctx_def = jax.tree_util.tree_flatten(context)
    p_dyn = [i for i, x in enumerate(param_leaves) if _is_array(x)]
    c_dyn = [i for i, x in enumerate(ctx_leaves) if _is_array(x)]

    def traced(p_arrays, c_arrays):
        p_all, c_all = list(param_leaves), list(ctx_leaves)
        for i, x in zip(p_dyn, p_arrays, strict=True):
            p_all[i] = x
        for i, x in zip(c_dyn, c_arrays, strict=True):
            c_all[i] = x
        out = call(
            jax.tree_util.tree_unflatten(treedef, p_all),
            jax.tree_util.tree_unflatten(ctx_def, c_all),
        )
        if has_aux:
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                raise TypeError(
                    "find_unused_params: has_aux=True needs loss_fn to return a (loss, aux) "
                    f"pair, got {type(out).__name__}"
                )
            out = out[0]
        return [jnp.asarray(x) for x in jax.tree_util.tree_leaves(out)]

    closed = jax.make_jaxpr(traced)(
        [_abstract(param_leaves[i]) for i in p_dyn], [_abstract(ctx_leaves[i]) for i in c_dyn]
    )
    jaxpr = closed.jaxpr
    seeds = [_inexact(v.aval) for v in jaxpr.outvars]
    if not any(seeds):
        got = ", ".join(str(v.aval) for v in jaxpr.outvars) or "nothing"
        raise TypeError(
            f"find_unused_params: loss_fn must return a floating-point loss{' (has_aux)' * has_aux}"
            f", got {got}"
        )
    walker = Walker()
    live = walker.live_inputs(jaxpr, seeds)[0][: len(p_dyn)]
    unused = []
    for i, used in zip(p_dyn, live, strict=True):
        path, leaf = path_leaves[i]
        if not used and _inexact(leaf):
            unused.append(
                UnusedParam(path_name(path), tuple(leaf.shape), np.dtype(leaf.dtype).name)
            )
    return unused, sorted(walker.conservative)


def _log_conservative(logger: logging.Logger, names: Sequence[str]) -> None:
    if names:
        logger.warning(
            "find_unused_params treated %s conservatively (every floating-point input reaches "
            "every output, ref and effect): parameters reaching only %s count as used",
            ", ".join(f"`{n}`" for n in names),
            "it" if len(names) == 1 else "them",
        )


def log_unused_params(
    loss_fn: Callable[..., Any],
    params: Any,
    *args: Any,
    has_aux: bool = False,
    logger: logging.Logger | str | None = None,
    **kwargs: Any,
) -> list[UnusedParam]:
    """Logs mmcv's line for every unused parameter at ERROR and returns them.

    The line is mmcv's ``detect_anomalous_params`` one, with the shape as a tuple:
    ``'head.kernel with shape (3, 2) is not in the computational graph'``. When the walk met
    primitives it could not model exactly (an unknown primitive with sub-jaxprs, ref operands or
    side effects), one WARNING first names each of them once: parameters that reach the loss only
    through them count as used, so the list may miss unused parameters but never names a used
    one.

    Args:
      loss_fn: as for :func:`find_unused_params`.
      params: as for :func:`find_unused_params`.
      *args: as for :func:`find_unused_params`.
      has_aux: as for :func:`find_unused_params`.
      logger: a logger or a logger name; ``None`` logs to ``'jaxoptim'``.
      **kwargs: as for :func:`find_unused_params`.

    Returns:
      The unused parameters, as :func:`find_unused_params` returns them.
    """
    unused, conservative = _analyse(loss_fn, params, args, kwargs, has_aux)
    if logger is None or isinstance(logger, str):
        logger = logging.getLogger(logger or "jaxoptim")
    _log_conservative(logger, conservative)
    for param in unused:
        logger.error("%s with shape %s is not in the computational graph", param.name, param.shape)
    return unused


def _bind(
    loss_fn: Callable[..., Any], params: Any, args: tuple, kwargs: dict
) -> tuple[Callable[[Any, Any], Any], Any, Any]:
    """``(call(params, context), params, context)`` with every traced input in one of the two.

    For an nnx module the params are its ``nnx.Param`` state and the rest of its state (batch
    stats, rng counters) travels in the context, so an abstract module works too.
    """
    nnx = sys.modules.get("flax.nnx")  # an nnx module exists only if nnx was imported
    if nnx is not None and isinstance(params, nnx.Module):
        graphdef, state, rest = nnx.split(params, nnx.Param, ...)

        def call_module(p, ctx):
            rest, args, kwargs = ctx
            return loss_fn(nnx.merge(graphdef, p, rest), *args, **kwargs)

        return call_module, state, (rest, args, kwargs)

    def call(p, ctx):
        args, kwargs = ctx
        return loss_fn(p, *args, **kwargs)

    return call, params, (args, kwargs)


def _is_array(x: Any) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, type)


def _abstract(x: Any) -> jax.ShapeDtypeStruct:
    """Shape, dtype, weak type and sharding (explicit-sharding meshes need it) of ``x``."""
    if isinstance(x, jax.ShapeDtypeStruct):
        return x
    typeof = getattr(jax, "typeof", None)  # jax >= 0.6
    try:
        aval = typeof(x)
    except TypeError:  # no jax.typeof, or an array-like JAX does not know: shape and dtype
        return jax.ShapeDtypeStruct(tuple(x.shape), x.dtype)
    return jax.ShapeDtypeStruct(
        aval.shape, aval.dtype, sharding=aval.sharding, weak_type=aval.weak_type
    )
