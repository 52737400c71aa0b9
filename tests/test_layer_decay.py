"""Layer-wise lr decay: mmsegmentation's and mmpretrain's layer ids, scales and weight decay.

mmpretrain is not a test dependency: its package ``__init__`` imports ``mmcv`` (compiled ops,
not installed here), so its constructor cannot be imported next to mmengine + torch alone. The
mmpretrain expectations below are closed forms restated from mmpretrain 1.2.0's source
(``LearningRateDecayOptimWrapperConstructor.add_params``, ``VisionTransformer`` /
``ConvNeXt`` / ``SwinTransformer.get_layer_depth``, ``ImageClassifier.get_layer_depth`` with
prefix ``'backbone.'``):
``lr = base_lr * rate ** (max_depth - depth - 1)``; weight decay: custom key, else norm, else
``bias``, else 1-D, else ``base_wd``. The mmsegmentation ones restate mmseg 1.x's
``get_layer_id_for_convnext`` / ``get_stage_id_for_convnext`` / ``get_layer_id_for_vit`` with
``lr = base_lr * rate ** (num_layers + 2 - layer_id - 1)``.
"""

import re
import warnings

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
            dict(num_layers=3, layer_decay_rate=0.5, decay_type="stage_wise", layer_id_rule="vit"),
            ValueError,
            "decay_type",
        ),
        (
            dict(num_layers=3, layer_decay_rate=0.5, decay_type="block_wise"),
            ValueError,
            "stage_wise",
        ),
        (dict(num_layers=3, layer_decay_rate=0.5, layer_id_rule="resnet"), ValueError, "swin"),
        (
            dict(num_layers=3, layer_decay_rate=0.5, decay_rate=0.5),
            ValueError,
            "decay_rate",
        ),
        (
            dict(num_layers=3, layer_decay_rate=0.5, stage_pattern=r"s(\d+)"),
            ValueError,
            "stage_pattern",
        ),
        (
            dict(
                num_layers=3,
                layer_decay_rate=0.5,
                layer_id_rule="convnext",
                stage_pattern=r"s(\d+)",
            ),
            ValueError,
            "stage_pattern",
        ),
        (
            dict(
                num_layers=3,
                layer_decay_rate=0.5,
                layer_id_rule="convnext",
                layer_pattern=r"b(\d+)",
            ),
            ValueError,
            "layer_pattern",
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


# ---------------------------------------------------------------- ConvNeXt (mmsegmentation)

DEPTHS = (2, 2, 7, 2)


def _convnext_names(style, depths=DEPTHS):
    """``{name: (shape, downsample_stage | None, (stage, block) | None)}`` in one naming style."""

    def downsample(s, i):
        return {
            "torch": f"backbone.downsample_layers.{s}.{i}",
            "linen": f"backbone.downsample_layers_{s}.layers_{i}",
            "linen_nested": f"backbone.downsample_layers_{s}_{i}",
            "nnx": f"backbone.downsample_layers.{s}.layers.{i}",
            "timm": f"backbone.stem.{i}" if s == 0 else f"backbone.stages.{s}.downsample.{i}",
        }[style]

    def block(s, b):
        return {
            "torch": f"backbone.stages.{s}.{b}",
            "linen": f"backbone.stages_{s}.blocks_{b}",
            "linen_nested": f"backbone.stages_{s}_{b}",
            "nnx": f"backbone.stages.{s}.blocks.{b}",
            "timm": f"backbone.stages.{s}.blocks.{b}",
        }[style]

    names = {}
    for s, depth in enumerate(depths):
        for i in range(2):
            names[f"{downsample(s, i)}.kernel"] = ((2, 2, 4, 4), s, None)
            names[f"{downsample(s, i)}.bias"] = ((4,), s, None)
        for b in range(depth):
            names[f"{block(s, b)}.dwconv.kernel"] = ((7, 7, 1, 4), None, (s, b))
            names[f"{block(s, b)}.gamma"] = ((4,), None, (s, b))
    names["backbone.norm3.scale"] = ((4,), None, None)
    names["decode_head.conv_seg.kernel"] = ((1, 1, 4, 3), None, None)
    return names


def _tree(shapes):
    tree = {}
    for name, shape in shapes.items():
        *path, leaf = name.split(".")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = jnp.zeros(shape)
    return tree


def _mmseg_convnext_id(downsample, block, num_layers, stage_wise):
    # mmseg 1.x get_layer_id_for_convnext / get_stage_id_for_convnext, restated.
    if downsample is not None:
        return 0 if stage_wise else (0, 2, 3, num_layers)[downsample]
    if block is not None:
        s, b = block
        return s + 1 if stage_wise else (1, 2, 3 + b // 3, num_layers)[s]
    return num_layers + 1


@pytest.mark.parametrize("style", ["torch", "linen", "linen_nested", "nnx", "timm"])
@pytest.mark.parametrize("decay_type", ["layer_wise", "stage_wise"])
def test_convnext_ids_match_mmsegmentation_in_every_naming_style(style, decay_type):
    names = _convnext_names(style)
    cfg = dict(
        type="AdamW",
        lr=1e-4,
        weight_decay=0.05,
        constructor="LearningRateDecayOptimizerConstructor",
        paramwise_cfg=dict(
            decay_rate=0.9, decay_type=decay_type, num_layers=6, layer_id_rule="convnext"
        ),
    )
    table = explain(cfg, _tree({n: v[0] for n, v in names.items()}))
    assert len(table) == len(names)
    for name, (_, downsample, block) in names.items():
        lid = _mmseg_convnext_id(downsample, block, 6, decay_type == "stage_wise")
        assert table.group(name).lr == 1e-4 * 0.9 ** (6 + 2 - lid - 1), name
        # mmseg zeroes the decay of 1-D leaves and biases; jaxoptim does not do it implicitly
        assert table.group(name).weight_decay == 0.05


def test_mmseg_stage_wise_config_runs_as_written_through_optim_wrapper():
    # mmseg 1.x configs/convnext/convnext-b_upernet_8xb2-amp-160k_ade20k-512x512.py's optimizer
    cfg = dict(
        optim_wrapper=dict(
            type="AmpOptimWrapper",
            optimizer=dict(type="AdamW", lr=0.0001, betas=(0.9, 0.999), weight_decay=0.05),
            paramwise_cfg={"decay_rate": 0.9, "decay_type": "stage_wise", "num_layers": 12},
            constructor="LearningRateDecayOptimizerConstructor",
            loss_scale="dynamic",
        )
    )
    names = _convnext_names("torch")
    lr = {row.name: row.lr for row in explain(cfg, _tree({n: v[0] for n, v in names.items()}))}
    assert lr["backbone.downsample_layers.3.0.kernel"] == 0.0001 * 0.9**13
    for s in range(4):
        assert lr[f"backbone.stages.{s}.0.gamma"] == 0.0001 * 0.9 ** (12 - s)
    assert lr["backbone.norm3.scale"] == lr["decode_head.conv_seg.kernel"] == 0.0001


def test_convnext_patterns_can_be_overridden():
    params = _tree(
        {
            "features.ds0.kernel": (2, 2, 3, 4),
            "features.s2.b5.kernel": (4, 4),
            "features.s3.b0.kernel": (4, 4),
            "classifier.kernel": (4, 2),
        }
    )
    cfg = dict(
        type="SGD",
        lr=1.0,
        constructor="LayerDecayOptimizerConstructor",
        paramwise_cfg=dict(
            num_layers=6,
            layer_decay_rate=0.5,
            layer_id_rule="convnext",
            stage_pattern=r"(?:^|\.)s(\d+)\.b(\d+)(?:\.|$)",
            downsample_pattern=r"(?:^|\.)ds(\d+)(?:\.|$)",
        ),
    )
    lr = {row.name: row.lr for row in explain(cfg, params)}
    # ids: ds0 -> 0, stage 2 block 5 -> 3 + 5 // 3 = 4, stage 3 -> num_layers, rest -> 7
    assert lr == {
        "classifier.kernel": 1.0,
        "features.ds0.kernel": 0.5**7,
        "features.s2.b5.kernel": 0.5**3,
        "features.s3.b0.kernel": 0.5,
    }


def test_convnext_names_that_look_like_stages_but_match_nothing_warn():
    shapes = {n: v[0] for n, v in _convnext_names("linen").items()}
    shapes["backbone.stages_2.norm.scale"] = (4,)
    cfg = dict(
        type="SGD",
        lr=1.0,
        constructor="LayerDecayOptimizerConstructor",
        paramwise_cfg=dict(num_layers=6, layer_decay_rate=0.5, layer_id_rule="convnext"),
    )
    with pytest.warns(UserWarning, match="stage_pattern") as record:
        table = explain(cfg, _tree(shapes))
    assert "backbone.stages_2.norm.scale" in str(record[0].message)
    assert table.group("backbone.stages_2.norm.scale").lr == 1.0


@pytest.mark.parametrize(
    "paramwise, match",
    [
        # stage 2 has 7 blocks: block 6 has id 3 + 6 // 3 = 5 > 4
        (dict(num_layers=4, layer_decay_rate=0.5, layer_id_rule="convnext"), "num_layers"),
        (dict(num_layers=2, decay_rate=0.5, decay_type="stage_wise"), "num_layers"),
        # ConvNeXt names under the default ViT rule: no block would be decayed
        (dict(num_layers=6, layer_decay_rate=0.5), "layer_id_rule"),
    ],
)
def test_convnext_call_time_errors_name_the_key(paramwise, match):
    cfg = dict(
        type="SGD", lr=1.0, constructor="LayerDecayOptimizerConstructor", paramwise_cfg=paramwise
    )
    with pytest.raises(ValueError, match=match):
        explain(cfg, _tree({n: v[0] for n, v in _convnext_names("torch").items()}))


def test_unknown_layer_id_rule_and_decay_type_list_the_allowed_values():
    cls = OPTIMIZER_BUILDERS.get("LearningRateDecayOptimizerConstructor")
    with pytest.raises(ValueError, match=r"layer_id_rule='resnet'.*\['vit', 'convnext', 'swin'\]"):
        cls(dict(type="SGD", lr=0.1), dict(num_layers=2, decay_rate=0.5, layer_id_rule="resnet"))
    with pytest.raises(ValueError, match=r"decay_type='block'.*'layer_wise'.*'stage_wise'"):
        cls(dict(type="SGD", lr=0.1), dict(num_layers=2, decay_rate=0.5, decay_type="block"))


# ------------------------------------------------------------------------- mmpretrain

MMPRETRAIN = "LearningRateDecayOptimWrapperConstructor"


def _mmpretrain_vit(num_layers):
    """A ViT pytree with mmpretrain's VisionTransformer + LinearClsHead names (Flax leaves)."""
    shapes = {
        "backbone.cls_token": (1, 1, 8),
        "backbone.pos_embed": (1, 5, 8),
        "backbone.patch_embed.projection.kernel": (2, 2, 3, 8),
        "backbone.patch_embed.projection.bias": (8,),
        "backbone.ln1.scale": (8,),
        "backbone.ln1.bias": (8,),
        "head.layers.head.kernel": (8, 3),
        "head.layers.head.bias": (3,),
    }
    for i in range(num_layers):
        p = f"backbone.layers.{i}."
        shapes.update(
            {
                p + "ln1.scale": (8,),
                p + "ln1.bias": (8,),
                p + "attn.qkv.kernel": (8, 24),
                p + "attn.qkv.bias": (24,),
                p + "gamma_1": (8,),
                p + "ln2.scale": (8,),
                p + "ln2.bias": (8,),
                p + "ffn.layers.0.0.kernel": (8, 16),
                p + "ffn.layers.0.0.bias": (16,),
            }
        )
    return shapes


def _mmpretrain_vit_depth(name, num_layers):
    # ImageClassifier.get_layer_depth -> VisionTransformer.get_layer_depth(name, 'backbone.')
    max_depth = num_layers + 2
    if not name.startswith("backbone."):
        return max_depth - 1, max_depth
    rest = name[len("backbone.") :]
    if rest in ("cls_token", "pos_embed") or rest.startswith("patch_embed"):
        return 0, max_depth
    if rest.startswith("layers"):
        return int(rest.split(".")[1]) + 1, max_depth
    return max_depth - 1, max_depth


def _mmpretrain_wd(name, shape, paramwise, base_wd, is_norm=None):
    # add_params: custom key (longest, then alphabetical), else norm, else bias, else 1-D.
    custom = paramwise.get("custom_keys", {})
    key = next((k for k in sorted(sorted(custom), key=len, reverse=True) if k in name), None)
    if key is not None:
        return base_wd * custom[key].get("decay_mult", 1.0)
    parts = name.split(".")
    if is_norm is None:
        is_norm = len(parts) > 1 and parts[-2] in ("ln1", "ln2")  # the ViT's LayerNorm modules
    for mult, applies in (
        ("norm_decay_mult", is_norm),
        ("bias_decay_mult", parts[-1] == "bias"),
        ("flat_decay_mult", len(shape) == 1),
    ):
        if applies and paramwise.get(mult) is not None:
            return base_wd * paramwise[mult]
    return base_wd


MMPRETRAIN_CONFIGS = {
    # mmpretrain configs/mae/benchmarks/vit-base-p16_8xb128-coslr-100e_in1k.py
    "mae_finetune": dict(
        layer_decay_rate=0.65,
        custom_keys={
            ".ln": dict(decay_mult=0.0),
            ".bias": dict(decay_mult=0.0),
            ".cls_token": dict(decay_mult=0.0),
            ".pos_embed": dict(decay_mult=0.0),
        },
    ),
    # the constructor's docstring example
    "docstring": dict(
        layer_decay_rate=0.75,
        norm_decay_mult=0.0,
        flat_decay_mult=0.0,
        custom_keys={".cls_token": dict(decay_mult=0.0), ".pos_embed": dict(decay_mult=0.0)},
    ),
    # every weight-decay rule, to pin their order
    "precedence": dict(
        layer_decay_rate=0.5,
        norm_decay_mult=0.5,
        bias_decay_mult=0.25,
        flat_decay_mult=0.125,
        custom_keys={"qkv": dict(decay_mult=2.0)},
    ),
    "no_decay_rate": dict(bias_decay_mult=0.0),
}


@pytest.mark.parametrize("config", sorted(MMPRETRAIN_CONFIGS))
@pytest.mark.parametrize("num_layers", [1, 4])
def test_mmpretrain_vit_lrs_and_weight_decays(config, num_layers):
    paramwise = MMPRETRAIN_CONFIGS[config]
    shapes = _mmpretrain_vit(num_layers)
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="AdamW", lr=2e-3, weight_decay=0.05, betas=(0.9, 0.999)),
            constructor=MMPRETRAIN,
            paramwise_cfg=paramwise,
        )
    )
    table = explain(cfg, _tree(shapes))  # num_layers inferred from the names
    rate = paramwise.get("layer_decay_rate", 1.0)
    for name, shape in shapes.items():
        depth, max_depth = _mmpretrain_vit_depth(name, num_layers)
        row = table.group(name)
        assert row.lr == 2e-3 * rate ** (max_depth - depth - 1), name
        assert row.weight_decay == _mmpretrain_wd(name, shape, paramwise, 0.05), name


