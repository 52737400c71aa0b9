"""mmengine's ``param_scheduler`` list as one jittable function of the 0-based iteration.

mmengine chains schedulers recursively: each one, inside its ``[begin, end)`` window, rewrites
the current group value (``v -> v * r`` for Step, MultiStep, Constant, Exponential and Linear;
``v -> (v - eta) * r + eta`` for CosineAnnealing, Poly and CosineRestart; mmdet's
QuadraticWarmup sets ``base / T**2`` at its first step, then ``v -> v + base * (2k + 1) / T**2``
at step ``k``, with ``T = end - begin``), in list order, and leaves it alone outside. This
module computes the same values in closed form where one is exact, and from a table of
mmengine's own recurrence where none is:

* *multiplicative* schedulers (the five above, and CosineAnnealing / Poly whose ``eta`` is 0 for
  every group) commute, so the value is the base times the product of each scheduler's
  cumulative factor (held once its window has ended); any number of them may overlap.
* *anchored* schedulers (CosineAnnealing / Poly with ``eta != 0``, CosineAnnealing stepping past
  ``T_max`` where mmengine restarts it from the base value, CosineRestart, which restarts
  from ``weight * base``, and QuadraticWarmup, which reads ``base * ((k + 1) / T)**2``) have a
  closed form while nothing else changes the value between their first and last change: inside
  that interval the value is ``eta + (v_in - eta) * R(k)`` with ``v_in`` the (static) value
  before it (the warmup's forgets ``v_in``); after it, the value it ended at times the later
  factors.
* any other chain (a warmup inside a cosine with ``eta_min``, a milestone inside a poly with
  ``eta_min``, anything inside a CosineRestart's periods or a QuadraticWarmup's window) is
  *tabulated*: every step mmengine takes until ``max_iters`` is replayed in float64 with each
  scheduler's chainable update, in mmengine's order, once per distinct base value, and the
  schedule reads the float32 table at the iteration (one gather: a changing lr never
  recompiles); past ``max_iters`` it holds the value mmengine leaves in the optimizer when
  training ends. It costs ``4 * (max_iters + 1)`` bytes per distinct base value (4 MB for a
  million iterations) and needs ``max_iters``.
* ``OneCycleLR`` replaces the base lr (``eta_max / div_factor``) and must be the only lr
  scheduler.

The scheduled parameter is ``lr``, ``momentum`` or ``weight_decay`` (the generic
``*ParamScheduler`` types with ``param_name='weight_decay'``, and mmpretrain's
``CosineAnnealingWeightDecay``). mmengine schedules each group from that group's initial value
(``initial_weight_decay``), so a group whose weight decay is 0 stays 0 under multiplicative
schedulers while an ``eta_min`` lifts it towards ``eta_min``. mmpretrain's
``CosineAnnealingWeightDecay`` (mmpretrain/engine/schedulers/weight_decay_scheduler.py) is
``CosineAnnealingParamScheduler(param_name='weight_decay')`` except that a group whose initial
weight decay is 0 is set to 0 at every step after its first (its ``eta_min`` never reaches
that group).

The static values (``v_in``, the end values) are computed in float64; the traced arithmetic is
float32 with the helpers of :mod:`jaxoptim.schedules` (powers from float64 tables, cosines from
half-angle sines), so values agree with mmengine's float64 ones to a few float32 ulps; a table
holds mmengine's float64 values rounded once to float32.

Timing is mmengine's ``ParamSchedulerHook``: an iteration-based scheduler is at step ``t = i``
for iteration ``i``, an epoch-based one at ``t = i // iters_per_epoch``; ``convert_to_iter_based``
multiplies ``begin``, ``end``, ``step_size``, ``milestones``, ``T_max``, ``periods`` and
``total_steps`` by the epoch length; ``end`` defaults to the train loop's ``max_epochs`` /
``max_iters``. Between two iterations the iteration-based schedulers step first, then (at an
epoch's end) the epoch-based ones, each kind in list order; at construction all step once in
list order.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from itertools import accumulate
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxoptim import plateau
from jaxoptim.registry import strip_scope
from jaxoptim.schedules import (
    _anneal_cos,
    _anneal_linear,
    _check_number,
    _digit_power,
    _f32,
    _float,
    _is_int,
    _is_number,
    _pow,
    _static_anneal,
    one_cycle_phases,
    walk_one_cycle,
)

INF = 10**9  # mmengine's default `end`
_INT32_MAX = 2**31 - 1

_REQUIRED = object()
_COMMON = {
    "begin": 0,
    "end": None,
    "by_epoch": True,
    "convert_to_iter_based": False,
    "last_step": -1,
    "verbose": False,
}
_KEYS = {
    "Step": {"step_size": _REQUIRED, "gamma": 0.1},
    "MultiStep": {"milestones": _REQUIRED, "gamma": 0.1},
    "Constant": {"factor": 1.0 / 3},
    "Exponential": {"gamma": _REQUIRED},
    "Linear": {"start_factor": 1.0 / 3, "end_factor": 1.0},
    "CosineAnnealing": {"T_max": None, "eta_min": None, "eta_min_ratio": None},
    "Poly": {"eta_min": 0.0, "power": 1.0},
    "OneCycle": {
        "eta_max": 0.0,
        "total_steps": None,
        "pct_start": 0.3,
        "anneal_strategy": "cos",
        "div_factor": 25.0,
        "final_div_factor": 1e4,
        "three_phase": False,
    },
    "CosineRestart": {
        "periods": _REQUIRED,
        "restart_weights": (1,),
        "eta_min": None,
        "eta_min_ratio": None,
    },
    # mmdet 3.x (mmdet/engine/schedulers/quadratic_warmup.py), for YOLOX: the common keys only
    "QuadraticWarmup": {},
}
# scheduler type -> (kind, param): the LR / Momentum names, then the generic ones.
TYPES: dict[str, tuple[str, str | None]] = {}
for _kind in _KEYS:
    TYPES[f"{_kind}LR"] = (_kind, "lr")
    if _kind != "OneCycle":  # mmengine has no OneCycleMomentum
        TYPES[f"{_kind}Momentum"] = (_kind, "momentum")
    TYPES[f"{_kind}ParamScheduler"] = (_kind, None)
# mmpretrain's: a CosineAnnealingParamScheduler on 'weight_decay' that keeps zero groups at 0
TYPES["CosineAnnealingWeightDecay"] = ("CosineAnnealing", "weight_decay")
_KEEPS_ZERO = ("CosineAnnealingWeightDecay",)
PARAMS = ("lr", "momentum", "weight_decay")
"""The group values a scheduler may drive (``param_name``)."""


@dataclasses.dataclass(frozen=True)
class Timing:
    """The train loop's lengths, as far as they are known.

    Attributes:
      iters_per_epoch: the epoch length (``len(train_dataloader)``), or ``None``.
      max_iters: total training iterations, or ``None``.
      max_epochs: the default ``end`` of epoch-based schedulers, or ``None``.
      loop_iters: the default ``end`` of iteration-based schedulers (the loop's ``max_iters``),
        or ``None``.
      epoch_loop: ``False`` under an ``IterBasedTrainLoop`` (epoch-based schedulers never step
        there), else ``True``.
    """

    iters_per_epoch: int | None = None
    max_iters: int | None = None
    max_epochs: int | None = None
    epoch_loop: bool = True
    loop_iters: int | None = None
    loop_known: bool = False


@dataclasses.dataclass
class _Scheduler:
    """One validated scheduler, in iteration-based or epoch-based steps (``unit`` iterations)."""

    where: str  # "param_scheduler[1] (CosineAnnealingLR)"
    kind: str
    unit: int
    begin: int
    end: int
    opts: dict
    epoch_based: bool = False  # stepped at an epoch's end (by_epoch, not converted)

    @property
    def last_k(self) -> int:
        return self.end - 1 - self.begin

    def k_static(self, i: int) -> int:
        """``last_step`` after the steps that set iteration ``i`` (-1: not started)."""
        t = i // self.unit
        return -1 if t < self.begin else min(t, self.end - 1) - self.begin

    def k_traced(self, i):
        return jnp.clip(i // self.unit - self.begin, -1, self.last_k)

    def iteration(self, k: int) -> int:
        """The first iteration trained with step ``k``'s value."""
        return (self.begin + k) * self.unit

    def k_range(self, lo: int, hi: int) -> tuple[int, int]:
        """The steps ``k`` whose values take effect at iterations ``lo..hi`` (inclusive)."""
        t_lo, t_hi = -(-lo // self.unit), hi // self.unit
        return max(t_lo - self.begin, 0), min(t_hi - self.begin, self.last_k)

    # -- which steps change the value ------------------------------------------------------

    def changes(self, lo: int, hi: int) -> bool:
        """Whether a step ``k`` in ``lo..hi`` changes the value."""
        o, k = self.opts, self.kind
        if lo > hi:
            return False
        if k == "Step":
            first = -(-max(lo, 1) // o["step_size"]) * o["step_size"]
            return o["gamma"] != 1 and first <= hi
        if k == "MultiStep":
            return o["gamma"] != 1 and any(lo <= m <= hi for m in o["milestones"])
        if k == "Constant":
            t = self.last_k
            return o["factor"] != 1 and (lo <= 0 <= hi or (t > 0 and lo <= t <= hi))
        if k == "Exponential":
            return o["gamma"] != 1 and hi >= max(lo, 1)
        if k == "Linear":
            s, e = o["start_factor"], o["end_factor"]
            return (s != 1 and lo <= 0 <= hi) or (e != s and hi >= max(lo, 1))
        if k == "CosineRestart":
            return lo <= min(hi, sum(o["periods"]) - 1)
        if k == "QuadraticWarmup":  # every step of its window writes the value
            return lo <= self.last_k
        return hi >= max(lo, 1)  # CosineAnnealing, Poly

    def changes_at_iterations(self, lo: int, hi: int) -> bool:
        klo, khi = self.k_range(lo, hi)
        return self.changes(klo, khi)

    def change_span(self) -> tuple[int, int] | None:
        """The first and last step that change the value, or ``None``."""
        first = 0 if self.kind == "CosineRestart" or self.changes(0, 0) else 1
        last = self.last_k
        if self.kind == "CosineRestart":
            last = min(last, sum(self.opts["periods"]) - 1)
        if first > last or not self.changes(first, last):
            return None
        return first, last

    # -- eta ------------------------------------------------------------------------------

    def eta(self, base: np.ndarray) -> np.ndarray:
        ratio = self.opts.get("eta_min_ratio")
        if ratio is not None:
            return base * float(ratio)
        eta = np.full_like(base, float(self.opts.get("eta_min") or 0.0))
        if self.opts.get("keep_zero"):  # mmpretrain's CosineAnnealingWeightDecay
            eta = np.where(base == 0, 0.0, eta)
        return eta

    def lifts_zero(self) -> bool:
        """Whether a group whose base value is 0 can leave 0 (an absolute ``eta_min``)."""
        if self.kind not in ("CosineAnnealing", "Poly", "CosineRestart"):
            return False
        return bool(self.eta(np.zeros(1))[0] != 0)

    def periodic(self) -> bool:
        return self.kind == "CosineAnnealing" and self.last_k > self.opts["T_max"]

    def anchored(self, base: np.ndarray) -> bool:
        if self.kind in ("CosineRestart", "QuadraticWarmup") or self.periodic():
            return True
        if self.kind in ("CosineAnnealing", "Poly"):
            return bool(np.any(self.eta(base) != 0))
        return False

    # -- multiplicative factors -----------------------------------------------------------

    def factor_static(self, k: int) -> float:
        """The cumulative factor after step ``k`` (1 before the first step), in float64."""
        if k < 0:
            return 1.0
        o = self.opts
        if self.kind == "Step":
            return o["gamma"] ** (k // o["step_size"])
        if self.kind == "MultiStep":
            return o["gamma"] ** sum(c for m, c in o["milestones"].items() if m <= k)
        if self.kind == "Constant":
            return o["factor"] if (k < self.last_k or self.last_k == 0) else 1.0
        if self.kind == "Exponential":
            return o["gamma"] ** k
        if self.kind == "Linear":
            s, e, t = o["start_factor"], o["end_factor"], self.last_k
            return s if t == 0 else s + (e - s) * k / t
        if self.kind == "CosineAnnealing":
            return (1 + math.cos(math.pi * k / o["T_max"])) / 2
        t = self.last_k  # Poly
        return 1.0 if t == 0 else (1 - k / t) ** o["power"]

    def _exponent(self, k):
        """``n`` with factor ``gamma ** n`` (Step, MultiStep, Exponential), traced."""
        o = self.opts
        if self.kind == "Exponential":
            return k
        if self.kind == "Step":
            return k // o["step_size"]
        count = 0
        for m, c in o["milestones"].items():
            count = count + jnp.where(k >= m, c, 0)
        return jnp.asarray(count, jnp.int32)

    def _max_exponent(self) -> int:
        o, t = self.opts, self.last_k
        if self.kind == "Exponential":
            return t
        if self.kind == "Step":
            return t // o["step_size"]
        return sum(o["milestones"].values())

    def factor_traced(self, i, since: int | None = None):
        """The cumulative factor at iteration ``i``, divided by its value at ``since``."""
        k = self.k_traced(i)
        o = self.opts
        if self.kind in ("Step", "MultiStep", "Exponential"):
            n = self._exponent(jnp.maximum(k, 0))
            if since is not None:
                n0 = self._exponent_static(self.k_static(since))
                n = jnp.maximum(n - n0, 0)
            value = _digit_power(o["gamma"], n, self._max_exponent())
            return jnp.where(k < 0, jnp.float32(1), value)
        kk = jnp.maximum(k, 0)
        if self.kind == "Constant":
            active = (kk < self.last_k) | (self.last_k == 0)
            value = jnp.where(active, jnp.float32(o["factor"]), jnp.float32(1))
        elif self.kind == "Linear":
            s, e, t = o["start_factor"], o["end_factor"], self.last_k
            if t == 0:
                value = jnp.float32(s)
            else:
                value = _static_anneal(_anneal_linear, s, e, _float(kk), jnp.float32(t))
        elif self.kind == "CosineAnnealing":
            value = _anneal_cos(jnp.float32(1), jnp.float32(0), _float(kk), o["T_max"])
        else:  # Poly
            t = self.last_k
            value = jnp.float32(1) if t == 0 else _pow(_float(t - kk) / jnp.float32(t), o["power"])
        value = jnp.where(k < 0, jnp.float32(1), value)
        if since is not None:
            value = value / jnp.float32(self.factor_static(self.k_static(since)))
        return value

    def _exponent_static(self, k: int) -> int:
        if k < 0:
            return 0
        o = self.opts
        if self.kind == "Exponential":
            return k
        if self.kind == "Step":
            return k // o["step_size"]
        return sum(c for m, c in o["milestones"].items() if m <= k)

    # -- anchored values ------------------------------------------------------------------

    def anchored_static(self, k: int, v_in: np.ndarray, base: np.ndarray) -> np.ndarray:
        eta, o = self.eta(base), self.opts
        if self.kind == "QuadraticWarmup":
            # float64 and exact at the window's end: mmdet's running sum of (2j + 1) / T**2
            # is (k + 1)**2 / T**2 up to rounding
            return base * ((k + 1) ** 2 / (self.last_k + 1) ** 2)
        if self.kind == "CosineRestart":
            idx, step, period = self._period(k)
            return (
                eta
                + (o["restart_weights"][idx] * base - eta)
                * (1 + math.cos(math.pi * step / period))
                / 2
            )
        if self.kind == "CosineAnnealing":
            t = o["T_max"]
            start = v_in if k <= t else base
            return eta + (start - eta) * (1 + math.cos(math.pi * k / t)) / 2
        return eta + (v_in - eta) * self.factor_static(k)  # Poly

    def _period(self, k: int) -> tuple[int, int, int]:
        periods = self.opts["periods"]
        k = min(k, sum(periods) - 1)
        restart = 0
        for idx, period in enumerate(periods):
            if k < restart + period:
                return idx, k - restart, period
            restart += period
        raise AssertionError("unreachable")

    def anchored_traced(self, i, v_in: np.ndarray, base: np.ndarray):
        k = jnp.maximum(self.k_traced(i), 0)
        eta, o = self.eta(base), self.opts
        if self.kind == "QuadraticWarmup":
            # (k + 1)**2 overflows int32 and T**2 is not a float32 number past 4096: square
            # the ratio instead (three roundings)
            r = _float(k + 1) / jnp.float32(self.last_k + 1)
            return jnp.asarray(_f32(base)) * r * r
        if self.kind == "CosineRestart":
            periods = np.asarray(o["periods"], np.int64)
            cumulative = np.cumsum(periods)
            restarts = jnp.asarray(np.concatenate([[0], cumulative[:-1]]).astype(np.int32))
            weights = np.asarray(o["restart_weights"], np.float64)
            starts = weights.reshape((-1,) + (1,) * base.ndim) * base
            start_t, diff_t = jnp.asarray(_f32(starts)), jnp.asarray(_f32(eta - starts))
            lengths = jnp.asarray(_f32(periods))
            k = jnp.minimum(k, int(cumulative[-1]) - 1)
            idx = jnp.sum(k >= jnp.asarray(cumulative.astype(np.int32)))
            num = _float(k - restarts[idx])
            return _anneal_cos(start_t[idx], _f32(eta), num, lengths[idx], diff=diff_t[idx])
        if self.kind == "CosineAnnealing":
            t = o["T_max"]
            den = jnp.float32(t)
            first = _static_anneal(_anneal_cos, v_in, eta, _float(k), den)
            if not self.periodic():
                return first
            later = _static_anneal(_anneal_cos, base, eta, _float(k % (2 * t)), den)
            return jnp.where(k <= t, first, later)
        r = self.factor_traced(i)  # Poly
        return jnp.asarray(_f32(eta)) + jnp.asarray(_f32(v_in - eta)) * r

    # -- mmengine's chainable update, for the tables ------------------------------------------

    def chain_step(self, k: np.ndarray, base: np.ndarray) -> list[np.ndarray]:
        """mmengine's update at its steps ``k`` as ``v -> (v - c) * a + d``, in float64.

        Args:
          k: the steps (mmengine's ``last_step``), ints of shape ``(K,)``.
          base: the group base values (``initial_lr``), shape ``(U,)``.

        Returns:
          ``[a, c, d]``, each of shape ``(K, U)`` (read-only broadcasts): the operations of
          mmengine's ``_get_value``, in its order, so the float64 values are mmengine's.
        """
        k = k[:, None]
        # np.where evaluates both branches; the ones it drops may divide by zero
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.kind in ("CosineAnnealing", "Poly", "CosineRestart"):
                acd = self._affine_step(k, base)
            elif self.kind == "QuadraticWarmup":
                acd = self._warmup_step(k, base)
            else:
                acd = self._ratio_step(k), 0.0, 0.0
        return [np.broadcast_to(x, (k.size, base.size)) for x in acd]

    def _ratio_step(self, k: np.ndarray) -> np.ndarray:
        """``r`` of ``v -> v * r`` at steps ``k`` (the multiplicative kinds)."""
        o, t = self.opts, self.last_k
        if self.kind == "Step":
            return np.where((k > 0) & (k % o["step_size"] == 0), o["gamma"], 1.0)
        if self.kind == "MultiStep":
            count = np.zeros(k.shape)
            for m, c in o["milestones"].items():
                count[k == m] = c
            return np.where(count > 0, o["gamma"] ** count, 1.0)
        if self.kind == "Constant":  # restored at the window's last step
            restore = (k == t) & (t > 0)
            return np.where(k == 0, o["factor"], np.where(restore, 1.0 / o["factor"], 1.0))
        if self.kind == "Exponential":
            return np.where(k == 0, 1.0, o["gamma"])
        s, e = o["start_factor"], o["end_factor"]  # Linear: the ratio of consecutive factors
        return np.where(k == 0, s, 1.0 + (e - s) / (t * s + (k - 1) * (e - s)))

    def _warmup_step(self, k: np.ndarray, base: np.ndarray):
        """``(a, c, d)`` at steps ``k`` for QuadraticWarmup.

        Its first step overwrites the value with ``base / T**2``; each later one adds
        ``base * (2k + 1) / T**2``, computed in mmdet's order so the float64 sums are its own.

        Examples:
          >>> s = _Scheduler("w", "QuadraticWarmup", 1, 0, 2, {})
          >>> [x.tolist() for x in s.chain_step(np.arange(2), np.array([4.0]))]
          [[[0.0], [1.0]], [[0.0], [0.0]], [[1.0], [3.0]]]
        """
        t = self.last_k + 1
        first = k == 0
        return np.where(first, 0.0, 1.0), 0.0, base * (2 * k + 1) / t**2

    def _affine_step(self, k: np.ndarray, base: np.ndarray):
        """``(a, c, d)`` at steps ``k`` for CosineAnnealing, Poly and CosineRestart."""
        eta, o = self.eta(base), self.opts
        first = k == 0
        if self.kind == "Poly":
            t = self.last_k
            r = (1 - 1 / (t - k + 1)) ** o["power"]
            return np.where(first, 1.0, r), np.where(first, 0.0, eta), np.where(first, 0.0, eta)
        if self.kind == "CosineAnnealing":
            t = o["T_max"]
            # one step past each trough mmengine adds back a slice of (base - eta): the
            # cosine's ratio would divide by zero there
            lift = ~first & ((k - 1 - t) % (2 * t) == 0)
            r = (1 + np.cos(math.pi * k / t)) / (1 + np.cos(math.pi * (k - 1) / t))
            shift = (base - eta) * (1 - math.cos(math.pi / t)) / 2
            keep = first | lift
            a, c, d = (
                np.where(keep, 1.0, r),
                np.where(keep, 0.0, eta),
                np.where(first, 0.0, np.where(lift, shift, eta)),
            )
            if o.get("keep_zero"):  # mmpretrain: a zero base is set to 0 after the first step
                zero = ~first & (base == 0)
                a, c, d = (np.where(zero, 0.0, x) for x in (a, c, d))
            return a, c, d
        periods = np.asarray(o["periods"])  # CosineRestart
        ends = np.cumsum(periods)
        idx = np.searchsorted(ends, k, side="right")
        past = idx == len(periods)  # after the last period mmengine leaves the value alone
        idx = np.minimum(idx, len(periods) - 1)
        step, period = k - (ends - periods)[idx], periods[idx]
        start = step == 0  # a restart sets the value to weight * base
        r = (1 + np.cos(math.pi * step / period)) / (1 + np.cos(math.pi * (step - 1) / period))
        weight = np.asarray(o["restart_weights"])[idx]
        return (
            np.where(past, 1.0, np.where(start, 0.0, r)),
            np.where(past | start, 0.0, eta),
            np.where(past, 0.0, np.where(start, base * weight, eta)),
        )


# ----------------------------------------------------------------------------------------
# Parsing.


def _where(index: int, cfg: Mapping[str, Any]) -> str:
    return f"param_scheduler[{index}] ({cfg.get('type')})"


def _check_keys(where: str, cfg: Mapping[str, Any], allowed: Mapping[str, Any]) -> dict:
    unknown = [k for k in cfg if k != "type" and k not in allowed]
    if unknown:
        raise KeyError(
            f"{where}: unknown key(s) "
            + ", ".join(f"{k}={cfg[k]!r}" for k in unknown)
            + f"; allowed: {sorted(allowed)}"
        )
    opts = {**allowed, **{k: v for k, v in cfg.items() if k != "type"}}
    missing = [k for k, v in opts.items() if v is _REQUIRED]
    if missing:
        raise KeyError(f"{where}: missing required key(s) {missing}")
    return opts


def _number(where, opts, key, *, lo=None, hi=None, allow_none=False):
    return _check_number(f"{where}.{key}", opts[key], lo=lo, hi=hi, allow_none=allow_none)


def _positive_int(where, opts, key):
    value = opts[key]
    if not (_is_int(value) and value > 0):
        raise ValueError(f"{where}.{key} must be a positive int, got {value!r}")
    return int(value)


def _parse(index: int, cfg: Any, param: str, timing: Timing) -> _Scheduler | None:
    """The scheduler for ``param`` (one of :data:`PARAMS`), or ``None`` if it schedules
    another."""
    if not isinstance(cfg, Mapping):
        raise TypeError(f"param_scheduler[{index}] must be a dict, got {cfg!r}")
    name = cfg.get("type")
    where = _where(index, cfg)
    if name in plateau.TYPES:
        return None  # validation-driven state: plateaus_for
    if name not in TYPES:
        raise KeyError(
            f"{where}: unknown scheduler type {name!r}; supported: "
            f"{sorted([*TYPES, *plateau.TYPES])}"
        )
    kind, target = TYPES[name]
    allowed = {**_COMMON, **_KEYS[kind]}
    if target is None:
        allowed["param_name"] = _REQUIRED
    opts = _check_keys(where, cfg, allowed)
    if target is None:
        target = opts.pop("param_name")
        if target not in PARAMS:
            raise ValueError(f"{where}.param_name must be one of {list(PARAMS)}, got {target!r}")
        if kind == "OneCycle" and target != "lr":
            raise ValueError(f"{where}: OneCycle only schedules the lr (param_name='lr')")
    if target != param:
        return None
    if opts["last_step"] != -1:
        raise ValueError(
            f"{where}.last_step={opts['last_step']!r}: only -1 (resume restores the schedule "
            "clock from the checkpoint)"
        )
    if not isinstance(opts["verbose"], bool):
        raise TypeError(f"{where}.verbose must be a bool, got {opts['verbose']!r}")
    by_epoch, convert = opts.pop("by_epoch"), opts.pop("convert_to_iter_based")
    for key, value in (("by_epoch", by_epoch), ("convert_to_iter_based", convert)):
        if not isinstance(value, bool):
            raise TypeError(f"{where}.{key} must be a bool, got {value!r}")
    ipe = timing.iters_per_epoch
    if convert and not by_epoch:
        raise ValueError(f"{where}: convert_to_iter_based=True needs by_epoch=True (mmengine)")
    if by_epoch and not convert and not timing.epoch_loop:
        raise ValueError(
            f"{where}: by_epoch=True under IterBasedTrainLoop: mmengine never steps epoch-based "
            "schedulers there; set by_epoch=False or convert_to_iter_based=True"
        )
    if by_epoch and ipe is None:
        raise ValueError(
            f"{where}: by_epoch=True (mmengine's default) needs iters_per_epoch; pass "
            "iters_per_epoch=... or set by_epoch=False"
        )
    begin, end = opts.pop("begin"), opts.pop("end")
    if end is None:  # the runner's default: the train loop's length
        end = timing.max_epochs if by_epoch else timing.loop_iters
        if end is None and timing.loop_known:
            raise ValueError(
                f"{where}: `end` defaults to the train loop's "
                f"{'max_epochs' if by_epoch else 'max_iters'}, which needs iters_per_epoch here; "
                "pass iters_per_epoch=... or set `end`"
            )
        if end is None:  # mmengine without a train loop
            end = INF
    for key, value in (("begin", begin), ("end", end)):
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not 0 <= value < math.inf
        ):
            raise ValueError(f"{where}.{key} must be a finite number >= 0, got {value!r}")
    scale = ipe if convert else 1
    if convert:
        # mmengine's build_iter_from_epoch: int() truncates (end=2.5 epochs of 3 iterations: 7)
        # and the `end > begin` check sees the converted steps.
        begin, end = int(begin * ipe), end if end == INF else int(end * ipe)
    for key, value in (("begin", begin), ("end", end)):
        if not _is_int(value) and value != int(value):
            # mmengine would compare the step count with the fraction and put it into the
            # formulas (T_max = end - begin); jaxoptim's windows are whole steps.
            raise ValueError(
                f"{where}.{key}={value!r} is not a whole number of "
                f"{'epochs' if by_epoch else 'iterations'}; a fractional {key} is only "
                "supported with convert_to_iter_based=True (then mmengine truncates "
                f"int({key} * iters_per_epoch))"
            )
    begin, end = int(begin), int(end)
    if end <= begin:
        raise ValueError(f"{where}: end={end} must be larger than begin={begin}")
    if kind == "QuadraticWarmup" and end >= INF:
        raise ValueError(
            f"{where}: end={end} is not below mmengine's INF (10**9, the default `end` without "
            "a train loop): mmdet needs a finite end, the step at which the warmup reaches the "
            "base value; set `end`"
        )
    unit = ipe if by_epoch and not convert else 1
    _validate(where, kind, opts, scale, end - begin)
    if name in _KEEPS_ZERO:
        opts["keep_zero"] = True
    return _Scheduler(where, kind, unit, int(begin), int(end), opts, by_epoch and not convert)


def _validate(where: str, kind: str, o: dict, scale: int, length: int) -> None:
    """Checks (as mmengine) and normalises ``o`` in place; epoch lengths scaled by ``scale``."""
    if kind == "Step":
        o["step_size"] = _positive_int(where, o, "step_size") * scale
        o["gamma"] = _number(where, o, "gamma", lo=0)
    elif kind == "MultiStep":
        ms = o["milestones"]
        if not (isinstance(ms, Sequence) and not isinstance(ms, str)):
            raise TypeError(f"{where}.milestones must be a list of ints, got {ms!r}")
        if not all(_is_int(m) and m >= 0 for m in ms):
            raise ValueError(f"{where}.milestones must be ints >= 0, got {ms!r}")
        counts: dict[int, int] = {}
        for m in ms:
            counts[int(m) * scale] = counts.get(int(m) * scale, 0) + 1
        o["milestones"] = counts
        o["gamma"] = _number(where, o, "gamma", lo=0)
    elif kind == "Constant":
        o["factor"] = _number(where, o, "factor", lo=0, hi=1)
        if o["factor"] == 0 and length > 1:
            raise ValueError(f"{where}.factor=0: mmengine divides by it at the window's end")
    elif kind == "Exponential":
        o["gamma"] = _number(where, o, "gamma", lo=0)
    elif kind == "Linear":
        o["start_factor"] = _number(where, o, "start_factor", lo=0, hi=1)
        o["end_factor"] = _number(where, o, "end_factor", lo=0, hi=1)
        if o["start_factor"] == 0 and length > 1:
            raise ValueError(
                f"{where}.start_factor=0: mmengine divides by zero at the second step "
                "(ZeroDivisionError); use a small positive start_factor"
            )
    elif kind in ("CosineAnnealing", "CosineRestart"):
        eta, ratio = o["eta_min"], o["eta_min_ratio"]
        if kind == "CosineAnnealing" and eta is None and ratio is None:
            o["eta_min"] = 0.0
        elif (eta is None) == (ratio is None):
            raise ValueError(
                f"{where}: give exactly one of eta_min and eta_min_ratio, got eta_min={eta!r}, "
                f"eta_min_ratio={ratio!r}"
            )
        _number(where, o, "eta_min", lo=0, allow_none=True)
        _number(where, o, "eta_min_ratio", lo=0, allow_none=True)
        if kind == "CosineAnnealing":
            t_max = o["T_max"]
            if t_max is not None and t_max != 0:
                # mmengine takes a float too (T_max=4.5 epochs), scaled as given by
                # convert_to_iter_based, into the cosine: the ratios telescope to its closed form
                t_max = _number(where, o, "T_max", lo=0) * scale
                o["T_max"] = int(t_max) if float(t_max).is_integer() else t_max
                if isinstance(o["T_max"], float) and length - 1 > t_max:
                    raise ValueError(
                        f"{where}.T_max={t_max!r} (in steps) is fractional and shorter than the "
                        f"window ({length} steps): past it mmengine's chained cosine depends on "
                        "float remainders; give a whole T_max or end the window at T_max"
                    )
            else:  # mmengine: `T_max or (end - begin)`
                o["T_max"] = length
        else:
            ps, ws = o["periods"], o["restart_weights"]
            if not (isinstance(ps, Sequence) and ps and all(_is_int(p) and p > 0 for p in ps)):
                raise ValueError(f"{where}.periods must be a list of positive ints, got {ps!r}")
            if not (
                isinstance(ws, Sequence)
                and len(ws) == len(ps)
                and all(_is_number(w) and math.isfinite(w) for w in ws)
            ):
                raise ValueError(
                    f"{where}.restart_weights must hold {len(ps)} numbers (one per period), "
                    f"got {ws!r}"
                )
            o["periods"] = [int(p) * scale for p in ps]
            o["restart_weights"] = [float(w) for w in ws]
    elif kind == "Poly":
        o["eta_min"] = _number(where, o, "eta_min", lo=0)
        o["power"] = _number(where, o, "power")
    elif kind == "OneCycle":
        eta_max = o["eta_max"]
        if isinstance(eta_max, Sequence) and not isinstance(eta_max, str) and len(eta_max) == 1:
            eta_max = eta_max[0]
        if not (_is_number(eta_max) and math.isfinite(eta_max)):
            raise ValueError(
                f"{where}.eta_max must be a number (or a one-element list): jaxoptim's groups "
                f"are not torch's param groups, got {o['eta_max']!r}"
            )
        o["eta_max"] = float(eta_max)
        total = o["total_steps"]
        if total is None:
            o["total_steps"] = length
        else:
            o["total_steps"] = _positive_int(where, o, "total_steps") * scale
        pct = o["pct_start"]
        if not (isinstance(pct, float) and 0 <= pct <= 1):
            raise ValueError(f"{where}.pct_start must be a float in [0, 1], got {pct!r}")
        if o["anneal_strategy"] not in ("cos", "linear"):
            raise ValueError(
                f"{where}.anneal_strategy must be 'cos' or 'linear', got {o['anneal_strategy']!r}"
            )
        if not isinstance(o["three_phase"], bool):
            raise TypeError(f"{where}.three_phase must be a bool, got {o['three_phase']!r}")
        for key in ("div_factor", "final_div_factor"):
            o[key] = _number(where, o, key)
            if o[key] <= 0:
                raise ValueError(f"{where}.{key} must be > 0, got {o[key]!r}")
        if float(pct * o["total_steps"]) - 1 == 0:
            raise ValueError(
                f"{where}.pct_start={pct!r} makes the first phase end at step 0 "
                f"(pct_start * total_steps == 1): mmengine divides by zero there"
            )


def parse(cfg: Any) -> list[Any]:
    """``param_scheduler`` (a dict or a list of dicts) as a list, types without their scope.

    Examples:
      >>> parse(dict(type='mmdet.QuadraticWarmupLR', end=5))
      [{'type': 'QuadraticWarmupLR', 'end': 5}]
    """
    if cfg is None:
        return []
    if isinstance(cfg, Mapping):
        cfg = [cfg]
    if not (isinstance(cfg, Sequence) and not isinstance(cfg, str)):
        raise TypeError(f"param_scheduler must be a dict or a list of dicts, got {cfg!r}")
    return [
        {**c, "type": strip_scope(c["type"])} if isinstance(c, Mapping) and "type" in c else c
        for c in cfg
    ]


def generic_momentum(param_scheduler: Any) -> list[str]:
    """The ``*ParamScheduler(param_name='momentum')`` entries, named as in error messages.

    Unlike the ``*Momentum`` schedulers they write ``param_groups[i]['momentum']`` literally,
    so mmengine fails (``KeyError``) on an optimizer whose groups have ``betas`` instead.
    """
    return [
        _where(index, cfg)
        for index, cfg in enumerate(parse(param_scheduler))
        if isinstance(cfg, Mapping)
        and str(cfg.get("type")).endswith("ParamScheduler")
        and cfg.get("param_name") == "momentum"
    ]


def plateaus_for(param_scheduler: Any, timing: Timing) -> dict[str, plateau.Plateau]:
    """The ``ReduceOnPlateau*`` schedulers by parameter (``'lr'`` / ``'momentum'``), validated.

    Examples:
      >>> cfg = [dict(type='LinearLR', by_epoch=False, end=5), dict(type='ReduceOnPlateauLR')]
      >>> {k: p.patience for k, p in plateaus_for(cfg, Timing(iters_per_epoch=10)).items()}
      {'lr': 10}
    """
    found: dict[str, plateau.Plateau] = {}
    for index, cfg in enumerate(parse(param_scheduler)):
        if not (isinstance(cfg, Mapping) and cfg.get("type") in plateau.TYPES):
            continue
        p = plateau.parse(index, cfg, timing.iters_per_epoch, timing.max_epochs, timing.epoch_loop)
        if p.param in found:
            raise ValueError(
                f"{p.where}: a second ReduceOnPlateau scheduler of {p.param!r} (the first: "
                f"{found[p.param].where}); jaxoptim keeps one per parameter"
            )
        found[p.param] = p
    return found


def schedules_for(
    param_scheduler: Any, param: str, timing: Timing
) -> Callable[[np.ndarray], Callable[[Any], Any]] | None:
    """The ``bases -> schedule(iteration)`` factory for ``param``, or ``None`` without one.

    Args:
      param_scheduler: the config's ``param_scheduler`` (a dict or a list).
      param: ``'lr'``, ``'momentum'`` or ``'weight_decay'``.
      timing: the train loop's lengths.

    Returns:
      ``None`` when no scheduler touches ``param``; else a function of the per-group base
      values (a 1-D float64 array) returning the jittable ``schedule(iteration) -> f32[G]``:
      a closed form where one is exact, else a table of mmengine's values (see the module
      docstring), computed once per distinct set of base values. Every configuration error is
      raised here, before any base value is known.

    Raises:
      KeyError, TypeError, ValueError: a bad key or value (named), ReduceOnPlateau, OneCycleLR
        with another lr scheduler, or a chain with no closed form and no ``timing.max_iters``
        to tabulate it over.

    Examples:
      >>> cfg = [dict(type='LinearLR', start_factor=0.5, by_epoch=False, end=3),
      ...        dict(type='MultiStepLR', milestones=[4], by_epoch=False)]
      >>> f = schedules_for(cfg, 'lr', Timing(max_iters=6))(np.array([0.1]))
      >>> [round(float(f(i)[0]), 6) for i in range(6)]
      [0.05, 0.075, 0.1, 0.1, 0.01, 0.01]

      A warmup inside a cosine with ``eta_min`` has no closed form: the values come from a
      table, and past ``max_iters`` the last one holds.

      >>> cfg = [dict(type='LinearLR', start_factor=0.5, by_epoch=False, end=3),
      ...        dict(type='CosineAnnealingLR', eta_min=0.01, by_epoch=False, end=6)]
      >>> f = schedules_for(cfg, 'lr', Timing(max_iters=6))(np.array([0.1]))
      >>> [round(float(f(i)[0]), 6) for i in (0, 1, 2, 3, 4, 5, 100)]
      [0.05, 0.070646, 0.077679, 0.05512, 0.03256, 0.016045, 0.016045]
    """
    scheds = [
        s
        for index, cfg in enumerate(parse(param_scheduler))
        if (s := _parse(index, cfg, param, timing)) is not None
    ]
    reduce_on_plateau = plateaus_for(param_scheduler, timing).get(param)
    if not scheds:
        if reduce_on_plateau is None:
            return None
        return lambda bases: _constant(np.asarray(bases, np.float64))
    one_cycle = [s for s in scheds if s.kind == "OneCycle"]
    if one_cycle and reduce_on_plateau is not None:
        raise ValueError(
            f"{reduce_on_plateau.where} cannot follow {one_cycle[0].where}: OneCycleLR sets "
            "the lr from its own phases, so a reduction would not persist (mmengine)"
        )
    if one_cycle:
        if len(scheds) > 1:
            others = ", ".join(s.where for s in scheds if s is not one_cycle[0])
            raise ValueError(
                f"{one_cycle[0].where} replaces the base lr (initial_lr = eta_max / div_factor) "
                f"and must be the only lr scheduler; also given: {others}"
            )
        _check_one_cycle_length(one_cycle[0], timing)
        return lambda bases: _one_cycle(one_cycle[0], np.asarray(bases, np.float64))
    # Whether a closed form is exact depends on the bases only through "is eta zero", the same
    # for every positive base: a positive stand-in tells now whether a missing max_iters is an
    # error. Checked again per call (a zero base may differ).
    why = _no_closed_form(scheds, np.ones(1))
    if why is not None:
        _check_tabulable(why, timing.max_iters)
    tabulated = _tabulated(scheds, timing.max_iters)

    def factory(bases) -> Callable[[Any], Any]:
        base = np.asarray(bases, np.float64)
        if reduce_on_plateau is not None:
            _check_plateau_after_anchors(reduce_on_plateau, scheds, base, timing)
        why = _no_closed_form(scheds, base)
        if why is None:
            return _chain(scheds, base)
        _check_tabulable(why, timing.max_iters)
        return tabulated(base)

    return factory


def lifts_zero(param_scheduler: Any, param: str, timing: Timing) -> bool:
    """Whether a scheduler of ``param`` can move a group whose base value is 0 away from 0.

    Only cosine / poly / CosineRestart schedulers with an absolute ``eta_min != 0`` do (a
    ratio, a factor or mmpretrain's CosineAnnealingWeightDecay keep 0 at 0). The optimizer
    then keeps a decay term for groups whose weight decay starts at 0.

    Examples:
      >>> cfg = [dict(type='CosineAnnealingParamScheduler', param_name='weight_decay',
      ...             eta_min=0.01, by_epoch=False, end=10)]
      >>> lifts_zero(cfg, 'weight_decay', Timing()), lifts_zero(cfg, 'lr', Timing())
      (True, False)
    """
    return any(
        s.lifts_zero()
        for index, cfg in enumerate(parse(param_scheduler))
        if (s := _parse(index, cfg, param, timing)) is not None
    )


def _constant(base: np.ndarray) -> Callable[[Any], Any]:
    value = _f32(base)
    return lambda iteration: jnp.asarray(value)


def _check_plateau_after_anchors(
    p: plateau.Plateau, scheds: list[_Scheduler], base: np.ndarray, timing: Timing
) -> None:
    """A plateau's factor commutes with multiplicative schedulers only (see :mod:`plateau`).

    An anchored scheduler whose last change comes before the plateau's first reduction can
    take effect (the validation after epoch ``max(begin, 1)``) is fine: from then on every
    change is multiplicative again (a warmup, then a plateau from ``begin`` on).
    """
    # under an IterBasedTrainLoop a validation may follow any iteration
    first = max(p.begin, 1) * timing.iters_per_epoch if p.epoch_loop else 1
    _, anchors = _plan(scheds, base)
    late = [(hi, s) for _, hi, s in anchors if hi >= first]
    if late:
        hi, s = late[0]
        raise ValueError(
            f"{p.where} with {s.where}: an anchored scheduler (cosine / poly with eta_min != 0, "
            "CosineRestart, a cosine past T_max, QuadraticWarmup) rebuilds the value from its "
            f"anchor, so a reduction inside its window (it changes the value until iteration "
            f"{hi}; the plateau can reduce from iteration {first}) has no closed form; use "
            "eta_min=0, or start the plateau after that window (`begin`, in epochs)"
        )


def _check_one_cycle_length(s: _Scheduler, timing: Timing) -> None:
    last_t = None if timing.max_iters is None else (timing.max_iters - 1) // s.unit
    reached = s.last_k if last_t is None else min(s.end - 1, last_t) - s.begin
    if reached > s.opts["total_steps"]:
        raise ValueError(
            f"{s.where}: training reaches step {reached} but total_steps is "
            f"{s.opts['total_steps']}; mmengine raises 'Tried to step {reached + 1} times' there"
        )


def _plan(scheds: list[_Scheduler], base: np.ndarray):
    """Splits into multiplicative and anchored schedulers (with their change intervals)."""
    mult, anchors = [], []
    for s in scheds:
        span = s.change_span()
        if span is None:
            continue
        if s.anchored(base):
            anchors.append((s.iteration(span[0]), s.iteration(span[1]), s))
        else:
            mult.append(s)
    anchors.sort(key=lambda a: a[0])
    return mult, anchors


def _no_closed_form(scheds: list[_Scheduler], base: np.ndarray) -> str | None:
    """Why :func:`_chain` would not be exact for ``base``, or ``None`` when it is."""
    mult, anchors = _plan(scheds, base)
    keep = [s for s in scheds if s.opts.get("keep_zero")]
    lift = [s for s in scheds if s.lifts_zero()]
    if keep and lift and np.any(base == 0):
        return (
            f"{keep[0].where} sets groups whose base value is 0 to 0 while {lift[0].where} "
            "lifts them towards its eta_min"
        )
    for lo, hi, a in anchors:
        for other in scheds:
            if other is a or other.change_span() is None:
                continue
            if other.changes_at_iterations(lo, hi):
                klo, khi = other.k_range(lo, hi)
                return (
                    f"{other.where} changes the value inside {a.where}'s window (iterations "
                    f"{lo}..{hi}; its steps {klo}..{khi} fall there), and {a.where} is affine "
                    "((v - eta) * r + eta with eta != 0, or restarts from the base value, or "
                    "adds base * (2k + 1) / T**2 as a quadratic warmup)"
                )
    for _, hi, a in anchors:
        for s in mult:
            if s.changes_at_iterations(hi + 1, 2**62) and s.factor_static(s.k_static(hi)) == 0:
                return f"{s.where} is at factor 0 when {a.where} ends and changes later"
    return None


def _check_tabulable(why: str, max_iters: int | None) -> None:
    if max_iters is None:
        raise ValueError(
            f"{why}: no closed form is exact, and tabulating mmengine's values needs the "
            "training length, max_iters, which is unknown here; pass max_iters=... (or a "
            "train_cfg, with iters_per_epoch for an epoch-based loop)"
        )


def _chain(scheds: list[_Scheduler], base: np.ndarray):
    mult, anchors = _plan(scheds, base)

    def static_value(i: int) -> np.ndarray:
        seg = [j for j, (lo, _, _) in enumerate(anchors) if lo <= i]
        if not seg:
            return base * math.prod(s.factor_static(s.k_static(i)) for s in mult)
        j = seg[-1]
        lo, hi, a = anchors[j]
        if i <= hi:
            return a.anchored_static(a.k_static(i), v_in[j], base)
        return v_end[j] * math.prod(_ratio_static(s, i, hi) for s in mult)

    v_in: list[np.ndarray] = []
    v_end: list[np.ndarray] = []
    for lo, hi, a in anchors:
        v_in.append(static_value(lo - 1) if lo > 0 else base)
        v_end.append(a.anchored_static(a.k_static(hi), v_in[-1], base))
    base32 = _f32(base)

    def schedule(iteration):
        i = jnp.asarray(iteration, jnp.int32)
        value = jnp.asarray(base32)
        for s in mult:
            value = value * s.factor_traced(i)
        for j, (lo, hi, a) in enumerate(anchors):
            lo, hi = min(lo, _INT32_MAX), min(hi, _INT32_MAX)
            inside = a.anchored_traced(i, v_in[j], base)
            after = jnp.asarray(_f32(v_end[j]))
            for s in mult:
                if s.changes_at_iterations(hi + 1, 2**62):
                    after = after * s.factor_traced(i, since=hi)
            value = jnp.where(i >= lo, jnp.where(i <= hi, inside, after), value)
        return jnp.broadcast_to(value, base.shape).astype(jnp.float32)

    return schedule


def _tabulated(scheds: list[_Scheduler], max_iters: int | None):
    """``base -> schedule`` reading :func:`_simulate`'s values, cached per distinct bases.

    The table holds ``max_iters + 1`` float32 per distinct base value (4 MB per million
    iterations; simulating it takes about a second per million iterations and base value).
    Its last row is the value after the steps that follow the last iteration, which later
    iterations hold. The factory runs each time a train step is traced: the cache keeps the
    simulation to once per set of base values.
    """

    @functools.lru_cache(maxsize=8)
    def table(uniques: tuple[float, ...]) -> np.ndarray:
        return _f32(_simulate(scheds, np.asarray(uniques, np.float64), max_iters))

    def make(base: np.ndarray) -> Callable[[Any], Any]:
        uniques, inverse = np.unique(base.ravel(), return_inverse=True)
        values = jnp.asarray(table(tuple(uniques.tolist())))
        columns = inverse.reshape(base.shape)

        def schedule(iteration):
            i = jnp.clip(jnp.asarray(iteration, jnp.int32), 0, max_iters)
            return values[i][columns]

        return schedule

    return make


def _simulate(scheds: list[_Scheduler], base: np.ndarray, n: int) -> np.ndarray:
    """mmengine's values for iterations ``0..n`` (rows) and each base value (columns), float64.

    Every scheduler step mmengine takes up to iteration ``n`` is replayed, each applying its
    chainable update to the value the steps before it left. A step at iteration ``i`` sets the
    value trained from ``i`` on; steps at the same iteration run in mmengine's order: at
    construction (``i = 0``) in list order, later the iteration-based ones first.

    Examples:
      >>> cfg = [dict(type='LinearLR', start_factor=0.5, by_epoch=False, end=3)]
      >>> s = [_parse(0, cfg[0], 'lr', Timing(max_iters=4))]
      >>> _simulate(s, np.array([1.0, 2.0]), 4)
      array([[0.5 , 1.  ],
             [0.75, 1.5 ],
             [1.  , 2.  ],
             [1.  , 2.  ],
             [1.  , 2.  ]])
    """
    when, order, maps = [], [], []
    for index, s in enumerate(scheds):
        k = np.arange(max(min(s.last_k, n // s.unit - s.begin) + 1, 0))
        a, c, d = s.chain_step(k, base)
        # (v - 0) * 1 + 0 is v exactly: dropping such steps changes no value
        changes = np.any((a != 1) | (c != 0) | (d != 0), axis=1)
        at = s.iteration(k[changes])
        when.append(at)
        order.append(index + len(scheds) * (s.epoch_based & (at > 0)))
        maps.append(np.stack([a[changes], c[changes], d[changes]], -1))
    sort = np.lexsort((np.concatenate(order), np.concatenate(when)))
    when, maps = np.concatenate(when)[sort], np.concatenate(maps)[sort]
    # the number of steps taken before iteration i trains
    taken = np.searchsorted(when, np.arange(n + 1), side="right")
    table = np.empty((n + 1, base.size))
    for u, start in enumerate(base.tolist()):
        steps = zip(*(maps[:, u, j].tolist() for j in range(3)))
        values = np.fromiter(accumulate(steps, _apply, initial=start), np.float64, len(when) + 1)
        table[:, u] = values[taken]
    return table


def _apply(value: float, step: tuple[float, float, float]) -> float:
    a, c, d = step
    return (value - c) * a + d


def _ratio_static(s: _Scheduler, i: int, since: int) -> float:
    if not s.changes_at_iterations(since + 1, i):
        return 1.0
    if s.kind in ("Step", "MultiStep", "Exponential"):
        n = s._exponent_static(s.k_static(i)) - s._exponent_static(s.k_static(since))
        return s.opts["gamma"] ** n
    return s.factor_static(s.k_static(i)) / s.factor_static(s.k_static(since))


def _one_cycle(s: _Scheduler, base: np.ndarray):
    o = s.opts
    total, pct = o["total_steps"], o["pct_start"]
    initial = o["eta_max"] / o["div_factor"]
    peak, last = o["eta_max"], initial / o["final_div_factor"]
    phases = one_cycle_phases(pct, total, initial, peak, last, o["three_phase"])
    anneal = _anneal_cos if o["anneal_strategy"] == "cos" else _anneal_linear
    base32 = _f32(base)

    def schedule(iteration):
        i = jnp.asarray(iteration, jnp.int32)
        k = s.k_traced(i)
        value = walk_one_cycle(jnp.maximum(k, 0), phases, anneal)
        value = jnp.where(k < 0, jnp.asarray(base32), value)
        return jnp.broadcast_to(value, base.shape).astype(jnp.float32)

    return schedule
