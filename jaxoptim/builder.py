"""make_optimizer: an mmcv-style config becomes one optax transformation.

The chain, outermost first (docs/architecture.md)::

    drive_hyperparams            iteration counter; lr / momentum from lr_config / momentum_config
                                 (mmengine: lr / momentum / weight decay from param_scheduler)
      accumulate_gradients       optimizer_config.cumulative_iters > 1
        chain(
          unscale_gradients      fp16.loss_scale (static or dynamic, GradScaler semantics)
          clip_by_global_norm    optimizer_config.grad_clip (records grad_norm); or clip_by_value
          skip_not_finite(       fp16 only: a non-finite step leaves the optimizer untouched
            optimizer))          optimizer.type with per-leaf paramwise groups

Each mmcv config key is read here and nowhere else (mmengine's: :mod:`jaxoptim.mmengine_cfg`).
"""

from __future__ import annotations

import dataclasses
import numbers
import warnings
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxoptim import accumulation, clipping, loss_scale, mmengine_cfg, paramwise, schedules
from jaxoptim import plateau as plateau_lib
from jaxoptim.config import _DELETE_KEY, to_dict
from jaxoptim.kinds import check_trainable, nnx_variable_class
from jaxoptim.optimizer_base import (
    OptimizerDef,
    ParamGroups,
    cached_groups,
    decay_groups,
    torch_transform,
)
from jaxoptim.optimizers import NOT_TRANSFORMATIONS
from jaxoptim.registry import OPTIMIZER_BUILDERS, OPTIMIZERS, strip_scope
from jaxoptim.user_optimizer import user_optimizer

_HOOK_TYPES = (
    "OptimizerHook",
    "Fp16OptimizerHook",
    "GradientCumulativeOptimizerHook",
    "GradientCumulativeFp16OptimizerHook",
    "DistOptimizerHook",
)
# The DistOptimizerHook of the Swin / BEiT / ConvNeXt / PVT repositories' mmcv_custom (apex era):
# every iteration backpropagates loss / update_interval; every update_interval-th iteration
# (runner.iter + 1 divisible) clips and steps. A trailing partial window is never stepped (no
# remainder rule). use_fp16 is apex amp O1's dynamic LossScaler ('dynamic': 2**16 to start,
# halved on overflow with the step skipped, doubled after 2000 clean steps, at most 2**24).
# coalesce / bucket_size_mb only shape its all-reduce, which XLA does here.
_DIST_HOOK_KEYS = ("type", "grad_clip", "update_interval", "coalesce", "bucket_size_mb", "use_fp16")
_APEX_DYNAMIC = dict(
    init_scale=2.0**16,
    growth_factor=2.0,
    backoff_factor=0.5,
    growth_interval=2000,
    dynamic=True,
    max_scale=2.0**24,
)
_OPTIMIZER_CONFIG_KEYS = (
    "type",
    "grad_clip",
    "cumulative_iters",
    "detect_anomalous_params",
    "loss_scale",
)
# Fp16OptimizerHook's distributed-communication arguments: mmcv's torch>=1.6 hook stores and
# never uses them, and XLA does the gradient reduction here, so they are accepted with an Fp16
# hook type and have no effect (as in mmcv).
_FP16_HOOK_NO_OPS = ("coalesce", "bucket_size_mb", "distributed")


@dataclasses.dataclass(frozen=True)
class OptimizerInfo:
    """Static facts about a built optimizer (read by the train step; not part of the state).

    ``precision`` is the compute dtype the config asks for (:func:`config_precision`: mmcv's
    ``fp16`` / an Fp16OptimizerHook -> ``'float16'``, an mmengine AmpOptimWrapper -> its
    ``dtype``, ``'float16'`` when ``None``, else ``'float32'``); ``make_train_step`` uses it
    by default. ``clip_value`` is mmengine's value clipping;
    ``after_val`` is the validation step of ReduceOnPlateau schedulers
    (:func:`jaxoptim.report_val_metrics` calls it); ``shard_opt_state`` is mmengine's
    ``ZeroRedundancyOptimizer`` (``make_train_step`` with a mesh then shards the state).
    """

    optimizer_type: str
    cumulative_iters: int = 1
    max_iters: int | None = None
    loss_scaling: bool = False
    grad_clip: Mapping[str, Any] | None = None
    detect_anomalous_params: bool = False
    momentum_scheduled: bool = False
    has_momentum: bool = False
    trainable: Callable[[Any], Any] | None = None
    precision: str = "float32"
    clip_value: float | None = None
    after_val: Callable[..., Any] | None = None
    shard_opt_state: bool = False


class Optimizer(optax.GradientTransformationExtraArgs):
    """The transformation `make_optimizer` returns: an optax transformation plus `.info`."""

    info: OptimizerInfo


