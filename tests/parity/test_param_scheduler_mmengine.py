"""mmengine ``param_scheduler`` chains against mmengine's own schedulers.

A torch optimizer with three param groups (different lrs and momenta, as paramwise multipliers
make them) is wrapped in a real mmengine ``OptimWrapper``; the schedulers are built from the
config as mmengine's runner builds them (``end`` defaulting to the loop's length,
``epoch_length`` for ``convert_to_iter_based``) and stepped as ``ParamSchedulerHook`` steps them
(iteration-based after every iteration, epoch-based after every epoch). The lr / momentum of
every group before each ``optimizer.step()`` is compared with jaxoptim's schedule, whether it
is a closed form or (for chains with none) a table of mmengine's recurrence.

mmdet's ``QuadraticWarmup*`` schedulers (YOLOX) are restated here as ``_ParamScheduler``
subclasses, since mmdet is no dependency: ``mmengine_values`` hands mmengine's registry the
class itself for those names, so mmengine's own build (``build_iter_from_epoch`` for
``convert_to_iter_based``) and chaining drive them.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from mmengine.logging import MMLogger
from mmengine.optim import OptimWrapper
from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.momentum_scheduler import MomentumSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS

import jaxoptim
from jaxoptim import mmengine_cfg, param_scheduler

MMLogger.get_current_instance().setLevel(logging.ERROR)

LRS = [0.1, 0.02, 0.25]
MOMENTA = [0.9, 0.8, 0.95]


class _QuadraticWarmupParamScheduler(_ParamScheduler):
    """mmdet 3.x's ``QuadraticWarmupParamScheduler`` (mmdet/engine/schedulers), restated.

    Over ``T = end - begin`` steps the value climbs from ``base / T**2`` to ``base``: the
    first step overwrites the value with ``base / T**2``, step ``k`` adds
    ``base * (2k + 1) / T**2`` to whatever the value is then. ``end`` must be finite.
    """

    def __init__(self, optimizer, param_name, begin=0, end=INF, last_step=-1, by_epoch=True,
                 verbose=False):  # fmt: skip
        if end >= INF:
            raise ValueError("QuadraticWarmup needs a finite `end`")
        self.total_iters = end - begin
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    @classmethod
    def build_iter_from_epoch(cls, *args, begin=0, end=INF, by_epoch=True, epoch_length=None,
                              **kwargs):  # fmt: skip
        # mmengine's base class has none: mmdet's scales begin / end (unless INF) by the
        # epoch length, so total_iters is counted in iterations
        assert by_epoch and epoch_length is not None and epoch_length > 0
        end = end if end == INF else end * epoch_length
        return cls(*args, begin=begin * epoch_length, end=end, by_epoch=False, **kwargs)

    def _get_value(self):
        added = [b * (2 * self.last_step + 1) / self.total_iters**2 for b in self.base_values]
        if self.last_step == 0:
            return added
        groups = self.optimizer.param_groups
        return [g[self.param_name] + a for g, a in zip(groups, added)]


class _QuadraticWarmupLR(LRSchedulerMixin, _QuadraticWarmupParamScheduler):
    pass


class _QuadraticWarmupMomentum(MomentumSchedulerMixin, _QuadraticWarmupParamScheduler):
    pass


# built from the class itself: mmdet's registry names, without registering them globally
_MMDET = {
    "QuadraticWarmupParamScheduler": _QuadraticWarmupParamScheduler,
    "QuadraticWarmupLR": _QuadraticWarmupLR,
    "QuadraticWarmupMomentum": _QuadraticWarmupMomentum,
}


def _wrapper(opt_type="SGD"):
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in LRS]
    if opt_type == "SGD":
        groups = [
            {"params": [p], "lr": lr, "momentum": m} for p, lr, m in zip(params, LRS, MOMENTA)
        ]
        opt = torch.optim.SGD(groups, lr=LRS[0], momentum=MOMENTA[0])
    else:
        groups = [
            {"params": [p], "lr": lr, "betas": (m, 0.999)} for p, lr, m in zip(params, LRS, MOMENTA)
        ]
        opt = torch.optim.Adam(groups, lr=LRS[0], betas=(MOMENTA[0], 0.999))
    return OptimWrapper(opt)


def mmengine_values(cfgs, n, ipe, *, max_epochs=None, max_iters=None, key="lr", opt="SGD"):
    """The ``key`` of every real group for iterations ``0..n-1``, mmengine's runner timing."""
    wrapper = _wrapper(opt)
    schedulers = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for cfg in cfgs:
            cfg = copy.deepcopy(cfg)
            cfg["type"] = _MMDET.get(cfg["type"], cfg["type"])
            if max_epochs is not None or max_iters is not None:
                default_end = max_epochs if cfg.get("by_epoch", True) else max_iters
                cfg.setdefault("end", default_end)
            schedulers.append(
                PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=wrapper, epoch_length=ipe))
            )
        values = []
        for i in range(n):
            groups = wrapper.optimizer.param_groups
            values.append([g[key] if key != "betas0" else g["betas"][0] for g in groups])
            wrapper.step()
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
            if (i + 1) % ipe == 0:
                for s in schedulers:
                    if s.by_epoch:
                        s.step()
    return np.asarray(values, np.float64)


def ours(cfgs, n, ipe, *, max_epochs=None, max_iters=None, param="lr", base=None):
    timing = param_scheduler.Timing(ipe, max_iters, max_epochs, True, max_iters)
    factory = param_scheduler.schedules_for(cfgs, param, timing)
    base = np.asarray(base if base is not None else (LRS if param == "lr" else MOMENTA))
    f = factory(base)
    return np.asarray(jax.jit(jax.vmap(f))(jnp.arange(n)), np.float64)


