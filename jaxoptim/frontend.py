"""The config front end: an mmcv 1.x or an mmengine config becomes one frozen :class:`OptimSetup`.

Every entry point (:func:`jaxoptim.make_optimizer`, :func:`jaxoptim.explain`,
:func:`jaxoptim.plot.schedule_values`, the command line) calls :func:`normalize` once, or takes
a setup it is given, and reads the config only through it; each config key is read here (the
mmengine sections with the help of :mod:`jaxoptim.mmengine_cfg`, the policies and schedulers'
own keys by :mod:`jaxoptim.schedules` / :mod:`jaxoptim.param_scheduler`, which
:class:`Schedules` hands them to). The two dialects meet in one description::

    mmcv 1.x                                  mmengine                        OptimSetup
    optimizer.type / kwargs                   optim_wrapper.optimizer         .optimizer
    optimizer.constructor / paramwise_cfg /   optim_wrapper.constructor /     .paramwise
      paramwise_options; SimSiamHook's lr       paramwise_cfg; SimSiamHook
    optimizer_config.grad_clip                optim_wrapper.clip_grad         .grad_clip,
                                                                              .clip_value
    fp16, Fp16OptimizerHook, DistOptimizer-   AmpOptimWrapper.loss_scale      .loss_scale
      Hook(use_fp16)
    optimizer_config.cumulative_iters /       accumulative_counts             .accumulation
      DistOptimizerHook.update_interval
    lr_config, momentum_config (runner's      param_scheduler                 .schedules
      by_epoch defaults)
    runner / total_epochs / total_iters       train_cfg                       .run
    fp16 -> float16                           AmpOptimWrapper.dtype           .precision
    auto_scale_lr (mmdet 2.x)                 auto_scale_lr                   (in the lrs)

Adding a dialect means adding its reader here; the consumers only see :class:`OptimSetup`.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
import types
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from jaxoptim import mmcv_cfg, mmengine_cfg, param_scheduler, schedules
from jaxoptim.config import to_dict
from jaxoptim.mmcv_cfg import check_section_names, config_precision, runner_defaults
from jaxoptim.optimizer_base import OptimizerDef
from jaxoptim.registry import OPTIMIZER_BUILDERS, OPTIMIZERS, strip_scope

__all__ = [
    "Accumulation",
    "OptimSetup",
    "OptimizerSpec",
    "ParamwiseSpec",
    "RunLength",
    "Schedules",
    "check_section_names",
    "config_precision",
    "normalize",
    "runner_defaults",
]


class FrozenList(tuple):
    """A config list, read-only: a tuple that prints as the list it was (``thaw`` gives it back)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(list(self))


def freeze(value: Any) -> Any:
    """``value`` with every dict made a read-only ``MappingProxyType`` and every list a tuple.

    Examples:
      >>> frozen = freeze({'a': [1, {'b': 2}]})
      >>> type(frozen).__name__, type(frozen['a']).__name__, frozen['a'][1]['b']
      ('mappingproxy', 'FrozenList', 2)
      >>> thaw(frozen)
      {'a': [1, {'b': 2}]}
    """
    if isinstance(value, Mapping):
        return types.MappingProxyType({k: freeze(v) for k, v in value.items()})
    if type(value) is list or isinstance(value, FrozenList):
        return FrozenList(freeze(v) for v in value)
    if type(value) is tuple:
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A fresh plain copy of a frozen value (dicts and lists again), for code that takes them."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, FrozenList):
        return [thaw(v) for v in value]
    if type(value) is tuple:
        return tuple(thaw(v) for v in value)
    return value


@dataclasses.dataclass(frozen=True)
class OptimizerSpec:
    """The optimizer: its registered name (or a callable) and its keyword arguments.

    Attributes:
      type: the name in ``OPTIMIZERS`` (``'SGD'``, ``'optax.lion'``) or a callable.
      kwargs: torch's (or the factory's) keyword arguments, read-only; every lr already
        multiplied by ``auto_scale_lr``'s ratio. The constructor's keys are in
        :class:`ParamwiseSpec`.
    """

    type: Any
    kwargs: Mapping[str, Any] = dataclasses.field(default_factory=lambda: freeze({}))

    def config(self) -> dict[str, Any]:
        """``dict(type=..., **kwargs)`` as a fresh plain dict."""
        return {"type": self.type, **thaw(self.kwargs)}


