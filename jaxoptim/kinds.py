"""Module kinds: which parameters belong to norm layers, depthwise convs or DCN offset convs.

mmcv's ``DefaultOptimizerConstructor`` classifies a parameter by the *module that owns it*
(``isinstance`` checks on ``_BatchNorm``, ``Conv2d``, ...). A JAX parameter tree only has
names, so :func:`param_kinds` recovers the owning Flax module of every parameter:

* Flax linen: the model is initialised abstractly (``jax.eval_shape``, no FLOPs) inside
  ``flax.linen.intercept_methods``, which records the module bound at every scope path;
  a parameter's owner is the module at its path minus the leaf name.
* Flax nnx: the module graph is walked with ``nnx.iter_graph``.

The kinds, mirroring mmcv's classification:

* ``'norm'``: the owner is a BatchNorm, LayerNorm, GroupNorm, InstanceNorm or RMSNorm (linen or
  nnx class, or a subclass). mmcv does not know RMSNorm; it is included here because it plays
  the same role.
* ``'dwconv'``: the owner is a 2-D convolution (``Conv``, kernel of rank 4) whose
  ``feature_group_count`` equals its input features, i.e. the kernel's input-feature axis has
  size 1. As in mmcv, a convolution with one input channel counts as depthwise, and 1-D/3-D
  convolutions and transposed convolutions never do.
* ``'dcn_offset'``: the offset convolution of a deformable convolution. Convention: a ``Conv``
  whose module path contains ``conv_offset`` and whose parent module's class name contains
  ``Deform`` or ``DCN`` (mmcv's ``DeformConv2dPack`` layout), or any module with an attribute
  ``dcn_offset = True`` (for other layouts).
* ``None``: anything else.

When no kinds are given, :mod:`jaxoptim.paramwise` falls back to names (see
:func:`kinds_from_names`): only norm layers are recognised, by their module name.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

import jax

KINDS = ("norm", "dwconv", "dcn_offset")

_FLAX_NORM_NAME = re.compile(r"(BatchNorm|LayerNorm|GroupNorm|RMSNorm|InstanceNorm)_\d+")
_NORM_TOKEN = re.compile(r"(bn|ln|gn)\d*")


def _norm_classes() -> tuple[type, ...]:
    import flax.linen as nn
    from flax import nnx

    names = ("BatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm", "RMSNorm")
    return tuple(getattr(mod, n) for mod in (nn, nnx) for n in names if hasattr(mod, n))


def _conv_classes() -> tuple[type, ...]:
    import flax.linen as nn
    from flax import nnx

    return (nn.Conv, nnx.Conv)


def _is_depthwise(kernel_shape: tuple[int, ...], feature_group_count: int) -> bool:
    # A 2-D kernel is (h, w, in_features // groups, out_features): in == groups <=> axis -2 is 1.
    if len(kernel_shape) != 4:
        return False
    in_features = kernel_shape[-2] * feature_group_count
    return in_features == feature_group_count


def _classify(module: Any, parent: Any, module_path: tuple[Any, ...], kernel_shape) -> str | None:
    if getattr(module, "dcn_offset", False) is True:
        return "dcn_offset"
    if isinstance(module, _norm_classes()):
        return "norm"
    if isinstance(module, _conv_classes()):
        parent_name = type(parent).__name__.lower() if parent is not None else ""
        in_dcn = "deform" in parent_name or "dcn" in parent_name
        if in_dcn and "conv_offset" in ".".join(str(p) for p in module_path):
            return "dcn_offset"
        if kernel_shape is not None and _is_depthwise(
            tuple(kernel_shape), int(getattr(module, "feature_group_count", 1))
        ):
            return "dwconv"
    return None


def _linen_kinds(model: Any, *args: Any, **kwargs: Any) -> Any:
    import flax.linen as nn

    owners: dict[tuple[str, ...], Any] = {}

    def record(next_fun, call_args, call_kwargs, context):
        module = context.module
        if module.scope is not None:
            owners.setdefault(tuple(module.scope.path), module)
        return next_fun(*call_args, **call_kwargs)

    # Array-like inputs (arrays, ShapeDtypeStructs) are abstract arguments; the rest (flags such
    # as `train=False`) stay Python values closed over by the traced function.
    leaves, treedef = jax.tree_util.tree_flatten((args, kwargs))
    is_array = [hasattr(x, "shape") and hasattr(x, "dtype") for x in leaves]
    arrays = [x for x, a in zip(leaves, is_array, strict=True) if a]

    def init(*array_leaves):
        it = iter(array_leaves)
        full = [next(it) if a else x for x, a in zip(leaves, is_array, strict=True)]
        call_args, call_kwargs = jax.tree_util.tree_unflatten(treedef, full)
        key = jax.random.key(0)
        return model.init({"params": key, "dropout": key}, *call_args, **call_kwargs)

    with nn.intercept_methods(record):
        variables = jax.eval_shape(init, *arrays)
    params = variables.get("params", {})

    def kind(path, leaf):
        names = tuple(str(k.key) for k in path)
        owner_path = names[:-1]
        module = owners.get(owner_path)
        if module is None:
            return None
        parent = owners.get(owner_path[:-1]) if owner_path else None
        kernel = _get_path(params, owner_path + ("kernel",))
        return _classify(module, parent, owner_path, None if kernel is None else kernel.shape)

    return jax.tree_util.tree_map_with_path(kind, params)


def _get_path(tree: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        if not hasattr(tree, "get"):
            return None
        tree = tree.get(key)
        if tree is None:
            return None
    return tree


def _nnx_kinds(model: Any) -> Any:
    from flax import nnx

    modules = {
        tuple(path): node for path, node in nnx.iter_graph(model) if isinstance(node, nnx.Module)
    }
    state = nnx.state(model, nnx.Param)

    def kind(path, variable):
        owner_path = tuple(k.key for k in path[:-1])
        module = modules.get(owner_path)
        if module is None:
            return None
        parent = modules.get(owner_path[:-1]) if owner_path else None
        kernel = getattr(module, "kernel", None)
        shape = getattr(variable_value(kernel), "shape", None) if kernel is not None else None
        return _classify(module, parent, owner_path, shape)

    return jax.tree_util.tree_map_with_path(
        kind, state, is_leaf=lambda x: isinstance(x, nnx.Variable)
    )


def variable_value(variable: Any) -> Any:
    """The value held by an nnx Variable (``None`` for anything else)."""
    from flax import nnx

    if not isinstance(variable, nnx.Variable):
        return None
    return variable.get_value() if hasattr(variable, "get_value") else variable.value


def param_kinds(model: Any, *example_args: Any, **example_kwargs: Any) -> Any:
    """Labels every parameter with the kind of the Flax module that owns it.

    Args:
      model: a Flax linen module (then ``example_args``/``example_kwargs`` are the inputs of
        ``model.init``; only shapes matter, nothing is computed) or a Flax nnx module (then no
        inputs are needed).
      *example_args: example inputs for a linen module.
      **example_kwargs: example keyword inputs for a linen module.

    Returns:
      For linen, a pytree with the structure of ``variables['params']`` (without the
      ``'params'`` collection level); for nnx, an ``nnx.State`` with the structure of
      ``nnx.state(model, nnx.Param)`` whose Variables are replaced by their kinds. Leaves are
      ``'norm'``, ``'dwconv'``, ``'dcn_offset'`` or ``None`` (``None`` leaves vanish when the
      tree is flattened; :mod:`jaxoptim.paramwise` matches kinds to parameters by name).

    Examples:
      >>> import flax.linen as nn, jax.numpy as jnp
      >>> class Net(nn.Module):
      ...   @nn.compact
      ...   def __call__(self, x):
      ...     x = nn.Conv(8, (3, 3), feature_group_count=x.shape[-1], name='dw')(x)
      ...     return nn.LayerNorm(name='ln')(x)
      >>> param_kinds(Net(), jnp.zeros((1, 8, 8, 8)))
      {'dw': {'bias': 'dwconv', 'kernel': 'dwconv'}, 'ln': {'bias': 'norm', 'scale': 'norm'}}
    """
    from flax import nnx

    if isinstance(model, nnx.Module):
        if example_args or example_kwargs:
            raise TypeError("param_kinds: an nnx module takes no example inputs")
        return _nnx_kinds(model)
    import flax.linen as nn

    if isinstance(model, nn.Module):
        return _linen_kinds(model, *example_args, **example_kwargs)
    raise TypeError(
        f"param_kinds expects a flax.linen or flax.nnx Module, got {type(model).__name__}"
    )


_NORM_LEAVES = ("scale", "bias", "weight")  # Flax's norm parameters, and torch's


def kinds_from_names(names: list[str]) -> list[str | None]:
    """The name-based fallback used when no ``param_kinds`` are given.

    A leaf named ``scale`` or ``bias`` (Flax), or ``weight`` (a tree with torch's names, e.g.
    converted from a ``state_dict``), is ``'norm'`` when its parent path component is a Flax
    default norm name (``BatchNorm_0``, ``LayerNorm_3``, ``GroupNorm_1``, ``RMSNorm_0``,
    ``InstanceNorm_2``), contains ``norm`` (any case: ``norm1``, ``final_norm``), or has an
    ``_``-separated token ``bn``, ``ln`` or ``gn`` optionally followed by digits (``bn``,
    ``bn1``, ``ln_f``, ``downsample_bn``). Depthwise and DCN offset convolutions cannot be
    told apart by name and are never detected.

    Args:
      names: ``.``-joined parameter names.

    Returns:
      One kind (``'norm'`` or ``None``) per name.

    Examples:
      >>> kinds_from_names(['BatchNorm_0.scale', 'ln_f.bias', 'Dense_0.bias', 'norm.kernel'])
      ['norm', 'norm', None, None]
      >>> kinds_from_names(['layer1.0.bn1.weight', 'blocks.0.norm1.weight', 'conv1.weight'])
      ['norm', 'norm', None]
    """
    kinds: list[str | None] = []
    for name in names:
        parts = name.split(".")
        kinds.append(
            "norm"
            if len(parts) >= 2 and parts[-1] in _NORM_LEAVES and _is_norm_name(parts[-2])
            else None
        )
    return kinds


def _is_norm_name(component: str) -> bool:
    if _FLAX_NORM_NAME.fullmatch(component) or "norm" in component.lower():
        return True
    return any(_NORM_TOKEN.fullmatch(tok) for tok in component.lower().split("_"))


def nnx_variable_class() -> type | None:
    # no nnx Variable can exist before flax.nnx is imported: do not import it for the check
    nnx = sys.modules.get("flax.nnx")
    return getattr(nnx, "Variable", None)


def check_trainable(tree: Any, where: str) -> None:
    """Raises where ``tree``, given as the trainable params, holds model state.

    A linen ``variables`` dict (``params`` beside ``batch_stats`` or another collection) or an
    unfiltered ``nnx.split(model)`` would otherwise train silently wrong: the optimizer
    weight-decays BatchNorm's running statistics and they stop following the data.

    Args:
      tree: what was given as the params.
      where: the caller, for the message (``'TrainState.create'``).

    Raises:
      TypeError: a non-``params`` collection or an nnx Variable that is not an ``nnx.Param``;
        the message names it and the fix.
    """
    if isinstance(tree, Mapping) and "params" in tree:
        others = sorted(str(k) for k in tree if k != "params")
        if others:
            raise TypeError(
                f"{where}: the params hold the linen collection(s) {others} beside 'params' "
                "(a whole `variables` dict): pass variables['params'] as the params, and the "
                "rest as TrainState.create(..., model_state=...) with "
                "make_train_step(..., with_model_state=True); the optimizer would weight-decay "
                "them otherwise"
            )
    variable = nnx_variable_class()
    if variable is None:
        return
    from flax import nnx

    leaves = jax.tree_util.tree_flatten_with_path(tree, is_leaf=lambda x: isinstance(x, variable))[
        0
    ]
    state = [
        (path, leaf)
        for path, leaf in leaves
        if isinstance(leaf, variable) and not isinstance(leaf, nnx.Param)
    ]
    if state:
        from jaxoptim.optimizer_base import path_name

        kinds = sorted({type(leaf).__name__ for _, leaf in state})
        raise TypeError(
            f"{where}: the params hold nnx {kinds} variable(s) (`{path_name(state[0][0])}`, "
            f"{len(state)} in all), which are model state, not trainable parameters: split "
            "the parameters out with `graphdef, params, model_state = nnx.split(model, "
            "nnx.Param, ...)` (nnx.Optimizer: wrt=nnx.Param) and give model_state to "
            "TrainState.create(..., model_state=...) with make_train_step(..., "
            "with_model_state=True)"
        )
