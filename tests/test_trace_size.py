"""The traced update's size: per-update scalar work is done once, not once per leaf.

Compile time grows with the number of operations XLA sees. torch's algorithms compute a few
scalars per step (bias corrections, ``1 - beta``, ``-lr``, ``lr * weight_decay``); written per leaf
they would be traced once per leaf. These tests count jaxpr equations, which is deterministic
(no timing): the scalar equations of an update must not grow with the number of leaves, and a
whole SGD / AdamW update must be no larger than optax's hand-written equivalent.
"""

import jax
import jax.extend
import jax.numpy as jnp
import optax
import pytest

from jaxoptim import make_optimizer
from jaxoptim.optimizers import BUILTIN

HYPER = {
    "SGD": dict(lr=0.1, momentum=0.9, weight_decay=1e-4),
    "Adam": dict(weight_decay=1e-4),
    "AdamW": dict(),
    "Adamax": dict(weight_decay=1e-4),
    "NAdam": dict(weight_decay=1e-4),
    "RAdam": dict(weight_decay=1e-4, decoupled_weight_decay=True),
    "Adagrad": dict(lr_decay=1e-3, weight_decay=1e-4),
    "Adadelta": dict(weight_decay=1e-4),
    "RMSprop": dict(momentum=0.9, centered=True, weight_decay=1e-4),
    "Rprop": dict(),
    "ASGD": dict(weight_decay=1e-4),
    "Adafactor": dict(),
    "Muon": dict(),
    "Lion": dict(weight_decay=1e-2),
    "LAMB": dict(weight_decay=1e-2),
    "Lamb": dict(weight_decay=1e-2, max_grad_norm=1.0),
    "LARS": dict(weight_decay=1e-4),
}


def _params(n_leaves: int) -> dict:
    return {f"layer{i}": jnp.full((4, 3), 0.5 + i, jnp.float32) for i in range(n_leaves)}


def _jaxpr(tx, params):
    state = tx.init(params)

    def step(grads, state, params):
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    return jax.make_jaxpr(step)(params, state, params).jaxpr, state


def _hyper_only_eqns(tx, params) -> int:
    """Equations computing a scalar from the step count and live hyperparameters alone.

    Inputs that belong to a leaf (gradients, parameters, per-leaf optimizer state, and
    everything computed from them) are "leafy"; the count is of equations with a scalar result
    and no leafy input: the work that is the same for every leaf.
    """
    jaxpr, state = _jaxpr(tx, params)
    n_grads = len(jax.tree_util.tree_leaves(params))
    # per-leaf state: torch's per-leaf tuples (`.leaves`), and any buffer shaped like a leaf
    # (accumulators); the test's params are 2-D, live hyperparameter vectors 1-D
    per_leaf_state = [
        "leaves" in jax.tree_util.keystr(path) or jnp.ndim(x) >= 2
        for path, x in jax.tree_util.tree_flatten_with_path(state)[0]
    ]
    leafy_inputs = [True] * n_grads + per_leaf_state + [True] * n_grads
    leafy = {v for v, is_leafy in zip(jaxpr.invars, leafy_inputs) if is_leafy}
    count = 0
    for eqn in jaxpr.eqns:
        ins = [v for v in eqn.invars if not isinstance(v, jax.extend.core.Literal)]
        if any(v in leafy for v in ins):
            leafy.update(eqn.outvars)
        elif all(v.aval.shape == () for v in eqn.outvars):
            count += 1
    return count


def test_every_builtin_is_covered():
    assert sorted(HYPER) == sorted(d.name for d in BUILTIN)


@pytest.mark.parametrize("name", sorted(HYPER))
@pytest.mark.parametrize("scheduled", [False, True], ids=["fixed", "scheduled"])
def test_scalar_work_does_not_grow_with_leaves(name, scheduled):
    cfg = dict(optimizer=dict(type=name, **HYPER[name]))
    if scheduled:  # a live lr that changes every step; momentum too where the optimizer has one
        cfg["lr_config"] = dict(policy="CosineAnnealing", min_lr=0.0, by_epoch=False)
        cfg["runner"] = dict(max_iters=100)
    counts = {n: _hyper_only_eqns(make_optimizer(cfg), _params(n)) for n in (3, 12)}
    assert counts[3] == counts[12], counts


@pytest.mark.parametrize(
    "name, reference",
    [
        (
            "SGD",
            optax.chain(optax.add_decayed_weights(1e-4), optax.sgd(0.1, momentum=0.9)),
        ),
        ("AdamW", optax.adamw(1e-3, weight_decay=1e-2)),
    ],
)
def test_update_is_no_larger_than_optax(name, reference):
    n_leaves = 40
    params = _params(n_leaves)
    ours = len(_jaxpr(make_optimizer(dict(type=name, **HYPER[name])), params)[0].eqns)
    theirs = len(_jaxpr(reference, params)[0].eqns)
    # a constant few more (reading the live lr / momentum), never one more per leaf
    assert ours - theirs < n_leaves, (ours, theirs)