def test_mmpretrain_lrs_reach_the_update_through_make_optimizer():
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=1.0),
            constructor=MMPRETRAIN,
            paramwise_cfg=dict(layer_decay_rate=0.5),
        )
    )
    params = _tree(_mmpretrain_vit(2))
    tx = make_optimizer(cfg)
    grads = jax.tree_util.tree_map(jnp.ones_like, params)
    updates, _ = jax.jit(tx.update)(grads, tx.init(params), params)
    backbone = updates["backbone"]
    np.testing.assert_allclose(backbone["cls_token"], -(0.5**3), rtol=1e-6)
    np.testing.assert_allclose(backbone["layers"]["0"]["attn"]["qkv"]["kernel"], -0.25, rtol=1e-6)
    np.testing.assert_allclose(backbone["layers"]["1"]["gamma_1"], -0.5, rtol=1e-6)
    np.testing.assert_allclose(backbone["ln1"]["scale"], -1.0, rtol=1e-6)
    np.testing.assert_allclose(updates["head"]["layers"]["head"]["kernel"], -1.0, rtol=1e-6)


def test_mmpretrain_num_layers_is_inferred_or_given():
    shapes = _mmpretrain_vit(3)
    base = dict(type="SGD", lr=1.0, constructor=MMPRETRAIN)
    inferred = explain(dict(base, paramwise_cfg=dict(layer_decay_rate=0.5)), _tree(shapes))
    assert inferred.group("backbone.layers.0.gamma_1").lr == 0.5**3  # 3 blocks: id 1 of 4
    given = explain(
        dict(base, paramwise_cfg=dict(layer_decay_rate=0.5, num_layers=5)), _tree(shapes)
    )
    assert given.group("backbone.layers.0.gamma_1").lr == 0.5**5
    assert given.group("backbone.cls_token").lr == 0.5**6
    with pytest.raises(ValueError, match="num_layers"):
        explain(dict(base, paramwise_cfg=dict(layer_decay_rate=0.5, num_layers=2)), _tree(shapes))
    no_blocks = _tree({"backbone.patch_embed.kernel": (2, 2), "head.kernel": (2, 2)})
    with pytest.raises(ValueError, match="layer_pattern"):
        explain(dict(base, paramwise_cfg=dict(layer_decay_rate=0.5)), no_blocks)


