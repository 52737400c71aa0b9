"""Unit tests of jaxoptim.loss_scale: GradScaler semantics, skips, config parsing, state dicts."""

from __future__ import annotations

import math

import flax.struct
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxoptim import optimizers
from jaxoptim.accumulation import accumulate_gradients
from jaxoptim.loss_scale import (
    LossScaleState,
    SkipState,
    _reciprocal,
    current_loss_scale,
    load_scaler_state_dict,
    parse_fp16,
    parse_loss_scale,
    scaler_state_dict,
    skip_not_finite,
    unscale_gradients,
)

OK = {"w": jnp.ones(3)}
INF = {"w": jnp.array([1.0, jnp.inf, 0.0])}
NAN = {"w": jnp.array([1.0, jnp.nan, 0.0])}


def _drive(tx, events, jit=True):
    state = tx.init(None)
    update = jax.jit(tx.update) if jit else tx.update
    scales, trackers, found = [], [], []
    for event in events:
        _, state = update({"ok": OK, "inf": INF, "nan": NAN}[event], state)
        scales.append(float(state.scale))
        trackers.append(int(state.growth_tracker))
        found.append(bool(state.found_inf))
    return scales, trackers, found


def test_dynamic_growth_on_the_interval_th_finite_step():
    tx = unscale_gradients(init_scale=4.0, growth_interval=3)
    events = ["ok", "ok", "ok", "inf", "ok", "ok", "ok", "ok"]
    scales, trackers, found = _drive(tx, events)
    assert scales == [4, 4, 8, 4, 4, 4, 8, 8]
    assert trackers == [1, 2, 0, 0, 1, 2, 0, 1]
    assert found == [e != "ok" for e in events]


def test_dynamic_backoff_has_no_lower_bound():
    tx = unscale_gradients(init_scale=1.0, backoff_factor=0.5)
    scales, _, _ = _drive(tx, ["nan"] * 4)
    assert scales == [0.5, 0.25, 0.125, 0.0625]


def test_min_scale_floors_a_backoff_and_max_scale_caps_a_growth():
    tx = unscale_gradients(init_scale=4.0, growth_interval=2, min_scale=1.0, max_scale=12.0)
    events = ["nan", "inf", "inf", "inf", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "inf"]
    scales, trackers, _ = _drive(tx, events)
    # 4 -> 2 -> 1 -> floor 1, then growth every 2nd finite step: 2, 4, 8, then capped at 12
    assert scales == [2, 1, 1, 1, 1, 2, 2, 4, 4, 8, 8, 12, 6]
    assert trackers == [0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0]


def test_bounds_at_the_scale_hold_it_and_keep_resetting_the_tracker():
    tx = unscale_gradients(init_scale=8.0, growth_interval=1, min_scale=8.0, max_scale=8.0)
    scales, trackers, found = _drive(tx, ["ok", "inf", "ok", "nan"])
    assert scales == [8.0] * 4 and trackers == [0] * 4 and found == [False, True, False, True]


def test_mmcv_legacy_loss_scaler_floor_trace():
    # mmcv's LossScaler(init_scale=8, scale_factor=2, scale_window=3) trace from the reference:
    # floor 1, growth on the 3rd consecutive clean step.
    tx = unscale_gradients(init_scale=8.0, growth_interval=3, min_scale=1.0)
    events = ["ok", "ok", "ok", "inf", "ok", "ok", "ok", "ok", "inf", "inf", "inf", "inf", "inf"]
    scales, _, _ = _drive(tx, events)
    assert scales == [8, 8, 16, 8, 8, 8, 16, 16, 8, 4, 2, 1, 1]


def test_growth_factor_and_backoff_factor_are_separate():
    tx = unscale_gradients(
        init_scale=16.0, growth_factor=3.0, backoff_factor=0.25, growth_interval=1
    )
    scales, _, _ = _drive(tx, ["ok", "inf", "ok", "ok"])
    assert scales == [48.0, 12.0, 36.0, 108.0]


def test_growth_cap_survives_jit():
    tx = unscale_gradients(init_scale=2.0**127, growth_interval=1)
    for jit in (True, False):
        scales, trackers, _ = _drive(tx, ["ok", "ok"], jit=jit)
        assert scales == [2.0**127, 2.0**127]
        assert trackers == [0, 0]


