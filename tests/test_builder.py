"""make_optimizer: config forms, key validation, live hyperparameters, schedules."""

import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxoptim import OPTIMIZERS, make_optimizer
from jaxoptim.builder import HyperparamState


def _run(tx, params, grads_seq):
    state = tx.init(params)
    update = jax.jit(tx.update)
    for g in grads_seq:
        updates, state = update(g, state, params)
        params = optax.apply_updates(params, updates)
    return params, state


def test_optimizer_dict_and_full_config_agree():
    params = {"w": jnp.arange(4.0)}
    grads = [{"w": jnp.full(4, float(i))} for i in range(3)]
    a, _ = _run(make_optimizer(dict(type="SGD", lr=0.1, momentum=0.9)), params, grads)
    b, _ = _run(
        make_optimizer(dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9))), params, grads
    )
    np.testing.assert_array_equal(a["w"], b["w"])


def test_unknown_optimizer_type_suggests_closest():
    with pytest.raises(KeyError, match="AdamW"):
        make_optimizer(dict(type="adamw", lr=0.1))


def test_inherited_momentum_on_adamw_names_key_and_delete():
    with pytest.raises(TypeError, match=r"momentum.*_delete_|_delete_.*momentum"):
        make_optimizer(dict(type="AdamW", lr=1e-4, momentum=0.9, weight_decay=0.05))


@pytest.mark.parametrize(
    "cfg, key",
    [
        (
            dict(optimizer=dict(type="SGD", lr=0.1), optimizer_config=dict(grad_clipp=None)),
            "grad_clipp",
        ),
        (
            dict(optimizer=dict(type="SGD", lr=0.1), optimizer_config=dict(paramwise_cfg={})),
            "paramwise_cfg",
        ),
        (dict(optimizer=dict(type="SGD", lr=0.1), paramwise_cfg={}), "paramwise_cfg"),
        (
            dict(optimizer=dict(type="SGD", lr=0.1), optimizer_config=dict(cumulative_iters="2")),
            "cumulative_iters",
        ),
        (
            dict(optimizer=dict(type="SGD", lr=0.1), optimizer_config=dict(cumulative_iters=0)),
            "cumulative_iters",
        ),
        (dict(optimizer=dict(lr=0.1)), "type"),
        (dict(lr=0.1), "optimizer"),
        (dict(optimizer=dict(type="SGD", lr=0.1), lr_config=[1]), "lr_config"),
        (
            dict(optimizer=dict(type="Adagrad", lr=0.1), momentum_config=dict(policy="cyclic")),
            "momentum_config",
        ),
    ],
)
def test_bad_configs_name_the_key(cfg, key):
    with pytest.raises((KeyError, TypeError, ValueError)) as err:
        make_optimizer(cfg, max_iters=10)
    assert key in str(err.value)


def test_live_lr_can_be_changed_in_state_without_recompiling():
    tx = make_optimizer(dict(type="SGD", lr=0.1))
    params = {"w": jnp.ones(2)}
    state = tx.init(params)
    update = jax.jit(tx.update)
    u1, state = update({"w": jnp.ones(2)}, state, params)
    state = state._replace(hyperparams={**state.hyperparams, "lr": jnp.asarray([0.5], jnp.float32)})
    u2, state = update({"w": jnp.ones(2)}, state, params)
    np.testing.assert_allclose(u1["w"], -0.1)
    np.testing.assert_allclose(u2["w"], -0.5)
    assert update._cache_size() == 1


def test_lr_schedule_follows_iteration_and_reports_lr():
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1),
        lr_config=dict(policy="step", step=[2], gamma=0.1, by_epoch=False),
    )
    tx = make_optimizer(cfg, max_iters=4)
    params = {"w": jnp.zeros(1)}
    state = tx.init(params)
    seen = []
    for _ in range(4):
        updates, state = tx.update({"w": jnp.ones(1)}, state, params)
        seen.append(float(-updates["w"][0]))
        assert isinstance(state, HyperparamState)
    np.testing.assert_allclose(seen, [0.1, 0.1, 0.01, 0.01], rtol=1e-6)


def test_momentum_config_drives_adam_beta1_only():
    cfg = dict(
        optimizer=dict(type="Adam", lr=0.1, betas=(0.9, 0.99)),
        momentum_config=dict(policy="step", step=[1], gamma=0.5, by_epoch=False),
    )
    tx = make_optimizer(cfg, max_iters=3)
    params = {"w": jnp.zeros(1)}
    state = tx.init(params)
    momenta = []
    for _ in range(3):
        _, state = tx.update({"w": jnp.ones(1)}, state, params)
        momenta.append(float(state.hyperparams["momentum"][0]))
    np.testing.assert_allclose(momenta, [0.9, 0.45, 0.45], rtol=1e-6)


