"""Muon with an AdamW fallback against torch's recipe: torch.optim.Muon + torch.optim.AdamW.

torch's Muon takes 2-D parameters only, so a torch user gives it the matrices and a second
optimizer (AdamW) the biases, norm scales and conv kernels, with param groups built by hand.
jaxoptim builds the same from one config (``fallback``, ``paramwise_cfg``, ``lr_config`` /
``momentum_config``); both are fed the same random gradients for 24 steps and the parameters are
compared after every step, with the tolerances of tests/parity/test_optimizers_torch.py.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch

from jaxoptim import make_optimizer
from jaxoptim.optimizer_base import tree_names

STEPS = 24
RTOL, ATOL = 5e-5, 1e-6
# Tree order: conv.bias, conv.kernel, fc.kernel, head.bias, head.kernel, ln.bias, ln.scale.
SHAPES = {
    "conv": {"kernel": (3, 3, 2, 4), "bias": (4,)},
    "fc": {"kernel": (8, 6)},
    "head": {"kernel": (6, 3), "bias": (3,)},
    "ln": {"scale": (6,), "bias": (6,)},
}


def _is_shape(x):
    return isinstance(x, tuple)


def _problem(seed):
    rng = np.random.default_rng(seed)

    def tree():
        return jax.tree_util.tree_map(
            lambda s: rng.standard_normal(s).astype(np.float32), SHAPES, is_leaf=_is_shape
        )

    return tree(), [tree() for _ in range(STEPS)]


def _torch_run(params, grads, muon_groups, adamw_groups, muon_kw, adamw_kw, schedule):
    """torch's parameters after each step.

    ``*_groups``: ``[(names, {'lr': base, 'weight_decay': wd}), ...]``; ``schedule(step)`` gives
    ``(lr factor, Muon momentum)``: each group's lr is its base lr times the factor.
    """
    names = tree_names(params)
    tensors = {
        n: torch.nn.Parameter(torch.tensor(x))
        for n, x in zip(names, jax.tree_util.tree_leaves(params))
    }

    def spec(groups):
        return [{"params": [tensors[n] for n in group], **settings} for group, settings in groups]

    muon = torch.optim.Muon(spec(muon_groups), **muon_kw)
    adamw = torch.optim.AdamW(spec(adamw_groups), **adamw_kw, foreach=False)
    bases = [[g["lr"] for g in opt.param_groups] for opt in (muon, adamw)]
    history = []
    for step, g in enumerate(grads):
        factor, momentum = schedule(step)
        for opt, opt_bases in zip((muon, adamw), bases):
            for group, base in zip(opt.param_groups, opt_bases):
                group["lr"] = base * factor
        for group in muon.param_groups:
            group["momentum"] = momentum
        for n, gi in zip(names, jax.tree_util.tree_leaves(g)):
            tensors[n].grad = torch.tensor(gi)
        muon.step()
        adamw.step()
        history.append({n: t.detach().numpy().copy() for n, t in tensors.items()})
    return history


def _assert_histories(got, want, params):
    """As tests/parity/test_optimizers_torch.py: every step, and the total displacement."""
    p0 = dict(zip(tree_names(params), jax.tree_util.tree_leaves(params)))
    for step, (g, w) in enumerate(zip(got, want)):
        for name in w:
            np.testing.assert_allclose(
                g[name], w[name], rtol=RTOL, atol=ATOL, err_msg=f"step {step + 1}, {name}"
            )
    for name in want[-1]:
        moved = want[-1][name] - p0[name]
        tol = (
            1e-3 * np.abs(moved).max()
            + STEPS * np.finfo(np.float32).eps * np.abs(want[-1][name]).max()
        )
        assert np.abs((got[-1][name] - p0[name]) - moved).max() <= tol, f"{name}: displacement"


def _history(params):
    return dict(zip(tree_names(params), (np.asarray(x) for x in jax.tree_util.tree_leaves(params))))


def _cosine_warmup_factor(i, warmup_iters=5, warmup_ratio=0.1, min_ratio=0.1):
    """mmcv's CosineAnnealing (min_lr_ratio) with linear warmup, as a factor of the base lr."""
    regular = min_ratio + 0.5 * (1 - min_ratio) * (1 + math.cos(math.pi * i / STEPS))
    if i < warmup_iters:
        return regular * (1 - (1 - i / warmup_iters) * (1 - warmup_ratio))
    return regular


