"""Property test of find_unused_params: on random small programs, a used parameter is never named.

Each program is a list of operations over the parameters a..d (and the values computed so far):
arithmetic, slicing, integer paths, ``stop_gradient``, a mutable ref written and read, ``scan``,
``lax.map``, ``cond``, ``jit``, ``checkpoint``, ``associative_scan``, ``vmap``, ``named_call`` and
``jnp.vectorize``. Two things must hold on every program:

* soundness: no parameter whose ``jax.grad`` on random inputs is nonzero is reported;
* no free pass: every parameter the loss cannot see even syntactically (a taint that ignores
  every cut) is reported.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jaxoptim.unused import find_unused_params

NAMES = "abcd"
KINDS = (
    "add",
    "mul",
    "sin",
    "roll",
    "stop",
    "int",
    "where",
    "ref_set",
    "ref_add",
    "ref_get",
    "scan",
    "map",
    "cond",
    "jit",
    "remat",
    "assoc",
    "vmap",
    "named",
    "vectorize",
)
# Refs and loops are the point of this test: they are drawn more often.
WEIGHTED = KINDS + ("ref_set", "ref_add", "ref_get", "scan") * 3
OPS = st.tuples(
    st.sampled_from(WEIGHTED), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)
)


def _run(program, loss_picks, read_ref_at_end, p, taint=None):
    """The loss of ``program`` on ``p``; fills ``taint`` (value -> parameter names) if given."""
    values = [p[n] for n in NAMES]
    taints = [{n} for n in NAMES]
    ref = jax.new_ref(jnp.zeros(4))
    ref_taint = set()
    for kind, i, j, k in program:
        i, j, k = i % len(values), j % len(values), k % len(values)
        x, y, z = values[i], values[j], values[k]
        both = taints[i] | taints[j]
        if kind == "add":
            out, t = x + y, both
        elif kind == "mul":
            out, t = x * y, both
        elif kind == "sin":
            out, t = jnp.sin(x), taints[i]
        elif kind == "roll":
            out, t = jnp.concatenate([x[1:], x[:1] * 0.5]), taints[i]
        elif kind == "stop":
            out, t = jax.lax.stop_gradient(x) + y, both  # taint ignores cuts
        elif kind == "int":
            out, t = x.astype(jnp.int32).astype(jnp.float32) + y, both
        elif kind == "where":
            out, t = jnp.where(z > 0, x, y), both | taints[k]
        elif kind == "ref_set":
            ref[1:] = x[1:]
            ref_taint |= taints[i]
            out, t = y, taints[j]
        elif kind == "ref_add":
            ref[...] += x * 2.0
            ref_taint |= taints[i]
            out, t = y, taints[j]
        elif kind == "ref_get":
            out, t = ref[...] * x, ref_taint | taints[i]
        elif kind == "scan":

            def body(c, _, y=y):
                new = ref[...] + c * 0.5  # read before write: the previous step's value
                ref[...] = jnp.tanh(c) * y
                return new, None  # (ys next to a written ref break jax 0.10.2's grad)

            carry, _ = jax.lax.scan(body, x, None, length=3)
            ref_taint |= both
            out, t = carry, both | ref_taint
        elif kind == "map":
            out, t = jax.lax.map(lambda row, x=x: row * x, jnp.stack([y, y])).sum(0), both
        elif kind == "cond":
            out = jax.lax.cond(z[0] > 0, lambda u, v: u * 2.0, lambda u, v: jnp.cos(v), x, y)
            t = both | taints[k]
        elif kind == "jit":
            out, t = jax.jit(lambda u, v: (u * v, u))(x, y)[0], both
        elif kind == "remat":
            policy = jax.checkpoint_policies.dots_saveable
            out, t = jax.checkpoint(lambda u, v: jnp.sin(u) @ v * v, policy=policy)(x, y), both
        elif kind == "assoc":
            out, t = jax.lax.associative_scan(jnp.add, x), taints[i]
        elif kind == "vmap":
            out, t = jax.vmap(lambda u, v: u * jnp.floor(v), in_axes=(0, None))(x, y[0]), both
        elif kind == "named":
            out, t = jax.named_call(lambda u: u[::-1] * 3.0, name="flip")(x), taints[i]
        else:  # vectorize
            out = jnp.vectorize(lambda u, v: u * v, signature="(),()->()")(x, y)
            t = both
        values.append(out)
        taints.append(set(t))
    picks = [q % len(values) for q in loss_picks]
    loss = sum(values[q].sum() for q in picks)
    seen = set().union(*(taints[q] for q in picks))
    if read_ref_at_end:
        loss = loss + ref[...].sum()
        seen |= ref_taint
    if taint is not None:
        taint.update(seen)
    return loss


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    program=st.lists(OPS, min_size=1, max_size=5),
    loss_picks=st.lists(st.integers(0, 99), min_size=1, max_size=2),
    read_ref_at_end=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_random_programs_never_report_a_parameter_with_a_gradient(
    program, loss_picks, read_ref_at_end, seed
):
    keys = jax.random.split(jax.random.key(seed), len(NAMES))
    params = {n: jax.random.normal(k, (4,), jnp.float32) for n, k in zip(NAMES, keys)}

    def loss(p):
        return _run(program, loss_picks, read_ref_at_end, p)

    reported = {u.name for u in find_unused_params(loss, params)}
    # one compiled program per example (run eagerly, each op of it compiles on its own: slow)
    grads = jax.jit(jax.grad(loss))(params)
    with_grad = {n for n, g in grads.items() if np.any(np.asarray(g) != 0)}
    assert not with_grad & reported, (program, with_grad, reported)
    taint = set()  # the taint is bookkeeping in Python: tracing the program fills it
    jax.eval_shape(lambda p: _run(program, loss_picks, read_ref_at_end, p, taint), params)
    assert set(NAMES) - taint <= reported, (program, taint, reported)
