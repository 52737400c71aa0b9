"""lr_schedule / momentum_schedule against mmcv's closed forms at the boundary iterations.

Each case is checked eagerly (Python int iteration) and under ``jax.jit`` with a traced
iteration, for a scalar base and for a per-group (vector) base.
"""

import json
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxoptim.schedules import lr_schedule, momentum_schedule, normalize_policy, policy_keys

BASES = [0.1, np.array([0.1, 0.02])]
MOM_BASES = [0.95, np.array([0.95, 0.9])]


def cos_anneal(start, end, f, weight=1.0):
    return end + 0.5 * weight * (start - end) * (1 + math.cos(math.pi * f))


def lin_anneal(start, end, f):
    return start + (end - start) * f


def check(kind, cfg, expected, iters, *, max_iters, ipe=None):
    """Compares the schedule with ``expected(i, b)`` at ``iters``, scalar and per-group base."""
    make = lr_schedule if kind == "lr" else momentum_schedule
    bases = BASES if kind == "lr" else MOM_BASES
    fns = [make(cfg, base, max_iters=max_iters, iters_per_epoch=ipe) for base in bases]
    jitted = jax.jit(lambda i: [f(i) for f in fns])  # one compile, a traced iteration
    traced = [jitted(jnp.int32(i)) for i in iters]
    for k, (f, base) in enumerate(zip(fns, bases, strict=True)):
        want = np.array([[expected(i, b) for b in np.atleast_1d(base)] for i in iters])
        want = want.reshape((len(iters),) + np.shape(base))
        eager = np.stack([np.asarray(f(i)) for i in iters])
        assert eager.dtype == np.float32 and eager.shape == want.shape
        np.testing.assert_allclose(eager, want, rtol=1e-6, atol=0, err_msg=f"{cfg} eager")
        got = np.stack([np.asarray(t[k]) for t in traced])
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=0, err_msg=f"{cfg} jit")


