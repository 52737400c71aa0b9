"""make_optimizer: an optimizer setup becomes one optax transformation.

The config (either dialect) is read by :func:`jaxoptim.frontend.normalize`; this module only
assembles the chain from the :class:`~jaxoptim.frontend.OptimSetup`, outermost first
(docs/architecture.md)::

    drive_hyperparams            iteration counter; lr / momentum / weight decay from
                                 setup.schedules
      accumulate_gradients       setup.accumulation.every > 1
        chain(
          unscale_gradients      setup.loss_scale (static or dynamic, GradScaler semantics)
          clip_by_global_norm    setup.grad_clip (records grad_norm); or clip_by_value
                                 (setup.clip_value)
          skip_not_finite(       loss scaling only: a non-finite step leaves the optimizer as is
            optimizer))          setup.optimizer with per-leaf groups from setup.paramwise
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxoptim import accumulation, clipping, loss_scale, paramwise
from jaxoptim import plateau as plateau_lib
from jaxoptim.frontend import (  # noqa: F401 - check_section_names, config_precision and
    OptimSetup,  # runner_defaults lived here: their old import path keeps working
    check_schedules,
    check_section_names,
    config_precision,
    normalize,
    runner_defaults,
    thaw,
)
from jaxoptim.kinds import check_trainable, nnx_variable_class
from jaxoptim.optimizer_base import (
    OptimizerDef,
    ParamGroups,
    cached_groups,
    decay_groups,
    torch_transform,
)
from jaxoptim.optimizers import NOT_TRANSFORMATIONS
from jaxoptim.registry import OPTIMIZERS, strip_scope
from jaxoptim.user_optimizer import user_optimizer


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
    cfg: Mapping[str, Any] | OptimSetup,
    *,
    param_kinds: Any = None,
    max_iters: int | None = None,
    iters_per_epoch: int | None = None,
    batch_size: int | None = None,
) -> Optimizer:
    """Builds one optax transformation from an mmcv-style or mmengine config.

    Args:
      cfg: a full config (key ``optimizer``; optionally ``optimizer_config``, ``fp16``,
        ``lr_config``, ``momentum_config``, ``runner``), an mmengine config (key
        ``optim_wrapper``; optionally ``param_scheduler``, ``train_cfg``; see
        :mod:`jaxoptim.mmengine_cfg`), an optimizer dict (key ``type``), or an
        :class:`~jaxoptim.frontend.OptimSetup` from :func:`jaxoptim.normalize` (then
        ``max_iters``, ``iters_per_epoch`` and ``batch_size`` go to ``normalize``).
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
    if not isinstance(cfg, (Mapping, OptimSetup)):
        raise TypeError(
            f"make_optimizer: cfg must be a Mapping (dict or Config), got {type(cfg).__name__}"
        )
    setup = normalize(
        cfg, max_iters=max_iters, iters_per_epoch=iters_per_epoch, batch_size=batch_size
    )
    opt_type = setup.optimizer.type
    if strip_scope(opt_type) in NOT_TRANSFORMATIONS and opt_type not in OPTIMIZERS:
        raise ValueError(
            f"optimizer.type={opt_type!r} cannot be used: "
            f"{NOT_TRANSFORMATIONS[strip_scope(opt_type)]}"
        )
    factory = OPTIMIZERS.lookup(opt_type, key="optimizer.type")
    constructor = setup.paramwise.build(setup.optimizer)
    hook_lr = setup.paramwise.fixed_lr
    optimizer = thaw(setup.optimizer.kwargs)
    sched = setup.schedules
    wd_fn = sched.factory("weight_decay")

    if isinstance(factory, OptimizerDef):
        hp = factory.hyperparams(**optimizer)

        def groups(tree):
            table = paramwise.fix_lrs(constructor(tree, param_kinds), hook_lr)
            return paramwise.groups_from_table(table, factory, hp)

        groups = decay_groups(hp, groups)  # weight decay: a live vector, like lr
        lifts = wd_fn is not None and sched.lifts_zero("weight_decay")
        opt = torch_transform(factory, hp, groups=groups, static_zero_decay=not lifts)
        base_lr = float(hp["lr"])
        has_momentum = factory.momentum_key is not None
    else:
        hp = {}

        def groups(tree):
            table = paramwise.fix_lrs(constructor(tree, param_kinds), hook_lr)
            return paramwise.groups_from_table(table, None, optimizer)

        groups = cached_groups(groups)
        opt, base_lr = user_optimizer(opt_type, factory, optimizer, groups)
        has_momentum = False

    def trainable(tree):
        pg = groups(tree)
        leaves, treedef = jax.tree_util.tree_flatten(tree)
        return jax.tree_util.tree_unflatten(treedef, [not leaf.frozen for leaf in pg.leaves])

    grad_clip = thaw(setup.grad_clip)
    clip = None
    if setup.clip_value is not None:
        clip = clipping.clip_by_value(setup.clip_value, trainable=trainable)
    if grad_clip is not None:
        clip = clipping.clip_by_global_norm(
            grad_clip["max_norm"], grad_clip["norm_type"], trainable=trainable
        )
    if setup.loss_scale is not None:
        unscale = loss_scale.unscale_gradients(**thaw(setup.loss_scale), trainable=trainable)
        core = _loss_scaled_chain(unscale, clip, opt)
    elif clip is not None:
        core = optax.chain(clip, opt)
    else:
        core = opt
    every = setup.accumulation.every
    if every > 1:  # mmcv's remainder rule needs the run's length
        until = setup.run.max_iters if setup.accumulation.remainder else None
        core = accumulation.accumulate_gradients(core, every, until)

    check_schedules(setup, factory, hp, base_lr, has_momentum)
    momentum_fn = sched.factory("momentum")
    tx, after_val = drive_hyperparams(
        core,
        groups,
        lr=sched.factory("lr"),
        momentum=momentum_fn,
        plateaus=sched.plateaus(),
        iters_per_epoch=setup.run.iters_per_epoch,
        weight_decay=wd_fn,
    )
    built = _plain_params(tx)
    built.info = OptimizerInfo(
        optimizer_type=opt_type,
        cumulative_iters=every,
        max_iters=setup.run.max_iters,
        loss_scaling=setup.loss_scale is not None,
        grad_clip=grad_clip,
        detect_anomalous_params=setup.detect_anomalous_params,
        momentum_scheduled=momentum_fn is not None,
        has_momentum=has_momentum,
        trainable=trainable,
        precision=setup.precision,
        clip_value=setup.clip_value,
        after_val=after_val,
        shard_opt_state=setup.shard_opt_state,
    )
    return built