class HyperparamState(NamedTuple):
    """State of :func:`drive_hyperparams`.

    Attributes:
      iteration: mmcv's ``runner.iter``: update calls so far, skipped and accumulating ones
        included (the schedules follow it).
      hyperparams: ``{'lr': f32[G], 'momentum': f32[M], 'weight_decay': f32[W]}``, the group
        values used by the last update; index 0 is the optimizer's own group. Without a
        schedule these are live: set them in the state and the next update uses them (no
        recompile).
      inner_state: the state of the wrapped transformation.
      plateau: ``{'lr' / 'momentum': PlateauState}`` of mmengine's ReduceOnPlateau schedulers
        (their factors multiply the scheduled values); ``None`` without one.
    """

    iteration: jax.Array
    hyperparams: dict[str, jax.Array]
    inner_state: Any
    plateau: dict[str, plateau_lib.PlateauState] | None = None


def drive_hyperparams(
    inner: optax.GradientTransformation,
    groups: Callable[[Any], ParamGroups],
    *,
    lr: Callable[[np.ndarray], Callable[[jax.Array], jax.Array]] | None = None,
    momentum: Callable[[np.ndarray], Callable[[jax.Array], jax.Array]] | None = None,
    plateaus: Mapping[str, plateau_lib.Plateau] | None = None,
    iters_per_epoch: int | None = None,
    weight_decay: Callable[[np.ndarray], Callable[[jax.Array], jax.Array]] | None = None,
) -> tuple[optax.GradientTransformationExtraArgs, Callable[..., HyperparamState] | None]:
    """Counts iterations and hands the scheduled group hyperparameters to ``inner``.

    Args:
      inner: the transformation to drive; its ``update`` receives ``hyperparams=``.
      groups: ``tree -> ParamGroups``, giving the base value of every group.
      lr: ``bases -> schedule``; ``None`` keeps the live values in the state.
      momentum: the same for the momentum (``momentum`` or ``betas[0]``).
      plateaus: ReduceOnPlateau schedulers by parameter; each needs that parameter's schedule
        (a constant one when it has no other scheduler).
      iters_per_epoch: the epoch length (the plateaus count epochs).
      weight_decay: the same for the weight decay (needs groups with a ``weight_decay``
        vector, :func:`~jaxoptim.optimizer_base.decay_groups`).

    Returns:
      The driving transformation (state :class:`HyperparamState`), and with ``plateaus`` the
      validation step ``(state, params, metrics) -> state`` (else ``None``).
    """
    plateaus = dict(plateaus or {})

    def schedules_for(params):
        pg = groups(params)
        fns = {}
        if lr is not None:
            fns["lr"] = lr(np.asarray(pg.lr, np.float64))
        if momentum is not None and pg.momentum:
            fns["momentum"] = momentum(np.asarray(pg.momentum, np.float64))
        if weight_decay is not None and pg.weight_decay:
            fns["weight_decay"] = weight_decay(np.asarray(pg.weight_decay, np.float64))
        return pg, fns

    def values(pg, fns, iteration, current, plateau):
        hp = dict(current)
        for key, fn in fns.items():
            hp[key] = jnp.broadcast_to(jnp.asarray(fn(iteration), jnp.float32), (len(hp[key]),))
            if plateau is not None and key in plateau:
                hp[key] = hp[key] * plateau[key].scale
        fixed = [i for i, v in enumerate(pg.lr) if isinstance(v, paramwise.FixedLr)]
        if fixed and "lr" in fns:  # SimSiamHook's groups: the schedules leave them alone
            held = jnp.asarray([pg.lr[i] for i in fixed], jnp.float32)
            hp["lr"] = hp["lr"].at[np.asarray(fixed)].set(held)
        return hp

    def init_fn(params):
        pg, fns = schedules_for(params)
        hp = {"lr": jnp.asarray(pg.lr, jnp.float32)}
        if pg.momentum:
            hp["momentum"] = jnp.asarray(pg.momentum, jnp.float32)
        if pg.weight_decay:
            hp["weight_decay"] = jnp.asarray(pg.weight_decay, jnp.float32)
        plateau = {k: plateau_lib.init(p, len(hp[k])) for k, p in plateaus.items() if k in hp}
        plateau = plateau or None
        iteration = jnp.zeros([], jnp.int32)
        hp = values(pg, fns, iteration, hp, plateau)
        return HyperparamState(iteration, hp, inner.init(params), plateau)

    def update_fn(updates, state, params=None, **extra_args):
        pg, fns = schedules_for(params if params is not None else updates)
        hp = values(pg, fns, state.iteration, state.hyperparams, state.plateau)
        updates, inner_state = inner.update(
            updates, state.inner_state, params, hyperparams=hp, **extra_args
        )
        return updates, HyperparamState(state.iteration + 1, hp, inner_state, state.plateau)

    def after_val(state: HyperparamState, params: Any, metrics: Mapping[str, Any]):
        if state.plateau is None:
            raise ValueError(
                "report_val_metrics: the config has a ReduceOnPlateau scheduler, but this "
                "optimizer state has no plateau state: it was built by another transformation"
            )
        pg, fns = schedules_for(params)
        upcoming = values(pg, fns, state.iteration, state.hyperparams, state.plateau)
        plateau = dict(state.plateau)
        for key, p in plateaus.items():
            # mmengine's epoch count: after_train_epoch never runs inside an IterBasedTrainLoop
            epochs = int(state.iteration) // iters_per_epoch if p.epoch_loop else 0
            if key not in plateau or not p.begin <= epochs < p.end:
                continue  # outside its window mmengine does not read the metrics either
            if p.monitor not in metrics:
                raise KeyError(
                    f"{p.where} monitors {p.monitor!r}, which the metrics lack (they have "
                    f"{sorted(metrics)})"
                )
            plateau[key] = plateau_lib.step(
                p, plateau[key], metrics[p.monitor], upcoming[key], epochs
            )
        # the next update recomputes the values; keep the reported ones as they were
        return state._replace(plateau=plateau)

    transformation = optax.GradientTransformationExtraArgs(init_fn, update_fn)
    return transformation, (after_val if plateaus else None)