def _mmpretrain_convnext_depth(name, depths):
    # ConvNeXt.get_layer_depth(name, 'backbone.'), restated.
    max_layer_id = 12 if depths[-2] > 9 else 6
    if not name.startswith("backbone."):
        return max_layer_id + 1, max_layer_id + 2
    parts = name[len("backbone.") :].split(".")
    if parts[0] == "downsample_layers":
        s = int(parts[1])
        lid = 0 if s == 0 else s + 1 if s in (1, 2) else max_layer_id
    elif parts[0] == "stages":
        s, b = int(parts[1]), int(parts[2])
        lid = s + 1 if s in (0, 1) else 3 + b // 3 if s == 2 else max_layer_id
    else:
        lid = max_layer_id + 1
    return lid, max_layer_id + 2


@pytest.mark.parametrize("depths", [(1, 1, 9, 1), (1, 1, 10, 1)])
def test_mmpretrain_convnext_infers_its_max_layer_id_from_stage_2(depths):
    names = {
        n.replace(".kernel", ".weight").replace("decode_head.conv_seg", "head.fc"): v[0]
        for n, v in _convnext_names("torch", depths).items()
    }
    cfg = dict(
        type="AdamW",
        lr=1e-3,
        weight_decay=0.05,
        constructor=MMPRETRAIN,
        paramwise_cfg=dict(layer_decay_rate=0.8, layer_id_rule="convnext"),
    )
    table = explain(cfg, _tree(names))
    for name in names:
        depth, max_depth = _mmpretrain_convnext_depth(name, depths)
        assert table.group(name).lr == 1e-3 * 0.8 ** (max_depth - depth - 1), name