def test_static_scale_is_pinned_but_found_inf_is_recorded():
    tx = unscale_gradients(**parse_loss_scale(512.0))
    scales, trackers, found = _drive(tx, ["ok", "inf", "ok", "ok", "nan"])
    assert scales == [512.0] * 5
    assert trackers == [0] * 5
    assert found == [False, True, False, False, True]
    # A loaded scale is used once, then the static value comes back (update(new_scale=x)).
    state = load_scaler_state_dict(
        tx.init(None), {**scaler_state_dict(tx.init(None)), "scale": 8.0}
    )
    assert float(current_loss_scale(state)) == 8.0
    grads, state = tx.update({"w": jnp.array([16.0])}, state)
    assert grads["w"].tolist() == [2.0]
    assert float(state.scale) == 512.0


def test_unscale_multiplies_by_reciprocal_and_keeps_dtype():
    tx = unscale_gradients(init_scale=1024.0)
    grads = {
        "f32": jnp.array([1024.0, -2048.0], jnp.float32),
        "f16": jnp.array([1024.0, 512.0], jnp.float16),
        "bf16": jnp.array([3072.0], jnp.bfloat16),
    }
    out, state = jax.jit(tx.update)(grads, tx.init(None))
    assert out["f32"].dtype == jnp.float32 and out["f32"].tolist() == [1.0, -2.0]
    assert out["f16"].dtype == jnp.float16 and out["f16"].tolist() == [1.0, 0.5]
    assert out["bf16"].dtype == jnp.bfloat16 and out["bf16"].tolist() == [3.0]
    assert state.scale.dtype == jnp.float32 and not bool(state.found_inf)
    # An fp16 overflow (inf in a half-precision leaf) is detected and backs off.
    _, state = tx.update({"f16": jnp.array([jnp.inf], jnp.float16)}, state)
    assert bool(state.found_inf) and float(state.scale) == 512.0


def test_reciprocal_is_correctly_rounded_like_torch_float64_reciprocal():
    """XLA's float32 division is not correctly rounded on GPUs; the unscale reciprocal is."""
    rng = np.random.default_rng(0)
    x = np.exp(rng.uniform(-87.0, 87.0, 20000)).astype(np.float32)
    x = np.concatenate([x, np.float32(2.0) ** np.arange(-126, 126), [3.0, 7.0, 1e3, 12345.678]])
    x = x.astype(np.float32)
    expected = (1.0 / x.astype(np.float64)).astype(np.float32)
    np.testing.assert_array_equal(jax.jit(jax.vmap(_reciprocal))(x), expected)


def test_state_leaf_dtypes_are_stable():
    tx = unscale_gradients()
    state = tx.init(None)
    _, new = jax.jit(tx.update)(OK, state)
    for old, cur in zip(state, new, strict=True):
        assert old.dtype == cur.dtype and old.shape == cur.shape == ()


def test_fifty_updates_with_changing_scale_compile_once():
    tx = optax.chain(
        unscale_gradients(init_scale=2.0**8, growth_interval=2),
        skip_not_finite(optimizers.SGD(lr=0.1, momentum=0.9)),
    )
    params = {"w": jnp.ones(3)}
    traces = []

    @jax.jit
    def step(params, state, grads):
        traces.append(1)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    state = tx.init(params)
    scales = []
    for i in range(50):
        grads = INF if i % 7 == 3 else {"w": jnp.full(3, 0.5, jnp.float32)}
        params, state = step(params, state, grads)
        scales.append(float(current_loss_scale(state)))
    assert len(set(scales)) > 3
    assert len(traces) == 1
    assert step._cache_size() == 1


def _run_finite_steps(inner, params, n=3):
    tx = skip_not_finite(inner)
    state = tx.init(params)
    update = jax.jit(tx.update)
    for i in range(n):
        grads = jax.tree_util.tree_map(lambda p, v=0.1 * (i + 1): jnp.full_like(p, v), params)
        updates, state = update(grads, state, params)
        params = optax.apply_updates(params, updates)
    return update, params, state


