"""The jitted train step: mixed precision, loss scaling, metrics, data parallelism.

The JAX form of mmcv's ``OptimizerHook`` / ``Fp16OptimizerHook`` + ``wrap_fp16_model``:
parameters stay float32 (the master copy), the loss function runs on a copy cast to the compute
dtype (norm-layer parameters stay float32 and norm outputs are cast back to the compute dtype as
mmcv's ``patch_norm_fp32`` does), the loss is multiplied by the current loss scale before
differentiation, and the optimizer built by :func:`jaxoptim.make_optimizer` unscales, clips,
skips non-finite steps and updates the scale.

Norm outputs: a float32 norm parameter would otherwise promote the norm's output, and with it
everything after it, to float32. For Flax linen the cast is a method interceptor
(``nn.intercept_methods``). Flax nnx has no interception, so, as mmcv patches the forward of its
norm modules, the ``__call__`` of nnx's norm classes is wrapped once (at the first
``make_train_step`` with a low precision); the wrapper casts only while a train step's loss is
being traced (a context variable), and is the original method everywhere else.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax import struct
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxoptim import accumulation, clipping, loss_scale
from jaxoptim.builder import HyperparamState
from jaxoptim.kinds import check_trainable, nnx_variable_class
from jaxoptim.optimizer_base import tree_names
from jaxoptim.paramwise import match_kinds

logger = logging.getLogger("jaxoptim")

_PRECISIONS = {"float32": jnp.float32, "bfloat16": jnp.bfloat16, "float16": jnp.float16}
_LINEN_NORMS = tuple(
    getattr(nn, name)
    for name in ("BatchNorm", "LayerNorm", "GroupNorm", "RMSNorm", "InstanceNorm")
    if hasattr(nn, name)
)


class TrainState(struct.PyTreeNode):
    """Everything a training run carries from step to step (and into checkpoints).

    Attributes:
      step: iterations run so far (int32).
      params: the float32 master parameters.
      opt_state: the optimizer state (iteration, live hyperparameters, loss scaler, statistics).
      model_state: non-trainable collections (e.g. ``batch_stats``); ``{}`` when unused.
    """

    step: jax.Array
    params: Any
    opt_state: Any
    model_state: Any = struct.field(default_factory=dict)

    @classmethod
    def create(cls, *, params: Any, tx: optax.GradientTransformation, model_state: Any = None):
        """A fresh state: step 0 and ``tx.init(params)``."""
        if not (callable(getattr(tx, "init", None)) and callable(getattr(tx, "update", None))):
            raise TypeError(
                f"TrainState.create: `tx` must be an optax transformation (e.g. "
                f"make_optimizer(cfg)), got {type(tx).__name__}"
            )
        check_trainable(params, "TrainState.create(params=...)")
        return cls(
            step=jnp.zeros([], jnp.int32),
            params=params,
            opt_state=tx.init(params),
            model_state={} if model_state is None else model_state,
        )


def report_val_metrics(
    tx: optax.GradientTransformation,
    state: TrainState,
    metrics: Mapping[str, Any],
    *,
    params: Any = None,
) -> TrainState:
    """Steps mmengine's ``ReduceOnPlateau*`` schedulers on validation metrics.

    Call it after each validation, as mmengine's ``ParamSchedulerHook.after_val_epoch`` does,
    with the metrics dict (``{'loss': ..., 'accuracy': ...}``; the scheduler reads its
    ``monitor`` key). The epoch is the state's iteration // the epoch length. Without a
    ReduceOnPlateau scheduler in ``tx``'s config the state comes back unchanged.

    Args:
      tx: the transformation :func:`jaxoptim.make_optimizer` built ``state`` with (its
        ``info``); ``state.opt_state`` may wrap that transformation's state (``optax.chain``).
      state: the train state after the epoch.
      metrics: metric name -> value (a number or a scalar array).
      params: only for a Flax ``nnx.Optimizer`` given as ``state`` (it holds no params): the
        trained parameters, ``nnx.state(model, nnx.Param)``. The optimizer's state is updated
        in place and the optimizer returned.

    Returns:
      ``state`` whose optimizer state holds the schedulers' new factors; the next step trains
      with the reduced values.

    Raises:
      KeyError: ``metrics`` lacks a scheduler's ``monitor`` (mmengine: the same).

    Examples:
      >>> import jax.numpy as jnp
      >>> from jaxoptim import make_optimizer
      >>> cfg = dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
      ...            param_scheduler=dict(type='ReduceOnPlateauLR', patience=0, factor=0.5),
      ...            train_cfg=dict(by_epoch=True, max_epochs=3))
      >>> tx = make_optimizer(cfg, iters_per_epoch=1)
      >>> state = TrainState.create(params={'w': jnp.zeros(2)}, tx=tx)
      >>> step = make_train_step(lambda p, b: jnp.sum((p['w'] - b) ** 2), tx)
      >>> lrs = []
      >>> for loss in (1.0, 1.0, 1.0):  # no improvement after the first: halve each time
      ...     state, metrics = step(state, jnp.ones(2))
      ...     lrs.append(round(float(metrics['lr']), 6))
      ...     state = report_val_metrics(tx, state, {'loss': loss})
      >>> lrs
      [0.1, 0.1, 0.05]
    """
    after_val = getattr(getattr(tx, "info", None), "after_val", None)
    if after_val is None:
        return state
    variable = nnx_variable_class()
    if variable is not None and not hasattr(state, "params") and hasattr(state, "wrt"):
        return _report_to_nnx_optimizer(after_val, state, metrics, params, variable)
    found = _find(state.opt_state, HyperparamState)  # also inside optax.chain(tx, ...)
    if len(found) != 1:
        raise TypeError(
            "report_val_metrics: state.opt_state does not hold the state of one make_optimizer "
            f"transformation (found {len(found)} in a {type(state.opt_state).__name__})"
        )
    # eager ops on the state's arrays keep their placement (replicated over a mesh, say)
    new = after_val(found[0], state.params, metrics)
    opt_state = jax.tree_util.tree_map(
        lambda x: new if isinstance(x, HyperparamState) else x,
        state.opt_state,
        is_leaf=lambda x: isinstance(x, HyperparamState),
    )
    return state.replace(opt_state=opt_state)


def _report_to_nnx_optimizer(after_val, optimizer, metrics, params, variable):
    """``report_val_metrics`` for an ``nnx.Optimizer``: its state's Variables set in place."""
    if params is None:
        raise TypeError(
            "report_val_metrics: an nnx.Optimizer holds no params: pass "
            "params=nnx.state(model, nnx.Param)"
        )
    is_var = lambda x: isinstance(x, variable)  # noqa: E731
    boxed = optimizer.opt_state
    plain = jax.tree_util.tree_map(lambda v: v.get_value(), boxed, is_leaf=is_var)
    found = _find(plain, HyperparamState)
    if len(found) != 1:
        raise TypeError(
            "report_val_metrics: the nnx.Optimizer's state does not hold the state of one "
            f"make_optimizer transformation (found {len(found)})"
        )
    params = jax.tree_util.tree_map(lambda v: v.get_value(), params, is_leaf=is_var)
    new = after_val(found[0], params, metrics)
    plain = jax.tree_util.tree_map(
        lambda x: new if isinstance(x, HyperparamState) else x,
        plain,
        is_leaf=lambda x: isinstance(x, HyperparamState),
    )
    for var, value in zip(
        jax.tree_util.tree_leaves(boxed, is_leaf=is_var),
        jax.tree_util.tree_leaves(plain),
        strict=True,
    ):
        var.set_value(value)
    return optimizer


