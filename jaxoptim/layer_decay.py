"""Layer-wise learning-rate decay (BEiT / ViT / ConvNeXt fine-tuning) as optimizer constructors.

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
has more than 9 blocks, else 6 (mmpretrain's ConvNeXt). Its embeddings are ``cls_token``,
``pos_embed``, ``patch_embed`` (and ``stem``), not ``mask_token``. Keys mmpretrain silently
ignores (``bias_lr_mult``, ``dwconv_decay_mult``, ``dcn_offset_lr_mult``, a custom key's
``lr_mult`` / ``lr``) are errors here, and so are custom keys with entries other than
``frozen`` when the optimizer has no ``weight_decay`` (mmpretrain then ignores them);
``frozen=True`` stands for torch's ``requires_grad=False``. Norm parameters are those of kind
``'norm'`` (:func:`jaxoptim.param_kinds`, or the name fallback), as mmpretrain's are those of
BatchNorm / InstanceNorm / GroupNorm / LayerNorm modules.

Layer ids (``layer_id_rule``; mmseg picks by the backbone's class name, which a pytree lacks):

* ``'vit'`` (default; BEiT, MAE, ViT): 0 for a name containing one of ``embed_keys``; ``i + 1``
  for block ``i``, the first group of ``layer_pattern`` (default: ``blocks_3``, ``blocks.3``,
  ``layers.3``, ``layer_3``, ``Block_3``, ...); ``num_layers + 1`` for the rest.
* ``'convnext'``: 0 for ``embed_keys`` (``stem``, ...); downsample layer ``s`` (the stem is
  ``s = 0``) -> 0, 2, 3, ``num_layers`` for ``s`` = 0..3; block ``b`` of stage ``s`` -> 1, 2,
  ``3 + b // 3``, ``num_layers``; ``num_layers + 1`` for the rest. With ``decay_type=
  'stage_wise'`` (mmseg only; it implies ``'convnext'``): downsample layers 0, stage ``s``
  ``s + 1``. ``downsample_pattern`` (default: ``downsample_layers.1``, ``downsample_layers_1``
  and timm's ``stages.1.downsample``; the stage is its first group that matched) and
  ``stage_pattern`` (groups: stage, block; default: ``stages.2.11``, ``stages_2.blocks_11``,
  ``stages_2_11`` (linen's nested lists), ``stages.2.blocks.11``, ``stage2.layers_11``, ...)
  find them; a name with ``stage`` or ``downsample`` that neither matches draws a warning.

A block whose id would pass ``num_layers`` is an error that names ``num_layers``, and so is a
tree in which no name matches the block pattern (with the wrong rule every lr would be the
head's).

Config::

    optim_wrapper = dict(optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
                         constructor='LearningRateDecayOptimWrapperConstructor',
                         paramwise_cfg=dict(layer_decay_rate=0.65,
                                            custom_keys={'.bias': dict(decay_mult=0.0)}))
"""

from __future__ import annotations

import dataclasses
import numbers
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from jaxoptim.paramwise import _PARAMWISE_KEYS, DefaultOptimizerConstructor, ParamRow, ParamTable
from jaxoptim.registry import OPTIMIZER_BUILDERS

