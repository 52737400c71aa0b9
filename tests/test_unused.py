"""Tests for jaxoptim.unused: find_unused_params and log_unused_params."""

from __future__ import annotations

import logging
import types

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from jax.experimental import io_callback

from jaxoptim import unused_rules as rules_mod
from jaxoptim.optimizer_base import tree_names
from jaxoptim.unused import UnusedParam, find_unused_params, log_unused_params

F32 = jnp.float32


def _params(*names, shape=(3,)):
    return {n: jnp.ones(shape, F32) for n in names}


def _names(result):
    return [u.name for u in result]


ABCD = _params("a", "b", "c", "d")


# --- basics -----------------------------------------------------------------------------------


def test_unused_leaf_reported_with_name_shape_in_tree_order():
    params = {
        "backbone": {"conv": {"kernel": jnp.ones((3, 3, 2, 4)), "bias": jnp.ones(4)}},
        "head": {"fc": {"kernel": jnp.ones((4, 5)), "bias": jnp.ones(5)}},
        "aux_head": {"kernel": jnp.ones((4, 2))},
    }

    def loss(p, x):
        h = jnp.einsum("hwio,bhwi->bo", p["backbone"]["conv"]["kernel"], x)
        return (h @ p["head"]["fc"]["kernel"]).sum()

    result = find_unused_params(loss, params, jnp.ones((2, 3, 3, 2)))
    assert result == [
        UnusedParam("aux_head.kernel", (4, 2), "float32"),
        UnusedParam("backbone.conv.bias", (4,), "float32"),
        UnusedParam("head.fc.bias", (5,), "float32"),
    ]
    assert repr(result[0]) == "UnusedParam(name='aux_head.kernel', shape=(4, 2), dtype='float32')"
    assert result[0].shape == (4, 2) and isinstance(result[0].shape, tuple)
    with pytest.raises(AttributeError):
        result[0].name = "x"  # frozen


def test_everything_used_gives_empty_list_and_constant_loss_reports_all():
    assert find_unused_params(lambda p: sum(v.sum() for v in p.values()), ABCD) == []
    assert _names(find_unused_params(lambda p: jnp.float32(1.0), ABCD)) == ["a", "b", "c", "d"]


def test_list_and_tuple_params_named_by_index():
    params = [jnp.ones(2), (jnp.ones(3), jnp.ones(4))]
    result = find_unused_params(lambda p: p[1][1].sum(), params)
    assert _names(result) == ["0", "1.0"]


def test_dtypes_bf16_f16_complex_reported_int_bool_keys_never():
    params = {
        "bf16": jnp.ones(2, jnp.bfloat16),
        "f16": jnp.ones(2, jnp.float16),
        "c64": jnp.ones(2, jnp.complex64),
        "step": jnp.int32(3),
        "mask": jnp.ones(2, bool),
        "key": jax.random.key(0),
        "legacy_key": jax.random.PRNGKey(0),
        "used": jnp.ones(2),
    }
    result = find_unused_params(lambda p: p["used"].sum(), params)
    assert [(u.name, u.dtype) for u in result] == [
        ("bf16", "bfloat16"),
        ("c64", "complex64"),
        ("f16", "float16"),
    ]


def test_python_scalars_in_params_stay_static_and_are_not_reported():
    params = {"scale": 2.0, "w": jnp.ones(3), "v": jnp.ones(3)}
    assert _names(find_unused_params(lambda p: (p["scale"] * p["w"]).sum(), params)) == ["v"]


# --- what cuts the graph -----------------------------------------------------------------------


CUT_CASES = {
    "stop_gradient": lambda p: jax.lax.stop_gradient(p["a"]).sum() + p["b"].sum(),
    "shape_only": lambda p: jnp.zeros(p["a"].shape).sum() * p["a"].shape[0] + p["b"].sum(),
    "comparison": lambda p: (p["a"] > 0).sum() * p["b"].sum(),
    "argmax": lambda p: jnp.argmax(p["a"]).astype(F32) * p["b"].sum(),
    "int_cast": lambda p: p["a"].astype(jnp.int32).astype(F32).sum() + p["b"].sum(),
    "where_predicate": lambda p: jnp.where(p["a"] > 1, p["b"], 0.0).sum(),
    "integer_index": lambda p: p["b"][jnp.argmin(p["a"])],
    "cond_predicate": lambda p: jax.lax.cond(
        p["a"].sum() > 0, lambda b: b.sum(), lambda b: -b.sum(), p["b"]
    ),
    "switch_index": lambda p: jax.lax.switch(
        jnp.argmax(p["a"]), [lambda b: b.sum(), lambda b: b.max(), lambda b: b.min()], p["b"]
    ),
    "while_condition": lambda p: jax.lax.while_loop(
        lambda c: c[0] < p["a"].sum(), lambda c: (c[0] + 1.0, c[1] * 2.0), (0.0, p["b"])
    )[1].sum(),
    "pure_callback": lambda p: (
        jax.pure_callback(lambda x: np.asarray(x), jax.ShapeDtypeStruct((3,), F32), p["a"]).sum()
        + p["b"].sum()
    ),
    "io_callback": lambda p: (
        io_callback(lambda x: np.asarray(x), jax.ShapeDtypeStruct((3,), F32), p["a"]).sum()
        + p["b"].sum()
    ),
    "bitcast": lambda p: jax.lax.bitcast_convert_type(p["a"], jnp.int32).sum() * p["b"].sum(),
}


