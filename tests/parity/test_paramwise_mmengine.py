"""paramwise dialect='mmengine' against mmengine's DefaultOptimWrapperConstructor.

Random Flax module trees (linen and nnx) are mirrored as torch modules with the same names
(torch ``weight`` <-> Flax ``kernel`` / ``scale``); random paramwise configs are given to
:func:`jaxoptim.explain` and to mmengine, and every parameter's lr, weight decay and momentum
must agree. A short training run then checks that the compiled groups drive jaxoptim's
SGD/AdamW exactly as torch drives the param groups mmengine built.
"""

import logging
import os
import sys

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from flax import nnx
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from _example_models import (  # noqa: E402
    EXAMPLE_INPUT,
    TORCH_TO_FLAX,
    LinenExampleModel,
    torch_example_model,
)

from jaxoptim import explain, param_kinds  # noqa: E402
from jaxoptim.optimizer_base import torch_transform  # noqa: E402
from jaxoptim.optimizers import SGD, AdamW  # noqa: E402
from jaxoptim.paramwise import groups_from_table  # noqa: E402

MMLogger.get_current_instance().setLevel(logging.ERROR)

_WORDS = ("backbone", "neck", "head", "stage", "block", "layer", "conv", "proj", "norm", "bn",
          "gn", "ln", "fc", "mlp", "attn", "decode_head", "aux_head", "branch")  # fmt: skip
_MULTS = (0.0, 0.1, 0.5, 2.0, 3.0)


# ----------------------------------------------------------------------------- random trees
def _random_leaf(rng):
    kind = rng.choice(["conv", "dwconv", "conv_one_in", "linear", "bn", "gn", "ln"])
    bias = bool(rng.random() < 0.7)
    c = int(rng.integers(2, 5))
    if kind == "conv":
        return dict(type="conv", cin=c, cout=int(rng.integers(1, 5)), groups=1, bias=bias)
    if kind == "dwconv":
        return dict(type="conv", cin=c, cout=c * int(rng.integers(1, 3)), groups=c, bias=bias)
    if kind == "conv_one_in":
        return dict(type="conv", cin=1, cout=c, groups=1, bias=bias)
    if kind == "linear":
        return dict(type="linear", cin=c, cout=int(rng.integers(1, 5)), bias=bias)
    if kind == "gn":
        return dict(type="gn", c=2 * c, groups=2)
    return dict(type=kind, c=c)


def _random_tree(rng, depth=0):
    node = dict(type="container", children={}, params={})
    for i in range(int(rng.integers(0, 3))):
        name = ["p", "pos_embed", "cls_token", "gamma"][int(rng.integers(0, 4))] + str(i)
        node["params"][name] = (int(rng.integers(1, 4)),) * int(rng.integers(1, 3))
    for i in range(int(rng.integers(1, 4))):
        name = f"{rng.choice(_WORDS)}{i}"
        if depth < 2 and rng.random() < 0.4:
            node["children"][name] = _random_tree(rng, depth + 1)
        else:
            node["children"][name] = _random_leaf(rng)
    return node


def _torch_module(spec):
    if spec["type"] == "container":
        module = torch.nn.Module()
        for name, shape in spec["params"].items():
            setattr(module, name, torch.nn.Parameter(torch.zeros(shape)))
        for name, child in spec["children"].items():
            setattr(module, name, _torch_module(child))
        return module
    t = spec["type"]
    if t == "conv":
        return torch.nn.Conv2d(
            spec["cin"], spec["cout"], 1, groups=spec["groups"], bias=spec["bias"]
        )
    if t == "linear":
        return torch.nn.Linear(spec["cin"], spec["cout"], bias=spec["bias"])
    if t == "bn":
        return torch.nn.BatchNorm2d(spec["c"])
    if t == "gn":
        return torch.nn.GroupNorm(spec["groups"], spec["c"])
    return torch.nn.LayerNorm(spec["c"])


def _flax_names(spec, prefix=""):
    """torch name -> flax name for every parameter of ``spec``."""
    out = {}
    if spec["type"] == "container":
        for name in spec["params"]:
            out[prefix + name] = prefix + name
        for name, child in spec["children"].items():
            out.update(_flax_names(child, f"{prefix}{name}."))
        return out
    weight = "kernel" if spec["type"] in ("conv", "linear") else "scale"
    out[prefix + "weight"] = prefix + weight
    if spec.get("bias", True):
        out[prefix + "bias"] = prefix + "bias"
    return out


