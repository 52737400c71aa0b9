"""The optimizer definitions' contract: torch's names, defaults and checks; the tables."""

from __future__ import annotations

import inspect
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch

from jaxoptim import OPTIMIZERS, make_optimizer
from jaxoptim import optimizers as O

TORCH_BACKED = [d for d in O.BUILTIN if hasattr(torch.optim, d.name)]
BY_NAME = {d.name: d for d in O.BUILTIN}


def _torch_defaults(name: str) -> dict:
    sig = inspect.signature(getattr(torch.optim, name))
    return {k: p.default for k, p in sig.parameters.items() if k != "params"}


@pytest.mark.parametrize("defn", TORCH_BACKED, ids=lambda d: d.name)
def test_names_and_defaults_are_torchs(defn):
    want = _torch_defaults(defn.name)
    assert list(defn.defaults) == list(want)
    assert dict(defn.defaults) == want


def test_every_torch_optimizer_is_built_in_or_explained():
    torch_names = {
        name
        for name, obj in vars(torch.optim).items()
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer)
    }
    assert torch_names <= set(BY_NAME) | set(O.NOT_TRANSFORMATIONS)
    assert not set(BY_NAME) & set(O.NOT_TRANSFORMATIONS)
    assert {"Lion", "LAMB", "Lamb", "LARS"} <= set(BY_NAME)


def test_alias_table():
    assert len(BY_NAME) == len(O.BUILTIN)
    assert O.ALIASES == {"TorchAdafactor": "Adafactor"}
    for alias, target in O.ALIASES.items():
        assert target in BY_NAME and alias not in BY_NAME


@pytest.mark.parametrize(
    "name,hint", [("LBFGS", "optax.lbfgs"), ("SparseAdam", "'Adam'"), ("Optimizer", "'SGD'")]
)
def test_not_transformations_suggest_an_alternative(name, hint):
    assert hint in O.NOT_TRANSFORMATIONS[name]


def test_momentum_keys():
    keys = {d.name: d.momentum_key for d in O.BUILTIN}
    assert {k for k, v in keys.items() if v == "momentum"} == {"SGD", "RMSprop", "LARS", "Muon"}
    assert {k for k, v in keys.items() if v == "betas"} == {
        "Adam",
        "AdamW",
        "Adamax",
        "NAdam",
        "RAdam",
        "Lion",
        "LAMB",
        "Lamb",
    }
    assert O.Adafactor.momentum_key is None and O.Adagrad.momentum_key is None
    assert O.Adam.momentum_of(O.Adam.hyperparams(betas=(0.8, 0.9))) == 0.8
    assert O.RMSprop.momentum_of(O.RMSprop.hyperparams(momentum=0.5)) == 0.5


def test_hyperparams_fill_torch_defaults():
    hp = O.AdamW.hyperparams(lr=0.1)
    assert hp["lr"] == 0.1 and hp["weight_decay"] == 0.01 and hp["betas"] == (0.9, 0.999)
    assert O.Adadelta.hyperparams()["lr"] == 1.0
    assert O.Lion.hyperparams() == {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0}


def test_unknown_kwarg_names_it_and_suggests_delete():
    # The classic inherited-config mistake: an SGD base merged into an AdamW child.
    with pytest.raises(TypeError, match="momentum") as info:
        O.AdamW(lr=1e-4, weight_decay=0.05, momentum=0.9)
    assert "_delete_=True" in str(info.value)


@pytest.mark.parametrize(
    "name,kwargs,key",
    [
        ("Adam", dict(betas=0.9), "betas"),
        ("Adam", dict(betas=(0.9,)), "betas"),
        ("AdamW", dict(betas=(0.9, 0.99, 0.9)), "betas"),
        ("SGD", dict(lr="0.1"), "lr"),
        ("SGD", dict(momentum=None), "momentum"),
        ("Adam", dict(amsgrad="yes"), "amsgrad"),
        ("SGD", dict(nesterov=1), "nesterov"),
        ("Adam", dict(weight_decay=True), "weight_decay"),
        ("Rprop", dict(etas=0.5), "etas"),
        ("Rprop", dict(step_sizes=("a", 1.0)), "step_sizes"),
        ("Adafactor", dict(eps=1e-3), "eps"),
        ("Muon", dict(ns_coefficients=(1.0, 2.0)), "ns_coefficients"),
        ("Lamb", dict(max_grad_norm=None), "max_grad_norm"),
        ("Lamb", dict(trust_clip=1), "trust_clip"),
    ],
)
def test_wrong_types_raise_type_error_naming_the_key(name, kwargs, key):
    with pytest.raises(TypeError, match=f"`{key}`"):
        BY_NAME[name](**kwargs)


