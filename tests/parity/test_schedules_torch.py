"""Schedules against torch's lr schedulers and mmengine's parameter schedulers.

Each reference scheduler drives a dummy two-group SGD on CPU; the lr (or momentum) of every
group is recorded before each ``optimizer.step()`` and compared with jaxoptim's schedule for
the mmcv config that section 2.5 of the mmcv reference maps to it, with a per-group base.
"""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.optim import lr_scheduler  # noqa: E402

from jaxoptim.schedules import lr_schedule, momentum_schedule  # noqa: E402

LRS = [0.1, 0.02]
MOMENTA = [0.9, 0.8]


def _optimizer():
    params = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    groups = [
        {"params": params[:1], "lr": LRS[0], "momentum": MOMENTA[0]},
        {"params": params[1:], "lr": LRS[1], "momentum": MOMENTA[1]},
    ]
    return torch.optim.SGD(groups, lr=LRS[0], momentum=MOMENTA[0])


def _record(make_schedulers, n, key="lr"):
    """The ``key`` of every group before each of ``n`` steps, schedulers stepped after each."""
    opt = _optimizer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schedulers = make_schedulers(opt)
        values = []
        for _ in range(n):
            values.append([g[key] for g in opt.param_groups])
            opt.step()
            for s in schedulers:
                s.step()
    return np.asarray(values)


def _ours(kind, cfg, n, *, max_iters=None, ipe=None):
    make = lr_schedule if kind == "lr" else momentum_schedule
    base = np.asarray(LRS if kind == "lr" else MOMENTA)
    f = make(cfg, base, max_iters=max_iters, iters_per_epoch=ipe)
    return np.asarray(jax.jit(jax.vmap(f))(jnp.arange(n)))


# ---- torch.optim.lr_scheduler ----------------------------------------------------------------

N = 60


@pytest.mark.parametrize(
    "three_phase, anneal, pct, total",
    [
        (False, "cos", 0.3, N),
        (False, "linear", 0.25, N + 13),
        (True, "cos", 0.3, N),
        (True, "linear", 0.4, N + 7),
    ],
)
def test_one_cycle_matches_torch_one_cycle_lr(three_phase, anneal, pct, total):
    want = _record(
        lambda opt: [
            lr_scheduler.OneCycleLR(
                opt,
                max_lr=0.5,
                total_steps=total,
                pct_start=pct,
                anneal_strategy=anneal,
                div_factor=20.0,
                final_div_factor=500.0,
                three_phase=three_phase,
                cycle_momentum=False,
            )
        ],
        N,
    )
    cfg = dict(
        policy="OneCycle",
        max_lr=0.5,
        total_steps=total,
        pct_start=pct,
        anneal_strategy=anneal,
        div_factor=20.0,
        final_div_factor=500.0,
        three_phase=three_phase,
    )
    np.testing.assert_allclose(_ours("lr", cfg, N, max_iters=N), want, rtol=1e-6)


@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_momentum_matches_torch_when_total_steps_is_max_iters(three_phase):
    want = _record(
        lambda opt: [
            lr_scheduler.OneCycleLR(
                opt,
                max_lr=0.5,
                total_steps=N,
                base_momentum=0.8,
                max_momentum=0.9,
                three_phase=three_phase,
            )
        ],
        N,
        key="momentum",
    )
    cfg = dict(policy="OneCycle", base_momentum=0.8, max_momentum=0.9, three_phase=three_phase)
    np.testing.assert_allclose(_ours("momentum", cfg, N, max_iters=N), want, rtol=1e-6)


