"""A user's optax optimizer under the paramwise and schedule machinery.

An optimizer registered in ``OPTIMIZERS`` that is not a built-in :class:`OptimizerDef` is an
optax factory (``optax.lion``, ``optax.adamw``, a function of the user's) that knows nothing of
parameter groups. torch gives every param group its own copy of the optimizer's settings; here
every distinct group becomes its own instance of the factory:

* the group's lr (from ``lr_mult`` and friends) is passed to the factory as its ``lr`` /
  ``learning_rate`` and made live with ``optax.inject_hyperparams``, so a schedule drives each
  group's own lr (exact for every mmcv policy, including those with an absolute ``min_lr``,
  where a group's lr is not a fixed multiple of the base lr);
* the group's weight decay (``decay_mult`` rules) and any other per-group setting are passed to
  the factory as the keyword arguments they are (the paramwise constructor has already refused a
  setting the factory does not take);
* ``frozen=True`` leaves get an exactly zero update and no state.

One group gives the factory's own transformation (its state is the factory's, wrapped by
``inject_hyperparams``); several are routed with ``optax.partition``. Each group traces its own
update, so a user optimizer's compile time grows with its group count; the built-in optimizers
stay one fused pass however many groups there are.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxoptim.optimizer_base import GroupsFn, ParamGroups, check_shapes

_LR_KEYS = ("lr", "learning_rate")
_FROZEN = "frozen"


def call_factory(name: str, factory: Callable, kwargs: Mapping[str, Any]):
    """``factory(**kwargs)`` as an optax transformation; errors name the optimizer type."""
    try:
        tx = factory(**kwargs)
    except TypeError as err:
        params = _signature(factory)
        if "lr" in kwargs and "lr" not in params and "learning_rate" in params:
            hint = "optax names the learning rate `learning_rate`: write learning_rate=..."
        else:
            hint = (
                "If this config inherits a base optimizer of another type, write "
                "`_delete_=True` in the child's `optimizer` dict."
            )
        raise TypeError(f"{name}: {err}. {hint}") from err
    if not isinstance(tx, optax.GradientTransformation):
        if hasattr(tx, "init") and hasattr(tx, "update"):
            tx = optax.GradientTransformationExtraArgs(tx.init, tx.update)
        else:
            raise TypeError(
                f"optimizer type {name!r} returned {type(tx).__name__}, not an optax "
                "GradientTransformation (an object with init and update)"
            )
    return tx


def _plain_numbers(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    # numpy scalars as Python numbers: else a numpy lr would not count as the lr (the
    # factory's default would silently replace it) and would be static, not live.
    return {k: v.item() if isinstance(v, np.number) else v for k, v in kwargs.items()}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _signature(factory: Callable) -> Mapping[str, inspect.Parameter]:
    try:
        return inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return {}


def _lr_key(factory: Callable, kwargs: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The factory's lr argument (given, or defaulted in its signature) and the kwargs with it."""
    given = next((k for k in _LR_KEYS if _is_number(kwargs.get(k))), None)
    if given is not None:
        return given, kwargs
    signature = _signature(factory)
    for k in _LR_KEYS:
        default = signature[k].default if k in signature else None
        if _is_number(default):
            return k, {**kwargs, k: default}
    return None, kwargs


class _Group(NamedTuple):
    """One distinct (lr, settings) group: its label and the factory's instance for it."""

    label: str
    lr_index: int
    overrides: tuple[tuple[str, Any], ...]
    tx: optax.GradientTransformation


