"""Built-in optimizers: every torch.optim algorithm, restated per leaf with torch's numbers.

Each definition below is an :class:`~jaxoptim.optimizer_base.OptimizerDef`: torch's argument
names and defaults, torch's range checks, and the single-tensor algorithm of torch 2.x
(``torch/optim/<name>.py``, ``_single_tensor_<name>``) written as a pure function of one leaf.
They are registered in :data:`jaxoptim.registry.OPTIMIZERS` under torch's class names (plus the
names in :data:`ALIASES`); :data:`NOT_TRANSFORMATIONS` names torch optimizers that cannot be a
gradient transformation and says what to use instead.

Lion and LAMB, which torch lacks, follow optax's numerics (``optax.lion``, ``optax.lamb``);
LARS and Lamb follow mmpretrain's (the ``type='LARS'`` and ``type='Lamb'`` OpenMMLab configs
name; optax's are ``type='optax.lars'`` and ``type='LAMB'`` or ``'optax.lamb'``), with
torch-style argument names, on the same per-leaf machinery so per-leaf lr and weight decay apply
to them too. Lamb's global gradient norm, a quantity of the whole tree, is its definition's
``prepare_update``, run once per update before the leaves.

Muon takes one keyword torch's lacks, ``fallback`` (default ``None``: a leaf that is not 2-D is
an error at ``init``, as in torch). ``fallback=dict(type='AdamW', **kwargs)`` names a built-in
definition whose algorithm and hyperparameters train every trainable leaf that is not 2-D, in
the same fused update; the fallback's ``lr`` and ``weight_decay``, when given, are scaled by
whatever scales Muon's (schedules, paramwise multipliers), and without them it uses the leaf's
Muon values (docs/configs.md, "Muon's fallback").

Conventions shared by every definition:

* Optimizer state is kept in float32 (or wider) even for float16 / bfloat16 parameters and the
  update is computed at that precision; only the returned delta is cast to the parameter's
  dtype. torch keeps fp16 state, where ``eps=1e-8`` underflows and a zero gradient gives
  ``0 / 0 = NaN`` (optax PR #1755); here it cannot.
* ``1 - beta ** step`` is computed as ``-expm1(step * log(beta))``: torch evaluates it in Python
  double precision, and a float32 ``1 - 0.999 ** 1`` would be off by 1e-5 relative.
* torch's implementation-selection flags (``foreach``, ``fused``, ``capturable``,
  ``differentiable``) are accepted where torch has them, because configs dumped from torch
  param groups carry them, but only with torch's default value: XLA compiles the whole update
  into one fused, differentiable program, so any other value has no meaning here and raises.

Examples:
  >>> import jax.numpy as jnp
  >>> tx = AdamW(lr=1e-3, weight_decay=0.05)
  >>> params = {'w': jnp.ones(2)}
  >>> updates, state = tx.update({'w': jnp.array([0.5, -2.0])}, tx.init(params), params)
  >>> updates['w'].round(6)  # -lr * (wd * p + g / |g|) on the first step
  Array([-0.00105,  0.00095], dtype=float32)
  >>> tx = Muon(lr=0.02, fallback=dict(type='AdamW', lr=1e-3))
  >>> state = tx.init({'w': jnp.ones((2, 3)), 'b': jnp.ones(3)})
  >>> len(state.leaves['w']), len(state.leaves['b'])  # Muon's momentum; AdamW's two moments
  (1, 2)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxoptim.optimizer_base import Hyper, OptimizerDef, per_group, shared
from jaxoptim.registry import OPTIMIZERS, Registry

# ---------------------------------------------------------------------------------------------
# Shared helpers


def _wide(x: jax.Array) -> jax.Array:
    """``x`` in float32, or wider if it already is."""
    return x.astype(jnp.promote_types(x.dtype, jnp.float32))


def _zeros(p: jax.Array, shape: tuple[int, ...] | None = None, fill: float = 0.0) -> jax.Array:
    """A state buffer for ``p``: float32 (or wider), ``p``'s shape unless given."""
    dtype = jnp.promote_types(p.dtype, jnp.float32)
    return jnp.full(p.shape if shape is None else shape, fill, dtype)


def _scalar(value: float) -> jax.Array:
    return jnp.asarray(value, jnp.float32)


def _lerp(start: jax.Array, end: jax.Array, weight: Any) -> jax.Array:
    """torch's ``lerp``: the two-sided formula that is exact at ``weight`` 0 and 1.

    ``start + w*diff`` for ``|w| < 0.5``, else ``end - (1-w)*diff``; written as
    ``base + a*diff`` with the branch chosen on the scalar (``end + (w-1)*diff`` is bitwise the
    same as torch's second form), so one formula is compiled per leaf, not two.
    """
    diff = end - start
    if isinstance(weight, (int, float)):
        return start + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)

    def branch():
        near = jnp.abs(weight) < 0.5
        return near, jnp.where(near, weight, weight - 1)

    near_start, a = shared("lerp", weight, fn=branch)
    # select_n takes the scalar predicate as it is; jnp.where would broadcast it inside a
    # nested jit per leaf (161 extra sub-programs to trace and lower for a ResNet-50). The
    # other per-leaf selects on a scalar predicate use select_n for the same reason.
    return jax.lax.select_n(near_start, end, start) + a * diff


def _one_minus(x: Any) -> Any:
    """``1 - x`` for a float or a traced scalar (one copy per update for the latter)."""
    if isinstance(x, (int, float)):
        return 1 - x
    return shared("one_minus", x, fn=lambda: 1 - x)


def _neg(x: Any) -> Any:
    """``-x`` for a float or a traced scalar (one copy per update for the latter)."""
    if isinstance(x, (int, float)):
        return -x
    return shared("neg", x, fn=lambda: -x)


def _first_step(step: jax.Array) -> jax.Array:
    return shared("first_step", step, fn=lambda: step == 1)


def _bias_correction(beta: Any, step: jax.Array) -> jax.Array:
    """``1 - beta ** step`` without float32 cancellation (``beta`` a float or a traced scalar)."""
    if isinstance(beta, (int, float)):
        if beta == 0:
            return jnp.ones_like(step)
        return shared("bias_correction", step, beta, fn=lambda: -jnp.expm1(step * math.log(beta)))
    return shared("bias_correction", beta, step, fn=lambda: -jnp.expm1(step * jnp.log(beta)))


def _grad(g: jax.Array, hp: Hyper) -> jax.Array:
    """The gradient at state precision, negated when ``maximize``."""
    g = _wide(g)
    return -g if hp.get("maximize", False) else g


def _decays(hp: Hyper) -> bool:
    """Whether the leaf has a decay term: torch's ``weight_decay != 0``.

    A group's weight decay is a live float32 scalar (a schedule may change it), or the Python
    float ``0.0`` for a group without decay (:func:`~jaxoptim.optimizer_base.torch_transform`).
    """
    wd = hp["weight_decay"]
    return not (isinstance(wd, (int, float)) and wd == 0)