_SECTIONS = mmengine_cfg.MMCV_SECTIONS  # the mmcv-style sections make_optimizer reads
# Every top-level key jaxoptim reads (make_optimizer, explain, plot, the CLI's own keys).
_READ_SECTIONS = _SECTIONS + (
    "optim_wrapper",
    "param_scheduler",
    "train_cfg",
    "auto_scale_lr",
    "custom_imports",
    "precision",
)
# OpenMMLab's own top-level keys (mmcv 1.x / mmdet 2.x default_runtime and runners, mmengine's
# Runner.from_cfg and its configs): never a misspelled section, however close ("log_config").
_OPENMMLAB_SECTIONS = frozenset(
    """model data dataset_type data_root img_norm_cfg train_pipeline test_pipeline
    val_pipeline checkpoint_config log_config evaluation custom_hooks dist_params log_level
    load_from resume_from resume workflow opencv_num_threads mp_start_method work_dir gpu_ids
    gpu_id seed device total_epochs cudnn_benchmark find_unused_parameters persistent_workers
    default_scope default_hooks env_cfg vis_backends visualizer log_processor train_dataloader
    val_dataloader test_dataloader val_cfg test_cfg val_evaluator test_evaluator launcher
    randomness experiment_name model_wrapper_cfg runner_type backend_args data_preprocessor
    tta_model tta_pipeline compile strategy cfg_options norm_cfg""".split()
)


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions (``fp61`` is one edit from ``fp16``)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def check_section_names(cfg: Mapping[str, Any]) -> None:
    """Raises on a top-level key that is a misspelling of a section jaxoptim reads.

    A misspelled section (``lr_confg``) would otherwise be ignored and the run would train
    without it (at a constant lr). A key within one edit (two for names longer than four
    letters) of a section jaxoptim reads raises, unless it is one of OpenMMLab's own
    top-level keys (``log_config`` is not a misspelled ``lr_config``).

    Raises:
      KeyError: naming the key and the section it resembles.
    """
    for key in cfg:
        if not isinstance(key, str) or key in _READ_SECTIONS or key in _OPENMMLAB_SECTIONS:
            continue
        for section in _READ_SECTIONS:
            if _edit_distance(key.lower(), section) <= (1 if len(section) <= 4 else 2):
                raise KeyError(
                    f"the config's top-level key `{key}` is not read by jaxoptim; did you mean "
                    f"`{section}`? (a misspelled section would be ignored and the run would "
                    "train without it)"
                )


def config_precision(cfg: Mapping[str, Any]) -> str:
    """The compute dtype a config asks for, as a train-step precision.

    mmcv 1.x: an ``fp16`` section (or an ``Fp16OptimizerHook``) means float16 compute
    (``wrap_fp16_model``); mmengine: an ``AmpOptimWrapper`` computes in its ``dtype``
    (float16 when ``None``, autocast's default); anything else is float32.

    Examples:
      >>> config_precision(dict(optimizer=dict(type='SGD', lr=0.1), fp16=dict(loss_scale=512.)))
      'float16'
      >>> config_precision(dict(type='SGD', lr=0.1))
      'float32'
    """
    if "optim_wrapper" in cfg:
        return mmengine_cfg.precision_hint(cfg) or "float32"
    opt_cfg = cfg.get("optimizer_config") or {}
    fp16_hook = isinstance(opt_cfg, Mapping) and "Fp16" in str(opt_cfg.get("type", ""))
    return "float16" if cfg.get("fp16") is not None or fp16_hook else "float32"


def _refuse_delete_directive(cfg: Mapping[str, Any], where: str = "") -> None:
    """Raises on a ``_delete_`` key left in a config (mmcv would pass it on as a keyword).

    ``_delete_`` tells :meth:`Config.fromfile` to replace a base's dict instead of merging into
    it; once configs are merged it has no meaning, and a dict that still holds one was written
    by hand or merged by a tool that left it behind (mmengine keeps it when the base lacks the
    key).
    """
    for key, value in cfg.items():
        path = f"{where}.{key}" if where else str(key)
        if key == _DELETE_KEY:
            raise KeyError(
                f"`{path}`: `_delete_` is a config-inheritance directive that only "
                "Config.fromfile understands (replace the base's dict instead of merging); it "
                "has no meaning in the config given to make_optimizer: remove it"
            )
        if isinstance(value, Mapping):
            _refuse_delete_directive(value, path)


