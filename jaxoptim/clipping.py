"""Gradient clipping by global norm with torch's ``clip_grad_norm_`` arithmetic, keeping the norm.

mmcv's ``OptimizerHook(grad_clip=dict(max_norm=..., norm_type=2))`` calls
``torch.nn.utils.clip_grad_norm_`` on the trainable parameters and logs the returned pre-clip norm
as ``grad_norm``. :func:`clip_by_global_norm` does the same arithmetic and keeps the norm in its
state (optax's own ``clip_by_global_norm`` discards it and has no ``1e-6`` in its coefficient):

* per-leaf p-norms, then the p-norm of those (``inf``: the largest absolute value);
* ``coef = max_norm / (total + 1e-6)`` (torch: ``reciprocal(total + 1e-6) * max_norm``), clamped
  at 1 and multiplied into every trainable gradient, even when it is 1.

:func:`clip_by_value` is ``torch.nn.utils.clip_grad_value_`` (mmengine's
``clip_grad=dict(type='value', clip_value=...)``): every trainable gradient clamped to
``[-clip_value, clip_value]``; it keeps no norm (the train step's ``grad_norm`` is then the norm
of the unclipped gradients).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from jaxoptim.optimizer_base import trainable_flags

_GRAD_CLIP_KEYS = ("max_norm", "norm_type", "error_if_nonfinite", "foreach")
_NORM_TYPE_ERROR = "grad_clip: `norm_type` must be a number > 0, inf or 'inf', got {!r}"


class ClipState(NamedTuple):
    """State of :func:`clip_by_global_norm`.

    Attributes:
      grad_norm: float32 scalar; the total norm of the last incoming (trainable) gradients,
        before clipping. ``inf``/``nan`` when they were not finite, as torch returns.
    """

    grad_norm: jax.Array


def _check_norm_type(norm_type: Any) -> float:
    if isinstance(norm_type, str):
        if norm_type != "inf":
            raise ValueError(_NORM_TYPE_ERROR.format(norm_type))
        return math.inf
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(_NORM_TYPE_ERROR.format(norm_type))
    if not norm_type > 0:
        raise ValueError(_NORM_TYPE_ERROR.format(norm_type))
    return float(norm_type)


def _check_max_norm(max_norm: Any) -> float | None:
    if max_norm is None:
        return None
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real):
        raise TypeError(f"grad_clip: `max_norm` must be a number > 0, got {max_norm!r}")
    if not max_norm > 0:
        raise ValueError(f"grad_clip: `max_norm` must be a number > 0, got {max_norm!r}")
    return float(max_norm)


def _leaf_norm(g: jax.Array, p: float) -> jax.Array:
    g = jnp.abs(g.astype(jnp.float32)).ravel()
    if p == math.inf:
        return jnp.max(g)
    if p == 1.0:
        return jnp.sum(g)
    if p == 2.0:
        return jnp.sqrt(jnp.sum(g * g))
    return jnp.sum(g**p) ** (1.0 / p)


def global_norm(grads: list[jax.Array], norm_type: float = 2.0) -> jax.Array:
    """torch's total norm: the ``norm_type``-norm of the per-leaf ``norm_type``-norms.

    Args:
      grads: gradient arrays (empty ones are ignored).
      norm_type: ``p > 0`` or ``math.inf``.

    Returns:
      A float32 scalar; ``0.0`` for no gradients (as torch).

    Examples:
      >>> import jax.numpy as jnp
      >>> float(global_norm([jnp.array([3.0]), jnp.array([4.0])]))
      5.0
    """
    norms = [_leaf_norm(g, norm_type) for g in grads if g.size]
    if not norms:
        return jnp.zeros([], jnp.float32)
    return _leaf_norm(jnp.stack(norms), norm_type)


def clip_by_global_norm(
    max_norm: float | None,
    norm_type: float | str = 2.0,
    *,
    trainable: Callable[[Any], Any] | Any | None = None,
) -> optax.GradientTransformationExtraArgs:
    """Clips gradients by their global norm as ``torch.nn.utils.clip_grad_norm_`` and keeps it.

    Args:
      max_norm: the largest total norm allowed; ``None`` only records the norm.
      norm_type: ``p`` of the p-norm: a number ``> 0``, ``float('inf')`` or ``'inf'``.
      trainable: a tree of Python bools with the structure of the gradients, or a function
        ``tree -> such a tree`` (called with ``params`` when given, else the gradients). ``False``
        leaves (frozen parameters) are left out of the norm and not clipped, as mmcv keeps only
        parameters that require a gradient.

    Returns:
      The transformation; its state is a :class:`ClipState`.

    Examples:
      >>> import jax.numpy as jnp
      >>> tx = clip_by_global_norm(1.0)
      >>> grads, state = tx.update({'w': jnp.array([3.0, 4.0])}, tx.init(None))
      >>> float(state.grad_norm), [round(x, 6) for x in grads['w'].tolist()]
      (5.0, [0.6, 0.8])
    """
    max_norm = _check_max_norm(max_norm)
    p = _check_norm_type(norm_type)

    def init_fn(params):
        del params
        return ClipState(grad_norm=jnp.zeros([], jnp.float32))

    def update_fn(updates, state, params=None, **extra_args):
        del state, extra_args
        leaves, treedef = jax.tree_util.tree_flatten(updates)
        flags = trainable_flags(
            "clip_by_global_norm", trainable, params if params is not None else updates, treedef
        )
        total = global_norm([g for g, keep in zip(leaves, flags, strict=True) if keep], p)
        if max_norm is None:
            return updates, ClipState(grad_norm=total)
        # torch: `max_norm / (total + 1e-6)` is `reciprocal(total + 1e-6) * max_norm` in float32.
        coef = jnp.float32(1.0) / (total + jnp.float32(1e-6)) * jnp.float32(max_norm)
        coef = jnp.minimum(coef, jnp.float32(1.0))
        clipped = [
            (g.astype(jnp.float32) * coef).astype(g.dtype) if keep else g
            for g, keep in zip(leaves, flags, strict=True)
        ]
        return jax.tree_util.tree_unflatten(treedef, clipped), ClipState(grad_norm=total)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def _check_clip_value(clip_value: Any) -> float:
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real):
        raise TypeError(f"clip_grad: `clip_value` must be a number >= 0, got {clip_value!r}")
    if not (math.isfinite(clip_value) and clip_value >= 0):
        raise ValueError(f"clip_grad: `clip_value` must be a number >= 0, got {clip_value!r}")
    return float(clip_value)


def clip_by_value(
    clip_value: float,
    *,
    trainable: Callable[[Any], Any] | Any | None = None,
) -> optax.GradientTransformationExtraArgs:
    """Clamps every trainable gradient to ``[-clip_value, clip_value]``, as ``clip_grad_value_``.

    Args:
      clip_value: the bound, a finite number ``>= 0``.
      trainable: as for :func:`clip_by_global_norm`; ``False`` leaves are left as they are.

    Returns:
      The transformation (state ``optax.EmptyState``). NaN stays NaN, ``inf`` becomes the bound,
      as ``torch.clamp``.

    Examples:
      >>> import jax.numpy as jnp
      >>> tx = clip_by_value(0.5)
      >>> grads, _ = tx.update({'w': jnp.array([-2.0, 0.25, 3.0])}, tx.init(None))
      >>> grads['w'].tolist()
      [-0.5, 0.25, 0.5]
    """
    bound = _check_clip_value(clip_value)

    def init_fn(params):
        del params
        return optax.EmptyState()

    def update_fn(updates, state, params=None, **extra_args):
        del extra_args
        leaves, treedef = jax.tree_util.tree_flatten(updates)
        flags = trainable_flags(
            "clip_by_value", trainable, params if params is not None else updates, treedef
        )
        clipped = [
            jnp.clip(g, jnp.asarray(-bound, g.dtype), jnp.asarray(bound, g.dtype)) if keep else g
            for g, keep in zip(leaves, flags, strict=True)
        ]
        return jax.tree_util.tree_unflatten(treedef, clipped), state

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def parse_grad_clip(grad_clip_cfg: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Reads ``optimizer_config.grad_clip`` into arguments for :func:`clip_by_global_norm`.

    mmcv passes the dict to ``clip_grad_norm_`` verbatim, so its keys are torch's:
    ``max_norm`` (required), ``norm_type`` (default 2), ``error_if_nonfinite`` (only ``False``:
    a jitted step cannot raise; non-finite steps are skipped by the loss scaler instead) and
    ``foreach`` (ignored: an implementation choice of torch).

    Args:
      grad_clip_cfg: ``None`` (no clipping) or the mapping.

    Returns:
      ``{'max_norm': float, 'norm_type': float}`` or ``None``.

    Raises:
      TypeError: not a mapping, an unknown key, a missing ``max_norm`` or a wrong type.
      ValueError: a value out of range.

    Examples:
      >>> parse_grad_clip(dict(max_norm=35, norm_type=2))
      {'max_norm': 35.0, 'norm_type': 2.0}
      >>> parse_grad_clip(None) is None
      True
    """
    if grad_clip_cfg is None:
        return None
    if not isinstance(grad_clip_cfg, Mapping):
        raise TypeError(
            f"optimizer_config.grad_clip must be None or a dict such as dict(max_norm=35, "
            f"norm_type=2), got {grad_clip_cfg!r}"
        )
    unknown = [k for k in grad_clip_cfg if k not in _GRAD_CLIP_KEYS]
    if unknown:
        raise TypeError(
            f"optimizer_config.grad_clip got unknown key(s) {unknown}; allowed: "
            f"{list(_GRAD_CLIP_KEYS)}"
        )
    if grad_clip_cfg.get("max_norm") is None:
        raise TypeError("optimizer_config.grad_clip needs `max_norm` (a number > 0)")
    if grad_clip_cfg.get("error_if_nonfinite", False) is not False:
        raise ValueError(
            "optimizer_config.grad_clip: `error_if_nonfinite=True` is not supported (a jitted "
            "step cannot raise); use fp16 loss scaling to skip non-finite steps"
        )
    foreach = grad_clip_cfg.get("foreach")
    if foreach is not None and not isinstance(foreach, bool):
        raise TypeError(
            f"optimizer_config.grad_clip: `foreach` must be a bool or None, got {foreach!r}"
        )
    return {
        "max_norm": _check_max_norm(grad_clip_cfg["max_norm"]),
        "norm_type": _check_norm_type(grad_clip_cfg.get("norm_type", 2.0)),
    }