def current_loss_scale(opt_state: Any) -> jax.Array:
    """The loss scale the next step multiplies the loss by (1.0 without loss scaling)."""
    return loss_scale.current_loss_scale(opt_state)


def _find(tree: Any, cls: type) -> list:
    found = jax.tree_util.tree_leaves(tree, is_leaf=lambda x: isinstance(x, cls))
    return [x for x in found if isinstance(x, cls)]


def _is_float(x: Any) -> bool:
    return hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.floating)


def cast_params(params: Any, dtype: Any, param_kinds: Any = None) -> Any:
    """Casts floating leaves to ``dtype``, keeping ``'norm'`` leaves (from param_kinds) float32."""
    if param_kinds is None:
        return jax.tree_util.tree_map(lambda p: p.astype(dtype) if _is_float(p) else p, params)
    kinds = match_kinds(param_kinds, tree_names(params))  # by name: nnx kinds have no .value
    leaves, treedef = jax.tree_util.tree_flatten(params)
    cast = [
        p.astype(dtype) if _is_float(p) and kind != "norm" else p for p, kind in zip(leaves, kinds)
    ]
    return jax.tree_util.tree_unflatten(treedef, cast)


def _norm_outputs_to_input_dtype(next_fun, args, kwargs, context):
    out = next_fun(*args, **kwargs)
    if (
        isinstance(context.module, _LINEN_NORMS)
        and context.method_name == "__call__"
        and args
        and _is_float(args[0])
        and _is_float(out)
        and args[0].dtype != out.dtype
    ):
        return out.astype(args[0].dtype)
    return out