def _coupled_decay(g: jax.Array, p: jax.Array, hp: Hyper) -> jax.Array:
    """torch's L2 penalty: ``g + weight_decay * p``."""
    return g + hp["weight_decay"] * p if _decays(hp) else g


def _decoupled_decay(p: jax.Array, hp: Hyper) -> jax.Array | float:
    """The delta of torch's ``p.mul_(1 - lr * weight_decay)``."""
    lr, wd = hp["lr"], hp["weight_decay"]
    if not _decays(hp):
        return 0.0
    return shared("neg_lr_wd", lr, wd, fn=lambda: -lr * wd) * p


def _invalid(name: str, key: str, value: Any, rule: str) -> ValueError:
    return ValueError(f"{name}: invalid `{key}` value {value!r} (torch requires {rule})")


def _check(name: str, hp: Hyper, **rules: str) -> None:
    """Range checks; each rule is one of ``>=0``, ``<=0``, ``>=1``, ``[0,1)``, ``[0,1]``.

    ``betas`` is checked entry by entry and reported as ``betas[0]`` / ``betas[1]``.
    """
    tests = {
        ">=0": lambda v: v >= 0,
        "[0,1)": lambda v: 0 <= v < 1,
        "[0,1]": lambda v: 0 <= v <= 1,
        ">=1": lambda v: v >= 1,
        "<=0": lambda v: v <= 0,
    }
    for key, rule in rules.items():
        if key == "betas":
            for i, beta in enumerate(hp["betas"]):
                if not tests[rule](beta):
                    raise _invalid(name, f"betas[{i}]", beta, f"`betas[{i}]` in {rule}")
        elif not tests[rule](hp[key]):
            raise _invalid(name, key, hp[key], f"`{key}` in {rule}")


_IMPL_FLAG_DEFAULTS = {"foreach": None, "fused": None, "capturable": False, "differentiable": False}


def _impl_flags(*names: str) -> dict[str, Any]:
    return {n: _IMPL_FLAG_DEFAULTS[n] for n in names}


def _check_impl_flags(name: str, hp: Hyper) -> None:
    for key, default in _IMPL_FLAG_DEFAULTS.items():
        if key in hp and hp[key] is not default:
            raise ValueError(
                f"{name}: `{key}={hp[key]!r}` has no meaning in jaxoptim: the whole update is "
                f"compiled by XLA into one fused, differentiable program. Remove `{key}` (only "
                f"torch's default `{key}={default!r}` is accepted)."
            )


def _pair(name: str, hp: Hyper, key: str) -> tuple[float, float]:
    value = hp[key]
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)
    ):
        raise TypeError(f"{name}: `{key}` must be a pair of floats, got {value!r}")
    return float(value[0]), float(value[1])


def _validator(name: str, extra=None, **rules: str):
    """A ``validate`` function: impl flags, range ``rules`` (see :func:`_check`), then ``extra``."""

    def validate(hp: Hyper) -> None:
        _check_impl_flags(name, hp)
        _check(name, hp, **rules)
        if extra is not None:
            extra(hp)

    return validate


# ---------------------------------------------------------------------------------------------
# SGD


def _sgd_validate(hp: Hyper) -> None:
    if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
        raise ValueError("SGD: `nesterov` momentum requires a momentum and zero dampening")


def _sgd_init(p, hp):
    return (_zeros(p),) if hp["momentum"] != 0 else ()


def _sgd_update(g, p, s, hp, step):
    d_p = _coupled_decay(_grad(g, hp), _wide(p), hp)
    if s:
        (buf,) = s
        m = hp["momentum"]
        if hp["dampening"] == 0:  # the buffer is zero before step 1: no select needed
            buf = buf * m + d_p
        else:
            later = buf * m + (1 - hp["dampening"]) * d_p
            buf = jax.lax.select_n(_first_step(step), later, d_p)
        d_p = d_p + m * buf if hp["nesterov"] else buf
        s = (buf,)
    return _neg(hp["lr"]) * d_p, s


SGD = OptimizerDef(
    name="SGD",
    defaults=dict(
        lr=1e-3,
        momentum=0.0,
        dampening=0.0,
        weight_decay=0.0,
        nesterov=False,
        maximize=False,
        **_impl_flags("foreach", "differentiable", "fused"),
    ),
    init_leaf=_sgd_init,
    update_leaf=_sgd_update,
    momentum_key="momentum",
    validate=_validator("SGD", _sgd_validate, lr=">=0", momentum=">=0", weight_decay=">=0"),
    doc="torch.optim.SGD: momentum, dampening, nesterov, coupled weight decay, maximize",
)

# ---------------------------------------------------------------------------------------------
# Adam family


def _adam_init(p, hp):
    return (_zeros(p), _zeros(p), _zeros(p)) if hp["amsgrad"] else (_zeros(p), _zeros(p))


def _kept_divisor(x):
    """``x``, a positive shared scalar, in a form XLA divides by as torch does.

    XLA's algebraic simplifier turns ``a / broadcast(sqrt(s))`` into
    ``a * broadcast(1 / sqrt(s))``: a rounding torch does not do, and a shared reciprocal that
    enters the first leaf of every parameter shape's fused update in another operand position,
    so XLA:CPU compiled one more kernel per distinct shape (18 on ResNet-50: +20% compile time
    over ``optax.adamw``). ``max(x, 0)`` is ``x`` here and keeps the division.
    """
    return jnp.maximum(x, 0.0)


def _adam_update(g, p, s, hp, step):
    g, p = _grad(g, hp), _wide(p)
    beta1, beta2 = hp["betas"]
    decoupled = hp.get("decoupled_weight_decay", False)
    delta = _decoupled_decay(p, hp) if decoupled else 0.0
    if not decoupled:
        g = _coupled_decay(g, p, hp)
    m = _lerp(s[0], g, _one_minus(beta1))
    v = s[1] * beta2 + (1 - beta2) * g * g
    lr, bc1 = hp["lr"], _bias_correction(beta1, step)
    step_size = per_group("div", lr, bc1, fn=lambda v, b: v / b)
    bc2 = _bias_correction(beta2, step)
    bc2_sqrt = shared("sqrt", bc2, fn=lambda: _kept_divisor(jnp.sqrt(bc2)))
    new_state = (m, v)
    if len(s) == 3:
        v_max = jnp.maximum(s[2], v)
        new_state = (m, v, v_max)
        v = v_max
    denom = jnp.sqrt(v) / bc2_sqrt + hp["eps"]
    return delta - step_size * m / denom, new_state


def _adamw_update(g, p, s, hp, step):
    return _adam_update(g, p, s, dict(hp, decoupled_weight_decay=True), step)


_ADAM_DEFAULTS = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False)
_ADAM_RULES = dict(lr=">=0", eps=">=0", betas="[0,1)", weight_decay=">=0")

