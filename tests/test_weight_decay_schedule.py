"""Weight-decay schedulers (issue 14) against mmengine 0.10.7 as the oracle.

A torch AdamW with four param groups (weight decays 0.05, 0, 0.1, 0.025, as paramwise
multipliers make them) is wrapped in a real mmengine ``OptimWrapper``; the schedulers are built
as mmengine's runner builds them (``end`` from the loop's length, ``epoch_length`` for
``convert_to_iter_based``) and stepped as ``ParamSchedulerHook`` steps them. Every group's
``weight_decay`` before each ``optimizer.step()`` is compared with jaxoptim's schedule.

mmpretrain's ``CosineAnnealingWeightDecay`` (mmpretrain/engine/schedulers/
weight_decay_scheduler.py; mmpretrain is no dependency) is restated below: mmengine's
``CosineAnnealingParamScheduler`` on ``'weight_decay'`` whose ``_get_value`` returns 0 for a
group whose initial weight decay is 0 at every step after the first.
"""

from __future__ import annotations

import copy
import logging
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mmengine")

from mmengine.logging import MMLogger  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402
from mmengine.optim.scheduler import CosineAnnealingParamScheduler  # noqa: E402
from mmengine.registry import PARAM_SCHEDULERS  # noqa: E402

import jaxoptim  # noqa: E402
from jaxoptim import param_scheduler  # noqa: E402

MMLogger.get_current_instance().setLevel(logging.ERROR)

WDS = [0.05, 0.0, 0.1, 0.025]


class _CosineAnnealingWeightDecay(CosineAnnealingParamScheduler):
    """mmpretrain's ``CosineAnnealingWeightDecay``, restated (same numbers, own code)."""

    def __init__(self, optimizer, *args, **kwargs):
        super().__init__(optimizer, "weight_decay", *args, **kwargs)

    def _eta(self, base):
        return self.eta_min if self.eta_min_ratio is None else base * self.eta_min_ratio

    def _get_value(self):
        groups = self.optimizer.param_groups
        if self.last_step == 0:
            return [g["weight_decay"] for g in groups]
        t = self.T_max
        out = []
        for base, g in zip(self.base_values, groups):
            v = g["weight_decay"]
            if base == 0:
                out.append(0)
            elif (self.last_step - 1 - t) % (2 * t) == 0:
                out.append(v + (base - self._eta(base)) * (1 - math.cos(math.pi / t)) / 2)
            else:
                ratio = (1 + math.cos(math.pi * self.last_step / t)) / (
                    1 + math.cos(math.pi * (self.last_step - 1) / t)
                )
                out.append(ratio * (v - self._eta(base)) + self._eta(base))
        return out


_CLASSES = {"CosineAnnealingWeightDecay": _CosineAnnealingWeightDecay}


def _build(cfgs, wrapper, ipe, max_epochs, max_iters):
    built = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cfg in cfgs:
            cfg = copy.deepcopy(cfg)
            cfg["type"] = _CLASSES.get(cfg["type"], cfg["type"])
            cfg.setdefault("end", max_epochs if cfg.get("by_epoch", True) else max_iters)
            built.append(
                PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=wrapper, epoch_length=ipe))
            )
    return built


def _hook_step(schedulers, i, ipe):
    """mmengine's ParamSchedulerHook after iteration ``i``."""
    for s in schedulers:
        if not s.by_epoch:
            s.step()
    if (i + 1) % ipe == 0:
        for s in schedulers:
            if s.by_epoch:
                s.step()


def mmengine_values(cfgs, n, ipe, max_epochs, max_iters, key="weight_decay"):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in WDS]
    groups = [{"params": [p], "weight_decay": wd} for p, wd in zip(params, WDS)]
    wrapper = OptimWrapper(torch.optim.AdamW(groups, lr=0.1, weight_decay=WDS[0]))
    schedulers = _build(cfgs, wrapper, ipe, max_epochs, max_iters)
    values = []
    for i in range(n):
        values.append([g[key] for g in wrapper.optimizer.param_groups])
        wrapper.step()
        _hook_step(schedulers, i, ipe)
    return np.asarray(values, np.float64)


def ours(cfgs, n, ipe, max_epochs, max_iters):
    timing = param_scheduler.Timing(ipe, max_iters, max_epochs, True, max_iters)
    factory = param_scheduler.schedules_for(cfgs, "weight_decay", timing)
    f = factory(np.asarray(WDS))
    return np.asarray(jax.jit(jax.vmap(f))(jnp.arange(n)), np.float64)


def _compare(cfgs, ipe=5, epochs=12, extra=3):
    n = epochs * ipe + extra  # past the end: the last value holds
    want = mmengine_values(cfgs, n, ipe, epochs, epochs * ipe)
    got = ours(cfgs, n, ipe, epochs, epochs * ipe)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-12)
    return want


_WD = dict(param_name="weight_decay")