@pytest.mark.parametrize("case", sorted(CUT_CASES))
def test_non_differentiable_paths_are_reported(case):
    # `a` reaches the loss only through a non-differentiable path; `b` is used; c, d unused.
    assert _names(find_unused_params(CUT_CASES[case], ABCD)) == ["a", "c", "d"]


IN_GRAPH_CASES = {
    "times_zero": lambda p: (p["a"] * 0.0).sum() + p["b"].sum(),
    "dead_relu": lambda p: jax.nn.relu(p["a"] - 1e9).sum() + p["b"].sum(),
    "dead_maximum": lambda p: jnp.maximum(p["a"] - 1e9, 0.0).sum() + p["b"].sum(),
    "zero_width_slice": lambda p: p["a"][:0].sum() + p["b"].sum(),
    "zero_width_branch": lambda p: (
        jnp.concatenate([p["b"], jnp.tanh(p["a"])])[:3].sum() + jnp.tanh(p["a"])[3:].sum()
    ),
    "floor_like_torch": lambda p: jnp.floor(p["a"]).sum() + p["b"].sum(),
    "sign_like_torch": lambda p: jnp.sign(p["a"]).sum() + p["b"].sum(),
    "select_value": lambda p: jnp.where(p["b"] > 0, p["a"], p["b"]).sum(),
    "sort_values": lambda p: jnp.sort(p["a"]).sum() + p["b"].sum(),
    "scatter_update": lambda p: p["b"].at[0].set(p["a"][1]).sum(),
}


@pytest.mark.parametrize("case", sorted(IN_GRAPH_CASES))
def test_paths_in_the_graph_are_not_reported_whatever_the_values(case):
    assert _names(find_unused_params(IN_GRAPH_CASES[case], ABCD)) == ["c", "d"]


def test_has_aux_only_the_loss_counts():
    def loss(p):
        return p["a"].sum(), {"metric": p["b"].sum() * 2, "other": p["c"]}

    assert _names(find_unused_params(loss, ABCD, has_aux=True)) == ["b", "c", "d"]
    # Without has_aux every float output is the loss.
    assert _names(find_unused_params(loss, ABCD)) == ["d"]


def test_multi_operand_sort_values_do_not_depend_on_keys():
    # Like torch.sort + gather: the keys only choose an integer permutation of the values.
    def loss(p):
        _, values = jax.lax.sort((p["a"], p["b"]), num_keys=1)
        return values.sum()

    assert _names(find_unused_params(loss, ABCD)) == ["a", "c", "d"]


def test_optimization_barrier_maps_each_output_to_its_input():
    def loss(p):
        a, b = jax.lax.optimization_barrier((p["a"] * 2, p["b"] * 3))
        return a.sum()

    assert _names(find_unused_params(loss, ABCD)) == ["b", "c", "d"]


# --- control flow and transformations ----------------------------------------------------------


def test_nested_jit():
    @jax.jit
    def inner(a, b, c):
        return a * 2, jax.lax.stop_gradient(b) + c

    @jax.jit
    def outer(p):
        x, y = inner(p["a"], p["b"], p["c"])
        return jax.jit(lambda u: u.sum())(x)

    # `y` is dropped, so `c` is unused too; `b` is behind stop_gradient anyway.
    assert _names(find_unused_params(outer, ABCD)) == ["b", "c", "d"]


def test_cond_any_branch_counts():
    def loss(p, flag):
        return jax.lax.cond(flag, lambda q: q["a"].sum(), lambda q: (q["b"] * q["c"]).sum(), p)

    assert _names(find_unused_params(loss, ABCD, jnp.bool_(True))) == ["d"]


def test_switch_any_branch_counts_and_unused_operand_reported():
    def loss(p, i):
        branches = [lambda q: q["a"].sum(), lambda q: q["b"].max(), lambda q: jnp.float32(0)]
        return jax.lax.switch(i, branches, p)

    assert _names(find_unused_params(loss, ABCD, jnp.int32(0))) == ["c", "d"]


def test_while_loop_body_and_carry_fixpoint():
    # `c` enters carry 2, which feeds carry 1 on the next iteration: used through the fixpoint.
    # `d` only reaches carry 3, which the loss drops.
    def loss(p):
        def body(carry):
            i, x, y, z = carry
            return i + 1, x + y * p["a"], y + p["c"], z * p["d"]

        _, x, _, _ = jax.lax.while_loop(
            lambda carry: carry[0] < 3, body, (0, p["b"], jnp.zeros(3), jnp.ones(3))
        )
        return x.sum()

    assert _names(find_unused_params(loss, ABCD)) == ["d"]
    # fori_loop with static bounds is a scan: only carry 2 reaches the loss, so `c` is used and
    # a/b (carry 1 only) are not.
    assert _names(
        find_unused_params(
            lambda p: jax.lax.fori_loop(
                0, 3, lambda i, c: (c[0] * p["a"], c[1] + p["c"]), (p["b"], jnp.zeros(3))
            )[1].sum(),
            ABCD,
        )
    ) == ["a", "b", "d"]


