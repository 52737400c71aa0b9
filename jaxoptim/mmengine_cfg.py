"""mmengine configs (``optim_wrapper``, ``param_scheduler``, ``train_cfg``) for the front end.

mmcv 2.x / mmdet 3 / mmpretrain / mmseg 1.x configs describe the optimizer with mmengine's keys::

    optim_wrapper = dict(type='AmpOptimWrapper', optimizer=dict(type='AdamW', lr=1e-3),
                         paramwise_cfg=dict(norm_decay_mult=0.0),
                         clip_grad=dict(max_norm=35, norm_type=2), accumulative_counts=2,
                         loss_scale='dynamic', dtype='float16')
    param_scheduler = [dict(type='LinearLR', start_factor=1e-3, by_epoch=False, end=500),
                       dict(type='MultiStepLR', milestones=[8, 11], by_epoch=True)]
    train_cfg = dict(by_epoch=True, max_epochs=12)

:func:`translate`, called by :func:`jaxoptim.frontend.normalize` only, maps ``optim_wrapper``
onto the shape of the mmcv sections (``optimizer`` with ``paramwise_cfg`` in the mmengine
dialect, ``optimizer_config`` for norm clipping and accumulation, ``fp16`` for AmpOptimWrapper's
loss scaler), so that the front end reads both dialects' sections through one path, and returns
what has no mmcv counterpart beside them: value clipping, the precision hint, the train loop's
lengths and ``param_scheduler`` (:mod:`jaxoptim.param_scheduler` turns it into schedules).
:func:`simsiam_lr` reads SimSiamHook for both dialects. mmengine's OptimWrapper
accumulates exactly as mmcv's cumulative hook (the same loss factor and remainder rule:
``accumulative_counts`` before the last ``max_iters % accumulative_counts`` iterations, the
remainder in them; an update every ``accumulative_counts`` iterations and on the last one), so
``accumulative_counts`` becomes ``cumulative_iters``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from jaxoptim import clipping, param_scheduler
from jaxoptim.registry import strip_scope

WRAPPER_TYPES = ("OptimWrapper", "AmpOptimWrapper")
_WRAPPER_KEYS = (
    "type",
    "optimizer",
    "paramwise_cfg",
    "constructor",
    "clip_grad",
    "accumulative_counts",
)
_AMP_KEYS = ("loss_scale", "dtype", "use_fsdp")
MMCV_SECTIONS = ("optimizer", "optimizer_config", "fp16", "lr_config", "momentum_config", "runner")
_BUILTIN_CONSTRUCTORS = {
    "DefaultOptimWrapperConstructor": "DefaultOptimizerConstructor",
    "DefaultOptimizerConstructor": "DefaultOptimizerConstructor",
    "LayerDecayOptimizerConstructor": "LayerDecayOptimizerConstructor",
    "LearningRateDecayOptimizerConstructor": "LayerDecayOptimizerConstructor",
}
# AmpOptimWrapper's dtype -> the train step's precision (None: autocast's default, float16).
_DTYPES = {None: "float16", "float16": "float16", "bfloat16": "bfloat16", "float32": "float32"}
_TRAIN_LOOPS = {"EpochBasedTrainLoop": True, "IterBasedTrainLoop": False}


@dataclasses.dataclass(frozen=True)
class Translated:
    """An mmengine config's sections in the shape of the mmcv ones (:mod:`jaxoptim.frontend`
    reads both through one path), with what has no mmcv counterpart beside them.

    Attributes:
      mmcv: ``optimizer``, ``optimizer_config`` and (AmpOptimWrapper) ``fp16`` sections.
      clip_value: ``clip_grad=dict(type='value', clip_value=v)``'s ``v``, or ``None``.
      precision: the train-step precision: AmpOptimWrapper's compute dtype, else ``'float32'``.
      max_iters: the training length in iterations, when known.
      timing: the train loop's lengths (:func:`timing`).
      param_scheduler: the config's ``param_scheduler`` as written, or ``None``.
      shard_opt_state: the optimizer is a ``ZeroRedundancyOptimizer`` (ZeRO-1: the train
        step keeps the optimizer state split over its mesh's data axis).

    The schedules (``lr``, ``momentum``, ``weight_decay``: ``bases -> schedule`` factories or
    ``None``; ``plateaus``; ``generic_momentum``) are built on access.
    """

    mmcv: dict[str, Any]
    clip_value: float | None
    precision: str
    max_iters: int | None
    timing: param_scheduler.Timing = param_scheduler.Timing()
    param_scheduler: Any = None
    shard_opt_state: bool = False

    @property
    def lr(self) -> Callable[[np.ndarray], Callable[[Any], Any]] | None:
        return param_scheduler.schedules_for(self.param_scheduler, "lr", self.timing)

    @property
    def momentum(self) -> Callable[[np.ndarray], Callable[[Any], Any]] | None:
        return param_scheduler.schedules_for(self.param_scheduler, "momentum", self.timing)

    @property
    def weight_decay(self) -> Callable[[np.ndarray], Callable[[Any], Any]] | None:
        return param_scheduler.schedules_for(self.param_scheduler, "weight_decay", self.timing)

    @property
    def plateaus(self) -> Mapping[str, Any]:
        return param_scheduler.plateaus_for(self.param_scheduler, self.timing)

    @property
    def generic_momentum(self) -> tuple[str, ...]:
        return tuple(param_scheduler.generic_momentum(self.param_scheduler))

    @property
    def iters_per_epoch(self) -> int | None:
        return self.timing.iters_per_epoch


def _unknown(where: str, cfg: Mapping[str, Any], allowed) -> None:
    unknown = [k for k in cfg if k not in allowed]
    if unknown:
        raise KeyError(
            f"{where}: unknown key(s) "
            + ", ".join(f"{k}={cfg[k]!r}" for k in unknown)
            + f"; allowed: {list(allowed)}"
        )


def _positive_int(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{where} must be a positive int, got {value!r}")
    return int(value)


def timing(
    cfg: Mapping[str, Any], max_iters: int | None, iters_per_epoch: int | None
) -> param_scheduler.Timing:
    """The train loop's lengths from ``train_cfg`` and make_optimizer's arguments.

    ``train_cfg``: ``dict(by_epoch=True, max_epochs=N)``, ``dict(by_epoch=False, max_iters=N)``,
    ``dict(type='EpochBasedTrainLoop', max_epochs=N)`` or ``dict(type='IterBasedTrainLoop',
    max_iters=N)`` (``val_interval`` / ``val_begin`` / ``dynamic_intervals`` are accepted and
    have no effect here). ``max_iters`` given to make_optimizer wins for the training length
    (accumulation's remainder); the schedulers' default ``end`` is always the loop's length.
    """
    train_cfg = cfg.get("train_cfg")
    if iters_per_epoch is not None:
        iters_per_epoch = _positive_int("iters_per_epoch", iters_per_epoch)
    if max_iters is not None:
        max_iters = _positive_int("max_iters", max_iters)
    if train_cfg is None:
        max_epochs = None
        if max_iters is not None and iters_per_epoch is not None:
            max_epochs = -(-max_iters // iters_per_epoch)
        return param_scheduler.Timing(iters_per_epoch, max_iters, max_epochs, True, max_iters)
    if not isinstance(train_cfg, Mapping):
        raise TypeError(f"train_cfg must be a dict, got {train_cfg!r}")
    _unknown(
        "train_cfg",
        train_cfg,
        ("type", "by_epoch", "max_epochs", "max_iters", "val_interval", "val_begin",
         "dynamic_intervals"),
    )  # fmt: skip
    loop = strip_scope(train_cfg.get("type"))
    if loop is not None:
        if loop not in _TRAIN_LOOPS:
            raise KeyError(
                f"train_cfg.type={loop!r} is not one of {list(_TRAIN_LOOPS)} (a custom loop's "
                "length is unknown here: write dict(by_epoch=..., max_epochs/max_iters=...))"
            )
        by_epoch = _TRAIN_LOOPS[loop]
        if "by_epoch" in train_cfg and train_cfg["by_epoch"] != by_epoch:
            raise ValueError(
                f"train_cfg: type={loop!r} contradicts by_epoch={train_cfg['by_epoch']!r}"
            )
    else:
        by_epoch = train_cfg.get("by_epoch")
        if not isinstance(by_epoch, bool):
            raise KeyError(
                f"train_cfg needs `type` ('EpochBasedTrainLoop' / 'IterBasedTrainLoop') or "
                f"`by_epoch` (True / False), got {dict(train_cfg)!r}"
            )
    key = "max_epochs" if by_epoch else "max_iters"
    other = "max_iters" if by_epoch else "max_epochs"
    if other in train_cfg:
        raise KeyError(f"train_cfg.{other}={train_cfg[other]!r} does not fit a loop with {key}")
    count = _positive_int(f"train_cfg.{key}", train_cfg.get(key))
    if by_epoch:
        loop_iters = None if iters_per_epoch is None else count * iters_per_epoch
        return param_scheduler.Timing(
            iters_per_epoch, max_iters or loop_iters, count, True, loop_iters, True
        )
    # IterBasedTrainLoop's max_epochs is 1 (mmengine): the default end of converted schedulers
    return param_scheduler.Timing(iters_per_epoch, max_iters or count, 1, False, count, True)


def _clip(clip_grad: Any) -> tuple[dict | None, float | None]:
    if clip_grad is None:
        return None, None
    if not isinstance(clip_grad, Mapping) or not clip_grad:
        raise TypeError(
            "optim_wrapper.clip_grad must be None or a non-empty dict such as "
            f"dict(max_norm=35, norm_type=2) or dict(type='value', clip_value=1.0), got "
            f"{clip_grad!r}"
        )
    clip = dict(clip_grad)
    kind = clip.pop("type", "norm")
    if kind == "norm":
        _unknown("optim_wrapper.clip_grad (type='norm')", clip, clipping._GRAD_CLIP_KEYS)
        return clip, None
    if kind == "value":
        _unknown("optim_wrapper.clip_grad (type='value')", clip, ("clip_value", "foreach"))
        if "clip_value" not in clip:
            raise KeyError("optim_wrapper.clip_grad (type='value') needs `clip_value`")
        return None, clipping._check_clip_value(clip["clip_value"])
    raise ValueError(f"optim_wrapper.clip_grad.type must be 'norm' or 'value', got {kind!r}")


def optimizer_section(wrapper: Mapping[str, Any]) -> dict[str, Any]:
    """``optim_wrapper``'s optimizer as an mmcv ``optimizer`` dict (with its constructor).

    ``DefaultOptimWrapperConstructor`` is the default constructor with ``dialect='mmengine'``
    (unless ``paramwise_cfg`` names a dialect); so is ``LayerDecayOptimizerConstructor``'s
    table. Other constructors (registered in ``OPTIMIZER_BUILDERS``) get ``paramwise_cfg`` as
    written.

    Examples:
      >>> optimizer_section(dict(optimizer=dict(type='SGD', lr=0.1),
      ...                        paramwise_cfg=dict(norm_decay_mult=0.0)))['paramwise_cfg']
      {'dialect': 'mmengine', 'norm_decay_mult': 0.0}
    """
    if "optimizer" not in wrapper:
        raise KeyError(
            "optim_wrapper needs an `optimizer` dict (mmengine: '`optim_wrapper_cfg` must "
            'contain "optimizer" config\'); a dict of wrappers (OptimWrapperDict) is not '
            "supported"
        )
    optimizer = wrapper["optimizer"]
    if not isinstance(optimizer, Mapping):
        raise TypeError(f"optim_wrapper.optimizer must be a dict, got {optimizer!r}")
    for key in ("paramwise_cfg", "constructor"):
        if key in optimizer:
            raise KeyError(
                f"optim_wrapper.optimizer.{key}: in mmengine configs `{key}` belongs in "
                "optim_wrapper, beside `optimizer`"
            )
    optimizer = _unwrap_zero(dict(optimizer))
    constructor = strip_scope(wrapper.get("constructor", "DefaultOptimWrapperConstructor"))
    paramwise_cfg = wrapper.get("paramwise_cfg")
    if paramwise_cfg is not None and not isinstance(paramwise_cfg, Mapping):
        raise TypeError(
            f"optim_wrapper.paramwise_cfg must be None or a dict, got {paramwise_cfg!r}"
        )
    if constructor in _BUILTIN_CONSTRUCTORS:
        constructor = _BUILTIN_CONSTRUCTORS[constructor]
        if paramwise_cfg:
            paramwise_cfg = {"dialect": "mmengine", **paramwise_cfg}
    optimizer["constructor"] = constructor
    if paramwise_cfg is not None:
        optimizer["paramwise_cfg"] = dict(paramwise_cfg)
    return optimizer


_ZERO = "ZeroRedundancyOptimizer"


def is_zero(wrapper: Mapping[str, Any]) -> bool:
    """Whether ``optim_wrapper.optimizer`` is mmengine's ``ZeroRedundancyOptimizer``."""
    optimizer = wrapper.get("optimizer")
    return isinstance(optimizer, Mapping) and strip_scope(optimizer.get("type")) == _ZERO


def _unwrap_zero(optimizer: dict[str, Any]) -> dict[str, Any]:
    """mmengine's ``ZeroRedundancyOptimizer(optimizer_type=..., **kwargs)`` as the optimizer it
    wraps; its sharding is the train step's (``tx.info.shard_opt_state``).

    Examples:
      >>> _unwrap_zero(dict(type='ZeroRedundancyOptimizer', optimizer_type='AdamW', lr=1e-3,
      ...                   parameters_as_bucket_view=True))
      {'type': 'AdamW', 'lr': 0.001}
    """
    if strip_scope(optimizer.get("type")) != _ZERO:
        return optimizer
    where = f"optim_wrapper.optimizer (type={_ZERO!r})"
    if "optimizer_type" not in optimizer:
        raise KeyError(f"{where} needs `optimizer_type`, the torch.optim class it wraps ('AdamW')")
    out = {k: v for k, v in optimizer.items() if k not in ("type", "optimizer_type")}
    out = {"type": optimizer["optimizer_type"], **out}
    # torch's ZeRO arguments: bucket views are a memory layout XLA decides; the process group
    # and DDP overlap have no counterpart in a jitted step
    view = out.pop("parameters_as_bucket_view", False)
    if not isinstance(view, bool):
        raise TypeError(f"{where}.parameters_as_bucket_view must be a bool, got {view!r}")
    if out.pop("overlap_with_ddp", False) is not False:
        raise ValueError(f"{where}.overlap_with_ddp: only False (mmengine supports only False)")
    if "process_group" in out:
        raise KeyError(
            f"{where}.process_group={out['process_group']!r}: the train step shards over its "
            "mesh's data axis (make_train_step(mesh=...)); remove it"
        )
    return out


def translate(
    cfg: Mapping[str, Any],
    *,
    max_iters: int | None = None,
    iters_per_epoch: int | None = None,
) -> Translated:
    """Reads ``optim_wrapper``, ``param_scheduler`` and ``train_cfg`` (for the front end).

    Args:
      cfg: a full config with the key ``optim_wrapper`` (plain dicts).
      max_iters: the training length (default from ``train_cfg``).
      iters_per_epoch: the epoch length (by_epoch schedulers, ``max_epochs``).

    Returns:
      The :class:`Translated` config.

    Raises:
      KeyError: an mmcv section beside ``optim_wrapper``, a missing ``optimizer``, an unknown
        key or wrapper type.
      TypeError, ValueError: a bad value (named).

    Examples:
      >>> t = translate(dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1),
      ...                                       clip_grad=dict(max_norm=1.0))))
      >>> t.mmcv['optimizer_config']
      {'grad_clip': {'max_norm': 1.0}, 'cumulative_iters': 1}
    """
    mixed = [k for k in MMCV_SECTIONS if k in cfg]
    wrapper = cfg.get("optim_wrapper")
    if "optimizer" in mixed and isinstance(wrapper, Mapping):
        # mmselfsup 1.x writes `optimizer = dict(...)` as a variable that `optim_wrapper` then
        # uses; mmengine's Runner never reads a top-level `optimizer`
        if cfg["optimizer"] == wrapper.get("optimizer"):
            mixed.remove("optimizer")
    if mixed:
        raise KeyError(
            f"the config has `optim_wrapper` (mmengine) and {mixed} (mmcv 1.x): write one style "
            "(optim_wrapper + param_scheduler + train_cfg, or optimizer + optimizer_config + "
            "fp16 + lr_config + momentum_config + runner)"
        )
    wrapper = cfg["optim_wrapper"]
    if not isinstance(wrapper, Mapping):
        raise TypeError(f"optim_wrapper must be a dict, got {wrapper!r}")
    kind = strip_scope(wrapper.get("type", "OptimWrapper"))
    if kind not in WRAPPER_TYPES:
        raise KeyError(
            f"optim_wrapper.type={kind!r} is not supported; one of {list(WRAPPER_TYPES)} "
            "(ApexOptimWrapper is apex.amp, DeepSpeed/ColossalAI wrappers their engines)"
        )
    allowed = _WRAPPER_KEYS + (_AMP_KEYS if kind == "AmpOptimWrapper" else ())
    _unknown(f"optim_wrapper (type={kind!r})", wrapper, allowed)
    optimizer = optimizer_section(wrapper)
    grad_clip, clip_value = _clip(wrapper.get("clip_grad"))
    counts = wrapper.get("accumulative_counts", 1)
    if isinstance(counts, bool) or not isinstance(counts, numbers.Integral) or counts < 1:
        raise ValueError(f"optim_wrapper.accumulative_counts must be an int >= 1, got {counts!r}")
    mmcv: dict[str, Any] = {
        "optimizer": optimizer,
        "optimizer_config": {"grad_clip": grad_clip, "cumulative_iters": counts},
    }
    precision = "float32"
    if kind == "AmpOptimWrapper":
        mmcv["fp16"] = {"loss_scale": wrapper.get("loss_scale", "dynamic")}
        dtype = wrapper.get("dtype")
        if dtype not in _DTYPES:
            raise ValueError(
                f"optim_wrapper.dtype={dtype!r}: one of {list(_DTYPES)} (float64 compute is not "
                "a train-step precision)"
            )
        precision = _DTYPES[dtype]
        if wrapper.get("use_fsdp", False) is not False:
            raise ValueError(
                "optim_wrapper.use_fsdp=True (ShardedGradScaler): shard the state with "
                "make_train_step's sharding instead; the scaler needs no change"
            )
    when = timing(cfg, max_iters, iters_per_epoch)
    return Translated(
        mmcv=mmcv,
        clip_value=clip_value,
        precision=precision,
        max_iters=when.max_iters,
        timing=when,
        param_scheduler=cfg.get("param_scheduler"),
        shard_opt_state=is_zero(wrapper),
    )


def precision_hint(cfg: Mapping[str, Any]) -> str | None:
    """The compute precision an mmengine config asks for (AmpOptimWrapper's dtype), or ``None``."""
    wrapper = cfg.get("optim_wrapper")
    if not isinstance(wrapper, Mapping) or strip_scope(wrapper.get("type")) != "AmpOptimWrapper":
        return None
    return _DTYPES.get(wrapper.get("dtype"))


_SIMSIAM_KEYS = ("type", "fix_pred_lr", "lr", "adjust_by_epoch", "priority")


def simsiam_lr(cfg: Mapping[str, Any]) -> float | None:
    """The lr that an mmengine config's ``SimSiamHook`` holds its ``fix_lr`` groups at.

    mmpretrain's / mmselfsup 1.x's ``SimSiamHook(fix_pred_lr, lr, adjust_by_epoch=True)`` sets
    the lr of every param group with ``fix_lr=True`` (a ``custom_keys`` entry) to ``lr`` before
    each epoch, or before each iteration with ``adjust_by_epoch=False``; the parameter
    schedulers step after them. Those groups therefore train at ``lr`` throughout when the hook
    acts before every iteration or when the lr changes only between epochs (epoch-based
    schedulers, not converted, in an epoch loop). In between, mmengine's chained update would
    scale the reset value within each epoch: that is refused.

    Returns:
      The hook's ``lr``, or ``None`` without a SimSiamHook (or with ``fix_pred_lr=False``).

    Raises:
      KeyError, TypeError, ValueError: a malformed hook, or a schedule it does not hold.
    """
    hooks = cfg.get("custom_hooks") or []
    if not isinstance(hooks, (list, tuple)):
        return None  # not ours to check: mmengine reads custom_hooks
    found = [
        h
        for h in hooks
        if isinstance(h, Mapping) and strip_scope(str(h.get("type", ""))) == "SimSiamHook"
    ]
    if not found:
        return None
    if len(found) > 1:
        raise ValueError(f"custom_hooks: {len(found)} SimSiamHooks; one sets the fixed lr")
    hook = found[0]
    _unknown("custom_hooks SimSiamHook", hook, _SIMSIAM_KEYS)
    for key in ("fix_pred_lr", "lr"):
        if key not in hook:
            raise KeyError(f"custom_hooks SimSiamHook needs `{key}`")
    fix, by_epoch = hook["fix_pred_lr"], hook.get("adjust_by_epoch", True)
    for key, value in (("fix_pred_lr", fix), ("adjust_by_epoch", by_epoch)):
        if not isinstance(value, bool):
            raise TypeError(f"custom_hooks SimSiamHook.{key} must be a bool, got {value!r}")
    lr = hook["lr"]
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 <= lr < math.inf:
        raise ValueError(f"custom_hooks SimSiamHook.lr must be a number >= 0, got {lr!r}")
    if not fix:
        return None
    if "optim_wrapper" not in cfg:  # mmcv 1.x (mmselfsup 0.x): hooks ordered by priority
        _check_mmcv_simsiam(cfg, hook, by_epoch)
        return float(lr)
    if by_epoch:
        train_cfg = cfg.get("train_cfg") or {}
        loop = strip_scope(train_cfg.get("type")) if isinstance(train_cfg, Mapping) else None
        epoch_loop = _TRAIN_LOOPS.get(loop, train_cfg.get("by_epoch", True))
        schedulers = cfg.get("param_scheduler") or []
        schedulers = [schedulers] if isinstance(schedulers, Mapping) else schedulers
        within = [
            s.get("type")
            for s in schedulers
            if isinstance(s, Mapping)
            and _schedules_lr(s)
            and (not s.get("by_epoch", True) or s.get("convert_to_iter_based", False))
        ]
        if within or (schedulers and not epoch_loop):
            raise ValueError(
                "custom_hooks SimSiamHook(adjust_by_epoch=True) resets the fix_lr groups only "
                f"at each epoch's start, but {within or 'the IterBasedTrainLoop'} changes the lr "
                "within epochs: mmengine would scale the reset lr until the next epoch. Set "
                "adjust_by_epoch=False (reset before every iteration: a constant lr)"
            )
    return float(lr)


# mmcv's hook priorities; the LrUpdaterHook has VERY_HIGH (10) and is registered before the
# custom hooks, so a SimSiamHook of priority >= 10 acts after it at every stage
_MMCV_PRIORITIES = {
    "HIGHEST": 0,
    "VERY_HIGH": 10,
    "HIGH": 30,
    "ABOVE_NORMAL": 40,
    "NORMAL": 50,
    "BELOW_NORMAL": 60,
    "LOW": 70,
    "VERY_LOW": 90,
    "LOWEST": 100,
}


def _check_mmcv_simsiam(cfg: Mapping[str, Any], hook: Mapping[str, Any], by_epoch: bool) -> None:
    """Raises where mmcv's SimSiamHook would not hold its groups at a constant lr.

    mmselfsup 0.x's hook sets the ``fix_lr`` groups' lr before each epoch (and before each
    iteration with ``adjust_by_epoch=False``), after mmcv's LrUpdaterHook. With a by-epoch
    ``lr_config`` without warmup the updater changes the lr only at epoch starts, so the groups
    hold the hook's lr; an iteration-based policy or a warmup changes it before iterations,
    which only ``adjust_by_epoch=False`` resets.
    """
    priority = hook.get("priority", "NORMAL")
    level = _MMCV_PRIORITIES.get(str(priority).upper(), priority)
    if isinstance(level, bool) or not isinstance(level, numbers.Real):
        raise ValueError(
            f"custom_hooks SimSiamHook.priority: {priority!r} is not one of "
            f"{list(_MMCV_PRIORITIES)} or a number"
        )
    if level < _MMCV_PRIORITIES["VERY_HIGH"]:
        raise ValueError(
            f"custom_hooks SimSiamHook.priority={priority!r} runs before mmcv's LrUpdaterHook, "
            "which then overwrites the fixed lr: use priority='HIGH' (mmselfsup's)"
        )
    lr_config = cfg.get("lr_config") or {}
    if by_epoch and isinstance(lr_config, Mapping) and lr_config:
        if not lr_config.get("by_epoch", True) or lr_config.get("warmup") is not None:
            raise ValueError(
                "custom_hooks SimSiamHook(adjust_by_epoch=True) resets the fix_lr groups only "
                "before each epoch, but lr_config changes the lr before iterations (by_epoch="
                f"{lr_config.get('by_epoch', True)}, warmup={lr_config.get('warmup')!r}): mmcv "
                "would train those groups at the scheduled lr in between. Set "
                "adjust_by_epoch=False (reset before every iteration: a constant lr)"
            )


def _schedules_lr(scheduler: Mapping[str, Any]) -> bool:
    kind = strip_scope(str(scheduler.get("type", "")))
    return kind.endswith("LR") or scheduler.get("param_name") == "lr"