@pytest.mark.parametrize(
    "make, cfg",
    [
        (
            lambda opt: [lr_scheduler.StepLR(opt, step_size=7, gamma=0.5)],
            dict(policy="step", step=7, gamma=0.5, by_epoch=False),
        ),
        (
            lambda opt: [lr_scheduler.MultiStepLR(opt, milestones=[10, 25, 40], gamma=0.3)],
            dict(policy="step", step=[10, 25, 40], gamma=0.3, by_epoch=False),
        ),
        (
            lambda opt: [lr_scheduler.ExponentialLR(opt, gamma=0.95)],
            dict(policy="exp", gamma=0.95, by_epoch=False),
        ),
        (
            lambda opt: [lr_scheduler.CosineAnnealingLR(opt, T_max=N, eta_min=0.005)],
            dict(policy="CosineAnnealing", min_lr=0.005, by_epoch=False),
        ),
        (
            lambda opt: [lr_scheduler.PolynomialLR(opt, total_iters=N, power=2.0)],
            dict(policy="poly", power=2.0, by_epoch=False),
        ),
        (
            lambda opt: [lr_scheduler.LinearLR(opt, start_factor=0.01, total_iters=15)],
            dict(policy="fixed", warmup="linear", warmup_iters=15, warmup_ratio=0.01),
        ),
        (
            lambda opt: [lr_scheduler.ConstantLR(opt, factor=0.25, total_iters=15)],
            dict(policy="fixed", warmup="constant", warmup_iters=15, warmup_ratio=0.25),
        ),
    ],
    ids=[
        "StepLR",
        "MultiStepLR",
        "ExponentialLR",
        "CosineAnnealingLR",
        "PolynomialLR",
        "LinearLR",
        "ConstantLR",
    ],
)
def test_matches_torch_scheduler(make, cfg):
    np.testing.assert_allclose(_ours("lr", cfg, N, max_iters=N), _record(make, N), rtol=1e-6)


def test_epoch_based_step_matches_torch_multistep_stepped_per_epoch():
    ipe, epochs = 4, 12
    opt = _optimizer()
    sched = lr_scheduler.MultiStepLR(opt, milestones=[8, 11], gamma=0.1)
    want = []
    for _ in range(epochs):
        want += [[g["lr"] for g in opt.param_groups]] * ipe
        opt.step()
        sched.step()
    cfg = dict(policy="step", step=[8, 11])  # by_epoch=True, mmcv's default
    got = _ours("lr", cfg, ipe * epochs, max_iters=ipe * epochs, ipe=ipe)
    np.testing.assert_allclose(got, np.asarray(want), rtol=1e-6)


# ---- mmengine parameter schedulers (mmcv -> mmengine, section 2.5) ---------------------------

sched = pytest.importorskip("mmengine.optim.scheduler")
W, P = 12, N


@pytest.mark.parametrize(
    "make, cfg",
    [
        (  # linear warmup = LinearLR(end=W+1) chained with the main schedule
            lambda opt: [
                sched.LinearLR(opt, start_factor=0.001, begin=0, end=W + 1, by_epoch=False),
                sched.CosineAnnealingLR(opt, T_max=P, eta_min=0.0, begin=0, end=P, by_epoch=False),
            ],
            dict(
                policy="CosineAnnealing",
                min_lr=0.0,
                by_epoch=False,
                warmup="linear",
                warmup_iters=W,
                warmup_ratio=0.001,
            ),
        ),
        (  # constant warmup = ConstantLR(end=W+1)
            lambda opt: [
                sched.ConstantLR(opt, factor=0.1, begin=0, end=W + 1, by_epoch=False),
                sched.MultiStepLR(opt, milestones=[20, 40], gamma=0.1, by_epoch=False),
            ],
            dict(
                policy="step",
                step=[20, 40],
                by_epoch=False,
                warmup="constant",
                warmup_iters=W,
                warmup_ratio=0.1,
            ),
        ),
        (  # Poly over P = PolyLR(end=P+1)
            lambda opt: [
                sched.PolyLR(opt, eta_min=1e-4, power=0.9, begin=0, end=P + 1, by_epoch=False)
            ],
            dict(policy="poly", power=0.9, min_lr=1e-4, by_epoch=False),
        ),
        (  # CosineRestart with min_lr 0
            lambda opt: [
                sched.CosineRestartLR(
                    opt,
                    periods=[15, 20, 25],
                    restart_weights=[1, 0.6, 0.3],
                    eta_min=0.0,
                    by_epoch=False,
                )
            ],
            dict(
                policy="CosineRestart",
                periods=[15, 20, 25],
                restart_weights=[1, 0.6, 0.3],
                min_lr=0.0,
                by_epoch=False,
            ),
        ),
        (
            lambda opt: [sched.StepLR(opt, step_size=9, gamma=0.7, by_epoch=False)],
            dict(policy="step", step=9, gamma=0.7, by_epoch=False),
        ),
        (
            lambda opt: [sched.ExponentialLR(opt, gamma=0.97, by_epoch=False)],
            dict(policy="exp", gamma=0.97, by_epoch=False),
        ),
        (  # CosineAnnealing with a ratio target = eta_min_ratio
            lambda opt: [
                sched.CosineAnnealingLR(opt, T_max=P, eta_min_ratio=0.05, end=P, by_epoch=False)
            ],
            dict(policy="CosineAnnealing", min_lr_ratio=0.05, by_epoch=False),
        ),
        (  # FlatCosineAnnealing = CosineAnnealingLR(begin=s, end=P, T_max=P-s)
            lambda opt: [
                sched.CosineAnnealingLR(
                    opt, T_max=P - 45, eta_min=0.0, begin=45, end=P, by_epoch=False
                )
            ],
            dict(policy="FlatCosineAnnealing", start_percent=0.75, min_lr=0.0, by_epoch=False),
        ),
        (  # LinearAnnealing = LinearLR(start_factor=1, end_factor=ratio, end=P+1)
            lambda opt: [
                sched.LinearLR(
                    opt, start_factor=1.0, end_factor=0.02, begin=0, end=P + 1, by_epoch=False
                )
            ],
            dict(policy="LinearAnnealing", min_lr_ratio=0.02, by_epoch=False),
        ),
        (
            lambda opt: [
                sched.OneCycleLR(opt, eta_max=0.4, total_steps=P, by_epoch=False, three_phase=True)
            ],
            dict(policy="OneCycle", max_lr=0.4, three_phase=True),
        ),
    ],
    ids=[
        "linear-warmup+cosine",
        "constant-warmup+multistep",
        "PolyLR",
        "CosineRestartLR",
        "StepLR",
        "ExponentialLR",
        "CosineAnnealingLR-ratio",
        "FlatCosine",
        "LinearLR",
        "OneCycleLR",
    ],
)
def test_matches_mmengine_scheduler(make, cfg):
    np.testing.assert_allclose(_ours("lr", cfg, P, max_iters=P), _record(make, P), rtol=1e-6)