@dataclasses.dataclass(frozen=True)
class ParamwiseSpec:
    """The per-parameter rules: the constructor and what it reads.

    Attributes:
      constructor: the name in ``OPTIMIZER_BUILDERS`` (mmengine's ``DefaultOptimWrapperConstructor``
        is ``'DefaultOptimizerConstructor'`` with ``paramwise_cfg['dialect'] == 'mmengine'``).
      paramwise_cfg: its ``paramwise_cfg`` (read-only), or ``None``.
      paramwise_options: mmselfsup 0.x's ``optimizer.paramwise_options``, or ``None``.
      fixed_lr: the lr SimSiamHook holds ``fix_lr`` groups at, or ``None`` without the hook.
    """

    constructor: str = "DefaultOptimizerConstructor"
    paramwise_cfg: Mapping[str, Any] | None = None
    paramwise_options: Mapping[str, Any] | None = None
    fixed_lr: float | None = None

    def build(self, optimizer: OptimizerSpec, *, key: str = "optimizer.constructor") -> Any:
        """The constructor instance for ``optimizer`` (called on params it gives the table).

        Raises:
          KeyError: the constructor is not registered (named as ``key``), or ``paramwise_cfg``
            holds a leftover ``_delete_``.
        """
        if self.paramwise_cfg is not None:
            mmcv_cfg.refuse_delete_directive(self.paramwise_cfg, "optimizer.paramwise_cfg")
        cls = OPTIMIZER_BUILDERS.lookup(self.constructor, key=key)
        cfg = optimizer.config()
        if self.paramwise_options is not None:
            cfg["paramwise_options"] = thaw(self.paramwise_options)
        return cls(cfg, thaw(self.paramwise_cfg))

    @property
    def has_fix_lr_rule(self) -> bool:
        """Whether a custom key (or a paramwise_options entry) sets ``fix_lr=True``."""
        entries = []
        for rules in ((self.paramwise_cfg or {}).get("custom_keys"), self.paramwise_options):
            if isinstance(rules, Mapping):
                entries += [e for e in rules.values() if isinstance(e, Mapping)]
        return any(e.get("fix_lr") is True for e in entries)


@dataclasses.dataclass(frozen=True)
class Accumulation:
    """Gradient accumulation.

    Attributes:
      every: the optimizer steps every ``every`` iterations (``cumulative_iters``,
        ``accumulative_counts``, DistOptimizerHook's ``update_interval``).
      remainder: mmcv's / mmengine's remainder rule for the last ``max_iters % every``
        iterations; ``False`` for DistOptimizerHook, which never steps a trailing window.
    """

    every: int = 1
    remainder: bool = True


@dataclasses.dataclass(frozen=True)
class RunLength:
    """The training run's length, as far as the config and the arguments tell it.

    Attributes:
      max_iters: the length in iterations (schedules, accumulation's remainder), or ``None``.
      iters_per_epoch: the epoch length given to :func:`normalize`, or ``None``.
      max_epochs: the length in epochs of an epoch-based runner / loop, or ``None``.
      by_epoch: ``True`` for an epoch-based runner / loop, ``False`` for an iteration-based
        one, ``None`` where the config names none (or a runner jaxoptim does not know).
      loop: the mmcv runner type (``total_epochs`` alone gives ``'EpochBasedRunner'``) or the
        mmengine loop (``'EpochBasedTrainLoop'`` / ``'IterBasedTrainLoop'``); ``None`` without
        one. Not compared: the same run in either dialect gives equal setups.
    """

    max_iters: int | None = None
    iters_per_epoch: int | None = None
    max_epochs: int | None = None
    by_epoch: bool | None = None
    loop: str | None = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(frozen=True)
