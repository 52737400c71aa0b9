"""mmcv 1.x configs (``optimizer``, ``optimizer_config``, ``fp16``, ``lr_config``,
``momentum_config``, ``runner``) for the front end, :mod:`jaxoptim.frontend`.

mmcv 1.x / mmdet 2.x / mmseg 0.x / mmcls 0.x configs describe the optimizer with these sections::

    optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4,
                     paramwise_cfg=dict(norm_decay_mult=0.0))
    optimizer_config = dict(grad_clip=dict(max_norm=35, norm_type=2), cumulative_iters=2)
    fp16 = dict(loss_scale='dynamic')
    lr_config = dict(policy='step', warmup='linear', warmup_iters=500, step=[8, 11])
    runner = dict(type='EpochBasedRunner', max_epochs=12)

Here they are checked as mmcv checks them (:func:`split_config`), completed with the defaults
mmcv's runners and the train scripts fill in (:func:`runner_defaults`), and the run's length is
resolved (:func:`resolve_max_iters`); the misspelled-section check
(:func:`check_section_names`) covers both dialects. mmengine configs reach this module too,
mapped onto these sections by :func:`jaxoptim.mmengine_cfg.translate`.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

from jaxoptim import clipping, loss_scale, mmengine_cfg, schedules
from jaxoptim import config as config_lib
from jaxoptim.config import _DELETE_KEY, to_dict
from jaxoptim.registry import strip_scope

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


_SECTIONS = mmengine_cfg.MMCV_SECTIONS  # the mmcv-style sections
# Every top-level key jaxoptim reads (make_optimizer, explain, plot, the CLI's own keys).
_READ_SECTIONS = config_lib.SECTIONS + ("custom_imports", "precision")
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


def refuse_delete_directive(cfg: Mapping[str, Any], where: str = "") -> None:
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
            refuse_delete_directive(value, path)


def split_config(cfg: Any) -> dict[str, Any]:
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
    checked = {k: v for k, v in full.items() if k in _SECTIONS}
    # the paramwise rules' dict is checked where the rules are built (ParamwiseSpec.build): a
    # schedule plot does not read it (mmengine keeps a `_delete_` the bases had no key for)
    checked["optimizer"] = {k: v for k, v in full["optimizer"].items() if k != "paramwise_cfg"}
    refuse_delete_directive(checked)
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
ITER_RUNNERS = ("IterBasedRunner", "IterBasedRunnerAmp")
EPOCH_RUNNERS = ("EpochBasedRunner", "EpochBasedRunnerAmp")


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
    if runner_type in ITER_RUNNERS:
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
    elif runner_type is not None and runner_type not in EPOCH_RUNNERS:
        lacking = [s for s, _ in sections if isinstance(full.get(s), Mapping)]
        lacking = [s for s in lacking if "by_epoch" not in full[s]]
        if lacking:
            raise ValueError(
                f"runner.type={runner_type!r}: jaxoptim does not know how this runner drives "
                f"the updater hooks (mmcv's IterBasedRunner: by_epoch=False by default, "
                f"EpochBasedRunner: True); known runners: {[*ITER_RUNNERS, *EPOCH_RUNNERS]}. "
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


def resolve_max_iters(full, max_iters, iters_per_epoch):
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


def accumulation_key(opt_cfg: Mapping[str, Any]) -> str:
    return "update_interval" if opt_cfg.get("type") == "DistOptimizerHook" else "cumulative_iters"


def dist_hook_scaler(opt_cfg: Mapping[str, Any], fp16: Any, scaler: Any) -> Any:
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


class Hooks(NamedTuple):
    """What the optimizer hook and ``fp16`` ask for (:func:`optimizer_hooks`)."""

    loss_scale: dict[str, Any] | None
    grad_clip: dict[str, float] | None
    every: int
    remainder: bool
    detect_anomalous_params: bool


def optimizer_hooks(full: Mapping[str, Any]) -> Hooks:
    """``optimizer_config`` and ``fp16`` of a checked config (:func:`split_config`): the loss
    scaler's arguments, norm clipping, accumulation and ``detect_anomalous_params``.

    ``fp16`` / an Fp16OptimizerHook's ``loss_scale`` give GradScaler's arguments; a
    DistOptimizerHook accumulates over ``update_interval`` without mmcv's remainder rule and,
    with ``use_fp16``, scales with apex's dynamic scaler.

    Raises:
      TypeError, ValueError: a malformed value (named).
    """
    opt_cfg = dict(full.get("optimizer_config") or {})
    fp16 = full.get("fp16")
    if "loss_scale" in opt_cfg:
        fp16 = {"loss_scale": opt_cfg["loss_scale"]}
    scaler = loss_scale.parse_fp16(fp16) if fp16 is not None else None
    grad_clip = clipping.parse_grad_clip(opt_cfg.get("grad_clip"))
    every, remainder = opt_cfg.get("cumulative_iters", 1), True
    if opt_cfg.get("type") == "DistOptimizerHook":
        every, remainder = opt_cfg.get("update_interval", 1), False
        scaler = dist_hook_scaler(opt_cfg, fp16, scaler)
    detect = opt_cfg.get("detect_anomalous_params", False)
    if not isinstance(detect, bool):
        raise TypeError(f"optimizer_config.detect_anomalous_params must be a bool, got {detect!r}")
    if isinstance(every, bool) or not isinstance(every, numbers.Integral):
        raise TypeError(
            f"optimizer_config.{accumulation_key(opt_cfg)} must be an int, got {every!r}"
        )
    if every < 1:
        raise ValueError(f"optimizer_config.{accumulation_key(opt_cfg)} must be >= 1, got {every}")
    return Hooks(scaler, grad_clip, int(every), remainder, detect)