def test_full_chain_scalar_work_does_not_grow_with_leaves():
    # paramwise groups, clipping, dynamic loss scaling, accumulation and schedules together
    cfg = dict(
        optimizer=dict(
            type="AdamW",
            lr=1e-3,
            weight_decay=0.05,
            paramwise_cfg=dict(custom_keys={"layer1": dict(lr_mult=0.1, decay_mult=0.0)}),
        ),
        optimizer_config=dict(grad_clip=dict(max_norm=1.0), cumulative_iters=2),
        fp16=dict(loss_scale="dynamic"),
        lr_config=dict(policy="step", step=[5], warmup="linear", warmup_iters=3, by_epoch=False),
        momentum_config=dict(policy="CosineAnnealing", min_momentum_ratio=0.9, by_epoch=False),
        runner=dict(max_iters=10),
    )
    counts = {n: _hyper_only_eqns(make_optimizer(cfg), _params(n)) for n in (3, 12)}
    assert counts[3] == counts[12], counts


def test_optax_by_name_is_no_larger_than_optax_itself():
    # only the lr is live in a user optimizer's instances: b1, b2, eps (given or defaulted)
    # stay Python numbers, so `1 - b1` folds instead of costing an op per leaf
    n_leaves = 40
    params = _params(n_leaves)
    for name, lr, reference in (
        ("optax.adamw", 1e-3, optax.adamw(1e-3, weight_decay=1e-2)),
        ("optax.lion", 1e-4, optax.lion(1e-4, weight_decay=1e-2)),
    ):
        cfg = dict(type=name, learning_rate=lr, weight_decay=1e-2)
        ours = len(_jaxpr(make_optimizer(cfg), params)[0].eqns)
        theirs = len(_jaxpr(reference, params)[0].eqns)
        assert ours - theirs < n_leaves, (name, ours, theirs)


def _distinct_fusions(tx, params) -> int:
    """Distinct fused computations XLA compiles for one jitted update (one kernel each)."""
    import re

    state = tx.init(params)
    hlo = jax.jit(tx.update).lower(params, state, params).compile().as_text()
    entry = hlo[hlo.find("\nENTRY") :]
    bodies = {}
    for m in re.finditer(r"^(%[\w.\-]+) \([^\n]*\{\n(.*?)\n\}$", hlo, re.M | re.S):
        body = re.sub(r", metadata=\{[^}]*\}", "", m.group(2))
        bodies[m.group(1)] = re.sub(r"%[\w.\-]+", "%x", body)
    return len({bodies[c] for c in re.findall(r" fusion\(.*?calls=(%[\w.\-]+)", entry)})


@pytest.mark.parametrize(
    "opt",
    [
        dict(type="AdamW", lr=1e-3, weight_decay=0.05),
        dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4),
    ],
)
def test_a_leaf_fused_update_does_not_depend_on_its_group(opt):
    """Issue 17: one (lr, weight decay) group per leaf compiles no more kernels than one group.

    XLA:CPU compiles one kernel per distinct fused computation. A constant group index or a
    static per-group weight decay inside each leaf's fusion made every leaf's kernel unique
    (161 for a ResNet-50); with the live vectors indexed at run time they coincide.
    """
    params = _params(12)
    keys = {n: dict(lr_mult=1 + i / 10, decay_mult=1 + i / 5) for i, n in enumerate(params)}
    one = _distinct_fusions(make_optimizer(dict(opt)), params)
    many = _distinct_fusions(
        make_optimizer(dict(opt, paramwise_cfg=dict(custom_keys=keys))), params
    )
    assert many <= one + 2, (many, one)  # + the group-vector gathers, not + 12 leaves


def _shapes_tree(per_shape: int) -> dict:
    shapes = [(64,), (16, 8), (3, 3, 4, 8)]
    return {
        f"s{i}_{j}": jnp.full(shape, 0.5 + j, jnp.float32)
        for i, shape in enumerate(shapes)
        for j in range(per_shape)
    }


@pytest.mark.parametrize(
    "opt",
    [
        dict(type="Adam", lr=1e-3, weight_decay=1e-4),
        dict(type="AdamW", lr=1e-3, weight_decay=0.05),
        dict(type="AdamW", lr=1e-3, weight_decay=0.05, amsgrad=True),
    ],
)
def test_leaves_of_one_shape_share_one_adam_kernel(opt):
    """Issue 17: more leaves of the same shapes add no kernels (at most one, the first leaf's).

    XLA rewrote Adam's ``sqrt(v) / sqrt(bias_correction2)`` into a multiply by a shared
    reciprocal, which entered the first leaf of every shape in another operand position: one
    extra kernel per distinct shape (18 on ResNet-50, where optax.adamw compiles none).
    """
    one = _distinct_fusions(make_optimizer(dict(opt)), _shapes_tree(1))
    three = _distinct_fusions(make_optimizer(dict(opt)), _shapes_tree(3))
    assert three <= one + 1, (three, one)
