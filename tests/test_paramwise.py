"""paramwise_cfg: mmcv's DefaultOptimizerConstructor tables (reference 3.2/3.3) on Flax models."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch
from _example_models import TORCH_TO_FLAX, linen_example, nnx_example

import jaxoptim
from jaxoptim import OPTIMIZER_BUILDERS, explain
from jaxoptim.optimizer_base import LeafGroup, torch_transform
from jaxoptim.optimizers import SGD, AdamW
from jaxoptim.paramwise import (
    DefaultOptimizerConstructor,
    ParamRow,
    ParamTable,
    groups_from_table,
    param_leaves,
)

SGD_CFG = dict(type="SGD", lr=0.01, weight_decay=0.0001, momentum=0.9)
FULL_PARAMWISE = dict(
    bias_lr_mult=2,
    bias_decay_mult=0.5,
    norm_decay_mult=0,
    dwconv_decay_mult=0.1,
    dcn_offset_lr_mult=0.1,
)


@functools.cache
def _example(backend):
    _, params, kinds = (linen_example if backend == "linen" else nnx_example)()
    return params, kinds


def _table(cfg, backend="linen", kinds=True):
    params, param_kinds = _example(backend)
    return explain(cfg, params, param_kinds=param_kinds if kinds else None)


def _assert_table(table, expected, *, key="lr"):
    got = {torch: getattr(table.group(flax), key) for torch, flax in TORCH_TO_FLAX.items()}
    assert set(expected) == set(got)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, rel=1e-12, abs=0), (name, got[name], value)


# 3.2 (c): every rule, mmcv precedence (depthwise bias: dwconv_decay_mult wins).
TABLE_C = {
    "param1": (0.01, 0.0001),
    "conv1.weight": (0.01, 0.0001),
    "conv2.weight": (0.01, 0.0001),
    "conv2.bias": (0.02, 5e-05),
    "bn.weight": (0.01, 0.0),
    "bn.bias": (0.01, 0.0),
    "sub.param1": (0.01, 0.0001),
    "sub.conv1.weight": (0.01, 1e-05),
    "sub.conv1.bias": (0.02, 1e-05),
    "sub.gn.weight": (0.01, 0.0),
    "sub.gn.bias": (0.01, 0.0),
    "dcn.weight": (0.01, 0.0001),
    "dcn.conv_offset.weight": (0.001, 0.0001),
    "dcn.conv_offset.bias": (0.001, 0.0001),
}


@pytest.mark.parametrize("backend", ["linen", "nnx"])
def test_table_c_all_rules_mmcv(backend):
    table = _table(dict(SGD_CFG, paramwise_cfg=FULL_PARAMWISE), backend)
    assert table.kind_source == "param_kinds" and len(table) == 14
    _assert_table(table, {k: v[0] for k, v in TABLE_C.items()}, key="lr")
    _assert_table(table, {k: v[1] for k, v in TABLE_C.items()}, key="weight_decay")
    assert table.group("sub.conv1.bias").rule == "bias_lr_mult+dwconv_decay_mult"
    assert table.group("conv2.bias").rule == "bias_lr_mult+bias_decay_mult"
    assert table.group("dcn.conv_offset.bias").rule == "dcn_offset_lr_mult"
    assert table.group("bn.scale").rule == "norm_decay_mult"
    assert table.group("conv1.kernel").rule == "default"
    assert not any(row.frozen or row.extras for row in table)


def test_table_d_rprop_bias_lr_mult_only():
    table = _table(dict(type="Rprop", lr=0.01, paramwise_cfg=dict(bias_lr_mult=2)), "nnx")
    expected = {name: 0.01 for name in TORCH_TO_FLAX}
    expected.update({"conv2.bias": 0.02, "sub.conv1.bias": 0.02})
    _assert_table(table, expected)
    # Rprop has no weight decay at all.
    assert {row.weight_decay for row in table} == {None}


def test_table_g_custom_keys_beat_norm_rule_and_warn_unmatched():
    custom = {
        "param1": dict(lr_mult=10),
        "sub": dict(lr_mult=0.1, decay_mult=0),
        "sub.gn": dict(lr_mult=0.01),
        "non_exist_key": dict(lr_mult=0.0),
    }
    cfg = dict(SGD_CFG, paramwise_cfg=dict(custom_keys=custom, norm_decay_mult=0.5))
    with pytest.warns(UserWarning, match="non_exist_key"):
        table = _table(cfg, "linen")
    assert table.unmatched_keys == ("non_exist_key",)
    expected = {
        "param1": (0.1, 0.0001),
        "sub.param1": (0.1, 0.0001),  # 'param1' (len 6) beats 'sub'; tie with 'sub.gn' -> alpha
        "sub.gn.weight": (0.0001, 0.0001),  # custom beats norm_decay_mult
        "sub.gn.bias": (0.0001, 0.0001),
        "sub.conv1.weight": (0.001, 0.0),
        "sub.conv1.bias": (0.001, 0.0),
        "bn.weight": (0.01, 5e-05),
        "bn.bias": (0.01, 5e-05),
        "conv1.weight": (0.01, 0.0001),
        "conv2.weight": (0.01, 0.0001),
        "conv2.bias": (0.01, 0.0001),
        "dcn.weight": (0.01, 0.0001),
        "dcn.conv_offset.weight": (0.01, 0.0001),
        "dcn.conv_offset.bias": (0.01, 0.0001),
    }
    _assert_table(table, {k: v[0] for k, v in expected.items()}, key="lr")
    _assert_table(table, {k: v[1] for k, v in expected.items()}, key="weight_decay")
    assert table.group("sub.param1").rule == "custom_keys['param1']"
    assert table.group("sub.gn.scale").rule == "custom_keys['sub.gn']"


def test_table_h_no_weight_decay_uses_optimizer_default():
    cfg = dict(
        type="SGD",
        lr=0.01,
        momentum=0.9,
        paramwise_cfg=dict(custom_keys={"param1": dict(lr_mult=10)}),
    )
    table = _table(cfg, "nnx")
    for row in table:
        assert row.weight_decay == 0.0
        assert row.lr == pytest.approx(0.1 if row.name.endswith("param1") else 0.01, rel=1e-12)
    # AdamW's own default decay (0.01) when the config has none.
    adamw = _table(dict(type="AdamW", lr=1e-3, paramwise_cfg=dict(bias_lr_mult=3.0)), "nnx")
    assert {row.weight_decay for row in adamw} == {0.01}
    assert adamw.group("conv2.bias").lr == pytest.approx(3e-3, rel=1e-12)


def test_lr_mult_without_lr_multiplies_the_optimizer_default():
    table = _table(dict(type="SGD", paramwise_cfg=dict(custom_keys={"conv": dict(lr_mult=10)})))
    assert table.group("conv1.kernel").lr == pytest.approx(SGD.defaults["lr"] * 10, rel=1e-12)
    assert table.group("param1").lr == SGD.defaults["lr"]


def test_root_level_leading_dot_matching():
    cfg = dict(SGD_CFG, paramwise_cfg=dict(custom_keys={".param1": dict(lr_mult=3)}))
    table = _table(cfg, "linen")
    lrs = {row.name: row.lr for row in table if row.lr != 0.01}
    assert lrs == pytest.approx({"param1": 0.03, "sub.param1": 0.03}, rel=1e-12)


# 3.3 (a): mmengine's base values (lr .01, momentum .0001, wd .9) and precedence.
MMENGINE_CFG = dict(type="SGD", lr=0.01, momentum=0.0001, weight_decay=0.9)


@pytest.mark.parametrize("backend", ["linen", "nnx"])
@pytest.mark.parametrize("flat", [0.3, None])
def test_mmengine_table_a(backend, flat):
    pw = dict(FULL_PARAMWISE, dialect="mmengine")
    if flat is not None:
        pw["flat_decay_mult"] = flat
    table = _table(dict(MMENGINE_CFG, paramwise_cfg=pw), backend)
    flat_wd = 0.9 * flat if flat is not None else 0.9
    expected = {
        "param1": (0.01, flat_wd),
        "conv1.weight": (0.01, 0.9),
        "conv2.weight": (0.01, 0.9),
        "conv2.bias": (0.02, 0.9 * 0.5),
        "bn.weight": (0.01, 0.0),
        "bn.bias": (0.01, 0.0),
        "sub.param1": (0.01, flat_wd),
        "sub.conv1.weight": (0.01, 0.9 * 0.1),
        "sub.conv1.bias": (0.02, 0.9 * 0.5),  # bias rule wins over dwconv in mmengine
        "sub.gn.weight": (0.01, 0.0),
        "sub.gn.bias": (0.01, 0.0),
        "dcn.weight": (0.01, 0.9),
        "dcn.conv_offset.weight": (0.001, 0.9),
        "dcn.conv_offset.bias": (0.001, 0.9),
    }
    _assert_table(table, {k: v[0] for k, v in expected.items()}, key="lr")
    _assert_table(table, {k: v[1] for k, v in expected.items()}, key="weight_decay")
    assert table.group("sub.conv1.bias").rule == "bias_lr_mult+bias_decay_mult"
    assert table.dialect == "mmengine"


def test_norm_bias_with_only_bias_decay_mult_differs_between_dialects():
    pw = dict(bias_decay_mult=0.5)
    mmcv = _table(dict(MMENGINE_CFG, paramwise_cfg=pw), "linen")
    mmengine = _table(dict(MMENGINE_CFG, paramwise_cfg=dict(pw, dialect="mmengine")), "linen")
    assert mmcv.group("bn.bias").weight_decay == 0.9  # norm rule (mult 1) blocks the bias rule
    assert mmcv.group("bn.bias").rule == "norm_decay_mult=1 (default)"
    assert mmengine.group("bn.bias").weight_decay == pytest.approx(0.45, rel=1e-12)
    assert mmcv.group("sub.conv1.bias").weight_decay == 0.9  # dwconv (mult 1) blocks bias
    assert mmengine.group("sub.conv1.bias").weight_decay == pytest.approx(0.45, rel=1e-12)
    assert mmcv.group("conv2.bias").weight_decay == mmengine.group("conv2.bias").weight_decay


def test_mmengine_custom_keys_copy_extras():
    custom = {"sub": dict(lr_mult=0.1, decay_mult=0, momentum=0.5), "bn": dict(lr=0.5)}
    cfg = dict(MMENGINE_CFG, paramwise_cfg=dict(custom_keys=custom, dialect="mmengine"))
    table = _table(cfg, "nnx")
    row = table.group("sub.conv1.kernel")
    assert (row.lr, row.weight_decay, dict(row.extras)) == (
        pytest.approx(0.001),
        0.0,
        {"momentum": 0.5},
    )
    assert table.group("bn.scale").lr == 0.5 and table.group("bn.scale").extras == {}
    assert table.group("conv1.kernel").extras == {}
    assert "momentum=0.5" in str(table)


def test_frozen_custom_key_gives_zero_update_and_no_state():
    cfg = dict(
        SGD_CFG, paramwise_cfg=dict(custom_keys={"sub": dict(frozen=True), "bn": dict(lr_mult=0)})
    )
    params, kinds = _example("linen")
    table = explain(cfg, params, param_kinds=kinds)
    frozen = {row.name for row in table if row.frozen}
    assert frozen == {
        "sub.param1",
        "sub.conv1.kernel",
        "sub.conv1.bias",
        "sub.gn.scale",
        "sub.gn.bias",
    }
    assert table.group("sub.gn.bias").rule == "frozen by custom_keys['sub']"
    hp = SGD.hyperparams(lr=0.01, momentum=0.9, weight_decay=0.0001)
    tx = torch_transform(
        SGD,
        hp,
        groups=lambda tree: groups_from_table(explain(cfg, tree, param_kinds=kinds), SGD, hp),
    )
    real = jax.tree.map(lambda s: jnp.full(s.shape, 0.5, s.dtype), params)
    state = tx.init(real)
    grads = jax.tree.map(jnp.ones_like, real)
    updates, state = jax.jit(tx.update)(grads, state, real)
    assert isinstance(state.leaves["sub"]["gn"]["bias"], optax.MaskedNode)
    np.testing.assert_array_equal(updates["sub"]["conv1"]["kernel"], 0.0)
    # lr_mult=0 is not frozen: state exists, the update is exactly zero (lr 0 scales all).
    assert state.leaves["bn"]["scale"][0].shape == (2,)
    np.testing.assert_array_equal(updates["bn"]["scale"], 0.0)
    np.testing.assert_allclose(updates["conv1"]["kernel"], -0.01 * (1 + 0.0001 * 0.5), rtol=1e-6)


def test_name_fallback_detects_norms_only():
    table = _table(dict(SGD_CFG, paramwise_cfg=FULL_PARAMWISE), "nnx", kinds=False)
    assert table.kind_source == "names"
    expected = dict(TABLE_C)
    # No depthwise or DCN detection by name: plain bias / default rules apply.
    expected.update(
        {
            "sub.conv1.weight": (0.01, 0.0001),
            "sub.conv1.bias": (0.02, 5e-05),
            "dcn.conv_offset.weight": (0.01, 0.0001),
            "dcn.conv_offset.bias": (0.02, 5e-05),
        }
    )
    _assert_table(table, {k: v[0] for k, v in expected.items()}, key="lr")
    _assert_table(table, {k: v[1] for k, v in expected.items()}, key="weight_decay")
    assert table.group("bn.bias").kind == "norm" and table.group("sub.conv1.bias").kind is None


def test_str_to_dicts_and_group_lookup():
    table = _table(dict(SGD_CFG, paramwise_cfg=FULL_PARAMWISE), "linen")
    lines = str(table).splitlines()
    assert lines[0].startswith("paramwise (mmcv dialect, kinds from param_kinds): 14 parameters")
    header = lines[1]
    assert header.split() == ["name", "shape", "lr", "weight_decay", "kind", "rule"]
    # Every row's lr column starts where the header's does (aligned columns).
    col = header.index("lr ")
    rows = {line.split()[0]: line for line in lines[2:]}
    assert len(rows) == 14
    assert rows["dcn.conv_offset.bias"][col:].split()[0] == "0.001"
    assert rows["conv2.bias"][col:].split()[:2] == ["0.02", "5e-05"]
    assert all(line[col - 2 : col] == "  " for line in lines[2:])
    dicts = table.to_dicts()
    assert dicts[0] == {
        "name": "bn.bias",
        "shape": [2],
        "lr": 0.01,
        "weight_decay": 0.0,
        "frozen": False,
        "rule": "norm_decay_mult",
        "kind": "norm",
        "extras": {},
        "fix_lr": False,
    }
    with pytest.raises(KeyError, match="bn.bais"):
        table.group("bn.bais")


@pytest.mark.parametrize(
    "optimizer_cfg, paramwise_cfg, error, key",
    [
        ([], None, TypeError, "optimizer_cfg"),
        (SGD_CFG, ["error"], TypeError, "paramwise_cfg"),
        (
            dict(lr=0.0001, weight_decay=None),
            dict(bias_decay_mult=1, norm_decay_mult=1),
            ValueError,
            "bias_decay_mult",
        ),
        (SGD_CFG, dict(custom_keys=[0.1, 0.0001]), TypeError, "custom_keys"),
        (
            dict(type="SGD", lr=0.01),
            dict(custom_keys={".backbone": dict(decay_mult=0.5)}),
            ValueError,
            ".backbone",
        ),
        (dict(type="SGD", lr=0.01), dict(flat_decay_mult=0.5), ValueError, "flat_decay_mult"),
        (SGD_CFG, dict(bias_lr_mul=2), TypeError, "bias_lr_mul"),
        (SGD_CFG, dict(bias_lr_mult="2"), TypeError, "bias_lr_mult"),
        (SGD_CFG, dict(norm_decay_mult=-1), ValueError, "norm_decay_mult"),
        (SGD_CFG, dict(bias_lr_mult=None), TypeError, "bias_lr_mult"),
        (SGD_CFG, dict(bypass_duplicate="yes"), TypeError, "bypass_duplicate"),
        (SGD_CFG, dict(dialect="mmdet"), ValueError, "dialect"),
        (SGD_CFG, dict(custom_keys={"head": 0.1}), TypeError, "head"),
        (
            SGD_CFG,
            dict(custom_keys={"head": dict(lr_mult=0.1, momentum=0.5)}),
            TypeError,
            "momentum",
        ),
        (SGD_CFG, dict(custom_keys={"head": dict(lr_mult="x")}), TypeError, "lr_mult"),
        (SGD_CFG, dict(custom_keys={"head": dict(frozen=1)}), TypeError, "frozen"),
        (
            SGD_CFG,
            dict(custom_keys={"head": dict(betas=(0.9, 0.99))}, dialect="mmengine"),
            TypeError,
            "betas",
        ),
        (dict(SGD_CFG, type="NoSuchOpt"), None, KeyError, "NoSuchOpt"),
        (dict(lr=0.01), None, KeyError, "type"),
    ],
)
def test_validation_errors(optimizer_cfg, paramwise_cfg, error, key):
    with pytest.raises(error, match=key.replace(".", r"\.")):
        DefaultOptimizerConstructor(optimizer_cfg, paramwise_cfg)


def test_bypass_duplicate_is_accepted_and_changes_nothing():
    a = _table(dict(SGD_CFG, paramwise_cfg=dict(FULL_PARAMWISE, bypass_duplicate=True)))
    b = _table(dict(SGD_CFG, paramwise_cfg=FULL_PARAMWISE))
    assert a.to_dicts() == b.to_dicts()


def test_param_kinds_must_cover_every_parameter():
    params, kinds = _example("linen")
    with pytest.raises(ValueError, match="param1"):
        explain(SGD_CFG, {"extra": {"param1": jnp.zeros(1)}, **params}, param_kinds=kinds)
    with pytest.raises(ValueError, match="bogus"):
        explain(SGD_CFG, {"w": jnp.zeros(1)}, param_kinds={"w": "bogus"})


def test_groups_from_table_on_sgd():
    custom = {"sub": dict(lr_mult=0.1, momentum=0.5), "bn": dict(frozen=True)}
    cfg = dict(SGD_CFG, paramwise_cfg=dict(FULL_PARAMWISE, custom_keys=custom, dialect="mmengine"))
    table = _table(cfg, "linen")
    hp = SGD.hyperparams(lr=0.01, momentum=0.9, weight_decay=0.0001)
    pg = groups_from_table(table, SGD, hp)
    assert len(pg.leaves) == len(jax.tree_util.tree_leaves(_example("linen")[0])) == 14
    # lr groups in order of first appearance, the optimizer's own lr first.
    assert pg.lr == pytest.approx((0.01, 0.02, 0.001))
    assert pg.momentum == (0.9, 0.5)
    by_name = dict(zip([row.name for row in table], pg.leaves, strict=True))
    assert by_name["bn.scale"] == LeafGroup(frozen=True)
    assert by_name["conv2.bias"] == LeafGroup(1, 0, (("weight_decay", 5e-05),), False)
    assert by_name["sub.gn.scale"] == LeafGroup(
        2, 1, (("momentum", 0.5), ("weight_decay", 0.0001)), False
    )
    assert by_name["dcn.conv_offset.kernel"] == LeafGroup(2, 0, (("weight_decay", 0.0001),))
    assert by_name["param1"] == LeafGroup(0, 0, (("weight_decay", 0.0001),))


def test_groups_from_table_adamw_betas_and_bad_extras():
    hp = AdamW.hyperparams(lr=1e-3, betas=(0.9, 0.999))
    rows = [
        ParamRow("a", (2,), 1e-3, 0.01),
        ParamRow("b", (2,), 2e-3, 0.0, extras={"betas": (0.8, 0.99), "eps": 1e-6}),
    ]
    pg = groups_from_table(rows, AdamW, hp)
    assert pg.lr == (1e-3, 2e-3) and pg.momentum == (0.9, 0.8)
    assert pg.leaves[1] == LeafGroup(
        1, 1, (("betas", (0.8, 0.99)), ("eps", 1e-6), ("weight_decay", 0.0))
    )
    with pytest.raises(TypeError, match="nesterov"):
        groups_from_table([ParamRow("a", (2,), 1e-3, 0.0, extras={"nesterov": True})], AdamW, hp)
    with pytest.raises(ValueError, match="momentum"):
        groups_from_table(
            [ParamRow("a", (2,), 1e-3, 0.0, extras={"momentum": -1.0})], SGD, SGD.hyperparams()
        )


def test_one_step_matches_closed_form_for_every_leaf():
    # SGD with momentum, first step: delta = -lr * (g + wd * p) per leaf with its group values.
    params, kinds = _example("nnx")
    cfg = dict(SGD_CFG, paramwise_cfg=FULL_PARAMWISE)
    table = explain(cfg, params, param_kinds=kinds)
    hp = SGD.hyperparams(lr=0.01, momentum=0.9, weight_decay=0.0001)
    tx = torch_transform(
        SGD, hp, groups=lambda t: groups_from_table(explain(cfg, t, param_kinds=kinds), SGD, hp)
    )
    p = {name: np.full(shape, 2.0, np.float32) for name, shape in param_leaves(params)}
    g = {name: np.full(shape, 0.5, np.float32) for name, shape in param_leaves(params)}
    updates, _ = jax.jit(tx.update)(g, tx.init(p), p)
    for row in table:
        expected = -row.lr * (0.5 + row.weight_decay * 2.0)
        np.testing.assert_allclose(updates[row.name], expected, rtol=1e-6, err_msg=row.name)


def test_many_groups_compile_to_the_same_per_leaf_work():
    params = {f"layer{i:03d}": {"kernel": jnp.ones((4, 4)), "bias": jnp.ones(4)} for i in range(80)}
    hp = SGD.hyperparams(lr=0.01, momentum=0.9, weight_decay=1e-4)
    one = dict(SGD_CFG)
    many = dict(
        SGD_CFG,
        paramwise_cfg=dict(
            custom_keys={f"layer{i:03d}": dict(lr_mult=2 + i, decay_mult=2 + i) for i in range(80)}
        ),
    )
    counts = []
    for cfg in (one, many):
        pg = groups_from_table(explain(cfg, params), SGD, hp)
        tx = torch_transform(SGD, hp, groups=lambda t, pg=pg: pg)
        jaxpr = jax.make_jaxpr(tx.update)(params, tx.init(params), params)
        # Operations on parameter-sized arrays only: picking a leaf's scalar lr out of a 1-entry
        # vector is a squeeze, out of a longer one a slice (to f32[1]) + squeeze.
        array_ops = [e for e in jaxpr.eqns if any(v.aval.size > 1 for v in e.outvars)]
        counts.append((len(pg.lr), len(array_ops)))
    assert counts[0][0] == 1 and counts[1][0] == 81
    assert counts[0][1] == counts[1][1]


def test_custom_constructor_registered_in_optimizer_builders():
    # mmcv 3.2 (j): a user constructor reading its own paramwise key.
    # (its own name: configs/custom/my_constructor.py registers MyOptimizerConstructor)
    @OPTIMIZER_BUILDERS.register_module(name="Mmcv32jConstructor", force=True)
    class MyOptimizerConstructor:
        def __init__(self, optimizer_cfg, paramwise_cfg=None):
            self.lr = optimizer_cfg["lr"]
            self.wd = optimizer_cfg["weight_decay"]
            self.mult = (paramwise_cfg or {}).get("conv1_lr_mult", 1.0)

        def __call__(self, params, param_kinds=None):
            rows = [
                ParamRow(n, s, self.lr * (self.mult if n.startswith("conv1") else 1.0), self.wd)
                for n, s in param_leaves(params)
            ]
            return ParamTable(rows, kind_source="unused")

    cfg = dict(
        optimizer=dict(
            SGD_CFG, constructor="Mmcv32jConstructor", paramwise_cfg=dict(conv1_lr_mult=5)
        )
    )
    table = _table(cfg, "linen")
    assert table.group("conv1.kernel").lr == pytest.approx(0.05, rel=1e-12)
    assert table.group("conv1.kernel").weight_decay == 0.0001
    assert {row.lr for row in table if row.name != "conv1.kernel"} == {0.01}
    pg = groups_from_table(table, SGD, SGD.hyperparams(lr=0.01, momentum=0.9, weight_decay=1e-4))
    assert pg.momentum == (0.9,) and pg.lr == pytest.approx((0.01, 0.05))


def test_explain_errors_name_the_key():
    with pytest.raises(KeyError, match="optimizer"):
        explain(dict(lr=0.1), {"w": jnp.zeros(1)})
    with pytest.raises(KeyError, match="NoSuchConstructor"):
        explain(dict(SGD_CFG, constructor="NoSuchConstructor"), {"w": jnp.zeros(1)})


def test_unmatched_warning_tells_absent_from_beaten_keys():
    custom = {"sub": dict(lr_mult=2), "su": dict(lr_mult=3), "zzz": dict(lr_mult=4)}
    with pytest.warns(UserWarning) as record:
        table = _table(dict(SGD_CFG, paramwise_cfg=dict(custom_keys=custom)))
    (message,) = [str(w.message) for w in record]
    assert "['zzz'] are in no name" in message
    assert "['su'] always lose to a longer key" in message
    assert table.unmatched_keys == ("su", "zzz")


def test_nnx_optimizer_and_make_optimizer_use_the_table():
    from flax import nnx

    from jaxoptim import make_optimizer

    model, state, kinds = nnx_example()
    cfg = dict(SGD_CFG, paramwise_cfg=dict(FULL_PARAMWISE, custom_keys={"sub": dict(frozen=True)}))
    tx = make_optimizer(cfg, param_kinds=kinds)
    before = jax.tree.map(np.asarray, nnx.state(model, nnx.Param))
    optimizer = nnx.Optimizer(model, tx, wrt=nnx.Param)
    grads = jax.tree.map(jnp.ones_like, nnx.state(model, nnx.Param))
    optimizer.update(model, grads)
    table = explain(cfg, state, param_kinds=kinds)
    after = nnx.state(model, nnx.Param)
    for (name, _), b, a in zip(
        param_leaves(before),
        jax.tree_util.tree_leaves(before),
        jax.tree_util.tree_leaves(after),
        strict=True,
    ):
        row = table.group(name)
        expected = 0.0 if row.frozen else -row.lr * (1.0 + row.weight_decay * b)
        np.testing.assert_allclose(np.asarray(a) - b, expected, rtol=1e-5, atol=1e-7, err_msg=name)


def test_flat_decay_mult_comes_last_in_the_mmcv_dialect():
    table = _table(dict(SGD_CFG, paramwise_cfg=dict(flat_decay_mult=0.3)), "linen")
    assert table.group("param1").weight_decay == pytest.approx(3e-05, rel=1e-12)
    assert table.group("sub.param1").rule == "flat_decay_mult"
    # Norm, depthwise and bias rules fire first with their default multiplier 1.
    for name in ("bn.scale", "sub.conv1.bias", "conv2.bias"):
        assert table.group(name).weight_decay == 0.0001, name
    assert table.group("bn.scale").rule == "norm_decay_mult=1 (default)"
    # DCN offset convs never get the flat rule; 4-D kernels are not flat.
    assert table.group("dcn.conv_offset.bias").weight_decay == 0.0001
    assert table.group("conv1.kernel").rule == "default"


def test_mmengine_explicit_none_multiplier_is_inactive():
    pw = dict(bias_lr_mult=None, norm_decay_mult=None, bias_decay_mult=0.5, dialect="mmengine")
    table = _table(dict(MMENGINE_CFG, paramwise_cfg=pw), "nnx")
    assert table.group("conv2.bias").lr == 0.01
    assert table.group("bn.bias").weight_decay == pytest.approx(0.45, rel=1e-12)
    assert table.group("bn.scale").weight_decay == 0.9 and table.group("bn.scale").rule == "default"


def test_everything_frozen_gives_no_state_and_zero_updates():
    # mmcv 3.2 (e) has all parameters requires_grad=False; a pytree freezes with frozen=True.
    cfg = dict(SGD_CFG, paramwise_cfg=dict(FULL_PARAMWISE, custom_keys={".": dict(frozen=True)}))
    params, kinds = _example("nnx")
    table = explain(cfg, params, param_kinds=kinds)
    assert all(row.frozen and row.lr == 0.0 for row in table)
    hp = SGD.hyperparams(lr=0.01, momentum=0.9, weight_decay=0.0001)
    pg = groups_from_table(table, SGD, hp)
    assert pg.leaves == (LeafGroup(frozen=True),) * 14 and pg.lr == (0.01,)
    tx = torch_transform(SGD, hp, groups=lambda t: pg)
    p = {name: np.ones(shape, np.float32) for name, shape in param_leaves(params)}
    state = tx.init(p)
    assert all(isinstance(s, optax.MaskedNode) for s in state.leaves.values())
    updates, _ = tx.update(p, state, p)
    assert all(not np.any(u) for u in updates.values())


def test_lars_exclude_custom_key_skips_the_trust_ratio_like_mmpretrain():
    """mmpretrain's LARS: a group with lars_exclude=True uses local_lr = 1 (weight decay still
    applies: its configs pair the flag with decay_mult=0); other leaves keep the trust ratio."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    from jaxoptim import make_optimizer

    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="LARS", lr=0.5, momentum=0.9, weight_decay=1e-2),
            paramwise_cfg=dict(
                custom_keys={
                    "bn": dict(decay_mult=0, lars_exclude=True),
                    "bias": dict(lars_exclude=True),
                }
            ),
        )
    )
    params = {
        "bn": {"scale": jnp.full(3, 2.0)},
        "fc": {"kernel": jnp.full((2, 2), 3.0), "bias": jnp.ones(2)},
    }
    grads = jax.tree_util.tree_map(lambda p: jnp.full_like(p, 0.5), params)
    tx = make_optimizer(cfg)
    updates, _ = jax.jit(tx.update)(grads, tx.init(params), params)
    np.testing.assert_allclose(updates["bn"]["scale"], -0.5 * 0.5, rtol=1e-6)  # no wd, no ratio
    np.testing.assert_allclose(updates["fc"]["bias"], -0.5 * (0.5 + 1e-2), rtol=1e-6)
    # the kernel: mmpretrain's local lr from the raw gradient, eta * |p| / (|g| + wd |p| + eps)
    p_norm, g_norm = np.linalg.norm(np.full((2, 2), 3.0)), np.linalg.norm(np.full((2, 2), 0.5))
    local = 1e-3 * p_norm / (g_norm + 1e-2 * p_norm + 1e-8)
    np.testing.assert_allclose(updates["fc"]["kernel"], -0.5 * local * (0.5 + 3e-2), rtol=1e-5)


