"""ResNet models and parameter trees shared by the benchmarks.

The networks follow torchvision's layout and names (``conv1``, ``bn1``, ``layer1_0.conv1``,
``fc``), so mmcv-style ``custom_keys`` such as ``'layer1'`` or ``'fc'`` match the same
parameters they match in a torch ResNet. ResNet-50 has 161 parameter leaves (53 convolution
kernels, 53 BatchNorm scale/bias pairs, the fc kernel and bias) and 25,557,032 parameters,
exactly torchvision's ``resnet50()``.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

RESNET50_LEAVES = 161
RESNET50_PARAMS = 25_557_032

_STAGES = {
    18: ((2, 2, 2, 2), False),
    34: ((3, 4, 6, 3), False),
    50: ((3, 4, 6, 3), True),
    101: ((3, 4, 23, 3), True),
}


class _Block(nn.Module):
    """A basic (two 3x3) or bottleneck (1x1, 3x3, 1x1) residual block."""

    features: int
    strides: int
    bottleneck: bool
    dtype: Any

    @nn.compact
    def __call__(self, x, train: bool):
        norm = lambda name, **kw: nn.BatchNorm(
            use_running_average=not train,
            momentum=0.9,
            epsilon=1e-5,
            dtype=self.dtype,
            param_dtype=jnp.float32,
            name=name,
            **kw,
        )
        conv = lambda f, k, s, name: nn.Conv(
            f,
            (k, k),
            (s, s),
            padding=[(k // 2, k // 2)] * 2,
            use_bias=False,
            dtype=self.dtype,
            param_dtype=jnp.float32,
            name=name,
        )
        out_features = self.features * (4 if self.bottleneck else 1)
        if self.bottleneck:
            y = nn.relu(norm("bn1")(conv(self.features, 1, 1, "conv1")(x)))
            y = nn.relu(norm("bn2")(conv(self.features, 3, self.strides, "conv2")(y)))
            y = norm("bn3", scale_init=nn.initializers.zeros)(conv(out_features, 1, 1, "conv3")(y))
        else:
            y = nn.relu(norm("bn1")(conv(self.features, 3, self.strides, "conv1")(x)))
            y = norm("bn2", scale_init=nn.initializers.zeros)(conv(out_features, 3, 1, "conv2")(y))
        if x.shape[-1] != out_features or self.strides != 1:
            x = norm("downsample_bn")(conv(out_features, 1, self.strides, "downsample_conv")(x))
        return nn.relu(x + y)


class ResNet(nn.Module):
    """A torchvision-shaped ResNet (NHWC) for 224x224 ImageNet or small inputs.

    Attributes:
      depth: 18, 34, 50 or 101.
      num_classes: width of the ``fc`` head.
      dtype: the compute dtype (parameters are always created in float32).
      small_input: a 3x3 stride-1 stem without max-pool (CIFAR style) instead of the
        ImageNet 7x7 stride-2 stem; the parameter count changes only in ``conv1``.
    """

    depth: int = 50
    num_classes: int = 1000
    dtype: Any = jnp.float32
    small_input: bool = False

    @nn.compact
    def __call__(self, x, train: bool = True):
        stages, bottleneck = _STAGES[self.depth]
        x = x.astype(self.dtype)
        k, s = (3, 1) if self.small_input else (7, 2)
        x = nn.Conv(
            64,
            (k, k),
            (s, s),
            padding=[(k // 2, k // 2)] * 2,
            use_bias=False,
            dtype=self.dtype,
            param_dtype=jnp.float32,
            name="conv1",
        )(x)
        x = nn.BatchNorm(
            use_running_average=not train,
            momentum=0.9,
            epsilon=1e-5,
            dtype=self.dtype,
            param_dtype=jnp.float32,
            name="bn1",
        )(x)
        x = nn.relu(x)
        if not self.small_input:
            x = nn.max_pool(x, (3, 3), (2, 2), padding=[(1, 1), (1, 1)])
        for i, n_blocks in enumerate(stages):
            for j in range(n_blocks):
                x = _Block(
                    64 * 2**i,
                    2 if (i > 0 and j == 0) else 1,
                    bottleneck,
                    self.dtype,
                    name=f"layer{i + 1}_{j}",
                )(x, train)
        x = jnp.mean(x, axis=(1, 2))
        x = nn.Dense(self.num_classes, dtype=self.dtype, param_dtype=jnp.float32, name="fc")(x)
        return x.astype(jnp.float32)


def variable_shapes(model: ResNet, image_size: int = 224) -> dict[str, Any]:
    """All variables of ``model`` (``params`` and ``batch_stats``) as ShapeDtypeStructs."""
    x = jax.ShapeDtypeStruct((1, image_size, image_size, 3), jnp.float32)
    return jax.eval_shape(lambda k, x: model.init(k, x, train=False), jax.random.key(0), x)


def resnet50_param_shapes() -> Any:
    """The parameter tree of a real Flax ResNet-50 as ShapeDtypeStructs, counts checked.

    Returns:
      The ``params`` collection (no ``'params'`` wrapper), 161 leaves, 25,557,032 numbers.
    """
    shapes = variable_shapes(ResNet(depth=50))["params"]
    leaves = jax.tree_util.tree_leaves(shapes)
    n_params = param_count(shapes)
    if len(leaves) != RESNET50_LEAVES or n_params != RESNET50_PARAMS:
        raise AssertionError(
            f"ResNet-50 tree has {len(leaves)} leaves and {n_params} parameters; expected "
            f"{RESNET50_LEAVES} and {RESNET50_PARAMS}"
        )
    return shapes


def random_tree(shapes: Any, seed: int, scale: float = 0.02, device=None) -> Any:
    """Float32 normal arrays with the structure and shapes of ``shapes``."""
    leaves, treedef = jax.tree_util.tree_flatten(shapes)
    rng = np.random.default_rng(seed)
    arrays = [
        jax.device_put(
            (scale * rng.standard_normal(x.shape, dtype=np.float32)).astype(np.float32), device
        )
        for x in leaves
    ]
    return jax.tree_util.tree_unflatten(treedef, arrays)


def numpy_leaves(tree: Any) -> list[np.ndarray]:
    """Host copies of the leaves of ``tree``, in tree order."""
    return [np.asarray(x) for x in jax.tree_util.tree_leaves(tree)]


def image_batch(
    batch_size: int, image_size: int, num_classes: int, seed: int = 0
) -> dict[str, jax.Array]:
    """A synthetic float32 NHWC image batch with integer labels."""
    rng = np.random.default_rng(seed)
    return {
        "image": jnp.asarray(
            rng.standard_normal((batch_size, image_size, image_size, 3), dtype=np.float32)
        ),
        "label": jnp.asarray(rng.integers(0, num_classes, (batch_size,)), jnp.int32),
    }


def param_count(tree: Any) -> int:
    """The number of scalars in ``tree``."""
    return sum(int(np.prod(np.shape(x))) for x in jax.tree_util.tree_leaves(tree))