def _split_config(cfg: Any) -> dict[str, Any]:
    if not isinstance(cfg, Mapping):
        raise TypeError(
            f"make_optimizer: cfg must be a Mapping (dict or Config), got {type(cfg).__name__}"
        )
    cfg = to_dict(cfg)
    check_section_names(cfg)
    if "optimizer" in cfg:
        full = cfg
    elif "type" in cfg:
        full = {"optimizer": cfg}
    else:
        raise KeyError(
            "make_optimizer: cfg needs the key `optimizer` (a full config) or `type` (an optimizer "
            f"dict); got keys {sorted(cfg)}"
        )
    if not isinstance(full["optimizer"], Mapping):
        raise TypeError(f"`optimizer` must be a dict, got {full['optimizer']!r}")
    _refuse_delete_directive({k: v for k, v in full.items() if k in _SECTIONS})
    if "paramwise_cfg" in full:
        raise KeyError(
            "`paramwise_cfg` belongs inside `optimizer` (optimizer=dict(..., paramwise_cfg=...))"
        )
    for section in _SECTIONS[1:]:
        value = full.get(section)
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(f"`{section}` must be a dict or None, got {value!r}")
    opt_cfg = full.get("optimizer_config") or {}
    if "paramwise_cfg" in opt_cfg:
        raise KeyError(
            "`optimizer_config.paramwise_cfg` has no effect in mmcv either: "
            "move it into `optimizer`"
        )
    hook = opt_cfg.get("type", "OptimizerHook")
    if hook not in _HOOK_TYPES:
        raise KeyError(f"optimizer_config.type={hook!r} is not one of {list(_HOOK_TYPES)}")
    allowed = _OPTIMIZER_CONFIG_KEYS + (_FP16_HOOK_NO_OPS if "Fp16" in hook else ())
    if hook == "DistOptimizerHook":
        allowed = _DIST_HOOK_KEYS
    unknown = [k for k in opt_cfg if k not in allowed]
    if unknown:
        raise KeyError(f"optimizer_config: unknown key(s) {unknown}; allowed: {list(allowed)}")
    if "loss_scale" in opt_cfg and "Fp16" not in hook:
        raise KeyError(
            "optimizer_config.loss_scale needs type='Fp16OptimizerHook'; "
            "or write fp16=dict(loss_scale=...)"
        )
    return full


_RUNNER_KEYS = ("type", "max_epochs", "max_iters")


def _check_runner(runner: Mapping[str, Any]) -> None:
    """mmcv's ``runner`` section: the keys the schedules read, checked as mmcv's runners do."""
    unknown = [k for k in runner if k not in _RUNNER_KEYS]
    if unknown:
        raise KeyError(f"runner: unknown key(s) {unknown}; allowed: {list(_RUNNER_KEYS)}")
    if "type" in runner and not isinstance(runner["type"], str):
        raise TypeError(f"runner.type must be a runner's name, got {runner['type']!r}")
    for key in ("max_epochs", "max_iters"):
        value = runner.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0
        ):
            raise ValueError(f"runner.{key} must be a positive int, got {value!r}")
    if runner.get("max_epochs") is not None and runner.get("max_iters") is not None:
        raise ValueError(
            "runner: only one of `max_epochs` or `max_iters` can be set (mmcv's rule), got "
            f"max_epochs={runner['max_epochs']!r} and max_iters={runner['max_iters']!r}"
        )


# mmcv 1.x runner types whose register_training_hooks defaults ``lr_config.by_epoch`` to False
# (IterBasedRunner's override; the Amp variants of the Swin repositories subclass it). An
# EpochBasedRunner keeps the hook's own default (True). ``momentum_config`` is not defaulted.
_ITER_RUNNERS = ("IterBasedRunner", "IterBasedRunnerAmp")
_EPOCH_RUNNERS = ("EpochBasedRunner", "EpochBasedRunnerAmp")