def _compare(cfgs, n, ipe, *, max_epochs=None, max_iters=None, param="lr", opt="SGD", base=None):
    """jaxoptim against mmengine; ``base`` picks mmengine's groups (indices into LRS/MOMENTA)."""
    key = param if param == "lr" or opt == "SGD" else "betas0"
    want = mmengine_values(
        cfgs, n, ipe, max_epochs=max_epochs, max_iters=max_iters, key=key, opt=opt
    )
    columns = list(range(len(LRS))) if base is None else base
    values = np.asarray(LRS if param == "lr" else MOMENTA)[columns]
    got = ours(cfgs, n, ipe, max_epochs=max_epochs, max_iters=max_iters, param=param, base=values)
    np.testing.assert_allclose(got, want[:, columns], rtol=2e-6, atol=1e-12)
    return got


def _uses_table(cfgs, param="lr", **timing):
    """Whether the schedule for ``param`` reads a table (no closed form is exact)."""
    scheds = [
        s
        for i, cfg in enumerate(cfgs)
        if (s := param_scheduler._parse(i, cfg, param, param_scheduler.Timing(**timing)))
    ]
    return param_scheduler._no_closed_form(scheds, np.asarray(LRS)) is not None


# ---- real configs ------------------------------------------------------------------------


def test_mmdet3_linear_warmup_and_multistep_by_epoch():
    # mmdet 3 configs/_base_/schedules/schedule_1x.py
    cfgs = [
        dict(type="LinearLR", start_factor=0.001, by_epoch=False, begin=0, end=500),
        dict(type="MultiStepLR", begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
    ]
    ipe = 60
    got = _compare(cfgs, 12 * ipe, ipe, max_epochs=12, max_iters=12 * ipe)
    assert got[0, 0] == pytest.approx(1e-4) and got[-1, 0] == pytest.approx(1e-3)


def test_mmpretrain_converted_warmup_and_cosine_with_eta_min():
    # mmpretrain configs/_base_/schedules/imagenet_bs1024_adamw_swin.py (shortened)
    cfgs = [
        dict(
            type="LinearLR",
            start_factor=1e-3,
            by_epoch=True,
            end=4,
            convert_to_iter_based=True,
        ),
        dict(type="CosineAnnealingLR", eta_min=1e-5, by_epoch=True, begin=4),
    ]
    ipe = 7
    _compare(cfgs, 30 * ipe, ipe, max_epochs=30, max_iters=30 * ipe)


def test_rtmdet_warmup_then_converted_cosine_window():
    # mmdet 3 configs/rtmdet/rtmdet_l_8xb32-300e_coco.py (base_lr 0.004, max_epochs 300)
    base_lr = 0.004
    cfgs = [
        dict(type="LinearLR", start_factor=1.0e-5, by_epoch=False, begin=0, end=1000),
        dict(
            type="CosineAnnealingLR",
            eta_min=base_lr * 0.05,
            begin=150,
            end=300,
            T_max=150,
            by_epoch=True,
            convert_to_iter_based=True,
        ),
    ]
    ipe = 10
    _compare(cfgs, 300 * ipe + 5, ipe, max_epochs=300, max_iters=300 * ipe)


def test_mmseg_poly_with_eta_min_by_iteration():
    # mmseg 1.x configs/_base_/schedules/schedule_20k.py (shortened)
    cfgs = [dict(type="PolyLR", eta_min=1e-4, power=1.0, begin=0, end=2000, by_epoch=False)]
    got = _compare(cfgs, 2010, 100, max_iters=2000)
    assert got[1999, 0] == pytest.approx(1e-4)


def test_mmseg_warmup_then_poly():
    cfgs = [
        dict(type="LinearLR", start_factor=1e-6, by_epoch=False, begin=0, end=150),
        dict(type="PolyLR", eta_min=0.0, power=1.0, begin=150, end=1600, by_epoch=False),
    ]
    _compare(cfgs, 1600, 100, max_iters=1600)


def test_momentum_scheduler_on_adam_betas():
    cfgs = [
        dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=20),
        dict(type="CosineAnnealingMomentum", eta_min=0.85, by_epoch=False, begin=20, end=80),
        dict(type="StepMomentum", step_size=1, gamma=0.99, by_epoch=True, begin=16),
    ]
    _compare(cfgs, 100, 5, max_epochs=20, max_iters=100, param="momentum", opt="Adam")
    _compare(cfgs, 100, 5, max_epochs=20, max_iters=100, param="lr", opt="Adam")


