"""Every built-in optimizer against its oracle: torch.optim (CPU, single-tensor) or optax.

Each case feeds the same random float32 gradients to the oracle and to the jitted jaxoptim
update for 25 steps over a small tree (a matrix, a 4-d kernel, a 1-element leaf and a scalar,
with gradients of different magnitudes) and compares the parameters after every step.
"""

from __future__ import annotations

import inspect
import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch

from jaxoptim import optimizers as O
from jaxoptim.optimizer_base import LeafGroup, ParamGroups

STEPS = 25
IMPL_FLAGS = ("foreach", "fused", "capturable", "differentiable")
RTOL, ATOL = 5e-5, 1e-6
SHAPES = {"conv": {"kernel": (2, 3, 2, 2)}, "one": (1,), "s": (), "w": (3, 5)}


# Gradient scales per leaf, so that eps matters for some leaves and not for others.
GRAD_SCALES = {"conv": {"kernel": 1.0}, "one": 1e-3, "s": 10.0, "w": 0.1}
# Muon orthogonalizes matrices only: a wide, a tall and a 1x1 one.
SHAPES_2D = {"conv": {"kernel": (3, 5)}, "one": (1, 1), "s": (6, 4)}


def _is_shape(x):
    return isinstance(x, tuple)


def _tree(rng: np.random.Generator, shapes, scales=None):
    return jax.tree_util.tree_map(
        lambda shape, scale: (scale * rng.standard_normal(shape)).astype(np.float32),
        shapes,
        scales or jax.tree_util.tree_map(lambda _: 1.0, shapes, is_leaf=_is_shape),
        is_leaf=_is_shape,
    )


def _problem(seed: int, name: str = ""):
    """Initial params and STEPS gradient trees (numpy float32)."""
    rng = np.random.default_rng(seed)
    shapes = SHAPES_2D if name == "Muon" else SHAPES
    scales = None if name == "Muon" else GRAD_SCALES
    return _tree(rng, shapes), [_tree(rng, shapes, scales) for _ in range(STEPS)]


def _u(rng, lo, hi):
    return float(rng.uniform(lo, hi))


