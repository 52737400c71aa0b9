"""Which layer a parameter belongs to, from its name: the layer ids of layer-wise lr decay.

The decay constructors (:mod:`jaxoptim.layer_decay`) multiply a parameter's lr by
``rate ** (num_layers + 1 - layer_id)``; this module finds ``layer_id`` for parameter pytrees,
which have names but no model object to ask.

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
* ``'swin'`` (mmpretrain's ``SwinTransformer.get_layer_depth``; ``num_layers = sum(depths)``,
  ``depths`` the blocks per stage, e.g. ``(2, 2, 18, 2)``): 0 for ``embed_keys`` (default
  ``patch_embed`` only); block ``b`` of stage ``s`` -> ``sum(depths[:s]) + b + 1``; stage ``s``'s
  patch merging (``stages.s.downsample``), which runs after that stage's blocks, ->
  ``sum(depths[:s + 1])``, its last block's id; ``num_layers + 1`` for the rest, including
  ``absolute_pos_embed`` and the ``norm{i}`` output norms (as in mmpretrain; add
  ``absolute_pos_embed`` to ``embed_keys`` to decay it as an embedding). ``depths`` is a
  paramwise key; without it, each stage's depth is its largest block index in the names + 1 (a
  stage with no block is then an error). Given or inferred, a block or stage outside ``depths``
  and a ``num_layers`` other than ``sum(depths)`` are errors. ``stage_pattern`` and
  ``downsample_pattern`` as for ConvNeXt (their defaults match mmpretrain's
  ``stages.2.blocks.17`` / ``stages.1.downsample.reduction`` and Flax's ``stages_2.blocks_17`` /
  ``stages_2_blocks_17`` / ``stages_1.downsample``); a name with a stage index component
  (``stages.2.``, ``stages_2_``) that neither matches is an error. mmpretrain has no layer depth
  for ``SwinTransformerV2``, whose patch merging opens stage ``s`` instead of closing it: a
  patch merging in the last stage (v1 has none, V2 has one) is an error.
  mmsegmentation has no Swin rule; its class here uses these ids, with ``num_layers =
  sum(depths)`` required as always.

A block whose id would pass ``num_layers`` is an error that names ``num_layers``, and so is a
tree in which no name matches the block pattern (with the wrong rule every lr would be the
head's).
"""

from __future__ import annotations

import dataclasses
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_LAYER_PATTERN = r"(?:^|\.)(?:blocks|layers|block|layer|Block|Layer)[._](\d+)(?:\.|$)"
DEFAULT_STAGE_PATTERN = r"(?:^|\.)stages?[._]?(\d+)[._](?:(?:blocks?|layers?)[._]?)?(\d+)(?:\.|$)"
DEFAULT_DOWNSAMPLE_PATTERN = (
    r"(?:^|\.)(?:(?:downsample_layers?|downsamples?)[._]?(\d+)|stages?[._]?(\d+)[._]downsample)"
    r"(?:[._]|$)"
)
DEFAULT_EMBED_KEYS = ("patch_embed", "pos_embed", "cls_token", "mask_token", "stem")
# mmpretrain's ViT: exactly cls_token, pos_embed and patch_embed.* are depth 0 (not mask_token).
MMPRETRAIN_EMBED_KEYS = ("patch_embed", "pos_embed", "cls_token", "stem")
# mmpretrain's Swin: only patch_embed.* is depth 0; its absolute_pos_embed gets the head's depth.
SWIN_EMBED_KEYS = ("patch_embed",)
_CONVNEXT_STAGE_LIKE = re.compile("stage|downsample", re.IGNORECASE)
# Narrower than ConvNeXt's: a stage index component (`stages.2.`, `stages_2_`), so a miss is a
# pattern that does not know the naming, not a neck that happens to say `downsample`.
_SWIN_STAGE_LIKE = re.compile(r"(?:^|\.)stages?[._]?\d+(?:[._]|$)")
LAYER_ID_RULES = ("vit", "convnext", "swin")
# key -> (layer_id_rules it belongs to, default, groups it needs)
_PATTERNS = {
    "layer_pattern": (("vit",), DEFAULT_LAYER_PATTERN, 1),
    "stage_pattern": (("convnext", "swin"), DEFAULT_STAGE_PATTERN, 2),
    "downsample_pattern": (("convnext", "swin"), DEFAULT_DOWNSAMPLE_PATTERN, 1),
}
RULE_KEYS = ("layer_id_rule", "embed_keys", "depths", *_PATTERNS)


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