@pytest.mark.parametrize(
    "cfgs",
    [
        [dict(type="ConstantLR", factor=0.5, by_epoch=False, end=7)],
        [dict(type="ExponentialLR", gamma=0.97, by_epoch=False)],
        [dict(type="StepLR", step_size=2, gamma=0.5, begin=1)],
        [dict(type="CosineAnnealingLR", T_max=10, eta_min_ratio=0.1, by_epoch=False, end=35)],
        [dict(type="CosineAnnealingLR", T_max=10, by_epoch=False, end=35)],
        [dict(type="PolyLR", power=0.9, eta_min=0.001, by_epoch=False, begin=5, end=50)],
        [
            dict(
                type="CosineRestartLR",
                periods=[10, 15, 20],
                restart_weights=[1, 0.5, 0.25],
                eta_min_ratio=0.1,
                by_epoch=False,
            )
        ],
        [
            dict(
                type="CosineRestartLR",
                periods=[3, 4],
                restart_weights=[1, 0.6],
                eta_min=0.001,
                convert_to_iter_based=True,
            )
        ],
        [dict(type="OneCycleLR", eta_max=0.5, total_steps=75, by_epoch=False)],
        [dict(type="OneCycleLR", eta_max=0.5, by_epoch=False, begin=5, three_phase=True)],
        [
            dict(
                type="LinearParamScheduler",
                param_name="lr",
                start_factor=0.2,
                end=12,
                by_epoch=False,
            ),
            dict(type="CosineAnnealingParamScheduler", param_name="lr", by_epoch=True),
        ],  # fmt: skip
        [
            dict(type="MultiStepLR", milestones=[2, 2, 5], gamma=0.5),
            dict(type="CosineAnnealingLR", eta_min=0.0, by_epoch=False, begin=3, end=40),
        ],
    ],
)
def test_single_and_chained_schedulers(cfgs):
    _compare(cfgs, 70, 5, max_epochs=14, max_iters=70)


@pytest.mark.parametrize("param", ["lr", "momentum"])
def test_momentum_and_lr_variants_of_every_chainable_scheduler(param):
    suffix = "LR" if param == "lr" else "Momentum"
    cfgs = [
        dict(type=f"Linear{suffix}", start_factor=0.5, by_epoch=False, end=9),
        dict(type=f"Exponential{suffix}", gamma=0.995, by_epoch=False),
        dict(type=f"Constant{suffix}", factor=0.9, begin=2, end=4),
        dict(type=f"MultiStep{suffix}", milestones=[3, 6], gamma=0.9),
        dict(type=f"Step{suffix}", step_size=4, gamma=0.95, by_epoch=False, begin=10),
        dict(type=f"Poly{suffix}", power=2.0, eta_min=0.0, by_epoch=False, begin=20, end=60),
        dict(type=f"CosineAnnealing{suffix}", by_epoch=True, begin=5, end=10),
    ]
    _compare(cfgs, 70, 6, max_epochs=12, max_iters=70, param=param)


_MULT = st.sampled_from(["StepLR", "MultiStepLR", "ConstantLR", "ExponentialLR", "LinearLR"])


@st.composite
def _chains(draw):
    cfgs = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(_MULT)
        by_epoch = draw(st.booleans())
        convert = by_epoch and draw(st.booleans())
        begin = draw(st.integers(0, 6))
        cfg = dict(type=kind, by_epoch=by_epoch, begin=begin)
        if convert:
            cfg["convert_to_iter_based"] = True
        if draw(st.booleans()):
            cfg["end"] = begin + draw(st.integers(1, 30))
        if kind == "StepLR":
            cfg.update(step_size=draw(st.integers(1, 5)), gamma=draw(st.floats(0.3, 1.0)))
        elif kind == "MultiStepLR":
            cfg.update(
                milestones=sorted(draw(st.lists(st.integers(0, 12), max_size=4))),
                gamma=draw(st.floats(0.3, 1.0)),
            )
        elif kind == "ConstantLR":
            cfg.update(factor=draw(st.floats(0.05, 1.0)))
        elif kind == "ExponentialLR":
            cfg.update(gamma=draw(st.floats(0.8, 1.0)))
        else:
            cfg.update(
                start_factor=draw(st.floats(0.01, 1.0)), end_factor=draw(st.floats(0.01, 1.0))
            )
        cfgs.append(cfg)
    return cfgs


@settings(max_examples=40, deadline=None, derandomize=True)
@given(_chains(), st.integers(1, 5))
def test_random_multiplicative_chains_match_mmengine(cfgs, ipe):
    _compare(cfgs, 40, ipe, max_epochs=-(-40 // ipe), max_iters=40)


@st.composite
def _mixed_chains(draw):
    cfgs = draw(_chains())
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(["CosineAnnealingLR", "PolyLR", "CosineRestartLR"]))
        by_epoch = draw(st.sampled_from([False, False, True]))
        convert = by_epoch and draw(st.booleans())
        begin = draw(st.integers(0, 6 if by_epoch else 20))  # max_epochs is 8 or more
        cfg = dict(type=kind, by_epoch=by_epoch, begin=begin)
        if convert:
            cfg["convert_to_iter_based"] = True
        if draw(st.booleans()):
            cfg["end"] = begin + draw(st.integers(2, 30))
        eta = draw(st.sampled_from([0.0, 1e-3]))
        if kind == "CosineAnnealingLR":
            cfg["eta_min"] = eta
            if draw(st.booleans()):
                cfg["T_max"] = draw(st.integers(1, 12))  # often steps past T_max
        elif kind == "PolyLR":
            cfg.update(eta_min=eta, power=draw(st.sampled_from([1.0, 0.9, 2.0])))
        else:
            periods = draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))
            weights = draw(st.lists(st.floats(0.1, 1.0), min_size=len(periods),
                                    max_size=len(periods)))  # fmt: skip
            cfg.update(periods=periods, restart_weights=weights, eta_min_ratio=eta * 10)
        cfgs.insert(draw(st.integers(0, len(cfgs))), cfg)
    return cfgs


