"""A custom optimizer constructor registered from a config through ``custom_imports``.

Layer-wise learning-rate decay (BEiT/ConvNeXt fine-tuning), which mmcv's default constructor
lacks: ``paramwise_cfg['layers']`` lists parameter-name prefixes from the input to the output
and each layer's lr is multiplied by ``decay_rate ** (distance from the last layer)``. Every
other ``paramwise_cfg`` key is applied first by the default rules.
"""

import dataclasses

from jaxoptim import OPTIMIZER_BUILDERS
from jaxoptim.paramwise import DefaultOptimizerConstructor


@OPTIMIZER_BUILDERS.register_module()
class MyOptimizerConstructor(DefaultOptimizerConstructor):
    """mmcv's rules, then layer-wise lr decay.

    Args:
      optimizer_cfg: the optimizer dict.
      paramwise_cfg: the default constructor's keys plus ``layers`` (name prefixes, input to
        output) and ``decay_rate`` (the multiplier per layer below the last).
    """

    def __init__(self, optimizer_cfg, paramwise_cfg=None):
        paramwise_cfg = dict(paramwise_cfg or {})
        self.layers = list(paramwise_cfg.pop("layers", []))
        self.decay_rate = float(paramwise_cfg.pop("decay_rate", 1.0))
        if not 0 < self.decay_rate <= 1:
            raise ValueError(f"paramwise_cfg.decay_rate must be in (0, 1], got {self.decay_rate}")
        super().__init__(optimizer_cfg, paramwise_cfg)

    def _multiplier(self, name):
        for depth, prefix in enumerate(self.layers):
            if name == prefix or name.startswith(prefix + "."):
                return self.decay_rate ** (len(self.layers) - 1 - depth), prefix
        return 1.0, None

    def __call__(self, params, param_kinds=None):
        table = super().__call__(params, param_kinds)
        rows = []
        for row in table:
            mult, prefix = self._multiplier(row.name)
            if prefix is None or row.frozen or row.lr is None:
                rows.append(row)
            else:
                rule = f"{row.rule}+layer_decay[{prefix!r}]"
                rows.append(dataclasses.replace(row, lr=row.lr * mult, rule=rule))
        return table.with_rows(rows)
