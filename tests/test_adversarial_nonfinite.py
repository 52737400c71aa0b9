"""With loss scaling on, a non-finite gradient never reaches the parameters or the statistics.

torch's ``GradScaler`` (mmcv's ``Fp16OptimizerHook``) skips a step whose unscaled gradients hold
an inf or a NaN, and with gradient accumulation (``GradientCumulativeFp16OptimizerHook``) the
inf sits in the summed ``.grad`` when the window ends, so the whole window is skipped. A frozen
parameter has no gradient in torch (``requires_grad=False``), so a non-finite value there skips
nothing. The property: a run through the real train step over random finite / inf / NaN batches
ends with parameters and optimizer statistics bitwise equal to a run that never saw the bad
steps (or windows). Losses are ``vdot(params, batch)``, so a batch *is* the gradient, and every
value is a multiple of 1/8 under a power-of-two scale: unscaling is exact whatever the scale's
history, and only the skipping can make the two runs differ.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jaxoptim
from jaxoptim.accumulation import AccumulationState
from jaxoptim.optimizer_base import TorchOptimizerState

OPTIMIZERS = {
    "SGD": dict(type="SGD", lr=0.125, momentum=0.5, weight_decay=0.0625),
    "AdamW": dict(type="AdamW", lr=0.125, weight_decay=0.0625),
    "Muon": dict(type="Muon", lr=0.125, fallback=dict(type="AdamW")),
}
CLIPS = [None, 1, 2, "inf", "value"]  # norm types, or mmengine's clip_grad=dict(type='value')
SCALES = ["static", "dynamic"]
BAD = {"inf": np.inf, "-inf": -np.inf, "nan": np.nan}
# where a bad value goes: a 2-D leaf (Muon's), a 1-D leaf (Muon's fallback), a frozen leaf
SPOTS = [("w", (1, 2)), ("b", (0,)), ("frozen", (0, 0))]


def _params():
    return {
        "w": jnp.arange(12, dtype=jnp.float32).reshape(4, 3) / 8,
        "b": jnp.full(3, 0.25),
        "frozen": jnp.eye(3),
    }


def _loss(params, batch):
    return sum(jnp.vdot(params[k], batch[k]) for k in params)


def _config(opt, scale, clip, cumulative):
    loss_scale = 512.0 if scale == "static" else dict(init_scale=2.0**10, growth_interval=2)
    paramwise = dict(custom_keys={"frozen": dict(frozen=True)})
    if clip == "value":
        return dict(
            optim_wrapper=dict(
                type="AmpOptimWrapper",
                optimizer=dict(OPTIMIZERS[opt]),
                paramwise_cfg=paramwise,
                clip_grad=dict(type="value", clip_value=0.75),
                accumulative_counts=cumulative,
                loss_scale=loss_scale,
            )
        )
    optimizer_config = dict(cumulative_iters=cumulative)
    if clip is not None:
        optimizer_config["grad_clip"] = dict(max_norm=0.5, norm_type=clip)
    return dict(
        optimizer=dict(OPTIMIZERS[opt], paramwise_cfg=paramwise),
        optimizer_config=optimizer_config,
        fp16=dict(loss_scale=loss_scale),
    )


_STEPS: dict = {}


def _step(key):
    if key not in _STEPS:
        tx = jaxoptim.make_optimizer(_config(*key))
        # compute in what the config asks for (an AmpOptimWrapper's float16), as a user would
        _STEPS[key] = (
            tx,
            jaxoptim.make_train_step(
                _loss, tx, donate=False, precision=tx.info.precision or "float32"
            ),
        )
    return _STEPS[key]


def _batch(seed, bad=None, spot=0):
    rng = np.random.default_rng(seed)
    batch = {k: np.round(rng.normal(size=p.shape) * 8) / 8 for k, p in _params().items()}
    if bad is not None:
        name, index = SPOTS[spot]
        batch[name][index] = BAD[bad]
    return {k: jnp.asarray(v, jnp.float32) for k, v in batch.items()}


def _train(step, tx, batches):
    state = jaxoptim.TrainState.create(params=_params(), tx=tx)
    skipped = []
    for batch in batches:
        state, metrics = step(state, batch)
        skipped.append(bool(metrics["skipped"]))
    return state, skipped


def _statistics(opt_state):
    found = [
        s
        for s in jax.tree.leaves(opt_state, is_leaf=lambda x: isinstance(x, TorchOptimizerState))
        if isinstance(s, TorchOptimizerState)
    ]
    assert len(found) == 1
    return jax.tree.leaves(found[0])


def _check(key, events):
    """``events``: per micro-batch ``(seed, bad kind or None, spot)``; whole windows."""
    tx, step = _step(key)
    cumulative = key[3]
    batches = [_batch(seed, bad, spot) for seed, bad, spot in events]
    got, skipped = _train(step, tx, batches)

    # torch: a frozen leaf has no gradient, so only a bad trainable value spoils a window
    spoils = [bad is not None and SPOTS[spot][0] != "frozen" for _, bad, spot in events]
    windows = [range(i, i + cumulative) for i in range(0, len(events), cumulative)]
    kept = [i for w in windows if not any(spoils[i] for i in w) for i in w]
    want, want_skipped = _train(step, tx, [_batch(events[i][0]) for i in kept])

    assert not any(want_skipped)
    expect_skipped = [any(spoils[i] for i in w) and i == w[-1] for w in windows for i in w]
    assert skipped == expect_skipped
    for a, b in zip(jax.tree.leaves(got.params), jax.tree.leaves(want.params), strict=True):
        assert np.all(np.isfinite(a))
        np.testing.assert_array_equal(a, b)
    for a, b in zip(_statistics(got.opt_state), _statistics(want.opt_state), strict=True):
        assert np.all(np.isfinite(a))
        np.testing.assert_array_equal(a, b)
    for acc in jax.tree.leaves(got.opt_state, is_leaf=lambda x: isinstance(x, AccumulationState)):
        if isinstance(acc, AccumulationState):  # every window ended: the sum restarted at zero
            for g in jax.tree.leaves(acc.grads):
                np.testing.assert_array_equal(g, 0.0)


# A fixed history per combination: a bad value in every spot, each kind, in the first and the
# last micro-batch of a window, with clean windows between.
FIXED = [
    (0, None, 0),
    (1, "inf", 0),
    (2, None, 0),
    (3, None, 0),
    (4, None, 0),
    (5, "nan", 1),
    (6, None, 0),
    (7, "-inf", 2),
    (8, None, 0),
    (9, None, 0),
    (10, None, 0),
    (11, None, 0),
]


@pytest.mark.parametrize("cumulative", [1, 3])
@pytest.mark.parametrize("clip", CLIPS, ids=str)
@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_bad_steps_are_dropped_dynamic_scale(opt, clip, cumulative):
    _check((opt, "dynamic", clip, cumulative), FIXED)


KEYS = list(itertools.product(OPTIMIZERS, SCALES, CLIPS, [1, 3]))
EVENT = st.tuples(
    st.integers(0, 2**16),
    st.one_of(st.none(), st.none(), st.sampled_from(sorted(BAD))),
    st.integers(0, len(SPOTS) - 1),
)


@settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(key=st.sampled_from(KEYS), data=st.data())
def test_random_bad_batches_never_reach_the_parameters(key, data):
    windows = data.draw(st.integers(1, 4), label="windows")
    events = data.draw(
        st.lists(EVENT, min_size=windows * key[3], max_size=windows * key[3]), label="events"
    )
    _check(key, events)