@settings(max_examples=80, deadline=None, derandomize=True)
@given(_mixed_chains(), st.integers(1, 5))
def test_random_mixed_chains_match_mmengine(cfgs, ipe):
    """Any chain equals mmengine: the closed form where it is exact, else the table."""
    _compare(cfgs, 40, ipe, max_epochs=-(-40 // ipe), max_iters=40)


# ---- chains with no closed form: a table of mmengine's recurrence ------------------------

_OVERLAPS = {
    "warmup_inside_cosine_with_eta_min": [
        dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=20),
        dict(type="CosineAnnealingLR", eta_min=1e-4, by_epoch=False, end=100),
    ],
    "cosine_before_warmup_in_the_list": [
        dict(type="CosineAnnealingLR", eta_min_ratio=0.05, by_epoch=False, begin=3),
        dict(type="LinearLR", start_factor=0.2, end_factor=0.9, by_epoch=False, end=30),
    ],
    "milestones_inside_poly_with_eta_min": [
        dict(type="PolyLR", eta_min=1e-3, power=0.9, by_epoch=False, begin=5, end=90),
        dict(type="MultiStepLR", milestones=[20, 20, 60], gamma=0.5, by_epoch=False),
    ],
    "linear_overlapping_cosine_restarts": [
        dict(
            type="CosineRestartLR",
            periods=[15, 25, 40],
            restart_weights=[1.0, 0.7, 0.4],
            eta_min_ratio=0.02,
            by_epoch=False,
        ),
        dict(type="LinearLR", start_factor=0.05, by_epoch=False, begin=10, end=50),
    ],
    "milestone_before_restarts": [
        dict(type="MultiStepLR", milestones=[5], by_epoch=False),
        dict(type="CosineRestartLR", periods=[10], eta_min=0.0, by_epoch=False),
    ],
    "exponential_inside_periodic_cosine": [
        dict(type="ExponentialLR", gamma=0.97, by_epoch=False),
        dict(type="CosineAnnealingLR", T_max=7, by_epoch=False, begin=2, end=60),
    ],
    "epoch_cosine_and_iteration_warmup_at_the_same_boundaries": [
        dict(type="CosineAnnealingLR", eta_min=5e-3, by_epoch=True, begin=0),
        dict(type="LinearLR", start_factor=0.01, by_epoch=False, end=37),
        dict(type="StepLR", step_size=3, gamma=0.8, by_epoch=True, begin=2),
    ],
    "converted_cosine_and_converted_warmup": [
        dict(type="LinearLR", start_factor=1e-3, convert_to_iter_based=True, end=3),
        dict(
            type="CosineAnnealingLR",
            eta_min=1e-5,
            T_max=9,
            convert_to_iter_based=True,
            begin=1,
        ),
        dict(type="ConstantLR", factor=0.5, by_epoch=False, begin=40, end=70),
    ],
    "converted_restarts_inside_epoch_poly": [
        dict(type="PolyLR", eta_min=2e-3, power=2.0, by_epoch=True, begin=1, end=11),
        dict(
            type="CosineRestartLR",
            periods=[2, 3],
            restart_weights=[1.0, 0.5],
            eta_min=1e-3,
            convert_to_iter_based=True,
            begin=4,
        ),
    ],
    "milestone_inside_quadratic_warmup": [
        dict(type="QuadraticWarmupLR", by_epoch=False, end=30),
        dict(type="MultiStepLR", milestones=[2, 5], gamma=0.5),
    ],
    "converted_quadratic_warmup_inside_cosine_with_eta_min": [
        dict(type="CosineAnnealingLR", eta_min_ratio=0.05, by_epoch=False),
        dict(type="QuadraticWarmupLR", begin=1, end=4, convert_to_iter_based=True),
    ],
    "epoch_quadratic_warmup_over_iteration_warmup": [
        dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=40),
        dict(type="QuadraticWarmupLR", by_epoch=True, end=3),
    ],
}


@pytest.mark.parametrize("name", sorted(_OVERLAPS))
def test_overlapping_chains_match_mmengine(name):
    cfgs = _OVERLAPS[name]
    timing = param_scheduler.Timing(9, 108, 12, True, 108)
    assert _uses_table(cfgs, **dataclasses.asdict(timing))
    _compare(cfgs, 108, 9, max_epochs=12, max_iters=108)
    # before the float32 rounding the replayed recurrence is mmengine's float64 one
    scheds = [param_scheduler._parse(i, cfg, "lr", timing) for i, cfg in enumerate(cfgs)]
    want = mmengine_values(cfgs, 109, 9, max_epochs=12, max_iters=108)
    got = param_scheduler._simulate(scheds, np.asarray(LRS), 108)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)


def test_table_is_per_group_and_shared_by_equal_bases():
    # groups 0 and 2 share a base value (one table column); the absolute eta_min makes each
    # group's curve more than its base times one shape
    cfgs = _OVERLAPS["warmup_inside_cosine_with_eta_min"]
    got = _compare(cfgs, 100, 1, max_iters=100, base=[0, 1, 0, 2, 1])
    np.testing.assert_array_equal(got[:, 0], got[:, 2])
    assert not np.allclose(got[:, 0] / LRS[0], got[:, 1] / LRS[1])


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_overlapping_momentum_schedulers_match_mmengine(opt):
    cfgs = [
        dict(type="CosineAnnealingMomentum", eta_min=0.85, by_epoch=False, end=60),
        dict(type="LinearMomentum", start_factor=0.9, by_epoch=False, begin=10, end=30),
        dict(type="StepMomentum", step_size=2, gamma=0.99, by_epoch=True),
        dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=20),
        dict(type="PolyLR", eta_min=1e-4, by_epoch=False, end=60),
    ]
    _compare(cfgs, 60, 6, max_epochs=10, max_iters=60, param="momentum", opt=opt)
    _compare(cfgs, 60, 6, max_epochs=10, max_iters=60, param="lr", opt=opt)


