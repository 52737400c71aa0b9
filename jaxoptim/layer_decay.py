"""Layer-wise learning-rate decay (BEiT / ViT / ConvNeXt / Swin fine-tuning) as constructors.

mmcv's default constructor has no layer-wise decay, so downstream repositories wrote their own.
Two are restated here, both for parameter pytrees (no model object: the layer of a parameter
comes from its ``.``-joined name) and both giving a parameter with layer id ``k``::

    lr = base_lr * rate ** (num_layers + 1 - k)

``k = 0`` for the embeddings, ``k = num_layers + 1`` (factor 1) for everything after the
backbone (head, final norms). mmsegmentation writes the exponent ``(num_layers + 2) - k - 1``,
mmpretrain ``max_depth - layer_depth - 1`` with ``max_depth = num_layers + 2``: the same number.

``LayerDecayOptimizerConstructor`` (alias ``LearningRateDecayOptimizerConstructor``):
mmsegmentation's layer ids on top of every mmcv rule (custom keys, bias / norm / depthwise
multipliers, ``frozen``): each parameter's lr from those rules is multiplied by the factor.
``num_layers`` is required; the rate is ``layer_decay_rate`` (mmseg's BEiT configs) or
``decay_rate`` (mmseg's ``LearningRateDecayOptimizerConstructor`` configs). Difference from
mmsegmentation, on purpose: weight decay is not zeroed implicitly for 1-D parameters, biases,
``pos_embed`` and ``cls_token``; write ``norm_decay_mult`` / ``bias_decay_mult`` /
``custom_keys`` (which compose with the decay) for that.

``LearningRateDecayOptimWrapperConstructor``: mmpretrain 1.x's constructor, with its own
rules and numbers, which differ from the class above. It reads only ``layer_decay_rate``
(default 1: no decay), ``custom_keys``, ``norm_decay_mult``, ``bias_decay_mult`` and
``flat_decay_mult``: every lr is ``base_lr * factor`` (no lr multipliers); the weight decay is,
first match wins, a custom key's ``base_wd * decay_mult`` (its other entries, e.g. ``betas``,
become group hyperparameters, a ``weight_decay`` entry wins), then norm parameters, then leaves
named ``bias``, then 1-D leaves, each with its multiplier when set, else ``base_wd``. mmpretrain
asks the model (``get_layer_depth``) for the number of layers; here it is ``num_layers`` if
given, else inferred from the names: ViT, the largest block index + 1; ConvNeXt, 12 if stage 2
has more than 9 blocks, else 6 (mmpretrain's ConvNeXt); Swin, ``sum(depths)``. Its embeddings
are ``cls_token``, ``pos_embed``, ``patch_embed`` (and ``stem``), not ``mask_token``; Swin's
are ``patch_embed`` alone. Keys mmpretrain silently ignores (``bias_lr_mult``,
``dwconv_decay_mult``, ``dcn_offset_lr_mult``, a custom key's ``lr_mult`` / ``lr``) are errors
here, and so are custom keys with entries other than ``frozen`` when the optimizer has no
``weight_decay`` (mmpretrain then ignores them); ``frozen=True`` stands for torch's
``requires_grad=False``. Norm parameters are those of kind ``'norm'``
(:func:`jaxoptim.param_kinds`, or the name fallback), as mmpretrain's are those of BatchNorm /
InstanceNorm / GroupNorm / LayerNorm modules.

Layer ids (``layer_id_rule``: ``'vit'``, ``'convnext'``, ``'swin'``): :mod:`jaxoptim.layer_ids`.

Config::

    optim_wrapper = dict(optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
                         constructor='LearningRateDecayOptimWrapperConstructor',
                         paramwise_cfg=dict(layer_decay_rate=0.65,
                                            custom_keys={'.bias': dict(decay_mult=0.0)}))
"""

from __future__ import annotations