def test_mmpretrain_custom_key_entries_become_group_hyperparameters():
    cfg = dict(
        type="AdamW",
        lr=1.0,
        weight_decay=0.05,
        constructor=MMPRETRAIN,
        paramwise_cfg=dict(
            layer_decay_rate=0.5,
            custom_keys={
                "head": dict(decay_mult=0.5, weight_decay=0.2, betas=(0.8, 0.99)),
                "patch_embed": dict(frozen=True),
            },
        ),
    )
    table = explain(cfg, _tree(_mmpretrain_vit(1)))
    head = table.group("head.layers.head.kernel")
    # mmpretrain: group.update(entry) after weight_decay = base_wd * decay_mult
    assert (head.lr, head.weight_decay, dict(head.extras)) == (1.0, 0.2, {"betas": (0.8, 0.99)})
    assert table.group("backbone.patch_embed.projection.kernel").frozen


@pytest.mark.parametrize(
    "paramwise, exc, key",
    [
        (dict(bias_lr_mult=2.0), TypeError, "bias_lr_mult"),
        (dict(dwconv_decay_mult=0.0), TypeError, "dwconv_decay_mult"),
        (dict(dialect="mmcv"), TypeError, "dialect"),
        (dict(decay_type="layer_wise"), TypeError, "decay_type"),
        (dict(bogus=1), TypeError, "bogus"),
        (dict(custom_keys={"head": dict(lr_mult=10.0)}), TypeError, "lr_mult"),
        (dict(custom_keys={"head": dict(lr=1.0)}), TypeError, r"\.lr"),
        (dict(layer_decay_rate=0.0), ValueError, "layer_decay_rate"),
        (dict(layer_decay_rate=True), ValueError, "layer_decay_rate"),
        (dict(num_layers=0), TypeError, "num_layers"),
        (dict(layer_id_rule="resnet"), ValueError, "layer_id_rule"),
        (dict(layer_id_rule="convnext", layer_pattern=r"b(\d+)"), ValueError, "layer_pattern"),
        (dict(embed_keys="cls_token"), TypeError, "embed_keys"),
    ],
)
def test_mmpretrain_bad_paramwise_cfg_names_the_key(paramwise, exc, key):
    cls = OPTIMIZER_BUILDERS.get(MMPRETRAIN)
    with pytest.raises(exc, match=key):
        cls(dict(type="AdamW", lr=1e-3, weight_decay=0.05), paramwise)