def test_mmpretrain_overlapping_warmup_converted_by_epoch():
    # mmpretrain's swin schedule with its warmup stretched into the cosine's window
    cfgs = [
        dict(type="LinearLR", start_factor=1e-3, by_epoch=True, end=6, convert_to_iter_based=True),
        dict(type="CosineAnnealingLR", eta_min=1e-5, by_epoch=True, begin=2),
    ]
    ipe = 7
    got = _compare(cfgs, 30 * ipe, ipe, max_epochs=30, max_iters=30 * ipe)
    assert got[6 * ipe, 0] > got[2 * ipe, 0] and got[-1, 0] < 1e-3


def test_table_holds_mmengine_final_value_past_max_iters():
    # the cosine ends after max_iters: past it the table holds what mmengine leaves in the
    # optimizer once the steps after the last iteration have run
    cfgs = [
        dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=20),
        dict(type="CosineAnnealingLR", eta_min=1e-4, by_epoch=False, end=100),
    ]
    want = mmengine_values(cfgs, 51, 1, max_iters=50)
    got = ours(cfgs, 60, 1, max_iters=50)
    np.testing.assert_allclose(got[:51], want, rtol=2e-6)
    np.testing.assert_array_equal(got[51:], np.broadcast_to(got[50], (9, len(LRS))))
    assert got[50, 0] < got[49, 0]


def test_a_jitted_step_on_a_tabulated_schedule_compiles_once():
    cfgs = _OVERLAPS["warmup_inside_cosine_with_eta_min"]
    timing = param_scheduler.Timing(None, 100, None, True, 100)
    f = param_scheduler.schedules_for(cfgs, "lr", timing)(np.asarray(LRS))
    traces = []

    @jax.jit
    def step(i):
        traces.append(None)
        return f(i)

    got = np.asarray([step(jnp.int32(i)) for i in range(100)], np.float64)
    assert len(traces) == 1
    np.testing.assert_allclose(got, mmengine_values(cfgs, 100, 1, max_iters=100), rtol=2e-6)


def test_closed_forms_do_not_tabulate(monkeypatch):
    def refuse(*args):
        raise AssertionError("tabulated a chain that has a closed form")

    monkeypatch.setattr(param_scheduler, "_simulate", refuse)
    test_rtmdet_warmup_then_converted_cosine_window()
    test_yolox_quadratic_warmup_then_converted_cosine_and_constant("eta_min")
    test_quadratic_warmup_forgets_earlier_factors_and_later_ones_scale_it()
    test_periodic_cosine_restarts_from_the_base_value_like_mmengine()


def test_make_optimizer_overlapping_chain_is_exact_and_compiles_once():
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=0.1, momentum=0.9),
            paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=0.2)}),
        ),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.01, by_epoch=False, end=12),
            dict(type="CosineAnnealingLR", eta_min=0.01, by_epoch=False, begin=4, end=30),
        ],
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=30),
    )
    tx = jaxoptim.make_optimizer(cfg)
    params = {"body": jnp.zeros(2), "head": jnp.zeros(2)}
    state = tx.init(params)
    traces = []

    @jax.jit
    def update(grads, state, params):
        traces.append(None)
        return tx.update(grads, state, params)

    lrs = []
    for _ in range(30):
        _, state = update(params, state, params)
        lrs.append(np.asarray(state.hyperparams["lr"]))
    assert len(traces) == 1
    lrs = np.asarray(lrs)
    want = mmengine_values(cfg["param_scheduler"], 30, 1, max_iters=30)
    for column, base in ((0, 0.1), (1, 0.02)):
        group = int(np.argmin(np.abs(lrs[0] - base * 0.01)))
        np.testing.assert_allclose(lrs[:, group], want[:, column], rtol=2e-6)


# ---- errors ------------------------------------------------------------------------------


def _schedules(cfgs, **timing):
    timing.setdefault("loop_iters", timing.get("max_iters"))
    return param_scheduler.schedules_for(cfgs, "lr", param_scheduler.Timing(**timing))


def test_periodic_cosine_restarts_from_the_base_value_like_mmengine():
    # past T_max mmengine's cosine adds (base - eta) * (1 - cos(pi / T_max)) / 2 to eta: the
    # earlier decay is forgotten; exact as long as nothing else changes inside its window
    cfgs = [
        dict(type="ExponentialLR", gamma=0.9, by_epoch=False, end=3),
        dict(type="CosineAnnealingLR", T_max=5, eta_min=0.001, by_epoch=False, begin=2, end=30),
        dict(type="MultiStepLR", milestones=[33], by_epoch=False),
    ]
    _compare(cfgs, 40, 5, max_iters=40)


