"""The demo task behind ``jaxoptim train``: scikit-learn's digits and small Flax models.

The digits dataset (1797 grey 8x8 images of the digits 0-9) ships inside scikit-learn, so the
demo needs no download (:mod:`jaxoptim.data` registers it as the dataset ``digits``).
:data:`MODELS` (:data:`jaxoptim.MODELS`) is the registry a config's ``model = dict(type=...)``
is resolved from: the demo's models and yours, Flax linen or nnx module classes, registered
through ``custom_imports``; :class:`DigitsNet` exercises every paramwise rule: convolutions
with biases, a depthwise convolution (``dwconv``), GroupNorm and LayerNorm (``norm``) and a
Dense head.
"""

from __future__ import annotations

import functools
import inspect
import numbers
from collections.abc import Iterator, Mapping
from typing import Any

import flax.linen as nn
import jax.numpy as jnp
import numpy as np

from jaxoptim.registry import MODELS

__all__ = ["MODELS", "DigitsMLP", "DigitsNet", "build_model", "epoch_batches", "load_digits"]
DATA_KEYS = ("type", "batch_size", "test_size", "seed")


@MODELS.register_module()
class DigitsNet(nn.Module):
    """A small convolutional classifier for 8x8 digits.

    ``backbone``: conv 3x3 -> depthwise conv 3x3 -> pointwise conv 1x1 -> GroupNorm -> ReLU ->
    2x2 average pool -> flatten -> LayerNorm; then a Dense ``head``. Parameter names are
    ``backbone.conv.kernel``, ``backbone.dwconv.bias``, ``backbone.gn.scale``,
    ``backbone.ln.bias``, ``head.kernel``, ... . :func:`jaxoptim.param_kinds` labels the
    GroupNorm and LayerNorm leaves ``'norm'`` and both convolutions before the pointwise one
    ``'dwconv'``: the first conv reads a 1-channel image, and mmcv's test for a depthwise conv
    is ``in_channels == groups``.

    Attributes:
      num_classes: number of output logits.
      channels: channels of the first convolution (and of the depthwise one).
      width: channels of the pointwise convolution.
      groups: GroupNorm groups (must divide ``width``).
      unused_head: adds an ``aux_head`` Dense layer whose output does not reach the logits, so
        ``jaxoptim unused`` has something to report.
      dtype: the compute dtype (parameters stay float32; norm layers compute their statistics
        in float32).

    Examples:
      >>> import jax, jax.numpy as jnp
      >>> model = DigitsNet()
      >>> params = model.init(jax.random.key(0), jnp.zeros((1, 8, 8, 1)))['params']
      >>> model.apply({'params': params}, jnp.zeros((2, 8, 8, 1))).shape
      (2, 10)
    """

    num_classes: int = 10
    channels: int = 32
    width: int = 64
    groups: int = 8
    unused_head: bool = False
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        x = _Backbone(self.channels, self.width, self.groups, self.dtype, name="backbone")(x)
        if self.unused_head:
            nn.Dense(self.num_classes, dtype=self.dtype, name="aux_head")(x)
        return nn.Dense(self.num_classes, dtype=self.dtype, name="head")(x)


class _Backbone(nn.Module):
    channels: int
    width: int
    groups: int
    dtype: Any

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        x = x.astype(self.dtype)
        x = nn.relu(nn.Conv(self.channels, (3, 3), dtype=self.dtype, name="conv")(x))
        x = nn.Conv(
            self.channels,
            (3, 3),
            feature_group_count=self.channels,
            dtype=self.dtype,
            name="dwconv",
        )(x)
        x = nn.Conv(self.width, (1, 1), dtype=self.dtype, name="pwconv")(x)
        x = nn.relu(nn.GroupNorm(num_groups=self.groups, dtype=self.dtype, name="gn")(x))
        # digits need to know *where* a stroke is: pool to 4x4 and keep the layout
        x = nn.avg_pool(x, (2, 2), strides=(2, 2))
        x = x.reshape((x.shape[0], -1))
        return nn.LayerNorm(dtype=self.dtype, name="ln")(x)


@MODELS.register_module()
class DigitsMLP(nn.Module):
    """A two-layer perceptron on the flattened image (no norm, no convolution).

    Attributes:
      num_classes: number of output logits.
      hidden: hidden width.
      dtype: the compute dtype.
    """

    num_classes: int = 10
    hidden: int = 128
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jnp.ndarray) -> jnp.ndarray:
        x = x.reshape((x.shape[0], -1)).astype(self.dtype)
        x = nn.relu(nn.Dense(self.hidden, dtype=self.dtype, name="fc1")(x))
        return nn.Dense(self.num_classes, dtype=self.dtype, name="head")(x)


