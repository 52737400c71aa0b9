"""The backward walk of :func:`jaxoptim.find_unused_params`: which jaxpr inputs reach the loss.

A value is *live* when it may reach a floating-point loss output through a differentiable path.
Mutable refs (``jax.new_ref``) carry values from a write to every later read: a ref variable in
the live set means "its contents at this point may reach the loss". Refs are never killed by a
write (torch keeps an overwritten tensor in the graph of an in-place copy), so liveness only
grows, which keeps loops a simple fixpoint: a ref live at the start of a loop body is live at the
end of the previous iteration. Effects the walk does not model share one pseudo-ref, the
*world*: an equation with such an effect may read what any other one wrote.

Soundness first: a primitive the walk does not know that has sub-jaxprs, ref operands or
unmodelled effects is treated conservatively (every floating-point input reaches every output,
ref and the world), and its name is recorded so that the caller can say so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

# Primitives that stop a gradient: torch's `detach` and host round trips.
_CUT = frozenset({"stop_gradient", "pure_callback", "io_callback", "debug_callback"})
# Opaque differentiable functions (torch's autograd.Function, a custom kernel): every float input
# is in the graph when an output is. `custom_lin` appears when the loss applies jax.jvp to a
# custom_vjp; a custom_partitioning runs its `partition` callback's code, not its `call` jaxpr.
_OPAQUE = frozenset(
    {
        "custom_jvp_call",
        "custom_vjp_call",
        "custom_vjp_call_jaxpr",
        "custom_lin",
        "pallas_call",
        "custom_partitioning",
        "custom_linear_solve",
    }
)
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
_ONE_TO_ONE = frozenset(
    {"optimization_barrier", "sort", "psum", "psum_invariant", "pmax", "pmin", "pvary", "ppermute"}
)
# Effects whose data flow the walk models: ref reads/writes (through the ref operands), ref
# allocation, mesh axes, and host callbacks (cut, as torch's `.numpy()` round trip is).
_MODELLED_EFFECTS = frozenset(
    {
        "ReadEffect",
        "WriteEffect",
        "AccumEffect",
        "InternalMutableArrayEffect",
        "NamedAxisEffect",
        "DebugEffect",
        "OrderedDebugEffect",
        "IOEffect",
        "OrderedIOEffect",
        "ErrorEffect",
        "NoDCEEffect",
        "ShapeAssertionEffect",
    }
)
_WORLD = object()  # the pseudo-ref shared by all unmodelled effects


def _inexact(aval: Any) -> bool:
    dtype = getattr(aval, "dtype", None)
    if dtype is None:
        return False
    try:
        return bool(jnp.issubdtype(dtype, jnp.inexact))
    except TypeError:  # exotic extended dtypes
        return False


def _is_ref(aval: Any) -> bool:
    return hasattr(aval, "inner_aval") and type(aval).__name__.endswith("Ref")


def _jaxpr_types() -> tuple[type, type, type]:
    """``(Var, Jaxpr, ClosedJaxpr)``: the only JAX internals this module imports."""
    try:
        from jax.extend import core

        return core.Var, core.Jaxpr, core.ClosedJaxpr
    except (ImportError, AttributeError) as err:
        raise ImportError(
            f"find_unused_params needs jax.extend.core.Var/Jaxpr/ClosedJaxpr, which jax "
            f"{jax.__version__} does not provide ({err}); pin jax to a version jaxoptim supports "
            "or update jaxoptim/unused_rules.py:_jaxpr_types"
        ) from err


def _unmodelled(eqn: Any) -> bool:
    return any(type(e).__name__ not in _MODELLED_EFFECTS for e in getattr(eqn, "effects", ()))


def _or(a: Sequence[bool], b: Sequence[bool]) -> list[bool]:
    return [x or y for x, y in zip(a, b, strict=True)]


class Walker:
    """Backward liveness over a jaxpr, following differentiable (floating-point) values and refs.

    Attributes:
      conservative: names of the primitives treated conservatively so far.
    """

    def __init__(self):
        self._var, self._jaxpr, self._closed = _jaxpr_types()
        self._memo: dict[tuple, tuple[Any, tuple[list[bool], bool]]] = {}
        self.conservative: set[str] = set()

    def live_inputs(
        self,
        jaxpr: Any,
        live_out: Sequence[bool],
        refs_out: Sequence[bool] | None = None,
        world: bool = False,
    ) -> tuple[list[bool], bool]:
        """``(live, world_in)``: which inputs of ``jaxpr`` reach the loss.

        Args:
          jaxpr: a ``Jaxpr`` or ``ClosedJaxpr``.
          live_out: which outputs reach the loss.
          refs_out: per input, whether it is a ref whose contents at the end may reach the loss.
          world: whether what unmodelled effects write at the end may reach the loss.

        Returns:
          Per input, whether it (for a ref: its contents at the start) reaches the loss, and
          whether the world at the start does.
        """
        if isinstance(jaxpr, self._closed):
            jaxpr = jaxpr.jaxpr
        refs_out = tuple(refs_out) if refs_out is not None else (False,) * len(jaxpr.invars)
        key = (id(jaxpr), tuple(live_out), refs_out, world)
        if key in self._memo:
            return self._memo[key][1]
        live = {v for v, on in zip(jaxpr.outvars, live_out, strict=True) if on and self._tracked(v)}
        live.update(v for v, on in zip(jaxpr.invars, refs_out, strict=True) if on)
        if world:
            live.add(_WORLD)
        for eqn in reversed(jaxpr.eqns):
            outs = [isinstance(v, self._var) and v in live for v in eqn.outvars]
            refs = [isinstance(v, self._var) and _is_ref(v.aval) and v in live for v in eqn.invars]
            touches = bool(eqn.effects) and _unmodelled(eqn) and _WORLD in live
            if not (any(outs) or any(refs) or touches):
                continue
            ins, world_in = self.eqn_inputs(eqn, outs, refs, _WORLD in live)
            for v, on in zip(eqn.invars, ins, strict=True):
                if on and self._tracked(v):
                    live.add(v)
            if world_in:
                live.add(_WORLD)
        result = ([v in live for v in jaxpr.invars], _WORLD in live)
        self._memo[key] = (jaxpr, result)  # holding the jaxpr keeps its id from being reused
        return result

    def _tracked(self, v: Any) -> bool:
        if not isinstance(v, self._var):
            return False
        aval = v.aval
        return _inexact(aval.inner_aval) if _is_ref(aval) else _inexact(aval)

    def eqn_inputs(
        self, eqn: Any, outs: list[bool], refs: list[bool], world: bool
    ) -> tuple[list[bool], bool]:
        """Which inputs of ``eqn`` are live before it, and whether the world is."""
        name, n = eqn.primitive.name, len(eqn.invars)
        if name in _CUT:
            return [False] * n, world
        if name in _STATE:
            return _STATE[name](outs, refs, n), world
        if name in _OPAQUE:
            return [True] * n, world or _unmodelled(eqn)
        if name in _ONE_TO_ONE and n == len(outs) and not any(refs):
            return outs, world
        if name in _RULES:
            try:
                return _RULES[name](self, eqn, outs, refs, world)
            except (KeyError, TypeError, ValueError, IndexError) as err:
                raise RuntimeError(
                    f"find_unused_params does not understand the `{name}` primitive of jax "
                    f"{jax.__version__} (params {sorted(eqn.params)}: {err!r}); update "
                    "jaxoptim/unused_rules.py:_RULES"
                ) from err
        subs = self._subjaxprs(eqn)
        if subs and name in _CALLS and len(subs) == 1:
            sub = subs[0].jaxpr if isinstance(subs[0], self._closed) else subs[0]
            if len(sub.invars) == n and len(sub.outvars) == len(outs):
                return self.live_inputs(sub, outs, refs, world)
        unmodelled = bool(eqn.effects) and _unmodelled(eqn)
        if subs or unmodelled or any(_is_ref(getattr(v, "aval", None)) for v in eqn.invars):
            self.conservative.add(name)
        # A pure primitive: every float input is in the graph (torch's sense). Otherwise the
        # conservative rule: every input reaches every output, ref operand and the world.
        return [True] * n, world or unmodelled

    def _subjaxprs(self, eqn: Any) -> list[Any]:
        found = []
        for value in eqn.params.values():
            items = value if isinstance(value, (tuple, list)) else (value,)
            found.extend(x for x in items if isinstance(x, (self._jaxpr, self._closed)))
        return found


# --- state primitives: (outs, refs, n) -> ins; invars are (ref, [value,] *indices) -------------


def _get(outs: list[bool], refs: list[bool], n: int) -> list[bool]:
    return [outs[0] or refs[0]] + [False] * (n - 1)  # reading keeps the ref's contents live


def _swap(outs: list[bool], refs: list[bool], n: int) -> list[bool]:
    # `old, ref[idx] <- ref[idx], new`: `new` reaches later reads; `old` is the ref's contents.
    return [outs[0] or refs[0], refs[0]] + [False] * (n - 2)


def _addupdate(outs: list[bool], refs: list[bool], n: int) -> list[bool]:
    return [refs[0], refs[0]] + [False] * (n - 2)


def _new_ref(outs: list[bool], refs: list[bool], n: int) -> list[bool]:
    return [outs[0]] * n  # the initial value is the new ref's contents


def _freeze(outs: list[bool], refs: list[bool], n: int) -> list[bool]:
    return [outs[0] or refs[0]] * n


_STATE: dict[str, Callable[[list[bool], list[bool], int], list[bool]]] = {
    "get": _get,
    "swap": _swap,
    "addupdate": _addupdate,
    "new_ref": _new_ref,
    "mutable_array": _new_ref,
    "freeze": _freeze,
    "empty_ref": lambda outs, refs, n: [False] * n,
    "free_ref": lambda outs, refs, n: list(refs),
}


# --- structured control flow: (walker, eqn, outs, refs, world) -> (ins, world_in) ---------------


def _unify(invars: Sequence[Any], flags: list[bool]) -> list[bool]:
    """Flags that agree for operands passing the same ref (the same outer variable)."""
    live = {id(v) for v, on in zip(invars, flags, strict=True) if on}
    return [id(v) in live or on for v, on in zip(invars, flags, strict=True)]


def _cond(walker: Walker, eqn: Any, outs: list[bool], refs: list[bool], world: bool):
    # invars: (index, *operands); every branch maps the operands to the outputs. The index is
    # an integer: it never carries a gradient.
    live, world_in = [False] * (len(eqn.invars) - 1), world
    for branch in eqn.params["branches"]:
        branch_live, branch_world = walker.live_inputs(branch, outs, refs[1:], world)
        if len(branch_live) != len(live):
            raise ValueError(f"branch takes {len(branch_live)} operands, cond has {len(live)}")
        live, world_in = _or(live, branch_live), world_in or branch_world
    return [False, *_unify(eqn.invars[1:], live)], world_in


def _while(walker: Walker, eqn: Any, outs: list[bool], refs: list[bool], world: bool):
    # invars: (*cond_consts, *body_consts, *init); body: (*body_consts, *carry) -> carry; cond:
    # (*cond_consts, *carry) -> bool, which never carries a gradient but may touch refs. The
    # trip count is unknown, so everything is a fixpoint over any number of iterations.
    n_cond, n_body = eqn.params["cond_nconsts"], eqn.params["body_nconsts"]
    body, cond = eqn.params["body_jaxpr"], eqn.params["cond_jaxpr"]
    invars = eqn.invars
    n_carry = len(invars) - n_cond - n_body
    if n_carry != len(outs):
        raise ValueError(f"while layout gives {n_carry} carries, eqn has {len(outs)} outputs")
    carry, ref_live, consts = list(outs), list(refs), [False] * (n_cond + n_body)
    while True:
        cond_refs = ref_live[:n_cond] + [False] * n_carry
        cond_in, cond_world = walker.live_inputs(cond, [False], cond_refs, world)
        body_refs = ref_live[n_cond : n_cond + n_body] + [False] * n_carry
        body_in, body_world = walker.live_inputs(body, carry, body_refs, world)
        new_consts = _or(consts, cond_in[:n_cond] + body_in[:n_body])
        new_carry = _or(carry, _or(cond_in[n_cond:], body_in[n_body:]))
        flags = _unify(invars, _or(ref_live, new_consts + [False] * n_carry))
        new_refs = [f and _is_ref(getattr(v, "aval", None)) for v, f in zip(invars, flags)]
        new_world = world or cond_world or body_world
        if (new_consts, new_carry, new_refs, new_world) == (consts, carry, ref_live, world):
            break
        consts, carry, ref_live, world = new_consts, new_carry, new_refs, new_world
    return _or(consts + carry, ref_live), world


def _scan(walker: Walker, eqn: Any, outs: list[bool], refs: list[bool], world: bool):
    # invars: (*consts, *init, *xs); body: (*consts, *carry, *x) -> (*carry, *y). Refs are
    # consts. The trip count is static, so the carry is followed back exactly `length` steps
    # (an initial carry that every step overwrites is unused, as in torch's unrolled graph);
    # the per-step states repeat with a short period, which lets long scans stop early.
    n_consts, n_carry = _scan_layout(eqn.params, len(eqn.invars), len(eqn.outvars))
    body, length = eqn.params["jaxpr"], eqn.params["length"]
    inner = getattr(body, "jaxpr", body)
    if (len(inner.invars), len(inner.outvars)) != (len(eqn.invars), len(eqn.outvars)):
        raise ValueError("scan body and equation arities differ")
    n_xs = len(eqn.invars) - n_consts - n_carry
    const_vars = eqn.invars[:n_consts]
    ys = list(outs[n_carry:])
    state = (tuple(outs[:n_carry]), tuple(refs[:n_consts]), world)
    consts, xs = [False] * n_consts, [False] * n_xs
    states, seen = [state], {state: 0}
    for step in range(length):
        carry, ref_live, world = state
        body_refs = [*ref_live, *(False,) * (n_carry + n_xs)]
        body_in, world_in = walker.live_inputs(body, [*carry, *ys], body_refs, world)
        consts = _or(consts, body_in[:n_consts])
        xs = _or(xs, body_in[n_consts + n_carry :])
        ref_live = [f and _is_ref(getattr(v, "aval", None)) for v, f in zip(const_vars, consts)]
        ref_live = _or(ref_live, _unify(const_vars, ref_live))
        state = (tuple(body_in[n_consts : n_consts + n_carry]), tuple(ref_live), world_in)
        if state in seen:  # from here on the states cycle; unions are complete
            start = seen[state]
            state = states[start + (length - step - 1) % (len(states) - start)]
            break
        seen[state] = len(states)
        states.append(state)
    carry, ref_live, world = state
    return [*_or(consts, ref_live), *carry, *xs], world


def _run_state(walker: Walker, eqn: Any, outs: list[bool], refs: list[bool], world: bool):
    # run_state(jaxpr)(*init): the jaxpr takes one ref per input and the outputs are the refs'
    # final contents.
    jaxpr = eqn.params["jaxpr"]
    inner = getattr(jaxpr, "jaxpr", jaxpr)
    if not len(inner.invars) == len(eqn.invars) == len(outs):
        raise ValueError("run_state with uninitialized refs")
    exit_refs = [o and _is_ref(v.aval) for v, o in zip(inner.invars, outs, strict=True)]
    live, world_in = walker.live_inputs(jaxpr, [], exit_refs, world)
    plain = [o and not _is_ref(v.aval) for v, o in zip(inner.invars, outs, strict=True)]
    return _or(_or(live, plain), refs), world_in


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


_RULES = {"cond": _cond, "while": _while, "scan": _scan, "run_state": _run_state}