def _logu(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _betas(rng):
    return (_u(rng, 0.0, 0.95), _u(rng, 0.9, 0.9999))


# Per type: flag settings (each becomes one case; together they cover every flag) and a sampler
# for the continuous hyperparameters.
CASES = {
    "SGD": (
        [
            dict(momentum=0.0),
            dict(nesterov=True),
            dict(dampening=0.3, maximize=True),
            dict(weight_decay=0.0, maximize=False),
        ],
        lambda r: dict(
            lr=_logu(r, 1e-3, 1e-1), momentum=_u(r, 0.5, 0.99), weight_decay=_logu(r, 1e-5, 1e-1)
        ),
    ),
    "Adam": (
        [
            dict(),
            dict(amsgrad=True),
            dict(maximize=True, decoupled_weight_decay=True),
            dict(amsgrad=True, decoupled_weight_decay=True, weight_decay=0.0),
        ],
        lambda r: dict(
            lr=_logu(r, 1e-4, 1e-1),
            betas=_betas(r),
            eps=_logu(r, 1e-8, 1e-2),
            weight_decay=_logu(r, 1e-5, 1e-1),
        ),
    ),
    "AdamW": (
        [dict(), dict(amsgrad=True), dict(maximize=True)],
        lambda r: dict(
            lr=_logu(r, 1e-4, 1e-1),
            betas=_betas(r),
            eps=_logu(r, 1e-8, 1e-2),
            weight_decay=_logu(r, 1e-4, 1.0),
        ),
    ),
    "Adamax": (
        [dict(), dict(maximize=True), dict(weight_decay=0.0)],
        lambda r: dict(
            lr=_logu(r, 1e-4, 1e-1),
            betas=_betas(r),
            eps=_logu(r, 1e-8, 1e-2),
            weight_decay=_logu(r, 1e-5, 1e-1),
        ),
    ),
    "NAdam": (
        [dict(), dict(decoupled_weight_decay=True), dict(maximize=True, weight_decay=0.0)],
        lambda r: dict(
            lr=_logu(r, 1e-4, 1e-1),
            betas=_betas(r),
            eps=_logu(r, 1e-8, 1e-2),
            weight_decay=_logu(r, 1e-5, 1e-1),
            momentum_decay=_logu(r, 1e-3, 1e-1),
        ),
    ),
    "RAdam": (
        [
            dict(),
            dict(decoupled_weight_decay=True),
            dict(maximize=True, betas=(0.9, 0.5)),
            dict(betas=(0.8, 0.99)),
        ],
        lambda r: dict(
            lr=_logu(r, 1e-4, 1e-1),
            betas=_betas(r),
            eps=_logu(r, 1e-8, 1e-2),
            weight_decay=_logu(r, 1e-5, 1e-1),
        ),
    ),
    "Adagrad": (
        [dict(), dict(maximize=True), dict(lr_decay=0.0, initial_accumulator_value=0.0)],
        lambda r: dict(
            lr=_logu(r, 1e-3, 1e-1),
            lr_decay=_logu(r, 1e-3, 1e-1),
            weight_decay=_logu(r, 1e-5, 1e-1),
            initial_accumulator_value=_u(r, 0.0, 1.0),
            eps=_logu(r, 1e-10, 1e-3),
        ),
    ),
    "Adadelta": (
        [dict(), dict(maximize=True), dict(rho=0.0), dict(rho=1.0, weight_decay=0.0)],
        lambda r: dict(
            lr=_logu(r, 1e-2, 1.0),
            rho=_u(r, 0.5, 0.99),
            eps=_logu(r, 1e-8, 1e-3),
            weight_decay=_logu(r, 1e-5, 1e-1),
        ),
    ),
    "RMSprop": (
        [
            dict(),
            dict(centered=True),
            dict(momentum=0.0, maximize=True),
            dict(momentum=0.0, centered=True, weight_decay=0.0),
        ],
        lambda r: dict(
            lr=_logu(r, 1e-4, 1e-2),
            alpha=_u(r, 0.8, 0.999),
            eps=_logu(r, 1e-8, 1e-2),
            weight_decay=_logu(r, 1e-5, 1e-1),
            momentum=_u(r, 0.1, 0.95),
        ),
    ),
    "Rprop": (
        [dict(), dict(maximize=True), dict(step_sizes=(1e-3, 0.05))],
        lambda r: dict(
            lr=_logu(r, 1e-3, 1e-1),
            etas=(_u(r, 0.2, 0.9), _u(r, 1.05, 2.0)),
            step_sizes=(_logu(r, 1e-7, 1e-4), _u(r, 1.0, 50.0)),
        ),
    ),
    "ASGD": (
        [dict(), dict(maximize=True), dict(t0=5.0), dict(t0=0.0, weight_decay=0.0)],
        lambda r: dict(
            lr=_logu(r, 1e-3, 1e-1),
            lambd=_logu(r, 1e-5, 1e-1),
            alpha=_u(r, 0.5, 1.0),
            t0=1e6,
            weight_decay=_logu(r, 1e-5, 1e-1),
        ),
    ),
    "Adafactor": (
        [dict(), dict(maximize=True), dict(eps=(1e-4, 1e-3), weight_decay=0.0), dict(d=1.0)],
        lambda r: dict(
            lr=_logu(r, 1e-3, 1e-1),
            beta2_decay=_u(r, -1.0, -0.3),
            eps=(None, _logu(r, 1e-4, 1e-2)),
            d=_u(r, 1.0, 3.0),
            weight_decay=_logu(r, 1e-5, 1e-1),
        ),
    ),
    "Muon": (
        [
            dict(),
            dict(nesterov=False, adjust_lr_fn="match_rms_adamw"),
            dict(adjust_lr_fn="original", weight_decay=0.0, ns_steps=3),
        ],
        lambda r: dict(
            lr=_logu(r, 1e-3, 5e-2),
            momentum=_u(r, 0.5, 0.99),
            weight_decay=_logu(r, 1e-3, 0.2),
            eps=_logu(r, 1e-8, 1e-6),
        ),
    ),
}

TORCH_CASES = [
    pytest.param(name, i, id=f"{name}-{i}")
    for name, (flags, _) in CASES.items()
    for i in range(len(flags))
]


def _kwargs(name: str, index: int) -> dict:
    flags, sample = CASES[name]
    rng = np.random.default_rng(1000 * index + sum(map(ord, name)))
    return {**sample(rng), **flags[index]}


def _defn(name: str):
    return getattr(O, name)


def _torch_run(name, kwargs, params, grads, groups=None, schedule=None):
    """torch's parameters after each step, as a list of numpy leaf lists."""
    leaves = [torch.tensor(x) for x in jax.tree_util.tree_leaves(params)]
    tensors = [torch.nn.Parameter(x.clone()) for x in leaves]
    cls = getattr(torch.optim, name)
    extra = {"foreach": False} if "foreach" in inspect.signature(cls).parameters else {}
    spec = (
        tensors
        if groups is None
        else [{"params": [tensors[i] for i in idx], **over} for idx, over in groups]
    )
    opt = cls(spec, **kwargs, **extra)
    history = []
    for step, g in enumerate(grads):
        if schedule is not None:
            lr, momentum = schedule[step]
            for group in opt.param_groups:
                group["lr"] = lr
                if "betas" in group:
                    group["betas"] = (momentum, group["betas"][1])
                elif "momentum" in group:
                    group["momentum"] = momentum
        for t, gi in zip(tensors, jax.tree_util.tree_leaves(g)):
            t.grad = torch.tensor(gi)
        opt.step()
        history.append([t.detach().numpy().copy() for t in tensors])
    return history


def _jax_run(tx, params, grads, schedule=None):
    """jaxoptim's parameters after each step; returns (history, final state, trace count)."""
    traces = []

    @jax.jit
    def step(p, s, g, hyper):
        traces.append(1)
        kw = {} if hyper is None else {"hyperparams": hyper}
        updates, s = tx.update(g, s, p, **kw)
        return optax.apply_updates(p, updates), s

    p = jax.tree_util.tree_map(jnp.asarray, params)
    s = jax.jit(tx.init)(p)
    history = []
    for i, g in enumerate(grads):
        hyper = None
        if schedule is not None:
            lr, momentum = schedule[i]
            hyper = {
                "lr": jnp.asarray([lr], jnp.float32),
                "momentum": jnp.asarray([momentum], jnp.float32),
            }
        p, s = step(p, s, g, hyper)
        history.append([np.asarray(x) for x in jax.tree_util.tree_leaves(p)])
    return history, s, len(traces)


def _assert_histories(got, want, params):
    """Parameters agree after every step, and so does the total displacement at the end.

    The second check keeps a small-lr case honest: a 1% error in a 1e-3 displacement hides
    inside rtol=5e-5 of an O(1) parameter, but not inside 0.1% of the displacement (plus the
    float32 rounding of 25 parameter additions).
    """
    p0s = jax.tree_util.tree_leaves(params)
    for step, (g_leaves, w_leaves) in enumerate(zip(got, want)):
        for i, (g, w) in enumerate(zip(g_leaves, w_leaves)):
            np.testing.assert_allclose(
                g, w, rtol=RTOL, atol=ATOL, err_msg=f"step {step + 1}, leaf {i}"
            )
    for i, (g, w, p0) in enumerate(zip(got[-1], want[-1], p0s)):
        moved = w - p0
        tol = 1e-3 * np.abs(moved).max() + STEPS * np.finfo(np.float32).eps * np.abs(w).max()
        assert np.abs((g - p0) - moved).max() <= tol, f"leaf {i}: displacement differs"


@pytest.mark.parametrize("name,index", TORCH_CASES)
def test_matches_torch(name, index):
    kwargs = _kwargs(name, index)
    params, grads = _problem(index, name)
    want = _torch_run(name, kwargs, params, grads)
    got, _, n_traces = _jax_run(_defn(name)(**kwargs), params, grads)
    _assert_histories(got, want, params)
    assert n_traces == 1


def test_every_flag_is_covered():
    """Each boolean hyperparameter of each torch type is exercised both ways."""
    for name, (flags, _) in CASES.items():
        defaults = _defn(name).defaults
        bools = [k for k, v in defaults.items() if isinstance(v, bool) and k not in IMPL_FLAGS]
        for key in bools:
            seen = {_defn(name).hyperparams(**_kwargs(name, i))[key] for i in range(len(flags))}
            assert seen == {True, False}, (name, key, seen)


# Leaves in tree order: conv.kernel, one, s, w. Group 1 holds conv.kernel and s.
_GROUP1 = (0, 2)


def _two_groups(kwargs, lr1, wd1, momenta):
    """Group 0 is the optimizer's own settings; group 1 has its own lr, wd and momentum."""

    def groups(tree):
        leaves = []
        for i in range(len(jax.tree_util.tree_leaves(tree))):
            if i in _GROUP1:
                overrides = (("weight_decay", wd1),) if wd1 is not None else ()
                index = len(momenta) - 1 if momenta else 0
                leaves.append(LeafGroup(lr_index=1, momentum_index=index, overrides=overrides))
            else:
                leaves.append(LeafGroup())
        return ParamGroups(leaves=tuple(leaves), lr=(kwargs["lr"], lr1), momentum=momenta)

    return groups


@pytest.mark.parametrize("name", list(CASES))
def test_two_param_groups_match_torch(name):
    defn = _defn(name)
    kwargs = _kwargs(name, 1)
    has_wd = "weight_decay" in defn.defaults
    if has_wd:
        kwargs["weight_decay"] = 0.01
    lr1, wd1 = 3.0 * kwargs["lr"], (0.2 if has_wd else None)
    group1 = {"lr": lr1, **({"weight_decay": wd1} if has_wd else {})}
    momenta = ()
    m0 = defn.momentum_of(defn.hyperparams(**kwargs))
    if m0:  # a second momentum value, driven through `momentum_index`
        m1 = 0.5 * m0
        momenta = (m0, m1)
        if defn.momentum_key == "betas":
            group1["betas"] = (m1, kwargs["betas"][1])
        else:
            group1["momentum"] = m1
    elif m0 is not None:
        momenta = (m0,)
    params, grads = _problem(7, name)
    torch_groups = [
        ([i for i in range(len(jax.tree_util.tree_leaves(params))) if i not in _GROUP1], {}),
        (list(_GROUP1), group1),
    ]
    want = _torch_run(name, kwargs, params, grads, groups=torch_groups)
    tx = defn(groups=_two_groups(kwargs, lr1, wd1, momenta), **kwargs)
    got, _, _ = _jax_run(tx, params, grads)
    _assert_histories(got, want, params)


SCHEDULED = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": dict(lr=1e-2, amsgrad=True),
    "AdamW": dict(lr=1e-2, weight_decay=0.1),
    "Adamax": dict(lr=1e-2),
    "NAdam": dict(lr=1e-2),
    "RAdam": dict(lr=1e-2, betas=(0.9, 0.99)),
    "RMSprop": dict(lr=1e-3, momentum=0.9, centered=True),
    "Rprop": dict(lr=1e-2),
    "ASGD": dict(lr=1e-2, lambd=1e-2),
    "Adagrad": dict(lr=1e-2, lr_decay=0.01),
    "Adadelta": dict(lr=0.5),
    "Adafactor": dict(lr=1e-2, weight_decay=0.1),
    "Muon": dict(lr=1e-2),
}