def test_scan_consts_carry_and_ys():
    def loss(p, xs):
        def body(carry, x):
            h, g = carry
            return (jnp.tanh(h * p["a"] + x), g + p["d"]), h * p["b"]

        (h, _), ys = jax.lax.scan(body, (jnp.zeros(3), jnp.zeros(3)), xs)
        return ys.sum()

    # ys reach h of earlier steps, so `a` is used through the carry; `d` feeds a dropped carry.
    assert _names(find_unused_params(loss, ABCD, jnp.ones((4, 3)))) == ["c", "d"]


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (0, ["b", "c", "d"]),
        (1, ["a", "c", "d"]),
        (2, ["a", "b", "c"]),
        (3, ["a", "b"]),
        (1000, ["a", "b"]),
    ],
)
def test_scan_carry_chain_followed_exactly_length_steps(length, expected):
    # x <- 2y, y <- z + 1, z <- z * c: after 3 steps x = 2 (d c + 1); the initial x (`a`) and y
    # (`b`) are overwritten, as in torch's unrolled graph.
    def loss(p):
        def body(carry, _):
            x, y, z = carry
            return (y * 2.0, z + 1.0, z * p["c"]), None

        (x, _, _), _ = jax.lax.scan(body, (p["a"], p["b"], p["d"]), None, length=length)
        return x.sum()

    assert _names(find_unused_params(loss, ABCD)) == expected


def test_while_carry_chain_counts_any_number_of_steps():
    # The same chain as above in a while loop: the trip count is not static, so whatever reaches
    # x after 0, 1, 2, ... steps is in the graph.
    def loss(p, n):
        def body(carry):
            i, x, y, z = carry
            return i + 1, y * 2.0, z + 1.0, z * p["c"]

        init = (0, p["a"], p["b"], p["d"])
        return jax.lax.while_loop(lambda carry: carry[0] < n, body, init)[1].sum()

    assert _names(find_unused_params(loss, ABCD, jnp.int32(3))) == []


def test_scan_matches_torch_unrolled_loop():
    torch_fn = lambda t, p: _torch_chain(p, 3)
    assert _torch_unused(torch_fn) == ["a", "b"]


def _torch_chain(p, length):
    x, y, z = p["a"], p["b"], p["d"]
    for _ in range(length):
        x, y, z = y * 2.0, z + 1.0, z * p["c"]
    return x.sum()


def test_remat_checkpoint():
    def loss(p):
        f = jax.checkpoint(
            lambda a, b: (jnp.sin(a), b * 2), policy=jax.checkpoint_policies.nothing_saveable
        )
        x, _ = f(p["a"], p["b"])
        return x.sum() + jax.remat(lambda c: c * 2)(p["c"]).sum()

    assert _names(find_unused_params(loss, ABCD)) == ["b", "d"]


def test_custom_jvp_is_opaque():
    @jax.custom_jvp
    def f(x, y):
        return x * jax.lax.stop_gradient(y)

    @f.defjvp
    def f_jvp(primals, tangents):
        x, y = primals
        return f(x, y), tangents[0] * y  # ignores y's tangent

    def loss(p):
        return f(p["a"], p["b"]).sum()

    # Like a torch autograd.Function: both float inputs are in the graph.
    assert _names(find_unused_params(loss, ABCD)) == ["c", "d"]
    # An opaque function whose output is dropped uses nothing...
    assert _names(find_unused_params(lambda p: (f(p["a"], p["b"]), p["c"].sum())[1], ABCD)) == [
        "a",
        "b",
        "d",
    ]
    # ...but values are never inspected: times zero or sliced to nothing, it is in the graph.
    assert _names(
        find_unused_params(lambda p: f(p["a"], p["b"]).sum() * 0 + p["c"].sum(), ABCD)
    ) == ["d"]
    assert _names(
        find_unused_params(lambda p: p["c"].sum() + 0 * f(p["a"], p["b"])[:0].sum(), ABCD)
    ) == ["d"]


def test_custom_vjp_is_opaque_and_dropped_output_unused():
    @jax.custom_vjp
    def f(x, y):
        return x * 2, y

    f.defvjp(lambda x, y: ((x * 2, y), None), lambda _, ct: (ct[0] * 2, None))

    assert _names(find_unused_params(lambda p: f(p["a"], p["b"])[0].sum(), ABCD)) == ["c", "d"]

    # Under jit and scan too; `c` only reaches the dropped output, but the function is opaque.
    def loss(p):
        def body(c, _):
            return jax.jit(f)(c, p["c"])[0], None

        return jax.lax.scan(body, p["a"], None, length=2)[0].sum()

    assert _names(find_unused_params(loss, ABCD)) == ["b", "d"]


def test_vmap_and_grad_inside_loss():
    def loss(p, xs):
        per_example = jax.vmap(lambda x: jnp.dot(p["a"], x) + p["b"].sum() * 0)(xs)
        # A gradient penalty: `c` is used through the gradient of an inner function.
        penalty = jax.grad(lambda c: jnp.sum(jnp.sin(c) * p["d"][0]))(p["c"]).sum()
        return per_example.sum() + penalty

    assert _names(find_unused_params(loss, ABCD, jnp.ones((5, 3)))) == []


