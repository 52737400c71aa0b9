"""Records what mmcv 1.7.2 / mmengine 0.10.7 make of every real config in ``real_configs/``.

Run in the oracle environment of ``shared/reference/oracles.md`` (mmcv 1.7.2 built without ops,
mmengine 0.10.7 and torch 2.13.0 in one venv; ``stub`` holds an empty ``torchvision`` package that
``mmcv.runner`` imports only for model-zoo URLs); CI only reads the JSON this writes::

    PYTHONPATH=mmcv-venv/stub mmcv-venv/bin/python tests/data/gen_real_configs.py

For each config that ``real_configs/SOURCES.md`` marks ``top`` it records:

* ``loader``: ``mmcv`` for the 0.x repositories and the research forks built on them, else
  ``mmengine``;
* ``sections``: the optimizer sections (``SECTIONS``) of ``Config.fromfile(path,
  import_custom_modules=False)`` as JSON (tuples become lists; an mmengine pure-Python config's
  imported classes, ``LazyObject``, become their names), or ``error``: the loader's exception as
  ``'<type>: <message>'``;
* ``schedules``: for each epoch length in ``EPOCH_LENGTHS``, the id of the recorded schedule (or
  an ``error`` where the real library cannot build or step it).

A schedule is the lr (and momentum where a momentum schedule is set, and weight decay where an
mmengine scheduler sets it) of one parameter group whose base values are the config's
``optimizer.lr`` / ``momentum`` / ``betas[0]``, before every iteration ``i`` (the value that
trains iteration ``i``):

* mmcv: the real ``LrUpdaterHook`` / ``MomentumUpdaterHook`` built as
  ``BaseRunner.register_lr_hook`` builds them, driven by a stand-in runner as mmcv's
  ``EpochBasedRunner`` calls them
  (``before_run``; per epoch ``before_train_epoch``; per iteration ``before_train_iter``) or, for a
  runner type containing ``IterBased``, as ``IterBasedRunner`` does: ``before_run``, never
  ``before_train_epoch``, and ``runner.epoch`` = the passes its ``IterLoader`` completed before
  fetching iteration ``i``'s batch, ``(i - 1) // epoch_length`` (0 for ``i = 0``);
  ``runner.max_epochs`` is ``None`` there, and ``lr_config.by_epoch`` defaults to ``False``
  (``IterBasedRunner.register_training_hooks``; ``momentum_config`` keeps the hook's ``True``).
* mmengine: the real parameter schedulers built as ``Runner._build_param_scheduler`` builds them
  (``end`` defaults to the loop's max epochs / iterations; ``IterBasedTrainLoop`` has one epoch)
  over a torch optimizer, stepped as ``ParamSchedulerHook`` steps them: per-iteration schedulers
  after every iteration, per-epoch ones after every epoch of an ``EpochBasedTrainLoop`` (never
  under an ``IterBasedTrainLoop``). ``auto_scale_lr`` is not applied: the values are those of a
  total batch equal to its ``base_batch_size``.

Recorded iterations (``recorded``): every iteration below ``CAP``, every ``STRIDE``-th, the last
one, and both sides of every point where the value stops or starts changing (``i - 1`` and ``i``
where ``v[i] == v[i-1]`` differs from ``v[i-1] == v[i-2]``): step drops, warmup ends and restarts.
Schedules with equal recorded values are stored once (``schedules[id]``).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import traceback
import warnings
from pathlib import Path

import mmcv
import mmengine
import numpy as np
import torch

warnings.filterwarnings("ignore")

HERE = Path(__file__).parent
ROOT = HERE / "real_configs"
OUT = HERE / "real_configs_expected.json"
SECTIONS = (
    "optimizer", "optimizer_config", "fp16", "lr_config", "momentum_config", "runner",
    "optim_wrapper", "param_scheduler", "train_cfg", "auto_scale_lr",
)  # fmt: skip
EPOCH_LENGTHS = (3, 40)
CAP, STRIDE = 200, 997
# Sources read with mmcv 1.x (their code base is mmcv 1.x); all others with mmengine.
MMCV_SOURCES = re.compile(
    r"mmpretrain/mmcls-0\.x|/0\.x/|mmdetection3d/v0\.18\.1|mmrotate/main|SegFormer|"
    r"Swin-Transformer|ConvNeXt|PVT|ViT-Adapter"
)
BETAS_DEFAULT = {"Lion": (0.9, 0.99)}


def top_configs() -> list[str]:
    rows = (ROOT / "SOURCES.md").read_text().splitlines()
    return [r.split("|")[1].strip() for r in rows if r.rstrip().endswith("| yes |")]


def loader_of(path: str) -> str:
    return "mmcv" if MMCV_SOURCES.search(path.replace("__", "/")) else "mmengine"


def jsonable(value, tuples=False):
    """Plain JSON: mappings to dicts, tuples to lists (kept with ``tuples``), mmengine's lazy
    imports to their names (read without building them: their packages need not be installed)."""
    if isinstance(value, dict):
        return {str(k): jsonable(dict.__getitem__(value, k), tuples) for k in dict.keys(value)}
    if isinstance(value, (list, tuple)):
        items = [jsonable(v, tuples) for v in value]
        return tuple(items) if tuples and isinstance(value, tuple) else items
    if type(value).__name__ in ("LazyObject", "LazyAttr"):
        return getattr(value, "_imported", None) or str(value)
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, float) and not np.isfinite(value):
        return repr(value)
    return value


def torch_optimizer(optimizer: dict, fixed: dict | None = None) -> torch.optim.Optimizer:
    """One parameter group with the config's lr, momentum (or betas) and weight decay; with
    ``fixed`` (the group a ``fix_lr`` rule makes) a second group with those values."""
    params = [dict(params=[torch.nn.Parameter(torch.zeros(1))])]
    if fixed is not None:
        params.append(dict(params=[torch.nn.Parameter(torch.zeros(1))], **fixed))
    lr = dict(lr=optimizer["lr"]) if "lr" in optimizer else {}  # else torch's default, 1e-3
    if optimizer.get("weight_decay") is not None:
        lr["weight_decay"] = optimizer["weight_decay"]
    kind = str(optimizer.get("type", "SGD")).split(".")[-1]
    if "momentum" in optimizer or "betas" not in optimizer and kind in ("SGD", "LARS", "RMSprop"):
        return torch.optim.SGD(params, **lr, momentum=optimizer.get("momentum", 0.0) or 0.0)
    betas = tuple(optimizer.get("betas", BETAS_DEFAULT.get(kind, (0.9, 0.999))))
    return torch.optim.Adam(params, **lr, betas=betas)


def group_values(optimizer, names):
    group = optimizer.param_groups[0]
    out = {}
    for name in names:
        if name == "momentum" and "momentum" not in group:
            out[name] = group["betas"][0]
        elif name == "fixed_lr":
            out[name] = optimizer.param_groups[1]["lr"]
        else:
            out[name] = group[name]
    return out


# mmcv's / mmengine's hook priorities (mmcv.runner.Priority, mmengine.runner.Priority)
PRIORITIES = dict(
    HIGHEST=0, VERY_HIGH=10, HIGH=30, ABOVE_NORMAL=40, NORMAL=50, BELOW_NORMAL=60, LOW=70,
    VERY_LOW=90, LOWEST=100,
)  # fmt: skip


class SimSiamHook:
    """mmselfsup's / mmpretrain's ``SimSiamHook`` (mmselfsup/core/hooks/simsiam_hook.py in 0.x,
    mmpretrain/engine/hooks/simsiam_hook.py), restated: before every training epoch (and, with
    ``adjust_by_epoch=False``, before every iteration) it sets the lr of every param group
    whose ``fix_lr`` is true to its ``lr``."""

    def __init__(self, fix_pred_lr, lr, adjust_by_epoch=True, priority="NORMAL", **kwargs):
        self.fix_pred_lr, self.lr, self.adjust_by_epoch = fix_pred_lr, lr, adjust_by_epoch
        self.priority = PRIORITIES.get(priority, priority)

    def _fix(self, optimizer):
        if self.fix_pred_lr:
            for group in optimizer.param_groups:
                if group.get("fix_lr"):
                    group["lr"] = self.lr

    def before_train_iter(self, optimizer):
        if not self.adjust_by_epoch:
            self._fix(optimizer)

    def before_train_epoch(self, optimizer):
        self._fix(optimizer)


def simsiam_hook(hooks) -> SimSiamHook | None:
    found = [h for h in hooks or [] if str(h.get("type", "")).split(".")[-1] == "SimSiamHook"]
    if not found:
        return None
    (cfg,) = found
    return SimSiamHook(**{k: v for k, v in cfg.items() if k != "type"})


def fixed_group(loader: str, cfg: dict) -> dict | None:
    """The param group a ``fix_lr`` rule makes (its ``lr`` and ``fix_lr``), or None.

    mmengine's DefaultOptimWrapperConstructor copies every entry of the custom key into the
    group (``lr = base lr * lr_mult``, then the entry's own keys); mmcv 1.x's drops unknown
    entries, so there only mmselfsup 0.x's constructor (``optimizer.paramwise_options``:
    regular expressions, each match sets its options, ``*_mult`` multiplying the optimizer's
    value) makes one.
    """
    if loader == "mmengine":
        optimizer = cfg["optim_wrapper"].get("optimizer", {})
        rules = (cfg["optim_wrapper"].get("paramwise_cfg") or {}).get("custom_keys") or {}
    else:
        optimizer = cfg.get("optimizer") or {}
        rules = optimizer.get("paramwise_options") or {}
    for options in rules.values():
        if options.get("fix_lr"):
            group = dict(lr=optimizer["lr"] * options.get("lr_mult", 1.0))
            group.update({k: v for k, v in options.items() if not k.endswith("_mult")})
            return group
    return None


def mmpretrain_schedulers():
    """mmpretrain's CosineAnnealingWeightDecay (mmpretrain/engine/schedulers/
    weight_decay_scheduler.py), restated on mmengine's CosineAnnealingParamScheduler: its
    chainable cosine, except that a group whose base weight decay is 0 stays 0."""
    from mmengine.optim.scheduler import CosineAnnealingParamScheduler
    from mmengine.registry import PARAM_SCHEDULERS

    class CosineAnnealingWeightDecay(CosineAnnealingParamScheduler):
        def __init__(self, optimizer, *args, **kwargs):
            super().__init__(optimizer, "weight_decay", *args, **kwargs)

        def _get_value(self):
            values = super()._get_value()
            return [0 if b == 0 else v for b, v in zip(self.base_values, values)]

    if "CosineAnnealingWeightDecay" not in PARAM_SCHEDULERS.module_dict:
        PARAM_SCHEDULERS.register_module(module=CosineAnnealingWeightDecay)


class StandInRunner:
    """The attributes mmcv's updater hooks read."""

    def __init__(self, optimizer, max_epochs, max_iters, epoch_length):
        self.optimizer = optimizer
        self.max_epochs = max_epochs
        self.max_iters = max_iters
        self.data_loader = [None] * epoch_length
        self.epoch = 0
        self.iter = 0
        self.inner_iter = 0