@pytest.mark.parametrize("name", list(SCHEDULED))
def test_live_hyperparams_match_torch_without_recompiling(name):
    """lr and momentum change every step through `hyperparams=`: one trace, torch's values."""
    kwargs = SCHEDULED[name]
    params, grads = _problem(3, name)
    has_momentum = _defn(name).momentum_key is not None
    schedule = [
        (kwargs["lr"] * (1.0 + 0.5 * np.sin(i)), 0.85 + 0.1 * np.cos(i) if has_momentum else 0.0)
        for i in range(STEPS)
    ]
    want = _torch_run(name, kwargs, params, grads, schedule=schedule)
    got, state, n_traces = _jax_run(_defn(name)(**kwargs), params, grads, schedule=schedule)
    assert n_traces == 1
    _assert_histories(got, want, params)
    np.testing.assert_allclose(state.hyperparams["lr"], [schedule[-1][0]], rtol=1e-6)


@pytest.mark.parametrize("defn", [O.SGD, O.Adam, O.ASGD, O.Adafactor, O.LARS], ids=lambda d: d.name)
def test_frozen_leaf_gets_zero_update_and_no_state(defn):
    def groups(tree):
        n = len(jax.tree_util.tree_leaves(tree))
        leaves = tuple(LeafGroup(frozen=(i == 0)) for i in range(n))
        momentum = defn.momentum_of(defn.hyperparams())
        return ParamGroups(leaves, lr=(0.1,), momentum=() if momentum is None else (momentum,))

    params, grads = _problem(5)
    tx = defn(groups=groups, lr=0.1, **({"momentum": 0.9} if defn is O.SGD else {}))
    state = jax.jit(tx.init)(params)
    kernel_state = state.leaves["conv"]["kernel"]
    assert isinstance(kernel_state, optax.MaskedNode)
    update = jax.jit(tx.update)
    for g in grads[:3]:
        updates, state = update(g, state, params)
        params = optax.apply_updates(params, updates)
        np.testing.assert_array_equal(updates["conv"]["kernel"], 0.0)
        assert np.abs(np.asarray(updates["w"])).max() > 0
    assert isinstance(state.leaves["conv"]["kernel"], optax.MaskedNode)


