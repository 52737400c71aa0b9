"""ReduceOnPlateau: configuration errors, the train step, checkpoints and the no-op cases.

The values are checked against mmengine in tests/parity/test_plateau_mmengine.py.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxoptim


def _cfg(*schedulers, optimizer=None, max_epochs=6):
    return dict(
        optim_wrapper=dict(optimizer=optimizer or dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=list(schedulers),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
    )


PLATEAU = dict(type="ReduceOnPlateauLR", patience=0, factor=0.5)


def _loss(params, batch):
    return jnp.sum((params["w"] - batch) ** 2)


def _train(tx, epochs, losses, state=None):
    step = jaxoptim.make_train_step(_loss, tx)
    state = state or jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=tx)
    lrs = []
    for epoch in range(epochs):
        for _ in range(2):
            state, metrics = step(state, jnp.ones(2))
            lrs.append(float(metrics["lr"]))
        state = jaxoptim.report_val_metrics(tx, state, {"loss": losses[epoch]})
    return state, lrs, step


def test_train_step_reports_the_reduced_lr_and_never_recompiles():
    tx = jaxoptim.make_optimizer(_cfg(PLATEAU), iters_per_epoch=2)
    _, lrs, step = _train(tx, 4, [1.0, 1.0, 0.5, 0.5])
    # epoch 1 improves, 2 does not (halve), 3 improves, 4 does not (its reduction is unseen)
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05], rtol=1e-6)
    assert step._cache_size() == 1


def test_a_resumed_run_keeps_the_plateau_state(tmp_path):
    tx = jaxoptim.make_optimizer(_cfg(dict(PLATEAU, patience=1)), iters_per_epoch=2)
    losses = [1.0, 1.0, 1.0, 1.0, 1.0]
    state, _, _ = _train(tx, 2, losses)  # one bad epoch counted, no reduction yet
    jaxoptim.save_checkpoint(tmp_path, state, step=4)
    target = jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=tx)
    resumed = jaxoptim.restore_checkpoint(tmp_path, target)
    _, straight, _ = _train(tx, 3, losses[2:], state)
    _, again, _ = _train(tx, 3, losses[2:], resumed)
    assert straight == again
    # epoch 3 is the second bad one in a row (the first is in the checkpoint): halve after it
    assert straight[:3] == pytest.approx([0.1, 0.1, 0.05])


def test_without_a_plateau_scheduler_reporting_changes_nothing():
    tx = jaxoptim.make_optimizer(dict(type="SGD", lr=0.1))
    state = jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=tx)
    assert jaxoptim.report_val_metrics(tx, state, {"loss": 1.0}) is state


def test_a_state_of_another_optimizer_is_refused():
    tx = jaxoptim.make_optimizer(_cfg(PLATEAU), iters_per_epoch=2)
    other = jaxoptim.make_optimizer(_cfg(dict(type="StepLR", step_size=1)), iters_per_epoch=2)
    state = jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=other)
    with pytest.raises(ValueError, match="another transformation"):
        jaxoptim.report_val_metrics(tx, state, {"loss": 1.0})
    with pytest.raises(TypeError, match="does not hold the state of one make_optimizer"):
        jaxoptim.report_val_metrics(tx, state.replace(opt_state=()), {"loss": 1.0})


def test_a_wrapped_transformation_is_reported_to():
    import optax

    tx = jaxoptim.make_optimizer(_cfg(PLATEAU), iters_per_epoch=2)
    wrapped = optax.chain(optax.identity(), tx)
    wrapped = type(tx)(wrapped.init, wrapped.update)
    wrapped.info = tx.info
    _, lrs, _ = _train(wrapped, 3, [1.0, 1.0, 1.0])
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05], rtol=1e-6)


def test_a_missing_monitor_is_named():
    tx = jaxoptim.make_optimizer(_cfg(dict(PLATEAU, monitor="mIoU")), iters_per_epoch=2)
    state = jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=tx)
    with pytest.raises(KeyError, match=r"monitors 'mIoU'.*\['acc', 'loss'\]"):
        jaxoptim.report_val_metrics(tx, state, {"loss": 1.0, "acc": 0.5})


@pytest.mark.parametrize(
    "schedulers, error, match",
    [
        ([dict(PLATEAU, by_epoch=False)], ValueError, "by_epoch=False"),
        ([dict(PLATEAU, factor=1.0)], ValueError, "factor"),
        ([dict(PLATEAU, rule="lower")], ValueError, r"rule='lower'.*less"),
        ([dict(PLATEAU, threshold_rule="pct")], ValueError, "threshold_rule"),
        ([dict(PLATEAU, threshold=-1)], ValueError, "threshold"),
        ([dict(PLATEAU, patience=1.5)], ValueError, "patience"),
        ([dict(PLATEAU, min_value=[0.0, 0.1])], ValueError, "min_value"),
        ([dict(PLATEAU, mode="min")], KeyError, "mode='min'"),
        ([dict(PLATEAU, begin=4, end=2)], ValueError, "end=2"),
        ([PLATEAU, dict(PLATEAU)], ValueError, "second ReduceOnPlateau"),
        (
            [dict(type="CosineAnnealingLR", eta_min=1e-3, T_max=6), PLATEAU],
            ValueError,
            r"CosineAnnealingLR.*anchored",
        ),
        (
            [dict(type="OneCycleLR", eta_max=0.1, total_steps=12, by_epoch=False), PLATEAU],
            ValueError,
            "OneCycleLR",
        ),
        (
            [dict(type="ReduceOnPlateauParamScheduler", param_name="weight_decay")],
            ValueError,
            "param_name",
        ),
    ],
)
def test_bad_plateau_configs_name_the_key(schedulers, error, match):
    with pytest.raises(error, match=match):
        tx = jaxoptim.make_optimizer(_cfg(*schedulers), iters_per_epoch=2)
        tx.init({"w": jnp.zeros(2)})


def test_plateau_needs_the_epoch_length():
    with pytest.raises(ValueError, match="iters_per_epoch"):
        jaxoptim.make_optimizer(dict(_cfg(PLATEAU), train_cfg=None))


def test_momentum_plateau_needs_momentum():
    cfg = _cfg(dict(type="ReduceOnPlateauMomentum"), optimizer=dict(type="Adagrad", lr=0.1))
    with pytest.raises(ValueError, match="momentum"):
        jaxoptim.make_optimizer(cfg, iters_per_epoch=2)


def test_cosine_with_eta_min_zero_is_multiplicative_and_allowed():
    cfg = _cfg(dict(type="CosineAnnealingLR", eta_min=0.0, T_max=6), PLATEAU)
    tx = jaxoptim.make_optimizer(cfg, iters_per_epoch=2)
    _, lrs, _ = _train(tx, 3, [1.0, 1.0, 1.0])
    cosine = [0.1 * (1 + np.cos(np.pi * e / 6)) / 2 for e in range(3)]
    np.testing.assert_allclose(lrs[::2], [cosine[0], cosine[1], cosine[2] / 2], rtol=1e-5)


def test_cli_reports_validation_metrics_to_the_plateau(tmp_path):
    from pathlib import Path

    from jaxoptim import cli

    config = Path(__file__).resolve().parents[1] / "configs" / "digits_demo_mmengine.py"
    # an accuracy plateau that must improve by 50% (absolute) each epoch: every epoch after
    # the first is bad, so with patience 0 the lr halves after epochs 2 and 3
    options = {
        "param_scheduler": [
            dict(
                type="ReduceOnPlateauLR",
                monitor="accuracy",
                rule="greater",
                threshold=0.5,
                threshold_rule="abs",
                patience=0,
                factor=0.5,
            )
        ],
        "train_cfg.max_epochs": 4,
        "log_config.interval": 1,
    }
    result = cli.train(config, work_dir=tmp_path, cfg_options=options, progress=False)
    history = result["history"]
    val = [r for r in history if r["mode"] == "val"]
    assert [sorted(r) for r in val[:1]] == [["accuracy", "epoch", "iter", "loss", "mode"]]
    lr_by_epoch = {r["epoch"]: r["lr"] for r in history if r["mode"] == "train"}
    assert lr_by_epoch == pytest.approx({1: 0.05, 2: 0.05, 3: 0.025, 4: 0.0125})


def _plateau_cfg(**plateau):
    return dict(
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=[dict(type="ReduceOnPlateauLR", patience=0, factor=0.5, **plateau)],
        train_cfg=dict(by_epoch=True, max_epochs=10),
    )


def _report(tx, metrics_seq):
    state = jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=tx)
    step = jaxoptim.make_train_step(lambda p, b: jnp.sum((p["w"] - b) ** 2), tx)
    lrs = []
    for metrics in metrics_seq:
        state, out = step(state, jnp.ones(2))
        lrs.append(float(out["lr"]))
        state = jaxoptim.report_val_metrics(tx, state, metrics)
    return state, lrs


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_metrics_count_as_no_improvement_as_in_mmengine(bad):
    tx = jaxoptim.make_optimizer(_plateau_cfg(), iters_per_epoch=1)
    state, lrs = _report(tx, [{"loss": 1.0}, {"loss": bad}, {"loss": 0.5}, {"loss": 0.5}])
    # inf / nan never beat 1.0 (-inf does: a < best); every lr stays finite and positive
    expected = [0.1, 0.1, 0.05, 0.05] if bad != -math.inf else [0.1, 0.1, 0.1, 0.05]
    np.testing.assert_allclose(lrs, expected, rtol=1e-6)
    plateau = state.opt_state.plateau["lr"]
    assert np.isfinite(np.asarray(plateau.scale)).all()  # `best` may be +-inf, as mmengine's
    assert all(np.isfinite(x).all() for x in jax.tree_util.tree_leaves(state.opt_state.hyperparams))


def test_metrics_as_arrays_and_numpy_scalars_equal_python_numbers():
    tx = jaxoptim.make_optimizer(_plateau_cfg(), iters_per_epoch=1)
    plain = _report(tx, [{"loss": 1.0}, {"loss": 1.0}, {"loss": 0.9}])[1]
    arrays = _report(tx, [{"loss": jnp.float32(1.0)}, {"loss": np.float64(1.0)}, {"loss": 0.9}])[1]
    assert plain == arrays


def test_plateau_under_an_iteration_loop_reduces_like_mmengine():
    """ReduceOnPlateauLR inside an ``IterBasedTrainLoop`` (validation every ``val_interval``).

    mmengine's IterBasedTrainLoop never calls ``after_train_epoch`` while training, so the
    plateau's ``_global_step`` stays 0 and its default ``end`` is the loop's ``max_epochs``
    (1): every validation steps it (``ParamSchedulerHook.after_val_epoch``). Expected: the lr
    halves after each non-improving validation, as real mmengine's scheduler (driven here
    the way the loop drives it) does. Actual (before the fix): jaxoptim counted epochs as
    ``iteration // iters_per_epoch`` (>= end after the first epoch), silently never reducing,
    and without ``iters_per_epoch`` it was an error although the loop has no epochs.
    """
    import mmengine.optim  # noqa: F401 - registers the schedulers
    import torch
    from mmengine.registry import PARAM_SCHEDULERS

    max_iters, val_interval = 12, 2
    losses = [1.0, 0.9, 0.95, 0.95, 0.95, 0.5]
    schedulers = [
        dict(type="LinearLR", start_factor=0.5, by_epoch=False, begin=0, end=3),
        dict(type="ReduceOnPlateauLR", patience=0, factor=0.5),
    ]
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    built = [
        PARAM_SCHEDULERS.build(
            {"end": 1 if cfg.get("by_epoch", True) else max_iters, **cfg, "optimizer": opt}
        )
        for cfg in schedulers
    ]
    want = []
    for i in range(max_iters):
        want.append(opt.param_groups[0]["lr"])
        opt.step()
        for s in built:
            if not s.by_epoch:
                s.step()
        if (i + 1) % val_interval == 0:
            built[1].step({"loss": losses[i // val_interval]})

    cfg = dict(
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        param_scheduler=schedulers,
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=max_iters, val_interval=val_interval),
    )
    tx = jaxoptim.make_optimizer(cfg)
    state = jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=tx)
    step = jaxoptim.make_train_step(lambda p, b: jnp.sum(p["w"] * b), tx)
    got = []
    for i in range(max_iters):
        state, metrics = step(state, jnp.ones(2))
        got.append(float(metrics["lr"]))
        if (i + 1) % val_interval == 0:
            state = jaxoptim.report_val_metrics(tx, state, {"loss": losses[i // val_interval]})
    assert min(want) < 0.05  # mmengine did reduce
    np.testing.assert_allclose(got, want, rtol=2e-6)


def test_outside_its_window_a_plateau_does_not_read_the_metrics():
    # mmengine steps a ReduceOnPlateau scheduler only inside [begin, end): outside it a missing
    # monitor is no error
    cfg = dict(
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=dict(type="ReduceOnPlateauLR", patience=0, begin=3, monitor="mAP"),
        train_cfg=dict(by_epoch=True, max_epochs=6),
    )
    tx = jaxoptim.make_optimizer(cfg, iters_per_epoch=1)
    state = jaxoptim.TrainState.create(params={"w": jnp.zeros(2)}, tx=tx)
    step = jaxoptim.make_train_step(lambda p, b: jnp.sum((p["w"] - b) ** 2), tx)
    state, _ = step(state, jnp.ones(2))
    state = jaxoptim.report_val_metrics(tx, state, {"loss": 1.0})  # epoch 1: outside
    for _ in range(2):
        state, _ = step(state, jnp.ones(2))
    with pytest.raises(KeyError, match="mAP"):
        jaxoptim.report_val_metrics(tx, state, {"loss": 1.0})  # epoch 3: inside