def mmcv_hook(config: dict, kind: str):
    from mmcv.runner.hooks import HOOKS

    config = dict(config)
    policy = config.pop("policy")
    if policy == policy.lower():
        policy = policy.title()
    suffix = "LrUpdaterHook" if kind == "lr" else "MomentumUpdaterHook"
    config["type"] = policy + suffix
    return mmcv.build_from_cfg(config, HOOKS)


def mmcv_schedule(cfg: dict, epoch_length: int, hooks=None):
    runner_cfg = cfg.get("runner")
    if runner_cfg is None:
        raise ValueError("no `runner` section (mmcv's build_runner needs one)")
    fixed = fixed_group("mmcv", cfg)
    optimizer = torch_optimizer(cfg["optimizer"], fixed)
    simsiam = simsiam_hook(hooks)
    iter_based = "IterBased" in runner_cfg["type"]
    if iter_based:
        max_epochs, max_iters = None, runner_cfg["max_iters"]
    else:
        max_epochs = runner_cfg["max_epochs"]
        max_iters = max_epochs * epoch_length
    runner = StandInRunner(optimizer, max_epochs, max_iters, epoch_length)
    hooks, names = [], ["lr"]
    lr = cfg.get("lr_config") is not None
    if lr:
        lr_config = dict(cfg["lr_config"])
        if iter_based:  # IterBasedRunner.register_training_hooks; momentum_config is not defaulted
            lr_config.setdefault("by_epoch", False)
        hooks.append(mmcv_hook(lr_config, "lr"))
    if cfg.get("momentum_config") is not None:
        hooks.append(mmcv_hook(cfg["momentum_config"], "momentum"))
        names.append("momentum")
    for hook in hooks:
        hook.before_run(runner)
    if fixed is not None:
        names.append("fixed_lr")
    if simsiam is not None:
        # mmcv runs hooks by priority, a later-registered one (custom hooks come after the
        # lr / momentum updaters) after those of equal priority
        # (BaseRunner.register_lr_hook: 'VERY_HIGH', register_momentum_hook: 'HIGH')
        order = [(PRIORITIES["VERY_HIGH" if i == 0 and lr else "HIGH"], hook)
                 for i, hook in enumerate(hooks)]  # fmt: skip
        order.append((simsiam.priority, simsiam))
        order.sort(key=lambda item: item[0])  # stable
        hooks = [hook for _, hook in order]
    values = []
    for i in range(max_iters):
        runner.iter = i
        runner.inner_iter = i % epoch_length
        if iter_based:
            runner.epoch = 0 if i == 0 else (i - 1) // epoch_length
        elif i % epoch_length == 0:
            runner.epoch = i // epoch_length
            for hook in hooks:
                hook.before_train_epoch(optimizer if hook is simsiam else runner)
        for hook in hooks:
            hook.before_train_iter(optimizer if hook is simsiam else runner)
        values.append(group_values(optimizer, names))
    return max_iters, values