Adam = OptimizerDef(
    name="Adam",
    defaults=dict(
        _ADAM_DEFAULTS,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
    ),
    init_leaf=_adam_init,
    update_leaf=_adam_update,
    momentum_key="betas",
    validate=_validator("Adam", **_ADAM_RULES),
    doc="torch.optim.Adam: coupled (L2) weight decay unless decoupled_weight_decay, amsgrad",
)

AdamW = OptimizerDef(
    name="AdamW",
    defaults=dict(
        _ADAM_DEFAULTS,
        weight_decay=1e-2,
        maximize=False,
        **_impl_flags("foreach", "capturable", "differentiable", "fused"),
    ),
    init_leaf=_adam_init,
    update_leaf=_adamw_update,
    momentum_key="betas",
    validate=_validator("AdamW", **_ADAM_RULES),
    doc="torch.optim.AdamW: decoupled weight decay p *= 1 - lr * wd, amsgrad",
)


def _adamax_update(g, p, s, hp, step):
    p = _wide(p)
    g = _coupled_decay(_grad(g, hp), p, hp)
    beta1, beta2 = hp["betas"]
    m = _lerp(s[0], g, _one_minus(beta1))
    u = jnp.maximum(s[1] * beta2, jnp.abs(g) + hp["eps"])
    lr, bc1 = hp["lr"], _bias_correction(beta1, step)
    clr = per_group("div", lr, bc1, fn=lambda v, b: v / b)
    return _neg(clr) * m / u, (m, u)


Adamax = OptimizerDef(
    name="Adamax",
    defaults=dict(
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        foreach=None,
        maximize=False,
        **_impl_flags("differentiable", "capturable"),
    ),
    init_leaf=lambda p, hp: (_zeros(p), _zeros(p)),
    update_leaf=_adamax_update,
    momentum_key="betas",
    validate=_validator("Adamax", **_ADAM_RULES),
    doc="torch.optim.Adamax: Adam with an infinity-norm second moment",
)


def _nadam_update(g, p, s, hp, step):
    g, p = _grad(g, hp), _wide(p)
    m, v, mu_product = s
    beta1, beta2 = hp["betas"]
    decoupled = hp["decoupled_weight_decay"]
    delta = _decoupled_decay(p, hp) if decoupled else 0.0
    if not decoupled:
        g = _coupled_decay(g, p, hp)
    lr, momentum_decay = hp["lr"], hp["momentum_decay"]

    def schedule():
        log_096 = math.log(0.96) * momentum_decay
        mu = beta1 * (1.0 - 0.5 * jnp.exp(step * log_096))
        mu_next = beta1 * (1.0 - 0.5 * jnp.exp((step + 1) * log_096))
        return mu, mu_next, lr * (1.0 - mu), lr * mu_next

    mu, mu_next, lr_g, lr_m = shared("nadam", lr, beta1, momentum_decay, step, fn=schedule)
    mu_product = mu_product * mu
    m = _lerp(m, g, _one_minus(beta1))
    v = v * beta2 + (1 - beta2) * g * g
    denom = jnp.sqrt(v / _bias_correction(beta2, step)) + hp["eps"]
    delta = delta - lr_g / (1.0 - mu_product) * g / denom
    delta = delta - lr_m / (1.0 - mu_product * mu_next) * m / denom
    return delta, (m, v, mu_product)


NAdam = OptimizerDef(
    name="NAdam",
    defaults=dict(
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        momentum_decay=4e-3,
        decoupled_weight_decay=False,
        foreach=None,
        maximize=False,
        **_impl_flags("capturable", "differentiable"),
    ),
    init_leaf=lambda p, hp: (_zeros(p), _zeros(p), _scalar(1.0)),
    update_leaf=_nadam_update,
    momentum_key="betas",
    validate=_validator("NAdam", momentum_decay=">=0", **_ADAM_RULES),
    doc="torch.optim.NAdam: Nesterov Adam with momentum_decay; its mu_product state",
)


def _radam_rho(beta2: float, step: jax.Array) -> jax.Array:
    """RAdam's ``rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)``, free of cancellation.

    Both terms are ~``2 / (1 - beta2)`` while ``rho_t`` is ~``t``: evaluated directly in float32
    (torch uses float64) the result near the ``rho_t > 5`` switch is off by ~1e-3. Writing
    ``L = log(beta2)``, ``c = 1 - beta2`` and ``B = 1 - beta2^t``,
    ``rho_t = 2 (t c B - N) / (c B) - 1`` with ``N = expm1(t L) - t expm1(L)``, a second-order
    quantity summed as its Taylor series while ``|t L|`` is small.
    """
    log_b, c = math.log(beta2), 1.0 - beta2
    x = step * log_b
    bc = -jnp.expm1(x)
    small = x > -1.0
    ts = jnp.where(small, step, 1.0)
    series = sum(
        ((ts * log_b) ** k - ts * log_b**k) / float(math.factorial(k)) for k in range(2, 16)
    )
    n = jnp.where(small, series, jnp.expm1(x) + step * c)
    return 2 * (step * c * bc - n) / (c * bc) - 1


def _radam_update(g, p, s, hp, step):
    g, p = _grad(g, hp), _wide(p)
    beta1, beta2 = hp["betas"]
    decoupled = hp["decoupled_weight_decay"]
    delta = _decoupled_decay(p, hp) if decoupled else 0.0
    if not decoupled:
        g = _coupled_decay(g, p, hp)
    m = _lerp(s[0], g, _one_minus(beta1))
    v = s[1] * beta2 + (1 - beta2) * g * g
    m_hat = m / _bias_correction(beta1, step)
    rho_inf = 2 / (1 - beta2) - 1
    if rho_inf <= 5:  # rho_t < rho_inf: never rectified (and beta2 may be 0)
        return delta - m_hat * hp["lr"], (m, v)

    def rectification():
        rho_t = _radam_rho(beta2, step)
        # Both branches are evaluated; keep the unselected one finite (sqrt of a negative).
        rect_arg = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        rect = jnp.sqrt(jnp.where(rho_t > 5.0, rect_arg, 1.0))
        return rho_t > 5.0, rect, jnp.sqrt(_bias_correction(beta2, step))

    rectified, rect, bc2_sqrt = shared("radam", beta2, step, fn=rectification)
    adaptive = bc2_sqrt / (jnp.sqrt(v) + hp["eps"])
    scale = jnp.where(rectified, adaptive * rect, 1.0)
    return delta - m_hat * hp["lr"] * scale, (m, v)


RAdam = OptimizerDef(
    name="RAdam",
    defaults=dict(
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        decoupled_weight_decay=False,
        foreach=None,
        maximize=False,
        **_impl_flags("capturable", "differentiable"),
    ),
    init_leaf=lambda p, hp: (_zeros(p), _zeros(p)),
    update_leaf=_radam_update,
    momentum_key="betas",
    validate=_validator("RAdam", **_ADAM_RULES),
    doc="torch.optim.RAdam: rectified Adam (SGD-with-momentum steps while rho_t <= 5)",
)

# ---------------------------------------------------------------------------------------------
# Adaptive per-coordinate methods