def runner_defaults(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """An mmcv config with the defaults that mmcv's runners and train scripts fill in.

    * No ``runner`` section: ``total_epochs=N`` gives ``EpochBasedRunner(max_epochs=N)``
      (mmdet / mmcls / mmdet3d 2.x's ``train_*``), ``total_iters=N`` gives
      ``IterBasedRunner(max_iters=N)`` (mmseg 0.x's ``train_segmentor``). With a ``runner``,
      a ``total_epochs`` must equal ``runner.max_epochs`` (mmdet asserts it).
    * Under an ``IterBasedRunner`` an ``lr_config`` without ``by_epoch`` gets ``by_epoch=False``
      (``IterBasedRunner.register_training_hooks``); ``momentum_config`` keeps its policy's
      default, as in mmcv.

    Args:
      cfg: a full mmcv-style config (plain dicts).

    Returns:
      A shallow copy with ``runner`` and ``lr_config`` filled in; ``cfg`` is not changed.

    Examples:
      >>> cfg = runner_defaults(dict(lr_config=dict(policy='step', step=[2]), total_iters=4))
      >>> cfg['runner'], cfg['lr_config']['by_epoch']
      ({'type': 'IterBasedRunner', 'max_iters': 4}, False)
    """
    full = dict(cfg)
    runner = full.get("runner")
    _refuse_ipu(runner)
    for key in ("total_epochs", "total_iters"):
        value = full.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0
        ):
            raise ValueError(f"`{key}` must be a positive int, got {value!r}")
    if runner is None:
        if full.get("total_epochs") is not None:
            full["runner"] = {"type": "EpochBasedRunner", "max_epochs": full["total_epochs"]}
        elif full.get("total_iters") is not None:
            full["runner"] = {"type": "IterBasedRunner", "max_iters": full["total_iters"]}
    elif isinstance(runner, Mapping) and full.get("total_epochs") is not None:
        if runner.get("max_epochs") != full["total_epochs"]:
            raise ValueError(
                f"`total_epochs`={full['total_epochs']!r} differs from runner.max_epochs="
                f"{runner.get('max_epochs')!r} (mmdet asserts they are equal): remove one"
            )
    runner_type = (full.get("runner") or {}).get("type")
    runner_type = strip_scope(runner_type) if isinstance(runner_type, str) else runner_type
    sections = (("lr_config", "lr"), ("momentum_config", "momentum"))
    if runner_type in _ITER_RUNNERS:
        for section, kind in sections:
            conf = full.get(section)
            if not isinstance(conf, Mapping):
                continue
            conf = {"by_epoch": False, **conf} if kind == "lr" else dict(conf)
            full[section] = conf
            if conf.get("by_epoch", _policy_by_epoch(conf, kind)) is True:
                # IterBasedRunner never calls before_train_epoch, where an epoch-based
                # updater computes its values: mmcv trains with the base values throughout
                # (warmup included), recorded in tests/data/mmcv_runners.json.
                warnings.warn(
                    f"{section} has by_epoch=True under {runner_type}, which never starts an "
                    "epoch for the updater hooks: as in mmcv, the schedule is dropped and the "
                    f"{kind} stays at its base value; set {section}.by_epoch=False to schedule "
                    "it per iteration",
                    UserWarning,
                    stacklevel=3,
                )
                full[section] = None
    elif runner_type is not None and runner_type not in _EPOCH_RUNNERS:
        lacking = [s for s, _ in sections if isinstance(full.get(s), Mapping)]
        lacking = [s for s in lacking if "by_epoch" not in full[s]]
        if lacking:
            raise ValueError(
                f"runner.type={runner_type!r}: jaxoptim does not know how this runner drives "
                f"the updater hooks (mmcv's IterBasedRunner: by_epoch=False by default, "
                f"EpochBasedRunner: True); known runners: {[*_ITER_RUNNERS, *_EPOCH_RUNNERS]}. "
                f"Set `by_epoch` in {lacking} explicitly"
            )
    return full


# mmcv's IPU runners (IPUEpochBasedRunner / IPUIterBasedRunner, which mmcls 0.x's train script
# makes of the runner on device='ipu') read these keys: poptorch's model split and options.
_IPU_RUNNER_KEYS = ("ipu_model_cfg", "options_cfg", "modules_to_record")


def _refuse_ipu(runner: Any) -> None:
    if not isinstance(runner, Mapping):
        return
    kind = runner.get("type")
    ipu_keys = [k for k in _IPU_RUNNER_KEYS if k in runner]
    if ipu_keys or (isinstance(kind, str) and strip_scope(kind).startswith("IPU")):
        raise ValueError(
            f"runner (type={kind!r}, keys {ipu_keys}) is an IPU runner: mmcv's IPU runners and "
            "wrappers run the model through poptorch on Graphcore IPUs (their options_cfg sets "
            "gradient accumulation, replication and half-precision accumulators), which is out "
            "of jaxoptim's scope; remove the IPU keys to train the same optimizer on JAX devices"
        )


def _policy_by_epoch(conf: Mapping[str, Any], kind: str) -> Any:
    """The policy's own ``by_epoch`` default (``None`` for a policy the schedules will reject)."""
    try:
        policy = schedules.normalize_policy(conf.get("policy"), kind=kind)
        return schedules.policy_keys(kind)[policy]["by_epoch"]
    except (KeyError, TypeError, ValueError):
        return None


def _check_length(key: str, value: Any) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0
    ):
        raise ValueError(f"make_optimizer: `{key}` must be a positive int, got {value!r}")


def _resolve_max_iters(full, max_iters, iters_per_epoch):
    _check_length("max_iters", max_iters)
    _check_length("iters_per_epoch", iters_per_epoch)
    runner = full.get("runner") or {}
    _check_runner(runner)
    if max_iters is None:
        if runner.get("max_iters") is not None:
            max_iters = int(runner["max_iters"])
        elif runner.get("max_epochs") is not None and iters_per_epoch is not None:
            max_iters = int(runner["max_epochs"]) * int(iters_per_epoch)
    return max_iters


def _accumulation_key(opt_cfg: Mapping[str, Any]) -> str:
    return "update_interval" if opt_cfg.get("type") == "DistOptimizerHook" else "cumulative_iters"


