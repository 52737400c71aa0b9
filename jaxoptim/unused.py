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
* a ``custom_jvp``/``custom_vjp`` function is opaque, like a torch ``autograd.Function``: if its
  output reaches the loss, all of its floating-point inputs are in the graph.

JAX's own dead-code elimination answers a different question (it keeps integer paths and
effects, and treats ``stop_gradient`` as a use), hence the walk here. The only JAX internals used
are the jaxpr types of :mod:`jax.extend.core` and the parameter layout of the structured control
flow primitives; both are resolved in :func:`_jaxpr_types` and :func:`_rule_for`, which fail with
a clear error if a JAX upgrade moves them.
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

__all__ = ["UnusedParam", "find_unused_params", "log_unused_params"]

# Primitives that stop a gradient: torch's `detach` and host round trips.
_CUT = frozenset({"stop_gradient", "pure_callback", "io_callback", "debug_callback"})
# Opaque differentiable functions (torch's autograd.Function): every float input is in the graph
# when an output is. `custom_lin` appears when the loss itself applies jax.jvp to a custom_vjp.
_OPAQUE = frozenset({"custom_jvp_call", "custom_vjp_call", "custom_vjp_call_jaxpr", "custom_lin"})
# Primitives whose one sub-jaxpr takes the equation's inputs and returns its outputs, in order.
_CALLS = frozenset(
    {
        "jit",
        "pjit",
        "closed_call",
        "core_call",
        "remat",
        "remat2",
        "checkpoint",
        "shard_map",
        "xla_pmap",
        "custom_vmap_call",
    }
)
# Multi-operand primitives whose output i depends (differentiably) on input i only.
_ONE_TO_ONE = frozenset({"optimization_barrier", "sort", "psum", "pmax", "pmin", "pvary"})


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
    live = _Walker().live_inputs(jaxpr, seeds)[: len(p_dyn)]
    unused = []
    for i, used in zip(p_dyn, live, strict=True):
        path, leaf = path_leaves[i]
        if not used and _inexact(leaf):
            unused.append(
                UnusedParam(path_name(path), tuple(leaf.shape), np.dtype(leaf.dtype).name)
            )
    return unused


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
    ``'head.kernel with shape (3, 2) is not in the computational graph'``.

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
    unused = find_unused_params(loss_fn, params, *args, has_aux=has_aux, **kwargs)
    if logger is None or isinstance(logger, str):
        logger = logging.getLogger(logger or "jaxoptim")
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


def _inexact(aval: Any) -> bool:
    dtype = getattr(aval, "dtype", None)
    if dtype is None:
        return False
    try:
        return bool(jnp.issubdtype(dtype, jnp.inexact))
    except TypeError:  # exotic extended dtypes
        return False


def _jaxpr_types() -> tuple[type, type, type]:
    """``(Var, Jaxpr, ClosedJaxpr)``: the only JAX internals this module imports."""
    try:
        from jax.extend import core

        return core.Var, core.Jaxpr, core.ClosedJaxpr
    except (ImportError, AttributeError) as err:
        raise ImportError(
            f"find_unused_params needs jax.extend.core.Var/Jaxpr/ClosedJaxpr, which jax "
            f"{jax.__version__} does not provide ({err}); pin jax to a version jaxoptim supports "
            "or update jaxoptim/unused.py:_jaxpr_types"
        ) from err


class _Walker:
    """Backward liveness over a jaxpr, following differentiable (floating-point) values only."""

    def __init__(self):
        self._var, self._jaxpr, self._closed = _jaxpr_types()
        self._memo: dict[tuple[int, tuple[bool, ...]], tuple[Any, list[bool]]] = {}

    def live_inputs(self, jaxpr: Any, live_out: Sequence[bool]) -> list[bool]:
        """Which inputs of ``jaxpr`` the outputs flagged in ``live_out`` depend on."""
        if isinstance(jaxpr, self._closed):
            jaxpr = jaxpr.jaxpr
        key = (id(jaxpr), tuple(live_out))
        if key in self._memo:
            return self._memo[key][1]
        live = {v for v, on in zip(jaxpr.outvars, live_out, strict=True) if on and self._tracked(v)}
        for eqn in reversed(jaxpr.eqns):
            outs = [isinstance(v, self._var) and v in live for v in eqn.outvars]
            if not any(outs):
                continue
            for v, on in zip(eqn.invars, self._eqn_inputs(eqn, outs), strict=True):
                if on and self._tracked(v):
                    live.add(v)
        result = [v in live for v in jaxpr.invars]
        self._memo[key] = (jaxpr, result)  # holding the jaxpr keeps its id from being reused
        return result

    def _tracked(self, v: Any) -> bool:
        return isinstance(v, self._var) and _inexact(v.aval)

    def _eqn_inputs(self, eqn: Any, outs: list[bool]) -> list[bool]:
        name, n = eqn.primitive.name, len(eqn.invars)
        if name in _CUT:
            return [False] * n
        if name in _OPAQUE:
            return [True] * n
        if name in _ONE_TO_ONE and n == len(outs):
            return outs
        if name in ("cond", "while", "scan"):
            try:
                return _rule_for(name)(self, eqn, outs)
            except (KeyError, TypeError, ValueError, IndexError) as err:
                raise RuntimeError(
                    f"find_unused_params does not understand the `{name}` primitive of jax "
                    f"{jax.__version__} (params {sorted(eqn.params)}: {err!r}); update "
                    "jaxoptim/unused.py:_rule_for"
                ) from err
        subs = self._subjaxprs(eqn)
        if subs and name in _CALLS and len(subs) == 1:
            sub = subs[0].jaxpr if isinstance(subs[0], self._closed) else subs[0]
            if len(sub.invars) == n and len(sub.outvars) == len(outs):
                return self.live_inputs(sub, outs)
        # A primitive without sub-jaxprs, or an unknown structured one (treated as opaque).
        return [True] * n

    def _subjaxprs(self, eqn: Any) -> list[Any]:
        found = []
        for value in eqn.params.values():
            items = value if isinstance(value, (tuple, list)) else (value,)
            found.extend(x for x in items if isinstance(x, (self._jaxpr, self._closed)))
        return found


