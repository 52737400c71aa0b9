"""A user's optax AdamW with paramwise groups against torch AdamW with the same param groups.

torch keeps lr and weight decay per param group and steps each group's lr with its own
``MultiStepLR``; jaxoptim builds one ``optax.adamw`` per group from the paramwise rules and an
mmcv ``step`` policy. The parameters must agree after every step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch

from jaxoptim import OPTIMIZERS, make_optimizer

STEPS = 8
SHAPES = {
    "backbone": {"bn": {"scale": (4,)}, "conv": {"kernel": (3, 4)}},
    "head": {"kernel": (4, 2)},
}
NAMES = ("backbone.bn.scale", "backbone.conv.kernel", "head.kernel")


def _adamw(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
    return optax.adamw(lr, b1=betas[0], b2=betas[1], eps=eps, weight_decay=weight_decay)


def test_user_adamw_groups_equal_torch_param_groups():
    OPTIMIZERS.register_module(name="UserOptaxAdamW", module=_adamw, force=True)
    rng = np.random.default_rng(0)
    start = {n: rng.standard_normal(_shape(n)).astype(np.float32) for n in NAMES}
    grads = [
        {n: rng.standard_normal(_shape(n)).astype(np.float32) for n in NAMES} for _ in range(STEPS)
    ]

    # torch: norm without decay, conv with the base settings, head at lr x 0.1 and decay x 3
    base_lr, wd = 0.01, 0.05
    torch_params = {n: torch.tensor(v, requires_grad=True) for n, v in start.items()}
    groups = [
        dict(params=[torch_params["backbone.bn.scale"]], lr=base_lr, weight_decay=0.0),
        dict(params=[torch_params["backbone.conv.kernel"]], lr=base_lr, weight_decay=wd),
        dict(params=[torch_params["head.kernel"]], lr=base_lr * 0.1, weight_decay=wd * 3),
    ]
    opt = torch.optim.AdamW(groups, lr=base_lr, weight_decay=wd)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[3, 6], gamma=0.5)

    cfg = dict(
        optimizer=dict(
            type="UserOptaxAdamW",
            lr=base_lr,
            weight_decay=wd,
            paramwise_cfg=dict(
                norm_decay_mult=0.0, custom_keys={"head": dict(lr_mult=0.1, decay_mult=3.0)}
            ),
        ),
        lr_config=dict(policy="step", step=[3, 6], gamma=0.5, by_epoch=False),
        runner=dict(max_iters=STEPS),
    )
    params = _tree({n: jnp.asarray(v) for n, v in start.items()})
    tx = make_optimizer(cfg)
    state = tx.init(params)
    update = jax.jit(tx.update)
    for step in range(STEPS):
        for n, p in torch_params.items():
            p.grad = torch.tensor(grads[step][n])
        opt.step()
        sched.step()
        updates, state = update(
            _tree({n: jnp.asarray(g) for n, g in grads[step].items()}), state, params
        )
        params = optax.apply_updates(params, updates)
        for n in NAMES:
            np.testing.assert_allclose(
                _leaf(params, n),
                torch_params[n].detach().numpy(),
                rtol=2e-5,
                atol=1e-7,
                err_msg=f"{n} after step {step}",
            )
    assert update._cache_size() == 1


def _shape(name):
    return _leaf(SHAPES, name)


def _leaf(tree, name):
    for part in name.split("."):
        tree = tree[part]
    return tree


def _tree(flat):
    out: dict = {}
    for name, value in flat.items():
        *parents, last = name.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out