def _adagrad_update(g, p, s, hp, step):
    p = _wide(p)
    g = _coupled_decay(_grad(g, hp), p, hp)
    lr, lr_decay = hp["lr"], hp["lr_decay"]
    clr = shared("adagrad_clr", lr, lr_decay, step, fn=lambda: lr / (1 + (step - 1) * lr_decay))
    total = s[0] + g * g
    return _neg(clr) * g / (jnp.sqrt(total) + hp["eps"]), (total,)


Adagrad = OptimizerDef(
    name="Adagrad",
    defaults=dict(
        lr=1e-2,
        lr_decay=0.0,
        weight_decay=0.0,
        initial_accumulator_value=0.0,
        eps=1e-10,
        foreach=None,
        maximize=False,
        **_impl_flags("differentiable", "fused"),
    ),
    init_leaf=lambda p, hp: (_zeros(p, fill=hp["initial_accumulator_value"]),),
    update_leaf=_adagrad_update,
    validate=_validator(
        "Adagrad",
        lr=">=0",
        lr_decay=">=0",
        weight_decay=">=0",
        initial_accumulator_value=">=0",
        eps=">=0",
    ),
    doc="torch.optim.Adagrad: lr_decay, initial_accumulator_value",
)


def _adadelta_update(g, p, s, hp, step):
    p = _wide(p)
    g = _coupled_decay(_grad(g, hp), p, hp)
    rho, eps = hp["rho"], hp["eps"]
    square_avg = s[0] * rho + (1 - rho) * g * g
    delta = jnp.sqrt(s[1] + eps) / jnp.sqrt(square_avg + eps) * g
    acc_delta = s[1] * rho + (1 - rho) * delta * delta
    return _neg(hp["lr"]) * delta, (square_avg, acc_delta)


Adadelta = OptimizerDef(
    name="Adadelta",
    defaults=dict(
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0.0,
        foreach=None,
        capturable=False,
        maximize=False,
        differentiable=False,
    ),
    init_leaf=lambda p, hp: (_zeros(p), _zeros(p)),
    update_leaf=_adadelta_update,
    validate=_validator("Adadelta", lr=">=0", rho="[0,1]", eps=">=0", weight_decay=">=0"),
    doc="torch.optim.Adadelta: rho, eps (lr defaults to 1.0)",
)


def _rmsprop_init(p, hp):
    state = [_zeros(p)]
    if hp["centered"]:
        state.append(_zeros(p))
    if hp["momentum"] > 0:
        state.append(_zeros(p))
    return tuple(state)


def _rmsprop_update(g, p, s, hp, step):
    p = _wide(p)
    g = _coupled_decay(_grad(g, hp), p, hp)
    alpha = hp["alpha"]
    square_avg = s[0] * alpha + (1 - alpha) * g * g
    new_state = [square_avg]
    if hp["centered"]:
        grad_avg = _lerp(s[1], g, 1 - alpha)
        new_state.append(grad_avg)
        avg = jnp.sqrt(square_avg - grad_avg * grad_avg) + hp["eps"]
    else:
        avg = jnp.sqrt(square_avg) + hp["eps"]
    if len(s) == len(new_state) + 1:
        # A buffer exists because momentum started > 0; torch bypasses it (and leaves it
        # untouched) on steps where a schedule has driven momentum to 0.
        momentum = hp["momentum"]
        old = s[-1]
        active = shared("positive", momentum, fn=lambda: momentum > 0)
        buf = jax.lax.select_n(active, old, old * momentum + g / avg)
        new_state.append(buf)
        return _neg(hp["lr"]) * jax.lax.select_n(active, g / avg, buf), tuple(new_state)
    return _neg(hp["lr"]) * g / avg, tuple(new_state)


RMSprop = OptimizerDef(
    name="RMSprop",
    defaults=dict(
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0.0,
        momentum=0.0,
        centered=False,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ),
    init_leaf=_rmsprop_init,
    update_leaf=_rmsprop_update,
    momentum_key="momentum",
    validate=_validator(
        "RMSprop", lr=">=0", eps=">=0", momentum=">=0", weight_decay=">=0", alpha=">=0"
    ),
    doc="torch.optim.RMSprop: alpha, centered, momentum",
)


def _rprop_validate(hp: Hyper) -> None:
    etaminus, etaplus = _pair("Rprop", hp, "etas")
    _pair("Rprop", hp, "step_sizes")
    if not 0.0 < etaminus < 1.0 < etaplus:
        raise _invalid("Rprop", "etas", hp["etas"], "0 < etas[0] < 1 < etas[1]")


def _rprop_update(g, p, s, hp, step):
    g = _grad(g, hp)
    etaminus, etaplus = (float(e) for e in hp["etas"])
    step_min, step_max = (float(v) for v in hp["step_sizes"])
    prev, step_size = s
    # torch creates the step-size state from the group's lr at the first step.
    step_size = jnp.where(_first_step(step), hp["lr"], step_size)
    sign = jnp.sign(g * prev)
    factor = jnp.where(sign > 0, etaplus, jnp.where(sign < 0, etaminus, 1.0))
    step_size = jnp.clip(step_size * factor, step_min, step_max)
    g = jnp.where(sign < 0, 0.0, g)
    return -jnp.sign(g) * step_size, (g, step_size)


Rprop = OptimizerDef(
    name="Rprop",
    defaults=dict(
        lr=1e-2,
        etas=(0.5, 1.2),
        step_sizes=(1e-6, 50.0),
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ),
    init_leaf=lambda p, hp: (_zeros(p), _zeros(p)),
    update_leaf=_rprop_update,
    validate=_validator("Rprop", _rprop_validate, lr=">=0"),
    doc="torch.optim.Rprop: sign-based steps with etas and step_sizes bounds",
)


def _asgd_update(g, p, s, hp, step):
    p = _wide(p)
    g = _coupled_decay(_grad(g, hp), p, hp)
    eta, mu, ax = s
    lr, lambd = hp["lr"], hp["lambd"]
    # torch creates eta from the group's lr at the first step.
    eta = jnp.where(_first_step(step), lr, eta)
    delta = -lambd * eta * p - eta * g
    new_p = p + delta
    ax = jnp.where(mu != 1, ax + (new_p - ax) * mu, new_p)
    alpha, t0 = hp["alpha"], hp["t0"]

    def next_eta_mu():
        return lr / (1 + lambd * lr * step) ** alpha, 1 / jnp.maximum(1.0, step - t0)

    eta, mu = shared("asgd", lr, lambd, alpha, t0, step, fn=next_eta_mu)
    return delta, (eta, mu, ax)


ASGD = OptimizerDef(
    name="ASGD",
    defaults=dict(
        lr=1e-2,
        lambd=1e-4,
        alpha=0.75,
        t0=1e6,
        weight_decay=0.0,
        foreach=None,
        maximize=False,
        **_impl_flags("differentiable", "capturable"),
    ),
    init_leaf=lambda p, hp: (_scalar(hp["lr"]), _scalar(1.0), _zeros(p)),
    update_leaf=_asgd_update,
    validate=_validator("ASGD", lr=">=0", weight_decay=">=0"),
    doc="torch.optim.ASGD: averaged SGD; its eta/mu/ax state (ax is the running average)",
)