def test_user_optimizer_from_registry_gets_live_scheduled_lr():
    name = "PlainOptaxSGDForBuilderTest"

    @OPTIMIZERS.register_module(name=name, force=True)
    def plain_sgd(lr=0.01):
        return optax.sgd(lr)

    cfg = dict(
        optimizer=dict(type=name, lr=0.2),
        lr_config=dict(policy="step", step=[1], gamma=0.5, by_epoch=False),
    )
    tx = make_optimizer(cfg, max_iters=3)
    params = {"w": jnp.zeros(1)}
    state = tx.init(params)
    update = jax.jit(tx.update)
    steps = []
    for _ in range(3):
        updates, state = update({"w": jnp.ones(1)}, state, params)
        steps.append(float(-updates["w"][0]))
    np.testing.assert_allclose(steps, [0.2, 0.1, 0.1], rtol=1e-6)
    assert update._cache_size() == 1


def test_paramwise_lr_mult_and_frozen_leaf():
    cfg = dict(
        type="SGD",
        lr=0.1,
        paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=10.0), "stem": dict(frozen=True)}),
    )
    tx = make_optimizer(cfg)
    params = {
        "head": {"kernel": jnp.zeros(2)},
        "body": {"kernel": jnp.zeros(2)},
        "stem": {"kernel": jnp.zeros(2)},
    }
    state = tx.init(params)
    grads = jax.tree_util.tree_map(jnp.ones_like, params)
    updates, state = tx.update(grads, state, params)
    np.testing.assert_allclose(updates["head"]["kernel"], -1.0, rtol=1e-6)
    np.testing.assert_allclose(updates["body"]["kernel"], -0.1, rtol=1e-6)
    np.testing.assert_array_equal(updates["stem"]["kernel"], 0.0)


def test_fp16_hook_type_accepts_its_communication_arguments_only():
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1),
        optimizer_config=dict(
            type="Fp16OptimizerHook", loss_scale=512.0, distributed=False, coalesce=True
        ),
    )
    tx = make_optimizer(cfg)
    assert tx.info.loss_scaling
    from jaxoptim import current_loss_scale

    assert float(current_loss_scale(tx.init({"w": jnp.zeros(1)}))) == 512.0
    with pytest.raises(KeyError, match="distributed"):
        make_optimizer(
            dict(optimizer=dict(type="SGD", lr=0.1), optimizer_config=dict(distributed=False))
        )


def test_loss_scaled_chain_equals_the_plain_chain_it_replaces():
    from jaxoptim import clipping, loss_scale
    from jaxoptim.builder import _loss_scaled_chain
    from jaxoptim.optimizers import AdamW

    def pieces():
        return (
            loss_scale.unscale_gradients(init_scale=8.0, growth_interval=2),
            clipping.clip_by_global_norm(0.5),
            AdamW(lr=0.1),
        )

    unscale, clip, opt = pieces()
    fused = _loss_scaled_chain(unscale, clip, opt)
    unscale, clip, opt = pieces()
    plain = optax.chain(unscale, clip, loss_scale.skip_not_finite(opt))
    params = {"w": jnp.arange(3.0), "b": jnp.ones(2)}
    sf, sp = fused.init(params), plain.init(params)
    assert jax.tree_util.tree_structure(sf) == jax.tree_util.tree_structure(sp)
    rng = np.random.default_rng(0)
    for i in range(8):
        grads = jax.tree_util.tree_map(
            lambda p: jnp.asarray(rng.normal(size=p.shape), jnp.float32) * 8.0, params
        )
        if i in (2, 5):
            grads["b"] = grads["b"].at[0].set(jnp.nan if i == 2 else jnp.inf)
        uf, sf = fused.update(grads, sf, params)
        up, sp = plain.update(grads, sp, params)
        for a, b in zip(jax.tree_util.tree_leaves((uf, sf)), jax.tree_util.tree_leaves((up, sp))):
            np.testing.assert_array_equal(a, b)
    assert int(sf[-1].skipped_total) == 2


def test_fp16_with_accumulation_skips_a_window_with_a_bad_micro_batch():
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1),
        optimizer_config=dict(cumulative_iters=2),
        fp16=dict(loss_scale=dict(init_scale=4.0)),
    )
    tx = make_optimizer(cfg, max_iters=4)
    params = {"w": jnp.ones(2)}
    state = tx.init(params)
    good = {"w": jnp.full(2, 4.0)}  # a unit gradient at the initial scale 4
    bad = {"w": jnp.array([jnp.inf, 4.0])}
    backed_off = {"w": jnp.full(2, 2.0)}  # a unit gradient at the backed-off scale 2
    steps = []
    for grads in (good, bad, backed_off, backed_off):
        updates, state = tx.update(grads, state, params)
        steps.append(np.asarray(updates["w"]).tolist())
    # window 1 (good + bad) is skipped and backs the scale off; window 2 applies the mean grad
    np.testing.assert_allclose(steps, [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [-0.1, -0.1]], rtol=1e-6)
    from jaxoptim import current_loss_scale

    assert float(current_loss_scale(state)) == 2.0