# ---- fix_lr custom key + SimSiamHook (mmpretrain / mmselfsup 1.x SimSiam) -----------------


def _simsiam_cfg(hook=None, scheduler=None, **train_cfg):
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=0.05, momentum=0.9, weight_decay=1e-4),
            paramwise_cfg=dict(custom_keys={"predictor": dict(fix_lr=True, lr_mult=2.0)}),
        ),
        param_scheduler=[scheduler or dict(type="CosineAnnealingLR", T_max=4, end=4)],
        train_cfg=train_cfg or dict(type="EpochBasedTrainLoop", max_epochs=4),
    )
    if hook is not None:
        cfg["custom_hooks"] = [dict(type="SimSiamHook", priority="HIGH", fix_pred_lr=True, **hook)]
    return cfg


def _simsiam_params():
    head = {"predictor": {"kernel": jnp.ones(2)}}
    return {"backbone": {"kernel": jnp.ones((2, 2))}, "head": head}


def _group_lrs(cfg, n, ipe):
    tx = jaxoptim.make_optimizer(cfg, iters_per_epoch=ipe)
    params = _simsiam_params()
    state = tx.init(params)
    grads = jax.tree.map(jnp.zeros_like, params)
    out = []
    for _ in range(n):
        _, state = tx.update(grads, state, params)
        out.append(np.asarray(state.hyperparams["lr"]))
    return np.asarray(out)