def _adafactor_validate(hp: Hyper) -> None:
    eps = hp["eps"]
    if not isinstance(eps, (tuple, list)) or len(eps) != 2:
        raise TypeError(f"Adafactor: `eps` must be a pair (eps1 or None, eps2), got {eps!r}")
    if eps[0] is not None and not eps[0] >= 0:
        raise _invalid("Adafactor", "eps[0]", eps[0], "eps[0] >= 0 or None")
    if not eps[1] >= 0:
        raise _invalid("Adafactor", "eps[1]", eps[1], "eps[1] >= 0")


def _adafactor_init(p, hp):
    if p.ndim > 1:
        return (_zeros(p, p.shape[:-1] + (1,)), _zeros(p, p.shape[:-2] + (1, p.shape[-1])))
    return (_zeros(p),)


def _adafactor_update(g, p, s, hp, step):
    eps1, eps2 = hp["eps"]
    if eps1 is None:
        eps1 = float(jnp.finfo(p.dtype).eps)
    g, p = _grad(g, hp), _wide(p)
    lr, beta2_decay = hp["lr"], hp["beta2_decay"]
    one_minus_beta2, rho = shared(
        "adafactor",
        lr,
        beta2_decay,
        step,
        fn=lambda: (step**beta2_decay, jnp.minimum(lr, 1 / jnp.sqrt(step))),
    )
    alpha = jnp.maximum(eps2, jnp.sqrt(jnp.mean(p * p))) * rho
    delta = _decoupled_decay(p, hp)
    if p.ndim > 1:
        row_var = _lerp(s[0], jnp.mean(g * g, axis=-1, keepdims=True), one_minus_beta2)
        col_var = _lerp(s[1], jnp.mean(g * g, axis=-2, keepdims=True), one_minus_beta2)
        row_scale = jnp.maximum(jnp.mean(row_var, axis=-2, keepdims=True), eps1)
        var_estimate = row_var * col_var / row_scale
        new_state = (row_var, col_var)
    else:
        var_estimate = _lerp(s[0], g * g, one_minus_beta2)
        new_state = (var_estimate,)
    update = jax.lax.rsqrt(jnp.maximum(var_estimate, eps1 * eps1)) * g
    denom = jnp.maximum(1.0, jnp.sqrt(jnp.mean(update * update)) / hp["d"])
    return delta - alpha / denom * update, new_state


Adafactor = OptimizerDef(
    name="Adafactor",
    defaults=dict(
        lr=1e-2,
        beta2_decay=-0.8,
        eps=(None, 1e-3),
        d=1.0,
        weight_decay=0.0,
        foreach=None,
        maximize=False,
    ),
    init_leaf=_adafactor_init,
    update_leaf=_adafactor_update,
    validate=_validator(
        "Adafactor", _adafactor_validate, lr=">=0", beta2_decay="<=0", d=">=1", weight_decay=">=0"
    ),
    doc="torch.optim.Adafactor (mmengine: TorchAdafactor): factored second moment over the "
    "last two dims, relative step size min(lr, 1/sqrt(t))",
)

_MUON_LR_ADJUST = (None, "original", "match_rms_adamw")


def _muon_validate(hp: Hyper) -> None:
    if hp["adjust_lr_fn"] not in _MUON_LR_ADJUST:
        raise _invalid("Muon", "adjust_lr_fn", hp["adjust_lr_fn"], f"one of {_MUON_LR_ADJUST}")
    steps = hp["ns_steps"]
    if not isinstance(steps, int) or not 0 <= steps < 100:
        raise _invalid("Muon", "ns_steps", steps, "an int in [0, 100)")
    coefficients = hp["ns_coefficients"]
    if not isinstance(coefficients, (tuple, list)) or len(coefficients) != 3:
        raise TypeError(f"Muon: `ns_coefficients` must be 3 floats (a, b, c), got {coefficients!r}")


@dataclasses.dataclass(frozen=True, eq=False)
class _MuonFallback:
    """Muon's ``fallback``, resolved: what its leaves that are not 2-D run.

    Attributes:
      config: the ``dict(type=..., **kwargs)`` as given (re-resolved when ``hp`` is re-checked).
      defn: the fallback's definition.
      hp: its hyperparameters (its momentum or betas stay these: no schedule drives them).
      lr_ratio: ``fallback lr / Muon lr``, applied to the leaf's live lr; ``None`` when the
        config gives no ``lr`` (the leaf's Muon lr is used as is).
      weight_decay: the config's ``weight_decay``; ``None``: the leaf's Muon weight decay.
      muon_weight_decay: Muon's own weight decay (the base of a leaf's decay multiplier).
      muon_hp: Muon's own hyperparameters, to tell a per-group value (an mmengine custom key's
        ``eps``, ``momentum``, ...) that would not reach a fallback leaf.
    """

    config: Mapping[str, Any]
    defn: OptimizerDef
    hp: Mapping[str, Any]
    lr_ratio: float | None
    weight_decay: float | None
    muon_weight_decay: float
    muon_hp: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def _leafwise(obj: Any) -> bool:
    return isinstance(obj, OptimizerDef) and obj.name != "Muon" and obj.prepare_update is None


def _fallback_defn(kind: Any) -> OptimizerDef:
    """The definition ``fallback.type`` names: any registered per-leaf one but Muon (and but
    one with a tree-level ``prepare_update``, such as Lamb's global norm, which Muon's update
    does not run)."""
    allowed = Registry("per-leaf optimizer")
    for name, obj in OPTIMIZERS.module_dict.items():
        if _leafwise(obj):
            allowed.register_module(name=name, module=obj)
    if isinstance(kind, str) and kind not in OPTIMIZERS:
        try:
            allowed.lookup(kind, key="fallback.type")
        except KeyError as err:  # names the allowed types and the closest one
            raise KeyError(f"Muon: {err.args[0]}") from None
    obj = OPTIMIZERS.get(kind) if isinstance(kind, str) else kind
    if _leafwise(obj):
        return obj
    choices = f"fallback takes a built-in per-leaf optimizer: {sorted(allowed.module_dict)}"
    if isinstance(obj, OptimizerDef) and obj.prepare_update is not None:
        raise ValueError(
            f"Muon: `fallback.type={kind!r}` cannot be used: it needs a quantity of the whole "
            f"tree each update (a global gradient norm), not leaf by leaf; {choices}"
        )
    if isinstance(obj, OptimizerDef):
        raise ValueError(
            f"Muon: `fallback.type={kind!r}` cannot be used: the fallback trains the leaves Muon "
            f"cannot orthogonalize, so it cannot be Muon; {choices}"
        )
    if isinstance(kind, str):
        raise ValueError(
            f"Muon: `fallback.type={kind!r}` is not a built-in per-leaf optimizer (a user's "
            f"optax optimizer cannot run leaf by leaf inside Muon); {choices}"
        )
    raise TypeError(f"Muon: `fallback.type` must be a registry name (str), got {kind!r}; {choices}")


