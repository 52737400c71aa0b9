"""mmaction2's TSM optimizer constructors, restated over a parameter pytree.

A module is the path above a leaf (``backbone.conv1`` for ``backbone.conv1.kernel``), taken in
tree-flatten order (the order in which torch's ``model.modules()`` meets them for a model whose
names sort as they are defined, e.g. ResNet's ``conv1`` before ``layer1``). Its kind:

* norm (``param_kinds`` / names say ``'norm'``): every leaf gets ``lr`` and weight decay 0;
* conv: a ``kernel`` / ``weight`` leaf with 3 or more dimensions; linear: one with 2;
* any other module holding parameters raises ``ValueError`` (mmaction2: "New atomic module
  type ... Need to give it a learning policy").

``TSMOptimizerConstructor`` (mmaction2 0.x): the first conv's weight has ``lr`` / ``wd``, conv
biases belong to no group (torch never updates them: frozen here), other conv weights ``lr`` /
``wd``; every linear's weight ``lr`` / ``wd`` and bias ``2 * lr`` / 0, or with ``fc_lr5``
``5 * lr`` / ``wd`` and ``10 * lr`` / 0.

``TSMOptimWrapperConstructor`` (mmaction2 1.x): the first conv's bias and every other conv or
linear bias ``2 * lr`` / 0; conv and linear weights ``lr`` / ``wd``; then, with ``fc_lr5``, the
last weight and the last bias collected (the cls head's fc) get ``5 * lr`` / ``wd`` and
``10 * lr`` / 0.

``paramwise_cfg=dict(fc_lr5=bool)`` is required, as in mmaction2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jaxoptim.kinds import kinds_from_names
from jaxoptim.paramwise import ParamRow, ParamTable, match_kinds, param_leaves
from jaxoptim.registry import OPTIMIZER_BUILDERS

__all__ = ["TSMOptimWrapperConstructor", "TSMOptimizerConstructor"]

_WEIGHTS = ("kernel", "weight")


class TSMOptimizerConstructor:
    """mmaction2 0.x's ``TSMOptimizerConstructor`` (module docstring: the rules).

    Examples:
      >>> import jax.numpy as jnp
      >>> params = {'conv1': {'kernel': jnp.zeros((3, 3, 3, 4))},
      ...           'fc': {'kernel': jnp.zeros((4, 2)), 'bias': jnp.zeros(2)}}
      >>> table = TSMOptimizerConstructor(dict(type='SGD', lr=0.1, weight_decay=1e-4),
      ...                                 dict(fc_lr5=True))(params)
      >>> [(r.name, round(r.lr, 3), r.weight_decay) for r in table]
      [('conv1.kernel', 0.1, 0.0001), ('fc.bias', 1.0, 0.0), ('fc.kernel', 0.5, 0.0001)]
    """

    _mmaction2_1x = False

    def __init__(self, optimizer_cfg: Mapping[str, Any], paramwise_cfg: Mapping | None = None):
        name = type(self).__name__
        paramwise_cfg = dict(paramwise_cfg or {})
        if "fc_lr5" not in paramwise_cfg:
            raise KeyError(f"{name}: paramwise_cfg needs `fc_lr5` (True or False), as mmaction2")
        unknown = [k for k in paramwise_cfg if k != "fc_lr5"]
        if unknown:
            raise TypeError(f"{name}: paramwise_cfg: unknown key(s) {unknown}; it takes fc_lr5")
        if not isinstance(paramwise_cfg["fc_lr5"], bool):
            raise TypeError(f"{name}: paramwise_cfg.fc_lr5 must be a bool")
        self.fc_lr5 = paramwise_cfg["fc_lr5"]
        for key in ("lr", "weight_decay"):
            if key not in optimizer_cfg:
                raise KeyError(f"{name}: the optimizer needs `{key}` (every group sets it)")
        self.base_lr = float(optimizer_cfg["lr"])
        self.base_wd = float(optimizer_cfg["weight_decay"])

    def __call__(self, params: Any, param_kinds: Any = None) -> ParamTable:
        """The :class:`~jaxoptim.paramwise.ParamTable` of ``params`` under the TSM rules."""
        leaves = param_leaves(params)
        names = [n for n, _ in leaves]
        kinds = kinds_from_names(names) if param_kinds is None else match_kinds(param_kinds, names)
        modules: dict[str, list[int]] = {}
        for i, name in enumerate(names):
            modules.setdefault(name.rpartition(".")[0], []).append(i)
        decided: dict[int, tuple[float, float, str]] = {}
        frozen: set[int] = set()
        weights: list[int] = []  # mmaction2's normal_weight / normal_bias lists, in order
        biases: list[int] = []
        convs = 0
        for module, idx in modules.items():
            if any(kinds[i] == "norm" for i in idx):
                decided.update({i: (1.0, 0.0, "TSM norm") for i in idx})
                continue
            weight = [i for i in idx if names[i].rpartition(".")[2] in _WEIGHTS]
            bias = [i for i in idx if names[i].rpartition(".")[2] == "bias"]
            if (
                len(weight) != 1
                or len(leaves[weight[0]][1]) < 2
                or len(weight) + len(bias) != len(idx)
            ):
                raise ValueError(
                    f"{type(self).__name__}: module {module!r} ({[names[i] for i in idx]}) is "
                    "no conv, linear or norm layer; mmaction2: 'New atomic module type. Need to "
                    "give it a learning policy'"
                )
            if len(leaves[weight[0]][1]) >= 3:  # a conv
                convs += 1
                if convs == 1:
                    decided[weight[0]] = (1.0, self.base_wd, "TSM first conv")
                    if bias and self._mmaction2_1x:
                        decided[bias[0]] = (2.0, 0.0, "TSM first conv bias")
                    frozen.update(bias if not self._mmaction2_1x else ())
                    continue
                weights += weight
                if self._mmaction2_1x:
                    biases += bias
                else:
                    frozen.update(bias)  # 0.x adds no conv bias to any group
            elif self.fc_lr5 and not self._mmaction2_1x:  # 0.x: every linear layer
                decided[weight[0]] = (5.0, self.base_wd, "TSM fc_lr5 weight")
                decided.update({i: (10.0, 0.0, "TSM fc_lr5 bias") for i in bias})
            else:
                weights += weight
                biases += bias
        if self._mmaction2_1x and self.fc_lr5:  # the cls head's fc: the last of each list
            if weights:
                decided[weights.pop()] = (5.0, self.base_wd, "TSM fc_lr5 weight")
            if biases:
                decided[biases.pop()] = (10.0, 0.0, "TSM fc_lr5 bias")
        decided.update({i: (1.0, self.base_wd, "TSM normal weight") for i in weights})
        decided.update({i: (2.0, 0.0, "TSM normal bias") for i in biases})
        rows = []
        for i, (name, shape) in enumerate(leaves):
            if i in frozen:
                rows.append(ParamRow(name, shape, 0.0, 0.0, True, "TSM: in no group", kinds[i]))
                continue
            mult, wd, rule = decided[i]
            rows.append(ParamRow(name, shape, self.base_lr * mult, wd, False, rule, kinds[i]))
        return ParamTable(
            rows,
            kind_source="names" if param_kinds is None else "param_kinds",
            dialect="mmcv",
            base_lr=self.base_lr,
            unmatched_keys=[],
        )


class TSMOptimWrapperConstructor(TSMOptimizerConstructor):
    """mmaction2 1.x's ``TSMOptimWrapperConstructor`` (module docstring: the rules)."""

    _mmaction2_1x = True


OPTIMIZER_BUILDERS.register_module(name="TSMOptimizerConstructor", module=TSMOptimizerConstructor)
OPTIMIZER_BUILDERS.register_module(
    name="TSMOptimWrapperConstructor", module=TSMOptimWrapperConstructor
)