import dataclasses
import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from jaxoptim.layer_ids import (
    DEFAULT_EMBED_KEYS,
    MMPRETRAIN_EMBED_KEYS,
    RULE_KEYS,
    Rule,
    parse_rule,
)
from jaxoptim.paramwise import _PARAMWISE_KEYS, DefaultOptimizerConstructor, ParamRow, ParamTable
from jaxoptim.registry import OPTIMIZER_BUILDERS

DECAY_TYPES = ("layer_wise", "layer_wise_vit", "stage_wise")
_MMSEG_KEYS = ("num_layers", "layer_decay_rate", "decay_rate", "decay_type", *RULE_KEYS)
_MMPRETRAIN_KEYS = ("num_layers", "layer_decay_rate", *RULE_KEYS)
_MMPRETRAIN_DECAY_KEYS = ("custom_keys", "norm_decay_mult", "bias_decay_mult", "flat_decay_mult")
_MMPRETRAIN_IGNORES = ("bias_lr_mult", "dcn_offset_lr_mult", "dwconv_decay_mult", "dialect")


def _check_keys(cfg: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    unknown = [k for k in cfg if k not in allowed]
    if unknown:
        raise TypeError(
            f"paramwise_cfg: unknown key(s) {unknown} for {where}; known keys are {sorted(allowed)}"
        )


def _split(paramwise_cfg: Any, keys: Sequence[str]) -> tuple[Any, dict[str, Any]]:
    """The default constructor's part of ``paramwise_cfg`` and the layer-decay keys."""
    if not isinstance(paramwise_cfg, Mapping):
        return paramwise_cfg, {}  # None, or a bad value the default constructor names
    cfg = dict(paramwise_cfg)
    return cfg, {k: cfg.pop(k) for k in keys if k in cfg}


def _num_layers(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise TypeError(f"paramwise_cfg.num_layers must be an int >= 1, got {value!r}")
    return int(value)


def _rate(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= 1:
        raise ValueError(f"paramwise_cfg.{key} must be in (0, 1], got {value!r}")
    return float(value)


def _decayed(
    table: ParamTable, rule: Rule, num_layers: int, rate: float, lr: float | None
) -> ParamTable:
    """The table with every trainable lr times ``rate ** (num_layers + 1 - layer_id)``."""
    if lr is None:
        raise ValueError(
            f"paramwise_cfg.layer_decay_rate={rate} needs a learning rate, but the optimizer "
            "config has no `lr` and the optimizer has no default one"
        )
    unplaced = rule.unplaced([row.name for row in table])
    if unplaced and rule.family == "swin":
        raise ValueError(
            f"layer_id_rule='swin': {unplaced[:5]} name a stage but match neither "
            f"paramwise_cfg.stage_pattern={rule.patterns['stage_pattern'].pattern!r} nor "
            f"downsample_pattern={rule.patterns['downsample_pattern'].pattern!r}; set them "
            "(they would get the head's lr)"
        )
    if unplaced:
        warnings.warn(
            f"layer decay: {unplaced[:5]} look like ConvNeXt stages but match neither "
            "paramwise_cfg.stage_pattern nor downsample_pattern; they get the head's lr",
            UserWarning,
            stacklevel=3,
        )
    rows = []
    for row in table:
        if row.frozen or row.lr is None:
            rows.append(row)
            continue
        depth = rule.layer_id(row.name, num_layers)
        scale = rate ** (num_layers + 1 - depth)
        rule_text = f"{row.rule}+layer_decay[{depth}]" if scale != 1 else row.rule
        rows.append(dataclasses.replace(row, lr=row.lr * scale, rule=rule_text))
    return table.with_rows(rows)


@OPTIMIZER_BUILDERS.register_module(
    name=["LayerDecayOptimizerConstructor", "LearningRateDecayOptimizerConstructor"]
)
class LayerDecayOptimizerConstructor(DefaultOptimizerConstructor):
    """mmcv's rules, then mmsegmentation's layer-wise lr decay (see the module docstring).

    Args:
      optimizer_cfg: the optimizer dict.
      paramwise_cfg: the default constructor's keys plus ``num_layers`` (int > 0, required),
        ``layer_decay_rate`` or its alias ``decay_rate`` (float in (0, 1], required),
        ``decay_type`` (``'layer_wise'``, ``'layer_wise_vit'`` (mmseg's spelling of it) or
        ``'stage_wise'``), ``layer_id_rule`` (``'vit'``, ``'convnext'`` or ``'swin'``),
        ``embed_keys`` (list of substrings), ``layer_pattern`` (vit), ``stage_pattern`` and
        ``downsample_pattern`` (convnext, swin), ``depths`` (swin; ``num_layers`` must be its
        sum).

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
        if isinstance(paramwise_cfg, Mapping):
            _check_keys(paramwise_cfg, (*_PARAMWISE_KEYS, *_MMSEG_KEYS), "layer decay")
        cfg, own = _split(paramwise_cfg, _MMSEG_KEYS)
        super().__init__(optimizer_cfg, cfg)
        rates = [k for k in ("layer_decay_rate", "decay_rate") if k in own]
        if "num_layers" not in own:
            raise KeyError("LayerDecayOptimizerConstructor needs paramwise_cfg.num_layers")
        if not rates:
            raise KeyError(
                "LayerDecayOptimizerConstructor needs paramwise_cfg.layer_decay_rate (or its "
                "alias decay_rate)"
            )
        if len(rates) > 1:
            raise ValueError(
                "paramwise_cfg sets both layer_decay_rate and decay_rate (aliases); keep one"
            )
        self.num_layers = _num_layers(own["num_layers"])
        self.layer_decay_rate = _rate(rates[0], own[rates[0]])
        decay_type = own.get("decay_type", "layer_wise")
        if decay_type not in DECAY_TYPES:
            raise ValueError(f"paramwise_cfg.decay_type={decay_type!r}: one of {list(DECAY_TYPES)}")
        self.rule = parse_rule(
            own, stage_wise=decay_type == "stage_wise", embed_default=DEFAULT_EMBED_KEYS
        )

    def __call__(self, params: Any, param_kinds: Any = None) -> ParamTable:
        table = super().__call__(params, param_kinds)
        if self.layer_decay_rate == 1:
            return table  # no decay: the names need not name layers
        rule, num_layers = self.rule.prepare([row.name for row in table], self.num_layers)
        return _decayed(table, rule, num_layers, self.layer_decay_rate, self._lr)


@OPTIMIZER_BUILDERS.register_module(name="LearningRateDecayOptimWrapperConstructor")
class LearningRateDecayOptimWrapperConstructor(DefaultOptimizerConstructor):
    """mmpretrain 1.x's layer-decay constructor: its lr and weight-decay rules, exactly.

    Args:
      optimizer_cfg: the optimizer dict.
      paramwise_cfg: ``layer_decay_rate`` (float in (0, 1], default 1), ``custom_keys``,
        ``norm_decay_mult``, ``bias_decay_mult``, ``flat_decay_mult``, ``bypass_duplicate``,
        and jaxoptim's ``num_layers`` (default: inferred from the names), ``layer_id_rule``
        (``'vit'``, ``'convnext'`` or ``'swin'``), ``embed_keys``, ``layer_pattern``,
        ``stage_pattern``, ``downsample_pattern`` and ``depths`` (swin; default: inferred).

    Examples:
      >>> import jax.numpy as jnp
      >>> from jaxoptim import explain
      >>> params = {'backbone': {'cls_token': jnp.zeros((1, 1, 4)),
      ...                        'layers': [{'kernel': jnp.zeros((4, 4))}] * 2},
      ...           'head': {'bias': jnp.zeros(2)}}
      >>> cfg = dict(optim_wrapper=dict(
      ...     optimizer=dict(type='AdamW', lr=1.0, weight_decay=0.05),
      ...     constructor='LearningRateDecayOptimWrapperConstructor',
      ...     paramwise_cfg=dict(layer_decay_rate=0.5, bias_decay_mult=0.0)))
      >>> # num_layers is inferred: 2
      >>> [(row.name, row.lr, row.weight_decay) for row in explain(cfg, params)]
      [('backbone.cls_token', 0.125, 0.05), ('backbone.layers.0.kernel', 0.25, 0.05),
       ('backbone.layers.1.kernel', 0.5, 0.05), ('head.bias', 1.0, 0.0)]
    """

    def __init__(self, optimizer_cfg: Mapping[str, Any], paramwise_cfg: Mapping | None = None):
        if isinstance(paramwise_cfg, Mapping):
            ignored = [k for k in _MMPRETRAIN_IGNORES if k in paramwise_cfg]
            if ignored:
                raise TypeError(
                    f"paramwise_cfg: {ignored}: mmpretrain's "
                    "LearningRateDecayOptimWrapperConstructor does not read them (its lrs come "
                    "from the layer decay "
                    "alone; weight decay from custom_keys / norm / bias / flat); remove them, or "
                    "use LayerDecayOptimizerConstructor, which applies every mmcv rule"
                )
            _check_keys(
                paramwise_cfg,
                (*_MMPRETRAIN_DECAY_KEYS, "bypass_duplicate", *_MMPRETRAIN_KEYS),
                "LearningRateDecayOptimWrapperConstructor",
            )
            _check_custom_lr(paramwise_cfg.get("custom_keys"))
        cfg, own = _split(paramwise_cfg, _MMPRETRAIN_KEYS)
        if isinstance(cfg, dict):
            cfg["dialect"] = "mmengine"  # multipliers are off unless given; entries -> groups
        super().__init__(optimizer_cfg, cfg)
        if self.base_wd is None:
            extras = {k: sorted(set(e) - {"frozen"}) for k, e in self.custom_keys.items()}
            extras = {k: e for k, e in extras.items() if e}
            if extras:
                raise ValueError(
                    f"paramwise_cfg.custom_keys {extras}: mmpretrain applies custom keys only "
                    "when the optimizer config has a `weight_decay` (without it they are ignored)"
                )
        self.num_layers = _num_layers(own["num_layers"]) if "num_layers" in own else None
        self.layer_decay_rate = _rate("layer_decay_rate", own.get("layer_decay_rate", 1.0))
        self.rule = parse_rule(own, stage_wise=False, embed_default=MMPRETRAIN_EMBED_KEYS)

    def _rule_row(self, name: str, shape: tuple[int, ...], kind: str | None) -> ParamRow:
        # mmpretrain's order: norm, then bias, then 1-D; no depthwise or DCN exceptions.
        if self.base_wd is not None:
            matches = (
                ("norm_decay_mult", kind == "norm"),
                ("bias_decay_mult", name.rsplit(".", 1)[-1] == "bias"),
                ("flat_decay_mult", len(shape) == 1),
            )
            for key, applies in matches:
                if applies and self.paramwise_cfg.get(key) is not None:
                    wd = self.base_wd * self.paramwise_cfg[key]
                    return ParamRow(name, shape, self._lr, wd, False, key, kind)
        return ParamRow(name, shape, self._lr, self._wd, False, "default", kind)

    def __call__(self, params: Any, param_kinds: Any = None) -> ParamTable:
        table = super().__call__(params, param_kinds)
        if self.layer_decay_rate == 1:
            return table  # mmpretrain's default rate: no decay, the names need not name layers
        rule, num_layers = self.rule.prepare([row.name for row in table], self.num_layers)
        return _decayed(table, rule, num_layers, self.layer_decay_rate, self._lr)


def _check_custom_lr(custom_keys: Any) -> None:
    if not isinstance(custom_keys, Mapping):
        return  # the default constructor names a bad custom_keys
    for key, entry in custom_keys.items():
        for field in ("lr_mult", "lr"):
            if isinstance(entry, Mapping) and field in entry:
                raise TypeError(
                    f"paramwise_cfg: custom_keys[{key!r}].{field}: mmpretrain's "
                    "LearningRateDecayOptimWrapperConstructor sets every lr from the layer decay "
                    "and ignores it; remove it, or use LayerDecayOptimizerConstructor, whose "
                    "custom keys compose lr_mult with the decay"
                )