def _torch_simsiam(hook, n, ipe, scheduler_cfg):
    """mmengine's schedulers over torch groups, with SimSiamHook's reset as mmpretrain's hook
    does it (before each epoch, or each iteration with adjust_by_epoch=False)."""
    import mmengine.optim  # noqa: F401 - registers the schedulers
    from mmengine.registry import PARAM_SCHEDULERS

    base, head = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD(
        [dict(params=[base]), dict(params=[head], lr=0.1, fix_lr=True)], lr=0.05, momentum=0.9
    )
    scheduler = PARAM_SCHEDULERS.build(
        dict(scheduler_cfg), default_args=dict(optimizer=opt, epoch_length=ipe)
    )
    out = []
    for i in range(n):
        if i % ipe == 0 or not hook.get("adjust_by_epoch", True):
            for group in opt.param_groups:
                if group.get("fix_lr"):
                    group["lr"] = hook["lr"]
        out.append([g["lr"] for g in opt.param_groups])
        if not scheduler.by_epoch:
            scheduler.step()
        elif (i + 1) % ipe == 0:
            scheduler.step()
    return np.asarray(out)


@pytest.mark.parametrize(
    "hook, scheduler",
    [
        (dict(lr=0.05), dict(type="CosineAnnealingLR", T_max=4, end=4)),
        (dict(lr=0.02, adjust_by_epoch=False),
         dict(type="CosineAnnealingLR", T_max=4, end=4, convert_to_iter_based=True)),
    ],
)  # fmt: skip
def test_fix_lr_groups_hold_simsiam_hooks_lr_like_mmengine(hook, scheduler):
    cfg = _simsiam_cfg(hook, scheduler)
    got = _group_lrs(cfg, 12, 3)
    want = _torch_simsiam(hook, 12, 3, scheduler)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    table = jaxoptim.explain(cfg, _simsiam_params())
    row = table.group("head.predictor.kernel")
    assert row.fix_lr and row.lr == hook["lr"] and "SimSiamHook" in row.rule