class Schedules:
    """The lr / momentum / weight-decay schedules, in the config's own terms (read-only).

    mmcv: ``lr_config`` / ``momentum_config`` after the runner's defaults (``by_epoch=False``
    under an IterBasedRunner), evaluated by :mod:`jaxoptim.schedules`; mmengine:
    ``param_scheduler`` with the loop's ``timing``, evaluated by
    :mod:`jaxoptim.param_scheduler`. Both give the same ``bases -> schedule`` factories
    (:meth:`factory`). Without any schedule every field is ``None``, in either dialect.
    """

    lr_config: Mapping[str, Any] | None = None
    momentum_config: Mapping[str, Any] | None = None
    param_scheduler: Any = None
    timing: param_scheduler.Timing | None = None
    max_iters: int | None = None
    iters_per_epoch: int | None = None

    @property
    def dialect(self) -> str | None:
        """``'mmcv'``, ``'mmengine'`` or ``None`` (no schedule)."""
        if self.param_scheduler is not None:
            return "mmengine"
        if self.lr_config is not None or self.momentum_config is not None:
            return "mmcv"
        return None

    def section(self, param: str) -> str:
        """The config section that schedules ``param``, for messages."""
        if self.dialect == "mmengine":
            return "param_scheduler"
        return {"lr": "lr_config", "momentum": "momentum_config"}.get(param, "lr_config")

    def factory(self, param: str) -> Callable[[np.ndarray], Callable[[Any], Any]] | None:
        """``bases -> schedule(iteration)`` for ``'lr'``, ``'momentum'`` or ``'weight_decay'``.

        ``None`` when nothing schedules ``param`` (its value stays live in the state). The
        schedule takes the 0-based iteration and returns the value for every group base.

        Raises:
          KeyError, TypeError, ValueError: a malformed schedule (named by its section).
        """
        if self.dialect == "mmengine":
            return param_scheduler.schedules_for(thaw(self.param_scheduler), param, self.timing)
        conf = {"lr": self.lr_config, "momentum": self.momentum_config}.get(param)
        if conf is None:
            return None
        conf = thaw(conf)
        fn = schedules.lr_schedule if param == "lr" else schedules.momentum_schedule
        max_iters, per_epoch = self.max_iters, self.iters_per_epoch

        def factory(bases):
            return fn(conf, bases, max_iters=max_iters, iters_per_epoch=per_epoch)

        return factory

    def plateaus(self) -> dict[str, Any]:
        """mmengine's ReduceOnPlateau schedulers by parameter (``{}`` without)."""
        if self.dialect != "mmengine":
            return {}
        return param_scheduler.plateaus_for(thaw(self.param_scheduler), self.timing)

    def generic_momentum(self) -> tuple[str, ...]:
        """The ``*ParamScheduler(param_name='momentum')`` entries (they need ``momentum``)."""
        if self.dialect != "mmengine":
            return ()
        return tuple(param_scheduler.generic_momentum(thaw(self.param_scheduler)))

    def lifts_zero(self, param: str) -> bool:
        """Whether a scheduler can move a zero base value of ``param`` away from 0."""
        if self.dialect != "mmengine":
            return False
        return param_scheduler.lifts_zero(thaw(self.param_scheduler), param, self.timing)


