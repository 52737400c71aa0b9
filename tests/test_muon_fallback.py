"""Muon's `fallback`: the leaves Muon cannot orthogonalize run another built-in optimizer.

torch parity (param groups, schedules, paramwise rules) is in
tests/parity/test_muon_fallback_torch.py; here: the routing, the lr / weight-decay rule, the
errors, frozen leaves, momentum schedules and compilation.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxoptim import OPTIMIZERS, Config, explain, make_optimizer
from jaxoptim import optimizers as O

# Tree order: conv.bias, conv.kernel, fc.kernel, head.bias, head.kernel, ln.bias, ln.scale.
SHAPES = {
    "conv": {"kernel": (3, 3, 2, 4), "bias": (4,)},
    "fc": {"kernel": (8, 6)},
    "head": {"kernel": (6, 3), "bias": (3,)},
    "ln": {"scale": (6,), "bias": (6,)},
}
MATRICES = ("fc.kernel", "head.kernel")


def _is_shape(x):
    return isinstance(x, tuple)


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return jax.tree_util.tree_map(
        lambda s: jnp.asarray(rng.standard_normal(s), jnp.float32), SHAPES, is_leaf=_is_shape
    )


def _grads(n, seed=1):
    rng = np.random.default_rng(seed)
    return [
        jax.tree_util.tree_map(
            lambda s: jnp.asarray(rng.standard_normal(s), jnp.float32), SHAPES, is_leaf=_is_shape
        )
        for _ in range(n)
    ]


def _flat(tree):
    from jaxoptim.optimizer_base import tree_names

    return dict(zip(tree_names(tree), jax.tree_util.tree_leaves(tree)))


def _muon(**kwargs):
    return dict(type="Muon", lr=0.02, weight_decay=0.1, **kwargs)


# ---------------------------------------------------------------------------------------------
# Routing and state structure


@pytest.mark.parametrize(
    "fallback, n_buffers",
    [
        (dict(type="AdamW", betas=(0.9, 0.95)), 2),
        (dict(type="Adam", amsgrad=True), 3),
        (dict(type="SGD", momentum=0.9), 1),
        (dict(type="SGD"), 0),
        (dict(type="Lion"), 1),
        (dict(type=O.AdamW), 2),  # a definition itself, as mmcv allows a class for `type`
    ],
    ids=["AdamW", "Adam-amsgrad", "SGD-momentum", "SGD", "Lion", "AdamW-object"],
)
def test_state_of_fallback_leaves_has_the_fallbacks_structure(fallback, n_buffers):
    params = _params()
    state = make_optimizer(_muon(fallback=fallback)).init(params)
    per_leaf = jax.tree_util.tree_flatten(
        state.inner_state.leaves, is_leaf=lambda x: isinstance(x, tuple)
    )[0]
    names = list(_flat(params))
    for name, leaf_state, p in zip(names, per_leaf, jax.tree_util.tree_leaves(params)):
        if name in MATRICES:
            assert len(leaf_state) == 1 and leaf_state[0].shape == p.shape, name
        else:
            assert len(leaf_state) == n_buffers, name
            for buf in leaf_state:
                assert buf.shape == p.shape and buf.dtype == jnp.float32, name


def _reference(fallback_defn, fallback_kwargs, muon_kwargs, params, grads):
    """Muon on the matrices and the fallback on the rest, as two separate transformations."""
    names = _flat(params)
    is_matrix = {n: n in MATRICES for n in names}
    mask = jax.tree_util.tree_unflatten(
        jax.tree_util.tree_structure(params), [is_matrix[n] for n in names]
    )
    inverse = jax.tree_util.tree_map(lambda m: not m, mask)
    tx = optax.chain(
        optax.masked(O.Muon(**muon_kwargs), mask),
        optax.masked(fallback_defn(**fallback_kwargs), inverse),
    )
    state = tx.init(params)
    out = []
    for g in grads:
        updates, state = tx.update(g, state, params)
        params = optax.apply_updates(params, updates)
        out.append(params)
    return out


def test_matches_muon_and_the_fallback_run_separately():
    params, grads = _params(), _grads(4)
    muon = dict(lr=0.02, weight_decay=0.1, adjust_lr_fn="match_rms_adamw")
    fallback = dict(lr=3e-3, weight_decay=0.01, betas=(0.9, 0.95))
    want = _reference(O.AdamW, fallback, muon, params, grads)
    tx = O.Muon(**muon, fallback=dict(type="AdamW", **fallback))
    state, p = tx.init(params), params
    update = jax.jit(tx.update)
    for g, w in zip(grads, want):
        updates, state = update(g, state, p)
        p = optax.apply_updates(p, updates)
        for name, got in _flat(p).items():
            np.testing.assert_allclose(got, _flat(w)[name], rtol=1e-6, atol=1e-7, err_msg=name)


def test_without_lr_and_weight_decay_the_fallback_shares_muons():
    params, grads = _params(), _grads(3)
    muon = dict(lr=0.01, weight_decay=0.05, adjust_lr_fn="match_rms_adamw")
    want = _reference(O.AdamW, dict(lr=0.01, weight_decay=0.05), muon, params, grads)
    tx = O.Muon(**muon, fallback=dict(type="AdamW"))
    state, p = tx.init(params), params
    for g in grads:
        updates, state = tx.update(g, state, p)
        p = optax.apply_updates(p, updates)
    for name, got in _flat(p).items():
        np.testing.assert_allclose(got, _flat(want[-1])[name], rtol=1e-6, err_msg=name)


# ---------------------------------------------------------------------------------------------
# The lr / weight-decay rule, read off SGD (no momentum): delta = -lr * (g + wd * p)


def _lr_and_wd(cfg):
    """Each fallback leaf's effective (lr, weight_decay) on the first step."""
    tx = make_optimizer(cfg)
    params = _params()
    ones, zeros = (jax.tree_util.tree_map(f, params) for f in (jnp.ones_like, jnp.zeros_like))
    lr, _ = tx.update(ones, tx.init(zeros), zeros)  # -lr * g
    lr_wd, _ = tx.update(zeros, tx.init(ones), ones)  # -lr * wd * p
    out = {}
    for name, a in _flat(lr).items():
        if name not in MATRICES:
            leaf_lr = -float(a.reshape(-1)[0])
            out[name] = (leaf_lr, -float(_flat(lr_wd)[name].reshape(-1)[0]) / leaf_lr)
    return out