def test_fix_lr_without_the_hook_is_inert_and_warns():
    cfg = _simsiam_cfg()
    with pytest.warns(UserWarning, match="SimSiamHook"):
        table = jaxoptim.explain(cfg, _simsiam_params())
    assert table.group("head.predictor.kernel").lr == pytest.approx(0.1)  # lr_mult, scheduled
    with pytest.warns(UserWarning, match="SimSiamHook"):
        got = _group_lrs(cfg, 6, 3)
    np.testing.assert_allclose(got[:, 1], 2 * got[:, 0], rtol=1e-6)


@pytest.mark.parametrize(
    "cfg, error, match",
    [
        (_simsiam_cfg(dict(lr=0.05), dict(type="LinearLR", by_epoch=False, end=4)), ValueError,
         "adjust_by_epoch=False"),
        (_simsiam_cfg(dict(lr=0.05), None, type="IterBasedTrainLoop", max_iters=12), ValueError,
         "IterBasedTrainLoop"),
        (_simsiam_cfg(dict(lr="0.05")), ValueError, r"SimSiamHook.lr"),
        (_simsiam_cfg(dict(lr=0.05, fix_lr=True)), KeyError, "fix_lr"),
        (dict(type="SGD", lr=0.1, paramwise_cfg=dict(custom_keys={"a": dict(fix_lr=True)})),
         TypeError, "dialect='mmengine'"),
    ],
)  # fmt: skip
def test_bad_fix_lr_configs_raise_naming_the_key(cfg, error, match):
    with pytest.raises(error, match=match):
        jaxoptim.explain(cfg, _simsiam_params())