@pytest.mark.parametrize(
    "cfg, path",
    [
        (
            dict(
                optimizer=dict(type="SGD", lr=0.1),
                optimizer_config=dict(_delete_=True, grad_clip=dict(max_norm=1.0)),
            ),
            "optimizer_config._delete_",
        ),
        (dict(type="SGD", lr=0.1, _delete_=True), "optimizer._delete_"),
        (
            dict(
                optimizer=dict(type="SGD", lr=0.1, paramwise_cfg=dict(_delete_=False)),
            ),
            "optimizer.paramwise_cfg._delete_",
        ),
    ],
)
def test_a_leftover_delete_directive_is_named(cfg, path):
    # mmcv passed a leaked `_delete_` on to the optimizer as a keyword (a confusing TypeError);
    # here the message names where it is and what it is.
    with pytest.raises(KeyError, match=rf"`{re.escape(path)}`: `_delete_` is a config-inheritance"):
        make_optimizer(cfg)


def test_delete_in_a_section_make_optimizer_does_not_read_is_left_alone():
    cfg = dict(optimizer=dict(type="SGD", lr=0.1), model=dict(_delete_=True, type="ResNet"))
    tx = make_optimizer(cfg)
    assert tx.init({"w": jnp.ones(2)}) is not None


@pytest.mark.parametrize(
    "runner, error, pattern",
    [
        (dict(type="EpochBasedRunner", max_epochs=12, workflow=1), KeyError, r"runner.*'workflow'"),
        (dict(max_epochs=12, max_iters=100), ValueError, r"only one of `max_epochs`"),
        (dict(max_iters=1e3), ValueError, r"runner.max_iters must be a positive int, got 1000.0"),
        (dict(max_epochs=0), ValueError, r"runner.max_epochs must be a positive int"),
        (dict(type=3, max_iters=10), TypeError, r"runner.type"),
        # mmcv's IPU runners (poptorch): out of scope, said so
        (dict(type="IPUIterBasedRunner", max_iters=10), ValueError, r"IPU runner.*out of"),
        (dict(type="IterBasedRunner", max_iters=10, options_cfg={}), ValueError, r"'options_cfg'"),
    ],
)
def test_runner_section_is_checked(runner, error, pattern):
    with pytest.raises(error, match=pattern):
        make_optimizer(dict(optimizer=dict(type="SGD", lr=0.1), runner=runner))


def test_runner_max_iters_reaches_the_schedule():
    cfg = dict(
        optimizer=dict(type="SGD", lr=1.0),
        lr_config=dict(policy="poly", power=1.0, min_lr=0.0, by_epoch=False),
        runner=dict(type="IterBasedRunner", max_iters=4),
    )
    tx = make_optimizer(cfg)
    params = {"w": jnp.zeros(1)}
    state = tx.init(params)
    lrs = []
    for _ in range(4):
        updates, state = tx.update({"w": jnp.ones(1)}, state, params)
        lrs.append(-float(updates["w"][0]))
    np.testing.assert_allclose(lrs, [1.0, 0.75, 0.5, 0.25], rtol=1e-6)


@pytest.mark.parametrize(
    "key,section",
    [
        ("lr_confg", "lr_config"),
        ("optimizer_cofig", "optimizer_config"),
        ("momentum_confg", "momentum_config"),
        ("fp61", "fp16"),
        ("param_schedulr", "param_scheduler"),
    ],
)
def test_a_misspelled_section_raises_naming_both(key, section):
    """A misspelled section would be ignored: the run would train at a constant lr."""
    cfg = {
        "optimizer": dict(type="SGD", lr=0.1),
        "runner": dict(type="IterBasedRunner", max_iters=10),
        key: dict(policy="step", step=[5], by_epoch=False),
    }
    with pytest.raises(KeyError, match=rf"`{key}`.*did you mean `{section}`"):
        make_optimizer(cfg)
    engine = {
        "optim_wrapper": dict(optimizer=dict(type="SGD", lr=0.1)),
        "train_cfg": dict(type="IterBasedTrainLoop", max_iters=10),
        key: dict(),
    }
    with pytest.raises(KeyError, match=rf"`{key}`"):
        make_optimizer(engine)
    from jaxoptim import explain
    from jaxoptim.plot import schedule_values

    with pytest.raises(KeyError, match=rf"`{key}`.*did you mean `{section}`"):
        schedule_values(cfg)
    with pytest.raises(KeyError, match=rf"`{key}`.*did you mean `{section}`"):
        explain(cfg, {"w": jnp.zeros(3)})


def test_openmmlab_keys_near_a_section_are_not_misspellings():
    # log_config is one edit from lr_config, and every mmcv config has it
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.1),
        log_config=dict(interval=10),
        checkpoint_config=dict(interval=1),
        lr_config=dict(policy="step", step=[5], by_epoch=False),
        runner=dict(type="IterBasedRunner", max_iters=10),
    )
    assert make_optimizer(cfg).info.max_iters == 10