def _leaf_input(spec):
    if spec["type"] in ("conv",):
        return jnp.zeros((1, 2, 2, spec["cin"]))
    if spec["type"] == "linear":
        return jnp.zeros((1, spec["cin"]))
    if spec["type"] == "ln":
        return jnp.zeros((1, spec["c"]))
    return jnp.zeros((1, 2, 2, spec["c"]))


class _LinenNode(nn.Module):
    spec: dict

    @nn.compact
    def __call__(self):
        for name, shape in self.spec["params"].items():
            self.param(name, nn.initializers.zeros, shape)
        for name, child in self.spec["children"].items():
            if child["type"] == "container":
                _LinenNode(child, name=name)()
                continue
            t = child["type"]
            if t == "conv":
                layer = nn.Conv(
                    child["cout"],
                    (1, 1),
                    feature_group_count=child["groups"],
                    use_bias=child["bias"],
                    name=name,
                )
            elif t == "linear":
                layer = nn.Dense(child["cout"], use_bias=child["bias"], name=name)
            elif t == "bn":
                layer = nn.BatchNorm(use_running_average=True, name=name)
            elif t == "gn":
                layer = nn.GroupNorm(num_groups=child["groups"], name=name)
            else:
                layer = nn.LayerNorm(name=name)
            layer(_leaf_input(child))
        return 0.0


class _NnxNode(nnx.Module):
    def __init__(self, spec, rngs):
        for name, shape in spec["params"].items():
            setattr(self, name, nnx.Param(jnp.zeros(shape)))
        for name, child in spec["children"].items():
            t = child["type"]
            if t == "container":
                layer = _NnxNode(child, rngs)
            elif t == "conv":
                layer = nnx.Conv(
                    child["cin"],
                    child["cout"],
                    (1, 1),
                    feature_group_count=child["groups"],
                    use_bias=child["bias"],
                    rngs=rngs,
                )
            elif t == "linear":
                layer = nnx.Linear(child["cin"], child["cout"], use_bias=child["bias"], rngs=rngs)
            elif t == "bn":
                layer = nnx.BatchNorm(child["c"], rngs=rngs)
            elif t == "gn":
                layer = nnx.GroupNorm(child["c"], num_groups=child["groups"], rngs=rngs)
            else:
                layer = nnx.LayerNorm(child["c"], rngs=rngs)
            setattr(self, name, layer)


def _flax_params_and_kinds(spec, backend):
    if backend == "linen":
        model = _LinenNode(spec)
        params = jax.eval_shape(lambda: model.init(jax.random.key(0)))["params"]
        return params, param_kinds(model)
    model = nnx.eval_shape(lambda: _NnxNode(spec, nnx.Rngs(0)))
    return nnx.state(model, nnx.Param), param_kinds(model)


# ---------------------------------------------------------------------------- random configs
def _random_key(rng, names):
    torch_names = list(names)
    for _ in range(20):
        name = torch_names[int(rng.integers(len(torch_names)))]
        full = name if "." in name else "." + name
        prefix = full.rsplit(".", 1)[0] or full
        if rng.random() < 0.2:
            key = full if "." not in name else ".".join(name.split(".")[:-1])
        else:
            start = int(rng.integers(0, max(1, len(prefix) - 3)))
            key = prefix[start : start + int(rng.integers(3, 12))]
        if len(key) < 3:
            continue
        # The key must hit the same parameters under both namings.
        same = all((key in _full(t)) == (key in _full(f)) for t, f in names.items())
        if same:
            return key
    return None


def _full(name):
    return name if "." in name else "." + name


