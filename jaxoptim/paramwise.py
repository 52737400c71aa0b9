"""``paramwise_cfg``: mmcv's per-parameter lr and weight-decay rules, compiled per leaf.

:class:`DefaultOptimizerConstructor` restates mmcv 1.x's ``DefaultOptimizerConstructor`` for a
parameter pytree. Called on the params it returns a :class:`ParamTable`: one
:class:`ParamRow` per leaf (tree order) with the leaf's absolute ``lr`` and ``weight_decay``
(torch's group values), whether it is frozen, and the rule that decided. The table is
computed from names, shapes and module kinds only, so it is static: :func:`groups_from_table`
compiles it into :class:`~jaxoptim.optimizer_base.ParamGroups` (a handful of distinct live lr /
momentum values plus static per-leaf settings) and the update stays one fused pass however
many groups a model has. :func:`explain` prints the table for a config.

Names. A parameter's name is its pytree path joined by ``.`` (``backbone.conv1.kernel``); an
``nnx.Variable`` is one parameter, named without its ``.value``. Custom keys are matched, as in
mmcv, against the *full name* ``f'{prefix}.{leaf}'``: a root-level leaf ``param1`` is
``'.param1'``, so the key ``'.param1'`` matches both ``param1`` and ``sub.param1``.

The rules (mmcv dialect, the default; every multiplier defaults to 1 so its rule always fires):

1. ``custom_keys``: the longest key that is a substring of the full name wins (alphabetical
   tie-break): ``lr = base_lr * lr_mult``, ``weight_decay = base_wd * decay_mult``; with
   ``frozen=True`` the leaf gets no state and an exactly zero update. No other rule applies.
2. lr: a leaf named ``bias`` outside norm layers and DCN offset convs gets ``bias_lr_mult``;
   DCN offset-conv leaves get ``dcn_offset_lr_mult``.
3. weight decay, first match wins: norm -> ``norm_decay_mult``; depthwise conv ->
   ``dwconv_decay_mult``; ``bias`` (not DCN) -> ``bias_decay_mult``; then, only when configured,
   1-D non-DCN leaves -> ``flat_decay_mult`` (mmengine's key, last in order).

``dialect='mmengine'`` reproduces mmengine's ``DefaultOptimWrapperConstructor``: multipliers
default to ``None`` (rule inactive), the weight-decay order is norm -> bias -> depthwise -> flat,
and extra entries of a custom key (``momentum``, ``betas``, ``eps``, ...) become per-group
hyperparameters (:attr:`ParamRow.extras`).

Where jaxoptim differs from mmcv, on purpose: unknown ``paramwise_cfg`` keys and unknown
custom-key entries raise ``TypeError`` (mmcv ignores them); ``lr_mult`` without an ``lr`` in
the config multiplies the optimizer's default lr (mmcv fails with ``NoneType * float``); without
``weight_decay`` every leaf has the optimizer's default decay (torch AdamW: 0.01), and
``flat_decay_mult`` without it raises ``ValueError`` like the other decay multipliers;
``bypass_duplicate`` is accepted (a bool) but has nothing to do: a pytree has no shared leaves,
every leaf is its own parameter. mmcv's parameters with ``requires_grad=False`` do not exist in
a pytree: use ``frozen=True``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import jax

from jaxoptim.frontend import OptimSetup, normalize, thaw
from jaxoptim.frontend import optimizer_defaults as _optimizer_hyperparams
from jaxoptim.kinds import KINDS, kinds_from_names, variable_value
from jaxoptim.optimizer_base import LeafGroup, OptimizerDef, ParamGroups, path_name
from jaxoptim.registry import OPTIMIZER_BUILDERS, OPTIMIZERS

__all__ = [
    "DefaultOptimizerConstructor",
    "ParamRow",
    "FixedLr",
    "ParamTable",
    "explain",
    "fix_lrs",
    "groups_from_table",
    "param_leaves",
]

_LR_MULTS = ("bias_lr_mult", "dcn_offset_lr_mult")
_DECAY_MULTS = ("norm_decay_mult", "dwconv_decay_mult", "bias_decay_mult", "flat_decay_mult")
_PARAMWISE_KEYS = ("custom_keys", "bypass_duplicate", "dialect", *_LR_MULTS, *_DECAY_MULTS)
_CUSTOM_ENTRY_KEYS = ("lr_mult", "decay_mult", "frozen")
_DIALECTS = ("mmcv", "mmengine")


@dataclasses.dataclass(frozen=True)
class ParamRow:
    """What the paramwise rules decided for one parameter leaf.

    Attributes:
      name: the ``.``-joined path (``backbone.conv1.kernel``).
      shape: the leaf's shape.
      lr: the leaf's absolute learning rate (torch's group ``lr``); 0 when frozen.
      weight_decay: its absolute weight decay, ``None`` when the optimizer has none; 0 when
        frozen.
      frozen: no optimizer state and an exactly zero update.
      rule: what decided (``custom_keys['sub']``, ``bias_lr_mult+bias_decay_mult``,
        ``norm_decay_mult``, ``default``, ...).
      kind: ``'norm'``, ``'dwconv'``, ``'dcn_offset'`` or ``None``.
      extras: further per-group hyperparameters (mmengine dialect custom keys), e.g.
        ``{'momentum': 0.5}``.
    """

    name: str
    shape: tuple[int, ...]
    lr: float | None
    weight_decay: float | None
    frozen: bool = False
    rule: str = "default"
    kind: str | None = None
    extras: Mapping[str, Any] = dataclasses.field(default_factory=dict, hash=False)
    fix_lr: bool = False


class FixedLr(float):
    """A group lr that SimSiamHook holds: the lr schedules leave that group at this value."""

    def __repr__(self) -> str:
        return f"FixedLr({float(self)!r})"


def fix_lrs(table: ParamTable, hook_lr: float | None) -> ParamTable:
    """The table with SimSiamHook's lr on the rows a ``fix_lr=True`` custom key decided.

    mmpretrain's / mmselfsup's ``SimSiamHook(fix_pred_lr=True, lr=...)`` sets the lr of every
    param group whose ``fix_lr`` is true to its ``lr`` before each epoch (and iteration), so
    those groups train at that lr whatever the schedule does (:func:`jaxoptim.mmengine_cfg.
    simsiam_lr` checks that the schedule lets it). Without the hook the flag is inert in
    mmengine (a group key nothing reads): the rows keep their lr, with a warning.

    Args:
      table: the constructor's table.
      hook_lr: the hook's ``lr``, or ``None`` without a fixing SimSiamHook.
    """
    fixed = [row for row in table if row.fix_lr and not row.frozen]
    if not fixed:
        return table
    if hook_lr is None:
        warnings.warn(
            f"paramwise_cfg: custom key fix_lr=True on {[r.name for r in fixed][:3]} does "
            "nothing without custom_hooks=[dict(type='SimSiamHook', fix_pred_lr=True, lr=...)] "
            "(mmengine only stores the flag): those parameters follow the lr schedule",
            UserWarning,
            stacklevel=2,
        )
        return table
    rows = [
        dataclasses.replace(row, lr=FixedLr(hook_lr), rule=f"{row.rule}+fix_lr (SimSiamHook)")
        if row.fix_lr and not row.frozen
        else row
        for row in table
    ]
    return table.with_rows(rows)


class ParamTable(Sequence):
    """The rows of every parameter leaf in tree order, printable as an aligned table.

    Args:
      rows: one :class:`ParamRow` per leaf, in tree-flatten order.
      kind_source: where the kinds came from (``'param_kinds'``, ``'names'``, ...).
      dialect: ``'mmcv'`` or ``'mmengine'`` (informational).
      base_lr: the lr a leaf without rules gets (the config's or the optimizer's default).
      unmatched_keys: custom keys that decided no parameter.
    """

    def __init__(
        self,
        rows: Sequence[ParamRow],
        *,
        kind_source: str,
        dialect: str = "mmcv",
        base_lr: float | None = None,
        unmatched_keys: Sequence[str] = (),
    ):
        self._rows = tuple(rows)
        self._by_name = {row.name: row for row in self._rows}
        self.kind_source = kind_source
        self.dialect = dialect
        self.base_lr = base_lr
        self.unmatched_keys = tuple(unmatched_keys)

    def __getitem__(self, index):
        return self._rows[index]

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[ParamRow]:
        return iter(self._rows)

    def with_rows(self, rows: Sequence[ParamRow]) -> ParamTable:
        """The same table (kind source, dialect, base lr, unmatched keys) with other rows.

        For constructors that adjust the default rules' decisions (see ``layer_decay.py``).
        """
        return ParamTable(
            rows,
            kind_source=self.kind_source,
            dialect=self.dialect,
            base_lr=self.base_lr,
            unmatched_keys=self.unmatched_keys,
        )

    def group(self, name: str) -> ParamRow:
        """The row of the parameter called ``name``; ``KeyError`` (with close names) if none."""
        if name in self._by_name:
            return self._by_name[name]
        close = difflib.get_close_matches(name, list(self._by_name), n=3)
        raise KeyError(f"no parameter named {name!r} in the table; closest: {close}")

    def to_dicts(self) -> list[dict[str, Any]]:
        """The rows as plain dicts (``extras`` as a dict), e.g. for JSON or a DataFrame."""
        return [
            {**dataclasses.asdict(row), "shape": list(row.shape), "extras": dict(row.extras)}
            for row in self._rows
        ]

    def __repr__(self) -> str:
        return f"ParamTable({len(self)} rows, dialect={self.dialect!r}, kinds={self.kind_source!r})"

    def __str__(self) -> str:
        header = ("name", "shape", "lr", "weight_decay", "frozen", "kind", "rule", "extras")
        body = [
            (
                row.name,
                str(tuple(row.shape)),
                _fmt(row.lr),
                _fmt(row.weight_decay),
                "yes" if row.frozen else "",
                row.kind or "",
                row.rule,
                ", ".join(f"{k}={v!r}" for k, v in sorted(row.extras.items())),
            )
            for row in self._rows
        ]
        # frozen / kind / extras only when some row has one.
        keep = [i for i in range(len(header)) if i in (0, 1, 2, 3, 6) or any(r[i] for r in body)]
        header = tuple(header[i] for i in keep)
        body = [tuple(r[i] for i in keep) for r in body]
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
        lines = [
            f"paramwise ({self.dialect} dialect, kinds from {self.kind_source}): "
            f"{len(self)} parameters, {len({(r.lr, r.weight_decay) for r in self._rows})} "
            "distinct (lr, weight_decay)"
        ]
        for cells in [header, *body]:
            lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def param_leaves(params: Any) -> list[tuple[str, tuple[int, ...]]]:
    """``(name, shape)`` of every parameter leaf in tree order (an nnx Variable is one leaf).

    Args:
      params: a pytree of arrays or ``jax.ShapeDtypeStruct`` (or an ``nnx.State``).

    Returns:
      The leaves' ``.``-joined names and shapes.

    Examples:
      >>> import jax.numpy as jnp
      >>> param_leaves({'dense': {'kernel': jnp.zeros((2, 3)), 'bias': jnp.zeros(3)}})
      [('dense.bias', (3,)), ('dense.kernel', (2, 3))]
    """
    flat = jax.tree_util.tree_flatten_with_path(params, is_leaf=_is_variable)[0]
    out = []
    for path, leaf in flat:
        if _is_variable(leaf):
            leaf = variable_value(leaf)
        out.append((path_name(path), tuple(int(d) for d in getattr(leaf, "shape", ()))))
    return out


def _is_variable(x: Any) -> bool:
    from flax import nnx

    return isinstance(x, nnx.Variable)


def match_kinds(param_kinds: Any, names: list[str]) -> list[str | None]:
    """The kind of every named leaf, looked up by name in a ``param_kinds`` tree."""
    flat = jax.tree_util.tree_flatten_with_path(
        param_kinds, is_leaf=lambda x: x is None or isinstance(x, str) or _is_variable(x)
    )[0]
    by_name = {}
    for path, kind in flat:
        if _is_variable(kind):
            kind = variable_value(kind)
        name = path_name(path)
        if kind is not None and kind not in KINDS:
            raise ValueError(f"param_kinds[{name!r}] = {kind!r}; kinds are {KINDS} or None")
        by_name[name] = kind
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ValueError(
            f"param_kinds has no entry for parameter(s) {missing[:5]}; it must have the "
            "structure of the params (for linen: variables['params'], without the 'params' level)"
        )
    return [by_name[n] for n in names]


def _paramwise_options(
    optimizer_cfg: Mapping[str, Any], paramwise_cfg: Any
) -> dict[re.Pattern, dict[str, Any]] | None:
    """mmselfsup 0.x's ``optimizer.paramwise_options``, checked and compiled (``None`` if absent).

    mmselfsup 0.x's ``build_optimizer`` pops it and hands it to its own
    ``DefaultOptimizerConstructor`` (registered over mmcv's): regular-expression keys searched in
    each parameter's name; every matching key applies its options in order, later ones
    overriding; ``<key>_mult`` sets ``<key>`` to the optimizer's value times the multiplier
    (never cumulative), any other option (``lr``, ``momentum``, ``weight_decay``, ``fix_lr``,
    ...) goes into the parameter's group as given.
    """
    options = optimizer_cfg.get("paramwise_options")
    if options is None:
        return None
    if paramwise_cfg:
        raise ValueError(
            "optimizer: paramwise_options (mmselfsup 0.x's constructor) and paramwise_cfg "
            "(mmcv's) cannot be combined: mmselfsup would pass paramwise_cfg to the optimizer"
        )
    if not isinstance(options, Mapping):
        raise TypeError(f"optimizer.paramwise_options must be a dict, got {options!r}")
    compiled = {}
    for key, entry in options.items():
        where = f"optimizer.paramwise_options[{key!r}]"
        if not isinstance(key, str):
            raise TypeError(f"{where}: keys are regular expressions (str)")
        if not isinstance(entry, Mapping):
            raise TypeError(f"{where} must be a dict of group options, got {entry!r}")
        try:
            pattern = re.compile(key)
        except re.error as e:
            raise ValueError(f"{where}: not a regular expression ({e})") from None
        for option, value in entry.items():
            if option.endswith("_mult"):
                base = option[: -len("_mult")]
                if base not in optimizer_cfg:  # mmselfsup asserts the same
                    raise KeyError(f"{where}.{option}: `{base}` is not in the optimizer config")
                _check_number(f"paramwise_options[{key!r}].{option}", value)
            elif option == "fix_lr" and not isinstance(value, bool):
                raise TypeError(f"{where}.fix_lr must be a bool, got {value!r}")
        compiled[pattern] = dict(entry)
    return compiled


def _check_number(where: str, value: Any, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"paramwise_cfg: `{where}` must be a number, got {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"paramwise_cfg: `{where}` must be a finite number >= 0, got {value!r}")


def _full_name(name: str) -> str:
    # mmcv matches f'{prefix}.{name}', and a root-level parameter has prefix ''.
    return name if "." in name else "." + name


@OPTIMIZER_BUILDERS.register_module()
class DefaultOptimizerConstructor:
    """mmcv 1.x's ``DefaultOptimizerConstructor`` for parameter pytrees.

    Validates like mmcv at construction; calling it on the params returns the
    :class:`ParamTable`. See the module docstring for the rules and the ``'mmengine'`` dialect.

    This is also the template for custom constructors: any class registered in
    ``OPTIMIZER_BUILDERS`` with the same ``__init__(optimizer_cfg, paramwise_cfg=None)`` and
    ``__call__(params, param_kinds=None) -> ParamTable``, selected with
    ``optimizer=dict(..., constructor='MyOptimizerConstructor')``.

    Args:
      optimizer_cfg: the optimizer dict (``type``, ``lr``, ``weight_decay``, ...) without
        ``constructor`` and ``paramwise_cfg``.
      paramwise_cfg: ``None`` or a mapping of the keys listed in the module docstring.

    Raises:
      TypeError: a config is not a mapping, an unknown or wrongly typed key (the message names
        it).
      ValueError: a decay multiplier without ``weight_decay`` in ``optimizer_cfg``, a
        negative multiplier, an unknown dialect.
      KeyError: ``optimizer_cfg`` has no ``type`` or an unregistered one.

    Examples:
      >>> import jax.numpy as jnp
      >>> from jaxoptim.registry import OPTIMIZER_BUILDERS
      >>> @OPTIMIZER_BUILDERS.register_module()
      ... class Conv1LrConstructor:
      ...     def __init__(self, optimizer_cfg, paramwise_cfg=None):
      ...         self.lr, self.wd = optimizer_cfg['lr'], optimizer_cfg.get('weight_decay', 0.0)
      ...         self.mult = (paramwise_cfg or {}).get('conv1_lr_mult', 1.0)
      ...     def __call__(self, params, param_kinds=None):
      ...         rows = [ParamRow(name, shape, self.lr * self.mult, self.wd, rule='conv1')
      ...                 if name.startswith('conv1') else ParamRow(name, shape, self.lr, self.wd)
      ...                 for name, shape in param_leaves(params)]
      ...         return ParamTable(rows, kind_source='unused', base_lr=self.lr)
      >>> params = {'conv1': {'kernel': jnp.zeros((1, 1, 3, 4))}, 'head': {'kernel': jnp.zeros(4)}}
      >>> cfg = dict(type='SGD', lr=0.01, constructor='Conv1LrConstructor',
      ...            paramwise_cfg=dict(conv1_lr_mult=5))
      >>> [round(row.lr, 6) for row in explain(cfg, params)]
      [0.05, 0.01]
    """

    def __init__(self, optimizer_cfg: Mapping[str, Any], paramwise_cfg: Mapping | None = None):
        if not isinstance(optimizer_cfg, Mapping):
            raise TypeError(
                f"optimizer_cfg should be a dict, but got {type(optimizer_cfg).__name__}"
            )
        if paramwise_cfg is not None and not isinstance(paramwise_cfg, Mapping):
            raise TypeError(
                f"paramwise_cfg should be None or a dict, but got {type(paramwise_cfg).__name__}"
            )
        self.regex_options = _paramwise_options(optimizer_cfg, paramwise_cfg)
        self.optimizer_cfg = {k: v for k, v in optimizer_cfg.items() if k != "paramwise_options"}
        self.paramwise_cfg = dict(paramwise_cfg or {})
        # optax factories name it `learning_rate`
        self.base_lr = self.optimizer_cfg.get("lr", self.optimizer_cfg.get("learning_rate"))
        self.base_wd = self.optimizer_cfg.get("weight_decay")
        self.dialect = self.paramwise_cfg.get("dialect", "mmcv")
        self.custom_keys: dict[str, dict[str, Any]] = {}
        self._validate()
        if "type" not in self.optimizer_cfg:
            raise KeyError("optimizer config has no `type` (e.g. dict(type='SGD', lr=0.01))")
        defaults, accepted = _optimizer_hyperparams(self.optimizer_cfg["type"])
        self._check_extras(accepted)
        default_lr = defaults.get("lr", defaults.get("learning_rate"))
        self._lr = self.base_lr if self.base_lr is not None else default_lr
        self._wd = self.base_wd if self.base_wd is not None else defaults.get("weight_decay")
        uses_lr = any(k in self.paramwise_cfg for k in _LR_MULTS) or any(
            "lr_mult" in v for v in self.custom_keys.values()
        )
        if self._lr is None and uses_lr:
            raise ValueError(
                "paramwise_cfg: an lr multiplier needs a learning rate, but the optimizer config "
                "has no `lr` and the optimizer has no default one"
            )

    def _validate(self) -> None:
        cfg = self.paramwise_cfg
        unknown = [k for k in cfg if k not in _PARAMWISE_KEYS]
        if unknown:
            raise TypeError(
                f"paramwise_cfg: unknown key(s) {unknown}; known keys are {sorted(_PARAMWISE_KEYS)}"
            )
        if not isinstance(self.dialect, str):
            raise TypeError(f"paramwise_cfg: `dialect` must be a str, got {self.dialect!r}")
        if self.dialect not in _DIALECTS:
            raise ValueError(
                f"paramwise_cfg: `dialect` must be one of {_DIALECTS}, got {self.dialect!r}"
            )
        for key in (*_LR_MULTS, *_DECAY_MULTS):
            if key in cfg:
                _check_number(key, cfg[key], allow_none=self.dialect == "mmengine")
        if not isinstance(cfg.get("bypass_duplicate", False), bool):
            raise TypeError(
                f"paramwise_cfg: `bypass_duplicate` must be a bool, got {cfg['bypass_duplicate']!r}"
            )
        custom = cfg.get("custom_keys", {})
        if not isinstance(custom, Mapping):
            raise TypeError(
                f"paramwise_cfg: `custom_keys` should be a dict, but got {type(custom).__name__}"
            )
        for key, entry in custom.items():
            if not isinstance(key, str):
                raise TypeError(f"paramwise_cfg: custom_keys key {key!r} must be a str")
            if not isinstance(entry, Mapping):
                raise TypeError(
                    f"paramwise_cfg: custom_keys[{key!r}] must be a dict, got {entry!r}"
                )
            for mult in ("lr_mult", "decay_mult", "lr", "weight_decay"):
                if mult in entry:
                    _check_number(f"custom_keys[{key!r}].{mult}", entry[mult])
            if not isinstance(entry.get("fix_lr", False), bool):
                raise TypeError(
                    f"paramwise_cfg: `custom_keys[{key!r}].fix_lr` must be a bool, "
                    f"got {entry['fix_lr']!r}"
                )
            if "fix_lr" in entry and self.dialect == "mmcv":
                raise TypeError(
                    f"paramwise_cfg: custom_keys[{key!r}].fix_lr: mmcv 1.x's constructor drops it "
                    "(SimSiamHook never sees it); it is an mmengine custom key: "
                    "paramwise_cfg=dict(..., dialect='mmengine')"
                )
            if not isinstance(entry.get("frozen", False), bool):
                raise TypeError(
                    f"paramwise_cfg: `custom_keys[{key!r}].frozen` must be a bool, "
                    f"got {entry['frozen']!r}"
                )
            extra = [k for k in entry if k not in _CUSTOM_ENTRY_KEYS]
            if extra and self.dialect == "mmcv":
                raise TypeError(
                    f"paramwise_cfg: custom_keys[{key!r}] has unknown key(s) {extra}; the mmcv "
                    f"dialect takes {list(_CUSTOM_ENTRY_KEYS)} (paramwise_cfg=dict(..., "
                    "dialect='mmengine') copies other keys into the parameter group)"
                )
            if self.base_wd is None and "decay_mult" in entry:
                raise ValueError(
                    f"base_wd should not be None: custom_keys[{key!r}] sets `decay_mult` but the "
                    "optimizer config has no `weight_decay`"
                )
            self.custom_keys[key] = dict(entry)
        if self.base_wd is None:
            present = [k for k in _DECAY_MULTS if k in cfg]
            if present:
                raise ValueError(
                    f"base_wd should not be None: paramwise_cfg sets {present} but the optimizer "
                    "config has no `weight_decay`"
                )
        elif isinstance(self.base_wd, bool) or not isinstance(self.base_wd, numbers.Real):
            raise TypeError(f"optimizer `weight_decay` must be a number, got {self.base_wd!r}")
        if self.base_lr is not None and (
            isinstance(self.base_lr, bool) or not isinstance(self.base_lr, numbers.Real)
        ):
            raise TypeError(f"optimizer `lr` must be a number, got {self.base_lr!r}")

    def _regex_row(self, name: str, shape: tuple[int, ...], kind: str | None) -> ParamRow:
        """One leaf under mmselfsup 0.x's ``paramwise_options`` (every matching key, in order)."""
        group: dict[str, Any] = {}
        matched = []
        for pattern, entry in self.regex_options.items():
            if not pattern.search(name):
                continue
            matched.append(pattern.pattern)
            for option, value in entry.items():
                if option.endswith("_mult"):
                    option = option[: -len("_mult")]
                    value = self.optimizer_cfg[option] * value
                group[option] = value
        lr = group.pop("lr", self._lr)
        weight_decay = group.pop("weight_decay", self._wd)
        fix_lr = bool(group.pop("fix_lr", False))
        rule = "+".join(f"paramwise_options[{m!r}]" for m in matched) or "default"
        return ParamRow(
            name, shape, lr, weight_decay, rule=rule, kind=kind, extras=group, fix_lr=fix_lr
        )

    def _check_extras(self, accepted: frozenset[str] | None) -> None:
        if accepted is None:
            return
        for key, entry in self.custom_keys.items():
            for k in entry:
                if k not in (*_CUSTOM_ENTRY_KEYS, "fix_lr") and k not in accepted:
                    raise TypeError(
                        f"paramwise_cfg: custom_keys[{key!r}].{k} is not a hyperparameter of "
                        f"{self.optimizer_cfg['type']!r} (it takes {sorted(accepted)})"
                    )

    def __call__(self, params: Any, param_kinds: Any = None) -> ParamTable:
        """The table of every leaf of ``params`` (arrays or ``jax.ShapeDtypeStruct``).

        Args:
          params: the parameter pytree.
          param_kinds: from :func:`jaxoptim.param_kinds`; ``None`` uses the name fallback
            (:func:`jaxoptim.kinds.kinds_from_names`).

        Returns:
          The :class:`ParamTable`. A ``UserWarning`` lists custom keys that decided no leaf.
        """
        leaves = param_leaves(params)
        names = [n for n, _ in leaves]
        if param_kinds is None:
            kinds, source = kinds_from_names(names), "names"
        else:
            kinds, source = match_kinds(param_kinds, names), "param_kinds"
        if self.regex_options is not None:
            rows = [self._regex_row(n, shape, kind) for (n, shape), kind in zip(leaves, kinds)]
            return ParamTable(rows, kind_source=source, dialect=self.dialect, base_lr=self._lr)
        sorted_keys = sorted(sorted(self.custom_keys), key=len, reverse=True)
        used: set[str] = set()
        rows = []
        for (name, shape), kind in zip(leaves, kinds, strict=True):
            full = _full_name(name)
            key = next((k for k in sorted_keys if k in full), None)
            if key is not None:
                used.add(key)
                rows.append(self._custom_row(name, shape, kind, key))
            else:
                rows.append(self._rule_row(name, shape, kind))
        unmatched = [k for k in sorted(self.custom_keys) if k not in used]
        if unmatched:
            fulls = [_full_name(n) for n in names]
            absent = [k for k in unmatched if not any(k in f for f in fulls)]
            beaten = [k for k in unmatched if k not in absent]
            warnings.warn(
                f"paramwise_cfg: custom_keys {unmatched} decided no parameter"
                + (f"; {absent} are in no name (names look like {fulls[:3]})" if absent else "")
                + (f"; {beaten} always lose to a longer key" if beaten else ""),
                UserWarning,
                stacklevel=2,
            )
        return ParamTable(
            rows,
            kind_source=source,
            dialect=self.dialect,
            base_lr=self._lr,
            unmatched_keys=unmatched,
        )

    def _custom_row(
        self, name: str, shape: tuple[int, ...], kind: str | None, key: str
    ) -> ParamRow:
        entry = self.custom_keys[key]
        rule = f"custom_keys[{key!r}]"
        if entry.get("frozen", False):
            return ParamRow(name, shape, 0.0, 0.0, True, f"frozen by {rule}", kind)
        lr = None if self._lr is None else self._lr * entry.get("lr_mult", 1.0)
        wd = self._wd if self.base_wd is None else self.base_wd * entry.get("decay_mult", 1.0)
        extras = {}
        if self.dialect == "mmengine":
            extras = {k: v for k, v in entry.items() if k not in _CUSTOM_ENTRY_KEYS}
            lr = extras.pop("lr", lr)
            wd = extras.pop("weight_decay", wd)
            if extras.pop("fix_lr", False):  # the group's flag, read by SimSiamHook
                return ParamRow(name, shape, lr, wd, False, rule, kind, extras, fix_lr=True)
        return ParamRow(name, shape, lr, wd, False, rule, kind, extras)

    def _rule_row(self, name: str, shape: tuple[int, ...], kind: str | None) -> ParamRow:
        cfg = self.paramwise_cfg
        mmcv = self.dialect == "mmcv"
        if not cfg:
            return ParamRow(name, shape, self._lr, self._wd, False, "default", kind)
        is_bias = name.rsplit(".", 1)[-1] == "bias"
        is_dcn = kind == "dcn_offset"
        lr, rules = self._lr, []
        for key, applies in (
            ("bias_lr_mult", is_bias and kind not in ("norm", "dcn_offset")),
            ("dcn_offset_lr_mult", is_dcn),
        ):
            mult = cfg.get(key, 1.0 if mmcv else None)
            if applies and mult is not None and self._lr is not None:
                lr = self._lr * mult
                if key in cfg:
                    rules.append(key)
        wd = self._wd
        if self.base_wd is not None:
            matches = {
                "norm_decay_mult": kind == "norm",
                "dwconv_decay_mult": kind == "dwconv",
                "bias_decay_mult": is_bias and not is_dcn,
                "flat_decay_mult": len(shape) == 1 and not is_dcn,
            }
            order = (
                ("norm_decay_mult", "dwconv_decay_mult", "bias_decay_mult", "flat_decay_mult")
                if mmcv
                else ("norm_decay_mult", "bias_decay_mult", "dwconv_decay_mult", "flat_decay_mult")
            )
            default = 1.0 if mmcv else None
            active = [
                k
                for k in order
                if matches[k]
                and cfg.get(k, None if k == "flat_decay_mult" else default) is not None
            ]
            if active:
                fired = active[0]
                wd = self.base_wd * cfg.get(fired, 1.0)
                if fired in cfg:
                    rules.append(fired)
                elif any(k in cfg for k in active[1:]):
                    rules.append(f"{fired}=1 (default)")
        return ParamRow(name, shape, lr, wd, False, "+".join(rules) or "default", kind)


def groups_from_table(
    table: Sequence[ParamRow], defn: OptimizerDef | None, hp: Mapping[str, Any]
) -> ParamGroups:
    """Compiles a :class:`ParamTable` into per-leaf :class:`ParamGroups`.

    Args:
      table: the rows, in tree-flatten order.
      defn: the optimizer definition; ``None`` for a user optimizer (then only lr groups,
        frozen leaves and weight decays that differ from ``hp``'s become settings).
      hp: the optimizer's full hyperparameters (:meth:`OptimizerDef.hyperparams`).

    Returns:
      ``lr`` = the distinct row lrs with ``hp['lr']`` first, ``momentum`` likewise (mmengine
      extras ``momentum`` or ``betas[0]``), and one :class:`LeafGroup` per row whose
      ``overrides`` hold its ``weight_decay`` and its other extras.

    Raises:
      TypeError: an extra is not a hyperparameter of the optimizer (the message names it).

    Examples:
      >>> from jaxoptim.optimizers import SGD
      >>> hp = SGD.hyperparams(lr=0.1, momentum=0.9, weight_decay=1e-4)
      >>> rows = [ParamRow('a', (2,), 0.1, 1e-4), ParamRow('b', (2,), 0.2, 0.0)]
      >>> pg = groups_from_table(rows, SGD, hp)
      >>> pg.lr, [leaf.lr_index for leaf in pg.leaves], pg.leaves[1].overrides
      ((0.1, 0.2), [0, 1], (('weight_decay', 0.0),))
    """
    momentum_key = defn.momentum_key if defn is not None else None
    base_lr = hp.get("lr", getattr(table, "base_lr", None))
    lrs: list[Any] = [base_lr]
    momenta: list[float] = []
    if defn is not None and defn.momentum_of(hp) is not None:
        momenta.append(defn.momentum_of(hp))
    checked: set[tuple] = set()
    leaves = []
    for row in table:
        if row.frozen:
            leaves.append(LeafGroup(frozen=True))
            continue
        lr = base_lr if row.lr is None else row.lr
        # a FixedLr is its own group even where its value equals a scheduled one
        same = [
            i
            for i, v in enumerate(lrs)
            if v == lr and isinstance(v, FixedLr) == isinstance(lr, FixedLr)
        ]
        if not same:
            lrs.append(lr)
            same = [len(lrs) - 1]
        overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in row.extras.items()}
        momentum_index = 0
        if momentum_key is not None and momentum_key in overrides:
            value = overrides[momentum_key]
            value = float(value[0] if momentum_key == "betas" else value)
            if value not in momenta:
                momenta.append(value)
            momentum_index = momenta.index(value)
        if row.weight_decay is not None and "weight_decay" in (
            defn.defaults if defn is not None else {}
        ):
            overrides["weight_decay"] = row.weight_decay
        elif defn is None and row.weight_decay is not None:
            if row.weight_decay != hp.get("weight_decay", row.weight_decay):
                overrides["weight_decay"] = row.weight_decay
        items = tuple(sorted(overrides.items()))
        if defn is not None and items not in checked:
            _check_overrides(defn, hp, row, overrides)
            checked.add(items)
        leaves.append(LeafGroup(same[0], momentum_index, items, False))
    return ParamGroups(leaves=tuple(leaves), lr=tuple(lrs), momentum=tuple(momenta))


