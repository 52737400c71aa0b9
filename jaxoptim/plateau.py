"""mmengine's ``ReduceOnPlateau*`` schedulers: a live factor that validation metrics lower.

mmengine steps these schedulers once per validation (``ParamSchedulerHook.after_val_epoch``)
with the metrics dict: when ``metrics[monitor]`` has not improved for more than ``patience``
validations (improved: ``<`` / ``>`` ``best`` by ``threshold``, relative or absolute), every
group value becomes ``max(value * factor, min_value)`` (skipped for a group that would change
by no more than ``eps``), and ``cooldown`` validations follow in which bad ones do not count.
It is active while ``begin <= epochs trained < end`` (mmengine counts the epochs with the
train-epoch hook, which runs before validation).

An optax update never sees validation metrics, so here the scheduler is state: a per-group
factor (``PlateauState.scale``) that multiplies the value the other schedulers give, lowered by
:func:`jaxoptim.report_val_metrics` after a validation. This is mmengine's value exactly when
every other scheduler of the same parameter is multiplicative (Step, MultiStep, Constant,
Exponential, Linear, and cosine / poly with ``eta_min`` 0): the reduction then commutes with
their factors. An anchored one (cosine / poly with ``eta_min != 0``, CosineRestart, mmdet's
QuadraticWarmup) would rebuild the value from its own anchor, so that combination is an error,
and so is OneCycleLR. The comparison of the metric with ``best`` runs in float32 (mmengine:
float64), which can only matter for a metric within one float32 ulp of the threshold.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from jaxoptim.schedules import _check_number, _is_int

TYPES = {
    "ReduceOnPlateauLR": "lr",
    "ReduceOnPlateauMomentum": "momentum",
    "ReduceOnPlateauParamScheduler": None,
}
_DEFAULTS = dict(
    monitor="loss",
    rule="less",
    factor=0.1,
    patience=10,
    threshold=1e-4,
    threshold_rule="rel",
    cooldown=0,
    min_value=0.0,
    eps=1e-8,
    begin=0,
    end=None,  # the runner's default: the train loop's max_epochs (else mmengine's INF)
    last_step=-1,
    by_epoch=True,
    verbose=False,
)


@dataclasses.dataclass(frozen=True)
class Plateau:
    """One validated ``ReduceOnPlateau*`` scheduler (mmengine's arguments and defaults)."""

    where: str
    param: str
    monitor: str
    rule: str
    factor: float
    patience: int
    threshold: float
    threshold_rule: str
    cooldown: int
    min_value: float
    eps: float
    begin: int
    end: int
    epoch_loop: bool = True  # False: an IterBasedTrainLoop, whose epoch count stays 0


class PlateauState(NamedTuple):
    """What a plateau scheduler remembers between validations (leaves: orbax saves them).

    Attributes:
      scale: f32[G], the product of the reductions so far, per group.
      best: f32[], the best metric seen (``inf`` / ``-inf`` before the first).
      bad: i32[], validations without improvement since the last improvement or reduction.
      cooldown: i32[], validations left in which bad ones do not count.
    """

    scale: jax.Array
    best: jax.Array
    bad: jax.Array
    cooldown: jax.Array


def parse(
    index: int,
    cfg: Mapping[str, Any],
    iters_per_epoch: int | None,
    max_epochs: int | None,
    epoch_loop: bool = True,
) -> Plateau:
    """Validates ``param_scheduler[index]`` (a ``ReduceOnPlateau*`` dict) as mmengine does.

    ``end`` defaults to ``max_epochs`` (mmengine's runner sets it so), else to mmengine's INF.
    Under an ``IterBasedTrainLoop`` (``epoch_loop=False``) mmengine never ends an epoch, so the
    scheduler's epoch count stays 0 and every validation steps it while ``begin == 0``.

    Examples:
      >>> p = parse(0, dict(type='ReduceOnPlateauLR', patience=2, factor=0.5), 10, 12)
      >>> (p.param, p.monitor, p.rule, p.patience, p.factor, p.end)
      ('lr', 'loss', 'less', 2, 0.5, 12)
    """
    where = f"param_scheduler[{index}] ({cfg.get('type')})"
    allowed = dict(_DEFAULTS)
    param = TYPES[cfg["type"]]
    if param is None:
        allowed["param_name"] = None
    unknown = [k for k in cfg if k != "type" and k not in allowed]
    if unknown:
        raise KeyError(
            f"{where}: unknown key(s) {', '.join(f'{k}={cfg[k]!r}' for k in unknown)}; "
            f"allowed: {sorted(allowed)}"
        )
    o = {**allowed, **{k: v for k, v in cfg.items() if k != "type"}}
    if param is None:
        param = o.pop("param_name")
        if param not in ("lr", "momentum"):
            raise ValueError(f"{where}.param_name must be 'lr' or 'momentum', got {param!r}")
    if o["by_epoch"] is not True:
        raise ValueError(f"{where}.by_epoch={o['by_epoch']!r}: mmengine supports only True")
    if iters_per_epoch is None and epoch_loop:
        raise ValueError(
            f"{where}: it counts epochs, which needs iters_per_epoch; pass iters_per_epoch=..."
        )
    if o["last_step"] != -1:
        raise ValueError(f"{where}.last_step={o['last_step']!r}: only -1 (resume restores it)")
    if not isinstance(o["verbose"], bool):
        raise TypeError(f"{where}.verbose must be a bool, got {o['verbose']!r}")
    if not isinstance(o["monitor"], str):
        raise TypeError(f"{where}.monitor must be a metric name (str), got {o['monitor']!r}")
    for key, allowed_values in (("rule", ("less", "greater")), ("threshold_rule", ("rel", "abs"))):
        if o[key] not in allowed_values:
            raise ValueError(f"{where}.{key}={o[key]!r}: one of {list(allowed_values)}")
    factor = _check_number(f"{where}.factor", o["factor"], lo=0)
    if not factor < 1:
        raise ValueError(f"{where}.factor={factor!r} must be < 1 (mmengine)")
    if isinstance(o["min_value"], (list, tuple)):
        raise ValueError(
            f"{where}.min_value={o['min_value']!r}: a list is per torch param group, and "
            "jaxoptim's groups come from the paramwise rules; give one number"
        )
    if o["end"] is None:
        o["end"] = max_epochs if max_epochs is not None else 10**9
    for key in ("patience", "cooldown", "begin", "end"):
        if not (_is_int(o[key]) and o[key] >= 0):
            raise ValueError(f"{where}.{key} must be an int >= 0, got {o[key]!r}")
    if o["end"] <= o["begin"]:
        raise ValueError(f"{where}: end={o['end']} must be larger than begin={o['begin']}")
    return Plateau(
        where=where,
        param=param,
        monitor=o["monitor"],
        rule=o["rule"],
        factor=factor,
        patience=int(o["patience"]),
        threshold=_check_number(f"{where}.threshold", o["threshold"], lo=0),
        threshold_rule=o["threshold_rule"],
        cooldown=int(o["cooldown"]),
        min_value=_check_number(f"{where}.min_value", o["min_value"], lo=0),
        eps=_check_number(f"{where}.eps", o["eps"], lo=0),
        begin=int(o["begin"]),
        end=int(o["end"]),
        epoch_loop=epoch_loop,
    )


def init(plateau: Plateau, groups: int) -> PlateauState:
    """The state before any validation: factor 1, no best yet."""
    worst = math.inf if plateau.rule == "less" else -math.inf
    return PlateauState(
        scale=jnp.ones([groups], jnp.float32),
        best=jnp.asarray(worst, jnp.float32),
        bad=jnp.zeros([], jnp.int32),
        cooldown=jnp.zeros([], jnp.int32),
    )


def _improved(p: Plateau, metric: jax.Array, best: jax.Array) -> jax.Array:
    if p.threshold_rule == "rel":
        bound = best * (1 - p.threshold if p.rule == "less" else 1 + p.threshold)
    else:
        bound = best - p.threshold if p.rule == "less" else best + p.threshold
    return metric < bound if p.rule == "less" else metric > bound


def step(
    p: Plateau, state: PlateauState, metric: Any, current: jax.Array, epochs: jax.Array
) -> PlateauState:
    """One validation: ``state`` after ``metric``, the group values being ``current``.

    Args:
      p: the scheduler.
      state: its state.
      metric: the monitored value (a number or a scalar array).
      current: f32[G], the value each group trains the next iteration with (reductions so far
        included).
      epochs: the epochs trained so far (mmengine's ``_global_step`` at validation).

    Returns:
      The new state; outside ``[begin, end)`` the same state.

    Examples:
      >>> p = parse(0, dict(type='ReduceOnPlateauLR', patience=0, factor=0.5), 1, None)
      >>> s = init(p, 1)
      >>> s = step(p, s, 1.0, jnp.ones(1), 1)  # the first value is an improvement
      >>> s = step(p, s, 1.0, jnp.ones(1), 2)  # no improvement, patience 0: halve
      >>> float(s.scale[0]), int(s.bad)
      (0.5, 0)
    """
    metric = jnp.asarray(metric, jnp.float32)
    better = _improved(p, metric, state.best)
    best = jnp.where(better, metric, state.best)
    bad = jnp.where(better, 0, state.bad + 1)
    cooling = state.cooldown > 0
    cooldown = jnp.where(cooling, state.cooldown - 1, state.cooldown)
    bad = jnp.where(cooling, 0, bad)
    reduce = bad > p.patience
    new = jnp.maximum(current * p.factor, p.min_value)
    apply = reduce & (current - new > p.eps)
    ratio = jnp.where(apply, new / jnp.where(apply, current, 1), 1)
    reduced = PlateauState(
        scale=state.scale * ratio,
        best=best,
        bad=jnp.where(reduce, 0, bad),
        cooldown=jnp.where(reduce, p.cooldown, cooldown),
    )
    active = (p.begin <= epochs) & (epochs < p.end)
    return jax.tree_util.tree_map(lambda a, b: jnp.where(active, a, b), reduced, state)