# (config, max_iters, iters_per_epoch, expected(i, b), boundary iterations)
LR_CASES = {
    "fixed": (dict(policy="fixed"), None, None, lambda i, b: b, [0, 7, 1000]),
    "step_int": (
        dict(policy="step", step=3, by_epoch=False),
        20,
        None,
        lambda i, b: b * 0.1 ** (i // 3),
        [0, 2, 3, 5, 6, 19],
    ),
    "step_list_min_lr": (
        dict(policy="Step", step=[5, 12], gamma=0.5, min_lr=0.03, by_epoch=False),
        20,
        None,
        lambda i, b: max(b * 0.5 ** sum(i >= s for s in (5, 12)), 0.03),
        [0, 4, 5, 11, 12, 19],
    ),
    "step_unsorted_list_first_milestone_above": (
        # mmcv's exponent is the index of the first milestone above the progress.
        dict(policy="step", step=(8, 3), by_epoch=False),
        12,
        None,
        lambda i, b: b * 0.1 ** (0 if i < 8 else 2),
        [0, 3, 7, 8, 11],
    ),
    "exp": (
        dict(policy="exp", gamma=0.95, by_epoch=False),
        None,
        None,
        lambda i, b: b * 0.95**i,
        [0, 1, 10, 19],
    ),
    "exp_long": (
        dict(policy="exp", gamma=0.9995, by_epoch=False),
        None,
        None,
        lambda i, b: b * 0.9995**i,
        [255, 256, 4999, 70000],
    ),
    "poly": (
        dict(policy="poly", power=2.0, min_lr=1e-3, by_epoch=False),
        50,
        None,
        lambda i, b: (b - 1e-3) * (1 - i / 50) ** 2 + 1e-3,
        [0, 25, 49],
    ),
    "poly_fractional_power": (
        dict(policy="poly", power=0.9, by_epoch=False),
        1000,
        None,
        lambda i, b: b * (1 - i / 1000) ** 0.9,
        [0, 1, 500, 999],  # never reaches min_lr: the last value is b * (1/1000)**0.9
    ),
    "inv": (
        dict(policy="inv", gamma=0.1, power=0.5, by_epoch=False),
        None,
        None,
        lambda i, b: b * (1 + 0.1 * i) ** -0.5,
        [0, 1, 99],
    ),
    "inv_power_one": (
        dict(policy="Inv", gamma=0.01, by_epoch=False),
        None,
        None,
        lambda i, b: b / (1 + 0.01 * i),
        [0, 1, 999],
    ),
    "cosine_ratio": (
        dict(policy="cosine_annealing", min_lr_ratio=0.1, by_epoch=False),
        40,
        None,
        lambda i, b: cos_anneal(b, 0.1 * b, i / 40),
        [0, 1, 20, 39],
    ),
    "cosine_min_lr_shared_by_groups": (
        dict(policy="CosineAnnealing", min_lr=0.01, by_epoch=False),
        40,
        None,
        lambda i, b: cos_anneal(b, 0.01, i / 40),
        [0, 20, 39],
    ),
    "flat_cosine_bankers_rounding": (
        # round(25 * 0.5) == 12 (banker's rounding), so annealing starts at iteration 12.
        dict(policy="FlatCosineAnnealing", start_percent=0.5, min_lr=0.0, by_epoch=False),
        25,
        None,
        lambda i, b: b if i < 12 else cos_anneal(b, 0.0, (i - 12) / 13),
        [0, 11, 12, 13, 24],
    ),
    "flat_cosine_int_start_percent": (
        dict(policy="flatcosineannealing", start_percent=0, min_lr_ratio=0.0, by_epoch=False),
        10,
        None,
        lambda i, b: cos_anneal(b, 0.0, i / 10),
        [0, 5, 9],
    ),
    "cosine_restart": (
        dict(
            policy="CosineRestart",
            periods=[5, 10, 5],
            restart_weights=[1, 0.5, 0.25],
            min_lr_ratio=0.1,
            by_epoch=False,
        ),
        20,
        None,
        lambda i, b: cos_anneal(
            b,
            0.1 * b,
            (i - (0 if i < 5 else 5 if i < 15 else 15)) / (5 if i < 5 else 10 if i < 15 else 5),
            1 if i < 5 else 0.5 if i < 15 else 0.25,
        ),
        [0, 4, 5, 6, 14, 15, 19],
    ),
    "linear_annealing": (
        dict(policy="linear_annealing", min_lr_ratio=0.0, by_epoch=False),
        30,
        None,
        lambda i, b: lin_anneal(b, 0.0, i / 30),
        [0, 15, 29],
    ),
}


def cyclic_lr(i, b, *, m, times, up_ratio, r0, r1, gamma=1.0, anneal=cos_anneal):
    period = m // times
    up = int(up_ratio * period)
    pos, s = i % period, gamma ** (i // period)
    if pos < up:
        return anneal(b, b * (1 - s + r0 * s), pos / up)
    if up == 0:
        return anneal(b * r0, b * (1 - s + r1 * s), pos / period)
    return anneal(b * (1 - s + r0 * s), b * r1, (pos - up) / (period - up))


LR_CASES.update(
    {
        "cyclic_default_list_ratio": (
            dict(policy="cyclic", target_ratio=[10, 1e-4]),
            100,
            None,
            lambda i, b: cyclic_lr(i, b, m=100, times=1, up_ratio=0.4, r0=10, r1=1e-4),
            [0, 1, 39, 40, 41, 99],
        ),
        "cyclic_gamma_partial_extra_cycle": (
            dict(policy="Cyclic", target_ratio=5, cyclic_times=3, step_ratio_up=0.3, gamma=0.5),
            100,
            None,
            # 100 // 3 = 33 per cycle: iteration 99 starts a partial fourth cycle.
            lambda i, b: cyclic_lr(i, b, m=100, times=3, up_ratio=0.3, r0=5, r1=5e-5, gamma=0.5),
            [0, 9, 10, 32, 33, 42, 43, 65, 66, 98, 99],
        ),
        "cyclic_linear_no_up_phase": (
            dict(
                policy="cyclic",
                target_ratio=(2.0,),
                step_ratio_up=0,
                cyclic_times=2,
                gamma=0.5,
                anneal_strategy="linear",
            ),
            40,
            None,
            lambda i, b: cyclic_lr(
                i, b, m=40, times=2, up_ratio=0, r0=2.0, r1=2e-5, gamma=0.5, anneal=lin_anneal
            ),
            [0, 1, 19, 20, 39],
        ),
    }
)


def one_cycle(i, *, max_lr, total, pct, div=25.0, final=1e4, three=False, anneal=cos_anneal):
    b = max_lr / div
    if three:
        phases = [
            (pct * total - 1, 1, div),
            (2 * pct * total - 2, div, 1),
            (total - 1, 1, 1 / final),
        ]
    else:
        phases = [(pct * total - 1, 1, div), (total - 1, div, 1 / final)]
    start = 0
    for end, m0, m1 in phases:
        if i <= end:
            return anneal(b * m0, b * m1, (i - start) / (end - start))
        start = end
    raise AssertionError(i)


LR_CASES.update(
    {
        "one_cycle_ignores_base_lr": (
            dict(policy="OneCycle", max_lr=0.5),
            100,
            None,
            lambda i, b: one_cycle(i, max_lr=0.5, total=100, pct=0.3),
            [0, 1, 29, 30, 99],
        ),
        "one_cycle_three_phase_linear": (
            dict(
                policy="one_cycle",
                max_lr=[0.5],
                three_phase=True,
                anneal_strategy="linear",
                pct_start=0.25,
                total_steps=120,
            ),
            100,
            None,
            lambda i, b: one_cycle(
                i, max_lr=0.5, total=120, pct=0.25, three=True, anneal=lin_anneal
            ),
            [0, 29, 30, 58, 59, 99],
        ),
    }
)

WARMUPS = {
    "constant": lambda i, w, r: r,
    "linear": lambda i, w, r: 1 - (1 - i / w) * (1 - r),
    "exp": lambda i, w, r: r ** (1 - i / w),
}


@pytest.mark.parametrize("name", sorted(LR_CASES))
def test_lr_policy_closed_form(name):
    cfg, max_iters, ipe, expected, iters = LR_CASES[name]
    check("lr", cfg, expected, iters, max_iters=max_iters, ipe=ipe)


@pytest.mark.parametrize("warmup", sorted(WARMUPS))
def test_lr_warmup_multiplies_the_iteration_schedule(warmup):
    cfg = dict(
        policy="step", step=[6], by_epoch=False, warmup=warmup, warmup_iters=8, warmup_ratio=0.01
    )

    def expected(i, b):
        regular = b * 0.1 ** (i >= 6)
        return regular * WARMUPS[warmup](i, 8, 0.01) if i < 8 else regular

    check("lr", cfg, expected, [0, 1, 5, 6, 7, 8, 9], max_iters=20)


@pytest.mark.parametrize("warmup", sorted(WARMUPS))
def test_lr_warmup_by_epoch_counts_iterations_and_multiplies_epoch_value(warmup):
    # 4 iterations per epoch; warmup spans 2.5 epochs, the step happens at epoch 2 (iter 8).
    cfg = dict(policy="step", step=[2], warmup=warmup, warmup_iters=10, warmup_ratio=0.2)

    def expected(i, b):
        regular = b * 0.1 ** (i // 4 >= 2)
        return regular * WARMUPS[warmup](i, 10, 0.2) if i < 10 else regular

    check("lr", cfg, expected, [0, 3, 4, 7, 8, 9, 10, 11, 39], max_iters=40, ipe=4)


def test_integral_float_warmup_iters_accepted_as_mmcv_does():
    cfg = dict(policy="fixed", warmup="linear", warmup_iters=4.0, warmup_ratio=0.5)
    f = lr_schedule(cfg, 1.0, max_iters=None)
    np.testing.assert_allclose([float(f(i)) for i in (0, 2, 4)], [0.5, 0.75, 1.0], rtol=1e-7)
    with pytest.raises(ValueError, match="warmup_iters"):
        lr_schedule(dict(cfg, warmup_iters=2.5), 1.0, max_iters=None)


def test_warmup_by_epoch_uses_epochs_for_warmup_length():
    cfg = dict(
        policy="fixed", warmup="linear", warmup_iters=2, warmup_ratio=0.5, warmup_by_epoch=True
    )
    expected = lambda i, b: b * (1 - (1 - i / 10) * 0.5) if i < 10 else b
    check("lr", cfg, expected, [0, 5, 9, 10], max_iters=30, ipe=5)


@pytest.mark.parametrize(
    "cfg, expected",
    [
        (dict(policy="poly", power=1.0), lambda e, b: b * (1 - e / 6)),
        (dict(policy="cosine_annealing", min_lr=0.0), lambda e, b: cos_anneal(b, 0.0, e / 6)),
        (
            dict(policy="linear_annealing", min_lr_ratio=0.5),
            lambda e, b: lin_anneal(b, b / 2, e / 6),
        ),
        (dict(policy="exp", gamma=0.5), lambda e, b: b * 0.5**e),
        (
            dict(policy="CosineRestart", periods=[2, 4], restart_weights=[1, 0.5], min_lr=0.0),
            lambda e, b: cos_anneal(
                b, 0.0, (e if e < 2 else e - 2) / (2 if e < 2 else 4), 1 if e < 2 else 0.5
            ),
        ),
        (
            dict(policy="flat_cosine_annealing", start_percent=0.5, min_lr=0.0),
            lambda e, b: b if e < 3 else cos_anneal(b, 0.0, (e - 3) / 3),
        ),
    ],
)
def test_by_epoch_policies_use_the_epoch_and_max_epochs(cfg, expected):
    # 5 iterations per epoch, 6 epochs.
    check(
        "lr",
        cfg,
        lambda i, b: expected(i // 5, b),
        [0, 4, 5, 9, 10, 14, 15, 29],
        max_iters=30,
        ipe=5,
    )


def test_fixed_by_epoch_needs_no_epoch_length():
    f = lr_schedule(
        dict(policy="fixed", warmup="constant", warmup_iters=3, warmup_ratio=0.5),
        0.2,
        max_iters=None,
    )
    np.testing.assert_allclose([float(f(i)) for i in (0, 2, 3)], [0.1, 0.1, 0.2], rtol=1e-7)


# ---- momentum ----------------------------------------------------------------------------

MOMENTUM_CASES = {
    "step": (
        dict(policy="step", step=[4, 8], min_momentum=0.3, by_epoch=False),
        None,
        None,
        lambda i, m: max(m * 0.5 ** sum(i >= s for s in (4, 8)), 0.3),
        [0, 3, 4, 7, 8, 20],
    ),
    "cosine": (
        dict(policy="CosineAnnealing", min_momentum_ratio=0.9, by_epoch=False),
        40,
        None,
        lambda i, m: cos_anneal(m, 0.9 * m, i / 40),
        [0, 20, 39],
    ),
    "linear_by_epoch": (
        dict(policy="LinearAnnealing", min_momentum=0.85),
        40,
        4,
        lambda i, m: lin_anneal(m, 0.85, (i // 4) / 10),
        [0, 3, 4, 39],
    ),
    "cyclic_default_falls_then_rises": (
        dict(policy="cyclic"),
        100,
        None,
        lambda i, m: cyclic_lr(i, m, m=100, times=1, up_ratio=0.4, r0=0.85 / 0.95, r1=1.0),
        [0, 39, 40, 99],
    ),
    "one_cycle_ignores_base_uses_max_iters": (
        # total_steps belongs to the lr OneCycle only: momentum phases use max_iters.
        dict(policy="OneCycle", base_momentum=0.8, max_momentum=0.9),
        50,
        None,
        lambda i, m: (
            cos_anneal(0.9, 0.8, i / 14) if i <= 14 else cos_anneal(0.8, 0.9, (i - 14) / 35)
        ),
        [0, 14, 15, 49],
    ),
    "one_cycle_three_phase_int_pct": (
        dict(policy="one_cycle", three_phase=True, pct_start=0.2, anneal_strategy="linear"),
        50,
        None,
        lambda i, m: (
            lin_anneal(0.95, 0.85, i / 9)
            if i <= 9
            else lin_anneal(0.85, 0.95, (i - 9) / 9)
            if i <= 18
            else 0.95
        ),
        [0, 9, 10, 18, 19, 49],
    ),
}


@pytest.mark.parametrize("name", sorted(MOMENTUM_CASES))
def test_momentum_policy_closed_form(name):
    cfg, max_iters, ipe, expected, iters = MOMENTUM_CASES[name]
    check("momentum", cfg, expected, iters, max_iters=max_iters, ipe=ipe)


@pytest.mark.parametrize("warmup", sorted(WARMUPS))
def test_momentum_warmup_divides(warmup):
    cfg = dict(policy="step", step=[2], warmup=warmup, warmup_iters=6, warmup_ratio=0.5)

    def expected(i, m):
        regular = m * 0.5 ** (i // 4 >= 2)
        return regular / WARMUPS[warmup](i, 6, 0.5) if i < 6 else regular

    check("momentum", cfg, expected, [0, 3, 4, 5, 6, 8], max_iters=40, ipe=4)


def test_momentum_constant_warmup_exceeds_one_as_in_mmcv():
    f = momentum_schedule(
        dict(policy="cyclic", warmup="constant", warmup_iters=5, warmup_ratio=0.5),
        0.95,
        max_iters=10,
    )
    assert float(f(0)) == pytest.approx(1.9, rel=1e-7)  # mmcv's own test: 0.95 / 0.5


# ---- API behaviour -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("step", "Step"),
        ("Step", "Step"),
        ("cosineannealing", "CosineAnnealing"),
        ("CosineAnnealing", "CosineAnnealing"),
        ("cosine_annealing", "CosineAnnealing"),
        ("Flat_Cosine_Annealing", "FlatCosineAnnealing"),
        ("one-cycle", "OneCycle"),
        ("linearannealing", "LinearAnnealing"),
        ("cosinerestart", "CosineRestart"),
    ],
)
def test_normalize_policy(name, canonical):
    assert normalize_policy(name) == canonical


def test_unknown_policy_lists_valid_ones_and_suggests():
    with pytest.raises(ValueError, match="policy") as err:
        normalize_policy("cosin_anealing")
    assert "'CosineAnnealing'" in str(err.value) and "OneCycle" in str(err.value)
    with pytest.raises(ValueError, match="Poly"):
        momentum_schedule(dict(policy="poly"), 0.9, max_iters=10)


def test_policy_keys_documents_defaults():
    lr, mom = policy_keys("lr"), policy_keys("momentum")
    assert set(lr) == {
        "Fixed",
        "Step",
        "Exp",
        "Poly",
        "Inv",
        "CosineAnnealing",
        "FlatCosineAnnealing",
        "CosineRestart",
        "Cyclic",
        "OneCycle",
        "LinearAnnealing",
    }
    assert set(mom) == {"Step", "CosineAnnealing", "LinearAnnealing", "Cyclic", "OneCycle"}
    assert lr["Cyclic"]["target_ratio"] == (10, 1e-4) and lr["Cyclic"]["by_epoch"] is False
    assert lr["Step"]["by_epoch"] is True and repr(lr["Step"]["step"]) == "<required>"
    assert mom["Cyclic"]["target_ratio"] == (0.85 / 0.95, 1.0)
    assert mom["Step"]["warmup_ratio"] == 0.9 and "warmup_by_epoch" not in mom["Step"]


def test_traced_iteration_compiles_once():
    traces = []
    f = lr_schedule(dict(policy="cyclic"), np.array([0.1, 0.01]), max_iters=100)

    @jax.jit
    def g(i):
        traces.append(1)
        return f(i)

    values = [g(jnp.int32(i)) for i in range(0, 100, 7)]
    assert len(traces) == 1
    assert values[0].shape == (2,) and values[0].dtype == jnp.float32
    np.testing.assert_allclose(values[0], [0.1, 0.01], rtol=1e-7)


def test_vmap_over_iterations():
    f = lr_schedule(dict(policy="poly", by_epoch=False), 0.1, max_iters=10)
    np.testing.assert_allclose(
        jax.vmap(f)(jnp.arange(10)), 0.1 * (1 - np.arange(10) / 10), rtol=1e-6
    )


@pytest.mark.parametrize("policy", ["fixed", "step", "exp", "inv"])
def test_policies_without_length_take_max_iters_none(policy):
    extra = {"step": dict(step=2), "exp": dict(gamma=0.5), "inv": dict(gamma=0.5)}.get(policy, {})
    f = lr_schedule(dict(policy=policy, by_epoch=False, **extra), 0.1, max_iters=None)
    assert float(f(0)) == pytest.approx(0.1, rel=1e-7)


# ---- bad configs -------------------------------------------------------------------------

BAD = [
    # (kind, config, kwargs, exception, words that must appear)
    ("lr", dict(step=[1]), {}, ValueError, ["policy"]),
    ("lr", dict(policy="cosine_anealing"), {}, ValueError, ["policy", "CosineAnnealing"]),
    ("lr", dict(policy="cyclic", min_lr=0.1), {}, TypeError, ["min_lr"]),
    (
        "lr",
        dict(policy="step", step=[2], gama=0.5, by_epoch=False),
        {},
        TypeError,
        ["gama", "gamma"],
    ),
    ("lr", dict(policy="step", by_epoch=False), {}, TypeError, ["step"]),
    ("lr", dict(policy="exp", by_epoch=False), {}, TypeError, ["gamma"]),
    ("lr", dict(policy="inv", power=2.0, by_epoch=False), {}, TypeError, ["gamma"]),
    ("lr", dict(policy="step", step=[2]), {}, ValueError, ["by_epoch", "iters_per_epoch"]),
    ("lr", dict(policy="step", step=0, by_epoch=False), {}, ValueError, ["step"]),
    ("lr", dict(policy="step", step=[2, -1], by_epoch=False), {}, ValueError, ["step"]),
    ("lr", dict(policy="step", step="2", by_epoch=False), {}, TypeError, ["step"]),
    ("lr", dict(policy="cyclic", target_ratio=(1, 2, 3)), {}, ValueError, ["target_ratio"]),
    ("lr", dict(policy="cyclic", target_ratio="10"), {}, ValueError, ["target_ratio"]),
    ("lr", dict(policy="cyclic", by_epoch=True), {"iters_per_epoch": 10}, ValueError, ["by_epoch"]),
    ("lr", dict(policy="onecycle", max_lr=0.1, by_epoch=True), {}, ValueError, ["by_epoch"]),
    ("lr", dict(policy="cyclic", step_ratio_up=1.0), {}, ValueError, ["step_ratio_up"]),
    ("lr", dict(policy="cyclic", gamma=1.5), {}, ValueError, ["gamma"]),
    ("lr", dict(policy="cyclic", anneal_strategy="cosine"), {}, ValueError, ["anneal_strategy"]),
    ("lr", dict(policy="cyclic", cyclic_times=0), {}, ValueError, ["cyclic_times"]),
    ("lr", dict(policy="cyclic", cyclic_times=200), {}, ValueError, ["cyclic_times"]),
    (
        "lr",
        dict(
            policy="CosineRestart",
            periods=[30, 30],
            restart_weights=[1, 1],
            min_lr=0.0,
            by_epoch=False,
        ),
        {},
        ValueError,
        ["periods"],
    ),
    (
        "lr",
        dict(policy="CosineRestart", periods=[5, 5], restart_weights=[1, 1], min_lr=0.0),
        {"max_iters": 100, "iters_per_epoch": 9},
        ValueError,
        ["periods", "epochs"],
    ),
    (
        "lr",
        dict(
            policy="CosineRestart",
            periods=[60, 60],
            restart_weights=[1],
            min_lr=0.0,
            by_epoch=False,
        ),
        {},
        ValueError,
        ["restart_weights"],
    ),
    (
        "lr",
        dict(policy="step", step=[2], by_epoch=False, warmup="cosine", warmup_iters=5),
        {},
        ValueError,
        ["warmup"],
    ),
    (
        "lr",
        dict(policy="step", step=[2], by_epoch=False, warmup="linear", warmup_ratio=0.1),
        {},
        ValueError,
        ["warmup_iters"],
    ),
    (
        "lr",
        dict(policy="fixed", warmup="linear", warmup_iters=5, warmup_ratio=0.0),
        {},
        ValueError,
        ["warmup_ratio"],
    ),
    (
        "lr",
        dict(policy="fixed", warmup="linear", warmup_iters=5, warmup_ratio=1.5),
        {},
        ValueError,
        ["warmup_ratio"],
    ),
    (
        "lr",
        dict(policy="fixed", warmup="linear", warmup_iters=2, warmup_by_epoch=True),
        {},
        ValueError,
        ["warmup_by_epoch", "iters_per_epoch"],
    ),
    (
        "lr",
        dict(policy="CosineAnnealing", by_epoch=False),
        {},
        ValueError,
        ["min_lr", "min_lr_ratio"],
    ),
    (
        "lr",
        dict(policy="LinearAnnealing", min_lr=0.0, min_lr_ratio=0.1, by_epoch=False),
        {},
        ValueError,
        ["min_lr", "min_lr_ratio"],
    ),
    ("lr", dict(policy="poly", by_epoch=False), {"max_iters": None}, ValueError, ["max_iters"]),
    (
        "lr",
        dict(policy="FlatCosineAnnealing", start_percent=1.5, min_lr=0.0, by_epoch=False),
        {},
        ValueError,
        ["start_percent"],
    ),
    ("lr", dict(policy="OneCycle", max_lr=[0.1, 0.2]), {}, ValueError, ["max_lr"]),
    ("lr", dict(policy="OneCycle", max_lr=0.1, total_steps=50), {}, ValueError, ["total_steps"]),
    ("lr", dict(policy="OneCycle", max_lr=0.1, pct_start=2), {}, ValueError, ["pct_start"]),
    ("lr", dict(policy="OneCycle", max_lr=0.1, pct_start=0.01), {}, ValueError, ["pct_start"]),
    ("lr", dict(policy="OneCycle", max_lr=0.1, three_phase="yes"), {}, TypeError, ["three_phase"]),
    ("lr", [("policy", "step")], {}, TypeError, ["lr_config"]),
    ("lr", dict(policy="fixed"), {"max_iters": 0}, ValueError, ["max_iters"]),
    ("lr", dict(policy="poly", power="2", by_epoch=False), {}, TypeError, ["power"]),
    ("momentum", dict(policy="cyclic", warmup_by_epoch=True), {}, TypeError, ["warmup_by_epoch"]),
    (
        "momentum",
        dict(policy="step", step=[2], min_lr=0.1, by_epoch=False),
        {},
        TypeError,
        ["min_lr"],
    ),
    ("momentum", dict(policy="OneCycle", base_momentum="0.8"), {}, ValueError, ["base_momentum"]),
    (
        "momentum",
        dict(policy="CosineAnnealing"),
        {"iters_per_epoch": 10},
        ValueError,
        ["min_momentum", "min_momentum_ratio"],
    ),
]


@pytest.mark.parametrize("kind, cfg, kwargs, exc, words", BAD, ids=[str(b[1]) for b in BAD])
def test_bad_config_names_the_key(kind, cfg, kwargs, exc, words):
    make = lr_schedule if kind == "lr" else momentum_schedule
    kwargs = {"max_iters": 100, **kwargs}
    with pytest.raises(exc) as err:
        make(cfg, 0.1, **kwargs)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_bad_base_shape():
    with pytest.raises(ValueError, match="base_lr"):
        lr_schedule(dict(policy="fixed"), np.ones((2, 2)), max_iters=10)


# ---- mmcv 1.7.2 itself (values recorded by tests/data/gen_mmcv_schedules.py) --------------

MMCV = json.loads((Path(__file__).parent / "data" / "mmcv_schedules.json").read_text())


def test_mmcv_recording_covers_every_policy_and_warmup():
    cases = MMCV["cases"].values()
    assert MMCV["mmcv_version"] == "1.7.2"
    lr = {normalize_policy(c["config"]["policy"]) for c in cases if c["kind"] == "lr"}
    mom = {normalize_policy(c["config"]["policy"]) for c in cases if c["kind"] == "momentum"}
    assert lr == set(policy_keys("lr")) and mom == set(policy_keys("momentum"))
    for kind in ("lr", "momentum"):
        for by_epoch in (True, False):
            warmups = {
                c["config"].get("warmup")
                for c in cases
                if c["kind"] == kind and _by_epoch(kind, c["config"]) == by_epoch
            }
            assert {"constant", "linear", "exp"} <= warmups, (kind, by_epoch)


def _by_epoch(kind, config):
    default = policy_keys(kind)[normalize_policy(config["policy"], kind=kind)]["by_epoch"]
    return config.get("by_epoch", default)


@pytest.fixture(scope="module")
def jaxoptim_on_mmcv_cases():
    """Every recorded case evaluated by jaxoptim at every iteration, in one compiled call."""
    fns = {}
    for name, case in MMCV["cases"].items():
        make = lr_schedule if case["kind"] == "lr" else momentum_schedule
        # JSON turned mmcv's tuples (target_ratio) into lists: accepted as well.
        f = make(
            case["config"],
            np.asarray(case["base"]),
            max_iters=case["max_iters"],
            iters_per_epoch=case["iters_per_epoch"],
        )
        fns[name] = (f, case["max_iters"])
    run = jax.jit(lambda: {k: jax.vmap(f)(jnp.arange(n)) for k, (f, n) in fns.items()})
    return jax.tree.map(np.asarray, run())


@pytest.mark.parametrize("name", sorted(MMCV["cases"]))
def test_matches_mmcv_1_7_2(name, jaxoptim_on_mmcv_cases):
    want = np.asarray(MMCV["cases"][name]["values"])
    np.testing.assert_allclose(jaxoptim_on_mmcv_cases[name], want, rtol=1e-6, atol=0)


# ---- plot ----------------------------------------------------------------------------------

SEED_CYCLIC = dict(
    optimizer=dict(type="SGD", lr=0.01, momentum=0.95, weight_decay=1e-4),
    lr_config=dict(policy="cyclic", target_ratio=(10, 1e-4), cyclic_times=1, step_ratio_up=0.4),
    momentum_config=dict(
        policy="cyclic", target_ratio=(0.85 / 0.95, 1), cyclic_times=1, step_ratio_up=0.4
    ),
    runner=dict(type="IterBasedRunner", max_iters=100),
)


def test_plot_schedules_writes_a_png_of_the_schedule_values(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from jaxoptim import plot

    figures = []
    draw = plot.draw_schedules
    monkeypatch.setattr(
        plot, "draw_schedules", lambda *a, **k: figures.append(draw(*a, **k)) or figures[-1]
    )
    out = plot.plot_schedules(SEED_CYCLIC, tmp_path / "sub" / "cyclic.png")
    assert out == tmp_path / "sub" / "cyclic.png"
    data = out.read_bytes()
    assert len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"
    lr_axis, momentum_axis = figures[0].axes
    x = np.arange(100)
    lr = jax.jit(jax.vmap(lr_schedule(SEED_CYCLIC["lr_config"], 0.01, max_iters=100)))(x)
    mom = jax.jit(jax.vmap(momentum_schedule(SEED_CYCLIC["momentum_config"], 0.95, max_iters=100)))(
        x
    )
    np.testing.assert_array_equal(lr_axis.lines[0].get_xdata(), x)
    np.testing.assert_array_equal(lr_axis.lines[0].get_ydata(), lr)
    np.testing.assert_array_equal(momentum_axis.lines[0].get_ydata(), mom)
    assert lr_axis.get_ylabel() == "lr" and momentum_axis.get_ylabel() == "momentum"
    assert float(np.max(lr_axis.lines[0].get_ydata())) == pytest.approx(0.1, rel=1e-6)


def test_schedule_values_epoch_runner_betas_and_groups():
    from jaxoptim.plot import schedule_values

    cfg = dict(
        optimizer=dict(type="AdamW", lr=1e-3, betas=(0.9, 0.999)),
        lr_config=dict(policy="step", step=[2], warmup="linear", warmup_iters=3),
        momentum_config=dict(policy="step", step=[1], gamma=0.9),
        runner=dict(type="EpochBasedRunner", max_epochs=4),
    )
    values = schedule_values(cfg, iters_per_epoch=5)
    assert values["lr"].shape == (20,) and values["momentum"].shape == (20,)
    np.testing.assert_allclose(values["lr"][[0, 3, 9, 10]], [1e-4, 1e-3, 1e-3, 1e-4], rtol=1e-6)
    np.testing.assert_allclose(values["momentum"][[4, 5]], [0.9, 0.81], rtol=1e-6)
    groups = schedule_values(cfg, iters_per_epoch=5, base_lr=np.array([1e-3, 1e-4]))
    np.testing.assert_allclose(groups["lr"][10], [1e-4, 1e-5], rtol=1e-6)
    with pytest.raises(ValueError, match="iters_per_epoch"):
        schedule_values(cfg)
    no_lr = dict(cfg, lr_config=None, momentum_config=None)
    np.testing.assert_allclose(schedule_values(no_lr, iters_per_epoch=5)["lr"], 1e-3, rtol=1e-7)


@pytest.mark.parametrize("engine", [False, True])
def test_schedule_values_default_to_the_optimizer_types_lr_and_momentum(engine):
    # mmocr's sdmgr configs set no optimizer.lr: torch's Adam group starts at lr=1e-3 and
    # betas[0]=0.9, which the torch optimizer here shows, as make_optimizer uses them
    import torch

    from jaxoptim.plot import schedule_values

    group = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))]).param_groups[0]
    if engine:
        cfg = dict(
            optim_wrapper=dict(optimizer=dict(type="Adam", weight_decay=1e-4)),
            param_scheduler=[
                dict(type="MultiStepLR", milestones=[2], end=4),
                dict(type="StepMomentum", step_size=1, gamma=0.5, end=4),
            ],
            train_cfg=dict(type="EpochBasedTrainLoop", max_epochs=4),
        )
    else:
        cfg = dict(
            optimizer=dict(type="Adam", weight_decay=1e-4),
            lr_config=dict(policy="step", step=[2]),
            momentum_config=dict(policy="step", step=[1], gamma=0.5),
            runner=dict(type="EpochBasedRunner", max_epochs=4),
        )
    values = schedule_values(cfg, iters_per_epoch=2)
    lr, beta = group["lr"], group["betas"][0]
    np.testing.assert_allclose(values["lr"][[0, 3, 4]], [lr, lr, lr * 0.1], rtol=1e-6)
    np.testing.assert_allclose(values["momentum"][[0, 2]], [beta, beta * 0.5], rtol=1e-6)


# ---- mmcv 1.7.2's runners and their defaults (tests/data/gen_mmcv_runners.py) -------------

RUNNERS = json.loads((Path(__file__).parent / "data" / "mmcv_runners.json").read_text())


@pytest.mark.parametrize("name", sorted(RUNNERS["cases"]))
def test_runner_defaults_match_mmcv_runners(name):
    """IterBasedRunner defaults lr_config.by_epoch to False, not momentum_config's; an
    epoch-based updater under it never changes the value (mmcv never starts its epoch)."""
    import warnings

    from jaxoptim.plot import schedule_values

    case = RUNNERS["cases"][name]
    assert RUNNERS["mmcv_version"] == "1.7.2"
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1, momentum=0.9),
        lr_config=case["lr_config"],
        momentum_config=case["momentum_config"],
        runner=case["runner"],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = schedule_values(
            cfg,
            iters_per_epoch=case["iters_per_epoch"],
            base_lr=np.array(RUNNERS["base"]["lr"]),
            base_momentum=np.array(RUNNERS["base"]["momentum"]),
        )
    inert = name in ("iter_step_by_epoch_true", "iter_momentum_step_default")
    assert any("by_epoch=True under IterBasedRunner" in str(w.message) for w in caught) == inert
    np.testing.assert_allclose(values["lr"], case["lr"], rtol=1e-6)
    if "momentum" in values:
        np.testing.assert_allclose(values["momentum"], case["momentum"], rtol=1e-6)
    else:
        np.testing.assert_allclose(case["momentum"], [RUNNERS["base"]["momentum"]] * 12)


def test_iter_runner_lr_decays_in_make_optimizer_without_by_epoch():
    """The trial's silent bug: lr_config without by_epoch under an IterBasedRunner decayed never
    (or raised for want of iters_per_epoch); mmcv schedules it per iteration."""
    from jaxoptim import make_optimizer

    case = RUNNERS["cases"]["iter_step_default"]
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1, momentum=0.9),
        lr_config=case["lr_config"],
        runner=case["runner"],
    )
    tx = make_optimizer(cfg)  # no iters_per_epoch needed: the schedule is per iteration
    params = {"w": jnp.ones(2)}
    state = tx.init(params)
    update = jax.jit(tx.update)
    lrs = []
    for _ in range(12):
        _, state = update({"w": jnp.ones(2)}, state, params)
        lrs.append(float(state.hyperparams["lr"][0]))
    np.testing.assert_allclose(lrs, [v[0] for v in case["lr"]], rtol=1e-6)