# (type, kwargs, key named in the message). torch raises ValueError for the same arguments.
OUT_OF_RANGE = [
    ("SGD", dict(lr=-0.1), "lr"),
    ("SGD", dict(momentum=-0.5), "momentum"),
    ("SGD", dict(weight_decay=-1e-4), "weight_decay"),
    ("Adam", dict(lr=-1e-3), "lr"),
    ("Adam", dict(eps=-1e-8), "eps"),
    ("Adam", dict(betas=(1.0, 0.999)), "betas[0]"),
    ("Adam", dict(betas=(0.9, -0.1)), "betas[1]"),
    ("AdamW", dict(weight_decay=-0.01), "weight_decay"),
    ("Adamax", dict(betas=(0.9, 1.5)), "betas[1]"),
    ("NAdam", dict(momentum_decay=-1.0), "momentum_decay"),
    ("RAdam", dict(eps=-1.0), "eps"),
    ("Adagrad", dict(lr_decay=-0.1), "lr_decay"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    ("Adagrad", dict(eps=-1e-10), "eps"),
    ("Adadelta", dict(rho=1.5), "rho"),
    ("Adadelta", dict(rho=-0.1), "rho"),
    ("RMSprop", dict(alpha=-0.9), "alpha"),
    ("RMSprop", dict(momentum=-0.9), "momentum"),
    ("Rprop", dict(etas=(1.5, 2.0)), "etas"),
    ("Rprop", dict(etas=(0.5, 0.9)), "etas"),
    ("ASGD", dict(weight_decay=-1.0), "weight_decay"),
    ("Adafactor", dict(beta2_decay=0.5), "beta2_decay"),
    ("Adafactor", dict(d=0.5), "d"),
    ("Adafactor", dict(eps=(-1e-30, 1e-3)), "eps[0]"),
    ("Adafactor", dict(eps=(None, -1e-3)), "eps[1]"),
    ("Muon", dict(adjust_lr_fn="sqrt"), "adjust_lr_fn"),
    ("Muon", dict(momentum=-0.95), "momentum"),
    ("Lion", dict(betas=(0.9, 1.5)), "betas[1]"),
    ("LAMB", dict(eps=-1e-6), "eps"),
    ("Lamb", dict(lr=-1e-3), "lr"),
    ("Lamb", dict(betas=(1.0, 0.999)), "betas[0]"),
    ("Lamb", dict(betas=(0.9, -0.1)), "betas[1]"),
    ("Lamb", dict(eps=-1e-6), "eps"),
    ("Lamb", dict(weight_decay=-0.01), "weight_decay"),
    ("Lamb", dict(max_grad_norm=0.0), "max_grad_norm"),
    ("Lamb", dict(max_grad_norm=-1.0), "max_grad_norm"),
    ("LARS", dict(eta=-1e-3), "eta"),
    ("LARS", dict(weight_decay=-1.0), "weight_decay"),
]


@pytest.mark.parametrize("name,kwargs,key", OUT_OF_RANGE)
def test_out_of_range_raises_value_error_naming_the_key(name, kwargs, key):
    with pytest.raises(ValueError, match=f"`{key}`".replace("[", r"\[")):
        BY_NAME[name](**kwargs)
    if hasattr(torch.optim, name):
        with pytest.raises(ValueError):
            getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2, 2))], **kwargs)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("Adam", dict(lr=0.0, betas=(0.0, 0.0), eps=0.0)),
        ("Adadelta", dict(rho=1.0)),
        ("Adadelta", dict(rho=0.0)),
        ("Adafactor", dict(eps=(0.0, 0.0), d=1.0, beta2_decay=0.0)),
        ("SGD", dict(momentum=0.9, nesterov=True)),
        ("RMSprop", dict(alpha=0.0)),
    ],
)
def test_range_edges_that_torch_accepts(name, kwargs):
    getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], **kwargs)
    BY_NAME[name](**kwargs)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("SGD", dict(nesterov=True)),
        ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1)),
        ("LARS", dict(nesterov=True, momentum=0.0)),
        ("LARS", dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ],
)
def test_nesterov_without_momentum(name, kwargs):
    with pytest.raises(ValueError, match="`nesterov`"):
        BY_NAME[name](**kwargs)


