"""Layer-wise learning-rate decay (BEiT / ViT / ConvNeXt fine-tuning) as an optimizer constructor.

mmcv's default constructor has no layer-wise decay, so every downstream repository
(mmsegmentation, mmpretrain, mmpose) wrote its own ``LearningRateDecayOptimizerConstructor``, each
without ``custom_keys`` support. Here it is a subclass of
:class:`~jaxoptim.paramwise.DefaultOptimizerConstructor`: every mmcv rule applies first (custom
keys, bias / norm / depthwise multipliers, ``frozen``), then each parameter's lr is multiplied by
``layer_decay_rate ** (num_layers + 1 - layer_id)``, with mmsegmentation's layer ids:

* ``0`` for the embeddings: a name containing one of ``embed_keys`` (default ``patch_embed``,
  ``pos_embed``, ``cls_token``, ``mask_token``, ``stem``);
* ``i + 1`` for block ``i``: the first match of ``layer_pattern`` (a regex whose first group is
  the 0-based block index; default matches ``blocks_3``, ``blocks.3``, ``layers_3``,
  ``layers.3``, ``Block_3``, ...);
* ``num_layers + 1`` for everything else (the head, final norms): decay factor 1.

Config::

    optimizer = dict(type='AdamW', lr=1e-3, weight_decay=0.05,
                     constructor='LayerDecayOptimizerConstructor',
                     paramwise_cfg=dict(num_layers=12, layer_decay_rate=0.65,
                                        norm_decay_mult=0.0, bias_decay_mult=0.0))

Difference from mmsegmentation's version: weight decay is not zeroed implicitly for 1-D
parameters, ``pos_embed`` and ``cls_token``; write ``norm_decay_mult`` / ``bias_decay_mult`` /
``custom_keys`` (which now compose with the decay) for that.
"""

from __future__ import annotations

import dataclasses
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

from jaxoptim.paramwise import DefaultOptimizerConstructor, ParamTable
from jaxoptim.registry import OPTIMIZER_BUILDERS

DEFAULT_LAYER_PATTERN = r"(?:^|\.)(?:blocks|layers|block|layer|Block|Layer)[._](\d+)(?:\.|$)"
DEFAULT_EMBED_KEYS = ("patch_embed", "pos_embed", "cls_token", "mask_token", "stem")
_KEYS = ("num_layers", "layer_decay_rate", "decay_type", "layer_pattern", "embed_keys")


def layer_id(name: str, num_layers: int, pattern: re.Pattern, embed_keys: Sequence[str]) -> int:
    """The layer id of a parameter: 0 for embeddings, ``i + 1`` for block ``i``, else last.

    Examples:
      >>> p = re.compile(DEFAULT_LAYER_PATTERN)
      >>> [layer_id(n, 12, p, DEFAULT_EMBED_KEYS) for n in
      ...  ['backbone.patch_embed.kernel', 'backbone.blocks_0.attn.kernel',
      ...   'backbone.blocks.11.mlp.bias', 'head.kernel']]
      [0, 1, 12, 13]
    """
    if any(key in name for key in embed_keys):
        return 0
    match = pattern.search(name)
    if match:
        index = int(match.group(1))
        if index >= num_layers:
            raise ValueError(
                f"paramwise_cfg.num_layers={num_layers}, but parameter {name!r} is in block "
                f"{index}: num_layers must count every block"
            )
        return index + 1
    return num_layers + 1


@OPTIMIZER_BUILDERS.register_module(
    name=["LayerDecayOptimizerConstructor", "LearningRateDecayOptimizerConstructor"]
)
class LayerDecayOptimizerConstructor(DefaultOptimizerConstructor):
    """mmcv's rules, then layer-wise lr decay (see the module docstring).

    Args:
      optimizer_cfg: the optimizer dict.
      paramwise_cfg: the default constructor's keys plus ``num_layers`` (int > 0, required),
        ``layer_decay_rate`` (float in (0, 1], required), ``decay_type`` (``'layer_wise'``),
        ``layer_pattern`` (regex) and ``embed_keys`` (list of substrings).

    Examples:
      >>> import jax.numpy as jnp
      >>> from jaxoptim import explain
      >>> params = {'patch_embed': {'kernel': jnp.zeros((4, 4))},
      ...           'blocks_0': {'kernel': jnp.zeros((4, 4))},
      ...           'blocks_1': {'kernel': jnp.zeros((4, 4))},
      ...           'head': {'kernel': jnp.zeros((4, 2))}}
      >>> cfg = dict(type='AdamW', lr=1.0, constructor='LayerDecayOptimizerConstructor',
      ...            paramwise_cfg=dict(num_layers=2, layer_decay_rate=0.5))
      >>> [row.lr for row in explain(cfg, params)]  # blocks_0, blocks_1, head, patch_embed
      [0.25, 0.5, 1.0, 0.125]
    """

    def __init__(self, optimizer_cfg: Mapping[str, Any], paramwise_cfg: Mapping | None = None):
        cfg = dict(paramwise_cfg or {})
        own = {k: cfg.pop(k) for k in _KEYS if k in cfg}
        super().__init__(optimizer_cfg, cfg)
        for key in ("num_layers", "layer_decay_rate"):
            if key not in own:
                raise KeyError(f"LayerDecayOptimizerConstructor needs paramwise_cfg.{key}")
        num_layers, rate = own["num_layers"], own["layer_decay_rate"]
        if (
            isinstance(num_layers, bool)
            or not isinstance(num_layers, numbers.Integral)
            or num_layers < 1
        ):
            raise TypeError(f"paramwise_cfg.num_layers must be an int >= 1, got {num_layers!r}")
        if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 < rate <= 1:
            raise ValueError(f"paramwise_cfg.layer_decay_rate must be in (0, 1], got {rate!r}")
        num_layers, rate = int(num_layers), float(rate)
        decay_type = own.get("decay_type", "layer_wise")
        if decay_type != "layer_wise":
            raise ValueError(
                f"paramwise_cfg.decay_type={decay_type!r}: only 'layer_wise' is supported "
                "(stage_wise depends on ConvNeXt's block layout; use layer_pattern instead)"
            )
        pattern = own.get("layer_pattern", DEFAULT_LAYER_PATTERN)
        try:
            self.layer_pattern = re.compile(pattern)
        except (re.error, TypeError) as err:
            raise ValueError(
                f"paramwise_cfg.layer_pattern={pattern!r} is not a regex: {err}"
            ) from err
        if self.layer_pattern.groups < 1:
            raise ValueError(
                f"paramwise_cfg.layer_pattern={pattern!r} needs a group capturing the block index"
            )
        embed_keys = own.get("embed_keys", DEFAULT_EMBED_KEYS)
        if isinstance(embed_keys, str) or not all(isinstance(k, str) for k in embed_keys):
            raise TypeError(f"paramwise_cfg.embed_keys must be a list of str, got {embed_keys!r}")
        self.num_layers, self.layer_decay_rate = num_layers, float(rate)
        self.embed_keys = tuple(embed_keys)

    def __call__(self, params: Any, param_kinds: Any = None) -> ParamTable:
        table = super().__call__(params, param_kinds)
        rows = []
        for row in table:
            if row.frozen or row.lr is None:
                rows.append(row)
                continue
            depth = layer_id(row.name, self.num_layers, self.layer_pattern, self.embed_keys)
            scale = self.layer_decay_rate ** (self.num_layers + 1 - depth)
            rule = f"{row.rule}+layer_decay[{depth}]" if scale != 1 else row.rule
            rows.append(dataclasses.replace(row, lr=row.lr * scale, rule=rule))
        return table.with_rows(rows)