@dataclasses.dataclass(frozen=True)
class OptimSetup:
    """The whole optimizer setup of a config, in either dialect: what :func:`normalize` gives.

    Read-only throughout (nested dataclasses, tuples, ``MappingProxyType``); two configs that
    mean the same optimizer setup give equal setups, whichever dialect they are written in
    (``dialect`` and the loop's name are not compared; schedules are compared as written).

    Attributes:
      optimizer: the optimizer's type and keyword arguments.
      paramwise: the per-parameter rules (constructor, ``paramwise_cfg``, SimSiamHook's lr).
      grad_clip: ``{'max_norm', 'norm_type'}`` of norm clipping (``clip_grad_norm_``), or
        ``None``.
      clip_value: mmengine's ``clip_grad=dict(type='value')`` bound, or ``None``.
      loss_scale: the loss scaler's arguments (:func:`jaxoptim.loss_scale.unscale_gradients`:
        mmcv's ``fp16`` / ``Fp16OptimizerHook``, DistOptimizerHook's apex scaler, mmengine's
        AmpOptimWrapper), or ``None``.
      accumulation: gradient accumulation.
      detect_anomalous_params: mmcv's ``optimizer_config.detect_anomalous_params``.
      schedules: the lr / momentum / weight-decay schedules.
      run: the run's length.
      precision: the compute dtype the config asks for (:func:`config_precision`).
      shard_opt_state: mmengine's ``ZeroRedundancyOptimizer`` (ZeRO-1 state sharding).
      dialect: ``'mmcv'`` or ``'mmengine'`` (not compared).
    """

    optimizer: OptimizerSpec
    paramwise: ParamwiseSpec = ParamwiseSpec()
    grad_clip: Mapping[str, float] | None = None
    clip_value: float | None = None
    loss_scale: Mapping[str, Any] | None = None
    accumulation: Accumulation = Accumulation()
    detect_anomalous_params: bool = False
    schedules: Schedules = Schedules()
    run: RunLength = RunLength()
    precision: str = "float32"
    shard_opt_state: bool = False
    dialect: str = dataclasses.field(default="mmcv", compare=False)