def stage_position(
    name: str, stage_pattern: re.Pattern, downsample_pattern: re.Pattern
) -> tuple[int, int | None] | None:
    """``(stage, block)`` of a ConvNeXt / Swin block, ``(stage, None)`` of a downsample, or None.

    Examples:
      >>> s, d = re.compile(DEFAULT_STAGE_PATTERN), re.compile(DEFAULT_DOWNSAMPLE_PATTERN)
      >>> [stage_position(n, s, d) for n in
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
    position = stage_position(name, stage_pattern, downsample_pattern)
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


def swin_layer_id(
    name: str,
    depths: Sequence[int],
    stage_pattern: re.Pattern,
    downsample_pattern: re.Pattern,
    embed_keys: Sequence[str],
) -> int:
    """mmpretrain's ``SwinTransformer`` layer depth, for ``depths`` blocks per stage.

    Block ``b`` of stage ``s`` comes after every block of the earlier stages: ``sum(depths[:s]) +
    b + 1``. The patch merging (``downsample``) of stage ``s`` runs after that stage's blocks and
    shares its last block's depth, ``sum(depths[:s + 1])``. ``embed_keys`` are 0, any other name
    (``absolute_pos_embed``, ``norm3``, the head) ``sum(depths) + 1``.

    Examples:
      >>> s, d = re.compile(DEFAULT_STAGE_PATTERN), re.compile(DEFAULT_DOWNSAMPLE_PATTERN)
      >>> names = ['backbone.patch_embed.projection.weight',
      ...          'backbone.stages.0.blocks.0.attn.w_msa.qkv.weight',
      ...          'backbone.stages.0.downsample.reduction.weight',
      ...          'backbone.stages_1.blocks_1.norm1.scale', 'stages_1.downsample.norm.bias',
      ...          'backbone.stages.2.blocks.5.ffn.layers.1.weight',
      ...          'backbone.stages.3.blocks.1.norm2.weight', 'backbone.absolute_pos_embed',
      ...          'backbone.norm3.weight', 'head.fc.weight']
      >>> [swin_layer_id(n, (2, 2, 6, 2), s, d, SWIN_EMBED_KEYS) for n in names]
      [0, 1, 2, 4, 4, 10, 12, 13, 13, 13]
    """
    if any(key in name for key in embed_keys):
        return 0
    position = stage_position(name, stage_pattern, downsample_pattern)
    if position is None:
        return sum(depths) + 1
    stage, block = position
    _check_swin(name, stage, block, depths)
    if block is None:
        return sum(depths[: stage + 1])
    return sum(depths[:stage]) + block + 1


def _check_swin(name: str, stage: int, block: int | None, depths: Sequence[int]) -> None:
    # Outside `depths` a depth would collide with another stage's or pass the head's.
    if stage >= len(depths) or (block is not None and block >= depths[stage]):
        where = f"stage {stage}" if block is None else f"block {block} of stage {stage}"
        raise ValueError(
            f"paramwise_cfg.depths={list(depths)} (blocks per Swin stage), but parameter "
            f"{name!r} is in {where}: depths must count every stage and block in the names"
        )


def _infer_swin_depths(positions: Sequence[tuple[str, int, int | None]]) -> tuple[int, ...]:
    """Blocks per stage from the names: the largest block index + 1 of each stage."""
    depths = [0] * (max(stage for _, stage, _ in positions) + 1)
    for _, stage, block in positions:
        if block is not None:
            depths[stage] = max(depths[stage], block + 1)
    empty = [stage for stage, depth in enumerate(depths) if depth == 0]
    if empty:
        raise ValueError(
            f"layer_id_rule='swin': no parameter name is a block of stage(s) {empty}, so the "
            "blocks per stage cannot be inferred from the names; set paramwise_cfg.depths "
            "(e.g. [2, 2, 6, 2])"
        )
    return tuple(depths)


def _checked(name: str, lid: int, num_layers: int) -> int:
    # An id past num_layers would give a block the head's lr or more: the decay would invert.
    if lid > num_layers:
        raise ValueError(
            f"paramwise_cfg.num_layers={num_layers}, but parameter {name!r} has layer id {lid}: "
            "num_layers must be at least every block's layer id"
        )
    return lid


@dataclasses.dataclass(frozen=True)
class Rule:
    """A compiled ``layer_id_rule``: the family, its patterns and the embedding keys.

    ``depths`` (Swin only) is the config's until :meth:`prepare` binds it to a tree's names.
    """

    family: str
    stage_wise: bool
    embed_keys: tuple[str, ...]
    patterns: Mapping[str, re.Pattern]
    depths: tuple[int, ...] | None = None

    def layer_id(self, name: str, num_layers: int) -> int:
        if self.family == "vit":
            return layer_id(name, num_layers, self.patterns["layer_pattern"], self.embed_keys)
        stage_pattern = self.patterns["stage_pattern"]
        downsample_pattern = self.patterns["downsample_pattern"]
        if self.family == "swin":
            return swin_layer_id(
                name, self.depths, stage_pattern, downsample_pattern, self.embed_keys
            )
        return convnext_layer_id(
            name,
            num_layers,
            stage_pattern,
            downsample_pattern,
            self.embed_keys,
            stage_wise=self.stage_wise,
        )

    def positions(self, names: Sequence[str]) -> list[tuple[str, int, int | None]]:
        """``(name, stage, block)`` of every block and downsample (block None; stage 0: ViT)."""
        out = []
        for name in names:
            if any(key in name for key in self.embed_keys):
                continue  # an embedding's id is 0 whatever its name says
            if self.family == "vit":
                match = self.patterns["layer_pattern"].search(name)
                position = (0, int(match.group(1))) if match else None
            else:
                position = stage_position(
                    name, self.patterns["stage_pattern"], self.patterns["downsample_pattern"]
                )
            if position is not None:
                out.append((name, *position))
        return out

    def check(self, names: Sequence[str]) -> list[tuple[str, int, int | None]]:
        """The positions; no block is an error (with the wrong rule every lr is the head's)."""
        positions = self.positions(names)
        if not any(block is not None for _, _, block in positions):
            key = "layer_pattern" if self.family == "vit" else "stage_pattern"
            raise ValueError(
                f"paramwise_cfg.layer_id_rule={self.family!r}: no parameter name matches "
                f"{key}={self.patterns[key].pattern!r} (names look like {list(names[:4])}); set "
                f"layer_id_rule (one of {list(LAYER_ID_RULES)}) or {key}"
            )
        return positions

    def prepare(self, names: Sequence[str], num_layers: int | None) -> tuple[Rule, int]:
        """The rule bound to a tree's names, and its ``num_layers`` (given, else inferred)."""
        positions = self.check(names)
        if self.family == "swin":
            return self._prepare_swin(positions, num_layers)
        if num_layers is not None:
            return self, num_layers
        blocks = [(stage, block) for _, stage, block in positions if block is not None]
        if self.family == "vit":
            return self, max(b for _, b in blocks) + 1
        # mmpretrain's ConvNeXt: 12 if stage 2 has more than 9 blocks, else 6
        stage2 = [b for s, b in blocks if s == 2]
        if not stage2:
            raise ValueError(
                "paramwise_cfg.num_layers is not set and no name is a stage-2 ConvNeXt block "
                "(mmpretrain counts layers from stage 2's depth); set num_layers"
            )
        return self, 12 if max(stage2) + 1 > 9 else 6

    def _prepare_swin(
        self, positions: Sequence[tuple[str, int, int | None]], num_layers: int | None
    ) -> tuple[Rule, int]:
        if self.depths is None:
            depths, source = _infer_swin_depths(positions), "inferred from the names"
        else:
            depths, source = self.depths, "given"
            for name, stage, block in positions:
                _check_swin(name, stage, block, depths)
        # v1's last stage never merges patches; SwinTransformerV2's does (its merging opens
        # stages 1..n-1), and v1's ids would put each of them one stage late.
        v2 = [
            name for name, stage, block in positions if block is None and stage == len(depths) - 1
        ]
        if v2:
            raise ValueError(
                f"layer_id_rule='swin' restates mmpretrain's SwinTransformer (v1), whose last "
                f"stage has no patch merging, but the names put one there ({v2[:3]}): this "
                "looks like SwinTransformerV2, for which mmpretrain defines no layer depths"
            )
        # mmpretrain's max depth is sum(depths) + 2: any other count shifts every factor.
        if num_layers is not None and num_layers != sum(depths):
            raise ValueError(
                f"paramwise_cfg.num_layers={num_layers}, but layer_id_rule='swin' counts "
                f"sum(depths)={sum(depths)} layers (depths={list(depths)}, {source}); "
                "num_layers must equal sum(depths)"
            )
        return dataclasses.replace(self, depths=depths), sum(depths)

    def unplaced(self, names: Sequence[str]) -> list[str]:
        """Names that look like stages but match no pattern (they would get the head's lr)."""
        if self.family == "vit":
            return []
        looks_like = (_SWIN_STAGE_LIKE if self.family == "swin" else _CONVNEXT_STAGE_LIKE).search
        return [
            n
            for n in names
            if looks_like(n)
            and not any(k in n for k in self.embed_keys)
            and stage_position(
                n, self.patterns["stage_pattern"], self.patterns["downsample_pattern"]
            )
            is None
        ]


def parse_rule(own: Mapping[str, Any], *, stage_wise: bool, embed_default: Sequence[str]) -> Rule:
    """The :class:`Rule` a constructor's own ``paramwise_cfg`` keys describe, validated.

    Args:
      own: ``layer_id_rule``, ``embed_keys``, ``depths`` and the pattern keys, as given.
      stage_wise: mmseg's ``decay_type='stage_wise'`` (it implies ``'convnext'``).
      embed_default: the constructor's default ``embed_keys`` (Swin's are its own).

    Examples:
      >>> rule = parse_rule({'layer_id_rule': 'convnext'}, stage_wise=False, embed_default=())
      >>> rule.family, sorted(rule.patterns)
      ('convnext', ['downsample_pattern', 'stage_pattern'])
    """
    family = own.get("layer_id_rule", "convnext" if stage_wise else "vit")
    if family not in LAYER_ID_RULES:
        raise ValueError(f"paramwise_cfg.layer_id_rule={family!r}: one of {list(LAYER_ID_RULES)}")
    if stage_wise and family != "convnext":
        raise ValueError(
            f"paramwise_cfg.decay_type='stage_wise' needs layer_id_rule='convnext' "
            f"(mmsegmentation defines stage ids for ConvNeXt only), got layer_id_rule={family!r}"
        )
    patterns = {}
    for key, (owners, default, groups) in _PATTERNS.items():
        if family not in owners:
            if key in own:
                raise ValueError(
                    f"paramwise_cfg.{key} applies to layer_id_rule in {list(owners)}, "
                    f"not {family!r}"
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
    embed_keys = own.get("embed_keys", SWIN_EMBED_KEYS if family == "swin" else embed_default)
    if isinstance(embed_keys, str) or not all(isinstance(k, str) for k in embed_keys):
        raise TypeError(f"paramwise_cfg.embed_keys must be a list of str, got {embed_keys!r}")
    return Rule(family, stage_wise, tuple(embed_keys), patterns, _depths(own, family))


def _depths(own: Mapping[str, Any], family: str) -> tuple[int, ...] | None:
    """``paramwise_cfg.depths`` (Swin's blocks per stage), checked; None when not given."""
    if "depths" not in own:
        return None
    value = own["depths"]
    if family != "swin":
        raise ValueError(f"paramwise_cfg.depths applies to layer_id_rule='swin', not {family!r}")
    if (
        isinstance(value, (str, bytes))
        or not isinstance(value, Sequence)
        or not value
        or not all(
            isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 1 for d in value
        )
    ):
        raise TypeError(
            "paramwise_cfg.depths must be a non-empty list of ints >= 1 (blocks per Swin stage, "
            f"e.g. [2, 2, 6, 2]), got {value!r}"
        )
    return tuple(int(d) for d in value)
