"""Layer-wise lr decay: mmsegmentation's layer ids and scales, composed with mmcv's rules."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxoptim import OPTIMIZER_BUILDERS, explain, make_optimizer


def _vit(num_layers=3):
    params = {
        "backbone": {
            "patch_embed": {"kernel": jnp.zeros((4, 4)), "bias": jnp.zeros(4)},
            "pos_embed": jnp.zeros((1, 5, 4)),
            "cls_token": jnp.zeros((1, 1, 4)),
            "norm": {"scale": jnp.ones(4), "bias": jnp.zeros(4)},
        },
        "head": {"kernel": jnp.zeros((4, 2)), "bias": jnp.zeros(2)},
    }
    for i in range(num_layers):
        params["backbone"][f"blocks_{i}"] = {
            "ln": {"scale": jnp.ones(4), "bias": jnp.zeros(4)},
            "mlp": {"kernel": jnp.zeros((4, 4)), "bias": jnp.zeros(4)},
        }
    return params


def test_layer_ids_and_scales_match_mmsegmentation_formula():
    cfg = dict(
        type="AdamW",
        lr=1.0,
        weight_decay=0.05,
        constructor="LayerDecayOptimizerConstructor",
        paramwise_cfg=dict(num_layers=3, layer_decay_rate=0.5, norm_decay_mult=0.0),
    )
    table = explain(cfg, _vit())
    lr = {row.name: row.lr for row in table}
    wd = {row.name: row.weight_decay for row in table}
    # scale = rate ** (num_layers + 1 - layer_id); embeddings id 0, blocks_i id i+1, rest id 4
    assert lr["backbone.patch_embed.kernel"] == pytest.approx(0.5**4)
    assert lr["backbone.pos_embed"] == pytest.approx(0.5**4)
    assert lr["backbone.cls_token"] == pytest.approx(0.5**4)
    for i in range(3):
        assert lr[f"backbone.blocks_{i}.mlp.kernel"] == pytest.approx(0.5 ** (3 - i))
        assert lr[f"backbone.blocks_{i}.ln.scale"] == pytest.approx(0.5 ** (3 - i))
    assert lr["head.kernel"] == 1.0 and lr["backbone.norm.scale"] == 1.0
    # mmcv's rules still apply underneath (name fallback marks `norm` / `ln` as norm layers)
    assert wd["backbone.blocks_1.ln.scale"] == 0.0 and wd["backbone.blocks_1.mlp.kernel"] == 0.05
    assert "layer_decay[2]" in table.group("backbone.blocks_1.mlp.kernel").rule


def test_custom_keys_and_frozen_compose_with_the_decay():
    cfg = dict(
        type="SGD",
        lr=0.1,
        constructor="LearningRateDecayOptimizerConstructor",
        paramwise_cfg=dict(
            num_layers=3,
            layer_decay_rate=0.5,
            custom_keys={"head": dict(lr_mult=10.0), "patch_embed": dict(frozen=True)},
        ),
    )
    params = _vit()
    tx = make_optimizer(cfg)
    state = tx.init(params)
    grads = jax.tree_util.tree_map(jnp.ones_like, params)
    updates, _ = jax.jit(tx.update)(grads, state, params)
    np.testing.assert_allclose(updates["head"]["kernel"], -1.0, rtol=1e-6)
    np.testing.assert_allclose(updates["backbone"]["blocks_0"]["mlp"]["kernel"], -0.0125, rtol=1e-6)
    np.testing.assert_array_equal(updates["backbone"]["patch_embed"]["kernel"], 0.0)


def test_nnx_style_list_names_are_blocks():
    params = {"blocks": {0: {"kernel": jnp.zeros(2)}, 1: {"kernel": jnp.zeros(2)}}}
    cfg = dict(
        type="SGD",
        lr=1.0,
        constructor="LayerDecayOptimizerConstructor",
        paramwise_cfg=dict(num_layers=2, layer_decay_rate=0.1),
    )
    lr = {row.name: row.lr for row in explain(cfg, params)}
    assert lr == pytest.approx({"blocks.0.kernel": 0.01, "blocks.1.kernel": 0.1})


@pytest.mark.parametrize(
    "paramwise, exc, key",
    [
        (dict(layer_decay_rate=0.5), KeyError, "num_layers"),
        (dict(num_layers=3), KeyError, "layer_decay_rate"),
        (dict(num_layers=0, layer_decay_rate=0.5), TypeError, "num_layers"),
        (dict(num_layers=3, layer_decay_rate=1.5), ValueError, "layer_decay_rate"),
        (
            dict(num_layers=3, layer_decay_rate=0.5, decay_type="stage_wise"),
            ValueError,
            "decay_type",
        ),
        (
            dict(num_layers=3, layer_decay_rate=0.5, layer_pattern="blocks"),
            ValueError,
            "layer_pattern",
        ),
        (dict(num_layers=3, layer_decay_rate=0.5, embed_keys="stem"), TypeError, "embed_keys"),
        (dict(num_layers=3, layer_decay_rate=0.5, bogus=1), TypeError, "bogus"),
    ],
)
def test_bad_paramwise_cfg_names_the_key(paramwise, exc, key):
    cls = OPTIMIZER_BUILDERS.get("LayerDecayOptimizerConstructor")
    with pytest.raises(exc, match=key):
        cls(dict(type="SGD", lr=0.1), paramwise)


def test_too_small_num_layers_is_an_error():
    cfg = dict(
        type="SGD",
        lr=0.1,
        constructor="LayerDecayOptimizerConstructor",
        paramwise_cfg=dict(num_layers=2, layer_decay_rate=0.5),
    )
    with pytest.raises(ValueError, match="num_layers"):
        explain(cfg, _vit(3))


def test_scheduled_lr_keeps_the_layer_ratios():
    cfg = dict(
        optimizer=dict(
            type="SGD",
            lr=1.0,
            constructor="LayerDecayOptimizerConstructor",
            paramwise_cfg=dict(num_layers=1, layer_decay_rate=0.5),
        ),
        lr_config=dict(policy="step", step=[1], gamma=0.1, by_epoch=False),
    )
    params = {"blocks_0": {"kernel": jnp.zeros(1)}, "head": {"kernel": jnp.zeros(1)}}
    tx = make_optimizer(cfg, max_iters=2)
    state = tx.init(params)
    grads = jax.tree_util.tree_map(jnp.ones_like, params)
    steps = []
    for _ in range(2):
        updates, state = tx.update(grads, state, params)
        steps.append((float(updates["blocks_0"]["kernel"][0]), float(updates["head"]["kernel"][0])))
    np.testing.assert_allclose(steps, [(-0.5, -1.0), (-0.05, -0.1)], rtol=1e-6)