@pytest.mark.parametrize(
    "inner",
    [
        optimizers.SGD(lr=0.1, momentum=0.9, weight_decay=1e-4),
        optimizers.AdamW(lr=1e-3, amsgrad=True),
        optimizers.Adam(lr=1e-3),
    ],
    ids=["SGD", "AdamW-amsgrad", "Adam"],
)
def test_skipped_step_leaves_params_and_inner_state_bitwise_unchanged(inner):
    params = {"a": jnp.arange(6.0).reshape(2, 3), "b": jnp.ones(3)}
    update, params, state = _run_finite_steps(inner, params)
    bad = {"a": jnp.full((2, 3), jnp.nan), "b": jnp.array([0.0, jnp.inf, 1.0])}
    updates, new_state = update(bad, state, params)
    new_params = optax.apply_updates(params, updates)
    assert bool(new_state.skipped) and int(new_state.skipped_total) == 1
    for leaf in jax.tree_util.tree_leaves(updates):
        np.testing.assert_array_equal(leaf, 0.0)
    for old, new in zip(
        jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(new_params), strict=True
    ):
        np.testing.assert_array_equal(new, old)
    old_leaves = jax.tree_util.tree_leaves(state.inner_state)
    new_leaves = jax.tree_util.tree_leaves(new_state.inner_state)
    assert len(old_leaves) == len(new_leaves) > 2
    for old, new in zip(old_leaves, new_leaves, strict=True):
        assert old.dtype == new.dtype
        np.testing.assert_array_equal(new, old)
    assert int(new_state.inner_state.count) == 3
    # The next finite step continues from the untouched state.
    _, after = update({"a": jnp.ones((2, 3)), "b": jnp.ones(3)}, new_state, params)
    assert int(after.inner_state.count) == 4 and not bool(after.skipped)


def test_skip_does_not_run_the_inner_update():
    calls = []

    def update_fn(updates, state, params=None):
        jax.debug.callback(lambda: calls.append(1))
        return updates, state

    tx = skip_not_finite(optax.GradientTransformation(lambda p: optax.EmptyState(), update_fn))
    update = jax.jit(tx.update)
    state = tx.init(OK)
    update(OK, state)
    jax.effects_barrier()
    assert len(calls) == 1
    update(INF, state)
    jax.effects_barrier()
    assert len(calls) == 1


def test_skip_forwards_extra_args():
    params = {"w": jnp.ones(2)}
    tx = optax.chain(unscale_gradients(init_scale=2.0), skip_not_finite(optimizers.SGD(lr=0.1)))
    state = tx.init(params)
    lr = jnp.array([0.5], jnp.float32)
    updates, state = tx.update({"w": jnp.array([2.0, 4.0])}, state, params, hyperparams={"lr": lr})
    np.testing.assert_allclose(updates["w"], [-0.5, -1.0])
    np.testing.assert_array_equal(state[1].inner_state.hyperparams["lr"], lr)


def test_current_loss_scale_finds_the_state_in_wrappers():
    params = {"w": jnp.zeros(2)}
    scaled = optax.chain(unscale_gradients(init_scale=64.0), optax.sgd(0.1))

    @flax.struct.dataclass
    class Holder:
        opt_state: object
        step: int = flax.struct.field(pytree_node=False, default=0)

    states = {
        "chain": scaled.init(params),
        "multisteps": optax.MultiSteps(scaled, 2).init(params),
        "masked": optax.masked(scaled, {"w": True}).init(params),
        "inject": optax.inject_hyperparams(
            lambda lr: optax.chain(unscale_gradients(64.0), optax.sgd(lr))
        )(lr=0.1).init(params),
        "accumulate": accumulate_gradients(scaled, 2).init(params),
        "dict": {"inner": [scaled.init(params)]},
        "flax": Holder(opt_state=scaled.init(params)),
    }
    for name, state in states.items():
        scale = current_loss_scale(state)
        assert scale.dtype == jnp.float32, name
        assert float(scale) == 64.0, name
    one = current_loss_scale(optax.adam(1e-3).init(params))
    assert one.dtype == jnp.float32 and float(one) == 1.0
    assert scaler_state_dict(optax.adam(1e-3).init(params)) == {}