def normalize(
    cfg: Mapping[str, Any] | OptimSetup,
    *,
    max_iters: int | None = None,
    iters_per_epoch: int | None = None,
    batch_size: int | None = None,
) -> OptimSetup:
    """Reads an mmcv 1.x or an mmengine config into one :class:`OptimSetup`.

    Args:
      cfg: a full mmcv config (key ``optimizer``; optionally ``optimizer_config``, ``fp16``,
        ``lr_config``, ``momentum_config``, ``runner`` / ``total_epochs`` / ``total_iters``,
        ``auto_scale_lr``, ``custom_hooks``), an mmengine config (key ``optim_wrapper``;
        optionally ``param_scheduler``, ``train_cfg``, ``auto_scale_lr``, ``custom_hooks``),
        an optimizer dict (key ``type``), or a setup (returned as it is).
      max_iters: the training length in iterations; default from ``runner`` / ``train_cfg``.
      iters_per_epoch: the epoch length (by-epoch schedules, ``max_epochs``).
      batch_size: the samples of one iteration over all devices, for ``auto_scale_lr``.

    Returns:
      The setup. Schedules are checked when they are built (:meth:`Schedules.factory`), so
      a setup for :func:`jaxoptim.explain` needs no run length.

    Raises:
      KeyError, TypeError, ValueError: a missing, misspelled, unknown or malformed key,
        named with what is allowed.

    Examples:
      >>> mmcv = normalize(dict(optimizer=dict(type='SGD', lr=0.1),
      ...                       optimizer_config=dict(grad_clip=dict(max_norm=1.0))))
      >>> engine = normalize(dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1),
      ...                                            clip_grad=dict(max_norm=1.0))))
      >>> mmcv == engine, dict(engine.grad_clip), engine.dialect
      (True, {'max_norm': 1.0, 'norm_type': 2.0}, 'mmengine')
    """
    if isinstance(cfg, OptimSetup):
        given = {"max_iters": max_iters, "iters_per_epoch": iters_per_epoch}
        given["batch_size"] = batch_size
        given = [k for k, v in given.items() if v is not None]
        if given:
            raise TypeError(
                f"{given} cannot be given with an OptimSetup: they were fixed when it was "
                "normalized (pass them to jaxoptim.normalize)"
            )
        return cfg
    if not isinstance(cfg, Mapping):
        raise TypeError(
            f"normalize: cfg must be a Mapping (dict or Config), got {type(cfg).__name__}"
        )
    dialect, clip_value, precision, shard, timing = "mmcv", None, None, False, None
    hook_lr = None
    if "optim_wrapper" in cfg:
        dialect = "mmengine"
        check_section_names(cfg)
        hook_lr = mmengine_cfg.simsiam_lr(cfg)  # SimSiamHook's lr for fix_lr groups
        engine = mmengine_cfg.translate(
            to_dict(cfg), max_iters=max_iters, iters_per_epoch=iters_per_epoch
        )
        ratio = auto_scale_ratio(cfg, batch_size)
        mmcv = dict(engine.mmcv)
        if ratio is not None:
            mmcv["optimizer"] = scale_lrs(mmcv["optimizer"], ratio)
        max_iters, timing = engine.max_iters, engine.timing
        clip_value, precision, shard = engine.clip_value, engine.precision, engine.shard_opt_state
        scheduled = engine.param_scheduler
    elif cfg.get("param_scheduler") is not None:
        raise KeyError(
            "`param_scheduler` is mmengine's and needs an `optim_wrapper` config; with "
            "`optimizer` (mmcv 1.x) write lr_config / momentum_config"
        )
    else:
        mmcv = cfg
    full = runner_defaults(mmcv_cfg.split_config(mmcv))
    if dialect == "mmcv":
        hook_lr = mmengine_cfg.simsiam_lr(full)  # mmselfsup 0.x: SimSiamHook, paramwise_options
        ratio = auto_scale_ratio(full, batch_size)  # mmdet 2.x's auto_scale_lr
        if ratio is not None:
            full["optimizer"] = scale_lrs(dict(full["optimizer"]), ratio)
    optimizer = dict(full["optimizer"])
    opt_type = optimizer.pop("type", None)
    if opt_type is None:
        raise KeyError("`optimizer` needs a `type` (e.g. optimizer=dict(type='SGD', lr=0.01))")
    paramwise = ParamwiseSpec(
        constructor=optimizer.pop("constructor", "DefaultOptimizerConstructor"),
        paramwise_cfg=freeze(optimizer.pop("paramwise_cfg", None)),
        paramwise_options=freeze(optimizer.pop("paramwise_options", None)),
        fixed_lr=hook_lr,
    )
    max_iters = mmcv_cfg.resolve_max_iters(full, max_iters, iters_per_epoch)
    hooks = mmcv_cfg.optimizer_hooks(full)
    if dialect == "mmengine":
        sched = Schedules()
        if scheduled is not None:
            sched = Schedules(param_scheduler=freeze(scheduled), timing=timing)
        run = _engine_run(timing)
    else:
        sched = Schedules()
        if full.get("lr_config") is not None or full.get("momentum_config") is not None:
            sched = Schedules(
                lr_config=freeze(full.get("lr_config")),
                momentum_config=freeze(full.get("momentum_config")),
                max_iters=max_iters,
                iters_per_epoch=iters_per_epoch,
            )
        run = _mmcv_run(full.get("runner") or {}, max_iters, iters_per_epoch)
        precision = config_precision(full)
    return OptimSetup(
        optimizer=OptimizerSpec(opt_type, freeze(optimizer)),
        paramwise=paramwise,
        grad_clip=freeze(hooks.grad_clip),
        clip_value=clip_value,
        loss_scale=freeze(hooks.loss_scale),
        accumulation=Accumulation(hooks.every, hooks.remainder),
        detect_anomalous_params=hooks.detect_anomalous_params,
        schedules=sched,
        run=run,
        precision=precision,
        shard_opt_state=shard,
        dialect=dialect,
    )


def _mmcv_run(runner: Mapping[str, Any], max_iters, iters_per_epoch) -> RunLength:
    kind = runner.get("type")
    name = strip_scope(kind) if isinstance(kind, str) else None
    by_epoch = (
        True if name in mmcv_cfg.EPOCH_RUNNERS else False if name in mmcv_cfg.ITER_RUNNERS else None
    )
    return RunLength(max_iters, iters_per_epoch, runner.get("max_epochs"), by_epoch, kind)


def _engine_run(timing: param_scheduler.Timing) -> RunLength:
    if not timing.loop_known:  # no train_cfg: only make_optimizer's arguments
        return RunLength(timing.max_iters, timing.iters_per_epoch)
    loop = "EpochBasedTrainLoop" if timing.epoch_loop else "IterBasedTrainLoop"
    epochs = timing.max_epochs if timing.epoch_loop else None
    return RunLength(timing.max_iters, timing.iters_per_epoch, epochs, timing.epoch_loop, loop)


