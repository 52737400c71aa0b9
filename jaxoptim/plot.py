"""Plots a config's lr (and momentum) schedule against the iteration.

:func:`schedule_values` evaluates the schedules of a full config at every iteration (one
vectorized call), :func:`draw_schedules` draws them on a matplotlib figure and
:func:`plot_schedules` writes that figure to a PNG. matplotlib is imported only here, lazily
(``pip install jaxoptim[plot]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxoptim.frontend import OptimSetup, normalize, optimizer_defaults
from jaxoptim.schedules import normalize_policy


def schedule_values(
    cfg: Mapping[str, Any] | OptimSetup,
    *,
    max_iters: int | None = None,
    iters_per_epoch: int | None = None,
    base_lr: float | np.ndarray | None = None,
    base_momentum: float | np.ndarray | None = None,
    batch_size: int | None = None,
) -> dict[str, np.ndarray]:
    """The lr (and momentum) of a full config at every iteration.

    Args:
      cfg: a full config: ``optimizer`` (``lr``, ``momentum`` or ``betas``), ``lr_config``,
        optionally ``momentum_config`` and ``runner`` (``max_iters``, or ``max_epochs`` with
        ``iters_per_epoch``); or an mmengine config (``optim_wrapper``, ``param_scheduler``,
        ``train_cfg``); or an :class:`~jaxoptim.frontend.OptimSetup` (then ``max_iters``,
        ``iters_per_epoch`` and ``batch_size`` go to :func:`jaxoptim.normalize`).
      max_iters: the length to evaluate; default from ``cfg.runner``.
      iters_per_epoch: iterations per epoch (by_epoch policies, ``runner.max_epochs``).
      base_lr: the base lr (a number or per-group array); default ``optimizer.lr``, or the
        default of the optimizer type (torch's ``Adam``: 1e-3) where the config sets none.
      base_momentum: the base momentum; default ``optimizer.momentum`` or ``betas[0]``.
      batch_size: the samples of one iteration, for ``auto_scale_lr`` (as ``make_optimizer``).

    Returns:
      ``{'iteration': int array [N], 'lr': float32 array [N] or [N, G]}`` plus ``'momentum'``
      when a schedule drives it (``'weight_decay'`` likewise), and ``'fixed_lr'``: the lr of
      the ``fix_lr`` groups that a SimSiamHook holds (``custom_hooks``), when the config has
      such groups. Without a schedule the lr is constant. An mmengine ``ReduceOnPlateau*``
      scheduler depends on validation metrics: the values are those before any reduction.

    Raises:
      ValueError: the length or a base value cannot be found (the message names the key).

    Examples:
      >>> cfg = dict(optimizer=dict(type='SGD', lr=0.1),
      ...            lr_config=dict(policy='step', step=[2], by_epoch=False),
      ...            runner=dict(type='IterBasedRunner', max_iters=4))
      >>> [round(float(v), 4) for v in schedule_values(cfg)['lr']]
      [0.1, 0.1, 0.01, 0.01]
    """
    setup = normalize(
        cfg, max_iters=max_iters, iters_per_epoch=iters_per_epoch, batch_size=batch_size
    )
    sched, run = setup.schedules, setup.run
    length = run.max_iters
    if length is None:
        if run.max_epochs is not None:
            key = "train_cfg.max_epochs" if setup.dialect == "mmengine" else "runner.max_epochs"
            raise ValueError(f"plot: {key} needs iters_per_epoch to give the length in iterations")
        if setup.dialect == "mmengine":
            raise ValueError("plot: no length: pass max_iters or set train_cfg")
        raise ValueError(
            "plot: no length: pass max_iters or set runner.max_iters / runner.max_epochs"
        )
    factories = {key: sched.factory(key) for key in ("lr", "momentum", "weight_decay")}
    optimizer = _with_defaults(setup.optimizer.config(), factories["momentum"] is not None)
    bases = {"lr": base_lr, "momentum": base_momentum, "weight_decay": None}
    if bases["lr"] is None:
        bases["lr"] = optimizer.get("lr")
        if bases["lr"] is None and _one_cycle(sched.lr_config, "lr"):
            bases["lr"] = 0.0  # OneCycle derives its base from max_lr
    if bases["momentum"] is None:
        bases["momentum"] = optimizer.get("momentum")
        if bases["momentum"] is None and optimizer.get("betas") is not None:
            bases["momentum"] = optimizer["betas"][0]
        if bases["momentum"] is None and _one_cycle(sched.momentum_config, "momentum"):
            bases["momentum"] = 0.0  # OneCycle runs between its own base/max momentum
    bases["weight_decay"] = optimizer.get("weight_decay")
    iterations = jnp.arange(length)
    values = {"iteration": np.arange(length)}
    for key, factory in factories.items():
        if factory is None and key != "lr":
            continue
        if bases[key] is None:
            section = sched.section(key)
            if key == "lr" and section == "lr_config":
                raise ValueError("plot: optimizer.lr is not set; pass base_lr=...")
            if key == "momentum" and section == "momentum_config":
                raise ValueError(
                    "plot: momentum_config needs optimizer.momentum or optimizer.betas; "
                    "pass base_momentum=..."
                )
            raise ValueError(f"plot: optimizer.{key} is not set; pass base_{key}=...")
        base = np.asarray(bases[key], np.float64)
        if factory is None:
            values[key] = np.broadcast_to(_f32(base), (length,) + base.shape).copy()
        else:
            f = factory(base.reshape(-1))
            values[key] = np.asarray(jax.jit(jax.vmap(f))(iterations)).reshape(
                (length,) + base.shape
            )
    if setup.paramwise.fixed_lr is not None and setup.paramwise.has_fix_lr_rule:
        # SimSiamHook sets these groups' lr before every epoch (or iteration) it acts, after
        # the schedules; the front end refuses a schedule that would move it in between
        values["fixed_lr"] = np.full(length, setup.paramwise.fixed_lr, np.float32)
    return values


def _one_cycle(config: Mapping[str, Any] | None, kind: str) -> bool:
    policy = config.get("policy") if isinstance(config, Mapping) else None
    return isinstance(policy, str) and normalize_policy(policy, kind=kind) == "OneCycle"


def _with_defaults(optimizer: Mapping[str, Any], momentum: bool) -> dict[str, Any]:
    """``optimizer`` with the lr (and momentum) its type defaults to where it sets none.

    torch fills a param group from the optimizer's defaults (``Adam``: ``lr=1e-3``,
    ``betas=(0.9, 0.999)``), and the lr hooks / parameter schedulers start from the group's
    value, as ``make_optimizer`` does. The momentum is looked up only for a ``momentum``
    schedule.
    """
    out = dict(optimizer)
    if "lr" not in out and "learning_rate" in out:
        out["lr"] = out["learning_rate"]
    wanted = [] if "lr" in out else ["lr"]
    if momentum and "momentum" not in out and "betas" not in out:
        wanted += ["momentum", "betas"]
    if out.get("type") is None or not wanted:
        return out
    defaults, _ = optimizer_defaults(out["type"])
    for key in wanted:
        if defaults.get(key) is not None:
            out[key] = defaults[key]
    return out


def _f32(x):
    return np.asarray(x, np.float32)


def draw_schedules(values: Mapping[str, np.ndarray], *, title: str | None = None) -> Any:
    """A matplotlib ``Figure`` with one panel per schedule in ``values``.

    Args:
      values: the output of :func:`schedule_values`.
      title: the figure title.

    Returns:
      The figure (not attached to pyplot; call ``savefig`` on it).
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("plotting schedules needs matplotlib: pip install jaxoptim[plot]") from e
    keys = [k for k in ("lr", "momentum") if k in values]
    fig = Figure(figsize=(8, 3 * len(keys)), constrained_layout=True)
    axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    x = values["iteration"]
    for ax, key in zip(axes, keys, strict=True):
        y = np.asarray(values[key])
        columns = y.reshape(len(x), -1)
        for g in range(columns.shape[1]):
            label = f"group {g}" if columns.shape[1] > 1 else None
            ax.plot(x, columns[:, g], label=label)
        if key == "lr" and "fixed_lr" in values:  # SimSiamHook's groups
            ax.plot(x, values["fixed_lr"], linestyle="--", label="fix_lr groups")
        ax.set_ylabel(key)
        ax.grid(True, alpha=0.3)
        if columns.shape[1] > 1 or (key == "lr" and "fixed_lr" in values):
            ax.legend()
    axes[-1].set_xlabel("iteration")
    if title:
        fig.suptitle(title)
    return fig