def _random_config(rng, names):
    with_wd = rng.random() < 0.85
    optimizer = dict(type="SGD", lr=float(rng.choice([0.01, 0.1])), momentum=0.9)
    if with_wd:
        optimizer["weight_decay"] = float(rng.choice([1e-4, 0.05, 0.9]))
    pw = {}
    for key in ("bias_lr_mult", "dcn_offset_lr_mult"):
        if rng.random() < 0.5:
            pw[key] = float(rng.choice(_MULTS))
    if with_wd:
        for key in ("bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult", "flat_decay_mult"):
            if rng.random() < 0.5:
                pw[key] = float(rng.choice(_MULTS))
    custom, frozen = {}, set()
    for _ in range(int(rng.integers(0, 4))):
        key = _random_key(rng, names)
        if key is None:
            continue
        entry = {}
        if rng.random() < 0.7:
            entry["lr_mult"] = float(rng.choice(_MULTS))
        if with_wd and rng.random() < 0.5:
            entry["decay_mult"] = float(rng.choice(_MULTS))
        if rng.random() < 0.3:
            entry["momentum"] = float(rng.choice([0.5, 0.99]))
        if rng.random() < 0.1:
            frozen.add(key)
        custom[key] = entry
    if custom:
        pw["custom_keys"] = custom
    return optimizer, pw, frozen


def _mmengine_groups(module, optimizer, pw):
    constructor = DefaultOptimWrapperConstructor(dict(optimizer=dict(optimizer)), pw)
    wrapper = constructor(module)
    ids = {id(p): n for n, p in module.named_parameters()}
    return {ids[id(g["params"][0])]: g for g in wrapper.optimizer.param_groups}, wrapper


@pytest.mark.filterwarnings("ignore:paramwise_cfg. custom_keys")
def test_random_trees_match_mmengine():
    rng = np.random.default_rng(1234)
    checked = 0
    for case in range(160):
        spec = _random_tree(rng)
        names = _flax_names(spec)  # torch -> flax
        backend = "linen" if case % 2 == 0 else "nnx"
        params, kinds = _flax_params_and_kinds(spec, backend)
        optimizer, pw, frozen = _random_config(rng, names)
        custom = {
            k: dict(v, frozen=True) if k in frozen else v
            for k, v in pw.get("custom_keys", {}).items()
        }
        jax_pw = dict(pw, dialect="mmengine", **({"custom_keys": custom} if custom else {}))
        table = explain(dict(optimizer, paramwise_cfg=jax_pw), params, param_kinds=kinds)
        assert sorted(row.name for row in table) == sorted(names.values()), spec
        module = _torch_module(spec)
        frozen_rows = {row.name for row in table if row.frozen}
        for tname, p in module.named_parameters():
            p.requires_grad_(names[tname] not in frozen_rows)
        if len(frozen_rows) == len(table):
            continue  # mmengine: "optimizer got an empty parameter list"
        groups, _ = _mmengine_groups(module, optimizer, pw)
        assert {names[t] for t in groups} == {r.name for r in table if not r.frozen}
        for tname, group in groups.items():
            row = table.group(names[tname])
            ctx = (case, backend, tname, optimizer, pw, row)
            assert row.lr == pytest.approx(group["lr"], rel=1e-12, abs=0), ctx
            assert row.weight_decay == pytest.approx(group["weight_decay"], rel=1e-12, abs=0), ctx
            assert row.extras.get("momentum", 0.9) == group["momentum"], ctx
            checked += 1
    assert checked > 1000


# -------------------------------------------------------------------------------- training
_MMENGINE_PW = dict(
    bias_lr_mult=2.0,
    bias_decay_mult=0.5,
    norm_decay_mult=0.0,
    dwconv_decay_mult=0.1,
    flat_decay_mult=0.3,
    custom_keys={"sub.gn": dict(lr_mult=0.5), "conv2": dict(decay_mult=3.0)},
)


