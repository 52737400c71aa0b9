"""mmcv 1.x lr and momentum policies as pure, jittable functions of the iteration.

:func:`lr_schedule` and :func:`momentum_schedule` turn an mmcv ``lr_config`` /
``momentum_config`` into ``schedule(iteration) -> value``: the value that mmcv's
``LrUpdaterHook`` / ``MomentumUpdaterHook`` sets in ``before_train_iter`` for the 0-based
iteration, i.e. the value that trains that iteration. ``by_epoch`` policies evaluate
``get_lr(epoch)`` with ``epoch = iteration // iters_per_epoch``; warmup is counted in
iterations and multiplies (lr) or divides (momentum) the regular value.

Every policy keeps mmcv's numbers, quirks included (Poly never reaches ``min_lr``, Cyclic's
partial extra cycle, FlatCosine's banker's rounding, OneCycle's lr ignoring the optimizer's lr,
momentum OneCycle's phases over ``max_iters``), while mmcv's traps are fixed: policy names in
any case (``'cosine_annealing'``), lists where tuples were required, ``0``/``1`` where floats
were required, no silently inert ``by_epoch``, and a clear error naming the key for every bad
or unknown key.

The arithmetic is float32 (what a GPU runs), written so that no step cancels: powers come from
float64 tables, cosines from half-angle sines, interpolations from the nearer end, so values
agree with mmcv's float64 ones to a few float32 ulps.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Schedule = Callable[[Any], jax.Array]


class _Required:
    def __repr__(self) -> str:
        return "<required>"


_REQUIRED = _Required()

_HOOK_KEYS = {
    "lr": {
        "by_epoch": True,
        "warmup": None,
        "warmup_iters": 0,
        "warmup_ratio": 0.1,
        "warmup_by_epoch": False,
    },
    "momentum": {"by_epoch": True, "warmup": None, "warmup_iters": 0, "warmup_ratio": 0.9},
}
_MIN_LR = {"min_lr": None, "min_lr_ratio": None}
_MIN_MOM = {"min_momentum": None, "min_momentum_ratio": None}
_CYCLIC = {"by_epoch": False, "cyclic_times": 1, "step_ratio_up": 0.4, "anneal_strategy": "cos"}
_POLICIES = {
    "lr": {
        "Fixed": {},
        "Step": {"step": _REQUIRED, "gamma": 0.1, "min_lr": None},
        "Exp": {"gamma": _REQUIRED},
        "Poly": {"power": 1.0, "min_lr": 0.0},
        "Inv": {"gamma": _REQUIRED, "power": 1.0},
        "CosineAnnealing": dict(_MIN_LR),
        "FlatCosineAnnealing": {"start_percent": 0.75, **_MIN_LR},
        "CosineRestart": {"periods": _REQUIRED, "restart_weights": [1], **_MIN_LR},
        "Cyclic": {**_CYCLIC, "target_ratio": (10, 1e-4), "gamma": 1.0},
        "OneCycle": {
            "by_epoch": False,
            "max_lr": _REQUIRED,
            "total_steps": None,
            "pct_start": 0.3,
            "anneal_strategy": "cos",
            "div_factor": 25.0,
            "final_div_factor": 1e4,
            "three_phase": False,
        },
        "LinearAnnealing": dict(_MIN_LR),
    },
    "momentum": {
        "Step": {"step": _REQUIRED, "gamma": 0.5, "min_momentum": None},
        "CosineAnnealing": dict(_MIN_MOM),
        "LinearAnnealing": dict(_MIN_MOM),
        "Cyclic": {**_CYCLIC, "target_ratio": (0.85 / 0.95, 1.0), "gamma": 1.0},
        "OneCycle": {
            "by_epoch": False,
            "base_momentum": 0.85,
            "max_momentum": 0.95,
            "pct_start": 0.3,
            "anneal_strategy": "cos",
            "three_phase": False,
        },
    },
}
# Policies whose values depend on the training length.
_NEEDS_MAX_ITERS = {
    "Poly",
    "CosineAnnealing",
    "FlatCosineAnnealing",
    "CosineRestart",
    "Cyclic",
    "OneCycle",
    "LinearAnnealing",
}
_CANONICAL = {name.lower(): name for name in _POLICIES["lr"]}


def normalize_policy(name: str, *, kind: str = "lr") -> str:
    """mmcv's CamelCase policy name for ``name`` written in any case, with or without ``_``.

    Args:
      name: a policy name (``'step'``, ``'cosine_annealing'``, ``'CosineAnnealing'`` ...).
      kind: ``'lr'`` or ``'momentum'`` (momentum has fewer policies).

    Returns:
      The canonical name, e.g. ``'CosineAnnealing'``.

    Raises:
      ValueError: unknown policy (the message lists the valid ones and the closest).

    Examples:
      >>> normalize_policy('cosine_annealing')
      'CosineAnnealing'
      >>> normalize_policy('one-cycle', kind='momentum')
      'OneCycle'
    """
    valid = list(_POLICIES[kind])
    if not isinstance(name, str):
        raise TypeError(f"{kind}_config.policy must be a string, got {name!r}")
    key = name.replace("_", "").replace("-", "").replace(" ", "").lower()
    canonical = _CANONICAL.get(key)
    if canonical not in valid:
        close = difflib.get_close_matches(key, [v.lower() for v in valid], n=1, cutoff=0.5)
        hint = f"; did you mean {_CANONICAL[close[0]]!r}?" if close else ""
        if canonical is not None:
            hint = f" ({canonical} exists only as an lr policy)"
        raise ValueError(
            f"{kind}_config.policy: unknown {kind} policy {name!r}; valid policies are "
            f"{', '.join(valid)}{hint}"
        )
    return canonical


def policy_keys(kind: str = "lr") -> dict[str, dict[str, Any]]:
    """Every policy's accepted keys with their defaults (``<required>`` when required).

    The keys of the updater hook (``by_epoch``, ``warmup``, ...) are included in each entry.

    Args:
      kind: ``'lr'`` or ``'momentum'``.

    Returns:
      ``{policy: {key: default}}``.

    Examples:
      >>> policy_keys()['Step']['gamma']
      0.1
      >>> policy_keys('momentum')['Cyclic']['by_epoch']
      False
    """
    return {p: {**_HOOK_KEYS[kind], **keys} for p, keys in _POLICIES[kind].items()}


def lr_schedule(
    lr_config: Mapping[str, Any],
    base_lr: float | Sequence[float] | np.ndarray,
    *,
    max_iters: int | None,
    iters_per_epoch: int | None = None,
) -> Schedule:
    """The lr mmcv's ``<Policy>LrUpdaterHook`` sets before each iteration, as a jittable function.

    Args:
      lr_config: ``policy`` (any case) plus the policy's keys and the hook's (``by_epoch``,
        default True as in mmcv except Cyclic/OneCycle; ``warmup`` in
        ``{'constant','linear','exp'}``, ``warmup_iters``, ``warmup_ratio``,
        ``warmup_by_epoch``).
      base_lr: the optimizer's lr, or a 1-D array of per-group base lrs (each group is
        scheduled as mmcv schedules a param group; absolute ``min_lr`` is shared).
        ``OneCycle`` ignores it as mmcv does: its base is ``max_lr / div_factor`` (``max_lr``
        a number or a one-element list) for every group.
      max_iters: training length in iterations; required by Poly, CosineAnnealing,
        FlatCosineAnnealing, CosineRestart, Cyclic, OneCycle and LinearAnnealing.
      iters_per_epoch: iterations per epoch; required when ``by_epoch`` or
        ``warmup_by_epoch`` is set (by_epoch policies use ``max_epochs = max_iters //
        iters_per_epoch``).

    Returns:
      ``schedule(iteration) -> float32 array of base_lr's shape`` for a 0-based iteration (a
      Python int or a traced int32 scalar).

    Raises:
      ValueError, TypeError: a bad, missing or unknown key, named in the message.

    Examples:
      >>> cfg = dict(policy='step', step=[2], by_epoch=False, warmup='linear',
      ...            warmup_iters=2, warmup_ratio=0.5)
      >>> f = lr_schedule(cfg, 0.1, max_iters=4)
      >>> [round(float(f(i)), 6) for i in range(4)]
      [0.05, 0.075, 0.01, 0.01]
    """
    return _schedule("lr", lr_config, base_lr, max_iters, iters_per_epoch)


def momentum_schedule(
    momentum_config: Mapping[str, Any],
    base_momentum: float | Sequence[float] | np.ndarray,
    *,
    max_iters: int | None,
    iters_per_epoch: int | None = None,
) -> Schedule:
    """The momentum mmcv's ``<Policy>MomentumUpdaterHook`` sets before each iteration.

    Policies: Step, CosineAnnealing, LinearAnnealing, Cyclic, OneCycle. Warmup (default
    ``warmup_ratio=0.9``) *divides* the regular momentum, as mmcv does (values may exceed 1).

    Args:
      momentum_config: ``policy`` plus the policy's and the hook's keys (no
        ``warmup_by_epoch``, as in mmcv).
      base_momentum: the optimizer's momentum (or ``betas[0]``), or a 1-D array of per-group
        values. ``OneCycle`` ignores it: it runs between its own ``base_momentum`` and
        ``max_momentum`` (numbers or one-element lists), with phases over ``max_iters``.
      max_iters: training length in iterations (CosineAnnealing, LinearAnnealing, Cyclic,
        OneCycle).
      iters_per_epoch: iterations per epoch; required when ``by_epoch`` is set.

    Returns:
      ``schedule(iteration) -> float32 array of base_momentum's shape``.

    Raises:
      ValueError, TypeError: a bad, missing or unknown key, named in the message.

    Examples:
      >>> f = momentum_schedule(dict(policy='cyclic'), 0.95, max_iters=10)
      >>> [round(float(f(i)), 4) for i in (0, 4, 9)]
      [0.95, 0.85, 0.9433]
    """
    return _schedule("momentum", momentum_config, base_momentum, max_iters, iters_per_epoch)


# ----------------------------------------------------------------------------------------
# Config parsing and validation.


def _schedule(kind, config, base, max_iters, iters_per_epoch) -> Schedule:
    name = f"{kind}_config"
    if not isinstance(config, Mapping):
        raise TypeError(f"{name} must be a mapping with a 'policy' key, got {config!r}")
    if "policy" not in config:
        raise ValueError(f"{name} needs a 'policy' key (one of {', '.join(_POLICIES[kind])})")
    policy = normalize_policy(config["policy"], kind=kind)
    known = {**_HOOK_KEYS[kind], **_POLICIES[kind][policy]}
    unknown = sorted(k for k in config if k != "policy" and k not in known)
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(str(key), list(known), n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise TypeError(
            f"{name}: unknown key(s) {', '.join(hints)} for policy {policy!r}; "
            f"accepted keys: {', '.join(sorted(known))}"
        )
    opts = {**known, **{k: v for k, v in config.items() if k != "policy"}}
    missing = [k for k, v in opts.items() if v is _REQUIRED]
    if missing:
        raise TypeError(f"{name}: policy {policy!r} requires the key(s) {', '.join(missing)}")

    base = _base_values(base, kind)
    ctx = _Context(kind, policy, opts, max_iters, iters_per_epoch)
    regular = _BUILDERS[policy](ctx, opts, base)
    warmup = _warmup_factor(ctx, opts)
    divide = kind == "momentum"
    shape = base.shape
    ipe = ctx.iters_per_epoch if ctx.by_epoch else None

    def schedule(iteration):
        i = jnp.asarray(iteration, jnp.int32)
        progress = i // ipe if ipe is not None else i
        value = jnp.broadcast_to(jnp.asarray(regular(progress), jnp.float32), shape)
        if warmup is None:
            return value
        w = warmup(i)
        return value / w if divide else value * w

    return schedule


def _base_values(base, kind) -> np.ndarray:
    if isinstance(base, (str, bytes, bool)) or not np.issubdtype(np.asarray(base).dtype, np.number):
        raise TypeError(f"base_{kind} must be a number or a 1-D array, got {base!r}")
    arr = np.asarray(base, np.float64)
    if arr.ndim > 1:
        raise ValueError(f"base_{kind} must be a number or a 1-D array, got shape {arr.shape}")
    if not (np.all(np.isfinite(arr)) and np.all(arr >= 0)):
        raise ValueError(f"base_{kind} must be finite and >= 0, got {base!r}")
    return arr


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _check_number(label: str, value: Any, *, lo=None, hi=None, allow_none=False) -> float | None:
    """``value`` as a float: a finite real number (not a bool), in ``[lo, hi]`` when given.

    ``label`` names it in the error (``'CosineAnnealing.min_lr'``); ``None`` passes with
    ``allow_none``.
    """
    if value is None and allow_none:
        return None
    if not _is_number(value):
        raise TypeError(f"{label} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{label} must be finite, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        allowed = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"{label} must be {allowed}, got {value!r}")
    return float(value)


class _Context:
    """The validated length settings of one schedule and the checks every policy shares."""

    def __init__(self, kind, policy, opts, max_iters, iters_per_epoch):
        self.kind, self.policy, self.name = kind, policy, f"{kind}_config"
        for key, value in (("max_iters", max_iters), ("iters_per_epoch", iters_per_epoch)):
            if value is not None and not (_is_int(value) and value > 0):
                raise ValueError(f"{key} must be a positive int, got {value!r}")
        self.by_epoch = self.flag(opts, "by_epoch")
        if self.by_epoch and policy in ("Cyclic", "OneCycle"):
            raise ValueError(
                f"{self.name}: policy {policy!r} does not support by_epoch=True (mmcv only "
                "implements it per iteration); set by_epoch=False"
            )
        # Fixed gives the same values per epoch and per iteration, so it needs no epoch length.
        if self.by_epoch and policy != "Fixed" and iters_per_epoch is None:
            raise ValueError(
                f"{self.name}: by_epoch=True (the default for {policy!r}) needs iters_per_epoch; "
                "pass iters_per_epoch=... or set by_epoch=False for an iteration-based schedule"
            )
        self.iters_per_epoch = iters_per_epoch
        self.max_iters = max_iters
        needs = policy in _NEEDS_MAX_ITERS
        if policy == "OneCycle" and kind == "lr" and opts.get("total_steps") is not None:
            needs = False
        if needs and max_iters is None:
            raise ValueError(f"{self.name}: policy {policy!r} needs max_iters")
        self.max_progress = None  # mmcv's P: max_epochs or max_iters
        self.last_progress = None  # the last progress value training reaches
        if max_iters is not None:
            if self.by_epoch and iters_per_epoch is not None:
                self.max_progress = max_iters // iters_per_epoch
                self.last_progress = (max_iters - 1) // iters_per_epoch
                if self.max_progress < 1 and needs:
                    raise ValueError(
                        f"{self.name}: max_iters={max_iters} is shorter than one epoch of "
                        f"iters_per_epoch={iters_per_epoch}"
                    )
            else:
                self.max_progress = max_iters
                self.last_progress = max_iters - 1

    def number(self, opts, key, *, allow_none=False):
        return _check_number(f"{self.name}.{key}", opts[key], allow_none=allow_none)

    def non_negative(self, opts, key, *, allow_none=False):
        return _check_number(f"{self.name}.{key}", opts[key], lo=0, allow_none=allow_none)

    def flag(self, opts, key):
        value = opts[key]
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{self.name}.{key} must be True or False, got {value!r}")
        return bool(value)

    def fraction(self, opts, key, *, upper_open=False):
        value = self.number(opts, key)
        if not (0.0 <= value < 1.0 if upper_open else 0.0 <= value <= 1.0):
            interval = "[0, 1)" if upper_open else "[0, 1]"
            raise ValueError(f"{self.name}.{key} must be in {interval}, got {opts[key]!r}")
        return value

    def choice(self, opts, key, valid):
        value = opts[key]
        if value not in valid:
            raise ValueError(
                f"{self.name}.{key} must be one of {', '.join(map(repr, valid))}, got {value!r}"
            )
        return value

    def positive_int(self, opts, key):
        value = opts[key]
        if not (_is_int(value) and value > 0):
            raise ValueError(f"{self.name}.{key} must be a positive int, got {value!r}")
        return int(value)

    def target(self, opts, base):
        """The annealing target: ``min_*`` (absolute, shared) or ``base * min_*_ratio``."""
        lo = "min_lr" if self.kind == "lr" else "min_momentum"
        absolute = self.non_negative(opts, lo, allow_none=True)
        ratio = self.non_negative(opts, f"{lo}_ratio", allow_none=True)
        if (absolute is None) == (ratio is None):
            raise ValueError(
                f"{self.name}: policy {self.policy!r} needs exactly one of {lo} and {lo}_ratio, "
                f"got {lo}={opts[lo]!r}, {lo}_ratio={opts[lo + '_ratio']!r}"
            )
        return np.full_like(base, absolute) if ratio is None else base * ratio


# ----------------------------------------------------------------------------------------
# float32 arithmetic without cancellation.

_HALF_PI = np.float32(np.pi / 2)
_DIGIT = 256


def _f32(x):
    return np.asarray(x, np.float64).astype(np.float32)


def _float(x):
    return jnp.asarray(x, jnp.float32)


def _digit_power(base: float, n, n_max: int | None = None, denom: float = 1.0):
    """``base ** (n / denom)`` for an int32 ``0 <= n <= n_max``, from float64 digit tables.

    ``n`` is split into base-256 digits; each table entry is rounded once to float32, so the
    result carries a few ulps of error where ``exp(n * log(base))`` in float32 would lose ``n``
    times more. Without ``n_max`` every int32 is covered; a known bound needs fewer tables.
    """
    n_max = 2**31 - 1 if n_max is None else max(int(n_max), 1)
    out, j = None, 0
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        while j == 0 or n_max >= _DIGIT**j:
            top = n_max < _DIGIT ** (j + 1)
            size = n_max // _DIGIT**j + 1 if top else _DIGIT
            exponents = np.arange(size, dtype=np.float64) * float(_DIGIT**j) / denom
            table = jnp.asarray(_f32(np.power(np.float64(base), exponents)))
            digit = n // _DIGIT**j
            digit = jnp.minimum(digit, size - 1) if top else digit % _DIGIT
            out = table[digit] if out is None else out * table[digit]
            j += 1
    return out


def _split(num, den):
    """``(num/den, (den-num)/den)`` with a zero denominator (never selected) made safe."""
    den = jnp.where(den == 0, jnp.float32(1), den)
    return num / den, (den - num) / den


def _anneal_cos(start, end, num, den, *, diff=None):
    """mmcv's ``annealing_cos(start, end, num / den)``, anchored at the nearer end."""
    f, g = _split(num, den)
    diff = end - start if diff is None else diff
    near_start = start + diff * jnp.square(jnp.sin(_HALF_PI * f))
    near_end = end - diff * jnp.square(jnp.sin(_HALF_PI * g))
    return jnp.where(f <= 0.5, near_start, near_end)