def _check_overrides(defn: OptimizerDef, hp: Mapping[str, Any], row: ParamRow, overrides) -> None:
    unknown = [k for k in overrides if k not in defn.defaults]
    if unknown:
        raise TypeError(
            f"parameter {row.name!r} ({row.rule}) sets {unknown}, which {defn.name} does not "
            f"take (it takes {sorted(defn.defaults)})"
        )
    defn.hyperparams(**{**hp, **overrides})


def explain(
    cfg: Mapping[str, Any] | OptimSetup,
    params: Any,
    *,
    param_kinds: Any = None,
    batch_size: int | None = None,
) -> ParamTable:
    """The paramwise table a config gives ``params``: what every leaf gets, and why.

    Args:
      cfg: a full config (key ``optimizer``) or an optimizer dict (key ``type``), with
        optional ``paramwise_cfg`` and ``constructor`` (default
        ``'DefaultOptimizerConstructor'``, looked up in ``OPTIMIZER_BUILDERS``), an
        mmengine config (key ``optim_wrapper``: the mmengine dialect by default), or an
        :class:`~jaxoptim.frontend.OptimSetup` from :func:`jaxoptim.normalize`.
      params: the parameter pytree (arrays or ``jax.ShapeDtypeStruct``).
      param_kinds: from :func:`jaxoptim.param_kinds`; ``None`` uses the name fallback.
      batch_size: the samples of one iteration over all devices, for ``auto_scale_lr``
        (as :func:`jaxoptim.make_optimizer`; with a setup, give it to ``normalize``).

    Returns:
      The :class:`ParamTable`; ``print`` it for an aligned table.

    Examples:
      >>> import jax.numpy as jnp
      >>> params = {'conv': {'kernel': jnp.zeros((3, 3, 8, 8)), 'bias': jnp.zeros(8)}}
      >>> cfg = dict(type='SGD', lr=0.1, weight_decay=1e-4,
      ...            paramwise_cfg=dict(bias_lr_mult=2.0, bias_decay_mult=0.0))
      >>> print(explain(cfg, params))
      paramwise (mmcv dialect, kinds from names): 2 parameters, 2 distinct (lr, weight_decay)
      name         shape         lr   weight_decay  rule
      conv.bias    (8,)          0.2  0             bias_lr_mult+bias_decay_mult
      conv.kernel  (3, 3, 8, 8)  0.1  0.0001        default
    """
    if not isinstance(cfg, (Mapping, OptimSetup)):
        raise TypeError(f"explain: cfg must be a mapping, got {type(cfg).__name__}")
    if isinstance(cfg, Mapping) and not {"optimizer", "optim_wrapper", "type"} & set(cfg):
        raise KeyError("explain: cfg needs an `optimizer` key (full config) or a `type` key")
    setup = normalize(cfg, batch_size=batch_size)
    optimizer = setup.optimizer.config()
    kind = setup.optimizer.type
    if isinstance(kind, str) and kind in OPTIMIZERS:
        defn = OPTIMIZERS.get(kind)
        if isinstance(defn, OptimizerDef):  # its arguments checked as make_optimizer does
            defn.hyperparams(**thaw(setup.optimizer.kwargs))
    constructor = setup.paramwise.build(setup.optimizer, key="constructor")
    table = fix_lrs(constructor(params, param_kinds=param_kinds), setup.paramwise.fixed_lr)
    return _explain_leaves(table, optimizer)


def _explain_leaves(table: ParamTable, optimizer: Mapping[str, Any]) -> ParamTable:
    """Rows adjusted by the optimizer's own ``explain_leaf`` (e.g. Muon's fallback leaves)."""
    kind = optimizer.get("type")
    defn = OPTIMIZERS.get(kind) if isinstance(kind, str) and kind in OPTIMIZERS else kind
    if not isinstance(defn, OptimizerDef) or defn.explain_leaf is None:
        return table
    hp = defn.hyperparams(**{k: v for k, v in optimizer.items() if k != "type"})
    rows = []
    for row in table:
        note = None
        if not row.frozen:
            leaf_hp = {**hp, **row.extras, "lr": row.lr}
            if row.weight_decay is not None:
                leaf_hp["weight_decay"] = row.weight_decay
            note = defn.explain_leaf(tuple(row.shape), leaf_hp)
        if note:
            row = dataclasses.replace(
                row,
                lr=note.get("lr", row.lr),
                weight_decay=note.get("weight_decay", row.weight_decay),
                rule=f"{row.rule} -> {note['rule']}" if "rule" in note else row.rule,
            )
        rows.append(row)
    return table.with_rows(rows)