@pytest.mark.parametrize(
    "defn, optimizer, extras",
    [
        (SGD, dict(type="SGD", lr=0.05, momentum=0.9, weight_decay=1e-2), dict(momentum=0.5)),
        (
            AdamW,
            dict(type="AdamW", lr=1e-2, weight_decay=0.05),
            dict(betas=(0.8, 0.99), eps=1e-6),
        ),
    ],
)
def test_training_steps_equal_torch_with_mmengine_groups(defn, optimizer, extras):
    pw = dict(_MMENGINE_PW, custom_keys=dict(_MMENGINE_PW["custom_keys"], **{"sub.conv1": extras}))
    model = LinenExampleModel(with_dcn=False)
    kinds = param_kinds(model, EXAMPLE_INPUT)
    shapes = jax.eval_shape(lambda: model.init(jax.random.key(0), EXAMPLE_INPUT))["params"]
    rng = np.random.default_rng(0)
    params = jax.tree.map(lambda s: rng.standard_normal(s.shape).astype(np.float32), shapes)
    grads = [
        jax.tree.map(lambda s: rng.standard_normal(s.shape).astype(np.float32), shapes)
        for _ in range(4)
    ]

    cfg = dict(optimizer, paramwise_cfg=dict(pw, dialect="mmengine"))
    hp = defn.hyperparams(**{k: v for k, v in optimizer.items() if k != "type"})
    tx = torch_transform(
        defn, hp, groups=lambda t: groups_from_table(explain(cfg, t, param_kinds=kinds), defn, hp)
    )
    state = tx.init(params)
    update = jax.jit(tx.update)
    jax_params = params
    for g in grads:
        updates, state = update(g, state, jax_params)
        jax_params = jax.tree.map(lambda p, u: p + u, jax_params, updates)

    module = torch_example_model(with_dcn=False)
    flat = {name: np.asarray(v) for name, v in _named(params).items()}
    with torch.no_grad():
        for tname, p in module.named_parameters():
            p.copy_(torch.from_numpy(_to_torch(flat[TORCH_TO_FLAX[tname]])))
    groups, wrapper = _mmengine_groups(module, optimizer, pw)
    assert groups["sub.conv1.weight"]["momentum" if defn is SGD else "betas"] == extras.get(
        "momentum", extras.get("betas")
    )
    for g in grads:
        named = _named(g)
        for tname, p in module.named_parameters():
            p.grad = torch.from_numpy(_to_torch(np.asarray(named[TORCH_TO_FLAX[tname]])))
        wrapper.optimizer.step()
    got = _named(jax_params)
    for tname, p in module.named_parameters():
        np.testing.assert_allclose(
            _to_torch(np.asarray(got[TORCH_TO_FLAX[tname]])),
            p.detach().numpy(),
            rtol=5e-5,
            atol=1e-7,
            err_msg=tname,
        )


def _named(tree):
    from jaxoptim.paramwise import param_leaves

    leaves = jax.tree_util.tree_leaves(tree)
    return {name: leaf for (name, _), leaf in zip(param_leaves(tree), leaves, strict=True)}


def _to_torch(x):
    # Flax conv kernels are HWIO, torch's OIHW; 1-D leaves are shared as they are.
    return np.ascontiguousarray(np.transpose(x, (3, 2, 0, 1)) if x.ndim == 4 else x)


# ------------------------------------------------------------------- torch names, no kinds
class _TorchNamed(torch.nn.Module):
    """A ResNet / ViT-like naming: bn1, layer1.0.bn1, downsample, norm1, ln_f, fc."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 4, 3, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(4)
        block = torch.nn.Module()
        block.conv1 = torch.nn.Conv2d(4, 4, 3, bias=False)
        block.bn1 = torch.nn.BatchNorm2d(4)
        block.norm1 = torch.nn.LayerNorm(4)
        self.layer1 = torch.nn.ModuleList([block])
        self.ln_f = torch.nn.LayerNorm(4)
        self.gn = torch.nn.GroupNorm(2, 4)
        self.fc = torch.nn.Linear(4, 2)


def test_a_torch_named_tree_without_kinds_matches_mmengine():
    """A tree with torch's names (e.g. from a state_dict) needs no param_kinds for norms."""
    module = _TorchNamed()
    tree: dict = {}
    for name, p in module.named_parameters():
        *parents, last = name.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = jnp.asarray(p.detach().numpy())
    optimizer = dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)
    pw = dict(norm_decay_mult=0.0, bias_decay_mult=0.5, bias_lr_mult=2.0)
    table = explain(dict(optimizer, paramwise_cfg=dict(pw, dialect="mmengine")), tree)
    groups, _ = _mmengine_groups(module, optimizer, pw)
    assert {row.name for row in table} == set(groups)
    for name, group in groups.items():
        row = table.group(name)
        assert (row.lr, row.weight_decay) == pytest.approx(
            (group["lr"], group["weight_decay"]), rel=1e-12
        ), (name, row, group["lr"], group["weight_decay"])
    assert {r.name for r in table if r.kind == "norm"} == {
        n for n, _ in module.named_parameters() if not n.startswith(("conv", "fc", "layer1.0.conv"))
    }