def _muon_prepare(hp: dict[str, Any]) -> dict[str, Any]:
    """Resolves and validates ``fallback`` when Muon is built (not at the first update)."""
    value = hp["fallback"]
    if value is None:
        return hp
    config = value.config if isinstance(value, _MuonFallback) else value
    if not isinstance(config, Mapping) or "type" not in config:
        raise TypeError(
            "Muon: `fallback` must be None or dict(type=<optimizer>, **kwargs), e.g. "
            f"fallback=dict(type='AdamW', betas=(0.9, 0.95)); got {config!r}"
        )
    kwargs = dict(config)
    defn = _fallback_defn(kwargs.pop("type"))
    try:
        defn.check_keywords(kwargs)  # without hyperparams()'s `_delete_` hint: not about bases
    except TypeError as err:
        raise TypeError(f"Muon: `fallback` {err}") from None
    try:
        fallback_hp = defn.hyperparams(**kwargs)
    except (TypeError, ValueError) as err:
        raise type(err)(f"Muon: invalid `fallback` {dict(config)!r}: {err}") from err
    lr_ratio = None
    if "lr" in kwargs:
        if hp["lr"] == 0:
            raise ValueError(
                f"Muon: `fallback` sets lr={kwargs['lr']!r} but Muon's `lr` is 0: the fallback's "
                "lr is Muon's live lr times fallback lr / Muon lr, which needs a nonzero Muon lr "
                "(or drop `lr` from `fallback` to use Muon's)"
            )
        lr_ratio = float(fallback_hp["lr"]) / float(hp["lr"])
    prepared = _MuonFallback(
        config=config,
        defn=defn,
        hp=fallback_hp,
        lr_ratio=lr_ratio,
        weight_decay=(float(fallback_hp["weight_decay"]) if "weight_decay" in kwargs else None),
        muon_weight_decay=float(hp["weight_decay"]),
        muon_hp={k: v for k, v in hp.items() if k != "fallback"},
    )
    return {**hp, "fallback": prepared}


def _fallback_of(p: jax.Array, hp: Hyper) -> _MuonFallback:
    fallback = hp["fallback"]
    if fallback is None:
        raise ValueError(
            f"Muon: only 2-D parameters can be orthogonalized, got a parameter of shape "
            f"{tuple(p.shape)}; set `fallback=dict(type='AdamW', ...)` to train the other "
            "leaves with another optimizer, or freeze it (paramwise_cfg custom_keys "
            "frozen=True)."
        )
    return fallback


def _fallback_hyper(fallback: _MuonFallback, hp: Hyper) -> dict[str, Any]:
    """The fallback's hyperparameters for a leaf whose Muon ones are ``hp``.

    ``hp['lr']`` is the leaf's live lr (schedule and lr multiplier applied) and
    ``hp['weight_decay']`` its paramwise decay: both scale the fallback's values alike.
    """
    leaf_hp = dict(fallback.hp)
    lr, ratio = hp["lr"], fallback.lr_ratio
    # shared: one scaled lr per lr group, so the fallback's per-update scalars are shared too
    leaf_hp["lr"] = lr if ratio is None else shared("lr_ratio", lr, ratio, fn=lambda: lr * ratio)
    if "weight_decay" in leaf_hp:
        wd = hp["weight_decay"]
        if fallback.weight_decay is not None:
            if fallback.muon_weight_decay != 0:
                wd = fallback.weight_decay * (wd / fallback.muon_weight_decay)
            elif not _decays(hp):  # no multiplier to recover: an absolute nonzero override wins
                wd = fallback.weight_decay
        leaf_hp["weight_decay"] = wd
    return leaf_hp


def _muon_explain_leaf(shape: tuple[int, ...], hp: Hyper) -> dict[str, Any] | None:
    if len(shape) == 2:
        return None
    fallback = hp["fallback"]
    if fallback is None:
        return dict(rule="not 2-D: Muon cannot train it (set `fallback` or freeze it)")
    leaf_hp = _fallback_hyper(fallback, hp)
    return dict(
        lr=float(leaf_hp["lr"]),
        weight_decay=leaf_hp.get("weight_decay"),
        rule=f"fallback {fallback.defn.name}",
    )


def _muon_init(p, hp):
    if p.ndim != 2:
        fallback = _fallback_of(p, hp)
        # Per-group values reach a fallback leaf through lr and weight_decay only; any other
        # (an mmengine custom key's eps or momentum) would be silently dropped: refuse it.
        dropped = sorted(
            k
            for k, v in hp.items()
            if k not in ("lr", "weight_decay", "fallback") and v != fallback.muon_hp.get(k, v)
        )
        if dropped:
            raise ValueError(
                f"Muon: a per-group {dropped} is set on a leaf of shape {tuple(p.shape)}, which "
                f"the fallback {fallback.defn.name} trains; only lr and weight_decay reach "
                "fallback leaves: set the fallback's own values in `fallback=dict(...)` or "
                "narrow the custom key to 2-D leaves"
            )
        return fallback.defn.init_leaf(p, _fallback_hyper(fallback, hp))
    return (_zeros(p),)


def _bf16(x: jax.Array) -> jax.Array:
    """Rounds float32 ``x`` to bfloat16 precision, keeping float32.

    ``lax.reduce_precision`` rather than a cast round trip: XLA's GPU compiler may drop an
    ``f32 -> bf16 -> f32`` pair (``xla_allow_excess_precision``), which would skip torch's
    rounding.
    """
    return jax.lax.reduce_precision(x, exponent_bits=8, mantissa_bits=7)


def _mm(u: jax.Array, v: jax.Array) -> jax.Array:
    # Inputs hold bfloat16 values, so the casts are exact; products accumulate in float32.
    bf = jnp.bfloat16
    return jnp.matmul(u.astype(bf), v.astype(bf), preferred_element_type=jnp.float32)


def _newton_schulz(x: jax.Array, coefficients, steps: int, eps: float) -> jax.Array:
    """torch's quintic Newton-Schulz orthogonalization, with torch's bfloat16 roundings.

    torch runs it on a bfloat16 tensor: each op (a matmul, or ``addmm``'s
    ``beta * C + alpha * A @ B``) accumulates in float32 and rounds its result to bfloat16
    once. Here values stay float32 and are rounded at the same points.
    """
    a, b, c = coefficients
    tall = x.shape[0] > x.shape[1]
    x = _bf16(x.T if tall else x)
    norm = _bf16(jnp.sqrt(jnp.sum(x * x)))
    eps_bf16 = float(np.float32(eps).astype(jnp.bfloat16))  # torch's eps, a bfloat16 scalar
    x = _bf16(x / jnp.maximum(norm, jnp.float32(eps_bf16)))
    for _ in range(steps):
        gram = _bf16(_mm(x, x.T))
        gram_update = _bf16(b * gram + c * _mm(gram, gram))
        x = _bf16(a * x + _mm(gram_update, x))
    return x.T if tall else x