def test_current_loss_scale_under_jit_follows_the_state():
    tx = unscale_gradients(init_scale=4.0, growth_interval=1)
    state = tx.init(None)
    read = jax.jit(current_loss_scale)
    assert float(read(state)) == 4.0
    _, state = tx.update(OK, state)
    assert float(read(state)) == 8.0
    assert read._cache_size() == 1


def test_state_checkpoints_with_orbax(tmp_path):
    ocp = pytest.importorskip("orbax.checkpoint")
    tx = optax.chain(unscale_gradients(init_scale=32.0, growth_interval=2), optax.sgd(0.1))
    params = {"w": jnp.ones(2)}
    state = tx.init(params)
    for grads in (OK, INF, OK):
        _, state = tx.update(grads, state, params)
    checkpointer = ocp.StandardCheckpointer()
    checkpointer.save(tmp_path / "ckpt", state)
    checkpointer.wait_until_finished()
    restored = checkpointer.restore(tmp_path / "ckpt", tx.init(params))
    assert isinstance(restored[0], LossScaleState)
    assert (
        scaler_state_dict(restored)
        == scaler_state_dict(state)
        == {
            "scale": 16.0,
            "growth_factor": 2.0,
            "backoff_factor": 0.5,
            "growth_interval": 2,
            "_growth_tracker": 1,
        }
    )


# --- configuration ----------------------------------------------------------------------------


def test_parse_loss_scale_forms():
    static = parse_loss_scale(512.0)
    assert static == dict(
        init_scale=512.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000, dynamic=False
    )
    assert parse_loss_scale(512) == static  # mmcv rejects the int; accepted here
    assert parse_loss_scale(np.float32(512.0)) == static
    assert parse_loss_scale("dynamic") == {**static, "init_scale": 65536.0, "dynamic": True}
    assert parse_loss_scale(dict(init_scale=4.0, growth_interval=3, enabled=True)) == dict(
        init_scale=4.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=3, dynamic=True
    )
    assert parse_loss_scale(dict(enabled=False)) is None
    assert parse_fp16(None) is None
    assert parse_fp16({})["init_scale"] == 512.0 and not parse_fp16({})["dynamic"]
    assert parse_fp16(dict(loss_scale="dynamic"))["dynamic"]


@pytest.mark.parametrize(
    "value, exc, key",
    [
        ("static", TypeError, "loss_scale"),
        (True, TypeError, "loss_scale"),
        (None, TypeError, "loss_scale"),
        ([512.0], TypeError, "loss_scale"),
        (-1.0, ValueError, "loss_scale"),
        (math.inf, ValueError, "loss_scale"),
        (dict(init_scale=4.0, scale_window=3), TypeError, "scale_window"),
        (dict(enabled="yes"), TypeError, "enabled"),
        (dict(growth_factor=1.0), ValueError, "growth_factor"),
        (dict(backoff_factor=1.0), ValueError, "backoff_factor"),
        (dict(backoff_factor=0.0), ValueError, "backoff_factor"),
        (dict(growth_interval=2.5), TypeError, "growth_interval"),
        (dict(growth_interval=0), ValueError, "growth_interval"),
        (dict(init_scale=0.0), ValueError, "init_scale"),
        (dict(init_scale=math.nan), ValueError, "init_scale"),
        (dict(init_scale="big"), TypeError, "init_scale"),
        (dict(min_scale=0.0), ValueError, "min_scale"),
        (dict(min_scale="1"), TypeError, "min_scale"),
        (dict(max_scale=1e39), ValueError, "max_scale"),
        (dict(min_scale=4.0, max_scale=2.0), ValueError, "min_scale"),
        (dict(init_scale=2.0, min_scale=4.0), ValueError, r"init_scale.*outside"),
        (dict(init_scale=2.0**16, max_scale=2.0**10), ValueError, r"init_scale.*outside"),
    ],
)
def test_parse_loss_scale_rejects(value, exc, key):
    with pytest.raises(exc, match=key):
        parse_loss_scale(value)