def mmengine_schedule(cfg: dict, epoch_length: int, hooks=None):
    import mmengine.optim  # noqa: F401 - registers mmengine's schedulers
    from mmengine.registry import PARAM_SCHEDULERS

    mmpretrain_schedulers()

    train_cfg = cfg.get("train_cfg")
    if train_cfg is None:
        raise ValueError("no `train_cfg` section (mmengine's Runner needs one to train)")
    loop = str(train_cfg.get("type", ""))
    iter_based = "IterBased" in loop or (not loop and train_cfg.get("by_epoch") is False)
    if iter_based:
        max_epochs, max_iters = 1, train_cfg["max_iters"]
    else:
        max_epochs = train_cfg["max_epochs"]
        max_iters = max_epochs * epoch_length
    wrapper = cfg["optim_wrapper"]
    fixed = fixed_group("mmengine", cfg)
    optimizer = torch_optimizer(dict(wrapper.get("optimizer", {})), fixed)
    simsiam = simsiam_hook(hooks)
    schedulers, names = [], ["lr"]
    scheduler_cfgs = cfg.get("param_scheduler") or []
    if isinstance(scheduler_cfgs, dict):
        scheduler_cfgs = [scheduler_cfgs]
    for s in scheduler_cfgs:
        s = dict(s)
        s.setdefault("end", max_epochs if s.get("by_epoch", True) else max_iters)
        scheduler = PARAM_SCHEDULERS.build(
            s, default_args=dict(optimizer=optimizer, epoch_length=epoch_length)
        )
        schedulers.append(scheduler)
        name = scheduler.param_name
        if name not in names:
            names.append(name)
    if fixed is not None:
        names.append("fixed_lr")
    values = []
    for i in range(max_iters):
        # SimSiamHook acts before the epoch / iteration, ParamSchedulerHook after it: their
        # order does not matter; IterBasedTrainLoop starts its one epoch once
        if simsiam is not None:
            if i % epoch_length == 0 and (i == 0 or not iter_based):
                simsiam.before_train_epoch(optimizer)
            simsiam.before_train_iter(optimizer)
        values.append(group_values(optimizer, names))
        for s in schedulers:
            if not s.by_epoch:
                s.step()
        if not iter_based and (i + 1) % epoch_length == 0:
            for s in schedulers:
                if s.by_epoch:
                    s.step()
    return max_iters, values