def test_mmpretrain_custom_keys_need_weight_decay():
    cls = OPTIMIZER_BUILDERS.get(MMPRETRAIN)
    with pytest.raises(ValueError, match="custom_keys"):
        cls(dict(type="AdamW", lr=1e-3), dict(custom_keys={"head": dict(betas=(0.8, 0.9))}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # frozen alone needs no weight decay, and matches
        table = cls(dict(type="AdamW", lr=1e-3), dict(custom_keys={"head": dict(frozen=True)}))(
            _tree(_mmpretrain_vit(1))
        )
    assert table.group("head.layers.head.bias").frozen


def test_rate_one_is_no_decay_and_needs_no_layer_names():
    params = _tree({"conv.kernel": (3, 3, 2, 2), "conv.bias": (2,)})
    for constructor, paramwise in [
        (MMPRETRAIN, None),
        (MMPRETRAIN, dict(bias_decay_mult=0.0)),
        ("LayerDecayOptimizerConstructor", dict(num_layers=2, decay_rate=1.0)),
    ]:
        cfg = dict(
            type="AdamW",
            lr=0.1,
            weight_decay=0.05,
            constructor=constructor,
            paramwise_cfg=paramwise,
        )
        assert [row.lr for row in explain(cfg, params)] == [0.1, 0.1]


def test_mmseg_layer_wise_vit_is_layer_wise():
    cfg = dict(
        type="SGD",
        lr=1.0,
        constructor="LearningRateDecayOptimizerConstructor",
        paramwise_cfg=dict(num_layers=3, decay_rate=0.5),
    )
    vit = dict(cfg, paramwise_cfg=dict(num_layers=3, decay_rate=0.5, decay_type="layer_wise_vit"))
    assert [r.lr for r in explain(vit, _vit())] == [r.lr for r in explain(cfg, _vit())]


# ------------------------------------------------------------------------- Swin (mmpretrain)

SWIN_T = (2, 2, 6, 2)


def _swin(style, depths=SWIN_T):
    """``{name: (shape, torch name, is_norm)}`` of an mmpretrain Swin classifier in one naming.

    SwinTransformer(use_abs_pos_embed=True, out_indices=(3,)) + LinearClsHead, a few leaves per
    module; ``style``: ``'torch'`` (mmpretrain's state-dict names), ``'linen'`` (``stages_2.
    blocks_5``, Flax leaves) or ``'linen_nested'`` (``stages_2_blocks_5``).
    """
    modules = {  # torch module -> leaves (name, shape); the norm modules' names start with norm
        "backbone.patch_embed.projection": [("weight", (8, 3, 4, 4)), ("bias", (8,))],
        "backbone.patch_embed.norm": [("weight", (8,)), ("bias", (8,))],
    }
    for s, depth in enumerate(depths):
        for b in range(depth):
            p = f"backbone.stages.{s}.blocks.{b}."
            modules[p + "norm1"] = [("weight", (8,)), ("bias", (8,))]
            modules[p + "attn.w_msa"] = [("relative_position_bias_table", (169, 2))]
            modules[p + "attn.w_msa.qkv"] = [("weight", (24, 8)), ("bias", (24,))]
            modules[p + "ffn.layers.1"] = [("weight", (8, 32))]
        if s < len(depths) - 1:  # the last stage has no patch merging
            modules[f"backbone.stages.{s}.downsample.norm"] = [("weight", (32,)), ("bias", (32,))]
            modules[f"backbone.stages.{s}.downsample.reduction"] = [("weight", (16, 32))]
    modules["backbone.norm3"] = [("weight", (8,)), ("bias", (8,))]
    modules["head.fc"] = [("weight", (3, 8)), ("bias", (3,))]

    names = {"backbone.absolute_pos_embed": ((1, 16, 8), "backbone.absolute_pos_embed", False)}
    for module, leaves in modules.items():
        is_norm = module.rsplit(".", 1)[-1].startswith("norm")
        for leaf, shape in leaves:
            torch_name = f"{module}.{leaf}"
            if style != "torch":
                module_name = re.sub(r"\.(\d+)", r"_\1", module)  # stages.2 -> stages_2
                if style == "linen_nested":
                    module_name = re.sub(r"(stages_\d+)\.", r"\1_", module_name)
                if leaf == "weight":
                    leaf = "scale" if is_norm else "kernel"
                names[f"{module_name}.{leaf}"] = (shape, torch_name, is_norm)
            else:
                names[torch_name] = (shape, torch_name, is_norm)
    return names


def _kinds(names):
    """param_kinds for torch-style names (the name fallback knows Flax's ``scale`` only)."""
    tree = {}
    for name, (_, _, is_norm) in names.items():
        *path, leaf = name.split(".")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = "norm" if is_norm else None
    return tree


def _mmpretrain_swin_depth(torch_name, depths):
    # ImageClassifier.get_layer_depth -> SwinTransformer.get_layer_depth(name, 'backbone.'),
    # restated: max depth sum(depths) + 2; a patch merging shares its stage's last block's depth.
    max_depth = sum(depths) + 2
    if not torch_name.startswith("backbone."):
        return max_depth - 1, max_depth
    parts = torch_name[len("backbone.") :].split(".")
    if parts[0] == "patch_embed":
        return 0, max_depth
    if parts[0] == "stages":
        stage = int(parts[1])
        if parts[2] == "downsample":
            return sum(depths[: stage + 1]), max_depth
        return sum(depths[:stage]) + int(parts[3]) + 1, max_depth
    return max_depth - 1, max_depth


SWIN_CONFIGS = {
    # mmpretrain configs/simmim/benchmarks/swin-base-w6_8xb256-coslr-100e_in1k-192px.py
    "simmim_finetune": dict(
        layer_decay_rate=0.9,
        custom_keys={
            ".norm": dict(decay_mult=0.0),
            ".bias": dict(decay_mult=0.0),
            ".absolute_pos_embed": dict(decay_mult=0.0),
            ".relative_position_bias_table": dict(decay_mult=0.0),
        },
    ),
    # every weight-decay rule, to pin their order
    "precedence": dict(
        layer_decay_rate=0.5,
        norm_decay_mult=0.5,
        bias_decay_mult=0.25,
        flat_decay_mult=0.125,
        custom_keys={"qkv": dict(decay_mult=2.0)},
    ),
}


@pytest.mark.parametrize("style", ["torch", "linen", "linen_nested"])
@pytest.mark.parametrize("config", sorted(SWIN_CONFIGS))
@pytest.mark.parametrize("depths", [SWIN_T, (1, 1, 3, 2)])
def test_mmpretrain_swin_lrs_and_weight_decays(style, config, depths):
    names = _swin(style, depths)
    paramwise = dict(SWIN_CONFIGS[config], layer_id_rule="swin")  # depths inferred
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="AdamW", lr=5e-3, weight_decay=0.05),
            constructor=MMPRETRAIN,
            paramwise_cfg=paramwise,
        )
    )
    kinds = _kinds(names) if style == "torch" else None  # Flax: the name fallback finds norms
    table = explain(cfg, _tree({n: v[0] for n, v in names.items()}), param_kinds=kinds)
    assert len(table) == len(names)
    rate = paramwise["layer_decay_rate"]
    for name, (shape, torch_name, is_norm) in names.items():
        depth, max_depth = _mmpretrain_swin_depth(torch_name, depths)
        row = table.group(name)
        assert row.lr == 5e-3 * rate ** (max_depth - depth - 1), name
        assert row.weight_decay == _mmpretrain_wd(name, shape, paramwise, 0.05, is_norm), name