def test_vmap_dropped_output_and_in_axes_none():
    def loss(p, xs):
        f = jax.vmap(lambda x, w, v: (w @ x, v * x), in_axes=(0, None, None))
        used, _ = f(xs, p["w"], p["v"])
        return used.sum()

    params = {"w": jnp.ones((2, 3)), "v": jnp.ones(3)}
    assert find_unused_params(loss, params, jnp.ones((5, 3))) == [UnusedParam("v", (3,))]


@pytest.mark.parametrize("axis_type", ["Auto", "Explicit"])
def test_shard_map(axis_type):
    from jax.sharding import AxisType, NamedSharding
    from jax.sharding import PartitionSpec as P

    mesh = jax.make_mesh((1,), ("x",), axis_types=(getattr(AxisType, axis_type),))

    def loss(p):
        f = jax.shard_map(
            lambda a, b: (a * 2, b + 1), mesh=mesh, in_specs=(P("x"), P()), out_specs=(P("x"), P())
        )
        a, _ = f(p["a"], p["b"])
        return jax.lax.stop_gradient(p["c"]).sum() + a.sum()

    with jax.set_mesh(mesh):
        # The input shardings are kept: under an explicit mesh shard_map checks them.
        params = dict(ABCD, a=jax.device_put(ABCD["a"], NamedSharding(mesh, P("x"))))
        assert _names(find_unused_params(loss, params)) == ["b", "c", "d"]


# --- execution: nothing runs ------------------------------------------------------------------


def test_callbacks_never_fire_and_nothing_is_allocated():
    calls = []

    def record(*x):
        calls.append(x)
        return np.zeros((3,), np.float32)

    def loss(p, x):
        jax.debug.callback(lambda *a: calls.append(a), p["a"])
        jax.debug.print("a={a}", a=p["a"])
        io_callback(record, jax.ShapeDtypeStruct((3,), F32), p["b"], ordered=True)
        y = jax.pure_callback(record, jax.ShapeDtypeStruct((3,), F32), p["c"])
        return (x @ p["big"]).sum() + y.sum() + p["a"].sum()

    # 40 GB of float32: only shapes are ever touched.
    params = {
        "a": jax.ShapeDtypeStruct((3,), F32),
        "b": jax.ShapeDtypeStruct((3,), F32),
        "c": jax.ShapeDtypeStruct((3,), F32),
        "big": jax.ShapeDtypeStruct((100_000, 100_000), F32),
    }
    result = find_unused_params(loss, params, jax.ShapeDtypeStruct((2, 100_000), F32))
    assert result == [UnusedParam("b", (3,), "float32"), UnusedParam("c", (3,), "float32")]
    assert calls == []


def test_abstract_from_eval_shape_and_mixed_concrete_inputs():
    def init(key):
        k1, k2 = jax.random.split(key)
        return {"w": jax.random.normal(k1, (8, 4)), "v": jax.random.normal(k2, (4,))}

    abstract = jax.eval_shape(init, jax.random.key(0))
    assert isinstance(abstract["w"], jax.ShapeDtypeStruct)
    loss = lambda p, x, *, scale: (x @ p["w"]).sum() * scale
    assert _names(find_unused_params(loss, abstract, np.ones((2, 8), np.float32), scale=2.0)) == [
        "v"
    ]


def test_static_python_arguments_stay_static():
    def loss(p, x, mode, *, use_head):
        y = p["a"] * x if mode == "train" else p["b"] * x  # Python control flow on a str
        return (y + (p["c"] if use_head else 0.0)).sum()

    assert _names(find_unused_params(loss, ABCD, jnp.ones(3), "train", use_head=False)) == [
        "b",
        "c",
        "d",
    ]
    assert _names(find_unused_params(loss, ABCD, jnp.ones(3), "eval", use_head=True)) == ["a", "d"]


def test_works_inside_jit_on_tracers():
    seen = []

    @jax.jit
    def step(p):
        seen.append(find_unused_params(lambda q: (q["a"] * q["b"]).sum(), p))
        return p["a"]

    step(ABCD)
    assert [_names(r) for r in seen] == [["c", "d"]]


# --- Flax ------------------------------------------------------------------------------------


class _LinenNet(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = True):
        x = nn.Conv(8, (3, 3), name="stem")(x)
        x = nn.BatchNorm(use_running_average=not train, name="bn")(x)
        x = nn.relu(x).mean(axis=(1, 2))
        logits = nn.Dense(10, name="head")(x)
        nn.Dense(5, name="aux_head")(x)  # built, never reaches the output
        return logits


def test_flax_linen_unused_head_by_name_and_shape():
    model = _LinenNet()
    x = jax.ShapeDtypeStruct((2, 8, 8, 3), F32)
    variables = jax.eval_shape(model.init, jax.random.key(0), x)

    def loss(params, batch_stats, x):
        logits, _ = model.apply(
            {"params": params, "batch_stats": batch_stats}, x, mutable=["batch_stats"]
        )
        return logits.mean()

    result = find_unused_params(loss, variables["params"], variables["batch_stats"], x)
    assert result == [
        UnusedParam("aux_head.bias", (5,), "float32"),
        UnusedParam("aux_head.kernel", (8, 5), "float32"),
    ]