PARAMWISE = dict(
    bias_lr_mult=2.0,
    norm_decay_mult=0.0,
    custom_keys={"head": dict(lr_mult=0.5, decay_mult=0.3)},
)


@pytest.mark.parametrize(
    "fallback, expected",
    [
        # No lr / weight_decay in the dict: the leaf's Muon values (0.02, 0.1) as they are.
        (
            dict(type="SGD"),
            {
                "conv.bias": (0.04, 0.1),
                "conv.kernel": (0.02, 0.1),
                "head.bias": (0.01, 0.03),
                "ln.bias": (0.02, 0.0),
                "ln.scale": (0.02, 0.0),
            },
        ),
        # Both given: the same multipliers scale the fallback's base values.
        (
            dict(type="SGD", lr=3e-3, weight_decay=0.01),
            {
                "conv.bias": (6e-3, 0.01),
                "conv.kernel": (3e-3, 0.01),
                "head.bias": (1.5e-3, 3e-3),
                "ln.bias": (3e-3, 0.0),
                "ln.scale": (3e-3, 0.0),
            },
        ),
        # Only lr given: weight decay stays Muon's.
        (
            dict(type="SGD", lr=3e-3),
            {
                "conv.bias": (6e-3, 0.1),
                "conv.kernel": (3e-3, 0.1),
                "head.bias": (1.5e-3, 0.03),
                "ln.bias": (3e-3, 0.0),
                "ln.scale": (3e-3, 0.0),
            },
        ),
    ],
    ids=["shared", "own-lr-and-wd", "own-lr"],
)
def test_paramwise_multipliers_scale_the_fallbacks_lr_and_weight_decay(fallback, expected):
    got = _lr_and_wd(_muon(fallback=fallback, paramwise_cfg=PARAMWISE))
    assert got.keys() == expected.keys()
    for name, (lr, wd) in expected.items():
        np.testing.assert_allclose(got[name], (lr, wd), rtol=1e-5, atol=1e-9, err_msg=name)