@pytest.mark.parametrize("defn", O.BUILTIN, ids=lambda d: d.name)
def test_zero_gradients_in_low_precision_give_no_nan(defn):
    """optax PR #1755: eps=1e-8 underflows in fp16 and 0/0 gives NaN; state stays float32."""
    rng = np.random.default_rng(6)
    params = {
        "w": jnp.asarray(rng.standard_normal((3, 5)), jnp.float16),
        "m": jnp.asarray(rng.standard_normal((2, 4)), jnp.bfloat16),
        "v": jnp.asarray(rng.standard_normal((4,)), jnp.float16),
    }
    if defn is O.Muon:
        del params["v"]
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    tx = defn()
    state = jax.jit(tx.init)(params)
    for leaf in jax.tree_util.tree_leaves(state.leaves):
        assert leaf.dtype == jnp.float32
    update = jax.jit(tx.update)
    for _ in range(2):
        updates, state = update(zeros, state, params)
        for u, p in zip(jax.tree_util.tree_leaves(updates), jax.tree_util.tree_leaves(params)):
            assert u.dtype == p.dtype
            assert np.isfinite(np.asarray(u, np.float32)).all()
        params = optax.apply_updates(params, updates)
    for x in jax.tree_util.tree_leaves(state):
        assert np.isfinite(np.asarray(x, np.float32)).all()
    if defn.name == "Adam":
        for u in jax.tree_util.tree_leaves(updates):
            np.testing.assert_array_equal(np.asarray(u, np.float32), 0.0)


# ---------------------------------------------------------------------------------------------
# Lion and LAMB against optax itself

OPTAX_CASES = [
    ("Lion", dict(lr=1e-3, betas=(0.9, 0.99), weight_decay=0.0)),
    ("Lion", dict(lr=3e-4, betas=(0.95, 0.98), weight_decay=0.1)),
    ("LAMB", dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0)),
    ("LAMB", dict(lr=3e-3, betas=(0.8, 0.99), eps=1e-8, eps_root=1e-10, weight_decay=0.05)),
]


def _optax_oracle(name, kw):
    if name == "Lion":
        b1, b2 = kw["betas"]
        return optax.lion(kw["lr"], b1=b1, b2=b2, weight_decay=kw["weight_decay"])
    if name == "LAMB":
        b1, b2 = kw["betas"]
        return optax.lamb(
            kw["lr"],
            b1=b1,
            b2=b2,
            eps=kw["eps"],
            eps_root=kw.get("eps_root", 0.0),
            weight_decay=kw["weight_decay"],
        )
    raise ValueError(name)


@pytest.mark.parametrize(
    "name,kwargs", OPTAX_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTAX_CASES)]
)
def test_matches_optax(name, kwargs):
    params, grads = _problem(11)
    want, _, _ = _jax_run(_optax_oracle(name, kwargs), params, grads)
    got, _, n_traces = _jax_run(_defn(name)(**kwargs), params, grads)
    assert n_traces == 1
    _assert_histories(got, want, params)


# ---------------------------------------------------------------------------------------------
# LARS against mmpretrain's (mmpretrain.engine.optimizers.LARS, restated in torch: mmpretrain
# is not a test dependency)