_NNX_NORM_NAMES = ("BatchNorm", "LayerNorm", "GroupNorm", "RMSNorm", "InstanceNorm")
_CAST_NNX_NORMS: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "jaxoptim_cast_nnx_norms", default=False
)
_NNX_PATCH_LOCK = threading.Lock()


def _cast_norm_output(call: Callable) -> Callable:
    @functools.wraps(call)
    def wrapper(self, x, *args, **kwargs):
        out = call(self, x, *args, **kwargs)
        if _CAST_NNX_NORMS.get() and _is_float(x) and _is_float(out) and out.dtype != x.dtype:
            return out.astype(x.dtype)
        return out

    wrapper._jaxoptim_norm_cast = True
    return wrapper


def _patch_nnx_norms() -> None:
    """Wraps the ``__call__`` of Flax nnx's norm classes (once; see the module docstring)."""
    try:
        from flax import nnx
    except ImportError:  # pragma: no cover - flax without nnx
        return
    with _NNX_PATCH_LOCK:
        for name in _NNX_NORM_NAMES:
            cls = getattr(nnx, name, None)
            call = cls.__dict__.get("__call__") if cls is not None else None
            if call is not None and not getattr(call, "_jaxoptim_norm_cast", False):
                cls.__call__ = _cast_norm_output(call)


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Places every leaf of ``tree`` on all devices of ``mesh`` (parameters, optimizer state).

    With a mesh spanning several processes every process must pass the same values (as it
    does with the same seed and the same checkpoint); each keeps the copies on its devices.
    """
    return jax.device_put(tree, NamedSharding(mesh, PartitionSpec()))


def shard_batch(batch: Any, mesh: Mesh, axis: str = "data") -> Any:
    """Splits the leading dimension of every batch leaf over the mesh axis ``axis``.

    In one process ``batch`` is the global batch. When ``mesh`` spans several processes,
    each process passes only its own rows of the global batch (the contiguous block
    :func:`jaxoptim.process_batch_slice` names), and the result is the global array.
    """
    sharding = NamedSharding(mesh, PartitionSpec(axis))
    if mesh.is_multi_process:
        return jax.tree_util.tree_map(
            lambda x: jax.make_array_from_process_local_data(sharding, x), batch
        )
    return jax.device_put(batch, sharding)


def _opt_state_sharding(opt_state: Any, mesh: Mesh, axis: str) -> Any:
    size = mesh.shape[axis]

    def spec(x):
        if hasattr(x, "shape") and x.ndim >= 1 and x.shape[0] % size == 0 and x.shape[0] >= size:
            return NamedSharding(mesh, PartitionSpec(axis))
        return NamedSharding(mesh, PartitionSpec())

    return jax.tree_util.tree_map(spec, opt_state)


def shard_train_state(
    state: TrainState, mesh: Mesh, *, shard_opt_state: bool = False, axis: str = "data"
):
    """Replicates ``state`` over ``mesh``; with ``shard_opt_state`` the optimizer statistics
    whose first dimension divides evenly are split over ``axis`` (ZeRO-1 style)."""
    state = replicate(state, mesh)
    if shard_opt_state:
        state = state.replace(
            opt_state=jax.device_put(
                state.opt_state, _opt_state_sharding(state.opt_state, mesh, axis)
            )
        )
    return state


def make_train_step(
    loss_fn: Callable[..., Any],
    tx: optax.GradientTransformation,
    *,
    precision: str | None = None,
    has_aux: bool = False,
    param_kinds: Any = None,
    donate: bool = True,
    mesh: Mesh | None = None,
    shard_opt_state: bool | None = None,
    data_axis: str = "data",
    with_model_state: bool = False,
) -> Callable[[TrainState, Any], tuple[TrainState, dict[str, jax.Array]]]:
    """Builds the jitted ``step(state, batch) -> (state, metrics)``.

    Args:
      loss_fn: ``loss_fn(params, batch) -> loss`` or ``(loss, aux)`` with ``has_aux``.
      tx: the optimizer, normally from :func:`jaxoptim.make_optimizer`.
      precision: ``'float32'``, ``'bfloat16'`` or ``'float16'``: the dtype the loss function
        computes in; master parameters, gradients and optimizer state stay float32. ``None``
        (the default) takes the config's, ``tx.info.precision`` (mmcv ``fp16`` -> float16, an
        mmengine AmpOptimWrapper -> its ``dtype``, else float32; float32 for a transformation
        without ``info``); another value than the config's warns.
      has_aux: ``loss_fn`` returns ``(loss, aux)``; ``aux`` is returned in ``metrics['aux']``.
      param_kinds: the tree from :func:`jaxoptim.param_kinds`; its ``'norm'`` leaves stay float32.
      donate: donate the input state's buffers to the output (no copy of the params and
        optimizer state per step): the arrays of the state given to ``step`` are deleted, so
        keep only the returned state (and the params given to ``TrainState.create`` are gone
        after the first step; copy them first if you need them).
      mesh: a device mesh for data parallelism: give the step a batch placed with
        :func:`shard_batch` and a state placed with :func:`shard_train_state`. Gradients are
        reduced by XLA, and the finiteness check sees the global gradients, so a non-finite
        gradient on any device skips the step everywhere.
      shard_opt_state: keep optimizer statistics split over ``data_axis`` between steps
        (ZeRO-1); ``None``: ``tx.info.shard_opt_state`` (an mmengine
        ``ZeroRedundancyOptimizer``), else ``False``.
      data_axis: the mesh axis the batch is split over.
      with_model_state: ``loss_fn(params, model_state, batch)`` returns
        ``(loss, new_model_state)`` (or ``(loss, (new_model_state, aux))`` with ``has_aux``):
        non-trainable collections such as BatchNorm's ``batch_stats``, carried in
        ``TrainState.model_state``. As in torch, they are updated on a skipped step too.
        Flax nnx: ``graphdef, params, model_state = nnx.split(model, nnx.Param, ...)``, and
        the loss merges them (``model = nnx.merge(graphdef, params, model_state)``) and
        returns ``(loss, nnx.state(model, nnx.Not(nnx.Param)))``: BatchNorm's ``BatchStat``,
        Dropout's ``RngState``.

    Returns:
      The jitted step. ``metrics`` has ``loss`` (unscaled, float32), ``grad_norm`` (global norm
      of the unscaled gradients before clipping: the clipping stage's when ``grad_clip`` is set,
      which with accumulation is the norm of the accumulated gradients at the update; else the
      2-norm of this iteration's gradients), ``lr``, ``loss_scale`` (the scale this step
      used), ``skipped`` (the gradients were not finite and nothing was applied), ``updated``
      (an optimizer step happened: false inside an accumulation window or on a skip), and
      ``momentum`` when the optimizer has one.
    """
    info = getattr(tx, "info", None)
    configured = getattr(info, "precision", None)
    if precision is None:
        precision = configured or "float32"
    elif precision not in _PRECISIONS:
        raise ValueError(f"precision={precision!r} is not one of {sorted(_PRECISIONS)}")
    elif configured is not None and configured != precision:
        warnings.warn(
            f"the optimizer's config asks for {configured} compute, but this train step "
            f"computes in {precision}: leave make_train_step(..., precision=None) to use the "
            "config's",
            UserWarning,
            stacklevel=2,
        )
    compute_dtype = _PRECISIONS[precision]
    if compute_dtype != jnp.float32:
        _patch_nnx_norms()
    if shard_opt_state is None:
        shard_opt_state = bool(getattr(info, "shard_opt_state", False))
    cumulative = info.cumulative_iters if info is not None else 1
    max_iters = info.max_iters if info is not None else None

    def run_loss(params, model_state, batch):
        if compute_dtype != jnp.float32:
            params = cast_params(params, compute_dtype, param_kinds)
            batch = jax.tree_util.tree_map(
                lambda x: x.astype(compute_dtype) if _is_float(x) else x, batch
            )
        # fresh nnx Variables of this trace: nnx refuses to mutate (BatchNorm's statistics)
        # Variables that belong to the enclosing jit's trace
        model_state = jax.tree_util.tree_map(lambda x: x, model_state)
        token = _CAST_NNX_NORMS.set(compute_dtype != jnp.float32)
        try:
            with nn.intercept_methods(_norm_outputs_to_input_dtype):
                if with_model_state:
                    out = loss_fn(params, model_state, batch)
                    loss, (model_state, aux) = out if has_aux else (out[0], (out[1], None))
                else:
                    out = loss_fn(params, batch)
                    if has_aux and not (isinstance(out, (tuple, list)) and len(out) == 2):
                        raise TypeError(
                            "make_train_step(has_aux=True): loss_fn must return (loss, aux), got "
                            f"{jax.tree_util.tree_structure(out)}"
                        )
                    if not has_aux and isinstance(out, (tuple, list)):
                        raise TypeError(
                            "loss_fn returned a tuple: pass make_train_step(..., has_aux=True) "
                            "for a (loss, aux) pair"
                        )
                    loss, aux = out if has_aux else (out, None)
        finally:
            _CAST_NNX_NORMS.reset(token)
        loss = jnp.asarray(loss)
        if loss.shape != () or not jnp.issubdtype(loss.dtype, jnp.floating):
            # an integer loss would be cast to float32 here and train nothing, silently
            raise TypeError(
                "loss_fn must return a floating-point scalar loss, got "
                f"{loss.dtype}{list(loss.shape)}"
            )
        return loss.astype(jnp.float32), (model_state, aux)

    trainable = info.trainable if info is not None else None

    def _unscaled_norm(grads, scale, params):
        # Without grad_clip the optimizer keeps no norm: compute it here, next to the backward
        # pass that produced the gradients (frozen leaves excluded, as mmcv's requires_grad).
        leaves, treedef = jax.tree_util.tree_flatten(grads)
        keep = treedef.flatten_up_to(trainable(params)) if trainable else [True] * len(leaves)
        norm = clipping.global_norm([g for g, k in zip(leaves, keep) if k], 2.0)
        return norm / scale

    def step(state: TrainState, batch: Any):
        check_trainable(state.params, "make_train_step: state.params")
        if cumulative > 1 and with_model_state and _has_batch_stats(state.model_state):
            warnings.warn(accumulation.BATCHNORM_WARNING, UserWarning, stacklevel=2)
        if info is not None and info.detect_anomalous_params:
            from jaxoptim.unused import log_unused_params

            log_unused_params(
                lambda p, b: run_loss(p, state.model_state, b)[0],
                state.params,
                batch,
                logger=logger,
            )
        scale = current_loss_scale(state.opt_state)

        def scaled(params):
            loss, extra = run_loss(params, state.model_state, batch)
            return loss * scale, (loss, extra)

        grads, (loss, (model_state, aux)) = jax.grad(scaled, has_aux=True)(state.params)
        updates, opt_state = tx.update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        if mesh is not None and shard_opt_state:
            # ZeRO-1: the sharded moments would otherwise split the updated params too, and
            # the next step would recompile for that placement
            params = jax.lax.with_sharding_constraint(params, NamedSharding(mesh, PartitionSpec()))
            opt_state = jax.lax.with_sharding_constraint(
                opt_state, _opt_state_sharding(opt_state, mesh, data_axis)
            )
        metrics = _metrics(state, opt_state, loss, scale, cumulative, max_iters)
        if "grad_norm" not in metrics:
            metrics["grad_norm"] = _unscaled_norm(grads, scale, state.params)
        if has_aux:
            metrics["aux"] = aux
        new_state = state.replace(
            step=state.step + 1, params=params, opt_state=opt_state, model_state=model_state
        )
        return new_state, metrics

    return jax.jit(step, donate_argnums=(0,) if donate else ())


def _has_batch_stats(model_state: Any) -> bool:
    if isinstance(model_state, Mapping) and "batch_stats" in model_state:
        return True
    variable = nnx_variable_class()
    if variable is None:
        return False
    from flax import nnx

    leaves = jax.tree_util.tree_leaves(model_state, is_leaf=lambda x: isinstance(x, variable))
    return any(isinstance(x, nnx.BatchStat) for x in leaves)


def _metrics(state, opt_state, loss, scale, cumulative, max_iters) -> dict[str, jax.Array]:
    metrics = {"loss": loss, "loss_scale": jnp.asarray(scale, jnp.float32)}
    clip = _find(opt_state, clipping.ClipState)
    if clip:
        metrics["grad_norm"] = clip[0].grad_norm
    hyper = _find(opt_state, HyperparamState)
    if hyper:
        metrics["lr"] = hyper[0].hyperparams["lr"][0]
        if "momentum" in hyper[0].hyperparams:
            metrics["momentum"] = hyper[0].hyperparams["momentum"][0]
    skip = _find(opt_state, loss_scale.SkipState)
    if cumulative > 1:
        iteration = _find(state.opt_state, accumulation.AccumulationState)[0].iteration
        boundary = (iteration + 1) % cumulative == 0
        if max_iters is not None:
            boundary = boundary | (iteration + 1 == max_iters)
    else:
        boundary = jnp.asarray(True)
    skipped = (skip[0].skipped & boundary) if skip else jnp.asarray(False)
    metrics["skipped"] = skipped
    metrics["updated"] = boundary & ~skipped
    return metrics