def _muon_update(g, p, s, hp, step):
    if p.ndim != 2:  # static: the leaf's shape picks its algorithm
        fallback = _fallback_of(p, hp)
        return fallback.defn.update_leaf(g, p, s, _fallback_hyper(fallback, hp), step)
    g, p = _wide(g), _wide(p)
    momentum = hp["momentum"]
    buf = _lerp(s[0], g, _one_minus(momentum))
    update = _lerp(g, buf, momentum) if hp["nesterov"] else buf
    ortho = _newton_schulz(update, hp["ns_coefficients"], hp["ns_steps"], hp["eps"])
    rows, cols = p.shape
    if hp["adjust_lr_fn"] == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(rows, cols))
    else:
        ratio = math.sqrt(max(1.0, rows / cols))
    lr = hp["lr"]
    scaled_lr = shared("mul", lr, ratio, fn=lambda: lr * ratio)
    delta = _decoupled_decay(p, hp) - scaled_lr * ortho
    return delta, (buf,)


Muon = OptimizerDef(
    name="Muon",
    defaults=dict(
        lr=1e-3,
        weight_decay=0.1,
        momentum=0.95,
        nesterov=True,
        ns_coefficients=(3.4445, -4.775, 2.0315),
        eps=1e-7,
        ns_steps=5,
        adjust_lr_fn=None,
    ),
    init_leaf=_muon_init,
    update_leaf=_muon_update,
    momentum_key="momentum",
    validate=_validator("Muon", _muon_validate, lr=">=0", momentum=">=0", weight_decay=">=0"),
    doc="torch.optim.Muon: Newton-Schulz-orthogonalized momentum for 2-D parameters (bfloat16); "
    "jaxoptim's fallback=dict(type='AdamW', ...) trains the other leaves",
    extensions=dict(fallback=None),
    prepare=_muon_prepare,
    explain_leaf=_muon_explain_leaf,
)

# ---------------------------------------------------------------------------------------------
# Optimizers torch lacks (optax's or mmpretrain's numerics, torch-style names)


def _lion_update(g, p, s, hp, step):
    g, p = _wide(g), _wide(p)
    beta1, beta2 = hp["betas"]
    direction = jnp.sign(_one_minus(beta1) * g + beta1 * s[0])
    m = (1.0 - beta2) * g + beta2 * s[0]
    if _decays(hp):
        direction = direction + hp["weight_decay"] * p
    return _neg(hp["lr"]) * direction, (m,)


Lion = OptimizerDef(
    name="Lion",
    defaults=dict(lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0),
    init_leaf=lambda p, hp: (_zeros(p),),
    update_leaf=_lion_update,
    momentum_key="betas",
    validate=_validator("Lion", lr=">=0", betas="[0,1]", weight_decay=">=0"),
    doc="Lion (optax.lion / lion-pytorch): sign of interpolated momentum, decoupled decay",
)


def _trust_ratio(update: jax.Array, p: jax.Array, coefficient: float, eps: float) -> jax.Array:
    """optax's ``scale_by_trust_ratio`` factor: 1 where either norm is zero."""
    param_norm = jnp.sqrt(jnp.sum(p * p))
    update_norm = jnp.sqrt(jnp.sum(update * update))
    ratio = coefficient * param_norm / (update_norm + eps)
    return jnp.where((param_norm == 0) | (update_norm == 0), 1.0, ratio)


def _lamb_update(g, p, s, hp, step):
    g, p = _wide(g), _wide(p)
    beta1, beta2 = hp["betas"]
    m = _one_minus(beta1) * g + beta1 * s[0]
    v = (1 - beta2) * g * g + beta2 * s[1]
    m_hat = m / _bias_correction(beta1, step)
    v_hat = v / _bias_correction(beta2, step)
    update = m_hat / (jnp.sqrt(v_hat + hp["eps_root"]) + hp["eps"])
    if _decays(hp):
        update = update + hp["weight_decay"] * p
    return _neg(hp["lr"]) * update * _trust_ratio(update, p, 1.0, 0.0), (m, v)


LAMB = OptimizerDef(
    name="LAMB",
    defaults=dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-6, eps_root=0.0, weight_decay=0.0),
    init_leaf=lambda p, hp: (_zeros(p), _zeros(p)),
    update_leaf=_lamb_update,
    momentum_key="betas",
    validate=_validator(
        "LAMB", lr=">=0", betas="[0,1)", eps=">=0", eps_root=">=0", weight_decay=">=0"
    ),
    doc="LAMB (optax.lamb): Adam moments + decoupled decay, scaled by a per-leaf trust ratio; "
    "OpenMMLab configs' `type='Lamb'` is mmpretrain's (below)",
)


def _lamb_global_divisor(grads: list[jax.Array], hp: Hyper) -> dict[str, Any]:
    """mmpretrain's ``Lamb`` clip, once per update: what every gradient is divided by.

    The global norm is over the gradients of every trained parameter of every group
    (``sqrt`` of the sum of each one's sum of squares, accumulated in that order, in float32);
    above the optimizer's ``max_grad_norm`` the divisor is ``norm / max_grad_norm``, else 1.
    """
    total = jnp.zeros([], jnp.float32)
    for g in grads:
        g = _wide(g)
        total = total + jnp.sum(g * g)
    norm = jnp.sqrt(total)
    max_norm = hp["max_grad_norm"]
    divisor = jax.lax.select_n(norm > max_norm, jnp.ones_like(norm), norm / max_norm)
    return {"divisor": divisor, "max_grad_norm": max_norm}


def _lamb_validate(hp: Hyper) -> None:
    # mmpretrain checks nothing; 0 would zero every gradient and a negative value flip them
    if not hp["max_grad_norm"] > 0:
        raise ValueError(
            f"Lamb: invalid `max_grad_norm` value {hp['max_grad_norm']!r} (it must be > 0: the "
            "gradients are divided by global_norm / max_grad_norm above it)"
        )


def _lamb_trust_ratio(p: jax.Array, update: jax.Array, hp: Hyper) -> jax.Array:
    """``|p| / |update|`` (1 where either is 0), at most 1 with ``trust_clip``."""
    w_norm = jnp.sqrt(jnp.sum(p * p))
    u_norm = jnp.sqrt(jnp.sum(update * update))
    one = jnp.ones_like(w_norm)
    ratio = jax.lax.select_n((w_norm > 0) & (u_norm > 0), one, w_norm / u_norm)
    if hp["trust_clip"]:  # LAMBC
        ratio = jnp.minimum(ratio, one)
    wd = hp["weight_decay"]
    if not hp["always_adapt"] and not isinstance(wd, (int, float)):
        # a live weight decay (a schedule may take it to 0): mmpretrain's `weight_decay != 0`
        nonzero = shared("nonzero", wd, fn=lambda: wd != 0)
        ratio = jax.lax.select_n(nonzero, one, ratio)
    return ratio