@pytest.mark.parametrize(
    "make, cfg",
    [
        (
            lambda opt: [sched.CosineAnnealingMomentum(opt, T_max=P, eta_min=0.5, by_epoch=False)],
            dict(policy="CosineAnnealing", min_momentum=0.5, by_epoch=False),
        ),
        (
            lambda opt: [
                sched.MultiStepMomentum(opt, milestones=[10, 30], gamma=0.5, by_epoch=False)
            ],
            dict(policy="step", step=[10, 30], by_epoch=False),
        ),
        (
            lambda opt: [
                sched.LinearMomentum(
                    opt, start_factor=1.0, end_factor=0.8, begin=0, end=P + 1, by_epoch=False
                )
            ],
            dict(policy="LinearAnnealing", min_momentum_ratio=0.8, by_epoch=False),
        ),
    ],
    ids=["CosineAnnealingMomentum", "MultiStepMomentum", "LinearMomentum"],
)
def test_momentum_matches_mmengine_scheduler(make, cfg):
    got = _ours("momentum", cfg, P, max_iters=P)
    np.testing.assert_allclose(got, _record(make, P, key="momentum"), rtol=1e-6)


def test_mmcv_and_mmengine_cosine_restart_differ_after_weighted_restart_with_eta_min():
    # Section 2.5: periods [2, 2], weights [1, .5], ratio .1 -> mmcv restarts at t + w (b - t).
    cfg = dict(
        policy="CosineRestart",
        periods=[2, 2],
        restart_weights=[1, 0.5],
        min_lr_ratio=0.1,
        by_epoch=False,
    )
    f = lr_schedule(cfg, 0.1, max_iters=4)
    np.testing.assert_allclose(
        [float(f(i)) for i in range(4)], [0.1, 0.055, 0.055, 0.0325], rtol=1e-6
    )
    engine = _record(
        lambda opt: [
            sched.CosineRestartLR(
                opt, periods=[2, 2], restart_weights=[1, 0.5], eta_min_ratio=0.1, by_epoch=False
            )
        ],
        4,
    )[:, 0]
    np.testing.assert_allclose(engine, [0.1, 0.055, 0.05, 0.03], rtol=1e-6)