class _Block(nn.Module):
    @nn.compact
    def __call__(self, h, _):
        nn.Dense(2, name="probe")(h)  # output dropped
        return jnp.tanh(nn.Dense(4, name="dense")(h)), None


def test_flax_linen_lifted_scan_and_remat():
    model = nn.scan(
        nn.remat(_Block),
        variable_axes={"params": 0},
        split_rngs={"params": True},
        length=3,
    )()
    x = jax.ShapeDtypeStruct((2, 4), F32)
    params = jax.eval_shape(model.init, jax.random.key(0), x, None)["params"]

    def loss(params, x):
        return model.apply({"params": params}, x, None)[0].sum()

    assert find_unused_params(loss, params, x) == [
        UnusedParam("probe.bias", (3, 2), "float32"),
        UnusedParam("probe.kernel", (3, 4, 2), "float32"),
    ]


class _NnxNet(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.body = nnx.Linear(6, 8, rngs=rngs)
        self.bn = nnx.BatchNorm(8, rngs=rngs)
        self.dropout = nnx.Dropout(0.5, rngs=rngs)
        self.cls = nnx.Linear(8, 3, rngs=rngs)
        self.head = nnx.Linear(8, 4, rngs=rngs)  # unused

    def __call__(self, x):
        return self.cls(self.dropout(nnx.relu(self.bn(self.body(x)))))


@pytest.mark.parametrize("abstract", [False, True], ids=["concrete", "eval_shape"])
def test_flax_nnx_unused_head_by_name_and_shape(abstract):
    make = lambda: _NnxNet(nnx.Rngs(0))
    model = nnx.eval_shape(make) if abstract else make()

    def loss(m, x):
        return m(x).mean()

    result = find_unused_params(loss, model, jnp.ones((2, 6)))
    # Names follow the project's one naming scheme (tree_names of the nnx.Param state).
    param_names = tree_names(nnx.state(model, nnx.Param))
    head = [n for n in param_names if n.startswith("head.")]
    assert len(head) == 2
    assert _names(result) == head
    assert [u.shape for u in result] == [(4,), (8, 4)]
    # The module is untouched: its BatchNorm statistics were not updated by the trace.
    if not abstract:
        np.testing.assert_array_equal(model.bn.mean.get_value(), np.zeros(8, np.float32))


def test_nnx_param_state_works_as_a_plain_pytree():
    model = _NnxNet(nnx.Rngs(0))
    graphdef, state, rest = nnx.split(model, nnx.Param, ...)

    def loss(state, rest, x):
        return nnx.merge(graphdef, state, rest)(x).mean()

    result = find_unused_params(loss, state, rest, jnp.ones((2, 6)))
    assert _names(result) == [n for n in tree_names(state) if n.startswith("head.")]
    assert [u.shape for u in result] == [(4,), (8, 4)]


# --- logging and errors -----------------------------------------------------------------------


def test_log_line_format(caplog):
    params = {"head": {"kernel": jnp.ones((4, 2)), "bias": jnp.ones(2)}, "w": jnp.ones(4)}
    with caplog.at_level(logging.INFO, logger="jaxoptim"):
        result = log_unused_params(lambda p: p["w"].sum(), params)
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("jaxoptim", logging.ERROR, "head.bias with shape (2,) is not in the computational graph"),
        (
            "jaxoptim",
            logging.ERROR,
            "head.kernel with shape (4, 2) is not in the computational graph",
        ),
    ]
    assert _names(result) == ["head.bias", "head.kernel"]


def test_log_to_given_logger_with_aux_and_nothing_when_all_used(caplog):
    logger = logging.getLogger("mmcv.runner")
    with caplog.at_level(logging.ERROR):
        log_unused_params(lambda p: (p["a"].sum(), p["b"]), ABCD, has_aux=True, logger=logger)
        log_unused_params(lambda p: sum(v.sum() for v in p.values()), ABCD)
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("mmcv.runner", f"{n} with shape (3,) is not in the computational graph") for n in "bcd"
    ]


def test_has_aux_without_a_pair_raises_naming_has_aux():
    with pytest.raises(TypeError, match="has_aux"):
        find_unused_params(lambda p: p["a"].sum(), ABCD, has_aux=True)


def test_non_float_loss_raises():
    with pytest.raises(TypeError, match="floating-point loss.*int32"):
        find_unused_params(lambda p: jnp.argmax(p["a"]), ABCD)


def test_missing_jax_internals_give_a_clear_error(monkeypatch):
    import jax.extend.core as jcore

    monkeypatch.delattr(jcore, "ClosedJaxpr")
    with pytest.raises(ImportError, match="jax.extend.core.*_jaxpr_types"):
        find_unused_params(lambda p: p["a"].sum(), ABCD)