def test_own_lr_and_weight_decay_with_lr_config_and_mmcv_paramwise_rules():
    """The fallback's lr and weight decay are its own bases; the multipliers and the schedule
    scale them as they scale Muon's."""
    lr, wd, fb_lr, fb_wd = 0.02, 0.1, 3e-3, 0.01
    cfg = dict(
        optimizer=dict(
            type="Muon",
            lr=lr,
            weight_decay=wd,
            momentum=0.9,
            fallback=dict(type="AdamW", lr=fb_lr, weight_decay=fb_wd, betas=(0.9, 0.95)),
            paramwise_cfg=dict(
                bias_lr_mult=2.0,
                norm_decay_mult=0.0,
                custom_keys={"head": dict(lr_mult=0.5, decay_mult=0.3)},
            ),
        ),
        lr_config=dict(
            policy="CosineAnnealing",
            min_lr_ratio=0.1,
            by_epoch=False,
            warmup="linear",
            warmup_iters=5,
            warmup_ratio=0.1,
        ),
    )
    muon_groups = [
        (["fc.kernel"], dict(lr=lr, weight_decay=wd)),
        (["head.kernel"], dict(lr=0.5 * lr, weight_decay=0.3 * wd)),
    ]
    adamw_groups = [
        (["conv.kernel"], dict(lr=fb_lr, weight_decay=fb_wd)),
        (["conv.bias"], dict(lr=2.0 * fb_lr, weight_decay=fb_wd)),
        (["ln.scale", "ln.bias"], dict(lr=fb_lr, weight_decay=0.0)),  # norm: no bias_lr_mult
        (["head.bias"], dict(lr=0.5 * fb_lr, weight_decay=0.3 * fb_wd)),  # custom key wins
    ]
    params, grads = _problem(0)
    want = _torch_run(
        params,
        grads,
        muon_groups,
        adamw_groups,
        dict(momentum=0.9),
        dict(betas=(0.9, 0.95)),
        lambda i: (_cosine_warmup_factor(i), 0.9),
    )

    tx = make_optimizer(cfg, max_iters=STEPS)
    state = tx.init(jax.tree_util.tree_map(jnp.asarray, params))
    update = jax.jit(tx.update)
    p, got, lrs = jax.tree_util.tree_map(jnp.asarray, params), [], []
    for g in grads:
        updates, state = update(g, state, p)
        p = optax.apply_updates(p, updates)
        got.append(_history(p))
        lrs.append(float(state.hyperparams["lr"][0]))
    assert update._cache_size() == 1
    np.testing.assert_allclose(lrs, [lr * _cosine_warmup_factor(i) for i in range(STEPS)], 1e-6)
    _assert_histories(got, want, params)


@pytest.mark.parametrize("adjust_lr_fn", ["match_rms_adamw", None])
def test_shared_lr_and_weight_decay_with_live_lr_and_momentum_config(adjust_lr_fn):
    """No lr / weight_decay in `fallback`: AdamW uses each leaf's Muon values (the
    match_rms_adamw recipe). The lr is set live in the state every step; a momentum schedule
    drives Muon's momentum and leaves AdamW's betas alone."""
    lr, wd = 0.01, 0.05
    cfg = dict(
        optimizer=dict(
            type="Muon",
            lr=lr,
            weight_decay=wd,
            adjust_lr_fn=adjust_lr_fn,
            fallback=dict(type="AdamW", betas=(0.85, 0.95), eps=1e-6),
            paramwise_cfg=dict(custom_keys={"ln": dict(decay_mult=0.0), "conv": dict(lr_mult=2.0)}),
        ),
        momentum_config=dict(policy="step", step=[8, 16], gamma=0.5, by_epoch=False),
    )

    def momentum(i):
        return 0.95 * 0.5 ** sum(i >= s for s in (8, 16))

    def factor(i):
        return 1.0 + 0.5 * math.sin(i)

    muon_groups = [(["fc.kernel", "head.kernel"], dict(lr=lr, weight_decay=wd))]
    adamw_groups = [
        (["conv.kernel", "conv.bias"], dict(lr=2.0 * lr, weight_decay=wd)),
        (["ln.scale", "ln.bias"], dict(lr=lr, weight_decay=0.0)),
        (["head.bias"], dict(lr=lr, weight_decay=wd)),
    ]
    params, grads = _problem(1)
    want = _torch_run(
        params,
        grads,
        muon_groups,
        adamw_groups,
        dict(adjust_lr_fn=adjust_lr_fn),
        dict(betas=(0.85, 0.95), eps=1e-6),
        lambda i: (factor(i), momentum(i)),
    )

    tx = make_optimizer(cfg, max_iters=STEPS)
    p = jax.tree_util.tree_map(jnp.asarray, params)
    state = tx.init(p)
    bases = np.asarray(state.hyperparams["lr"])  # one entry per distinct group lr
    np.testing.assert_allclose(sorted(bases), [lr, 2 * lr], rtol=1e-7)
    update = jax.jit(tx.update)
    got = []
    for i, g in enumerate(grads):
        live = jnp.asarray(bases * factor(i), jnp.float32)
        state = state._replace(hyperparams={**state.hyperparams, "lr": live})
        updates, state = update(g, state, p)
        p = optax.apply_updates(p, updates)
        got.append(_history(p))
        np.testing.assert_allclose(state.hyperparams["momentum"], [momentum(i)], rtol=1e-6)
    assert update._cache_size() == 1
    _assert_histories(got, want, params)