def recorded(values: np.ndarray) -> list[int]:
    """The iterations kept of a run (see the module docstring)."""
    n = len(values)
    keep = set(range(min(n, CAP))) | set(range(0, n, STRIDE)) | {n - 1}
    same = np.all(values[1:] == values[:-1], axis=tuple(range(1, values.ndim)))
    for i in np.nonzero(same[1:] != same[:-1])[0] + 2:  # v[i]==v[i-1] differs from the step before
        keep.update((int(i) - 1, int(i)))
    return sorted(keep)


def record_schedule(loader: str, cfg: dict, epoch_length: int, store: dict, hooks=None) -> dict:
    try:
        build = mmcv_schedule if loader == "mmcv" else mmengine_schedule
        max_iters, values = build(cfg, epoch_length, hooks)
    except Exception as e:  # the real library's own failure is the record
        return dict(error=f"{type(e).__name__}: {e}")
    names = list(values[0])
    table = np.array([[v[n] for n in names] for v in values], dtype=np.float64)
    keep = recorded(table)
    entry = dict(
        max_iters=max_iters,
        epoch_length=epoch_length,
        iterations=keep,
        **{n: table[keep, j].tolist() for j, n in enumerate(names)},
    )
    key = hashlib.sha1(json.dumps(entry, sort_keys=True).encode()).hexdigest()[:12]
    store[key] = entry
    return dict(id=key)


