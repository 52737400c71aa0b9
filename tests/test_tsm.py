"""mmaction2's TSM constructors: the groups of its source's rules (0.x and 1.x)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxoptim import make_optimizer
from jaxoptim.tsm import TSMOptimizerConstructor, TSMOptimWrapperConstructor

# A TSM-like tree: a stem conv with bias, its bn, a block conv with bias, a middle linear and
# the cls head's fc (names sort in definition order).
PARAMS = {
    "a_conv1": {"kernel": jnp.ones((3, 3, 3, 4)), "bias": jnp.ones(4)},
    "b_bn1": {"scale": jnp.ones(4), "bias": jnp.ones(4)},
    "c_conv2": {"kernel": jnp.ones((3, 3, 4, 4)), "bias": jnp.ones(4)},
    "d_fc0": {"kernel": jnp.ones((4, 4)), "bias": jnp.ones(4)},
    "e_cls_fc": {"kernel": jnp.ones((4, 2)), "bias": jnp.ones(2)},
}
OPT = dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=1e-4)


def _table(cls, fc_lr5):
    table = cls(OPT, dict(fc_lr5=fc_lr5))(PARAMS)
    return {r.name: (None if r.frozen else round(r.lr / 0.01, 6), r.weight_decay) for r in table}


def test_mmaction2_0x_rules():
    wd = 1e-4
    expect = {
        "a_conv1.kernel": (1, wd),  # first conv weight
        "a_conv1.bias": (None, 0.0),  # conv biases join no group: never updated
        "b_bn1.scale": (1, 0.0),
        "b_bn1.bias": (1, 0.0),
        "c_conv2.kernel": (1, wd),
        "c_conv2.bias": (None, 0.0),
        "d_fc0.kernel": (5, wd),  # fc_lr5: every linear layer
        "d_fc0.bias": (10, 0.0),
        "e_cls_fc.kernel": (5, wd),
        "e_cls_fc.bias": (10, 0.0),
    }
    assert _table(TSMOptimizerConstructor, True) == expect
    plain = _table(TSMOptimizerConstructor, False)
    assert plain["d_fc0.kernel"] == plain["e_cls_fc.kernel"] == (1, wd)
    assert plain["d_fc0.bias"] == plain["e_cls_fc.bias"] == (2, 0.0)


def test_mmaction2_1x_rules():
    wd = 1e-4
    expect = {
        "a_conv1.kernel": (1, wd),
        "a_conv1.bias": (2, 0.0),  # first conv bias
        "b_bn1.scale": (1, 0.0),
        "b_bn1.bias": (1, 0.0),
        "c_conv2.kernel": (1, wd),
        "c_conv2.bias": (2, 0.0),
        "d_fc0.kernel": (1, wd),  # only the last fc gets fc_lr5
        "d_fc0.bias": (2, 0.0),
        "e_cls_fc.kernel": (5, wd),
        "e_cls_fc.bias": (10, 0.0),
    }
    assert _table(TSMOptimWrapperConstructor, True) == expect
    plain = _table(TSMOptimWrapperConstructor, False)
    assert plain["e_cls_fc.kernel"] == (1, wd) and plain["e_cls_fc.bias"] == (2, 0.0)


def test_tsm_config_trains_with_the_group_lrs():
    """mmaction2 tsm_r50 config shape: constructor + paramwise_cfg=dict(fc_lr5=True); plain
    SGD (no momentum) so one step is -lr * (grad + wd * p) per leaf, frozen leaves untouched."""
    cfg = dict(
        optimizer=dict(
            type="SGD",
            lr=0.01,
            weight_decay=1e-4,
            constructor="TSMOptimizerConstructor",
            paramwise_cfg=dict(fc_lr5=True),
        )
    )
    tx = make_optimizer(cfg)
    state = tx.init(PARAMS)
    grads = jax.tree_util.tree_map(jnp.ones_like, PARAMS)
    updates, _ = jax.jit(tx.update)(grads, state, PARAMS)
    new = optax.apply_updates(PARAMS, updates)
    np.testing.assert_allclose(new["d_fc0"]["kernel"], 1 - 0.05 * (1 + 1e-4), rtol=1e-6)
    np.testing.assert_allclose(new["e_cls_fc"]["bias"], 1 - 0.1, rtol=1e-6)
    np.testing.assert_allclose(new["b_bn1"]["scale"], 1 - 0.01, rtol=1e-6)
    np.testing.assert_array_equal(new["a_conv1"]["bias"], 1.0)


def test_bad_input_names_the_key():
    with pytest.raises(KeyError, match="fc_lr5"):
        TSMOptimizerConstructor(OPT, {})
    with pytest.raises(TypeError, match="fc_lr5"):
        TSMOptimWrapperConstructor(OPT, dict(fc_lr5=1))
    with pytest.raises(KeyError, match="weight_decay"):
        TSMOptimizerConstructor(dict(type="SGD", lr=0.1), dict(fc_lr5=True))
    odd = {"embed": {"table": jnp.ones((5, 4))}}
    with pytest.raises(ValueError, match="'embed'.*learning policy"):
        TSMOptimizerConstructor(OPT, dict(fc_lr5=True))(odd)


def test_feature_config_mmaction2_sgd_tsm_50e_builds_and_schedules():
    from pathlib import Path

    from jaxoptim.config import Config

    path = Path(__file__).parent / "data" / "feature_configs" / "mmaction2_sgd_tsm_50e.py"
    tx = make_optimizer(Config.fromfile(path), iters_per_epoch=2)
    assert tx.info.max_iters == 100 and tx.info.grad_clip["max_norm"] == 20
    state = tx.init(PARAMS)
    update = jax.jit(tx.update)
    grads = jax.tree_util.tree_map(jnp.zeros_like, PARAMS)
    seen = []
    for i in range(82):
        _, state = update(grads, state, PARAMS)
        if i in (0, 39, 40, 79, 80):
            seen.append(np.asarray(state.hyperparams["lr"]))
    # groups: base 0.01 first, then the 1.x multipliers present (2x, 5x, 10x)
    np.testing.assert_allclose(sorted(seen[0]), [0.01, 0.02, 0.05, 0.1], rtol=1e-6)
    for got, factor in zip(seen, (1, 1, 0.1, 0.1, 0.01)):
        np.testing.assert_allclose(got, seen[0] * factor, rtol=1e-5)
