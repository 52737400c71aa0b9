"""param_kinds: the module kind of every parameter, for Flax linen and nnx."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import pytest
from _example_models import EXAMPLE_INPUT, LinenExampleModel, linen_example, nnx_example
from flax import nnx

from jaxoptim import param_kinds
from jaxoptim.kinds import kinds_from_names
from jaxoptim.optimizer_base import path_name

EXAMPLE_KINDS = {
    "bn.bias": "norm",
    "bn.scale": "norm",
    "conv1.kernel": None,
    "conv2.bias": None,
    "conv2.kernel": None,
    "dcn.conv_offset.bias": "dcn_offset",
    "dcn.conv_offset.kernel": "dcn_offset",
    "dcn.weight": None,
    "param1": None,
    "sub.conv1.bias": "dwconv",
    "sub.conv1.kernel": "dwconv",
    "sub.gn.bias": "norm",
    "sub.gn.scale": "norm",
    "sub.param1": None,
}


def _by_name(kinds):
    flat = jax.tree_util.tree_flatten_with_path(
        kinds, is_leaf=lambda x: x is None or isinstance(x, str)
    )[0]
    return {path_name(p): k for p, k in flat}


def test_linen_example_model_kinds():
    _, params, kinds = linen_example()
    assert isinstance(kinds, dict) and "params" not in kinds
    assert _by_name(kinds) == EXAMPLE_KINDS
    # Same structure as variables['params'] once None leaves are kept.
    assert jax.tree_util.tree_structure(
        kinds, is_leaf=lambda x: x is None
    ) == jax.tree_util.tree_structure(jax.tree.map(lambda _: 0, params))


def test_nnx_example_model_kinds():
    model, state, kinds = nnx_example()
    assert isinstance(kinds, nnx.State)
    assert _by_name(kinds) == EXAMPLE_KINDS
    names = {
        path_name(p)
        for p, _ in jax.tree_util.tree_flatten_with_path(
            state, is_leaf=lambda x: isinstance(x, nnx.Variable)
        )[0]
    }
    assert names == set(EXAMPLE_KINDS)


class _ConvZoo(nn.Module):
    @nn.compact
    def __call__(self, x, x1, x_seq):
        nn.Conv(4, (3, 3), name="plain")(x)  # 3 -> 4, groups 1
        nn.Conv(3, (3, 3), feature_group_count=3, name="dw")(x)  # depthwise
        nn.Conv(6, (3, 3), feature_group_count=3, name="dw_mult")(x)  # depthwise, multiplier 2
        nn.Conv(4, (3, 3), name="one_in")(x1)  # in_channels 1 == groups 1: depthwise in mmcv
        nn.Conv(4, (3,), feature_group_count=4, name="dw1d")(x_seq)  # 1-D conv: never
        nn.ConvTranspose(3, (3, 3), name="tconv")(x)
        nn.Dense(3, name="dense")(x)
        return x


class _MyLayerNorm(nn.LayerNorm):
    pass


class _SetupModel(nn.Module):
    def setup(self):
        self.norm = _MyLayerNorm()
        self.rms = nn.RMSNorm()
        self.inorm = nn.InstanceNorm()
        self.offset = _OffsetConv(4, (1, 1))

    def __call__(self, x):
        return self.offset(self.inorm(self.rms(self.norm(x))))


class _OffsetConv(nn.Conv):
    dcn_offset: bool = True


def test_linen_depthwise_rules_follow_mmcv():
    kinds = param_kinds(
        _ConvZoo(), jnp.zeros((1, 8, 8, 3)), jnp.zeros((1, 8, 8, 1)), jnp.zeros((1, 8, 4))
    )
    got = _by_name(kinds)
    assert got["plain.kernel"] is None and got["plain.bias"] is None
    assert got["dw.kernel"] == got["dw.bias"] == "dwconv"
    assert got["dw_mult.kernel"] == "dwconv"
    assert got["one_in.kernel"] == "dwconv"
    assert got["dw1d.kernel"] is None
    assert got["tconv.kernel"] is None
    assert got["dense.kernel"] is None


def test_linen_norm_subclasses_setup_and_dcn_attribute():
    got = _by_name(param_kinds(_SetupModel(), jnp.zeros((2, 4, 4, 4))))
    assert got == {
        "norm.bias": "norm",
        "norm.scale": "norm",
        "rms.scale": "norm",
        "inorm.bias": "norm",
        "inorm.scale": "norm",
        "offset.bias": "dcn_offset",
        "offset.kernel": "dcn_offset",
    }


def test_linen_inputs_stay_abstract():
    # A 3 GiB input: any real computation would be noticed; flags stay Python values.
    big = jax.ShapeDtypeStruct((4096, 256, 256, 3), jnp.float32)
    kinds = param_kinds(LinenExampleModel(), big, train=False)
    assert _by_name(kinds) == EXAMPLE_KINDS


class _NnxZoo(nnx.Module):
    def __init__(self, rngs):
        self.layers = nnx.List(
            [
                nnx.Conv(3, 3, (3, 3), feature_group_count=3, rngs=rngs),
                nnx.Conv(1, 4, (3, 3), rngs=rngs),
                nnx.Conv(4, 4, (3,), feature_group_count=4, rngs=rngs),
                nnx.Conv(3, 4, (3, 3), rngs=rngs),
            ]
        )
        self.rms = nnx.RMSNorm(4, rngs=rngs)
        self.ln = nnx.LayerNorm(4, rngs=rngs)
        self.linear = nnx.Linear(4, 4, rngs=rngs)


def test_nnx_zoo_on_an_abstract_module():
    expected = {
        "layers.0.kernel": "dwconv",
        "layers.0.bias": "dwconv",
        "layers.1.kernel": "dwconv",
        "layers.1.bias": "dwconv",
        "layers.2.kernel": None,
        "layers.2.bias": None,
        "layers.3.kernel": None,
        "layers.3.bias": None,
        "rms.scale": "norm",
        "ln.scale": "norm",
        "ln.bias": "norm",
        "linear.kernel": None,
        "linear.bias": None,
    }
    abstract = nnx.eval_shape(lambda: _NnxZoo(nnx.Rngs(0)))
    assert _by_name(param_kinds(abstract)) == expected


def test_param_kinds_rejects_other_objects():
    with pytest.raises(TypeError, match="Module"):
        param_kinds({"kernel": jnp.zeros(3)})
    with pytest.raises(TypeError, match="nnx module takes no example inputs"):
        param_kinds(nnx_example()[0], EXAMPLE_INPUT)


def test_name_fallback():
    names = [
        "BatchNorm_0.scale",
        "backbone.LayerNorm_3.bias",
        "GroupNorm_1.scale",
        "RMSNorm_0.scale",
        "InstanceNorm_2.bias",
        "block.norm1.scale",
        "ln_f.bias",
        "stem.bn.scale",
        "downsample_bn.bias",
        "bn1.scale",
        "Dense_0.bias",
        "bn.kernel",
        "gnn.bias",
        "Conv_0.bias",
        "scale",
    ]
    assert kinds_from_names(names) == ["norm"] * 10 + [None] * 5