def main():
    from mmcv import Config as MmcvConfig
    from mmengine import Config as EngineConfig

    store: dict = {}
    configs = {}
    for path in top_configs():
        loader = loader_of(path)
        Config = MmcvConfig if loader == "mmcv" else EngineConfig
        record: dict = dict(loader=loader)
        try:
            cfg = Config.fromfile(str(ROOT / path), import_custom_modules=False)
        except Exception as e:  # noqa: BLE001 - the loader's failure is the record
            record["error"] = f"{type(e).__name__}: {e}"
            configs[path] = record
            continue
        raw = cfg._cfg_dict
        sections = {k: jsonable(dict.__getitem__(raw, k)) for k in SECTIONS if k in raw}
        record["sections"] = sections
        plain = {k: jsonable(dict.__getitem__(raw, k), True) for k in SECTIONS if k in raw}
        hooks = jsonable(dict.get(raw, "custom_hooks"))
        try:
            record["schedules"] = {
                str(n): record_schedule(loader, plain, n, store, hooks) for n in EPOCH_LENGTHS
            }
        except Exception:
            traceback.print_exc()
            raise
        configs[path] = record
    data = dict(
        generator="tests/data/gen_real_configs.py",
        mmcv_version=mmcv.__version__,
        mmengine_version=mmengine.__version__,
        torch_version=torch.__version__,
        python=sys.version.split()[0],
        epoch_lengths=list(EPOCH_LENGTHS),
        configs=configs,
        schedules=store,
    )
    OUT.write_text(json.dumps(data, indent=None, separators=(",", ":")) + "\n")
    errors = sum("error" in r for r in configs.values())
    print(f"wrote {len(configs)} configs ({errors} loader errors), {len(store)} schedules to {OUT}")


if __name__ == "__main__":
    main()