@pytest.mark.parametrize(
    "fallback",
    [dict(type="SGD"), dict(type="SGD", lr=3e-3, weight_decay=0.01), dict(type="SGD", lr=3e-3)],
    ids=["shared", "own-lr-and-wd", "own-lr"],
)
def test_explain_shows_what_fallback_leaves_train_with(fallback):
    cfg = _muon(fallback=fallback, paramwise_cfg=PARAMWISE)
    trained = _lr_and_wd(cfg)
    table = explain(cfg, _params())
    for row in table:
        if row.name in MATRICES:
            assert "fallback" not in row.rule
            continue
        np.testing.assert_allclose(
            (row.lr, row.weight_decay), trained[row.name], rtol=1e-5, atol=1e-9, err_msg=row.name
        )
        assert row.rule.endswith("-> fallback SGD"), row.rule
    assert "fallback SGD" in str(table)


def test_explain_flags_leaves_muon_cannot_train_without_a_fallback():
    table = explain(_muon(), _params())
    assert "not 2-D: Muon cannot train it" in table.group("ln.scale").rule
    assert table.group("fc.kernel").rule == "default"


def test_with_muon_weight_decay_zero_the_fallback_keeps_its_own_unless_absolute():
    cfg = dict(
        type="Muon",
        lr=0.02,
        weight_decay=0.0,
        fallback=dict(type="SGD", weight_decay=0.01),
        paramwise_cfg=dict(
            dialect="mmengine",
            norm_decay_mult=0.0,
            custom_keys={"conv.bias": dict(weight_decay=0.05)},
        ),
    )
    got = _lr_and_wd(cfg)
    np.testing.assert_allclose(got["conv.bias"][1], 0.05, rtol=1e-5)  # absolute, nonzero
    np.testing.assert_allclose(got["conv.kernel"][1], 0.01, rtol=1e-5)
    # norm_decay_mult=0 of a zero base is 0: the multiplier is lost, the fallback's own applies
    np.testing.assert_allclose(got["ln.scale"][1], 0.01, rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Errors, all when the optimizer is built (or, for a leaf's shape, at init)


def test_without_fallback_a_non_matrix_leaf_names_its_shape_and_fallback():
    tx = make_optimizer(_muon())
    with pytest.raises(ValueError, match=r"shape \(3, 3, 2, 4\).*fallback=dict\(type='AdamW'"):
        tx.init({"w": jnp.zeros((3, 4)), "k": jnp.zeros((3, 3, 2, 4))})
    with pytest.raises(ValueError, match=r"shape \(4,\).*`fallback"):
        O.Muon().init({"w": jnp.zeros((3, 4)), "b": jnp.zeros((4,))})


@pytest.mark.parametrize(
    "fallback, error, pattern",
    [
        (dict(type="adamw"), KeyError, r"fallback\.type='adamw'.*did you mean 'AdamW'"),
        (dict(type="Adamm"), KeyError, r"fallback\.type='Adamm'.*'AdamW'.*'SGD'"),
        (dict(type="Muon"), ValueError, r"fallback\.type='Muon'.*cannot be Muon.*'AdamW'"),
        (dict(type="AdamW", betas=(1.5, 0.9)), ValueError, r"`fallback`.*`betas\[0\]`"),
        (dict(type="AdamW", lr=-1.0), ValueError, r"`fallback`.*`lr`"),
        (
            dict(type="AdamW", momentum=0.9),
            TypeError,
            r"`fallback` AdamW got unexpected.*'momentum'",
        ),
        (dict(type="SGD", nesterov=True), ValueError, r"`fallback`.*`nesterov`"),
        (dict(betas=(0.9, 0.95)), TypeError, r"`fallback` must be None or dict\(type="),
        ("AdamW", TypeError, r"`fallback` must be None or dict\(type="),
        (dict(type=3), TypeError, r"`fallback\.type` must be a registry name"),
    ],
)
def test_invalid_fallback_is_an_error_at_build_time(fallback, error, pattern):
    with pytest.raises(error, match=pattern):
        make_optimizer(_muon(fallback=fallback))
    with pytest.raises(error, match=pattern):
        O.Muon(fallback=fallback)


def test_a_user_optax_optimizer_cannot_be_the_fallback():
    name = "PlainOptaxForMuonFallbackTest"
    OPTIMIZERS.register_module(name=name, force=True, module=lambda lr=0.1: optax.sgd(lr))
    with pytest.raises(ValueError, match=rf"fallback\.type='{name}'.*not a built-in"):
        make_optimizer(_muon(fallback=dict(type=name)))


def test_fallback_lr_with_muon_lr_zero_is_an_error():
    with pytest.raises(ValueError, match=r"`fallback` sets lr=0\.001.*Muon's `lr` is 0"):
        make_optimizer(dict(type="Muon", lr=0.0, fallback=dict(type="AdamW", lr=1e-3)))
    make_optimizer(dict(type="Muon", lr=0.0, fallback=dict(type="AdamW")))  # shares lr 0


def test_unknown_fallback_keyword_does_not_suggest_delete():
    with pytest.raises(TypeError) as info:
        make_optimizer(_muon(fallback=dict(type="AdamW", nesterov=True)))
    assert "_delete_" not in str(info.value) and "it takes" in str(info.value)


@pytest.mark.parametrize("key, value", [("eps", 1e-3), ("momentum", 0.5), ("nesterov", False)])
def test_a_per_group_value_that_cannot_reach_a_fallback_leaf_is_refused(key, value):
    # mmengine custom keys set any hyperparameter per group; on a fallback leaf only lr and
    # weight_decay have a meaning (Muon's eps or momentum are not AdamW's).
    cfg = _muon(
        fallback=dict(type="AdamW"),
        paramwise_cfg=dict(dialect="mmengine", custom_keys={"ln": {key: value}}),
    )
    with pytest.raises(ValueError, match=rf"per-group \['{key}'\].*AdamW.*lr and weight_decay"):
        make_optimizer(cfg).init(_params())
    # on 2-D leaves the same custom key is Muon's own, and fine
    cfg["paramwise_cfg"]["custom_keys"] = {"fc.kernel": {key: value}}
    make_optimizer(cfg).init(_params())


def test_fallback_is_not_a_per_group_setting():
    cfg = _muon(
        fallback=dict(type="AdamW"),
        paramwise_cfg=dict(dialect="mmengine", custom_keys={"ln": dict(fallback=None)}),
    )
    with pytest.raises(TypeError, match=r"custom_keys\['ln'\]\.fallback"):
        make_optimizer(cfg)


# ---------------------------------------------------------------------------------------------
# Configs, frozen leaves, schedules, compilation


def _updates(cfg, steps=2):
    tx = make_optimizer(cfg)
    params = _params()
    state = tx.init(params)
    out = []
    for g in _grads(steps):
        updates, state = tx.update(g, state, params)
        params = optax.apply_updates(params, updates)
        out.append(_flat(updates))
    return out


def test_config_files_merge_and_pass_the_nested_fallback_through(tmp_path):
    (tmp_path / "base.py").write_text(
        "optimizer = dict(type='Muon', lr=0.02, weight_decay=0.1,\n"
        "                 fallback=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999)))\n"
    )
    (tmp_path / "child.py").write_text(
        "_base_ = 'base.py'\n"
        "optimizer = dict(adjust_lr_fn='match_rms_adamw', fallback=dict(betas=[0.9, 0.95]),\n"
        "                 paramwise_cfg=dict(norm_decay_mult=0.0))\n"
    )
    cfg = Config.fromfile(tmp_path / "child.py")
    cfg.merge_from_dict({"optimizer.fallback.weight_decay": 0.01})
    merged = dict(
        type="Muon",
        lr=0.02,
        weight_decay=0.1,
        adjust_lr_fn="match_rms_adamw",
        fallback=dict(type="AdamW", lr=1e-3, betas=(0.9, 0.95), weight_decay=0.01),
        paramwise_cfg=dict(norm_decay_mult=0.0),
    )
    got, want = _updates(cfg), _updates(merged)
    for step in range(2):
        for name in want[step]:
            np.testing.assert_array_equal(got[step][name], want[step][name], err_msg=name)
    other = _updates(dict(merged, fallback=dict(type="AdamW", lr=1e-3, weight_decay=0.01)))
    assert not np.array_equal(other[1]["conv.kernel"], want[1]["conv.kernel"])  # betas used


def test_frozen_leaves_get_zero_updates_and_no_state():
    cfg = _muon(
        fallback=dict(type="AdamW"),
        paramwise_cfg=dict(custom_keys={"ln": dict(frozen=True), "head": dict(frozen=True)}),
    )
    tx = make_optimizer(cfg)
    params = _params()
    state = tx.init(params)
    leaves = state.inner_state.leaves
    for frozen in (leaves["ln"]["scale"], leaves["ln"]["bias"], leaves["head"]["kernel"]):
        assert isinstance(frozen, optax.MaskedNode)
    update = jax.jit(tx.update)
    for g in _grads(3):
        updates, state = update(g, state, params)
        params = optax.apply_updates(params, updates)
        for name, u in _flat(updates).items():
            if name.startswith(("ln.", "head.")):
                np.testing.assert_array_equal(u, 0.0, err_msg=name)
            else:
                assert np.abs(np.asarray(u)).max() > 0, name
    assert isinstance(state.inner_state.leaves["ln"]["scale"], optax.MaskedNode)


@pytest.mark.parametrize("fallback", [dict(type="AdamW", betas=(0.9, 0.95)), dict(type="SGD")])
def test_momentum_schedule_drives_muon_leaves_only(fallback):
    fallback = dict(fallback, **({"momentum": 0.9} if fallback["type"] == "SGD" else {}))
    base = _muon(fallback=fallback)
    scheduled = dict(
        optimizer=base,
        momentum_config=dict(policy="step", step=[1], gamma=0.5, by_epoch=False),
    )
    params, grads = _params(), _grads(3)
    runs = []
    for cfg in (base, scheduled):
        tx = make_optimizer(cfg, max_iters=3)
        state, p, history = tx.init(params), params, []
        update = jax.jit(tx.update)
        for g in grads:
            updates, state = update(g, state, p)
            p = optax.apply_updates(p, updates)
            history.append(_flat(updates))
        runs.append((history, state))
    (plain, plain_state), (sched, sched_state) = runs
    np.testing.assert_allclose(sched_state.hyperparams["momentum"], [0.475], rtol=1e-6)
    np.testing.assert_allclose(plain_state.hyperparams["momentum"], [0.95], rtol=1e-6)
    for step in range(3):
        for name in plain[step]:
            if name in MATRICES and step > 0:
                assert not np.allclose(plain[step][name], sched[step][name]), (step, name)
            else:  # the fallback's momentum / betas are its own, unscheduled
                np.testing.assert_array_equal(plain[step][name], sched[step][name])


def test_one_compilation_while_the_lr_changes():
    cfg = dict(
        optimizer=_muon(fallback=dict(type="AdamW", lr=3e-3), paramwise_cfg=PARAMWISE),
        lr_config=dict(policy="CosineAnnealing", min_lr_ratio=0.0, by_epoch=False),
    )
    tx = make_optimizer(cfg, max_iters=6)
    params = _params()
    state = tx.init(params)
    update = jax.jit(tx.update)
    lrs, norms = [], []
    for g in _grads(6):
        updates, state = update(g, state, params)
        params = optax.apply_updates(params, updates)
        lrs.append(float(state.hyperparams["lr"][0]))
        norms.append(float(jnp.abs(updates["ln"]["scale"]).max()))
    assert update._cache_size() == 1
    assert lrs[0] == pytest.approx(0.02) and lrs[-1] < 0.005
    assert norms[-1] < 0.25 * norms[0]  # the fallback's lr follows the schedule
    # live lr set by hand, no schedule: same program
    tx = make_optimizer(_muon(fallback=dict(type="AdamW", lr=3e-3)))
    state = tx.init(params)
    update = jax.jit(tx.update)
    steps = []
    for scale in (1.0, 0.5):
        lr = jnp.asarray([0.02 * scale], jnp.float32)
        state = state._replace(hyperparams={**state.hyperparams, "lr": lr})
        updates, _ = update(_grads(1)[0], state, params)
        steps.append(np.asarray(updates["conv"]["kernel"]))
    assert update._cache_size() == 1
    # first AdamW step: -lr * (wd * p + sign(g)); halving the live lr halves it
    np.testing.assert_allclose(steps[1], 0.5 * steps[0], rtol=1e-5)