@pytest.mark.parametrize(
    "name,kwargs,key",
    [
        ("Adam", dict(foreach=True), "foreach"),
        ("AdamW", dict(foreach=False), "foreach"),
        ("SGD", dict(fused=True), "fused"),
        ("Adam", dict(capturable=True), "capturable"),
        ("RMSprop", dict(differentiable=True), "differentiable"),
    ],
)
def test_implementation_flags_other_than_torchs_default_are_rejected(name, kwargs, key):
    with pytest.raises(ValueError, match=f"`{key}=.*no meaning in jaxoptim"):
        BY_NAME[name](**kwargs)


def test_implementation_flags_at_torchs_default_are_accepted():
    O.Adam(foreach=None, fused=None, capturable=False, differentiable=False)
    O.Adafactor(foreach=None)
    with pytest.raises(TypeError, match="foreach"):
        O.Muon(foreach=None)  # torch's Muon has no such argument either


def test_muon_rejects_non_matrix_parameters_at_init():
    tx = O.Muon()
    tx.init({"w": jnp.zeros((3, 4))})
    with pytest.raises(ValueError, match=r"2-D.*\(4,\)"):
        tx.init({"w": jnp.zeros((3, 4)), "b": jnp.zeros((4,))})


def test_muon_ns_steps_must_be_a_small_int():
    with pytest.raises(ValueError, match="`ns_steps`"):
        O.Muon(ns_steps=100)
    with pytest.raises(ValueError, match="`ns_steps`"):
        O.Muon(ns_steps=2.5)


def test_update_needs_params():
    tx = O.Adam()
    state = tx.init({"w": jnp.ones(3)})
    with pytest.raises(ValueError, match="params"):
        tx.update({"w": jnp.ones(3)}, state)


def test_lamb_defaults_are_mmpretrains():
    """mmpretrain's ``Lamb.__init__`` (mmcls 0.x's is the same): its names, order, defaults."""
    assert dict(O.Lamb.defaults) == dict(
        lr=1e-3,
        bias_correction=True,
        betas=(0.9, 0.999),
        eps=1e-6,
        weight_decay=0.01,
        grad_averaging=True,
        max_grad_norm=1.0,
        trust_clip=False,
        always_adapt=False,
    )
    assert list(O.Lamb.defaults) == [
        "lr",
        "bias_correction",
        "betas",
        "eps",
        "weight_decay",
        "grad_averaging",
        "max_grad_norm",
        "trust_clip",
        "always_adapt",
    ]


def _three_steps(cfg, params, grads):
    tx = make_optimizer(cfg)
    state = tx.init(params)
    out = []
    for _ in range(3):
        updates, state = jax.jit(tx.update)(grads, state, params)
        params = optax.apply_updates(params, updates)
        out.append(updates)
    return out


