"""ReduceOnPlateau schedulers against mmengine's, driven the way mmengine's runner drives them.

mmengine: schedulers built in list order on a torch SGD with two param groups; after every
iteration the iteration-based ones step, after every epoch the epoch-based ones (the plateau
counting its epoch), then validation steps the plateau with the metrics. jaxoptim: the same
config through ``make_optimizer`` (the second group from a paramwise ``lr_mult``), one update
per iteration, :func:`jaxoptim.report_val_metrics` after every epoch. Every group's lr (and
momentum) of every iteration must agree.
"""

from __future__ import annotations

import copy

import jax
import jax.numpy as jnp
import mmengine.optim  # noqa: F401 - registers the schedulers
import numpy as np
import pytest
import torch
from mmengine.registry import PARAM_SCHEDULERS

import jaxoptim

IPE = 3
PARAMS = {"body": jnp.zeros(2, jnp.float32), "head": jnp.zeros(2, jnp.float32)}


def _mmengine_values(schedulers, max_epochs, metrics, base_lr, momentum, key):
    body = torch.nn.Parameter(torch.zeros(2))
    head = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD(
        [dict(params=[body]), dict(params=[head], lr=base_lr * 0.2)], lr=base_lr, momentum=momentum
    )
    built = []
    for cfg in copy.deepcopy(schedulers):
        cfg.setdefault("end", max_epochs if cfg.get("by_epoch", True) else max_epochs * IPE)
        built.append(PARAM_SCHEDULERS.build(dict(cfg, optimizer=opt)))
    values = []
    for epoch in range(max_epochs):
        for _ in range(IPE):
            values.append([group[key] for group in opt.param_groups])
            opt.step()  # no gradients: only the order torch's schedulers expect
            for s in built:
                if not s.by_epoch:
                    s.step()
        for s in built:
            if s.by_epoch:
                s.step()
        for s in built:
            if getattr(s, "need_val_args", False):
                s.step(metrics[epoch])
    return np.asarray(values)


def _jaxoptim_values(schedulers, max_epochs, metrics, base_lr, momentum, key):
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=base_lr, momentum=momentum),
            paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=0.2)}),
        ),
        param_scheduler=schedulers,
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
    )
    tx = jaxoptim.make_optimizer(cfg, iters_per_epoch=IPE)
    state = jaxoptim.TrainState.create(params=PARAMS, tx=tx)
    update = jax.jit(tx.update)
    grads = jax.tree_util.tree_map(jnp.ones_like, PARAMS)
    values = []
    for epoch in range(max_epochs):
        for _ in range(IPE):
            _, opt_state = update(grads, state.opt_state, state.params)
            state = state.replace(opt_state=opt_state)
            values.append(np.asarray(opt_state.hyperparams[key]))
        state = jaxoptim.report_val_metrics(tx, state, metrics[epoch])
    assert update._cache_size() == 1  # the reductions are state: no recompile
    return np.asarray(values)


def _compare(schedulers, metrics, *, key="lr", base_lr=0.1, momentum=0.9):
    max_epochs = len(metrics)
    want = _mmengine_values(schedulers, max_epochs, metrics, base_lr, momentum, key)
    got = _jaxoptim_values(schedulers, max_epochs, metrics, base_lr, momentum, key)
    if got.shape[1] == 1:  # the groups share one value (jaxoptim keeps distinct values)
        np.testing.assert_array_equal(want, want[:, :1].repeat(want.shape[1], axis=1))
        want = want[:, :1]
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-12)
    return want


LOSSES = [1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6]


def test_patience_cooldown_and_min_value_with_a_warmup_and_milestones():
    schedulers = [
        dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=IPE * 2),
        dict(type="MultiStepLR", milestones=[9], gamma=0.5, by_epoch=True),
        dict(
            type="ReduceOnPlateauLR",
            monitor="loss",
            patience=1,
            factor=0.5,
            cooldown=1,
            min_value=0.006,
            threshold=0.01,
        ),
    ]
    want = _compare(schedulers, [{"loss": v} for v in LOSSES])
    # the run exercised reductions, one clamped to min_value, and the milestone after them
    assert len({round(v, 9) for v in want[:, 0]}) >= 5
    assert np.isclose(want[:, 1], 0.006).any() and np.isclose(want[-1, 1], 0.003)


@pytest.mark.parametrize(
    "plateau",
    [
        dict(rule="greater", threshold_rule="abs", threshold=0.02, patience=0, factor=0.3),
        dict(rule="less", threshold_rule="abs", threshold=0.0, patience=2, eps=0.02),
        dict(rule="greater", threshold_rule="rel", patience=1, begin=3, end=9),
    ],
)
def test_rules_thresholds_eps_and_window(plateau):
    schedulers = [dict(type="ReduceOnPlateauLR", monitor="acc", **plateau)]
    rng = np.random.default_rng(len(str(plateau)))
    accs = np.round(np.cumsum(rng.uniform(-0.03, 0.05, 14)) + 0.5, 3)
    _compare(schedulers, [{"acc": float(a), "loss": 0.0} for a in accs])


@pytest.mark.parametrize("seed", range(6))
def test_random_metric_sequences(seed):
    rng = np.random.default_rng(seed)
    schedulers = [
        dict(type="ExponentialLR", gamma=0.97, by_epoch=False),
        dict(
            type="ReduceOnPlateauLR",
            patience=int(rng.integers(0, 3)),
            cooldown=int(rng.integers(0, 3)),
            factor=float(rng.choice([0.1, 0.5, 0.7])),
            min_value=float(rng.choice([0.0, 0.003])),
        ),
    ]
    losses = np.round(rng.uniform(0.5, 1.0, 12), 2)
    _compare(schedulers, [{"loss": float(v)} for v in losses])


def test_momentum_plateau():
    schedulers = [dict(type="ReduceOnPlateauMomentum", patience=0, factor=0.9, min_value=0.7)]
    _compare(schedulers, [{"loss": v} for v in LOSSES], key="momentum")


def test_an_anchored_scheduler_that_ends_before_the_plateau_starts():
    # a cosine with eta_min over the first two epochs, then milestones and a plateau from
    # epoch 2: the reductions only meet multiplicative schedulers
    schedulers = [
        dict(type="CosineAnnealingLR", eta_min=0.01, by_epoch=False, begin=0, end=IPE * 2),
        dict(type="MultiStepLR", milestones=[7], gamma=0.5, by_epoch=True),
        dict(type="ReduceOnPlateauLR", patience=0, factor=0.5, begin=2),
    ]
    _compare(schedulers, [{"loss": v} for v in LOSSES])
    late = [dict(schedulers[0], end=IPE * 3), *schedulers[1:]]
    with pytest.raises(ValueError, match=r"until iteration 8.*from iteration 6"):
        _jaxoptim_values(late, len(LOSSES), [{"loss": v} for v in LOSSES], 0.1, 0.9, "lr")