def _anneal_linear(start, end, num, den, *, diff=None):
    """mmcv's ``annealing_linear(start, end, num / den)``, anchored at the nearer end."""
    f, g = _split(num, den)
    diff = end - start if diff is None else diff
    return jnp.where(f <= 0.5, start + diff * f, end - diff * g)


_ANNEAL = {"cos": _anneal_cos, "linear": _anneal_linear}


def _static_anneal(anneal, start, end, num, den):
    """Anneals between two per-group float64 constants (their difference taken in float64)."""
    return anneal(_f32(start), _f32(end), num, den, diff=_f32(np.asarray(end) - start))


def _pow(x, power: float):
    if float(power).is_integer() and abs(power) <= 64:
        return jax.lax.integer_pow(x, int(power))
    return jnp.power(x, jnp.float32(power))


# ----------------------------------------------------------------------------------------
# Warmup.


def _warmup_factor(ctx, opts):
    warmup = opts["warmup"]
    if warmup is None:
        return None
    if not isinstance(warmup, str) or warmup.lower() not in ("constant", "linear", "exp"):
        raise ValueError(
            f"{ctx.name}.warmup must be None, 'constant', 'linear' or 'exp', got {warmup!r}"
        )
    warmup = warmup.lower()
    length = opts["warmup_iters"]
    if not (_is_number(length) and float(length).is_integer() and length > 0):
        raise ValueError(
            f"{ctx.name}.warmup_iters must be a positive int when warmup is set, got {length!r}"
        )
    ratio = ctx.number(opts, "warmup_ratio")
    if not 0 < ratio <= 1:
        raise ValueError(f"{ctx.name}.warmup_ratio must be in (0, 1], got {opts['warmup_ratio']!r}")
    length = int(length)
    if ctx.kind == "lr" and ctx.flag(opts, "warmup_by_epoch"):
        if ctx.iters_per_epoch is None:
            raise ValueError(
                f"{ctx.name}: warmup_by_epoch=True counts warmup_iters in epochs and needs "
                "iters_per_epoch"
            )
        length *= ctx.iters_per_epoch

    def factor(i):
        if warmup == "constant":
            w = jnp.float32(ratio)
        elif warmup == "linear":
            # r + (1 - r) * i / W: mmcv's 1 - (1 - i/W)(1 - r) without its cancellation.
            w = jnp.float32(ratio) + jnp.float32(1 - ratio) * (_float(i) / jnp.float32(length))
        else:
            w = _digit_power(ratio, jnp.clip(length - i, 0, length), length, denom=length)
        return jnp.where(i < length, w, jnp.float32(1))

    return factor


