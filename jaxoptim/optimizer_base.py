"""The per-leaf machinery every built-in optimizer runs on.

A built-in optimizer is an :class:`OptimizerDef`: torch's argument names and defaults plus two
pure per-leaf functions (``init_leaf`` and ``update_leaf``) that restate torch's single-tensor
algorithm. :func:`torch_transform` turns a definition and its hyperparameters into one optax
transformation that:

* keeps the learning rate, the momentum (``momentum`` or ``betas[0]``) and the weight decay as
  *live* float32 vectors in its state, one entry per distinct parameter-group value, so a
  schedule (or a user) changes them without recompiling;
* gives every leaf its other hyperparameters (eps, ...) as static values from a
  :class:`ParamGroups` computed from the tree's paths at trace time, so the update stays one
  fused pass however many groups a model has;
* gives frozen leaves an exactly zero update and no state (``optax.MaskedNode``).

Compile time: XLA:CPU compiles one kernel per *distinct* fused computation, so a leaf's fused
update must not depend on its group. A constant index (``lr[3]``) or a baked-in per-group
constant (a static weight decay) is part of the fused computation and made all 161 of a
ResNet-50's leaves distinct; an optimization barrier does not help (XLA removes it before
fusion). Instead the state holds the group indices themselves as uint32 scalars
(``TorchOptimizerState.group_index``): a leaf reads its group's value with a dynamic index that
is a runtime operand, so leaves of one shape share one kernel whether a model has 1 or 161
groups.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

Hyper = Mapping[str, Any]
InitLeaf = Callable[[jax.Array, Hyper], Any]
UpdateLeaf = Callable[[jax.Array, jax.Array, Any, Hyper, jax.Array], tuple[jax.Array, Any]]


def tree_names(tree: Any) -> list[str]:
    """The `.`-joined path of every leaf of ``tree``, in tree order.

    Examples:
      >>> tree_names({'backbone': {'conv': {'kernel': 0, 'bias': 1}}, 'head': [2]})
      ['backbone.conv.bias', 'backbone.conv.kernel', 'head.0']
    """
    paths = jax.tree_util.tree_flatten_with_path(tree)[0]
    return [path_name(path) for path, _ in paths]


def path_name(path: Sequence[Any]) -> str:
    """Joins a pytree key path into ``a.b.0.c``.

    A trailing ``.value`` attribute key (how a Flax nnx ``Variable`` flattens) is dropped, so an
    nnx parameter is named ``head.kernel`` as in linen.
    """
    path = tuple(path)
    if path and isinstance(path[-1], jax.tree_util.GetAttrKey) and path[-1].name == "value":
        path = path[:-1]
    parts = []
    for key in path:
        if isinstance(key, jax.tree_util.DictKey):
            parts.append(str(key.key))
        elif isinstance(key, jax.tree_util.GetAttrKey):
            parts.append(key.name)
        elif isinstance(key, jax.tree_util.SequenceKey):
            parts.append(str(key.idx))
        elif isinstance(key, jax.tree_util.FlattenedIndexKey):
            parts.append(str(key.key))
        else:
            parts.append(str(key).strip(".[]'\""))
    return ".".join(parts)


@dataclasses.dataclass(frozen=True)
class LeafGroup:
    """The static settings of one parameter leaf.

    Attributes:
      lr_index: index of the leaf's group in the live ``lr`` vector.
      momentum_index: index of the leaf's group in the live ``momentum`` vector.
      overrides: torch-named hyperparameters that differ from the optimizer's for this leaf
        (``weight_decay``, and in the mmengine dialect anything a custom key sets), as a sorted
        tuple of pairs so the group is hashable. :func:`live_decay` moves ``weight_decay``
        from here into the live ``weight_decay`` vector.
      frozen: the leaf gets no state and an exactly zero update.
      wd_index: index of the leaf's group in the live ``weight_decay`` vector.
    """

    lr_index: int = 0
    momentum_index: int = 0
    overrides: tuple[tuple[str, Any], ...] = ()
    frozen: bool = False
    wd_index: int = 0


@dataclasses.dataclass(frozen=True)
class ParamGroups:
    """Per-leaf settings for a whole tree: torch's param groups, compiled.

    Attributes:
      leaves: one :class:`LeafGroup` per leaf in tree-flatten order.
      lr: the distinct group learning rates; index 0 is always the optimizer's own ``lr``.
      momentum: the distinct group momentum values (``momentum`` or ``betas[0]``); index 0 is
        the optimizer's own; empty when the optimizer has no momentum.
      weight_decay: the distinct group weight decays; index 0 is the optimizer's own; empty
        until :func:`live_decay` has collected them (or when the optimizer has none).
    """

    leaves: tuple[LeafGroup, ...]
    lr: tuple[float, ...]
    momentum: tuple[float, ...] = ()
    weight_decay: tuple[float, ...] = ()


GroupsFn = Callable[[Any], ParamGroups]


@dataclasses.dataclass(frozen=True, eq=False)
class OptimizerDef:
    """A torch-exact optimizer: defaults, validation and the per-leaf algorithm.

    Calling the definition with torch's keyword arguments returns the optax transformation.

    Attributes:
      name: the registry name (torch's class name for torch optimizers).
      defaults: torch's keyword arguments and defaults, in signature order.
      init_leaf: ``(param, hp) -> leaf_state`` (a tuple of arrays, possibly empty).
      update_leaf: ``(grad, param, leaf_state, hp, step) -> (delta, leaf_state)``; ``step`` is
        torch's 1-based step count as float32 and ``delta`` is added to the parameter.
      momentum_key: ``'momentum'`` or ``'betas'`` (its first entry is the momentum a momentum
        schedule drives) or ``None`` when the optimizer has no momentum.
      validate: ``hp -> None``, raising torch's ValueError for out-of-range values.
      doc: one line for the README's table.
      extensions: jaxoptim's own keyword arguments beyond torch's signature, with their
        defaults (kept out of ``defaults``, which stays torch's signature).
      prepare: ``hp -> hp``, run after ``validate``: turns config values into the static
        values the per-leaf functions read (Muon's ``fallback`` dict into its definition). It
        must accept its own output: per-group hyperparameters are re-checked from a prepared
        ``hp``.
      explain_leaf: ``(shape, leaf_hp) -> dict | None`` for :func:`jaxoptim.explain`: when a
        leaf does not train with the group's ``lr`` / ``weight_decay`` as they stand (Muon's
        fallback leaves), the values it does train with and a ``rule`` suffix saying why.
        ``leaf_hp`` is the prepared ``hp`` with the leaf's group ``lr`` and ``weight_decay``.
      prepare_update: ``(grads, hp) -> value``, run once per update before any leaf, on the
        gradients of the trainable (not frozen) leaves in tree order and the optimizer's ``hp``;
        every ``update_leaf`` then reads ``value`` as ``hp['prepared']``. For quantities of the
        whole tree, such as a global gradient norm (mmpretrain's ``Lamb``).
    """

    name: str
    defaults: Mapping[str, Any]
    init_leaf: InitLeaf
    update_leaf: UpdateLeaf
    momentum_key: str | None = None
    validate: Callable[[Hyper], None] | None = None
    doc: str = ""
    extensions: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    explain_leaf: Callable[[tuple[int, ...], Hyper], Mapping[str, Any] | None] | None = None
    prepare_update: Callable[[list[jax.Array], Hyper], Any] | None = None

    def check_keywords(self, kwargs: Mapping[str, Any], hint: str = "") -> None:
        """Raises ``TypeError`` naming the keywords of ``kwargs`` this optimizer does not take."""
        known = {**self.defaults, **self.extensions}
        unknown = [k for k in kwargs if k not in known]
        if unknown:
            raise TypeError(
                f"{self.name} got unexpected keyword argument(s) {unknown}; it takes "
                f"{sorted(known)}{hint}"
            )

    def hyperparams(self, **kwargs: Any) -> dict[str, Any]:
        """Torch's defaults updated by ``kwargs``; unknown names raise ``TypeError``."""
        self.check_keywords(
            kwargs,
            hint=". If this config inherits a base optimizer of another type, write "
            "`_delete_=True` in the child's `optimizer` dict so the base's keys are dropped.",
        )
        known = {**self.defaults, **self.extensions}
        hp = dict(known)
        hp.update(kwargs)
        if "betas" in hp:
            betas = hp["betas"]
            if not isinstance(betas, (tuple, list)) or len(betas) != 2:
                raise TypeError(f"{self.name}: `betas` must be a pair of floats, got {betas!r}")
            if any(isinstance(b, bool) or not isinstance(b, numbers.Real) for b in betas):
                raise TypeError(f"{self.name}: `betas` must be a pair of floats, got {betas!r}")
            hp["betas"] = (float(betas[0]), float(betas[1]))
            if not all(math.isfinite(b) for b in hp["betas"]):
                raise ValueError(f"{self.name}: `betas` must be finite, got {betas!r}")
        for key, value in hp.items():
            if key == "betas":
                continue
            default = known[key]
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError(f"{self.name}: `{key}` must be a bool, got {value!r}")
            elif isinstance(default, (int, float)) and not isinstance(default, bool):
                if isinstance(value, bool) or not isinstance(value, numbers.Real):
                    raise TypeError(f"{self.name}: `{key}` must be a number, got {value!r}")
                if not math.isfinite(value):
                    raise ValueError(f"{self.name}: `{key}` must be finite, got {value!r}")
                # numpy scalars become Python numbers: static per-leaf constants stay hashable
                # and the checks below see the types they expect.
                hp[key] = int(value) if isinstance(value, numbers.Integral) else float(value)
        if self.validate is not None:
            self.validate(hp)
        if self.prepare is not None:
            hp = self.prepare(hp)
        return hp

    def momentum_of(self, hp: Hyper) -> float | None:
        """The value a momentum schedule starts from (``momentum`` or ``betas[0]``)."""
        if self.momentum_key is None:
            return None
        value = hp[self.momentum_key]
        return float(value[0] if self.momentum_key == "betas" else value)

    def __call__(self, *, groups: GroupsFn | None = None, **kwargs: Any):
        return torch_transform(self, self.hyperparams(**kwargs), groups=groups)

    @property
    def __signature__(self) -> inspect.Signature:
        params = [
            inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v)
            for k, v in {**self.defaults, **self.extensions}.items()
        ]
        return inspect.Signature(params)


class TorchOptimizerState(NamedTuple):
    """State of a built-in optimizer.

    Attributes:
      count: optimizer steps applied so far (torch's per-parameter ``step``); a skipped step
        does not advance it.
      hyperparams: ``{'lr': f32[G], 'momentum': f32[M], 'weight_decay': f32[W]}``, the live
        group values used by the last update (or to be used by the next when nothing drives
        them); ``momentum`` / ``weight_decay`` only for optimizers that have them. A group
        whose weight decay is 0 when the update is traced has no decay term (torch's
        ``if weight_decay != 0``), unless the transformation was built with
        ``static_zero_decay=False`` (a weight-decay schedule may lift it from 0).
      leaves: per-leaf state tuples, ``optax.MaskedNode()`` for frozen leaves.
      group_index: the uint32 scalars ``0, 1, ..., K-1`` (``K`` the longest live vector; empty
        with one group), constant but read at run time: a leaf indexes its group's live values
        with them, so its fused update does not depend on its group (compile time, see the
        module docstring). Do not change them.
    """

    count: jax.Array
    hyperparams: dict[str, jax.Array]
    leaves: Any
    group_index: tuple[jax.Array, ...] = ()


def single_group(defn: OptimizerDef, hp: Hyper) -> GroupsFn:
    """A groups function giving every leaf the optimizer's own settings."""
    momentum = defn.momentum_of(hp)

    def groups(tree: Any) -> ParamGroups:
        n = len(jax.tree_util.tree_leaves(tree))
        return ParamGroups(
            leaves=(LeafGroup(),) * n,
            lr=(float(hp["lr"]),),
            momentum=() if momentum is None else (momentum,),
        )

    return groups


def live_decay(hp: Hyper, pg: ParamGroups) -> ParamGroups:
    """``pg`` with every leaf's ``weight_decay`` moved from its overrides to a live vector.

    The vector holds the distinct group weight decays, index 0 the optimizer's own
    (``hp['weight_decay']``); a leaf without an override has the optimizer's. Unchanged when
    the optimizer has no ``weight_decay`` or ``pg`` already has the vector.

    Examples:
      >>> pg = ParamGroups((LeafGroup(overrides=(('weight_decay', 0.0),)), LeafGroup()), (0.1,))
      >>> out = live_decay({'weight_decay': 1e-4}, pg)
      >>> out.weight_decay, [leaf.wd_index for leaf in out.leaves], out.leaves[0].overrides
      ((0.0001, 0.0), [1, 0], ())
    """
    if "weight_decay" not in hp or pg.weight_decay:
        return pg
    values = [float(hp["weight_decay"])]
    leaves = []
    for leaf in pg.leaves:
        overrides = dict(leaf.overrides)
        wd = float(overrides.pop("weight_decay", hp["weight_decay"]))
        if wd not in values:
            values.append(wd)
        index = 0 if leaf.frozen else values.index(wd)
        leaves.append(
            dataclasses.replace(leaf, overrides=tuple(sorted(overrides.items())), wd_index=index)
        )
    return dataclasses.replace(pg, leaves=tuple(leaves), weight_decay=tuple(values))


def cached_groups(fn: GroupsFn) -> GroupsFn:
    """Memoizes a groups function on the tree's structure and leaf shapes (trace-time only)."""

    @functools.lru_cache(maxsize=32)
    def by_key(key):
        treedef, shapes = key
        return fn(
            jax.tree_util.tree_unflatten(treedef, [jax.ShapeDtypeStruct(s, d) for s, d in shapes])
        )

    def groups(tree: Any) -> ParamGroups:
        leaves, treedef = jax.tree_util.tree_flatten(tree)
        shapes = tuple((tuple(jnp.shape(x)), jnp.result_type(x)) for x in leaves)
        return by_key((treedef, shapes))

    return groups


def _leaf_hyper(
    defn: OptimizerDef,
    hp: Hyper,
    leaf: LeafGroup,
    live: Mapping[str, Any],
    pg: ParamGroups,
    static_zero_decay: bool,
):
    """``live`` maps ``lr`` / ``momentum`` / ``weight_decay`` to a list of per-group scalars
    (sliced once per update). A group whose weight decay is 0 gets the Python float ``0.0``
    (no decay term, as torch's ``if weight_decay != 0``) when ``static_zero_decay``."""
    leaf_hp = dict(hp)
    leaf_hp.update(leaf.overrides)
    leaf_hp["lr"] = live["lr"][leaf.lr_index]
    if pg.weight_decay:
        zero = static_zero_decay and pg.weight_decay[leaf.wd_index] == 0
        leaf_hp["weight_decay"] = 0.0 if zero else live["weight_decay"][leaf.wd_index]
    if defn.momentum_key == "momentum":
        leaf_hp["momentum"] = live["momentum"][leaf.momentum_index]
    elif defn.momentum_key == "betas":
        leaf_hp["betas"] = (live["momentum"][leaf.momentum_index], leaf_hp["betas"][1])
    return leaf_hp


_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("jaxoptim_memo", default=None)


def shared(key: str, *args: Any, fn: Callable[[], Any]) -> Any:
    """``fn()``, computed once per update for the same ``key`` and the same ``args`` objects.

    Per-leaf code calls this for scalars that every leaf of a group shares (bias corrections of
    the same ``beta`` and ``step``), so the traced graph holds one copy instead of one per leaf;
    that keeps compile time flat in the number of leaves. Outside an update it just calls ``fn``.
    """
    memo = _MEMO.get()
    if memo is None:
        return fn()
    numbers = (int, float)
    k = (key, *(a if isinstance(a, numbers) else ("id", id(a)) for a in args))
    hit = memo.get(k)
    if hit is not None and all(isinstance(a, numbers) or a is b for a, b in zip(args, hit[0])):
        return hit[1]
    value = fn()
    memo[k] = (args, value)
    return value


def per_group(key: str, x: Any, *args: Any, fn: Callable[..., Any]) -> Any:
    """``fn(x, *args)`` for a group's live scalar ``x`` (its ``lr``), computed for every group
    at once.

    Inside an update, ``x`` is entry ``i`` of a live vector ``v``; this returns
    ``fn(v, *args)[i]``, with ``fn(v, *args)`` traced once per update (``fn`` must be
    elementwise in its first argument, so each entry is bitwise what ``fn(x, *args)`` gives).
    A per-group divide (``lr / bias_correction``) is then one vector op instead of one scalar
    program per group: XLA keeps an expensive scalar op out of the per-leaf fusions, so with 161
    groups the per-group form compiled 161 extra small kernels. Elsewhere it is ``fn(x, *args)``.
    """
    memo = _MEMO.get()
    entry = None if memo is None else memo.get(("group_entry", ("id", id(x))))
    if entry is None or entry[0][0] is not x:
        return shared(key, x, *args, fn=lambda: fn(x, *args))
    vector, index = entry[1]
    whole = shared(("per_group", key), vector, *args, fn=lambda: fn(vector, *args))
    indices = memo[("group_index",)]
    return shared(("per_group_entries", key), whole, fn=lambda: _entries(whole, indices))[index]


def _entries(vector: jax.Array, indices: Sequence[jax.Array]) -> list[jax.Array]:
    """``vector``'s entries as scalars, indexed by the runtime ``indices`` (``group_index``).

    A slice ``vector[i]`` with a constant ``i`` fused into a leaf's update makes that fused
    computation differ from every other group's, and XLA:CPU compiles one kernel per distinct
    fused computation: 161 groups compiled 161 kernels where one group needs one. With the
    index a runtime operand, leaves of one shape share one kernel whatever their group.
    """
    n = vector.shape[0]
    if n == 1:
        return [vector[0]]
    return [jax.lax.dynamic_slice(vector, (indices[i],), (1,))[0] for i in range(n)]


def _register_groups(
    memo: dict, live: Mapping[str, jax.Array], indices: Sequence[jax.Array]
) -> dict[str, list]:
    """Splits every live vector into per-group scalars (:func:`_entries`), remembering each
    one's vector and index for :func:`per_group`."""
    memo[("group_index",)] = indices
    scalars = {}
    for name, vector in live.items():
        scalars[name] = _entries(vector, indices)
        for i, x in enumerate(scalars[name]):
            memo[("group_entry", ("id", id(x)))] = ((x,), (vector, i))
    return scalars


def group_index(groups: ParamGroups) -> tuple[jax.Array, ...]:
    """The runtime group indices a state holds (``TorchOptimizerState.group_index``)."""
    k = max(len(groups.lr), len(groups.momentum), len(groups.weight_decay))
    # unsigned: dynamic_slice needs no wrap-around of negative indices (fewer ops per leaf)
    return tuple(jnp.asarray(i, jnp.uint32) for i in range(k)) if k > 1 else ()


def initial_hyperparams(groups: ParamGroups) -> dict[str, jax.Array]:
    """The live hyperparameter vectors a state starts with."""
    live = {"lr": jnp.asarray(groups.lr, jnp.float32)}
    if groups.momentum:
        live["momentum"] = jnp.asarray(groups.momentum, jnp.float32)
    if groups.weight_decay:
        live["weight_decay"] = jnp.asarray(groups.weight_decay, jnp.float32)
    return live


def trainable_flags(where: str, trainable: Any, tree: Any, treedef: Any) -> list[bool]:
    """One Python bool per leaf of ``treedef``: which leaves train (all when ``trainable`` is None).

    ``trainable`` is a tree of bools or a function of ``tree`` (the params) giving one; the
    stages that must ignore frozen leaves (loss scaling, clipping) read it the same way.
    """
    if trainable is None:
        return [True] * treedef.num_leaves
    mask = trainable(tree) if callable(trainable) else trainable
    flags = treedef.flatten_up_to(mask)
    for flag in flags:
        if not isinstance(flag, bool):
            raise TypeError(f"{where}: `trainable` must give Python bools per leaf, got {flag!r}")
    return flags


def check_shapes(where: str, updates: Any, reference: Any, what: str = "params") -> None:
    """Raises ValueError naming the first leaf whose ``updates`` shape differs from ``reference``.

    The trees must already have one structure (``flatten_up_to`` checks that). jnp arithmetic
    would broadcast a ``(3, 1)`` gradient onto a ``(3, 2)`` parameter without a word.
    """
    paths, treedef = jax.tree_util.tree_flatten_with_path(updates)
    for (path, g), r in zip(paths, treedef.flatten_up_to(reference)):
        if jnp.shape(g) != jnp.shape(r):
            raise ValueError(
                f"{where}: the gradient of `{path_name(path)}` has shape {jnp.shape(g)}, its "
                f"{what} {jnp.shape(r)}"
            )


def _spec(x: Any) -> tuple[tuple[int, ...], Any]:
    return jnp.shape(x), jnp.result_type(x)


def _check_state(defn: OptimizerDef, state: Any, expected: Any) -> None:
    """Raises ValueError where ``state`` is not what ``init`` gives these params."""
    got, got_def = jax.tree_util.tree_flatten_with_path(state)
    want, want_def = jax.tree_util.tree_flatten_with_path(expected)
    problem = None
    if got_def != want_def:
        got_names = [path_name(p) for p, _ in got]
        want_names = [path_name(p) for p, _ in want]
        only = [n for n in got_names if n not in want_names]
        missing = [n for n in want_names if n not in got_names]
        problem = (
            f"it has `{only[0]}`, which init does not give"
            if only
            else f"it lacks `{missing[0]}`, which init gives"
            if missing
            else f"its structure is {got_def}, init gives {want_def}"
        )
    else:
        for (path, g), (_, w) in zip(got, want):
            if _spec(g) != _spec(w):
                problem = (
                    f"`{path_name(path)}` is {_spec(g)[1]}{list(_spec(g)[0])}, init gives "
                    f"{_spec(w)[1]}{list(_spec(w)[0])}"
                )
                break
    if problem:
        raise ValueError(
            f"{defn.name}: the optimizer state does not belong to these params: {problem}. Was "
            "it made by another optimizer, other param groups or other parameter shapes?"
        )


def _check_hyperparams(defn: OptimizerDef, live: Mapping[str, Any], hyperparams: Any) -> dict:
    if not isinstance(hyperparams, Mapping):
        raise TypeError(f"{defn.name}: `hyperparams` must be a dict, got {hyperparams!r}")
    # 'momentum' is the generic pair's other half: a driver may pass it to every optimizer
    unknown = [k for k in hyperparams if k not in live and k != "momentum"]
    if unknown:
        raise KeyError(
            f"{defn.name}: `hyperparams` has unknown key(s) {unknown}; this optimizer's live "
            f"values are {sorted(live)}"
        )
    out = {}
    for key, value in hyperparams.items():
        if key not in live:
            continue
        value = jnp.asarray(value)
        if not jnp.issubdtype(value.dtype, jnp.floating):
            raise TypeError(
                f"{defn.name}: `hyperparams[{key!r}]` must be floating point, got {value.dtype}"
            )
        if jnp.shape(value) != jnp.shape(live[key]):
            raise ValueError(
                f"{defn.name}: `hyperparams[{key!r}]` must have shape {jnp.shape(live[key])} "
                f"(one value per group), got {jnp.shape(value)}"
            )
        out[key] = jnp.asarray(value, jnp.float32)
    return out


def decay_groups(hp: Hyper, groups: GroupsFn) -> GroupsFn:
    """``groups`` with :func:`live_decay` applied, memoized per tree structure."""
    return cached_groups(lambda tree: live_decay(hp, groups(tree)))


def torch_transform(
    defn: OptimizerDef,
    hp: Hyper,
    *,
    groups: GroupsFn | None = None,
    static_zero_decay: bool = True,
) -> optax.GradientTransformationExtraArgs:
    """One optax transformation running ``defn`` on every leaf with its group's settings.

    Args:
      defn: the optimizer definition.
      hp: its full hyperparameters (from :meth:`OptimizerDef.hyperparams`).
      groups: ``tree -> ParamGroups``; ``None`` gives every leaf the optimizer's settings.
      static_zero_decay: a group whose weight decay is 0 gets no decay term at all (torch's
        ``if weight_decay != 0``, decided from the group's value when the update is traced);
        ``False`` when a schedule may lift a zero weight decay (then ``0 * p`` is computed).

    Returns:
      A transformation whose ``update`` accepts an optional ``hyperparams`` keyword
      (``{'lr': f32[G], 'momentum': f32[M], 'weight_decay': f32[W]}``) that overrides the live
      values in its state.
    """
    groups_fn = decay_groups(hp, groups or single_group(defn, hp))

    def init_fn(params):
        pg = groups_fn(params)
        leaves, treedef = jax.tree_util.tree_flatten(params)
        if len(leaves) != len(pg.leaves):
            raise ValueError(
                f"{defn.name}: param groups describe {len(pg.leaves)} leaves, "
                f"params have {len(leaves)}"
            )
        states = []
        for p, leaf in zip(leaves, pg.leaves):
            if leaf.frozen:
                states.append(optax.MaskedNode())
            else:
                leaf_hp = dict(hp)
                leaf_hp.update(leaf.overrides)
                # a group's own lr / momentum decides which buffers it keeps (torch: per group)
                leaf_hp["lr"] = pg.lr[leaf.lr_index]
                if pg.weight_decay:
                    leaf_hp["weight_decay"] = pg.weight_decay[leaf.wd_index]
                if defn.momentum_key == "momentum" and pg.momentum:
                    leaf_hp["momentum"] = pg.momentum[leaf.momentum_index]
                elif defn.momentum_key == "betas" and pg.momentum:
                    leaf_hp["betas"] = (pg.momentum[leaf.momentum_index], leaf_hp["betas"][1])
                states.append(defn.init_leaf(jnp.asarray(p), leaf_hp))
        return TorchOptimizerState(
            count=jnp.zeros([], jnp.int32),
            hyperparams=initial_hyperparams(pg),
            leaves=jax.tree_util.tree_unflatten(treedef, states),
            group_index=group_index(pg),
        )

    expected: dict[Any, Any] = {}

    def expected_state(params):
        # What init gives params of these shapes; cached, as the groups are.
        leaves, treedef = jax.tree_util.tree_flatten(params)
        key = (treedef, tuple(_spec(p) for p in leaves))
        if key not in expected:
            abstract = [jax.ShapeDtypeStruct(*_spec(p)) for p in leaves]
            expected[key] = jax.eval_shape(init_fn, jax.tree_util.tree_unflatten(treedef, abstract))
        return expected[key]

    def update_fn(updates, state, params=None, *, hyperparams=None, **extra_args):
        del extra_args
        if params is None:
            raise ValueError(f"{defn.name} needs `params` in update (torch's algorithms read them)")
        live = dict(state.hyperparams)
        if hyperparams is not None:
            live.update(_check_hyperparams(defn, live, hyperparams))
        pg = groups_fn(params)
        grads, treedef = jax.tree_util.tree_flatten(updates)
        param_leaves = treedef.flatten_up_to(params)
        check_shapes(defn.name, updates, params)
        _check_state(defn, state, expected_state(params))
        state_leaves = treedef.flatten_up_to(state.leaves)
        count = state.count + 1
        step = count.astype(jnp.float32)
        deltas, new_states = [], []
        memo: dict = {}
        token = _MEMO.set(memo)
        try:
            scalars = _register_groups(memo, live, state.group_index)
            prepared = None
            if defn.prepare_update is not None:
                trained = [g for g, leaf in zip(grads, pg.leaves) if not leaf.frozen]
                prepared = defn.prepare_update(trained, hp)
            for g, p, s, leaf in zip(grads, param_leaves, state_leaves, pg.leaves):
                if leaf.frozen:
                    deltas.append(jnp.zeros_like(g))
                    new_states.append(s)
                    continue
                leaf_hp = _leaf_hyper(defn, hp, leaf, scalars, pg, static_zero_decay)
                if defn.prepare_update is not None:
                    leaf_hp["prepared"] = prepared
                delta, s_new = defn.update_leaf(g, p, s, leaf_hp, step)
                deltas.append(delta.astype(p.dtype))
                new_states.append(
                    jax.tree_util.tree_map(lambda new, old: new.astype(old.dtype), s_new, s)
                )
        finally:
            _MEMO.reset(token)
        new_state = TorchOptimizerState(
            count=count,
            hyperparams=live,
            leaves=jax.tree_util.tree_unflatten(treedef, new_states),
            group_index=state.group_index,
        )
        return jax.tree_util.tree_unflatten(treedef, deltas), new_state

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def update_if(
    pred: jax.Array,
    inner: optax.GradientTransformationExtraArgs,
    updates: Any,
    inner_state: Any,
    params: Any,
    **extra_args: Any,
) -> tuple[Any, Any]:
    """``inner.update(...)`` when ``pred``, else zero updates and ``inner_state`` unchanged.

    The choice is a ``jax.lax.cond``: when ``pred`` is false, ``inner``'s update does not run and
    its state comes back bitwise as it was (step counts, momentum buffers, Adam moments). This is
    what a skipped (non-finite) step and an accumulating micro-step both need.
    """

    def apply(operands):
        upd, state, prm = operands
        return inner.update(upd, state, prm, **extra_args)

    operands = (updates, inner_state, params)
    out_shapes = jax.eval_shape(apply, operands)

    def hold(operands):
        _, state, _ = operands
        # lax.cond needs both branches to return the same dtypes; a no-op cast otherwise.
        kept = jax.tree_util.tree_map(
            lambda x, s: x if x.dtype == s.dtype else x.astype(s.dtype), state, out_shapes[1]
        )
        zeros = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), out_shapes[0])
        return zeros, kept

    return jax.lax.cond(pred, apply, hold, operands)