DEFAULT_LAYER_PATTERN = r"(?:^|\.)(?:blocks|layers|block|layer|Block|Layer)[._](\d+)(?:\.|$)"
DEFAULT_STAGE_PATTERN = r"(?:^|\.)stages?[._]?(\d+)[._](?:(?:blocks?|layers?)[._]?)?(\d+)(?:\.|$)"
DEFAULT_DOWNSAMPLE_PATTERN = (
    r"(?:^|\.)(?:(?:downsample_layers?|downsamples?)[._]?(\d+)|stages?[._]?(\d+)[._]downsample)"
    r"(?:[._]|$)"
)
DEFAULT_EMBED_KEYS = ("patch_embed", "pos_embed", "cls_token", "mask_token", "stem")
# mmpretrain's ViT: exactly cls_token, pos_embed and patch_embed.* are depth 0 (not mask_token).
MMPRETRAIN_EMBED_KEYS = ("patch_embed", "pos_embed", "cls_token", "stem")
LAYER_ID_RULES = ("vit", "convnext")
DECAY_TYPES = ("layer_wise", "layer_wise_vit", "stage_wise")
# key -> (layer_id_rule it belongs to, default, groups it needs)
_PATTERNS = {
    "layer_pattern": ("vit", DEFAULT_LAYER_PATTERN, 1),
    "stage_pattern": ("convnext", DEFAULT_STAGE_PATTERN, 2),
    "downsample_pattern": ("convnext", DEFAULT_DOWNSAMPLE_PATTERN, 1),
}
_RULE_KEYS = ("layer_id_rule", "embed_keys", *_PATTERNS)
_MMSEG_KEYS = ("num_layers", "layer_decay_rate", "decay_rate", "decay_type", *_RULE_KEYS)
_MMPRETRAIN_KEYS = ("num_layers", "layer_decay_rate", *_RULE_KEYS)
_MMPRETRAIN_DECAY_KEYS = ("custom_keys", "norm_decay_mult", "bias_decay_mult", "flat_decay_mult")
_MMPRETRAIN_IGNORES = ("bias_lr_mult", "dcn_offset_lr_mult", "dwconv_decay_mult", "dialect")