def test_runner_defaults_from_total_epochs_and_total_iters():
    from jaxoptim.builder import runner_defaults

    old = dict(lr_config=dict(policy="step", step=[2]), total_epochs=3)
    assert runner_defaults(old)["runner"] == {"type": "EpochBasedRunner", "max_epochs": 3}
    assert "by_epoch" not in runner_defaults(old)["lr_config"]
    seg = dict(lr_config=dict(policy="poly", power=0.9), total_iters=80)
    filled = runner_defaults(seg)
    assert filled["runner"] == {"type": "IterBasedRunner", "max_iters": 80}
    assert filled["lr_config"]["by_epoch"] is False and "by_epoch" not in seg["lr_config"]
    scoped = runner_defaults(
        dict(
            lr_config=dict(policy="step", step=[2]),
            runner=dict(type="mmcv.IterBasedRunner", max_iters=4),
        )
    )
    assert scoped["lr_config"]["by_epoch"] is False
    with pytest.raises(ValueError, match="total_epochs"):
        runner_defaults(dict(total_epochs=3, runner=dict(type="EpochBasedRunner", max_epochs=4)))
    with pytest.raises(ValueError, match="total_iters"):
        runner_defaults(dict(total_iters=0))
    with pytest.raises(ValueError, match=r"runner.type='MyRunner'.*lr_config"):
        runner_defaults(dict(lr_config=dict(policy="step", step=[2]), runner=dict(type="MyRunner")))
    mine = dict(
        lr_config=dict(policy="step", step=[2], by_epoch=False), runner=dict(type="MyRunner")
    )
    assert runner_defaults(mine)["lr_config"] == mine["lr_config"]