def _dist_hook_scaler(opt_cfg: Mapping[str, Any], fp16: Any, scaler: Any) -> Any:
    """The loss scaler of a ``DistOptimizerHook``: apex amp O1's dynamic one with use_fp16."""
    use_fp16 = opt_cfg.get("use_fp16", False)
    if not isinstance(use_fp16, bool):
        raise TypeError(f"optimizer_config.use_fp16 must be a bool, got {use_fp16!r}")
    for key in ("coalesce",):
        if not isinstance(opt_cfg.get(key, True), bool):
            raise TypeError(f"optimizer_config.{key} must be a bool, got {opt_cfg[key]!r}")
    if not use_fp16:
        return scaler
    if fp16 is not None:
        raise KeyError(
            "optimizer_config: DistOptimizerHook(use_fp16=True) scales the loss with apex amp; "
            f"a `fp16` section ({fp16!r}) would scale it twice: keep one"
        )
    interval = opt_cfg.get("update_interval", 1)
    if interval != 1:
        raise ValueError(
            f"optimizer_config: DistOptimizerHook(use_fp16=True, update_interval={interval!r}): "
            "apex checks overflow and updates its loss scale after every backward, not every "
            "optimizer step; jaxoptim's scaler runs per optimizer step, so only "
            "update_interval=1 is supported with use_fp16"
        )
    return dict(_APEX_DYNAMIC)


def _loss_scaled_chain(unscale, clip, opt) -> optax.GradientTransformationExtraArgs:
    """``optax.chain(unscale, [clip,] skip_not_finite(opt))`` (same state), checking once.

    The skip stage reuses the unscale stage's ``found_inf`` instead of reading every gradient
    again; clipping cannot turn finite gradients non-finite, so the answer is the same.
    """
    skip = loss_scale.skip_not_finite(opt)
    stages = (unscale, clip, skip) if clip is not None else (unscale, skip)

    def init_fn(params):
        return tuple(stage.init(params) for stage in stages)

    def update_fn(updates, state, params=None, **extra_args):
        updates, scaler_state = unscale.update(updates, state[0], params)
        new_state = [scaler_state]
        if clip is not None:
            updates, clip_state = clip.update(updates, state[1], params)
            new_state.append(clip_state)
        finite = jnp.logical_not(scaler_state.found_inf)
        updates, skip_state = skip.update(updates, state[-1], params, finite=finite, **extra_args)
        return updates, (*new_state, skip_state)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def _unbox(tree: Any) -> Any:
    """``tree`` with every Flax nnx Variable replaced by its value (no-op without nnx)."""
    variable = nnx_variable_class()
    if variable is None or tree is None:
        return tree
    return jax.tree_util.tree_map(
        lambda x: x.get_value() if isinstance(x, variable) else x,
        tree,
        is_leaf=lambda x: isinstance(x, variable),
    )


def _plain_params(tx: optax.GradientTransformationExtraArgs) -> Optimizer:
    """``tx`` taking params and gradients as arrays or as Flax nnx Variables.

    nnx hands ``init`` its ``Param`` Variables (``nnx.Optimizer``, ``nnx.split``) and may
    re-wrap the state it keeps; the state is built from the values alone, so it has one
    structure however the params come, and the updates come back in the gradients' structure.
    """

    def init_fn(params):
        check_trainable(params, "make_optimizer(...).init")
        return tx.init(_unbox(params))

    def update_fn(updates, state, params=None, **extra_args):
        plain = _unbox(updates)
        new, state = tx.update(plain, state, _unbox(params), **extra_args)
        given = jax.tree_util.tree_structure(updates)
        if given != jax.tree_util.tree_structure(plain):  # put the Variables back
            new = jax.tree_util.tree_unflatten(given, jax.tree_util.tree_leaves(new))
        return new, state

    return Optimizer(init_fn, update_fn)