def plot_schedules(
    cfg: Mapping[str, Any] | OptimSetup,
    out_path: str | Path,
    *,
    max_iters: int | None = None,
    iters_per_epoch: int | None = None,
    base_lr: float | np.ndarray | None = None,
    base_momentum: float | np.ndarray | None = None,
    batch_size: int | None = None,
) -> Path:
    """Writes a PNG of the config's lr (and momentum) against the iteration.

    Args:
      cfg: a full config or a setup (see :func:`schedule_values`).
      out_path: the PNG to write (parent directories are created).
      max_iters: the length; default from ``cfg.runner``.
      iters_per_epoch: iterations per epoch.
      base_lr: the base lr; default ``optimizer.lr``.
      base_momentum: the base momentum; default ``optimizer.momentum`` or ``betas[0]``.
      batch_size: the samples of one iteration, for ``auto_scale_lr``.

    Returns:
      The path written.

    Raises:
      ImportError: matplotlib is not installed (``pip install jaxoptim[plot]``).
    """
    setup = normalize(
        cfg, max_iters=max_iters, iters_per_epoch=iters_per_epoch, batch_size=batch_size
    )
    values = schedule_values(setup, base_lr=base_lr, base_momentum=base_momentum)
    sched = setup.schedules
    if setup.dialect == "mmengine":
        scheds = sched.param_scheduler or []
        scheds = [scheds] if isinstance(scheds, Mapping) else scheds
        names = [str(s.get("type")) for s in scheds if isinstance(s, Mapping)]
        parts = [" + ".join(names) or "constant"]
    else:
        parts = [f"lr: {_describe(sched.lr_config)}"]
        if "momentum" in values:
            parts.append(f"momentum: {_describe(sched.momentum_config, 'momentum')}")
    fig = draw_schedules(values, title="   ".join(parts))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png", dpi=100)
    return out


def _policy(config: Mapping[str, Any], kind: str = "lr") -> str | None:
    policy = config.get("policy") if isinstance(config, Mapping) else None
    return normalize_policy(policy, kind=kind) if isinstance(policy, str) else None


def _describe(config: Mapping[str, Any] | None, kind: str = "lr") -> str:
    if config is None:
        return "constant"
    warmup = config.get("warmup")
    return f"{_policy(config, kind)}" + (f" + {warmup} warmup" if warmup else "")