# --- mmselfsup 0.x's optimizer.paramwise_options (regular-expression keys) ---


def _selfsup_params():
    return {
        "backbone": {"bn1": {"scale": jnp.ones(4)}, "conv1": {"kernel": jnp.ones((3, 3, 1, 4))}},
        "head": {"fc": {"kernel": jnp.ones((4, 2)), "bias": jnp.ones(2)}},
    }


def test_paramwise_options_apply_every_matching_key_in_order():
    """mmselfsup 0.x: each matching regex applies its options in order (later ones win);
    ``<key>_mult`` is the optimizer's value times the multiplier, never cumulative."""
    options = {
        r"(bn|gn)(\d+)?.(scale|bias)": dict(weight_decay_mult=0.1),
        r"\Ahead.": dict(lr_mult=10, momentum=0.0),
        r"bias": dict(lr_mult=2, weight_decay=0.0),
    }
    cfg = dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=1e-4, paramwise_options=options)
    table = jaxoptim.explain(dict(optimizer=cfg), _selfsup_params())
    got = {r.name: (r.lr, r.weight_decay, dict(r.extras)) for r in table}
    assert got["backbone.bn1.scale"] == (0.01, pytest.approx(1e-5), {})
    assert got["backbone.conv1.kernel"] == (0.01, 1e-4, {})
    assert got["head.fc.kernel"] == (pytest.approx(0.1), 1e-4, {"momentum": 0.0})
    # head's lr_mult=10, then bias's lr_mult=2 of the optimizer's lr (0.02, not 0.2)
    assert got["head.fc.bias"] == (pytest.approx(0.02), 0.0, {"momentum": 0.0})
    assert table.group("head.fc.bias").rule == (
        "paramwise_options['\\\\Ahead.']+paramwise_options['bias']"
    )
    tx = jaxoptim.make_optimizer(dict(optimizer=cfg))
    params = _selfsup_params()
    grads = jax.tree_util.tree_map(jnp.ones_like, params)
    updates, _ = tx.update(grads, tx.init(params), params)
    # SGD's first step: -(lr * (g + wd * p))
    np.testing.assert_allclose(updates["head"]["fc"]["bias"], -0.02 * 1.0, rtol=1e-6)
    np.testing.assert_allclose(updates["backbone"]["bn1"]["scale"], -0.01 * (1 + 1e-5), rtol=1e-6)