def optimizer_defaults(opt_type: Any) -> tuple[dict[str, Any], frozenset[str] | None]:
    """The optimizer's defaults and accepted hyperparameter names (``None``: takes any)."""
    opt = OPTIMIZERS.resolve(opt_type, key="optimizer.type")
    if isinstance(opt, OptimizerDef):
        return dict(opt.defaults), frozenset(opt.defaults)
    try:
        sig = inspect.signature(opt)
    except (TypeError, ValueError):
        return {}, None
    params = sig.parameters.values()
    defaults = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return defaults, None
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return defaults, frozenset(p.name for p in params if p.kind in named)


def check_schedules(
    setup: OptimSetup, defn: Any, hp: Mapping[str, Any], base_lr: Any, has_momentum: bool
) -> None:
    """Raises where the schedules do not fit the optimizer (mmcv's / mmengine's own errors).

    Args:
      setup: the setup.
      defn: the registered optimizer (an ``OptimizerDef`` for the built-ins).
      hp: its hyperparameters (torch's, with defaults), for a built-in.
      base_lr: its lr, ``None`` when it has none.
      has_momentum: whether it has ``momentum`` or ``betas``.
    """
    sched, opt_type = setup.schedules, setup.optimizer.type
    builtin = isinstance(defn, OptimizerDef)
    if sched.dialect == "mmengine":
        if sched.factory("lr") is not None and base_lr is None:
            raise ValueError(
                f"param_scheduler: lr schedulers need an optimizer with a learning rate; "
                f"{opt_type!r} has none"
            )
        if sched.factory("momentum") is not None:
            if not has_momentum:
                raise ValueError(
                    f"param_scheduler: optimizer {opt_type!r} has no momentum or betas; "
                    "mmengine: 'optimizer must support momentum when using momentum scheduler'"
                )
            generic = sched.generic_momentum()
            if generic and defn.momentum_key == "betas":
                raise KeyError(
                    f"{generic[0]}: param_name='momentum' schedules "
                    f"param_groups[i]['momentum'], which {opt_type!r} does not have (mmengine: "
                    "KeyError); use the *Momentum scheduler, which drives betas[0]"
                )
            if defn.name == "SGD" and defn.momentum_of(hp) == 0:
                raise ValueError(
                    "param_scheduler: a momentum scheduler on SGD with momentum=0: set "
                    "optimizer.momentum to the base value (the momentum buffer is only kept "
                    "when momentum is non-zero)"
                )
        if sched.factory("weight_decay") is not None and not (builtin and "weight_decay" in hp):
            raise KeyError(
                "param_scheduler: a weight-decay scheduler needs an optimizer with "
                "`weight_decay` in its param groups (mmengine: KeyError 'weight_decay'); "
                f"{opt_type!r} " + ("has none" if builtin else "is not a built-in optimizer")
            )
        return
    max_iters, per_epoch = sched.max_iters, sched.iters_per_epoch
    if sched.lr_config is not None:
        if base_lr is None:
            raise ValueError(
                f"lr_config needs an optimizer with a learning rate; {opt_type!r} has none"
            )
        schedules.lr_schedule(
            thaw(sched.lr_config), base_lr, max_iters=max_iters, iters_per_epoch=per_epoch
        )
    if sched.momentum_config is not None:
        if not has_momentum:
            raise ValueError(
                f"momentum_config: optimizer {opt_type!r} has no momentum or betas to schedule"
            )
        base_momentum = defn.momentum_of(hp)
        if defn.name == "SGD" and base_momentum == 0:
            raise ValueError(
                "momentum_config on SGD with momentum=0: set optimizer.momentum to the base value "
                "(the momentum buffer is only kept when momentum is non-zero)"
            )
        schedules.momentum_schedule(
            thaw(sched.momentum_config), base_momentum, max_iters=max_iters,
            iters_per_epoch=per_epoch,
        )  # fmt: skip


# ---- auto_scale_lr (both dialects) ---------------------------------------------------------


