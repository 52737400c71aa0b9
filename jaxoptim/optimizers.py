"""Built-in optimizers: every torch.optim algorithm, restated per leaf with torch's numbers.

Each definition below is an :class:`~jaxoptim.optimizer_base.OptimizerDef`: torch's argument
names and defaults, torch's range checks, and the single-tensor algorithm of torch 2.x
(``torch/optim/<name>.py``, ``_single_tensor_<name>``) written as a pure function of one leaf.
They are registered in :data:`jaxoptim.registry.OPTIMIZERS` under torch's class names.
"""

from __future__ import annotations

import jax.numpy as jnp

from jaxoptim.optimizer_base import Hyper, OptimizerDef


def _check_nonnegative(name: str, hp: Hyper, *keys: str) -> None:
    for key in keys:
        if hp[key] < 0:
            raise ValueError(f"{name}: invalid `{key}` value: {hp[key]} (must be >= 0)")


def _sgd_validate(hp: Hyper) -> None:
    _check_nonnegative("SGD", hp, "lr", "momentum", "weight_decay")
    if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
        raise ValueError("SGD: `nesterov` momentum requires a momentum and zero dampening")


def _sgd_init(p, hp):
    return (jnp.zeros_like(p),) if hp["momentum"] != 0 else ()


def _sgd_update(g, p, s, hp, step):
    d_p = -g if hp["maximize"] else g
    if hp["weight_decay"] != 0:
        d_p = d_p + hp["weight_decay"] * p
    if s:
        (buf,) = s
        m = hp["momentum"]
        buf = jnp.where(step == 1, d_p, buf * m + (1 - hp["dampening"]) * d_p)
        d_p = d_p + m * buf if hp["nesterov"] else buf
        s = (buf,)
    return -hp["lr"] * d_p, s


SGD = OptimizerDef(
    name="SGD",
    defaults=dict(
        lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False
    ),
    init_leaf=_sgd_init,
    update_leaf=_sgd_update,
    momentum_key="momentum",
    validate=_sgd_validate,
    doc="torch.optim.SGD: momentum, dampening, nesterov, coupled weight decay, maximize",
)

BUILTIN = [SGD]
