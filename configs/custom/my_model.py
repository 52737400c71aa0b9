"""A user model registered from a config through ``custom_imports`` (a Flax nnx module).

``configs/custom/my_model_npz.py`` says ``custom_imports = dict(imports=['my_model'])``; the
config's directory is on ``sys.path`` while importing, so this module is found and registers
``MyNnxNet`` in ``jaxoptim.MODELS`` before ``model = dict(type='MyNnxNet', ...)`` is built.
``jaxoptim train`` builds an nnx module as ``MyNnxNet(**model_kwargs, rngs=nnx.Rngs(seed))``
and trains it in ``.train()`` mode (dropout on, BatchNorm updating its statistics), evaluating
in ``.eval()`` mode; BatchNorm's statistics and the dropout key are carried between steps.
"""

import jax.numpy as jnp
from flax import nnx

from jaxoptim import MODELS


@MODELS.register_module()
class MyNnxNet(nnx.Module):
    """conv 3x3 -> BatchNorm -> ReLU -> 2x2 average pool -> Linear -> Dropout -> Linear head.

    Args:
      image_size: the images' height and width (they are square, with one grey channel, given
        as ``[N, H, W]`` or ``[N, H, W, 1]``).
      num_classes: the number of logits.
      channels: the convolution's channels.
      hidden: the hidden Linear layer's width.
      dropout: the dropout rate before the head.
      dtype: the compute dtype (``jaxoptim train`` passes the config's precision).
      rngs: parameter initialisation and dropout keys.
    """

    def __init__(
        self,
        image_size=8,
        num_classes=10,
        channels=16,
        hidden=64,
        dropout=0.1,
        dtype=jnp.float32,
        *,
        rngs: nnx.Rngs,
    ):
        self.conv = nnx.Conv(1, channels, (3, 3), dtype=dtype, rngs=rngs)
        self.bn = nnx.BatchNorm(channels, dtype=dtype, rngs=rngs)
        features = (image_size // 2) ** 2 * channels
        self.fc = nnx.Linear(features, hidden, dtype=dtype, rngs=rngs)
        self.dropout = nnx.Dropout(dropout, rngs=rngs)
        self.head = nnx.Linear(hidden, num_classes, dtype=dtype, rngs=rngs)

    def __call__(self, x):
        if x.ndim == 3:  # [N, H, W] as in mnist.npz: add the channel axis
            x = x[..., None]
        x = nnx.relu(self.bn(self.conv(x)))
        x = nnx.avg_pool(x, (2, 2), strides=(2, 2))
        x = nnx.relu(self.fc(x.reshape((x.shape[0], -1))))
        return self.head(self.dropout(x))