# ----------------------------------------------------------------------------------------
# The policies: ``builder(ctx, opts, base) -> regular(progress) -> value``.


def _fixed(ctx, opts, base):
    b = _f32(base)
    return lambda p: b


def _step(ctx, opts, base):
    step = opts["step"]
    if isinstance(step, np.ndarray):
        step = step.tolist()
    gamma = ctx.non_negative(opts, "gamma")
    lo = ctx.non_negative(opts, "min_lr" if ctx.kind == "lr" else "min_momentum", allow_none=True)
    b = _f32(base)
    if _is_int(step):
        if step <= 0:
            raise ValueError(f"{ctx.name}.step must be a positive int, got {step!r}")

        def exponent_factor(p):
            return _digit_power(gamma, p // int(step))

    elif isinstance(step, Sequence) and not isinstance(step, str) and len(step) == 0:
        # mmcv accepts step=[]: no milestone is ever passed, so gamma**0 (a constant, min_lr
        # still clamps it).
        def exponent_factor(p):
            return jnp.float32(1.0)

    elif isinstance(step, Sequence) and not isinstance(step, str):
        if not all(_is_int(s) and s > 0 for s in step):
            raise ValueError(f"{ctx.name}.step must hold positive ints, got {step!r}")
        milestones = np.asarray(step, np.int32)
        powers = _f32([gamma**k for k in range(len(step) + 1)])

        def exponent_factor(p):
            # mmcv: the index of the first milestone above p (len(step) if none), in list order.
            above = p < milestones
            index = jnp.where(jnp.any(above), jnp.argmax(above), len(step))
            return jnp.asarray(powers)[index]

    else:
        raise TypeError(f"{ctx.name}.step must be a positive int or a list of them, got {step!r}")

    def regular(p):
        value = b * exponent_factor(p)
        return value if lo is None else jnp.maximum(value, jnp.float32(lo))

    return regular


def _exp(ctx, opts, base):
    gamma = ctx.non_negative(opts, "gamma")
    b = _f32(base)
    return lambda p: b * _digit_power(gamma, p)


def _poly(ctx, opts, base):
    power = ctx.number(opts, "power")
    lo = ctx.non_negative(opts, "min_lr")
    span, total = _f32(base - lo), jnp.float32(ctx.max_progress)
    return lambda p: span * _pow((total - _float(p)) / total, power) + jnp.float32(lo)


def _inv(ctx, opts, base):
    gamma, power = ctx.number(opts, "gamma"), ctx.number(opts, "power")
    b = _f32(base)

    def regular(p):
        x = jnp.float32(gamma) * _float(p)
        if power == 1:
            return b / (1 + x)
        if float(power).is_integer() and abs(power) <= 64:
            return b / _pow(1 + x, power)
        return b * jnp.exp(jnp.float32(-power) * jnp.log1p(x))

    return regular


def _cosine(ctx, opts, base):
    target = ctx.target(opts, base)
    total = jnp.float32(ctx.max_progress)
    return lambda p: _static_anneal(_anneal_cos, base, target, _float(p), total)


def _linear_annealing(ctx, opts, base):
    target = ctx.target(opts, base)
    total = jnp.float32(ctx.max_progress)
    return lambda p: _static_anneal(_anneal_linear, base, target, _float(p), total)


def _flat_cosine(ctx, opts, base):
    target = ctx.target(opts, base)
    start = round(ctx.max_progress * ctx.fraction(opts, "start_percent"))  # banker's, as mmcv
    b, length = _f32(base), jnp.float32(ctx.max_progress - start)

    def regular(p):
        annealed = _static_anneal(_anneal_cos, base, target, _float(p - start), length)
        return jnp.where(p < start, b, annealed)

    return regular


def _cosine_restart(ctx, opts, base):
    periods, weights = opts["periods"], opts["restart_weights"]
    if not (
        isinstance(periods, Sequence)
        and len(periods) > 0
        and all(_is_int(x) and x > 0 for x in periods)
    ):
        raise ValueError(f"{ctx.name}.periods must be a list of positive ints, got {periods!r}")
    if not (
        isinstance(weights, Sequence)
        and len(weights) == len(periods)
        and all(_is_number(w) for w in weights)
    ):
        raise ValueError(
            f"{ctx.name}.restart_weights must be a list of {len(periods)} numbers (one per "
            f"period), got {weights!r}"
        )
    cumulative = np.cumsum(periods)
    if ctx.last_progress is not None and ctx.last_progress >= cumulative[-1]:
        unit = "epochs" if ctx.by_epoch else "iterations"
        raise ValueError(
            f"{ctx.name}.periods {list(periods)} cover {int(cumulative[-1])} {unit}, shorter than "
            f"training ({ctx.last_progress + 1} {unit}); mmcv raises there. Lengthen periods"
        )
    target = ctx.target(opts, base)
    restarts = np.concatenate([[0], cumulative[:-1]]).astype(np.int32)
    # mmcv restarts at t + w (b - t) and anneals to t.
    starts = target + np.asarray(weights, np.float64)[:, None] * (base - target).reshape(1, -1)
    starts = starts.reshape((len(periods),) + base.shape)
    start_table, diff_table = _f32(starts), _f32(target - starts)
    cumulative, lengths = cumulative.astype(np.int32), jnp.asarray(_f32(periods))
    start_table, diff_table = jnp.asarray(start_table), jnp.asarray(diff_table)
    restarts, t = jnp.asarray(restarts), _f32(target)

    def regular(p):
        # Past the last period (only when called beyond training) the last one holds its end.
        k = jnp.minimum(jnp.sum(p >= cumulative), len(periods) - 1)
        num = jnp.minimum(_float(p - restarts[k]), lengths[k])
        return _anneal_cos(start_table[k], t, num, lengths[k], diff=diff_table[k])

    return regular


def _target_ratio(ctx, opts):
    ratio = opts["target_ratio"]
    if _is_number(ratio):
        ratio = (float(ratio), float(ratio) / 1e5)
    elif isinstance(ratio, Sequence) and not isinstance(ratio, str):
        ratio = tuple(ratio)
        if len(ratio) == 1:
            ratio = (ratio[0], ratio[0] / 1e5) if _is_number(ratio[0]) else ratio
    else:
        raise ValueError(
            f"{ctx.name}.target_ratio must be a number or a pair of numbers, got {ratio!r}"
        )
    if len(ratio) != 2 or not all(_is_number(r) and math.isfinite(r) for r in ratio):
        raise ValueError(
            f"{ctx.name}.target_ratio must be a number or a pair of numbers, got "
            f"{opts['target_ratio']!r}"
        )
    return float(ratio[0]), float(ratio[1])


def _cyclic(ctx, opts, base):
    ratio = _target_ratio(ctx, opts)
    times = ctx.positive_int(opts, "cyclic_times")
    up_ratio = ctx.fraction(opts, "step_ratio_up", upper_open=True)
    gamma = ctx.number(opts, "gamma")
    if ctx.kind == "lr" and not 0 < gamma <= 1:
        raise ValueError(f"{ctx.name}.gamma must be in (0, 1], got {opts['gamma']!r}")
    anneal = _ANNEAL[ctx.choice(opts, "anneal_strategy", ("cos", "linear"))]
    period = ctx.max_iters // times
    if period < 1:
        raise ValueError(
            f"{ctx.name}.cyclic_times={times} leaves less than one iteration per cycle "
            f"(max_iters={ctx.max_iters})"
        )
    up = int(up_ratio * period)
    b = _f32(base)
    r0, r1 = jnp.float32(ratio[0]), jnp.float32(ratio[1])

    def regular(i):
        pos, cycle = i % period, i // period
        s = _digit_power(gamma, cycle)
        shrink = lambda r: (1 - s) + r * s  # mmcv's 1 - scale + ratio * scale
        down_start = shrink(r0) if up > 0 else r0  # mmcv rescales the end of the phase at 0
        down_end = r1 if up > 0 else shrink(r1)
        value = anneal(b * down_start, b * down_end, _float(pos - up), jnp.float32(period - up))
        if up > 0:
            rising = anneal(b, b * shrink(r0), _float(pos), jnp.float32(up))
            value = jnp.where(pos < up, rising, value)
        return value

    return regular


def _one_cycle_number(ctx, opts, key):
    value = opts[key]
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 1:
        value = value[0]
    if not (_is_number(value) and math.isfinite(value)):
        raise ValueError(
            f"{ctx.name}.{key} must be a finite number or a one-element list (the same value "
            f"for every param group), got {opts[key]!r}"
        )
    return float(value)


def _one_cycle(ctx, opts, base):
    pct = ctx.fraction(opts, "pct_start")
    anneal = _ANNEAL[ctx.choice(opts, "anneal_strategy", ("cos", "linear"))]
    three_phase = ctx.flag(opts, "three_phase")
    if ctx.kind == "lr":
        max_lr = _one_cycle_number(ctx, opts, "max_lr")
        div, final = ctx.number(opts, "div_factor"), ctx.number(opts, "final_div_factor")
        for key, value in (("div_factor", div), ("final_div_factor", final)):
            if value <= 0:
                raise ValueError(f"{ctx.name}.{key} must be > 0, got {opts[key]!r}")
        total = opts["total_steps"]
        if total is None:
            total = ctx.max_iters
        elif not (_is_int(total) and total > 0):
            raise ValueError(f"{ctx.name}.total_steps must be a positive int, got {total!r}")
        elif ctx.max_iters is not None and total < ctx.max_iters:
            raise ValueError(f"{ctx.name}.total_steps={total} must be >= max_iters={ctx.max_iters}")
        b = max_lr / div  # the optimizer's own lr is ignored, as in mmcv
        first, peak, last = b, b * div, b * (1 / final)
    else:
        total = ctx.max_iters  # mmcv: runner.max_iters, not the lr's total_steps
        first = _one_cycle_number(ctx, opts, "max_momentum")
        peak = _one_cycle_number(ctx, opts, "base_momentum")
        last = first
    phases = one_cycle_phases(pct, total, first, peak, last, three_phase)
    if phases[0][0] == 0:
        raise ValueError(
            f"{ctx.name}.pct_start={opts['pct_start']!r} makes the first phase end at iteration "
            f"0 (pct_start * {total} == 1): mmcv divides by zero there"
        )
    shape = base.shape

    def regular(i):
        return jnp.broadcast_to(walk_one_cycle(i, phases, anneal), shape)

    return regular


def one_cycle_phases(pct, total, first, peak, last, three_phase):
    """mmcv's (and mmengine's) OneCycle phase table: ``(end_iter, start value, end value)``."""
    if three_phase:
        return [
            (float(pct * total) - 1, first, peak),
            (float(2 * pct * total) - 2, peak, first),
            (total - 1, first, last),
        ]
    return [(float(pct * total) - 1, first, peak), (total - 1, peak, last)]


def walk_one_cycle(i, phases, anneal):
    """The value at integer step ``i`` (traced), walked as mmcv does: the first phase with
    ``i <= end_iter``, the last one for anything later."""
    x, start, pieces = _float(i), 0.0, []
    for end_iter, v0, v1 in phases:
        num, den = x - jnp.float32(start), jnp.float32(end_iter - start)
        pieces.append((math.floor(end_iter), _static_anneal(anneal, v0, v1, num, den)))
        start = end_iter
    value = pieces[-1][1]
    for threshold, piece in reversed(pieces[:-1]):
        value = jnp.where(i <= threshold, piece, value)
    return value


_BUILDERS = {
    "Fixed": _fixed,
    "Step": _step,
    "Exp": _exp,
    "Poly": _poly,
    "Inv": _inv,
    "CosineAnnealing": _cosine,
    "FlatCosineAnnealing": _flat_cosine,
    "CosineRestart": _cosine_restart,
    "Cyclic": _cyclic,
    "OneCycle": _one_cycle,
    "LinearAnnealing": _linear_annealing,
}