SWIN_T_DEPTHS = {
    # Swin-T: 12 blocks, max depth 14; the factor is rate ** (13 - depth)
    "backbone.patch_embed.projection.weight": 0,
    "backbone.stages.0.blocks.0.attn.w_msa.qkv.weight": 1,
    "backbone.stages.0.blocks.1.attn.w_msa.qkv.weight": 2,
    "backbone.stages.0.downsample.reduction.weight": 2,  # after stage 0's last block
    "backbone.stages.1.blocks.0.norm1.weight": 3,
    "backbone.stages.1.downsample.norm.weight": 4,
    "backbone.stages.2.blocks.5.ffn.layers.1.weight": 10,
    "backbone.stages.2.downsample.reduction.weight": 10,
    "backbone.stages.3.blocks.0.norm1.weight": 11,
    "backbone.stages.3.blocks.1.norm1.weight": 12,
    "backbone.absolute_pos_embed": 13,  # not an embedding to mmpretrain's Swin
    "backbone.norm3.weight": 13,
    "head.fc.weight": 13,
}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        dict(depths=[2, 2, 6, 2]),
        dict(num_layers=12),
        dict(depths=(2, 2, 6, 2), num_layers=12),
    ],
)
def test_swin_t_depths_inferred_or_given(extra):
    names = _swin("torch")
    cfg = dict(
        type="SGD",
        lr=1.0,
        constructor=MMPRETRAIN,
        paramwise_cfg=dict(layer_decay_rate=0.5, layer_id_rule="swin", **extra),
    )
    lr = {row.name: row.lr for row in explain(cfg, _tree({n: v[0] for n, v in names.items()}))}
    assert {n: lr[n] for n in SWIN_T_DEPTHS} == {
        n: 0.5 ** (13 - d) for n, d in SWIN_T_DEPTHS.items()
    }