class _MmpretrainLARS(torch.optim.Optimizer):
    """mmpretrain's LARS step, restated: the local lr from the raw gradient's norm, computed in
    Python floats (``.item()``), coupled decay, SGD's momentum buffer."""

    def __init__(
        self,
        params,
        lr,
        momentum=0.0,
        weight_decay=0.0,
        dampening=0.0,
        eta=1e-3,
        nesterov=False,
        eps=1e-8,
    ):
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                weight_decay=weight_decay,
                dampening=dampening,
                eta=eta,
                nesterov=nesterov,
            ),
        )
        self.eps = eps

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            wd, m, damp = group["weight_decay"], group["momentum"], group["dampening"]
            for p in group["params"]:
                g = p.grad
                local = 1.0
                if not group.get("lars_exclude", False):
                    pn, gn = torch.norm(p).item(), torch.norm(g).item()
                    if pn != 0 and gn != 0:
                        local = group["eta"] * pn / (gn + wd * pn + self.eps)
                d_p = g.add(p, alpha=wd).mul(local * group["lr"])
                if m != 0:
                    state = self.state[p]
                    if "buf" not in state:
                        buf = state["buf"] = d_p.clone()
                    else:
                        buf = state["buf"]
                        buf.mul_(m).add_(d_p, alpha=1 - damp)
                    d_p = d_p.add(buf, alpha=m) if group["nesterov"] else buf
                p.add_(-d_p)


LARS_CASES = [
    dict(lr=0.1, momentum=0.9, weight_decay=1e-4),
    dict(lr=0.5, momentum=0.8, nesterov=True, eta=0.02, eps=1e-6, weight_decay=1e-3),
    dict(lr=0.2, momentum=0.0, weight_decay=1e-3, eta=0.01),
    dict(lr=0.3, momentum=0.9, dampening=0.5, weight_decay=1e-2),
]


@pytest.mark.parametrize("kwargs", LARS_CASES, ids=range(len(LARS_CASES)))
def test_lars_matches_mmpretrain(kwargs):
    """OpenMMLab configs' ``type='LARS'`` is mmpretrain's; a second group is ``lars_exclude``
    without decay (mmpretrain's SimCLR / BYOL custom keys for norms and biases)."""
    params, grads = _problem(5)
    leaves = [torch.nn.Parameter(torch.tensor(x)) for x in jax.tree_util.tree_leaves(params)]
    excluded = {0, 2}  # conv.kernel and `s` (tree order: conv.kernel, one, s, w)
    groups = [
        {"params": [t for i, t in enumerate(leaves) if i not in excluded]},
        {
            "params": [leaves[i] for i in sorted(excluded)],
            "lars_exclude": True,
            "weight_decay": 0.0,
        },
    ]
    opt = _MmpretrainLARS(groups, **kwargs)
    want = []
    for g in grads:
        for t, gi in zip(leaves, jax.tree_util.tree_leaves(g)):
            t.grad = torch.tensor(gi)
        opt.step()
        want.append([t.detach().numpy().copy() for t in leaves])
    n = len(leaves)
    table = ParamGroups(
        leaves=tuple(
            LeafGroup(overrides=(("lars_exclude", True), ("weight_decay", 0.0)))
            if i in excluded
            else LeafGroup()
            for i in range(n)
        ),
        lr=(kwargs["lr"],),
        momentum=(kwargs["momentum"],),
    )
    got, _, n_traces = _jax_run(O.LARS(groups=lambda tree: table, **kwargs), params, grads)
    assert n_traces == 1
    _assert_histories(got, want, params)


# ---------------------------------------------------------------------------------------------
# Lamb against mmpretrain's (mmpretrain.engine.optimizers.Lamb, timm's; mmcls 0.x's is the same
# algorithm), restated in torch: mmpretrain is not a test dependency

LAMB_STEPS = 40
LAMB_RTOL = 1e-5