def test_paramwise_options_errors_name_the_key():
    base = dict(type="SGD", lr=0.01, momentum=0.9)
    with pytest.raises(KeyError, match=r"weight_decay_mult: `weight_decay` is not in"):
        jaxoptim.make_optimizer(dict(base, paramwise_options={"bn": dict(weight_decay_mult=0.0)}))
    with pytest.raises(ValueError, match="not a regular expression"):
        jaxoptim.make_optimizer(dict(base, paramwise_options={"(bn": dict(lr_mult=0.0)}))
    with pytest.raises(ValueError, match="cannot be combined"):
        jaxoptim.make_optimizer(
            dict(
                base,
                paramwise_options={"bn": dict(lr_mult=0.0)},
                paramwise_cfg=dict(bias_lr_mult=2.0),
            )
        )
    with pytest.raises(TypeError, match=r"sets \['betas'\], which SGD does not take"):
        tx = jaxoptim.make_optimizer(dict(base, paramwise_options={"head": dict(betas=(0, 0))}))
        tx.init(_selfsup_params())


def _simsiam_mmcv(**hook):
    return dict(
        optimizer=dict(
            type="SGD",
            lr=0.05,
            momentum=0.9,
            weight_decay=1e-4,
            paramwise_options={"head": dict(fix_lr=True)},
        ),
        lr_config=dict(policy="CosineAnnealing", min_lr=0.0),
        runner=dict(type="EpochBasedRunner", max_epochs=4),
        custom_hooks=[
            dict(type="SimSiamHook", fix_pred_lr=True, lr=0.05, **{"priority": "HIGH", **hook})
        ],
    )