@pytest.mark.parametrize(
    "cfgs, error, match",
    [
        ([dict(type="ReduceOnPlateauLR", factor=2.0)], ValueError, "factor"),
        ([dict(type="OneCycleLR", eta_max=0.1), dict(type="LinearLR")], ValueError, "only"),
        ([dict(type="OneCycleLR", eta_max=0.1, total_steps=5, by_epoch=False)], ValueError,
         "Tried to step"),
        ([dict(type="StepLR", step_size=2, gama=0.1)], KeyError, "gama=0.1"),
        ([dict(type="FooLR")], KeyError, "FooLR"),
        ([dict(type="MultiStepLR")], KeyError, "milestones"),
        ([dict(type="LinearLR", start_factor=2.0)], ValueError, "start_factor"),
        ([dict(type="LinearLR", by_epoch=False, begin=5, end=5)], ValueError, "end=5"),
        ([dict(type="StepLR", step_size=1, by_epoch=False, convert_to_iter_based=True)],
         ValueError, "convert_to_iter_based"),
        ([dict(type="CosineRestartLR", periods=[5])], ValueError, "eta_min"),
        ([dict(type="CosineAnnealingLR", eta_min=0.0, eta_min_ratio=0.1)], ValueError,
         "exactly one"),
        ([dict(type="StepParamScheduler", param_name="beta", step_size=1)], ValueError,
         "param_name"),
        ([dict(type="OneCycleParamScheduler", param_name="momentum")], ValueError, "lr"),
        ([dict(type="CosineAnnealingLR", T_max=1.5, by_epoch=False, end=10)], ValueError,
         r"T_max=1\.5 .*fractional"),
    ],
)  # fmt: skip
def test_bad_schedulers_raise_naming_the_key(cfgs, error, match):
    with pytest.raises(error, match=match):
        _schedules(cfgs, max_iters=20, iters_per_epoch=5, max_epochs=4)


def test_converted_scheduler_under_an_iteration_loop_ends_after_one_epoch_like_mmengine():
    # mmengine's IterBasedTrainLoop has max_epochs = 1: the default `end` of a
    # convert_to_iter_based scheduler is one epoch there
    cfgs = [dict(type="LinearLR", start_factor=0.2, convert_to_iter_based=True)]
    timing = mmengine_cfg.timing(
        dict(train_cfg=dict(type="IterBasedTrainLoop", max_iters=30)), None, 7
    )
    got = param_scheduler.schedules_for(cfgs, "lr", timing)(np.asarray(LRS))
    got = np.asarray(jax.vmap(got)(jnp.arange(30)), np.float64)
    np.testing.assert_allclose(got, mmengine_values(cfgs, 30, 7, max_epochs=1), rtol=2e-6)
    assert got[6, 0] == pytest.approx(LRS[0]) and got[5, 0] < LRS[0]


@pytest.mark.parametrize("ipe", [2, 3, 7])
def test_fractional_epochs_converted_like_mmengine(ipe):
    # mmaction2's clip4clip: begin / end 0.5 epochs, which mmengine truncates to whole
    # iterations, and T_max=4.5 epochs, which it scales to a fractional T_max (13.5 at ipe=3)
    cfgs = [
        dict(type="LinearLR", start_factor=0.05, begin=0, end=0.5, convert_to_iter_based=True),
        dict(type="CosineAnnealingLR", T_max=4.5, eta_min=0, begin=0.5, end=5,
             convert_to_iter_based=True),
    ]  # fmt: skip
    _compare(cfgs, 5 * ipe + 2, ipe, max_epochs=5)


def test_a_chain_without_closed_form_needs_max_iters():
    cfgs = [
        dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=20),
        dict(type="CosineAnnealingLR", eta_min=1e-4, by_epoch=False, end=100),
    ]
    match = r"LinearLR.*CosineAnnealingLR.*iterations 1\.\.99.*max_iters"
    with pytest.raises(ValueError, match=match):
        _schedules(cfgs)
    # apart, the same schedulers have a closed form and need no training length
    cfgs[1] = dict(cfgs[1], begin=20)
    f = _schedules(cfgs)(np.asarray(LRS))
    assert float(f(jnp.int32(0))[0]) == pytest.approx(0.01)


def test_by_epoch_needs_iters_per_epoch():
    with pytest.raises(ValueError, match="iters_per_epoch"):
        _schedules([dict(type="StepLR", step_size=1)], max_iters=20)


def test_make_optimizer_lrs_follow_paramwise_groups_like_mmengine():
    """An absolute eta_min is shared by the groups; lr multipliers scale each group's base."""
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=0.1, momentum=0.9),
            paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=0.2)}),
        ),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.5, by_epoch=False, end=5),
            dict(type="CosineAnnealingLR", eta_min=0.01, by_epoch=False, begin=5, end=30),
        ],
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=30),
    )
    tx = jaxoptim.make_optimizer(cfg)
    params = {"body": jnp.zeros(2), "head": jnp.zeros(2)}
    state = tx.init(params)
    lrs = []
    update = jax.jit(tx.update)
    for _ in range(30):
        _, state = update(params, state, params)
        lrs.append(np.asarray(state.hyperparams["lr"]))
    lrs = np.asarray(lrs)
    # mmengine, groups with base 0.1 (= body) and 0.02 (= head, 0.1 * 0.2): the head anneals
    # from its own 0.02 towards the shared absolute eta_min 0.01
    want = mmengine_values(cfg["param_scheduler"], 30, 1, max_iters=30)
    for column, base in ((0, 0.1), (1, 0.02)):
        group = int(np.argmin(np.abs(lrs[0] - base * 0.5)))
        np.testing.assert_allclose(lrs[:, group], want[:, column], rtol=2e-6)


# ---- mmdet's QuadraticWarmup (YOLOX) -------------------------------------------------------


