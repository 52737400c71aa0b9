"""mmcv's optimizer-constructor ``ExampleModel`` rebuilt in Flax linen and nnx (and in torch).

mmcv ``tests/test_runner/test_optimizer.py`` (identical in mmengine): a root parameter
``param1``, ``conv1`` (3->4, 1x1, no bias), ``conv2`` (4->2, 1x1), ``bn`` (BatchNorm, 2),
``sub`` (own ``param1``, a depthwise ``conv1`` 2->2 with 2 groups, ``gn`` GroupNorm(2, 2)) and
an optional ``dcn`` (a deformable conv: own ``weight`` and a child offset conv
``conv_offset`` 3->18, 3x3). Torch names map to Flax ones by ``weight`` -> ``kernel`` (convs)
or ``scale`` (norms); ``bias``, ``param1`` and the DCN stand-in's ``weight`` keep their names.
jax sorts dict keys, so the tree order is alphabetical: compare rows by name.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax import nnx

# The 14 parameters of mmcv's table 3.1, torch name -> flax name.
TORCH_TO_FLAX = {
    "param1": "param1",
    "conv1.weight": "conv1.kernel",
    "conv2.weight": "conv2.kernel",
    "conv2.bias": "conv2.bias",
    "bn.weight": "bn.scale",
    "bn.bias": "bn.bias",
    "sub.param1": "sub.param1",
    "sub.conv1.weight": "sub.conv1.kernel",
    "sub.conv1.bias": "sub.conv1.bias",
    "sub.gn.weight": "sub.gn.scale",
    "sub.gn.bias": "sub.gn.bias",
    "dcn.weight": "dcn.weight",
    "dcn.conv_offset.weight": "dcn.conv_offset.kernel",
    "dcn.conv_offset.bias": "dcn.conv_offset.bias",
}
EXAMPLE_INPUT = jnp.zeros((1, 8, 8, 3))


class LinenSubModel(nn.Module):
    @nn.compact
    def __call__(self, x):
        param1 = self.param("param1", nn.initializers.ones, (1,))
        x = nn.Conv(2, (1, 1), feature_group_count=2, name="conv1")(x)
        x = nn.GroupNorm(num_groups=2, name="gn")(x)
        return x * param1


class LinenDeformConvStandIn(nn.Module):
    """A stand-in for mmcv's ``DeformConv2dPack``: own ``weight`` and a ``conv_offset`` child."""

    features: int = 4

    @nn.compact
    def __call__(self, x):
        weight = self.param("weight", nn.initializers.lecun_normal(), (self.features, 3, 3, 3))
        offset = nn.Conv(18, (3, 3), kernel_init=nn.initializers.zeros, name="conv_offset")(x)
        kernel = jnp.transpose(weight, (2, 3, 1, 0))
        y = jax.lax.conv_general_dilated(
            x, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        return y + jnp.mean(offset)


class LinenExampleModel(nn.Module):
    with_dcn: bool = True

    @nn.compact
    def __call__(self, x, train: bool = False):
        param1 = self.param("param1", nn.initializers.ones, (1,))
        y = nn.Conv(4, (1, 1), use_bias=False, name="conv1")(x)
        y = nn.Conv(2, (1, 1), name="conv2")(y)
        y = nn.BatchNorm(use_running_average=not train, name="bn")(y)
        y = LinenSubModel(name="sub")(y) * param1
        out = jnp.mean(y)
        if self.with_dcn:
            out = out + jnp.mean(LinenDeformConvStandIn(name="dcn")(x))
        return out


class NnxSubModel(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.param1 = nnx.Param(jnp.ones((1,)))
        self.conv1 = nnx.Conv(2, 2, (1, 1), feature_group_count=2, rngs=rngs)
        self.gn = nnx.GroupNorm(2, num_groups=2, rngs=rngs)

    def __call__(self, x):
        return self.gn(self.conv1(x)) * self.param1


class NnxDeformConvStandIn(nnx.Module):
    def __init__(self, rngs: nnx.Rngs, features: int = 4):
        self.weight = nnx.Param(jax.random.normal(rngs.params(), (features, 3, 3, 3)))
        self.conv_offset = nnx.Conv(3, 18, (3, 3), rngs=rngs)

    def __call__(self, x):
        kernel = jnp.transpose(self.weight[...], (2, 3, 1, 0))
        y = jax.lax.conv_general_dilated(
            x, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        return y + jnp.mean(self.conv_offset(x))


class NnxExampleModel(nnx.Module):
    def __init__(self, rngs: nnx.Rngs, with_dcn: bool = True):
        self.param1 = nnx.Param(jnp.ones((1,)))
        self.conv1 = nnx.Conv(3, 4, (1, 1), use_bias=False, rngs=rngs)
        self.conv2 = nnx.Conv(4, 2, (1, 1), rngs=rngs)
        self.bn = nnx.BatchNorm(2, rngs=rngs)
        self.sub = NnxSubModel(rngs)
        if with_dcn:
            self.dcn = NnxDeformConvStandIn(rngs)

    def __call__(self, x):
        y = self.sub(self.bn(self.conv2(self.conv1(x)))) * self.param1
        return jnp.mean(y)


def linen_example(with_dcn: bool = True):
    """The linen model, its params (abstract) and its ``param_kinds``."""
    from jaxoptim.kinds import param_kinds

    model = LinenExampleModel(with_dcn=with_dcn)
    variables = jax.eval_shape(lambda: model.init(jax.random.key(0), EXAMPLE_INPUT))
    return model, variables["params"], param_kinds(model, EXAMPLE_INPUT)


def nnx_example(with_dcn: bool = True):
    """The nnx model, ``nnx.state(model, nnx.Param)`` and its ``param_kinds``.

    The model is built abstractly and filled with numpy values (0.5 everywhere): running the
    initializers eagerly costs seconds of per-op compilation on a CPU.
    """
    import numpy as np

    from jaxoptim.kinds import param_kinds

    abstract = nnx.eval_shape(lambda: NnxExampleModel(nnx.Rngs(0), with_dcn=with_dcn))
    graphdef, state = nnx.split(abstract)
    state = jax.tree.map(lambda s: jnp.asarray(np.full(s.shape, 0.5, s.dtype)), state)
    model = nnx.merge(graphdef, state)
    return model, nnx.state(model, nnx.Param), param_kinds(model)


def torch_example_model(with_dcn: bool = True):
    """mmcv's ExampleModel in torch (the DCN is a plain module, as without mmcv ops)."""
    import torch

    class SubModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.param1 = torch.nn.Parameter(torch.ones(1))
            self.conv1 = torch.nn.Conv2d(2, 2, kernel_size=1, groups=2)
            self.gn = torch.nn.GroupNorm(2, 2)

    class DeformConvStandIn(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(4, 3, 3, 3))
            self.conv_offset = torch.nn.Conv2d(3, 18, kernel_size=3, bias=True)

    class ExampleModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.param1 = torch.nn.Parameter(torch.ones(1))
            self.conv1 = torch.nn.Conv2d(3, 4, kernel_size=1, bias=False)
            self.conv2 = torch.nn.Conv2d(4, 2, kernel_size=1)
            self.bn = torch.nn.BatchNorm2d(2)
            self.sub = SubModel()
            if with_dcn:
                self.dcn = DeformConvStandIn()

    return ExampleModel()
