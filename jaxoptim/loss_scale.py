"""fp16 loss scaling with torch ``GradScaler`` semantics, as optax transformations.

mmcv's ``Fp16OptimizerHook`` (torch >= 1.6) scales the loss by ``GradScaler``'s scale, unscales the
gradients before clipping, skips the optimizer step when a gradient is not finite and then updates
the scale. Here that is two transformations and a few helpers:

* :func:`unscale_gradients` multiplies the incoming (scaled) gradients by ``1/scale``, records
  whether any of them was not finite and updates the scale (``GradScaler.update``);
* :func:`skip_not_finite` wraps the optimizer: a non-finite step returns zero updates and leaves the
  optimizer's state bitwise unchanged (``GradScaler.step``);
* :func:`current_loss_scale` finds the scale in any optimizer state; the train step multiplies the
  loss by it before differentiating;
* :func:`scaler_state_dict` / :func:`load_scaler_state_dict` speak torch's ``state_dict`` format.

The scale and the growth tracker are array leaves of the state, so a changing scale never
recompiles and checkpoints carry it. Growth fires on the ``growth_interval``-th consecutive finite
step (torch's timing, not flax ``DynamicScale``'s one step later), growth that would overflow
float32 is skipped, and by default there is no lower or upper bound on the scale (torch has none);
``min_scale`` / ``max_scale`` add them (mmcv's legacy ``LossScaler`` floors the scale at 1).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxoptim.optimizer_base import trainable_flags, update_if

_SCALER_KEYS = ("init_scale", "growth_factor", "backoff_factor", "growth_interval", "enabled")
_BOUND_KEYS = ("min_scale", "max_scale")  # jaxoptim's own: torch's scale has no bounds
_STATE_DICT_KEYS = (
    "scale",
    "growth_factor",
    "backoff_factor",
    "growth_interval",
    "_growth_tracker",
)
_TORCH_DEFAULTS = dict(
    init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000
)
_MMCV_DEFAULT_LOSS_SCALE = 512.0


class LossScaleState(NamedTuple):
    """State of :func:`unscale_gradients`.

    Attributes:
      scale: float32 scalar; the scale the next step multiplies the loss by.
      growth_tracker: int32 scalar; consecutive finite steps since the last growth or backoff
        (torch's ``_growth_tracker``).
      found_inf: bool scalar; the last update's gradients held an inf or a NaN.
      growth_factor: float32 scalar, constant: the configured growth factor (kept in the state
        so :func:`scaler_state_dict` can report it; the update uses the configuration).
      backoff_factor: float32 scalar, constant: the configured backoff factor.
      growth_interval: int32 scalar, constant: the configured growth interval.
    """

    scale: jax.Array
    growth_tracker: jax.Array
    found_inf: jax.Array
    growth_factor: jax.Array
    backoff_factor: jax.Array
    growth_interval: jax.Array


class SkipState(NamedTuple):
    """State of :func:`skip_not_finite`.

    Attributes:
      skipped: bool scalar; the last update was skipped (its updates were not finite).
      skipped_total: int32 scalar; skipped updates so far.
      inner_state: the wrapped transformation's state (untouched by a skipped update).
    """

    skipped: jax.Array
    skipped_total: jax.Array
    inner_state: Any


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_scaler_args(
    init_scale: Any, growth_factor: Any, backoff_factor: Any, growth_interval: Any
) -> None:
    for key, value in (
        ("init_scale", init_scale),
        ("growth_factor", growth_factor),
        ("backoff_factor", backoff_factor),
    ):
        if not _is_number(value):
            raise TypeError(f"loss scaler: `{key}` must be a number, got {value!r}")
    if not (math.isfinite(init_scale) and init_scale > 0):
        raise ValueError(
            f"loss scaler: `init_scale` must be a finite number > 0, got {init_scale!r}"
        )
    if not (math.isfinite(growth_factor) and growth_factor > 1):
        raise ValueError(
            f"loss scaler: `growth_factor` must be a finite number > 1.0, got {growth_factor!r}"
        )
    if not 0 < backoff_factor < 1:
        raise ValueError(f"loss scaler: `backoff_factor` must be in (0, 1), got {backoff_factor!r}")
    if isinstance(growth_interval, bool) or not isinstance(growth_interval, numbers.Integral):
        raise TypeError(f"loss scaler: `growth_interval` must be an int, got {growth_interval!r}")
    if not 0 < growth_interval < 2**31:
        raise ValueError(f"loss scaler: `growth_interval` must be > 0, got {growth_interval!r}")


def _all_finite(tree: Any) -> jax.Array:
    """True when every inexact leaf of ``tree`` holds only finite values."""
    checks = [
        jnp.all(jnp.isfinite(x))
        for x in jax.tree_util.tree_leaves(tree)
        if jnp.issubdtype(jnp.result_type(x), jnp.inexact)
    ]
    if not checks:
        return jnp.asarray(True)
    return jnp.stack(checks).all()


def unscale_gradients(
    init_scale: float = 2.0**16,
    growth_factor: float = 2.0,
    backoff_factor: float = 0.5,
    growth_interval: int = 2000,
    *,
    dynamic: bool = True,
    min_scale: float | None = None,
    max_scale: float | None = None,
    trainable: Callable[[Any], Any] | Any | None = None,
) -> optax.GradientTransformationExtraArgs:
    """Unscales loss-scaled gradients and updates the scale as torch's ``GradScaler``.

    Each update multiplies every gradient leaf by ``1/scale`` (a correctly rounded float32
    reciprocal, the product in float32, the result cast back to the leaf's dtype), sets
    ``found_inf`` when any incoming value is inf or NaN, then updates the scale:

    * ``dynamic=True``: a non-finite step multiplies the scale by ``backoff_factor`` and resets the
      tracker; a finite step increments it, and on the ``growth_interval``-th consecutive one the
      scale is multiplied by ``growth_factor`` (unless that overflows float32) and the tracker
      resets.
    * ``dynamic=False`` (mmcv's float ``loss_scale``: ``GradScaler(init_scale=x)`` with
      ``update(new_scale=x)`` every step): the scale stays ``init_scale``, the tracker stays 0.
    * ``min_scale`` / ``max_scale`` (dynamic only; not in torch): a backoff never goes below
      ``min_scale`` and a growth never above ``max_scale`` (the tracker resets as usual). A
      floor keeps a run whose gradients keep overflowing from driving the scale towards 0;
      ``min_scale=1`` is mmcv's legacy ``LossScaler`` floor.

    The update itself is not skipped here; wrap the optimizer in :func:`skip_not_finite`.
    ``1/scale`` is correctly rounded on every backend (as torch's float64 reciprocal), so unscaled
    gradients equal torch's bitwise. Growth and backoff multiply in float32: for factors that are
    float32 numbers (2.0, 0.5, 4.0, ...) that equals torch's float64 product rounded to float32;
    other factors (1.1) can differ from torch by one float32 ulp when the scale changes.

    Args:
      init_scale: the initial scale (torch's default ``2**16``).
      growth_factor: multiplier on growth, ``> 1``.
      backoff_factor: multiplier on a non-finite step, in ``(0, 1)``.
      growth_interval: consecutive finite steps before the scale grows, ``> 0``.
      dynamic: ``False`` pins the scale to ``init_scale``.
      min_scale: the lowest scale a backoff gives, ``> 0``; ``None``: no floor (torch).
      max_scale: the highest scale a growth gives; ``None``: float32's largest (torch).
      trainable: a tree of Python bools with the structure of the gradients, or a function of
        the params (or gradients) giving one; ``False`` leaves (frozen parameters) do not count
        towards ``found_inf``, as torch's ``GradScaler`` never sees a gradient of a parameter
        without ``requires_grad``. ``None``: every leaf counts.

    Returns:
      The transformation; its state is a :class:`LossScaleState`.

    Examples:
      >>> import jax.numpy as jnp
      >>> tx = unscale_gradients(init_scale=4.0, growth_interval=1)
      >>> state = tx.init({'w': jnp.zeros(2)})
      >>> grads, state = tx.update({'w': jnp.array([4.0, 8.0])}, state)
      >>> grads['w'].tolist(), float(state.scale)
      ([1.0, 2.0], 8.0)
    """
    if not isinstance(dynamic, bool):
        raise TypeError(f"loss scaler: `dynamic` must be a bool, got {dynamic!r}")
    _check_scaler_args(init_scale, growth_factor, backoff_factor, growth_interval)
    init_scale, growth_factor, backoff_factor = (
        float(init_scale),
        float(growth_factor),
        float(backoff_factor),
    )
    growth_interval = int(growth_interval)
    with np.errstate(over="ignore"):
        overflows = not math.isfinite(float(np.float32(init_scale)))
    if overflows:
        raise ValueError(f"loss scaler: `init_scale` {init_scale!r} overflows float32")
    floor, ceiling = _check_bounds(init_scale, min_scale, max_scale, dynamic)

    def init_fn(params):
        del params
        return LossScaleState(
            scale=jnp.asarray(init_scale, jnp.float32),
            growth_tracker=jnp.zeros([], jnp.int32),
            found_inf=jnp.asarray(False),
            growth_factor=jnp.asarray(growth_factor, jnp.float32),
            backoff_factor=jnp.asarray(backoff_factor, jnp.float32),
            growth_interval=jnp.asarray(growth_interval, jnp.int32),
        )

    def update_fn(updates, state, params=None, **extra_args):
        del extra_args
        scale = jnp.asarray(state.scale, jnp.float32)
        leaves, treedef = jax.tree_util.tree_flatten(updates)
        flags = trainable_flags(
            "unscale_gradients",
            trainable,
            params if params is not None else updates,
            jax.tree_util.tree_structure(updates),
        )
        found_inf = jnp.logical_not(_all_finite([g for g, keep in zip(leaves, flags) if keep]))
        inv_scale = _reciprocal(scale)

        def unscale(g, keep):
            if not jnp.issubdtype(g.dtype, jnp.inexact):
                return g
            if not keep:  # a frozen leaf has no gradient in torch: nothing non-finite passes on
                return jnp.zeros_like(g)
            return (g.astype(jnp.float32) * inv_scale).astype(g.dtype)

        updates = jax.tree_util.tree_unflatten(treedef, list(map(unscale, leaves, flags)))
        if dynamic:
            new_scale, tracker = _next_scale(
                scale,
                state.growth_tracker,
                found_inf,
                growth_factor,
                backoff_factor,
                growth_interval,
                floor,
                ceiling,
            )
        else:
            new_scale = jnp.asarray(init_scale, jnp.float32)
            tracker = state.growth_tracker
        return updates, state._replace(scale=new_scale, growth_tracker=tracker, found_inf=found_inf)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def _pow2(n: jax.Array) -> jax.Array:
    """``2.0**n`` in float32 for an int32 ``n`` in [-126, 127], built from its exponent bits."""
    return jax.lax.bitcast_convert_type(((n + 127) << 23).astype(jnp.uint32), jnp.float32)


def _reciprocal(x: jax.Array) -> jax.Array:
    """``1/x`` correctly rounded to float32, as torch's ``x.double().reciprocal().float()``.

    XLA's float32 division on GPUs is not correctly rounded (about one result in seven differs by
    an ulp on an H200), so the mantissa quotient is computed by integer long division. Subnormal,
    zero and non-finite ``x`` fall back to plain division.
    """
    bits = jax.lax.bitcast_convert_type(x, jnp.uint32)
    biased = ((bits >> 23) & 0xFF).astype(jnp.int32)
    mant = (bits & 0x7FFFFF) | 0x800000  # x = mant * 2**(biased - 150), mant in [2**23, 2**24)
    # quotient = floor(2**48 / mant), in (2**24, 2**25]; the bits above 2**26 give no quotient bits.
    rem, quotient = jnp.uint32(1 << 22), jnp.uint32(0)
    for _ in range(26):
        rem, quotient = rem << 1, quotient << 1
        take = rem >= mant
        rem = jnp.where(take, rem - mant, rem)
        quotient = quotient + take.astype(jnp.uint32)
    # Keep 24 significant bits, rounding half to even with the remainder as sticky bit.
    q, half = quotient >> 1, quotient & 1
    q = q + (half & ((rem != 0) | (q & 1)).astype(jnp.uint32))
    k = 103 - biased  # 1/x = (quotient + rem/mant) * 2**(102 - biased) = q * 2**k, rounded
    k1 = k // 2
    exact = q.astype(jnp.float32) * _pow2(k1) * _pow2(k - k1)
    plain = jnp.float32(1.0) / x
    return jnp.where((biased == 0) | (biased == 255), plain, exact)


def _check_bounds(init_scale, min_scale, max_scale, dynamic) -> tuple[float | None, float | None]:
    """Validates ``min_scale`` / ``max_scale``; returns them as float32-exact floats (or None)."""
    bounds = {}
    for key, value in (("min_scale", min_scale), ("max_scale", max_scale)):
        if value is None:
            continue
        if not dynamic:
            raise ValueError(
                f"loss scaler: `{key}` bounds dynamic scaling only; a static scale never changes"
            )
        if not _is_number(value):
            raise TypeError(f"loss scaler: `{key}` must be a number, got {value!r}")
        with np.errstate(over="ignore"):
            value32 = float(np.float32(value))
        if not (math.isfinite(value32) and value32 > 0):
            raise ValueError(
                f"loss scaler: `{key}` must be a number > 0 that is finite in float32, "
                f"got {value!r}"
            )
        bounds[key] = value32
    low, high = bounds.get("min_scale"), bounds.get("max_scale")
    if low is not None and high is not None and low > high:
        raise ValueError(f"loss scaler: `min_scale` {min_scale!r} > `max_scale` {max_scale!r}")
    init32 = float(np.float32(init_scale))
    if (low is not None and init32 < low) or (high is not None and init32 > high):
        raise ValueError(
            f"loss scaler: `init_scale` {init_scale!r} is outside [min_scale, max_scale] = "
            f"[{min_scale!r}, {max_scale!r}]"
        )
    return low, high


def _next_scale(
    scale,
    tracker,
    found_inf,
    growth_factor,
    backoff_factor,
    growth_interval,
    floor=None,
    ceiling=None,
):
    """``torch._amp_update_scale_``: the scale and growth tracker after one step.

    ``floor`` / ``ceiling`` (jaxoptim's ``min_scale`` / ``max_scale``) bound a backoff / a growth.
    """
    # torch multiplies in float64 and rounds to float32: identical for float32-exact factors.
    successful = tracker + 1
    grow = successful == growth_interval
    grown = scale * jnp.float32(growth_factor)
    grown = jnp.where(jnp.isfinite(grown), grown, scale)
    if ceiling is not None:
        grown = jnp.minimum(grown, jnp.float32(ceiling))
    backed_off = scale * jnp.float32(backoff_factor)
    if floor is not None:
        backed_off = jnp.maximum(backed_off, jnp.float32(floor))
    new_scale = jnp.where(found_inf, backed_off, jnp.where(grow, grown, scale))
    new_tracker = jnp.where(found_inf | grow, jnp.zeros_like(successful), successful)
    return new_scale, new_tracker.astype(jnp.int32)


def skip_not_finite(
    inner: optax.GradientTransformation,
) -> optax.GradientTransformationExtraArgs:
    """Runs ``inner`` only when every incoming update is finite (``GradScaler.step``).

    A step whose updates hold an inf or a NaN returns zero updates and keeps ``inner``'s state
    bitwise unchanged: step counts, momentum buffers and Adam moments do not move. The choice is a
    ``jax.lax.cond``, so a skipped step does not run ``inner``'s update at all. Extra keyword
    arguments of ``update`` (``hyperparams=...``) are forwarded to ``inner``.

    Args:
      inner: the transformation to protect (usually the optimizer).

    Returns:
      The transformation; its state is a :class:`SkipState`.

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> tx = skip_not_finite(optax.sgd(1.0, momentum=0.9))
      >>> params = {'w': jnp.ones(2)}
      >>> state = tx.init(params)
      >>> updates, state = tx.update({'w': jnp.array([1.0, jnp.inf])}, state, params)
      >>> updates['w'].tolist(), bool(state.skipped), int(state.skipped_total)
      ([0.0, 0.0], True, 1)
    """
    inner = optax.with_extra_args_support(inner)

    def init_fn(params):
        return SkipState(
            skipped=jnp.asarray(False),
            skipped_total=jnp.zeros([], jnp.int32),
            inner_state=inner.init(params),
        )

    def update_fn(updates, state, params=None, *, finite=None, **extra_args):
        # `finite` lets a caller that already checked the gradients (the unscale stage) skip
        # a second pass over them.
        finite = _all_finite(updates) if finite is None else jnp.asarray(finite)

        new_updates, inner_state = update_if(
            finite, inner, updates, state.inner_state, params, **extra_args
        )
        skipped = jnp.logical_not(finite)
        return new_updates, SkipState(
            skipped=skipped,
            skipped_total=state.skipped_total + skipped.astype(jnp.int32),
            inner_state=inner_state,
        )

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def _loss_scale_states(opt_state: Any) -> list[LossScaleState]:
    is_scale = lambda x: isinstance(x, LossScaleState)
    return [x for x in jax.tree_util.tree_leaves(opt_state, is_leaf=is_scale) if is_scale(x)]


def current_loss_scale(opt_state: Any) -> jax.Array:
    """The loss scale the next step multiplies the loss by.

    Args:
      opt_state: any optimizer state pytree (optax wrappers, NamedTuples, dicts, flax structs).

    Returns:
      The float32 scale of the first :class:`LossScaleState` found in tree order, or ``1.0``
      when the optimizer does no loss scaling.

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> tx = optax.chain(unscale_gradients(init_scale=512.0, dynamic=False), optax.sgd(0.1))
      >>> float(current_loss_scale(tx.init({'w': jnp.zeros(3)})))
      512.0
      >>> float(current_loss_scale(optax.sgd(0.1).init({'w': jnp.zeros(3)})))
      1.0
    """
    states = _loss_scale_states(opt_state)
    if not states:
        return jnp.ones([], jnp.float32)
    return jnp.asarray(states[0].scale, jnp.float32)


def scaler_state_dict(opt_state: Any) -> dict[str, Any]:
    """The loss scaler's state in torch ``GradScaler.state_dict()`` format.

    Args:
      opt_state: an optimizer state holding a :class:`LossScaleState`.

    Returns:
      ``{'scale', 'growth_factor', 'backoff_factor', 'growth_interval', '_growth_tracker'}`` as
      Python numbers (the factors as their float32 values), or ``{}`` when there is no loss
      scaling (torch's disabled scaler).

    Examples:
      >>> import jax.numpy as jnp
      >>> scaler_state_dict(unscale_gradients().init({'w': jnp.zeros(1)}))['scale']
      65536.0
    """
    states = _loss_scale_states(opt_state)
    if not states:
        return {}
    state = states[0]
    return {
        "scale": float(np.asarray(state.scale)),
        "growth_factor": float(np.asarray(state.growth_factor)),
        "backoff_factor": float(np.asarray(state.backoff_factor)),
        "growth_interval": int(np.asarray(state.growth_interval)),
        "_growth_tracker": int(np.asarray(state.growth_tracker)),
    }


def load_scaler_state_dict(opt_state: Any, state_dict: Mapping[str, Any]) -> Any:
    """Restores a torch ``GradScaler.state_dict()`` into an optimizer state.

    The factors and the interval must equal the transformation's configuration (they are
    configuration here, not state); the scale and the growth tracker are loaded.

    Args:
      opt_state: an optimizer state holding a :class:`LossScaleState` (from ``tx.init``).
      state_dict: the scaler's state dict, e.g. ``checkpoint['meta']['fp16']['loss_scaler']``.

    Returns:
      ``opt_state`` with every :class:`LossScaleState` replaced.

    Raises:
      ValueError: the dict is empty (saved from a disabled scaler), lacks a key, has an unknown
        key, or its factors differ from the configuration; or ``opt_state`` has no loss scaler.
    """
    states = _loss_scale_states(opt_state)
    if not states:
        raise ValueError("load_scaler_state_dict: this optimizer state has no loss scaler")
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"load_scaler_state_dict: expected a dict, got {type(state_dict).__name__}")
    if len(state_dict) == 0:
        raise ValueError(
            "load_scaler_state_dict: the scaler state dict is empty, possibly because it was "
            "saved from a disabled GradScaler (or a run without fp16)"
        )
    unknown = [k for k in state_dict if k not in _STATE_DICT_KEYS]
    if unknown:
        raise ValueError(
            f"load_scaler_state_dict: unknown key(s) {unknown}; expected {list(_STATE_DICT_KEYS)}"
        )
    missing = [k for k in _STATE_DICT_KEYS if k not in state_dict]
    if missing:
        raise ValueError(f"load_scaler_state_dict: missing key(s) {missing}")
    configured = states[0]
    for key in ("growth_factor", "backoff_factor", "growth_interval"):
        value = state_dict[key]
        if not _is_number(value):
            raise ValueError(f"load_scaler_state_dict: `{key}` must be a number, got {value!r}")
        expected = np.asarray(getattr(configured, key))
        if np.asarray(value).astype(expected.dtype) != expected or value != value:
            raise ValueError(
                f"load_scaler_state_dict: `{key}`={value!r} differs from this optimizer's "
                f"configuration ({expected.item()!r}); change the fp16 config to match"
            )
    scale, tracker = state_dict["scale"], state_dict["_growth_tracker"]
    if not _is_number(scale):
        raise ValueError(f"load_scaler_state_dict: `scale` must be a number, got {scale!r}")
    if isinstance(tracker, bool) or not isinstance(tracker, numbers.Integral) or tracker < 0:
        raise ValueError(
            f"load_scaler_state_dict: `_growth_tracker` must be an int >= 0, got {tracker!r}"
        )

    def load(node):
        if not isinstance(node, LossScaleState):
            return node
        return node._replace(
            scale=jnp.asarray(scale, jnp.float32),
            growth_tracker=jnp.asarray(tracker, jnp.int32),
            found_inf=jnp.asarray(False),
        )

    return jax.tree_util.tree_map(load, opt_state, is_leaf=lambda x: isinstance(x, LossScaleState))


def parse_loss_scale(value: Any) -> dict[str, Any] | None:
    """Reads ``fp16.loss_scale`` into keyword arguments for :func:`unscale_gradients`.

    Accepted forms (mmcv's ``Fp16OptimizerHook``, torch >= 1.6):

    * a number: static scaling at that value (mmcv rejects ints such as ``512``; they are
      accepted here and mean the same as ``512.``);
    * ``'dynamic'``: dynamic scaling with torch's ``GradScaler`` defaults;
    * a mapping of ``GradScaler`` arguments (``init_scale``, ``growth_factor``,
      ``backoff_factor``, ``growth_interval``, ``enabled``): dynamic scaling with them;
      ``enabled=False`` turns loss scaling off. jaxoptim's ``min_scale`` / ``max_scale`` bound
      the dynamic scale (see :func:`unscale_gradients`).

    Args:
      value: the config value.

    Returns:
      The keyword arguments (the four GradScaler numbers and ``dynamic``, plus any bound), or
      ``None`` for no loss scaling.

    Raises:
      TypeError: ``value`` has another type, or the mapping has an unknown key.
      ValueError: a value is out of range.

    Examples:
      >>> kwargs = parse_loss_scale(512)
      >>> kwargs['init_scale'], kwargs['growth_interval'], kwargs['dynamic']
      (512.0, 2000, False)
      >>> parse_loss_scale(dict(init_scale=4.0, growth_interval=3))['growth_interval']
      3
      >>> parse_loss_scale(dict(enabled=False)) is None
      True
    """
    if _is_number(value):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"fp16: `loss_scale` must be a finite number > 0, got {value!r}")
        kwargs = dict(_TORCH_DEFAULTS, init_scale=float(value), dynamic=False)
    elif isinstance(value, str) and value == "dynamic":
        kwargs = dict(_TORCH_DEFAULTS, dynamic=True)
    elif isinstance(value, Mapping):
        unknown = [k for k in value if k not in _SCALER_KEYS + _BOUND_KEYS]
        if unknown:
            raise TypeError(
                f"fp16: `loss_scale` got unknown GradScaler argument(s) {unknown}; "
                f"allowed: {list(_SCALER_KEYS + _BOUND_KEYS)}"
            )
        enabled = value.get("enabled", True)
        if not isinstance(enabled, bool):
            raise TypeError(f"fp16: `loss_scale.enabled` must be a bool, got {enabled!r}")
        if not enabled:
            return None
        kwargs = dict(_TORCH_DEFAULTS)
        kwargs.update({k: v for k, v in value.items() if k != "enabled"})
        kwargs["dynamic"] = True
    else:
        raise TypeError(
            "fp16: `loss_scale` must be a number (static), 'dynamic', or a dict of GradScaler "
            f"arguments {list(_SCALER_KEYS)}; got {value!r}"
        )
    _check_scaler_args(
        kwargs["init_scale"],
        kwargs["growth_factor"],
        kwargs["backoff_factor"],
        kwargs["growth_interval"],
    )
    _check_bounds(
        kwargs["init_scale"], kwargs.get("min_scale"), kwargs.get("max_scale"), kwargs["dynamic"]
    )
    return kwargs


def parse_fp16(fp16_cfg: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Reads the config's ``fp16`` section into keyword arguments for :func:`unscale_gradients`.

    Args:
      fp16_cfg: ``None`` (no fp16) or a mapping whose only key is ``loss_scale`` (default
        ``512.``, static, as mmcv's hook).

    Returns:
      As :func:`parse_loss_scale`; ``None`` for no loss scaling.

    Raises:
      TypeError: ``fp16_cfg`` is not a mapping or has a key other than ``loss_scale``.

    Examples:
      >>> parse_fp16(dict())['init_scale'], parse_fp16(dict(loss_scale='dynamic'))['dynamic']
      (512.0, True)
    """
    if fp16_cfg is None:
        return None
    if not isinstance(fp16_cfg, Mapping):
        raise TypeError(f"`fp16` must be a dict such as dict(loss_scale=512.), got {fp16_cfg!r}")
    unknown = [k for k in fp16_cfg if k != "loss_scale"]
    if unknown:
        raise TypeError(f"`fp16` got unknown key(s) {unknown}; the only key is `loss_scale`")
    return parse_loss_scale(fp16_cfg.get("loss_scale", _MMCV_DEFAULT_LOSS_SCALE))