def user_optimizer(
    name: str, factory: Callable, kwargs: Mapping[str, Any], groups_fn: GroupsFn
) -> tuple[optax.GradientTransformationExtraArgs, float | None]:
    """A user's optax factory, one instance per parameter group (see the module docstring).

    Args:
      name: the registry name (for errors).
      factory: the registered callable returning an optax transformation.
      kwargs: the optimizer config without ``type``, ``paramwise_cfg`` and ``constructor``.
      groups_fn: ``tree -> ParamGroups`` from the paramwise rules.

    Returns:
      ``(transformation, base_lr)``: the transformation's ``update`` takes an optional
      ``hyperparams={'lr': f32[G]}`` (one live lr per group, as the schedule driver passes);
      ``base_lr`` is the factory's lr, ``None`` when it takes none.

    Examples:
      >>> import jax.numpy as jnp, optax
      >>> from jaxoptim.optimizer_base import LeafGroup, ParamGroups
      >>> groups = ParamGroups(leaves=(LeafGroup(0), LeafGroup(1)), lr=(0.1, 0.01))
      >>> tx, base_lr = user_optimizer('sgd', optax.sgd, {'learning_rate': 0.1},
      ...                              lambda tree: groups)
      >>> params = {'a': jnp.ones(2), 'b': jnp.ones(2)}
      >>> updates, _ = tx.update(params, tx.init(params), params)
      >>> base_lr, updates['a'], updates['b']
      (0.1, Array([-0.1, -0.1], dtype=float32), Array([-0.01, -0.01], dtype=float32))
    """
    kwargs = _plain_numbers(kwargs)
    lr_key, kwargs = _lr_key(factory, kwargs)
    base_lr = float(kwargs[lr_key]) if lr_key else None
    call_factory(name, factory, kwargs)  # the config's own errors now, not at init
    instances: dict[Any, list[_Group]] = {}

    def build(settings: dict[str, Any]) -> optax.GradientTransformation:
        if lr_key is None:
            return call_factory(name, factory, settings)
        # only the lr is live: the other numbers (given, and the signature's defaults, which
        # inject_hyperparams would make live too) stay Python constants, so the factory's
        # `1 - b1` and the like fold at trace time instead of costing ops per leaf
        static = tuple(k for k in {**_signature(factory), **settings} if k != lr_key)

        @functools.wraps(factory)
        def make(**kw):
            return call_factory(name, factory, kw)

        return optax.inject_hyperparams(make, static_args=static, hyperparam_dtype=jnp.float32)(
            **settings
        )

    def groups_of(tree: Any) -> tuple[ParamGroups, list[_Group]]:
        pg = groups_fn(tree)
        if pg not in instances:
            made = []
            for i, (lr_index, overrides) in enumerate(_keys(pg)):
                settings = {**kwargs, **_plain_numbers(dict(overrides))}
                if lr_key is not None:
                    settings[lr_key] = float(pg.lr[lr_index])
                made.append(_Group(f"group{i}", lr_index, overrides, build(settings)))
            instances[pg] = made
        return pg, instances[pg]

    def routed(tree: Any) -> tuple[list[_Group], optax.GradientTransformation]:
        pg, made = groups_of(tree)
        if len(made) == 1 and not any(leaf.frozen for leaf in pg.leaves):
            return made, made[0].tx
        label_of = {(g.lr_index, g.overrides): g.label for g in made}
        labels = [
            _FROZEN if leaf.frozen else label_of[(leaf.lr_index, leaf.overrides)]
            for leaf in pg.leaves
        ]
        transforms = {g.label: g.tx for g in made}
        if _FROZEN in labels:
            transforms[_FROZEN] = optax.set_to_zero()
        treedef = jax.tree_util.tree_structure(tree)
        return made, optax.partition(transforms, jax.tree_util.tree_unflatten(treedef, labels))

    def init_fn(params):
        return routed(params)[1].init(params)

    def update_fn(updates, state, params=None, *, hyperparams=None, **extra_args):
        if params is not None:
            check_shapes(name, updates, params)
        made, tx = routed(updates)
        if lr_key is not None and hyperparams is not None:
            single = len(made) == 1 and tx is made[0].tx
            state = _with_live_lr(state, made, single, lr_key, hyperparams["lr"])
        return tx.update(updates, state, params, **extra_args)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn), base_lr


def _keys(pg: ParamGroups) -> list[tuple[int, tuple]]:
    """The distinct (lr index, settings) of the trainable leaves, in first-seen order."""
    return list(
        dict.fromkeys((leaf.lr_index, leaf.overrides) for leaf in pg.leaves if not leaf.frozen)
    )


def _with_live_lr(state, made: list[_Group], single: bool, lr_key: str, lrs: jax.Array):
    """``state`` with every group's injected lr set to its entry of the live ``lrs``."""

    def set_lr(inner, group):
        return inner._replace(hyperparams={**inner.hyperparams, lr_key: lrs[group.lr_index]})

    if single:
        return set_lr(state, made[0])
    inner_states = dict(state.inner_states)
    for group in made:
        masked = inner_states[group.label]
        inner_states[group.label] = masked._replace(inner_state=set_lr(masked.inner_state, group))
    return state._replace(inner_states=inner_states)