def test_mmcv_simsiam_hook_holds_paramwise_options_fix_lr_groups():
    tx = jaxoptim.make_optimizer(_simsiam_mmcv(), iters_per_epoch=2)
    params = _selfsup_params()
    grads = jax.tree_util.tree_map(jnp.zeros_like, params)
    state, lrs = tx.init(params), []
    for _ in range(8):
        _, state = tx.update(grads, state, params)
        lrs.append(np.asarray(state.hyperparams["lr"]))
    lrs = np.stack(lrs)
    np.testing.assert_allclose(lrs[:, 1], 0.05)  # the fixed group
    cosine = [0.0 + 0.5 * 0.05 * (1 + np.cos(np.pi * e / 4)) for e in (0, 0, 1, 1, 2, 2, 3, 3)]
    np.testing.assert_allclose(lrs[:, 0], cosine, rtol=1e-6)
    with pytest.raises(ValueError, match="adjust_by_epoch=False"):
        cfg = _simsiam_mmcv()
        cfg["lr_config"] = dict(cfg["lr_config"], warmup="linear", warmup_iters=2)
        jaxoptim.make_optimizer(cfg, iters_per_epoch=2)
    cfg["custom_hooks"][0]["adjust_by_epoch"] = False  # reset before every iteration: fine
    jaxoptim.make_optimizer(cfg, iters_per_epoch=2)
    with pytest.raises(ValueError, match="runs before mmcv's LrUpdaterHook"):
        jaxoptim.make_optimizer(_simsiam_mmcv(priority="HIGHEST"), iters_per_epoch=2)