@pytest.mark.parametrize("eta", ["eta_min", "eta_min_ratio"])
def test_yolox_quadratic_warmup_then_converted_cosine_and_constant(eta):
    # mmdet 3 configs/yolox/yolox_s_8xb8-300e_coco.py, 300 epochs shortened to 30 (base_lr 0.01;
    # mmdet writes type='mmdet.QuadraticWarmupLR', its registry scope)
    max_epochs, num_last_epochs, ipe = 30, 5, 7
    cosine = dict(eta_min=0.01 * 0.05) if eta == "eta_min" else dict(eta_min_ratio=0.05)
    cfgs = [
        dict(type="QuadraticWarmupLR", by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
        dict(
            type="CosineAnnealingLR",
            begin=5,
            T_max=max_epochs - num_last_epochs,
            end=max_epochs - num_last_epochs,
            by_epoch=True,
            convert_to_iter_based=True,
            **cosine,
        ),
        dict(type="ConstantLR", by_epoch=True, factor=1, begin=max_epochs - num_last_epochs,
             end=max_epochs),
    ]  # fmt: skip
    n = max_epochs * ipe
    timing = dict(iters_per_epoch=ipe, max_iters=n, max_epochs=max_epochs)
    assert not _uses_table(cfgs, **timing)  # windows apart: a closed form
    got = _compare(cfgs, n + 3, ipe, max_epochs=max_epochs, max_iters=n)
    t = 5 * ipe  # converted: the warmup counts iterations
    np.testing.assert_allclose(got[[0, 1, t - 1], 0], np.asarray([1, 4, t * t]) / t**2 * LRS[0],
                               rtol=1e-6)  # fmt: skip


def test_quadratic_warmup_forgets_earlier_factors_and_later_ones_scale_it():
    # its first step sets base / T**2 whatever the value was; after it, the value it reached
    # (the base) times the later multiplicative factors; a poly with eta_min after it
    cfgs = [
        dict(type="ExponentialLR", gamma=0.8, by_epoch=False, end=5),
        dict(type="QuadraticWarmupLR", by_epoch=False, begin=6, end=16),
        dict(type="StepLR", step_size=4, gamma=0.5, by_epoch=False, begin=16, end=30),
        dict(type="PolyLR", eta_min=1e-3, power=2.0, by_epoch=False, begin=35, end=60),
    ]
    assert not _uses_table(cfgs, iters_per_epoch=5, max_iters=70)
    got = _compare(cfgs, 70, 5, max_epochs=14, max_iters=70)
    assert got[6, 0] == pytest.approx(LRS[0] / 100) and got[15, 0] == pytest.approx(LRS[0])


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
def test_quadratic_warmup_momentum(opt):
    cfgs = [
        dict(type="QuadraticWarmupMomentum", by_epoch=False, end=12),
        dict(type="StepMomentum", step_size=2, gamma=0.9, begin=3),
        dict(type="QuadraticWarmupLR", by_epoch=True, end=2),
    ]
    _compare(cfgs, 50, 5, max_epochs=10, max_iters=50, param="momentum", opt=opt)
    _compare(cfgs, 50, 5, max_epochs=10, max_iters=50, param="lr", opt=opt)


def test_generic_quadratic_warmup_param_scheduler_by_epoch_and_shared_bases():
    # stepped at epoch ends (T counts epochs); groups 0 and 2 share a base value
    cfgs = [
        dict(type="QuadraticWarmupParamScheduler", param_name="lr", end=4),
        dict(type="CosineAnnealingLR", eta_min=1e-3, by_epoch=False, begin=20, end=50),
    ]
    got = _compare(cfgs, 50, 5, max_epochs=10, max_iters=50, base=[0, 1, 0, 2])
    np.testing.assert_array_equal(got[:, 0], got[:, 2])
    np.testing.assert_allclose(got[[0, 5, 19], 1], LRS[1] * np.asarray([1, 4, 16]) / 16, rtol=1e-6)


def test_quadratic_warmup_overlapping_cosine_past_max_iters_holds_mmengine_last_value():
    cfgs = [
        dict(type="QuadraticWarmupLR", by_epoch=False, end=25),
        dict(type="CosineAnnealingLR", eta_min=1e-4, by_epoch=False, begin=10, end=100),
    ]
    want = mmengine_values(cfgs, 41, 1, max_iters=40)
    got = ours(cfgs, 45, 1, max_iters=40)
    np.testing.assert_allclose(got[:41], want, rtol=2e-6)
    np.testing.assert_array_equal(got[41:], np.broadcast_to(got[40], (4, len(LRS))))


@st.composite
def _chains_with_quadratic_warmup(draw):
    cfgs = draw(_chains())
    by_epoch = draw(st.booleans())
    cfg = dict(type="QuadraticWarmupLR", by_epoch=by_epoch, begin=draw(st.integers(0, 4)))
    if by_epoch and draw(st.booleans()):
        cfg["convert_to_iter_based"] = True
    cfg["end"] = cfg["begin"] + draw(st.integers(1, 6 if by_epoch else 25))
    cfgs.insert(draw(st.integers(0, len(cfgs))), cfg)
    return cfgs


@settings(max_examples=30, deadline=None, derandomize=True)
@given(_chains_with_quadratic_warmup(), st.integers(1, 4))
def test_random_chains_with_a_quadratic_warmup_match_mmengine(cfgs, ipe):
    _compare(cfgs, 40, ipe, max_epochs=-(-40 // ipe), max_iters=40)


@pytest.mark.parametrize(
    "cfg, timing, error, match",
    [
        (dict(type="QuadraticWarmupLR", warmup_iters=5, end=5), {}, KeyError, "warmup_iters=5"),
        (dict(type="QuadraticWarmupLR", by_epoch=False), {}, ValueError, r"end=1000000000"),
        (dict(type="QuadraticWarmupLR", by_epoch=False, end=10**9), dict(max_iters=20),
         ValueError, "finite end"),
        (dict(type="QuadraticWarmupLR", by_epoch=False, end=5, last_step=3), {}, ValueError,
         "last_step"),
        (dict(type="QuadraticWarmupLR", by_epoch=False, convert_to_iter_based=True, end=5), {},
         ValueError, "convert_to_iter_based"),
        (dict(type="QuadraticWarmupParamScheduler", end=5, by_epoch=False), {}, KeyError,
         "param_name"),
        (dict(type="QuadraticWarmupMomentum", end=5, by_epoch=False, eta_min=0.0), {}, KeyError,
         "eta_min=0.0"),
    ],
)  # fmt: skip
def test_bad_quadratic_warmups_raise_naming_the_key(cfg, timing, error, match):
    param = "momentum" if "Momentum" in cfg["type"] else "lr"
    with pytest.raises(error, match=match):
        param_scheduler.schedules_for([cfg], param, param_scheduler.Timing(**timing))


def test_quadratic_warmup_with_reduce_on_plateau_is_refused():
    # the warmup adds base * (2k + 1) / T**2 to the value: a plateau's factor would not persist
    # inside its window; after it (the first reduction applies from iteration 5) it is fine
    cfgs = [dict(type="QuadraticWarmupLR", by_epoch=False, end=8), dict(type="ReduceOnPlateauLR")]
    factory = _schedules(cfgs, iters_per_epoch=5, max_epochs=4, max_iters=20)
    with pytest.raises(ValueError, match=r"ReduceOnPlateauLR.*QuadraticWarmupLR.*anchored"):
        factory(np.asarray(LRS))
    cfgs[0]["end"] = 5
    _schedules(cfgs, iters_per_epoch=5, max_epochs=4, max_iters=20)(np.asarray(LRS))


# The optimizer schedules of well-known OpenMMLab configs (their published hyperparameters,
# lengths shrunk to a 3-iteration epoch): every one is exact against mmengine.
_REAL_CONFIGS = {
    "rtmdet": (  # LinearLR warmup, then cosine over the second half (converted)
        [
            dict(type="LinearLR", start_factor=1.0e-5, by_epoch=False, begin=0, end=100),
            dict(type="CosineAnnealingLR", eta_min=0.004 * 0.05, begin=150, end=300,
                 T_max=150, by_epoch=True, convert_to_iter_based=True),
        ],
        300,
    ),
    "mmpretrain_vit_finetune": (
        [
            dict(type="LinearLR", start_factor=1e-3, by_epoch=True, end=20,
                 convert_to_iter_based=True),
            dict(type="CosineAnnealingLR", T_max=80, by_epoch=True, begin=20, end=100,
                 eta_min=1e-5),
        ],
        100,
    ),
    "yolox": (
        [
            dict(type="QuadraticWarmupLR", by_epoch=True, begin=0, end=5,
                 convert_to_iter_based=True),
            dict(type="CosineAnnealingLR", eta_min=0.01 * 0.05, begin=5, T_max=285, end=285,
                 by_epoch=True, convert_to_iter_based=True),
            dict(type="ConstantLR", by_epoch=True, factor=1, begin=285, end=300),
        ],
        300,
    ),
    "mmseg_poly": ([dict(type="PolyLR", eta_min=1e-4, power=0.9, begin=0, by_epoch=False)], 300),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(_REAL_CONFIGS))
def test_published_openmmlab_schedules_match_mmengine(name):
    cfgs, max_epochs = _REAL_CONFIGS[name]
    ipe = 3
    _compare(cfgs, max_epochs * ipe, ipe, max_epochs=max_epochs, max_iters=max_epochs * ipe)


# ---- fractional begin / end (real configs: `end=2.5` epochs, `end=max_epochs * 0.4`) -------


@pytest.mark.parametrize(
    "cfgs",
    [
        # converted: mmengine's build_iter_from_epoch truncates int(end * epoch_length) (7 here)
        [
            dict(
                type="LinearLR",
                start_factor=0.1,
                by_epoch=True,
                end=2.5,
                convert_to_iter_based=True,
            ),
            dict(
                type="CosineAnnealingLR",
                by_epoch=True,
                begin=2.5,
                end=6,
                convert_to_iter_based=True,
            ),
        ],
        # a whole float (max_epochs * 0.4 = 4.0) is the int window
        [dict(type="MultiStepLR", by_epoch=True, begin=0.0, end=6 * 0.4 + 1.6, milestones=[1, 3])],
        [dict(type="CosineAnnealingLR", by_epoch=False, begin=3.0, end=15.0)],
    ],
    ids=["converted_fraction", "epoch_whole_float", "iter_whole_float"],
)
def test_float_begin_end_like_mmengine(cfgs):
    _compare(cfgs, 6 * 3, 3, max_epochs=6, max_iters=18)


def test_fractional_unconverted_end_is_refused_with_the_key():
    timing = param_scheduler.Timing(3, 18, 6, True, 18)
    cfg = dict(type="CosineAnnealingLR", by_epoch=True, end=2.5)
    with pytest.raises(ValueError, match=r"end=2.5.*convert_to_iter_based"):
        param_scheduler.schedules_for([cfg], "lr", timing)
    short = dict(type="LinearLR", by_epoch=True, end=0.2, convert_to_iter_based=True)
    with pytest.raises(ValueError, match="end=0 must be larger than begin=0"):
        param_scheduler.schedules_for([short], "lr", timing)  # int(0.2 * 3) = 0, as mmengine