@pytest.mark.parametrize(
    "cfgs",
    [
        # by epoch, converted to iterations (mmpretrain-style)
        [dict(type="CosineAnnealingParamScheduler", **_WD, convert_to_iter_based=True)],
        # by epoch, stepped at epoch ends
        [dict(type="MultiStepParamScheduler", **_WD, milestones=[4, 9], gamma=0.5)],
        # by iteration, eta_min != 0: the zero group rises towards eta_min (mmengine)
        [dict(type="CosineAnnealingParamScheduler", **_WD, eta_min=0.01, by_epoch=False)],
        [dict(type="CosineAnnealingParamScheduler", **_WD, eta_min_ratio=0.1, by_epoch=False)],
        # a warmup inside a cosine with eta_min: mmengine's recurrence, tabulated
        [
            dict(type="LinearParamScheduler", **_WD, start_factor=0.2, by_epoch=False, end=13),
            dict(type="CosineAnnealingParamScheduler", **_WD, eta_min=0.002, by_epoch=False),
        ],
        [
            dict(type="PolyParamScheduler", **_WD, eta_min=0.001, power=2.0, end=8),
            dict(type="ExponentialParamScheduler", **_WD, gamma=0.9, begin=8),
        ],
    ],
)
def test_generic_param_schedulers_on_weight_decay_match_mmengine(cfgs):
    want = _compare(cfgs)
    assert len(np.unique(want[:, 0])) >= 3  # the schedule moves


@pytest.mark.parametrize(
    "cfg",
    [
        # mmpretrain configs/_base_/schedules (e.g. the MoCo v3 / DINO style): by epoch, converted
        dict(type="CosineAnnealingWeightDecay", eta_min=0.2, convert_to_iter_based=True),
        dict(type="CosineAnnealingWeightDecay", eta_min=0.001, by_epoch=False, T_max=9),
        dict(type="CosineAnnealingWeightDecay", eta_min_ratio=0.5, by_epoch=False, begin=3),
        dict(type="CosineAnnealingWeightDecay", eta_min=0.3, by_epoch=True, T_max=4),
    ],
)
def test_mmpretrain_cosine_annealing_weight_decay_keeps_zero_groups_at_zero(cfg):
    want = _compare([cfg])
    assert np.all(want[:, 1] == 0)  # the group whose weight decay starts at 0
    assert len(np.unique(want[:, 0])) > 3


def test_cosine_weight_decay_with_a_lifting_scheduler_is_tabulated():
    # the generic cosine lifts the zero group, mmpretrain's then sets it back to 0
    cfgs = [
        dict(type="CosineAnnealingParamScheduler", **_WD, eta_min=0.01, by_epoch=False, end=20),
        dict(type="CosineAnnealingWeightDecay", eta_min=0.002, by_epoch=False, begin=10),
    ]
    want = _compare(cfgs)
    assert want[5, 1] > 0 and want[15, 1] == 0
    with pytest.raises(ValueError, match="max_iters"):
        param_scheduler.schedules_for(cfgs, "weight_decay", param_scheduler.Timing(5))(
            np.asarray(WDS)
        )


def test_lr_and_weight_decay_schedulers_are_independent():
    cfgs = [
        dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=10),
        dict(type="CosineAnnealingWeightDecay", eta_min=0.001, convert_to_iter_based=True),
        dict(type="StepParamScheduler", param_name="lr", step_size=3, gamma=0.5),
    ]
    _compare(cfgs)
    timing = param_scheduler.Timing(5, 60, 12, True, 60)
    lr = param_scheduler.schedules_for(cfgs, "lr", timing)(np.asarray([0.1]))
    params = [torch.nn.Parameter(torch.zeros(1))]
    wrapper = OptimWrapper(torch.optim.AdamW(params, lr=0.1))
    schedulers = _build(cfgs, wrapper, 5, 12, 60)
    for i in range(60):
        np.testing.assert_allclose(float(lr(i)[0]), wrapper.optimizer.param_groups[0]["lr"], 1e-6)
        wrapper.step()
        _hook_step(schedulers, i, 5)


# ---- end to end: make_optimizer against torch AdamW + mmengine --------------------------


def _end_to_end_cfg(schedulers):
    return dict(
        optim_wrapper=dict(
            optimizer=dict(type="AdamW", lr=0.01, weight_decay=0.05),
            paramwise_cfg=dict(
                custom_keys={"b": dict(decay_mult=0.0), "c": dict(decay_mult=2.0, lr_mult=0.5)}
            ),
        ),
        param_scheduler=schedulers,
        train_cfg=dict(by_epoch=True, max_epochs=4),
    )