def _cond(walker: _Walker, eqn: Any, outs: list[bool]) -> list[bool]:
    # invars: (index, *operands); every branch maps the operands to the outputs.
    live = [False] * (len(eqn.invars) - 1)
    for branch in eqn.params["branches"]:
        branch_live = walker.live_inputs(branch, outs)
        if len(branch_live) != len(live):
            raise ValueError(f"branch takes {len(branch_live)} operands, cond has {len(live)}")
        live = [a or b for a, b in zip(live, branch_live, strict=True)]
    return [False, *live]


def _while(walker: _Walker, eqn: Any, outs: list[bool]) -> list[bool]:
    # invars: (*cond_consts, *body_consts, *init); body: (*body_consts, *carry) -> carry. The
    # condition returns a bool, so it never carries a gradient.
    n_cond, n_body = eqn.params["cond_nconsts"], eqn.params["body_nconsts"]
    body = eqn.params["body_jaxpr"]
    carry = list(outs)
    while True:
        body_in = walker.live_inputs(body, carry)
        grown = [a or b for a, b in zip(carry, body_in[n_body:], strict=True)]
        if grown == carry:
            break
        carry = grown
    result = [False] * n_cond + body_in[:n_body] + carry
    if len(result) != len(eqn.invars):
        raise ValueError(f"while layout gives {len(result)} inputs, eqn has {len(eqn.invars)}")
    return result


def _scan(walker: _Walker, eqn: Any, outs: list[bool]) -> list[bool]:
    # invars: (*consts, *init, *xs); body: (*consts, *carry, *x) -> (*carry, *y). The trip count
    # is static, so the carry is followed back exactly `length` steps (an initial carry that
    # every step overwrites is unused, as in torch's unrolled graph); the live-carry sets
    # repeat with a short period, which lets long scans stop early.
    n_consts, n_carry = _scan_layout(eqn.params, len(eqn.invars), len(eqn.outvars))
    body, length = eqn.params["jaxpr"], eqn.params["length"]
    inner = getattr(body, "jaxpr", body)
    if (len(inner.invars), len(inner.outvars)) != (len(eqn.invars), len(eqn.outvars)):
        raise ValueError("scan body and equation arities differ")
    carry, ys = tuple(outs[:n_carry]), list(outs[n_carry:])
    consts = [False] * n_consts
    xs = [False] * (len(eqn.invars) - n_consts - n_carry)
    states, seen = [carry], {carry: 0}
    for step in range(length):
        body_in = walker.live_inputs(body, [*carry, *ys])
        consts = [a or b for a, b in zip(consts, body_in[:n_consts], strict=True)]
        xs = [a or b for a, b in zip(xs, body_in[n_consts + n_carry :], strict=True)]
        carry = tuple(body_in[n_consts : n_consts + n_carry])
        if carry in seen:  # from here on the states cycle; unions are complete
            start = seen[carry]
            carry = states[start + (length - step - 1) % (len(states) - start)]
            break
        seen[carry] = len(states)
        states.append(carry)
    return [*consts, *carry, *xs]


def _scan_layout(params: Any, n_in: int, n_out: int) -> tuple[int, int]:
    """``(num_consts, num_carry)`` of a scan equation.

    jax <= 0.10 names the counts; jax 0.11 gives flat trees ``ft_in`` (consts, carry, xs) and
    ``ft_out`` (carry, ys) over the equation's flat inputs and outputs, read here by filling
    them with positions.
    """
    if "num_consts" in params:
        return params["num_consts"], params["num_carry"]
    groups_in = [list(g) for g in params["ft_in"].update(list(range(n_in))).unpack()]
    groups_out = [list(g) for g in params["ft_out"].update(list(range(n_out))).unpack()]
    if (
        len(groups_in) != 3
        or len(groups_out) != 2
        or sum(groups_in, []) != list(range(n_in))
        or sum(groups_out, []) != list(range(n_out))
        or len(groups_in[1]) != len(groups_out[0])
    ):
        raise ValueError(f"unexpected scan layout {groups_in} -> {groups_out}")
    return len(groups_in[0]), len(groups_in[1])


_RULES = {"cond": _cond, "while": _while, "scan": _scan}


def _rule_for(name: str) -> Callable[[_Walker, Any, list[bool]], list[bool]]:
    """The dependency rule of a structured control-flow primitive."""
    return _RULES[name]