def build_model(model_cfg: Mapping[str, Any], *, seed: int = 0, **defaults: Any) -> Any:
    """Builds a model from ``dict(type=..., **kwargs)`` through :data:`MODELS`.

    A linen module class is constructed with the keyword arguments; an nnx module class also
    gets ``rngs=nnx.Rngs(seed)`` (its ``__init__`` must take ``rngs``).

    Args:
      model_cfg: the config's ``model`` dict.
      seed: seeds an nnx module's ``rngs`` (a linen module is initialised later).
      **defaults: keyword arguments used where the config gives none and the model takes
        them (e.g. ``dtype``).

    Returns:
      The Flax linen or nnx module.

    Raises:
      KeyError: ``type`` is missing or not registered.
      TypeError: the model does not take one of the given keys (the message names it), or
        the registered object is not a linen or nnx module class.
    """
    from flax import nnx

    cfg = dict(model_cfg)
    if "type" not in cfg:
        raise KeyError("`model` needs a `type` key, e.g. model = dict(type='DigitsNet')")
    name = cfg.pop("type")
    cls = MODELS.lookup(name, key="model.type")
    is_nnx = isinstance(cls, type) and issubclass(cls, nnx.Module)
    if is_nnx:
        # the metaclass hides the signature: read __init__'s (its first parameter is self)
        params = dict(list(inspect.signature(cls.__init__).parameters.items())[1:])
        if "rngs" not in params:
            raise TypeError(
                f"model `{name}` is an nnx module whose __init__ takes no `rngs`: it is built "
                f"as {name}(**model_kwargs, rngs=nnx.Rngs(seed))"
            )
        kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        fields = [k for k, p in params.items() if k != "rngs" and p.kind in kinds]
    elif isinstance(cls, type) and issubclass(cls, nn.Module):
        fields = [
            k for k in getattr(cls, "__dataclass_fields__", {}) if k not in ("parent", "name")
        ]
    else:
        raise TypeError(
            f"model.type={name!r} is registered as {cls!r}, not a Flax linen or nnx Module class"
        )
    unknown = [k for k in cfg if k not in fields]
    if unknown:
        raise TypeError(f"model `{name}` got unknown key(s) {unknown}; it takes {sorted(fields)}")
    for key, value in defaults.items():
        if key in fields:
            cfg.setdefault(key, value)
    return cls(**cfg, rngs=nnx.Rngs(seed)) if is_nnx else cls(**cfg)


def load_digits(data_cfg: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Loads digits and splits it into train and test sets.

    Args:
      data_cfg: ``dict(type='digits', batch_size=64, test_size=0.25, seed=0)``; the split is
        stratified and depends only on ``test_size`` and ``seed``.

    Returns:
      ``{'train_image': f32[N, 8, 8, 1], 'train_label': i32[N], 'test_image': ...,
      'test_label': ...}`` with pixel values scaled to [0, 1].

    Raises:
      KeyError: an unknown key or data type (the message names it).
    """
    from sklearn.model_selection import train_test_split

    unknown = [k for k in data_cfg if k not in DATA_KEYS]
    if unknown:
        raise KeyError(f"data: unknown key(s) {unknown}; supported keys are {list(DATA_KEYS)}")
    if data_cfg.get("type", "digits") != "digits":
        raise KeyError(f"data.type {data_cfg['type']!r} is not supported; use 'digits'")
    _check_data_numbers(data_cfg)
    images, labels = _digits()
    x_tr, x_te, y_tr, y_te = train_test_split(
        images,
        labels,
        test_size=data_cfg.get("test_size", 0.25),
        random_state=data_cfg.get("seed", 0),
        stratify=labels,
    )
    return {"train_image": x_tr, "train_label": y_tr, "test_image": x_te, "test_label": y_te}


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_data_numbers(data_cfg: Mapping[str, Any]) -> None:
    """``data``'s numbers, checked before scikit-learn sees (or a bool passes for) them."""
    batch_size = data_cfg.get("batch_size", 64)
    if not _is_int(batch_size):
        raise TypeError(f"data.batch_size must be an int, got {batch_size!r}")
    seed = data_cfg.get("seed", 0)
    if not (_is_int(seed) and 0 <= seed < 2**32):
        raise ValueError(f"data.seed must be an int in [0, 2**32), got {seed!r}")
    test_size = data_cfg.get("test_size", 0.25)
    fraction = isinstance(test_size, numbers.Real) and not _is_int(test_size)
    if isinstance(test_size, bool) or not (
        (fraction and 0 < test_size < 1) or (_is_int(test_size) and test_size >= 1)
    ):
        raise ValueError(
            f"data.test_size must be a fraction in (0, 1) or a number of images >= 1, "
            f"got {test_size!r}"
        )


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    images = (digits.images / 16.0).astype(np.float32)[..., None]
    labels = digits.target.astype(np.int32)
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def iters_per_epoch(num_train: int, batch_size: int) -> int:
    """Full batches per epoch (the last partial batch is dropped: shapes stay static)."""
    if batch_size <= 0 or batch_size > num_train:
        raise ValueError(f"data.batch_size must be in [1, {num_train}], got {batch_size}")
    return num_train // batch_size


def epoch_batches(
    data: Mapping[str, np.ndarray], batch_size: int, *, seed: int, epoch: int, start: int = 0
) -> Iterator[dict[str, np.ndarray]]:
    """The batches of one epoch, shuffled by ``(seed, epoch)`` alone.

    A run resumed in the middle of an epoch sees exactly the batches an uninterrupted run
    would, because the order depends on nothing but the seed and the epoch number.

    Args:
      data: from :func:`load_digits`.
      batch_size: images per batch.
      seed: the run's seed.
      epoch: 0-based epoch number.
      start: index of the first batch to yield (to resume mid-epoch).

    Yields:
      ``{'image': f32[B, 8, 8, 1], 'label': i32[B]}``.
    """
    n = len(data["train_label"])
    order = np.random.default_rng([seed, epoch]).permutation(n)
    for b in range(start, iters_per_epoch(n, batch_size)):
        idx = order[b * batch_size : (b + 1) * batch_size]
        yield {"image": data["train_image"][idx], "label": data["train_label"][idx]}