def test_parse_loss_scale_bounds():
    kwargs = parse_loss_scale(dict(init_scale=2.0**10, min_scale=1, max_scale=2**24))
    assert kwargs["min_scale"] == 1 and kwargs["max_scale"] == 2**24 and kwargs["dynamic"]
    assert "min_scale" not in parse_loss_scale("dynamic")


def test_bounds_on_a_static_scale_are_refused():
    with pytest.raises(ValueError, match="`min_scale` bounds dynamic scaling only"):
        unscale_gradients(init_scale=512.0, dynamic=False, min_scale=1.0)


def test_bounds_reach_the_optimizer_through_make_optimizer():
    from jaxoptim import make_optimizer

    tx = make_optimizer(
        dict(
            optimizer=dict(type="SGD", lr=0.1),
            fp16=dict(loss_scale=dict(init_scale=4.0, min_scale=2.0)),
        )
    )
    params = {"w": jnp.ones(3)}
    state = tx.init(params)
    update = jax.jit(tx.update)
    for _ in range(3):
        _, state = update({"w": jnp.full(3, jnp.inf)}, state, params)
    assert float(current_loss_scale(state)) == 2.0


def test_parse_fp16_rejects_unknown_keys_and_non_mappings():
    with pytest.raises(TypeError, match="grad_clip"):
        parse_fp16(dict(loss_scale=512.0, grad_clip=None))
    with pytest.raises(TypeError, match="fp16"):
        parse_fp16(512.0)


@pytest.mark.parametrize(
    "kwargs, exc, key",
    [
        (dict(init_scale=-2.0), ValueError, "init_scale"),
        (dict(init_scale=1e39), ValueError, "init_scale"),
        (dict(growth_factor=0.5), ValueError, "growth_factor"),
        (dict(backoff_factor=2.0), ValueError, "backoff_factor"),
        (dict(growth_interval=-1), ValueError, "growth_interval"),
        (dict(growth_interval=True), TypeError, "growth_interval"),
        (dict(dynamic="no"), TypeError, "dynamic"),
    ],
)
def test_unscale_gradients_validates_arguments(kwargs, exc, key):
    with pytest.raises(exc, match=key):
        unscale_gradients(**kwargs)


def test_load_scaler_state_dict_errors_name_the_key():
    tx = unscale_gradients(init_scale=8.0, growth_interval=5)
    state = tx.init(None)
    good = scaler_state_dict(state)
    assert good == {
        "scale": 8.0,
        "growth_factor": 2.0,
        "backoff_factor": 0.5,
        "growth_interval": 5,
        "_growth_tracker": 0,
    }
    with pytest.raises(ValueError, match="empty"):
        load_scaler_state_dict(state, {})
    for key, value in (("growth_factor", 4.0), ("backoff_factor", 0.25), ("growth_interval", 2000)):
        with pytest.raises(ValueError, match=key):
            load_scaler_state_dict(state, {**good, key: value})
    with pytest.raises(ValueError, match="_growth_tracker"):
        load_scaler_state_dict(state, {k: v for k, v in good.items() if k != "_growth_tracker"})
    with pytest.raises(ValueError, match="cur_scale"):
        load_scaler_state_dict(state, {**good, "cur_scale": 8.0})
    with pytest.raises(ValueError, match="_growth_tracker"):
        load_scaler_state_dict(state, {**good, "_growth_tracker": -1})
    with pytest.raises(ValueError, match="no loss scaler"):
        load_scaler_state_dict(optax.sgd(0.1).init({"w": jnp.ones(1)}), good)
    loaded = load_scaler_state_dict(state, {**good, "scale": 256.0, "_growth_tracker": 3})
    assert (float(loaded.scale), int(loaded.growth_tracker)) == (256.0, 3)
    assert loaded.scale.dtype == jnp.float32 and loaded.growth_tracker.dtype == jnp.int32


def test_skip_state_fields():
    tx = skip_not_finite(optax.sgd(0.1))
    state = tx.init(OK)
    assert isinstance(state, SkipState)
    assert state.skipped.dtype == jnp.bool_ and state.skipped_total.dtype == jnp.int32
    _, state = tx.update(NAN, state, OK)
    _, state = tx.update(OK, state, OK)
    _, state = tx.update(INF, state, OK)
    assert bool(state.skipped) and int(state.skipped_total) == 2