def auto_scale_ratio(cfg: Mapping[str, Any], batch_size: int | None) -> float | None:
    """mmengine's ``auto_scale_lr``: ``batch_size / base_batch_size`` when enabled, else ``None``.

    mmengine's runner multiplies every param group's lr by ``world_size *
    train_dataloader.batch_size / base_batch_size`` before the schedulers read them (mmdet
    2.x's ``auto_scale_lr`` for mmcv configs: ``optimizer.lr`` by ``num_gpus *
    samples_per_gpu / base_batch_size``). A pytree optimizer knows neither number, so
    ``batch_size`` is that product: the samples of one iteration over all devices (one
    micro-batch when accumulating, as in mmengine).

    Examples:
      >>> auto_scale_ratio(dict(auto_scale_lr=dict(enable=True, base_batch_size=16)), 64)
      4.0
      >>> auto_scale_ratio(dict(auto_scale_lr=dict(enable=False, base_batch_size=16)), 64)
    """
    auto_scale = cfg.get("auto_scale_lr")
    if auto_scale is not None and not isinstance(auto_scale, Mapping):
        raise TypeError(f"auto_scale_lr must be a dict or None, got {auto_scale!r}")
    auto_scale = auto_scale or {}
    mmengine_cfg._unknown("auto_scale_lr", auto_scale, ("enable", "base_batch_size"))
    if not isinstance(auto_scale.get("enable", False), bool):
        raise TypeError(f"auto_scale_lr.enable must be a bool, got {auto_scale['enable']!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if not auto_scale.get("enable", False):
        return None
    if "base_batch_size" not in auto_scale:
        raise KeyError("auto_scale_lr.enable=True needs `base_batch_size` (mmengine asserts it)")
    base = auto_scale["base_batch_size"]
    if isinstance(base, bool) or not isinstance(base, numbers.Real) or not 0 < base < math.inf:
        raise ValueError(f"auto_scale_lr.base_batch_size must be a number > 0, got {base!r}")
    if batch_size is None:
        raise ValueError(
            f"auto_scale_lr={dict(auto_scale)!r}: mmengine multiplies every lr by world_size * "
            "train_dataloader.batch_size / base_batch_size; pass that batch (the samples of one "
            "iteration over all devices) as batch_size=... to make_optimizer / explain (the "
            "CLI passes its data.batch_size), or set enable=False"
        )
    return float(batch_size) / float(base)


def scale_lrs(optimizer: dict[str, Any], ratio: float) -> dict[str, Any]:
    """``optimizer`` with every lr it sets (or defaults to) multiplied by ``ratio``.

    The optimizer's lr (its default when the config has none), Muon's ``fallback.lr`` and a
    custom key's absolute ``lr``: mmengine scales every param group, so every absolute lr
    scales and every multiplier stays.
    """
    out = dict(optimizer)
    keys = [k for k in ("lr", "learning_rate") if k in out]
    if not keys:
        defaults, _ = optimizer_defaults(out.get("type"))
        keys = [k for k in ("lr", "learning_rate") if isinstance(defaults.get(k), numbers.Real)]
        out.update({k: defaults[k] for k in keys[:1]})
    if not keys:
        raise ValueError(
            f"auto_scale_lr: optimizer {out.get('type')!r} has no `lr` or `learning_rate` to scale"
        )
    for key in keys[:1]:
        out[key] = out[key] * ratio
    fallback = out.get("fallback")
    if isinstance(fallback, Mapping) and "lr" in fallback:
        out["fallback"] = {**fallback, "lr": fallback["lr"] * ratio}
    paramwise_cfg = out.get("paramwise_cfg")
    custom = paramwise_cfg.get("custom_keys") if isinstance(paramwise_cfg, Mapping) else None
    if isinstance(custom, Mapping):
        custom = {
            k: {**v, "lr": v["lr"] * ratio} if isinstance(v, Mapping) and "lr" in v else v
            for k, v in custom.items()
        }
        out["paramwise_cfg"] = {**paramwise_cfg, "custom_keys": custom}
    return out