def _mmpretrain_lamb_update(g, p, s, hp, step):
    """mmpretrain's ``Lamb`` (timm's), the ``type='Lamb'`` of OpenMMLab configs.

    The gradient is divided by the global divisor (:func:`_lamb_global_divisor`); Adam's
    moments (``grad_averaging``: the first takes ``1 - beta1`` of it, else all of it); the update
    ``(m / bc1) / (sqrt(v) / sqrt(bc2) + eps)`` plus ``weight_decay * p``; where the group decays
    (or ``always_adapt``) it is scaled by the trust ratio; the step is ``-lr`` times that.
    """
    clip = hp["prepared"]
    if hp["max_grad_norm"] != clip["max_grad_norm"]:
        raise ValueError(
            f"Lamb: a parameter group sets `max_grad_norm`={hp['max_grad_norm']!r}, but "
            "mmpretrain's Lamb clips every group by one global norm at the optimizer's "
            f"max_grad_norm={clip['max_grad_norm']!r}; set it on the optimizer, not in "
            "paramwise_cfg"
        )
    g, p = _wide(g) / clip["divisor"], _wide(p)
    beta1, beta2 = hp["betas"]
    m = s[0] * beta1 + (_one_minus(beta1) if hp["grad_averaging"] else 1.0) * g
    v = s[1] * beta2 + (1 - beta2) * g * g
    if hp["bias_correction"]:
        bc1, bc2 = _bias_correction(beta1, step), _bias_correction(beta2, step)
        bc2_sqrt = shared("sqrt", bc2, fn=lambda: _kept_divisor(jnp.sqrt(bc2)))
        update = (m / bc1) / (jnp.sqrt(v) / bc2_sqrt + hp["eps"])
    else:
        update = m / (jnp.sqrt(v) + hp["eps"])
    if _decays(hp):
        update = update + hp["weight_decay"] * p
    if _decays(hp) or hp["always_adapt"]:
        update = update * _lamb_trust_ratio(p, update, hp)
    return _neg(hp["lr"]) * update, (m, v)


Lamb = OptimizerDef(
    name="Lamb",
    defaults=dict(
        lr=1e-3,
        bias_correction=True,
        betas=(0.9, 0.999),
        eps=1e-6,
        weight_decay=0.01,
        grad_averaging=True,
        max_grad_norm=1.0,
        trust_clip=False,
        always_adapt=False,
    ),
    init_leaf=lambda p, hp: (_zeros(p), _zeros(p)),
    update_leaf=_mmpretrain_lamb_update,
    momentum_key="betas",
    validate=_validator(
        "Lamb", _lamb_validate, lr=">=0", betas="[0,1)", eps=">=0", weight_decay=">=0"
    ),
    doc="mmpretrain's Lamb (timm's; the `type='Lamb'` of OpenMMLab configs): gradients clipped "
    "by their global norm at max_grad_norm, Adam moments, trust ratio |p| / |update| where the "
    "group decays (or always_adapt); optax's LAMB is `type='LAMB'` / `'optax.lamb'`",
    prepare_update=_lamb_global_divisor,
)


def _lars_validate(hp: Hyper) -> None:
    if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
        raise ValueError("LARS: `nesterov` momentum requires a momentum and zero dampening")


def _lars_update(g, p, s, hp, step):
    """mmpretrain's LARS (``mmpretrain.engine.optimizers.LARS``), the one OpenMMLab configs name.

    The local lr is ``eta * |p| / (|g| + weight_decay * |p| + eps)`` from the raw gradient (1
    where either norm is zero, or for a ``lars_exclude`` group); the step is ``(g + wd * p)``
    times ``local_lr * lr``, then SGD's momentum buffer (the first step copies it).
    """
    g, p = _wide(g), _wide(p)
    d_p = g + hp["weight_decay"] * p if _decays(hp) else g
    if hp["lars_exclude"]:  # mmpretrain's per-group flag: local lr 1
        d_p = d_p * hp["lr"]
    else:
        p_norm = jnp.sqrt(jnp.sum(p * p))
        g_norm = jnp.sqrt(jnp.sum(g * g))
        local = hp["eta"] * p_norm / (g_norm + hp["weight_decay"] * p_norm + hp["eps"])
        local = jnp.where((p_norm == 0) | (g_norm == 0), 1.0, local)
        d_p = d_p * (local * hp["lr"])
    if s:
        (buf,) = s
        m = hp["momentum"]
        later = buf * m + (1 - hp["dampening"]) * d_p
        buf = jax.lax.select_n(_first_step(step), later, d_p)
        d_p = d_p + m * buf if hp["nesterov"] else buf
        s = (buf,)
    return -d_p, s


LARS = OptimizerDef(
    name="LARS",
    defaults=dict(
        lr=1e-3,
        momentum=0.0,
        weight_decay=0.0,
        dampening=0.0,
        eta=1e-3,
        nesterov=False,
        eps=1e-8,
        lars_exclude=False,
    ),
    init_leaf=lambda p, hp: (_zeros(p),) if hp["momentum"] != 0 else (),
    update_leaf=_lars_update,
    momentum_key="momentum",
    validate=_validator(
        "LARS",
        _lars_validate,
        lr=">=0",
        momentum=">=0",
        weight_decay=">=0",
        eta=">=0",
        eps=">=0",
    ),
    doc="LARS as mmpretrain's (the `type='LARS'` of OpenMMLab configs): local lr from "
    "|p| / (|g| + wd |p|), coupled decay, SGD momentum; optax's is `type='optax.lars'`",
)

# ---------------------------------------------------------------------------------------------
# Registration tables

BUILTIN: list[OptimizerDef] = [
    SGD,
    Adam,
    AdamW,
    Adamax,
    NAdam,
    RAdam,
    Adagrad,
    Adadelta,
    RMSprop,
    Rprop,
    ASGD,
    Adafactor,
    Muon,
    Lion,
    LAMB,
    Lamb,
    LARS,
]
"""Every built-in definition, registered under its ``name``."""

ALIASES: dict[str, str] = {"TorchAdafactor": "Adafactor"}
"""Extra registry names: alias -> the ``name`` of a definition in :data:`BUILTIN`."""

NOT_TRANSFORMATIONS: dict[str, str] = {
    "LBFGS": (
        "torch.optim.LBFGS needs a closure that re-evaluates the loss several times per step "
        "(line search), which a gradient transformation cannot do; use optax.lbfgs() with "
        "optax.value_and_grad_from_state, outside make_optimizer."
    ),
    "SparseAdam": (
        "torch.optim.SparseAdam only accepts sparse gradients (nn.Embedding(sparse=True)); JAX "
        "produces dense gradients, so use type='Adam' (or 'AdamW')."
    ),
    "Optimizer": (
        "torch.optim.Optimizer is the abstract base class, not an algorithm; choose a concrete "
        "type such as 'SGD' or 'AdamW'."
    ),
}
"""torch.optim names mmcv registers that cannot be a gradient transformation, with the reason."""