def make_optimizer(
    cfg: Mapping[str, Any],
    *,
    param_kinds: Any = None,
    max_iters: int | None = None,
    iters_per_epoch: int | None = None,
    batch_size: int | None = None,
) -> Optimizer:
    """Builds one optax transformation from an mmcv-style config.

    Args:
      cfg: a full config (key ``optimizer``; optionally ``optimizer_config``, ``fp16``,
        ``lr_config``, ``momentum_config``, ``runner``), an mmengine config (key
        ``optim_wrapper``; optionally ``param_scheduler``, ``train_cfg``; see
        :mod:`jaxoptim.mmengine_cfg`) or an optimizer dict (key ``type``).
      param_kinds: a pytree like the params whose leaves are ``'norm'``, ``'dwconv'``,
        ``'dcn_offset'`` or ``None`` (see :func:`jaxoptim.param_kinds`); without it the
        paramwise rules fall back to parameter names.
      max_iters: total iterations (schedules, accumulation remainder); default from
        ``cfg.runner``.
      iters_per_epoch: iterations per epoch, for ``by_epoch`` policies and ``max_epochs``.
      batch_size: the samples of one iteration over all devices; with
        ``auto_scale_lr=dict(enable=True, base_batch_size=B)`` every lr is multiplied by
        ``batch_size / B`` (mmengine's, and mmdet 2.x's for mmcv configs).

    Returns:
      An optax ``GradientTransformationExtraArgs`` whose ``update(grads, state, params)``
      needs ``params``. Its state carries the iteration, the live lr and momentum, the loss
      scaler and the optimizer statistics.

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> tx = make_optimizer(dict(type='SGD', lr=0.1, momentum=0.9))
      >>> params = {'w': jnp.ones(3)}
      >>> state = tx.init(params)
      >>> updates, state = tx.update({'w': jnp.ones(3)}, state, params)
      >>> optax.apply_updates(params, updates)['w']
      Array([0.9, 0.9, 0.9], dtype=float32)
    """
    engine = hook_lr = None
    if isinstance(cfg, Mapping) and "optim_wrapper" in cfg:
        check_section_names(cfg)
        hook_lr = mmengine_cfg.simsiam_lr(cfg)  # SimSiamHook's lr for fix_lr groups
        engine = mmengine_cfg.translate(
            to_dict(cfg),
            max_iters=max_iters,
            iters_per_epoch=iters_per_epoch,
            batch_size=batch_size,
        )
        cfg, max_iters = engine.mmcv, engine.max_iters
    elif isinstance(cfg, Mapping) and cfg.get("param_scheduler") is not None:
        raise KeyError(
            "`param_scheduler` is mmengine's and needs an `optim_wrapper` config; with "
            "`optimizer` (mmcv 1.x) write lr_config / momentum_config"
        )
    full = runner_defaults(_split_config(cfg))
    if engine is None:  # mmselfsup 0.x: SimSiamHook beside paramwise_options' fix_lr
        hook_lr = mmengine_cfg.simsiam_lr(full)
    optimizer = dict(full["optimizer"])
    if engine is None:  # mmdet 2.x's auto_scale_lr beside an mmcv config
        ratio = mmengine_cfg.auto_scale_ratio(full, batch_size)
        optimizer = mmengine_cfg.scale_lrs(optimizer, ratio) if ratio is not None else optimizer
    opt_type = optimizer.pop("type", None)
    if opt_type is None:
        raise KeyError("`optimizer` needs a `type` (e.g. optimizer=dict(type='SGD', lr=0.01))")
    constructor_name = optimizer.pop("constructor", "DefaultOptimizerConstructor")
    paramwise_cfg = optimizer.pop("paramwise_cfg", None)
    if strip_scope(opt_type) in NOT_TRANSFORMATIONS and opt_type not in OPTIMIZERS:
        raise ValueError(
            f"optimizer.type={opt_type!r} cannot be used: "
            f"{NOT_TRANSFORMATIONS[strip_scope(opt_type)]}"
        )
    factory = OPTIMIZERS.lookup(opt_type, key="optimizer.type")
    constructor_cls = OPTIMIZER_BUILDERS.lookup(constructor_name, key="optimizer.constructor")
    constructor = constructor_cls(dict(optimizer, type=opt_type), paramwise_cfg)
    optimizer.pop("paramwise_options", None)  # mmselfsup 0.x's: the constructor's, not torch's
    max_iters = _resolve_max_iters(full, max_iters, iters_per_epoch)
    wd_fn = engine.weight_decay if engine is not None else None

    if isinstance(factory, OptimizerDef):
        hp = factory.hyperparams(**optimizer)

        def groups(tree):
            table = paramwise.fix_lrs(constructor(tree, param_kinds), hook_lr)
            return paramwise.groups_from_table(table, factory, hp)

        groups = decay_groups(hp, groups)  # weight decay: a live vector, like lr
        lifts = wd_fn is not None and engine.weight_decay_lifts_zero
        opt = torch_transform(factory, hp, groups=groups, static_zero_decay=not lifts)
        base_lr = float(hp["lr"])
        has_momentum = factory.momentum_key is not None
    else:

        def groups(tree):
            table = paramwise.fix_lrs(constructor(tree, param_kinds), hook_lr)
            return paramwise.groups_from_table(table, None, optimizer)

        groups = cached_groups(groups)
        opt, base_lr = user_optimizer(opt_type, factory, optimizer, groups)
        has_momentum = False

    opt_cfg = dict(full.get("optimizer_config") or {})
    fp16 = full.get("fp16")
    if "loss_scale" in opt_cfg:
        fp16 = {"loss_scale": opt_cfg["loss_scale"]}
    scaler = loss_scale.parse_fp16(fp16) if fp16 is not None else None
    grad_clip = clipping.parse_grad_clip(opt_cfg.get("grad_clip"))
    cumulative = opt_cfg.get("cumulative_iters", 1)
    accumulate_until = max_iters  # mmcv's remainder rule needs the run's length
    if opt_cfg.get("type") == "DistOptimizerHook":
        cumulative, accumulate_until = opt_cfg.get("update_interval", 1), None
        scaler = _dist_hook_scaler(opt_cfg, fp16, scaler)
    detect = opt_cfg.get("detect_anomalous_params", False)
    if not isinstance(detect, bool):
        raise TypeError(f"optimizer_config.detect_anomalous_params must be a bool, got {detect!r}")

    def trainable(tree):
        pg = groups(tree)
        leaves, treedef = jax.tree_util.tree_flatten(tree)
        return jax.tree_util.tree_unflatten(treedef, [not leaf.frozen for leaf in pg.leaves])

    clip = None
    if engine is not None and engine.clip_value is not None:
        clip = clipping.clip_by_value(engine.clip_value, trainable=trainable)
    if grad_clip is not None:
        clip = clipping.clip_by_global_norm(
            grad_clip["max_norm"], grad_clip["norm_type"], trainable=trainable
        )
    if scaler is not None:
        unscale = loss_scale.unscale_gradients(**scaler, trainable=trainable)
        core = _loss_scaled_chain(unscale, clip, opt)
    elif clip is not None:
        core = optax.chain(clip, opt)
    else:
        core = opt
    if isinstance(cumulative, bool) or not isinstance(cumulative, numbers.Integral):
        raise TypeError(
            f"optimizer_config.{_accumulation_key(opt_cfg)} must be an int, got {cumulative!r}"
        )
    if cumulative > 1:
        core = accumulation.accumulate_gradients(core, int(cumulative), accumulate_until)
    elif cumulative < 1:
        raise ValueError(
            f"optimizer_config.{_accumulation_key(opt_cfg)} must be >= 1, got {cumulative}"
        )

    lr_fn = momentum_fn = None
    if engine is not None:
        lr_fn, momentum_fn = engine.lr, engine.momentum
        if lr_fn is not None and base_lr is None:
            raise ValueError(
                f"param_scheduler: lr schedulers need an optimizer with a learning rate; "
                f"{opt_type!r} has none"
            )
        if momentum_fn is not None:
            if not has_momentum:
                raise ValueError(
                    f"param_scheduler: optimizer {opt_type!r} has no momentum or betas; "
                    "mmengine: 'optimizer must support momentum when using momentum scheduler'"
                )
            if engine.generic_momentum and factory.momentum_key == "betas":
                raise KeyError(
                    f"{engine.generic_momentum[0]}: param_name='momentum' schedules "
                    f"param_groups[i]['momentum'], which {opt_type!r} does not have (mmengine: "
                    "KeyError); use the *Momentum scheduler, which drives betas[0]"
                )
            if factory.name == "SGD" and factory.momentum_of(hp) == 0:
                raise ValueError(
                    "param_scheduler: a momentum scheduler on SGD with momentum=0: set "
                    "optimizer.momentum to the base value (the momentum buffer is only kept "
                    "when momentum is non-zero)"
                )
    if wd_fn is not None and not (isinstance(factory, OptimizerDef) and "weight_decay" in hp):
        raise KeyError(
            f"param_scheduler: a weight-decay scheduler needs an optimizer with `weight_decay` "
            f"in its param groups (mmengine: KeyError 'weight_decay'); {opt_type!r} "
            + ("has none" if isinstance(factory, OptimizerDef) else "is not a built-in optimizer")
        )
    lr_config = full.get("lr_config")
    if lr_config is not None:
        if base_lr is None:
            raise ValueError(
                f"lr_config needs an optimizer with a learning rate; {opt_type!r} has none"
            )
        schedules.lr_schedule(
            lr_config, base_lr, max_iters=max_iters, iters_per_epoch=iters_per_epoch
        )

        def lr_fn(bases):
            return schedules.lr_schedule(
                lr_config, bases, max_iters=max_iters, iters_per_epoch=iters_per_epoch
            )

    momentum_config = full.get("momentum_config")
    if momentum_config is not None:
        if not has_momentum:
            raise ValueError(
                f"momentum_config: optimizer {opt_type!r} has no momentum or betas to schedule"
            )
        base_momentum = factory.momentum_of(hp)
        if factory.name == "SGD" and base_momentum == 0:
            raise ValueError(
                "momentum_config on SGD with momentum=0: set optimizer.momentum to the base value "
                "(the momentum buffer is only kept when momentum is non-zero)"
            )
        schedules.momentum_schedule(
            momentum_config, base_momentum, max_iters=max_iters, iters_per_epoch=iters_per_epoch
        )

        def momentum_fn(bases):
            return schedules.momentum_schedule(
                momentum_config, bases, max_iters=max_iters, iters_per_epoch=iters_per_epoch
            )

    plateaus = engine.plateaus if engine is not None else {}
    tx, after_val = drive_hyperparams(
        core,
        groups,
        lr=lr_fn,
        momentum=momentum_fn,
        plateaus=plateaus,
        iters_per_epoch=engine.iters_per_epoch if engine is not None else None,
        weight_decay=wd_fn,
    )
    built = _plain_params(tx)
    built.info = OptimizerInfo(
        optimizer_type=opt_type,
        cumulative_iters=cumulative,
        max_iters=max_iters,
        loss_scaling=scaler is not None,
        grad_clip=grad_clip,
        detect_anomalous_params=detect,
        momentum_scheduled=momentum_fn is not None,
        has_momentum=has_momentum,
        trainable=trainable,
        precision=(engine.precision or "float32") if engine is not None else config_precision(full),
        clip_value=engine.clip_value if engine is not None else None,
        after_val=after_val,
        shard_opt_state=engine.shard_opt_state if engine is not None else False,
    )
    return built