def test_unknown_control_flow_layout_gives_a_clear_error():
    walker = rules_mod.Walker()
    eqn = types.SimpleNamespace(
        primitive=types.SimpleNamespace(name="while"), params={"body_jaxpr": None}, invars=[1, 2]
    )
    with pytest.raises(RuntimeError, match="`while` primitive.*cond_nconsts"):
        walker.eqn_inputs(eqn, [True], [False, False], False)


# --- torch as the oracle ------------------------------------------------------------------------


def _torch_unused(fn):
    """mmcv's detect_anomalous_params walk over a torch graph."""
    torch = pytest.importorskip("torch")
    params = {n: torch.ones(3, requires_grad=True) for n in "abcd"}
    loss = fn(torch, params)
    reached, stack, seen = set(), [loss.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if hasattr(node, "variable"):
            reached.add(id(node.variable))
        stack.extend(nxt for nxt, _ in node.next_functions)
    return [n for n, p in params.items() if id(p) not in reached]


TORCH_PAIRS = {
    "detach": (lambda t, p: p["a"].detach().sum() + p["b"].sum(), CUT_CASES["stop_gradient"]),
    "argmax": (lambda t, p: t.argmax(p["a"]).float() * p["b"].sum(), CUT_CASES["argmax"]),
    "comparison": (lambda t, p: (p["a"] > 0).sum() * p["b"].sum(), CUT_CASES["comparison"]),
    "int_cast": (lambda t, p: p["a"].long().float().sum() + p["b"].sum(), CUT_CASES["int_cast"]),
    "times_zero": (lambda t, p: (p["a"] * 0).sum() + p["b"].sum(), IN_GRAPH_CASES["times_zero"]),
    "dead_relu": (
        lambda t, p: t.relu(p["a"] - 1e9).sum() + p["b"].sum(),
        IN_GRAPH_CASES["dead_relu"],
    ),
    "zero_width": (
        lambda t, p: p["a"][:0].sum() + p["b"].sum(),
        IN_GRAPH_CASES["zero_width_slice"],
    ),
    "floor": (
        lambda t, p: t.floor(p["a"]).sum() + p["b"].sum(),
        IN_GRAPH_CASES["floor_like_torch"],
    ),
    "sign": (lambda t, p: t.sign(p["a"]).sum() + p["b"].sum(), IN_GRAPH_CASES["sign_like_torch"]),
    "where": (
        lambda t, p: t.where(p["a"] > 1, p["b"], t.zeros(3)).sum(),
        CUT_CASES["where_predicate"],
    ),
    "sort_keys": (
        lambda t, p: p["b"][t.sort(p["a"]).indices].sum(),
        lambda p: jax.lax.sort((p["a"], p["b"]), num_keys=1)[1].sum(),
    ),
}


@pytest.mark.parametrize("case", sorted(TORCH_PAIRS))
def test_matches_mmcv_torch_graph_walk(case):
    torch_fn, jax_fn = TORCH_PAIRS[case]
    expected = _torch_unused(torch_fn)
    assert _names(find_unused_params(jax_fn, ABCD)) == expected


class _FlatTree:
    """The part of jax 0.11's scan ``FlatTree`` params that the layout reader uses."""

    def __init__(self, groups):
        self.groups = groups

    def update(self, leaves):
        it = iter(leaves)
        return _FlatTree(tuple(tuple(next(it) for _ in g) for g in self.groups))

    def unpack(self):
        return self.groups


def test_scan_layout_of_older_and_newer_jax():
    assert rules_mod._scan_layout({"num_consts": 2, "num_carry": 1}, 4, 2) == (2, 1)
    # jax 0.11: ft_in = (consts, carry, xs), ft_out = (carry, ys).
    new_style = {
        "ft_in": _FlatTree(((None,), (None, None), (None,))),
        "ft_out": _FlatTree(((None, None), (None,))),
    }
    assert rules_mod._scan_layout(new_style, 4, 3) == (1, 2)
    bad = {"ft_in": _FlatTree(((None,), (None,))), "ft_out": _FlatTree(((None,), ()))}
    with pytest.raises(ValueError, match="unexpected scan layout"):
        rules_mod._scan_layout(bad, 2, 1)


# --- mutable refs, effects, kernels and collectives ---------------------------------------------

RANDOM = {n: jax.random.normal(jax.random.key(i), (4,), F32) for i, n in enumerate("abcd")}


def _checked(loss, params=RANDOM, *args, grad=True):
    """``find_unused_params`` names, after checking that no parameter with a gradient is named."""
    found = _names(find_unused_params(loss, params, *args))
    if grad:
        grads = jax.grad(loss)(params, *args)
        nonzero = [n for n, g in grads.items() if np.any(np.asarray(g) != 0)]
        assert not set(nonzero) & set(found), (nonzero, found)
    return found


def test_ref_write_then_read_reaches_loss_and_write_after_read_does_not():
    def loss(p):
        r = jax.new_ref(jnp.zeros(4))
        r[...] = p["a"]
        r[...] += p["b"] * 2
        r[1:] = r[:3] * jax.lax.stop_gradient(p["c"][1:])  # c cut
        out = r[...].sum()
        r[...] = p["d"]  # written after the last read: unused
        return out

    assert _checked(loss) == ["c", "d"]


def test_ref_initial_value_and_freeze():
    def loss(p):
        r = jax.new_ref(p["a"] * 2)
        s = jax.new_ref(p["b"])  # never read
        del s
        return jax.freeze(r).sum() + p["c"].astype(jnp.int32).astype(F32).sum()

    assert _checked(loss) == ["b", "c", "d"]


def test_ref_written_in_scan_body_and_read_later():
    def loss(p, xs):
        r = jax.new_ref(jnp.zeros(4))

        def body(c, x):
            r[...] += x * p["a"]
            return c + p["d"], None  # carry dropped: d unused

        jax.lax.scan(body, jnp.zeros(4), xs)
        return r[...].sum()

    assert _checked(loss, RANDOM, jnp.ones((3, 4))) == ["b", "c", "d"]


def test_ref_read_before_write_in_loop_body_sees_the_previous_iteration():
    # y reads the ref before this iteration writes it: the write of step k reaches the read of
    # step k+1, so `a` is used; the ref is never read after the loop.
    def scan_loss(p):
        r = jax.new_ref(p["b"])

        def body(c, _):
            c = c + r[...]
            r[...] = p["a"] * c
            return c, None

        return jax.lax.scan(body, p["c"], None, length=3)[0].sum()

    assert _checked(scan_loss) == ["d"]

    def while_loss(p, n):
        r = jax.new_ref(p["b"])

        def body(carry):
            i, c = carry
            c = c + r[...]
            r[...] = p["a"] * 2.0
            return i + 1, c

        return jax.lax.while_loop(lambda s: s[0] < n, body, (0, p["c"]))[1].sum()

    assert _names(find_unused_params(while_loss, RANDOM, jnp.int32(3))) == ["d"]
    # No reverse mode through a while loop: a jvp shows `a`'s derivative (two reads of 2a).
    tangent = {n: jnp.ones(4) * (n == "a") for n in RANDOM}
    _, da = jax.jvp(lambda p: while_loss(p, jnp.int32(3)), (RANDOM,), (tangent,))
    assert float(da) == 16.0


def test_ref_through_jit_and_cond_and_while_condition():
    @jax.jit
    def add_into(r, x):
        r[...] += x

    def loss(p, flag):
        r = jax.new_ref(jnp.zeros(4))
        add_into(r, p["a"])
        jax.lax.cond(flag, lambda: add_into(r, p["b"]), lambda: None)
        # The condition reads the ref: a comparison, which cuts.
        jax.lax.while_loop(lambda i: r[0] < p["c"][0] + i, lambda i: i + 1.0, 0.0)
        return r[...].sum()

    assert _checked(loss, RANDOM, jnp.bool_(True)) == ["c", "d"]


def test_run_state_maps_final_ref_contents_to_outputs():
    from jax._src.state.discharge import run_state

    def loss(p):
        def kernel(refs):
            x, y, z = refs
            x[...] += y[...] * 2
            z[...] = x[...]

        x, _, z = run_state(kernel)((p["a"], p["b"], p["c"]))
        return x.sum()

    assert _names(find_unused_params(loss, RANDOM)) == ["c", "d"]

    # run_state has no reverse-mode (nor batching) rule: check with one jvp per parameter.
    def jvp(name):
        tangent = {n: jnp.ones(4) * (n == name) for n in RANDOM}
        return jax.jvp(loss, (RANDOM,), (tangent,))[1]

    assert [float(jvp(n)) for n in "abcd"] == [4.0, 8.0, 0.0, 0.0]


def test_discharged_ref_program_agrees():
    from jax._src.state.discharge import discharge_state

    def loss(p):
        r = jax.new_ref(jnp.zeros(4))
        r[...] = p["a"] * 3
        r[1:] += p["b"][1:]
        out = r[...].sum()
        r[...] = p["c"]
        return out

    from jax.extend.core import jaxpr_as_fun

    discharged = discharge_state(jax.make_jaxpr(loss)(RANDOM))
    assert "swap" not in str(discharged) and "new_ref" not in str(discharged)
    pure = lambda p: jaxpr_as_fun(discharged)(*jax.tree.leaves(p))[0]
    assert _checked(pure) == _checked(loss) == ["c", "d"]


def test_pallas_call_is_opaque():
    from jax.experimental import pallas as pl

    def kernel(x_ref, y_ref, o_ref, unused_ref):
        o_ref[...] = x_ref[...] * 2
        unused_ref[...] = y_ref[...]

    def loss(p):
        shape = jax.ShapeDtypeStruct((4,), F32)
        out, _ = pl.pallas_call(kernel, out_shape=(shape, shape), interpret=True)(
            p["a"], jax.lax.stop_gradient(p["c"]) + p["b"]
        )
        return out.sum()

    # Like a torch custom kernel: every float input is in the graph (pallas_call has no grad).
    assert _names(find_unused_params(loss, RANDOM)) == ["c", "d"]
    dropped = lambda p: (loss(p) * 0 + p["d"].sum(), p["a"])[0]
    assert _names(find_unused_params(lambda p: p["d"].sum() + 0 * dropped(p), RANDOM)) == ["c"]


def test_custom_partitioning_is_opaque():
    from jax.experimental.custom_partitioning import custom_partitioning

    @custom_partitioning
    def f(x, y):
        return x * 2.0

    f.def_partition(
        infer_sharding_from_operands=lambda *a: None,
        partition=lambda *a: None,
        sharding_rule="i, i -> i",
    )
    loss = lambda p: f(p["a"], p["b"]).sum() + jax.lax.stop_gradient(p["c"]).sum()
    # The partition callback's code runs, not `f`: b counts as used.
    assert _names(find_unused_params(loss, RANDOM)) == ["c", "d"]


def test_shard_map_collectives():
    from jax.sharding import AxisType
    from jax.sharding import PartitionSpec as P

    mesh = jax.make_mesh((1,), ("x",), axis_types=(AxisType.Auto,))

    def body(a, b, c, d):
        total = jax.lax.psum(a, "x") + jax.lax.all_gather(b, "x", tiled=True)
        total = total + jax.lax.ppermute(jnp.floor(c), "x", [(0, 0)])
        cut = jax.lax.all_to_all(d.reshape(4, 1), "x", 0, 0, tiled=True).reshape(4)
        return total + jax.lax.stop_gradient(cut)

    def loss(p):
        f = jax.shard_map(body, mesh=mesh, in_specs=P("x"), out_specs=P("x"))
        return f(p["a"], p["b"], p["c"], p["d"]).sum()

    assert _checked(loss) == ["d"]


def test_map_associative_scan_vectorize_named_call_and_vmap_over_params():
    def loss(p, xs):
        mapped = jax.lax.map(lambda x: x * p["a"], xs).sum()
        prefix = jax.lax.associative_scan(jnp.add, p["b"] * jnp.argmax(p["d"])).sum()
        vec = jnp.vectorize(lambda u, v: u * jax.lax.stop_gradient(v), signature="(),()->()")
        named = jax.named_call(lambda u: jnp.sin(u), name="block")(vec(p["c"], p["d"])).sum()
        return mapped + prefix + named

    assert _checked(loss, RANDOM, jnp.ones((2, 4))) == ["d"]

    stacked = {"w": jnp.ones((3, 4)), "v": jnp.ones((3, 4))}
    per_layer = jax.vmap(lambda w, v: ((w * 2).sum(), (v > 0).sum()))
    vm = lambda p: (per_layer(p["w"], p["v"])[0] + per_layer(p["w"], p["v"])[1]).sum()
    assert _checked(vm, stacked) == ["v"]


@pytest.mark.parametrize(
    "policy",
    [
        jax.checkpoint_policies.nothing_saveable,
        jax.checkpoint_policies.dots_saveable,
        jax.checkpoint_policies.save_only_these_names("h"),
        jax.checkpoint_policies.offload_dot_with_no_batch_dims("device", "pinned_host"),
    ],
)
def test_checkpoint_with_policies(policy):
    from jax.ad_checkpoint import checkpoint_name

    def block(a, b, c):
        h = checkpoint_name(jnp.sin(a) @ jnp.outer(a, a), "h")
        return h, b * 2, jax.lax.stop_gradient(c)

    def loss(p):
        h, _, c = jax.checkpoint(block, policy=policy)(p["a"], p["b"], p["c"])
        return h.sum() + c.sum()

    assert _checked(loss) == ["b", "c", "d"]


def _mystery_primitive():
    from jax.extend.core import Primitive

    prim = Primitive("mystery_call")
    prim.def_abstract_eval(lambda x, y, *, body: x)
    return prim


def test_unknown_structured_primitive_is_conservative_and_named_once(caplog):
    prim = _mystery_primitive()
    body = jax.make_jaxpr(lambda x, y: x)(jnp.ones(4), jnp.ones(4))

    def loss(p):
        return prim.bind(p["a"], p["b"], body=body).sum() + prim.bind(p["c"], p["c"], body=body)

    with caplog.at_level(logging.INFO, logger="jaxoptim"):
        assert _names(find_unused_params(loss, RANDOM)) == ["d"]
        assert caplog.records == []
        assert _names(find_unused_params(loss, RANDOM, verbose=True)) == ["d"]
        assert _names(log_unused_params(loss, RANDOM)) == ["d"]
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.WARNING,
            "find_unused_params treated `mystery_call` conservatively (every floating-point "
            "input reaches every output, ref and effect): parameters reaching only it count as "
            "used",
        )
    ] * 2 + [(logging.ERROR, "d with shape (4,) is not in the computational graph")]


def test_unknown_primitive_writing_into_a_ref_is_conservative():
    from jax.extend.core import Primitive

    poke = Primitive("poke")
    poke.multiple_results = True
    poke.def_abstract_eval(lambda ref, x: [])

    def loss(p):
        r = jax.new_ref(jnp.zeros(4))
        poke.bind(r, p["a"])  # may write a into r
        s = jax.new_ref(jnp.zeros(4))
        poke.bind(s, p["b"])  # s is never read
        return r[...].sum()

    walker = rules_mod.Walker()
    closed = jax.make_jaxpr(loss)(RANDOM)
    assert walker.live_inputs(closed.jaxpr, [True])[0] == [True, False, False, False]
    assert walker.conservative == {"poke"}