def test_step_empty_list_is_a_constant_like_mmcv():
    fn = jax.jit(
        lr_schedule(dict(policy="step", step=[], by_epoch=False, min_lr=0.05), 0.02, max_iters=200)
    )
    np.testing.assert_allclose([float(fn(i)) for i in (0, 5, 100)], [0.05] * 3)
    fn = jax.jit(
        momentum_schedule(dict(policy="step", step=[], by_epoch=False), 0.9, max_iters=200)
    )
    np.testing.assert_allclose(float(fn(7)), 0.9, rtol=1e-7)


def test_feature_config_swin_dist_optimizer_hook_builds_and_schedules():
    """Swin's mask_rcnn 3x config: EpochBasedRunnerAmp keeps by_epoch=True; linear warmup over
    500 iterations, then x0.1 at epochs 27 and 33 (mmcv's StepLrUpdaterHook)."""
    from jaxoptim import make_optimizer
    from jaxoptim.config import Config
    from jaxoptim.plot import schedule_values

    path = Path(__file__).parent / "data" / "feature_configs"
    cfg = Config.fromfile(path / "swin_mask_rcnn_tiny_3x_dist_optimizer_hook.py")
    ipe = 100
    tx = make_optimizer(cfg, iters_per_epoch=ipe)
    assert tx.info.loss_scaling and tx.info.cumulative_iters == 1
    assert tx.info.max_iters == 36 * ipe
    lr = schedule_values(cfg, iters_per_epoch=ipe)["lr"]
    i = np.array([0, 250, 499, 500, 27 * ipe - 1, 27 * ipe, 33 * ipe, 36 * ipe - 1])
    regular = np.where(i < 27 * ipe, 1e-4, np.where(i < 33 * ipe, 1e-5, 1e-6))
    warmup = regular * (1 - (1 - i / 500) * (1 - 0.001))
    np.testing.assert_allclose(lr[i], np.where(i < 500, warmup, regular), rtol=1e-5)