class _MmpretrainLamb(torch.optim.Optimizer):
    """mmpretrain's Lamb step, restated: one global gradient norm over every parameter with a
    gradient (all groups), the gradients divided by ``norm / max_grad_norm`` above it (the
    optimizer's ``max_grad_norm``, not a group's), Adam moments, ``weight_decay * p`` and the
    trust ratio where the group decays (or ``always_adapt``). ``deltas`` holds each parameter's
    last step, ``-lr * update``, so steps far below the parameters' float32 spacing compare."""

    def __init__(
        self,
        params,
        lr=1e-3,
        bias_correction=True,
        betas=(0.9, 0.999),
        eps=1e-6,
        weight_decay=0.01,
        grad_averaging=True,
        max_grad_norm=1.0,
        trust_clip=False,
        always_adapt=False,
    ):
        super().__init__(
            params,
            dict(
                lr=lr,
                bias_correction=bias_correction,
                betas=betas,
                eps=eps,
                weight_decay=weight_decay,
                grad_averaging=grad_averaging,
                max_grad_norm=max_grad_norm,
                trust_clip=trust_clip,
                always_adapt=always_adapt,
            ),
        )
        self.deltas: dict = {}
        self.divisors: list[float] = []

    @torch.no_grad()
    def step(self):
        total = torch.zeros(())  # mmpretrain's is shape [1], which a 0-d gradient cannot take
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    total.add_(p.grad.pow(2).sum())
        norm = torch.sqrt(total)
        limit = torch.tensor(self.defaults["max_grad_norm"])
        divisor = torch.where(norm > limit, norm / limit, torch.tensor(1.0))
        self.divisors.append(float(divisor))
        for group in self.param_groups:
            group["step"] = group.get("step", 0) + 1
            beta1, beta2 = group["betas"]
            beta3 = 1 - beta1 if group["grad_averaging"] else 1.0
            bc1, bc2 = 1.0, 1.0
            if group["bias_correction"]:
                bc1, bc2 = 1 - beta1 ** group["step"], 1 - beta2 ** group["step"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad / divisor
                state = self.state[p]
                if not state:
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(grad, alpha=beta3)
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                update = (m / bc1) / (v.sqrt() / math.sqrt(bc2) + group["eps"])
                wd = group["weight_decay"]
                if wd != 0:
                    update.add_(p, alpha=wd)
                if wd != 0 or group["always_adapt"]:
                    w_norm, u_norm = p.norm(2.0), update.norm(2.0)
                    one = torch.tensor(1.0)
                    ratio = torch.where(
                        w_norm > 0, torch.where(u_norm > 0, w_norm / u_norm, one), one
                    )
                    if group["trust_clip"]:
                        ratio = torch.minimum(ratio, one)
                    update.mul_(ratio)
                self.deltas[p] = (-group["lr"] * update).numpy().copy()
                p.add_(update, alpha=-group["lr"])


def _lamb_problem(seed: int):
    """As :func:`_problem`, each step's gradients scaled by a factor in [0.2, 5]: the global norm
    moves across ``max_grad_norm`` and the clip changes how the steps weigh in the moments."""
    rng = np.random.default_rng(seed)
    params = _tree(rng, SHAPES)
    grads = []
    for _ in range(LAMB_STEPS):
        factor = np.float32(np.exp(rng.uniform(-1.6, 1.6)))
        grads.append(
            jax.tree_util.tree_map(lambda g, f=factor: f * g, _tree(rng, SHAPES, GRAD_SCALES))
        )
    return params, grads


def _assert_steps_close(got, want, what):
    """Each leaf's step within ``LAMB_RTOL`` (and 1e-6 of the leaf's largest entry)."""
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        g, w = np.asarray(g, np.float64), np.asarray(w, np.float64)
        atol = 1e-6 * np.abs(w).max()
        np.testing.assert_allclose(g, w, rtol=LAMB_RTOL, atol=atol, err_msg=f"{what}, leaf {i}")


# Leaves in tree order: conv.kernel, one, s, w. Group 1 (conv.kernel and s) has no weight decay
# (mmpretrain: no trust ratio unless always_adapt), 3x the lr and its own beta1.
# Lamb's step hardly depends on the gradients' scale but through eps (and how the steps weigh
# in the moments): the cases with a large eps check the clip divisor closely.
LAMB_CASES = [
    dict(lr=1e-2, weight_decay=0.05, max_grad_norm=0.5),  # every step clipped
    dict(lr=1e-2, weight_decay=0.05, max_grad_norm=0.5, eps=0.05),
    dict(lr=2e-2, weight_decay=0.1, max_grad_norm=1e3, eps=1e-3),  # none clipped
    dict(lr=1e-2, weight_decay=0.02, max_grad_norm=11.0, always_adapt=True, eps=0.01),  # some
    dict(lr=5e-2, betas=(0.8, 0.99), weight_decay=0.3, trust_clip=True, max_grad_norm=11.0),
    dict(lr=1e-3, grad_averaging=False, bias_correction=False, eps=1e-2, weight_decay=0.01),
    dict(lr=1e-2, weight_decay=0.0, always_adapt=True, trust_clip=True, grad_averaging=False),
]


def _lamb_torch_groups(leaves, kwargs, group1, frozen=()):
    # a frozen parameter stays in its group, as mmengine's constructor keeps it: no gradient
    rest = [t for i, t in enumerate(leaves) if i not in _GROUP1]
    return [{"params": rest}, {"params": [leaves[i] for i in _GROUP1], **group1}]


def _lamb_jax_groups(kwargs, group1, frozen=()):
    lrs = (kwargs["lr"], group1["lr"])
    momenta = (kwargs.get("betas", (0.9,))[0], group1["betas"][0])

    def groups(tree):
        leaves = []
        for i in range(len(jax.tree_util.tree_leaves(tree))):
            if i in _GROUP1:
                over = (("weight_decay", group1["weight_decay"]),)
                leaves.append(
                    LeafGroup(lr_index=1, momentum_index=1, overrides=over, frozen=i in frozen)
                )
            else:
                leaves.append(LeafGroup(frozen=i in frozen))
        return ParamGroups(leaves=tuple(leaves), lr=lrs, momentum=momenta)

    return groups


def _lamb_run(kwargs, group1, params, grads, frozen=(), schedule=None, static_zero_decay=True):
    """torch's and jaxoptim's steps and parameters after every step.

    ``schedule(step) -> (lr0, lr1, beta1_0, beta1_1, wd0, wd1)`` drives the live values.
    """
    from jaxoptim.optimizer_base import torch_transform

    leaves = [torch.nn.Parameter(torch.tensor(x)) for x in jax.tree_util.tree_leaves(params)]
    for i in frozen:
        leaves[i].requires_grad_(False)
    opt = _MmpretrainLamb(_lamb_torch_groups(leaves, kwargs, group1, frozen), **kwargs)
    tx = torch_transform(
        O.Lamb,
        O.Lamb.hyperparams(**kwargs),
        groups=_lamb_jax_groups(kwargs, group1, frozen),
        static_zero_decay=static_zero_decay,
    )
    traces = []

    @jax.jit
    def step(p, s, g, hyper):
        traces.append(1)
        updates, s = tx.update(g, s, p, **({} if hyper is None else {"hyperparams": hyper}))
        return optax.apply_updates(p, updates), s, updates

    p = jax.tree_util.tree_map(jnp.asarray, params)
    s = jax.jit(tx.init)(p)
    for k, g in enumerate(grads):
        hyper = None
        if schedule is not None:
            lr0, lr1, b0, b1, wd0, wd1 = schedule(k)
            for group, (lr, beta, wd) in zip(opt.param_groups, [(lr0, b0, wd0), (lr1, b1, wd1)]):
                group.update(lr=lr, betas=(beta, group["betas"][1]), weight_decay=wd)
            hyper = {
                "lr": jnp.asarray([lr0, lr1], jnp.float32),
                "momentum": jnp.asarray([b0, b1], jnp.float32),
                "weight_decay": jnp.asarray([wd0, wd1], jnp.float32),
            }
        for i, (t, gi) in enumerate(zip(leaves, jax.tree_util.tree_leaves(g))):
            t.grad = None if i in frozen else torch.tensor(gi)
        opt.step()
        p, s, updates = step(p, s, g, hyper)
        trained = [i for i in range(len(leaves)) if i not in frozen]
        got = jax.tree_util.tree_leaves(updates)
        _assert_steps_close(
            [got[i] for i in trained], [opt.deltas[leaves[i]] for i in trained], f"step {k + 1}"
        )
        for i in frozen:
            np.testing.assert_array_equal(got[i], 0.0)
        for i, (x, t) in enumerate(zip(jax.tree_util.tree_leaves(p), leaves)):
            np.testing.assert_allclose(
                x, t.detach().numpy(), rtol=LAMB_RTOL, atol=1e-7, err_msg=f"step {k + 1}: {i}"
            )
    assert len(traces) == 1
    return opt


@pytest.mark.parametrize("kwargs", LAMB_CASES, ids=range(len(LAMB_CASES)))
def test_lamb_matches_mmpretrain(kwargs):
    """``type='Lamb'`` is mmpretrain's: two groups, the second without weight decay."""
    params, grads = _lamb_problem(21)
    beta1 = kwargs.get("betas", (0.9, 0.999))[0]
    group1 = dict(lr=3 * kwargs["lr"], weight_decay=0.0, betas=(0.5 * beta1, 0.999))
    if "betas" in kwargs:
        group1["betas"] = (0.5 * beta1, kwargs["betas"][1])
    opt = _lamb_run(kwargs, group1, params, grads)
    clipped = [d > 1 for d in opt.divisors]
    limit = kwargs.get("max_grad_norm", 1.0)
    if limit == 11.0:  # the global norm crosses max_grad_norm during the run
        assert any(clipped) and not all(clipped)
    else:
        assert all(clipped) if limit <= 1 else not any(clipped)


def test_lamb_frozen_gradients_stay_out_of_the_global_norm():
    """A frozen parameter (torch: requires_grad=False, no gradient) does not count in the norm:
    here `s` (gradients ~10, the largest) is frozen, so the clip divisor is the others' alone."""
    params, grads = _lamb_problem(22)
    kwargs = dict(lr=1e-2, weight_decay=0.05, max_grad_norm=2.0, eps=0.01)
    group1 = dict(lr=3e-2, weight_decay=0.0, betas=(0.45, 0.999))
    _lamb_run(kwargs, group1, params, grads, frozen=(2,))


@pytest.mark.parametrize("always_adapt", [False, True])
def test_lamb_live_weight_decay_decides_the_trust_ratio(always_adapt):
    """With a live weight decay (a weight-decay schedule may lift a zero one), a group's trust
    ratio follows its current value, as mmpretrain's ``weight_decay != 0`` each step: group 1's
    weight decay is 0 on even steps; lr and beta1 change every step too, one trace."""

    def schedule(k):
        wd1 = 0.0 if k % 2 == 0 else 0.05 * (1 + np.cos(k))
        return (
            1e-2 * (1 + 0.5 * np.sin(k)),
            3e-2 * (1 + 0.5 * np.cos(k)),
            0.9 - 0.05 * np.sin(k) ** 2,
            0.5 + 0.3 * np.cos(k) ** 2,
            0.02 + 0.01 * np.sin(k),
            wd1,
        )

    params, grads = _lamb_problem(23)
    kwargs = dict(
        lr=1e-2, weight_decay=0.02, max_grad_norm=11.0, always_adapt=always_adapt, eps=0.01
    )
    group1 = dict(lr=3e-2, weight_decay=0.0, betas=(0.8, 0.999))
    _lamb_run(kwargs, group1, params, grads, schedule=schedule, static_zero_decay=False)


# Real OpenMMLab configs with type='Lamb', built by make_optimizer and stepped as a train step
# feeds them (loss-scaled gradients, micro-batches), against mmpretrain's Lamb after torch's
# clip_grad_norm_ on the unscaled, accumulated gradients, with the lr / weight decay the
# schedules gave each step (the schedules themselves are checked in test_real_configs.py).

_REAL = "tests/data/real_configs/open-mmlab__mmpretrain/"
SPARK = _REAL + "main/configs/spark/spark_sparse-resnet50_8xb512-amp-coslr-800e_in1k.py"
RSB = _REAL + "mmcls-0.x/configs/resnet/resnet50_8xb256-rsb-a1-600e_in1k.py"


def _torch_opt_state(state):
    from jaxoptim.optimizer_base import TorchOptimizerState

    is_it = lambda x: isinstance(x, TorchOptimizerState)  # noqa: E731
    (found,) = [x for x in jax.tree_util.tree_leaves(state, is_leaf=is_it) if is_it(x)]
    return found


def _real_lamb_run(cfg, params, *, iters_per_epoch, steps, micro, max_norm, seed):
    """Steps a real config's Lamb and the torch oracle side by side; returns the live weight
    decays each optimizer step used."""
    import warnings

    from jaxoptim import current_loss_scale, explain, make_optimizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tx = make_optimizer(cfg, iters_per_epoch=iters_per_epoch)
        rows = list(explain(cfg, params))
    opt_cfg = (cfg.get("optim_wrapper") or {}).get("optimizer") or cfg["optimizer"]
    base_wd = opt_cfg["weight_decay"]
    assert {r.weight_decay for r in rows} == {base_wd, 0.0}
    wd_index = [0 if r.weight_decay == base_wd else 1 for r in rows]  # index 0: the optimizer's
    names, leaves_np = zip(*[(r.name, x) for r, x in zip(rows, jax.tree_util.tree_leaves(params))])
    leaves = [torch.nn.Parameter(torch.tensor(np.asarray(x))) for x in leaves_np]
    kwargs = {k: v for k, v in opt_cfg.items() if k not in ("type", "paramwise_cfg")}
    oracle = _MmpretrainLamb([{"params": [t]} for t in leaves], **kwargs)
    update = jax.jit(tx.update)
    state, p = tx.init(params), params
    rng = np.random.default_rng(seed)
    used = []
    for k in range(steps):
        acc = [torch.zeros_like(t) for t in leaves]
        for _ in range(micro):
            factor = np.float32(np.exp(rng.uniform(-1.0, 1.0)))
            g = [factor * rng.standard_normal(np.shape(x)).astype(np.float32) for x in leaves_np]
            scale = current_loss_scale(state)
            scaled = jax.tree_util.tree_unflatten(
                jax.tree_util.tree_structure(params), [scale * jnp.asarray(x) for x in g]
            )
            updates, state = update(scaled, state, p)
            for a, x in zip(acc, g):
                a.add_(torch.tensor(x) / micro)
        live = _torch_opt_state(state).hyperparams
        (lr,) = np.asarray(live["lr"])
        wds = np.asarray(live["weight_decay"])
        used.append(wds)
        for t, a, group, i in zip(leaves, acc, oracle.param_groups, wd_index):
            t.grad = a
            group.update(lr=float(lr), weight_decay=float(wds[i]))
        torch.nn.utils.clip_grad_norm_(leaves, max_norm)
        oracle.step()
        p = optax.apply_updates(p, updates)
        got = jax.tree_util.tree_leaves(updates)
        _assert_steps_close(got, [oracle.deltas[t] for t in leaves], f"step {k + 1} {names}")
        for x, t in zip(jax.tree_util.tree_leaves(p), leaves):
            np.testing.assert_allclose(x, t.detach().numpy(), rtol=LAMB_RTOL, atol=1e-7)
    return np.asarray(used)


def test_spark_config_lamb_matches_mmpretrain():
    """SparK (mmpretrain 1.x): AmpOptimWrapper (dynamic loss scale), clip_grad max_norm=5,
    paramwise bias / flat / mask_token decay_mult 0 (no trust ratio there) and mmpretrain's
    CosineAnnealingWeightDecay, which moves the other group's weight decay and keeps 0 at 0."""
    from jaxoptim.config import Config

    cfg = Config.fromfile(SPARK, import_custom_modules=False)
    rng = np.random.default_rng(30)
    params = {
        "backbone": {
            "conv1": {"kernel": rng.standard_normal((3, 3, 2, 4))},
            "bn1": {"scale": 1 + 0.1 * rng.standard_normal(4), "bias": rng.standard_normal(4)},
        },
        "mask_token": 0.02 * rng.standard_normal((1, 1, 4)),
        "head": {"kernel": rng.standard_normal((4, 3)), "bias": rng.standard_normal(3)},
    }
    params = jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float32), params)
    wds = _real_lamb_run(
        cfg, params, iters_per_epoch=1, steps=LAMB_STEPS, micro=1, max_norm=5.0, seed=31
    )
    assert (wds[:, 1] == 0).all() and wds[-1, 0] > wds[0, 0] == np.float32(0.04)


def test_rsb_config_lamb_with_accumulation_loss_scale_and_clip_matches_mmpretrain():
    """mmcls 0.x's ResNet-50 RSB-A1 (Lamb, bias / norm decay_mult 0), wrapped as mmcv's hooks
    would: a static fp16 loss scale, grad_clip max_norm=2 and two micro-batches per step."""
    from jaxoptim.config import Config

    cfg = Config.fromfile(RSB, import_custom_modules=False)
    cfg["optimizer_config"] = dict(grad_clip=dict(max_norm=2.0), cumulative_iters=2)
    cfg["fp16"] = dict(loss_scale=512.0)
    rng = np.random.default_rng(32)
    params = {
        "backbone": {
            "conv1": {"kernel": rng.standard_normal((3, 3, 2, 4))},
            "bn1": {"scale": 1 + 0.1 * rng.standard_normal(4), "bias": rng.standard_normal(4)},
        },
        "head": {"fc": {"kernel": rng.standard_normal((4, 3)), "bias": rng.standard_normal(3)}},
    }
    params = jax.tree_util.tree_map(lambda x: jnp.asarray(x, jnp.float32), params)
    _real_lamb_run(cfg, params, iters_per_epoch=4, steps=30, micro=2, max_norm=2.0, seed=33)