def test_swin_given_depths_override_the_names():
    # a tree with fewer blocks than the given depths (e.g. a partial one) keeps the given ids
    names = _swin("linen", depths=(2, 2, 4, 2))
    cfg = dict(
        type="SGD",
        lr=1.0,
        constructor=MMPRETRAIN,
        paramwise_cfg=dict(layer_decay_rate=0.5, layer_id_rule="swin", depths=[2, 2, 6, 2]),
    )
    lr = {row.name: row.lr for row in explain(cfg, _tree({n: v[0] for n, v in names.items()}))}
    assert lr["backbone.stages_2.blocks_3.ffn.layers_1.kernel"] == 0.5 ** (13 - 8)
    assert lr["backbone.stages_2.downsample.reduction.kernel"] == 0.5 ** (13 - 10)
    assert lr["backbone.stages_3.blocks_1.norm1.scale"] == 0.5 ** (13 - 12)


def test_swin_embed_keys_can_make_absolute_pos_embed_an_embedding():
    names = _swin("torch")
    cfg = dict(
        type="SGD",
        lr=1.0,
        constructor=MMPRETRAIN,
        paramwise_cfg=dict(
            layer_decay_rate=0.5,
            layer_id_rule="swin",
            embed_keys=["patch_embed", "absolute_pos_embed"],
        ),
    )
    table = explain(cfg, _tree({n: v[0] for n, v in names.items()}))
    assert table.group("backbone.absolute_pos_embed").lr == 0.5**13


def test_swin_lrs_reach_the_update_and_compose_with_mmcv_rules():
    names = _swin("linen")
    params = _tree({n: v[0] for n, v in names.items()})
    cfg = dict(
        type="SGD",
        lr=1.0,
        constructor="LayerDecayOptimizerConstructor",
        paramwise_cfg=dict(
            num_layers=12,
            layer_decay_rate=0.5,
            layer_id_rule="swin",
            custom_keys={"head": dict(lr_mult=10.0)},
        ),
    )
    for name, (_, torch_name, _) in names.items():
        depth, _ = _mmpretrain_swin_depth(torch_name, SWIN_T)
        expected = (10.0 if name.startswith("head.") else 1.0) * 0.5 ** (12 + 1 - depth)
        assert explain(cfg, params).group(name).lr == expected, name
    tx = make_optimizer(cfg)
    grads = jax.tree_util.tree_map(jnp.ones_like, params)
    updates, _ = jax.jit(tx.update)(grads, tx.init(params), params)
    reduction = updates["backbone"]["stages_1"]["downsample"]["reduction"]["kernel"]
    np.testing.assert_allclose(reduction, -(0.5**9), rtol=1e-6)
    np.testing.assert_allclose(updates["head"]["fc"]["kernel"], -10.0, rtol=1e-6)