def layer_id(name: str, num_layers: int, pattern: re.Pattern, embed_keys: Sequence[str]) -> int:
    """The ViT layer id of a parameter: 0 for embeddings, ``i + 1`` for block ``i``, else last.

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
        return _checked(name, int(match.group(1)) + 1, num_layers)
    return num_layers + 1


def convnext_position(
    name: str, stage_pattern: re.Pattern, downsample_pattern: re.Pattern
) -> tuple[int, int | None] | None:
    """``(stage, block)`` of a ConvNeXt block, ``(stage, None)`` of a downsample layer, or None.

    Examples:
      >>> s, d = re.compile(DEFAULT_STAGE_PATTERN), re.compile(DEFAULT_DOWNSAMPLE_PATTERN)
      >>> [convnext_position(n, s, d) for n in
      ...  ['backbone.stages.2.11.dwconv.weight', 'backbone.stages_2.blocks_11.dwconv.kernel',
      ...   'backbone.stages_2_11.pwconv1.kernel', 'backbone.downsample_layers_3.layers_1.bias',
      ...   'stages.1.downsample.1.weight', 'backbone.norm3.scale']]
      [(2, 11), (2, 11), (2, 11), (3, None), (1, None), None]
    """
    match = downsample_pattern.search(name)
    if match:
        groups = [g for g in match.groups() if g is not None]
        if not groups:
            raise ValueError(
                f"paramwise_cfg.downsample_pattern={downsample_pattern.pattern!r} matched "
                f"{name!r} but no group captured the stage index"
            )
        return int(groups[0]), None
    match = stage_pattern.search(name)
    if match:
        return int(match.group(1)), int(match.group(2))
    return None


def convnext_layer_id(
    name: str,
    num_layers: int,
    stage_pattern: re.Pattern,
    downsample_pattern: re.Pattern,
    embed_keys: Sequence[str],
    *,
    stage_wise: bool = False,
) -> int:
    """mmseg's / mmpretrain's ConvNeXt layer id (``stage_wise``: mmseg's stage id).

    Examples:
      >>> s, d = re.compile(DEFAULT_STAGE_PATTERN), re.compile(DEFAULT_DOWNSAMPLE_PATTERN)
      >>> names = ['backbone.downsample_layers.0.0.weight', 'backbone.stages.0.2.gamma',
      ...          'backbone.downsample_layers.1.1.weight', 'backbone.stages.2.26.gamma',
      ...          'backbone.stages.3.0.gamma', 'backbone.norm3.weight', 'decode_head.conv.bias']
      >>> [convnext_layer_id(n, 12, s, d, DEFAULT_EMBED_KEYS) for n in names]
      [0, 1, 2, 11, 12, 13, 13]
      >>> [convnext_layer_id(n, 12, s, d, DEFAULT_EMBED_KEYS, stage_wise=True) for n in names]
      [0, 1, 0, 3, 4, 13, 13]
    """
    if any(key in name for key in embed_keys):
        return 0
    position = convnext_position(name, stage_pattern, downsample_pattern)
    if position is None:
        return num_layers + 1
    stage, block = position
    if stage_wise:
        return 0 if block is None else _checked(name, stage + 1, num_layers)
    if stage > 3:
        raise ValueError(
            f"parameter {name!r} is in stage {stage}, but ConvNeXt's layer ids know stages 0-3 "
            "(check paramwise_cfg.stage_pattern / downsample_pattern)"
        )
    if block is None:
        return (0, 2, 3, num_layers)[stage]
    return _checked(name, (1, 2, 3 + block // 3, num_layers)[stage], num_layers)


def _checked(name: str, lid: int, num_layers: int) -> int:
    # An id past num_layers would give a block the head's lr or more: the decay would invert.
    if lid > num_layers:
        raise ValueError(
            f"paramwise_cfg.num_layers={num_layers}, but parameter {name!r} has layer id {lid}: "
            "num_layers must be at least every block's layer id"
        )
    return lid


@dataclasses.dataclass(frozen=True)
class _Rule:
    """A compiled ``layer_id_rule``: the family, its patterns and the embedding keys."""

    family: str
    stage_wise: bool
    embed_keys: tuple[str, ...]
    patterns: Mapping[str, re.Pattern]

    def layer_id(self, name: str, num_layers: int) -> int:
        if self.family == "vit":
            return layer_id(name, num_layers, self.patterns["layer_pattern"], self.embed_keys)
        return convnext_layer_id(
            name,
            num_layers,
            self.patterns["stage_pattern"],
            self.patterns["downsample_pattern"],
            self.embed_keys,
            stage_wise=self.stage_wise,
        )

    def blocks(self, names: Sequence[str]) -> list[tuple[int, int]]:
        """``(stage, block)`` of every block name (stage 0 for a ViT)."""
        out = []
        for name in names:
            if self.family == "vit":
                match = self.patterns["layer_pattern"].search(name)
                position = (0, int(match.group(1))) if match else None
            else:
                position = convnext_position(
                    name, self.patterns["stage_pattern"], self.patterns["downsample_pattern"]
                )
            if position is not None and position[1] is not None:
                out.append(position)
        return out

    def check(self, names: Sequence[str]) -> list[tuple[int, int]]:
        """The blocks; none is an error (with the wrong rule every lr would be the head's)."""
        blocks = self.blocks(names)
        if not blocks:
            key = "layer_pattern" if self.family == "vit" else "stage_pattern"
            raise ValueError(
                f"paramwise_cfg.layer_id_rule={self.family!r}: no parameter name matches "
                f"{key}={self.patterns[key].pattern!r} (names look like {list(names[:4])}); set "
                f"layer_id_rule (one of {list(LAYER_ID_RULES)}) or {key}"
            )
        return blocks

    def infer_num_layers(self, names: Sequence[str]) -> int:
        """mmpretrain's layer count: ViT blocks; ConvNeXt 12 if stage 2 has > 9 blocks, else 6."""
        blocks = self.check(names)
        if self.family == "vit":
            return max(b for _, b in blocks) + 1
        stage2 = [b for s, b in blocks if s == 2]
        if not stage2:
            raise ValueError(
                "paramwise_cfg.num_layers is not set and no name is a stage-2 ConvNeXt block "
                "(mmpretrain counts layers from stage 2's depth); set num_layers"
            )
        return 12 if max(stage2) + 1 > 9 else 6

    def unplaced(self, names: Sequence[str]) -> list[str]:
        """ConvNeXt names that look like stages but match no pattern (they get the head's lr)."""
        if self.family != "convnext":
            return []
        return [
            n
            for n in names
            if re.search("stage|downsample", n, re.IGNORECASE)
            and not any(k in n for k in self.embed_keys)
            and convnext_position(
                n, self.patterns["stage_pattern"], self.patterns["downsample_pattern"]
            )
            is None
        ]


def _parse_rule(own: Mapping[str, Any], *, stage_wise: bool, embed_default: Sequence[str]) -> _Rule:
    family = own.get("layer_id_rule", "convnext" if stage_wise else "vit")
    if family not in LAYER_ID_RULES:
        raise ValueError(f"paramwise_cfg.layer_id_rule={family!r}: one of {list(LAYER_ID_RULES)}")
    if stage_wise and family != "convnext":
        raise ValueError(
            f"paramwise_cfg.decay_type='stage_wise' needs layer_id_rule='convnext' "
            f"(mmsegmentation defines stage ids for ConvNeXt only), got layer_id_rule={family!r}"
        )
    patterns = {}
    for key, (owner, default, groups) in _PATTERNS.items():
        if owner != family:
            if key in own:
                raise ValueError(
                    f"paramwise_cfg.{key} applies to layer_id_rule={owner!r}, not {family!r}"
                )
            continue
        value = own.get(key, default)
        try:
            patterns[key] = re.compile(value)
        except (re.error, TypeError) as err:
            raise ValueError(f"paramwise_cfg.{key}={value!r} is not a regex: {err}") from err
        if patterns[key].groups < groups:
            raise ValueError(
                f"paramwise_cfg.{key}={value!r} needs {groups} group(s) capturing "
                + ("the block index" if key == "layer_pattern" else "the stage (and block) index")
            )
    embed_keys = own.get("embed_keys", embed_default)
    if isinstance(embed_keys, str) or not all(isinstance(k, str) for k in embed_keys):
        raise TypeError(f"paramwise_cfg.embed_keys must be a list of str, got {embed_keys!r}")
    return _Rule(family, stage_wise, tuple(embed_keys), patterns)


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
    table: ParamTable, rule: _Rule, num_layers: int, rate: float, lr: float | None
) -> ParamTable:
    """The table with every trainable lr times ``rate ** (num_layers + 1 - layer_id)``."""
    if lr is None:
        raise ValueError(
            f"paramwise_cfg.layer_decay_rate={rate} needs a learning rate, but the optimizer "
            "config has no `lr` and the optimizer has no default one"
        )
    unplaced = rule.unplaced([row.name for row in table])
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
        ``'stage_wise'``), ``layer_id_rule`` (``'vit'`` or ``'convnext'``), ``embed_keys`` (list
        of substrings), ``layer_pattern`` (vit), ``stage_pattern`` and ``downsample_pattern``
        (convnext).

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
        self.rule = _parse_rule(
            own, stage_wise=decay_type == "stage_wise", embed_default=DEFAULT_EMBED_KEYS
        )

    def __call__(self, params: Any, param_kinds: Any = None) -> ParamTable:
        table = super().__call__(params, param_kinds)
        if self.layer_decay_rate == 1:
            return table  # no decay: the names need not name layers
        self.rule.check([row.name for row in table])
        return _decayed(table, self.rule, self.num_layers, self.layer_decay_rate, self._lr)


@OPTIMIZER_BUILDERS.register_module(name="LearningRateDecayOptimWrapperConstructor")
class LearningRateDecayOptimWrapperConstructor(DefaultOptimizerConstructor):
    """mmpretrain 1.x's layer-decay constructor: its lr and weight-decay rules, exactly.

    Args:
      optimizer_cfg: the optimizer dict.
      paramwise_cfg: ``layer_decay_rate`` (float in (0, 1], default 1), ``custom_keys``,
        ``norm_decay_mult``, ``bias_decay_mult``, ``flat_decay_mult``, ``bypass_duplicate``,
        and jaxoptim's ``num_layers`` (default: inferred from the names), ``layer_id_rule``
        (``'vit'`` or ``'convnext'``), ``embed_keys``, ``layer_pattern``, ``stage_pattern`` and
        ``downsample_pattern``.

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
        self.rule = _parse_rule(own, stage_wise=False, embed_default=MMPRETRAIN_EMBED_KEYS)

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
        names = [row.name for row in table]
        if self.num_layers is None:
            num_layers = self.rule.infer_num_layers(names)
        else:
            num_layers = self.num_layers
            self.rule.check(names)
        return _decayed(table, self.rule, num_layers, self.layer_decay_rate, self._lr)


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