def test_mmpretrain_lamb_name_is_mmpretrains_lamb_without_a_warning():
    """``type='Lamb'`` (OpenMMLab configs) clips by the global norm and, without weight decay,
    has no trust ratio: ``g = 3`` on 4 entries has norm 6, clipped to 0.5 each, so the first
    step is ``-lr * 0.5 / (0.5 + eps)`` everywhere; optax's LAMB would scale it by
    ``|p| / |update|`` (2.7 here)."""
    params = {"w": jnp.array([1.0, 2.0, 3.0, 4.0])}
    grads = {"w": jnp.full(4, 3.0)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (first, *_) = _three_steps(dict(type="Lamb", lr=0.1, weight_decay=0.0), params, grads)
    np.testing.assert_allclose(first["w"], -0.1 * 0.5 / (0.5 + 1e-6), rtol=1e-6)
    assert OPTIMIZERS.get("Lamb") is O.Lamb


def test_optax_lamb_stays_reachable_as_LAMB_and_by_its_dotted_name():
    params = {"w": jnp.array([1.0, 2.0, 3.0, 4.0]), "b": jnp.array([0.5, -0.5])}
    grads = {"w": jnp.array([0.3, -1.0, 2.0, 0.1]), "b": jnp.array([1.0, 3.0])}
    ours = _three_steps(dict(type="LAMB", lr=0.01, weight_decay=0.1), params, grads)
    dotted = _three_steps(
        dict(type="optax.lamb", learning_rate=0.01, weight_decay=0.1), params, grads
    )
    tx = optax.lamb(0.01, weight_decay=0.1)
    state, p = tx.init(params), params
    for got, by_name in zip(ours, dotted):
        want, state = tx.update(grads, state, p)
        p = optax.apply_updates(p, want)
        for x, y, z in zip(*map(jax.tree_util.tree_leaves, (got, by_name, want))):
            np.testing.assert_allclose(x, z, rtol=1e-5)  # bias corrections: expm1, not 1 - b**t
            np.testing.assert_allclose(y, z, rtol=1e-6)


def test_lamb_max_grad_norm_is_the_optimizers_only():
    """mmpretrain reads ``max_grad_norm`` from the optimizer's defaults, never a group's: a
    paramwise group that sets its own is refused rather than ignored."""
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="Lamb", lr=1e-3),
            paramwise_cfg=dict(custom_keys={"head": dict(max_grad_norm=2.0)}),
        )
    )
    params = {"head": jnp.ones(3), "body": jnp.ones(2)}
    tx = make_optimizer(cfg)
    with pytest.raises(ValueError, match="`max_grad_norm`=2.0.*max_grad_norm=1.0"):
        tx.update(params, tx.init(params), params)
    cfg["optim_wrapper"]["paramwise_cfg"]["custom_keys"]["head"]["max_grad_norm"] = 1.0
    tx = make_optimizer(cfg)
    tx.update(params, tx.init(params), params)  # the optimizer's own value is no override


def test_muon_fallback_cannot_be_lamb():
    """Muon's fallback runs leaf by leaf; Lamb's global gradient norm is a whole-tree step."""
    with pytest.raises(ValueError, match="fallback.type='Lamb'.*whole tree"):
        O.Muon(fallback=dict(type="Lamb"))


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16])
def test_lamb_low_precision_params_step_in_float32(dtype):
    """float16 / bfloat16 parameters: float32 moments and arithmetic (the global norm too), the
    step cast to the parameter's dtype once, at the end."""
    rng = np.random.default_rng(0)
    wide = {"w": jnp.asarray(rng.standard_normal((3, 4)), jnp.float32)}
    wide["b"] = jnp.asarray(rng.standard_normal(4), jnp.float32)
    grads = {
        k: 300.0 * jnp.asarray(rng.standard_normal(v.shape), jnp.float32) for k, v in wide.items()
    }
    narrow = jax.tree_util.tree_map(lambda x: x.astype(dtype), wide)
    narrow_grads = jax.tree_util.tree_map(lambda x: x.astype(dtype), grads)
    tx = O.Lamb(lr=0.1)
    state = tx.init(narrow)
    assert all(x.dtype == jnp.float32 for x in jax.tree_util.tree_leaves(state.leaves))
    updates, _ = jax.jit(tx.update)(narrow_grads, state, narrow)
    # the same step from the upcast values, in float32
    upcast = jax.tree_util.tree_map(lambda x: x.astype(jnp.float32), (narrow_grads, narrow))
    want, _ = tx.update(upcast[0], tx.init(upcast[1]), upcast[1])
    for got, w in zip(jax.tree_util.tree_leaves(updates), jax.tree_util.tree_leaves(want)):
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, w.astype(dtype))