def test_swin_patterns_can_be_overridden():
    params = _tree(
        {
            "features.s0.b0.kernel": (4, 4),
            "features.s0.b1.kernel": (4, 4),
            "features.merge0.kernel": (8, 4),
            "features.s1.b0.kernel": (4, 4),
            "features.s1.b2.kernel": (4, 4),
            "classifier.kernel": (4, 2),
        }
    )
    cfg = dict(
        type="SGD",
        lr=1.0,
        constructor=MMPRETRAIN,
        paramwise_cfg=dict(
            layer_decay_rate=0.5,
            layer_id_rule="swin",
            stage_pattern=r"(?:^|\.)s(\d+)\.b(\d+)(?:\.|$)",
            downsample_pattern=r"(?:^|\.)merge(\d+)(?:\.|$)",
        ),
    )
    lr = {row.name: row.lr for row in explain(cfg, params)}
    # inferred depths (2, 3): ids 1, 2, merge0 2, 3, 5, head 6
    assert lr == {
        "classifier.kernel": 1.0,
        "features.merge0.kernel": 0.5**4,
        "features.s0.b0.kernel": 0.5**5,
        "features.s0.b1.kernel": 0.5**4,
        "features.s1.b0.kernel": 0.5**3,
        "features.s1.b2.kernel": 0.5**1,
    }


@pytest.mark.parametrize(
    "constructor, paramwise, exc, key",
    [
        (MMPRETRAIN, dict(layer_id_rule="swin", depths="2,2,6,2"), TypeError, "depths"),
        (MMPRETRAIN, dict(layer_id_rule="swin", depths=[2, 0, 6, 2]), TypeError, "depths"),
        (MMPRETRAIN, dict(layer_id_rule="swin", depths=[]), TypeError, "depths"),
        (MMPRETRAIN, dict(layer_id_rule="swin", depths=[2, True]), TypeError, "depths"),
        (MMPRETRAIN, dict(depths=[2, 2, 6, 2]), ValueError, "depths"),
        (MMPRETRAIN, dict(layer_id_rule="convnext", depths=[2, 2]), ValueError, "depths"),
        (
            MMPRETRAIN,
            dict(layer_id_rule="swin", layer_pattern=r"b(\d+)"),
            ValueError,
            "layer_pattern",
        ),
        (
            MMPRETRAIN,
            dict(layer_id_rule="swin", stage_pattern=r"s(\d+)"),
            ValueError,
            "stage_pattern",
        ),
        (
            "LayerDecayOptimizerConstructor",
            dict(num_layers=12, decay_rate=0.9, decay_type="stage_wise", layer_id_rule="swin"),
            ValueError,
            "decay_type",
        ),
    ],
)
def test_swin_bad_paramwise_cfg_names_the_key(constructor, paramwise, exc, key):
    cls = OPTIMIZER_BUILDERS.get(constructor)
    with pytest.raises(exc, match=key):
        cls(dict(type="AdamW", lr=1e-3, weight_decay=0.05), paramwise)


def _swin_shapes(style, without=None):
    return {n: v[0] for n, v in _swin(style).items() if without is None or without not in n}


def _swin_v2_shapes():
    """Swin-T's torch names with SwinTransformerV2's layout: stage s's merging moved to s + 1."""

    def moved(name):
        return re.sub(
            r"stages\.(\d)\.downsample", lambda m: f"stages.{int(m[1]) + 1}.downsample", name
        )

    return {moved(n): shape for n, shape in _swin_shapes("torch").items()}


@pytest.mark.parametrize(
    "constructor, extra, names, match",
    [
        # given depths too small for the names
        (
            MMPRETRAIN,
            dict(depths=[2, 2, 4, 2]),
            _swin_shapes("torch"),
            r"depths=.*block 4 of stage 2",
        ),
        (MMPRETRAIN, dict(depths=[2, 2, 6]), _swin_shapes("linen"), r"depths=.*stage 3"),
        # num_layers must be sum(depths) = 12
        (
            MMPRETRAIN,
            dict(num_layers=10),
            _swin_shapes("torch"),
            r"num_layers=10.*sum\(depths\)=12",
        ),
        (
            "LayerDecayOptimizerConstructor",
            dict(num_layers=13),
            _swin_shapes("linen"),
            "num_layers",
        ),
        # stage 1 keeps its patch merging but lost its blocks: its depth cannot be inferred
        (
            MMPRETRAIN,
            {},
            _swin_shapes("torch", without="stages.1.blocks"),
            r"stage\(s\) \[1\].*depths",
        ),
        # a stage's own norm that no pattern knows would silently get the head's lr
        (
            MMPRETRAIN,
            {},
            {**_swin_shapes("linen"), "backbone.stages_2.norm.scale": (8,)},
            "stage_pattern",
        ),
        # SwinTransformerV2: patch merging opens stages 1..3 (v1's ids would misplace it)
        (
            MMPRETRAIN,
            {},
            _swin_v2_shapes(),
            "SwinTransformerV2",
        ),
        # ViT names under the Swin rule
        (MMPRETRAIN, {}, _mmpretrain_vit(2), "stage_pattern"),
    ],
)
def test_swin_call_time_errors_name_the_key(constructor, extra, names, match):
    paramwise = dict(layer_decay_rate=0.5, layer_id_rule="swin", **extra)
    if constructor != MMPRETRAIN:
        paramwise.setdefault("num_layers", 12)
    cfg = dict(type="SGD", lr=1.0, constructor=constructor, paramwise_cfg=paramwise)
    with pytest.raises(ValueError, match=match):
        explain(cfg, _tree(names))