@pytest.mark.parametrize(
    "schedulers",
    [
        [
            dict(type="LinearLR", start_factor=0.5, by_epoch=False, end=4),
            dict(type="CosineAnnealingWeightDecay", eta_min=0.01, convert_to_iter_based=True),
        ],
        [dict(type="CosineAnnealingParamScheduler", **_WD, eta_min=0.02, by_epoch=False)],
    ],
)
def test_make_optimizer_trains_like_torch_adamw_with_mmengine_schedulers(schedulers):
    ipe, n = 3, 12
    rng = np.random.default_rng(0)
    init = {k: rng.normal(size=(3,)).astype(np.float32) for k in "abc"}
    grads = [{k: rng.normal(size=(3,)).astype(np.float32) for k in "abc"} for _ in range(n)]

    tensors = {k: torch.nn.Parameter(torch.tensor(v)) for k, v in init.items()}
    groups = [
        {"params": [tensors["a"]]},
        {"params": [tensors["b"]], "weight_decay": 0.0},
        {"params": [tensors["c"]], "weight_decay": 0.1, "lr": 0.005},
    ]
    wrapper = OptimWrapper(torch.optim.AdamW(groups, lr=0.01, weight_decay=0.05))
    built = _build(schedulers, wrapper, ipe, 4, 4 * ipe)

    tx = jaxoptim.make_optimizer(_end_to_end_cfg(schedulers), iters_per_epoch=ipe)
    params = {k: jnp.asarray(v) for k, v in init.items()}
    state = tx.init(params)
    update = jax.jit(tx.update)
    for i in range(n):
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[i][k])
        want_wd = [g["weight_decay"] for g in wrapper.optimizer.param_groups]
        wrapper.step()
        _hook_step(built, i, ipe)
        updates, state = update({k: jnp.asarray(v) for k, v in grads[i].items()}, state, params)
        params = jax.tree.map(lambda p, u: p + u, params, updates)
        # groups: a (0.05), b (0), c (0.1); jaxoptim's vector is in first-seen order
        live = np.asarray(state.hyperparams["weight_decay"], np.float64)
        np.testing.assert_allclose(live, want_wd, rtol=1e-6, atol=1e-12)
        for k, t in tensors.items():
            np.testing.assert_allclose(params[k], t.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert update._cache_size() == 1  # a changing weight decay never recompiles
    assert len({float(x) for x in np.asarray(state.hyperparams["weight_decay"])}) == 3


def test_a_schedule_never_recompiles_and_reaches_every_leaf():
    cfg = _end_to_end_cfg(
        [dict(type="CosineAnnealingParamScheduler", **_WD, by_epoch=False, end=6)]
    )
    tx = jaxoptim.make_optimizer(cfg, iters_per_epoch=2)
    params = {k: jnp.ones(2) for k in "abc"}
    state = tx.init(params)
    update = jax.jit(tx.update)
    zero = {k: jnp.zeros(2) for k in "abc"}
    deltas = []
    for _ in range(6):
        updates, state = update(zero, state, params)
        deltas.append({k: float(v[0]) for k, v in updates.items()})
    assert update._cache_size() == 1
    # zero gradients: the update is the decay alone, -lr * wd(t) * p; wd(t) = wd * (1+cos)/2
    for t, d in enumerate(deltas):
        factor = (1 + math.cos(math.pi * t / 6)) / 2
        assert d["a"] == pytest.approx(-0.01 * 0.05 * factor, rel=1e-5, abs=1e-12)
        assert d["b"] == 0.0
        assert d["c"] == pytest.approx(-0.005 * 0.1 * factor, rel=1e-5, abs=1e-12)


def test_the_live_weight_decay_can_be_set_in_the_state_without_recompiling():
    tx = jaxoptim.make_optimizer(dict(type="SGD", lr=0.1, weight_decay=0.01))
    params = {"w": jnp.ones(2)}
    state = tx.init(params)
    update = jax.jit(tx.update)
    grads = {"w": jnp.zeros(2)}
    u1, _ = update(grads, state, params)
    hp = dict(state.hyperparams, weight_decay=jnp.asarray([0.5], jnp.float32))
    u2, _ = update(grads, state._replace(hyperparams=hp), params)
    np.testing.assert_allclose(u1["w"], -0.1 * 0.01, rtol=1e-6)
    np.testing.assert_allclose(u2["w"], -0.1 * 0.5, rtol=1e-6)
    assert update._cache_size() == 1


# ---- errors ------------------------------------------------------------------------------


def test_a_weight_decay_scheduler_needs_an_optimizer_with_weight_decay():
    cfg = dict(
        optim_wrapper=dict(optimizer=dict(type="Rprop", lr=0.01)),
        param_scheduler=[dict(type="ExponentialParamScheduler", **_WD, gamma=0.9)],
        train_cfg=dict(by_epoch=True, max_epochs=2),
    )
    with pytest.raises(KeyError, match="'Rprop' has none"):
        jaxoptim.make_optimizer(cfg, iters_per_epoch=2)


def test_bad_param_names_and_keys_are_named():
    timing = param_scheduler.Timing(2)
    bad = [dict(type="ExponentialParamScheduler", param_name="eps", gamma=0.9)]
    with pytest.raises(ValueError, match=r"param_name must be one of \['lr', 'momentum', "):
        param_scheduler.schedules_for(bad, "weight_decay", timing)
    # mmpretrain's scheduler passes param_name itself: a config giving it is a TypeError there
    bad = [dict(type="CosineAnnealingWeightDecay", param_name="weight_decay")]
    with pytest.raises(KeyError, match="param_name"):
        param_scheduler.schedules_for(bad, "weight_decay", timing)
    bad = [dict(type="OneCycleParamScheduler", param_name="weight_decay", eta_max=0.1)]
    with pytest.raises(ValueError, match="OneCycle only schedules the lr"):
        param_scheduler.schedules_for(bad, "weight_decay", timing)
