"""A user's optax optimizer gets torch's param groups: one instance of the factory per group.

Expectations are the same optax factory built by hand once per group (its lr and weight decay
written in), and the mmcv schedule of each group's own base lr.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxoptim import OPTIMIZERS, lr_schedule, make_optimizer

PARAMS = jax.tree_util.tree_map(
    lambda x: jnp.asarray(x, jnp.float32),
    {
        "backbone": {
            "bn": {"bias": np.full(3, 0.5), "scale": np.full(3, 2.0)},
            "conv": {"kernel": np.arange(6.0).reshape(2, 3) - 2.0},
        },
        "head": {"bias": np.full(2, -1.0), "kernel": np.linspace(-1.0, 1.0, 6).reshape(3, 2)},
    },
)
PAIRWISE = dict(
    norm_decay_mult=0.0,
    bias_decay_mult=0.0,
    custom_keys={"head": dict(lr_mult=0.1), "backbone.conv": dict(decay_mult=2.0)},
)


def _register(name, factory):
    OPTIMIZERS.register_module(name=name, module=factory, force=True)
    return name


def _grads(step):
    rng = np.random.default_rng(step)
    return jax.tree_util.tree_map(
        lambda p: jnp.asarray(rng.standard_normal(p.shape), jnp.float32), PARAMS
    )


def _by_hand(factory_of, groups, steps):
    """Each group's leaves trained by their own optax instance, the others left alone."""
    out = {}
    for names, (lr, wd) in groups.items():
        tx = factory_of(lr, wd)
        sub = {n: _leaf(PARAMS, n) for n in names}
        state = tx.init(sub)
        for step in range(steps):
            g = {n: _leaf(_grads(step), n) for n in names}
            updates, state = tx.update(g, state, sub)
            sub = optax.apply_updates(sub, updates)
        out.update(sub)
    return out


def _leaf(tree, name):
    for part in name.split("."):
        tree = tree[part]
    return tree


def _run(tx, steps, params=PARAMS):
    state = tx.init(params)
    update = jax.jit(tx.update)
    for step in range(steps):
        updates, state = update(_grads(step), state, params)
        params = optax.apply_updates(params, updates)
    return params, state, update


def test_lion_gets_each_groups_lr_and_weight_decay():
    name = _register("UserLionPerGroup", optax.lion)
    cfg = dict(type=name, learning_rate=0.01, weight_decay=0.1, paramwise_cfg=PAIRWISE)
    params, _, update = _run(make_optimizer(cfg), 5)
    groups = {
        ("backbone.bn.bias", "backbone.bn.scale"): (0.01, 0.0),
        ("backbone.conv.kernel",): (0.01, 0.2),
        ("head.bias", "head.kernel"): (0.001, 0.1),  # a custom key wins over bias_decay_mult
    }
    expected = _by_hand(lambda lr, wd: optax.lion(lr, weight_decay=wd), groups, 5)
    for leaf_name, value in expected.items():
        np.testing.assert_allclose(_leaf(params, leaf_name), value, rtol=1e-6, err_msg=leaf_name)
    assert update._cache_size() == 1


def test_each_group_follows_its_own_schedule_with_an_absolute_min_lr():
    # CosineAnnealing to min_lr=0.01 from 0.1 (base) and from 0.01 (head, lr_mult 0.1): the head
    # stays at 0.01, which is no fixed multiple of the base group's lr.
    name = _register("UserSgdCosine", lambda lr=0.1: optax.sgd(lr))
    steps = 6
    cfg = dict(
        optimizer=dict(
            type=name, lr=0.1, paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=0.1)})
        ),
        lr_config=dict(policy="CosineAnnealing", min_lr=0.01, by_epoch=False),
        runner=dict(max_iters=steps),
    )
    tx = make_optimizer(cfg)
    state = tx.init(PARAMS)
    update = jax.jit(tx.update)
    ones = jax.tree_util.tree_map(jnp.ones_like, PARAMS)
    body, head = [], []
    for _ in range(steps):
        updates, state = update(ones, state, PARAMS)
        body.append(-float(updates["backbone"]["conv"]["kernel"][0, 0]))
        head.append(-float(updates["head"]["kernel"][0, 0]))
    lr_config = cfg["lr_config"]
    for base, got in ((0.1, body), (0.01, head)):
        schedule = lr_schedule(lr_config, base, max_iters=steps)
        np.testing.assert_allclose(got, [float(schedule(i)) for i in range(steps)], rtol=1e-6)
    np.testing.assert_allclose(head, 0.01, rtol=1e-6)
    assert update._cache_size() == 1


def test_frozen_leaves_get_zero_updates_and_no_state():
    name = _register("UserAdamFrozen", lambda lr=1e-3: optax.adam(lr))
    cfg = dict(type=name, lr=0.1, paramwise_cfg=dict(custom_keys={"backbone": dict(frozen=True)}))
    tx = make_optimizer(cfg)
    params, state, _ = _run(tx, 3)
    for leaf_name in ("backbone.bn.bias", "backbone.bn.scale", "backbone.conv.kernel"):
        np.testing.assert_array_equal(_leaf(params, leaf_name), _leaf(PARAMS, leaf_name))
    expected = _by_hand(lambda lr, wd: optax.adam(lr), {("head.bias", "head.kernel"): (0.1, 0)}, 3)
    for leaf_name, value in expected.items():
        np.testing.assert_allclose(_leaf(params, leaf_name), value, rtol=1e-6)
    # Adam's two moments for the 8 head values only, plus scalar counts and hyperparameters.
    sizes = [x.size for x in jax.tree_util.tree_leaves(state) if x.ndim > 0]
    assert sum(sizes) == 2 * 8 + 1  # the +1: the driver's live lr vector (one group)


def test_one_group_keeps_the_factorys_own_state():
    name = _register("UserSgdOneGroup", lambda lr=0.1, momentum=0.9: optax.sgd(lr, momentum))
    tx = make_optimizer(dict(type=name, lr=0.1))
    state = tx.init(PARAMS)
    assert isinstance(state.inner_state, optax.InjectStatefulHyperparamsState)
    params, _, _ = _run(tx, 3)
    expected = _by_hand(
        lambda lr, wd: optax.sgd(lr, 0.9),
        {
            (
                "backbone.bn.bias",
                "backbone.bn.scale",
                "backbone.conv.kernel",
                "head.bias",
                "head.kernel",
            ): (0.1, 0)
        },
        3,
    )
    for leaf_name, value in expected.items():
        np.testing.assert_allclose(_leaf(params, leaf_name), value, rtol=1e-6)


def test_a_setting_the_factory_does_not_take_is_named():
    name = _register("UserSgdNoDecay", lambda lr=0.1, weight_decay=0.0: optax.sgd(lr))
    # the factory takes weight_decay, so the config is accepted ...
    make_optimizer(dict(type=name, lr=0.1, weight_decay=0.1, paramwise_cfg=PAIRWISE)).init(PARAMS)
    name = _register("UserSgdNoDecayArg", lambda lr=0.1: optax.sgd(lr))
    # ... and a factory without it has its base config refused when the optimizer is built
    with pytest.raises(TypeError, match="UserSgdNoDecayArg.*weight_decay"):
        make_optimizer(dict(type=name, lr=0.1, weight_decay=0.1, paramwise_cfg=PAIRWISE))


def test_per_group_settings_the_factory_lacks_raise_naming_the_parameter():
    # mmengine's custom keys may set any hyperparameter; a factory without it is named.
    name = _register("UserSgdNoEps", lambda lr=0.1: optax.sgd(lr))
    cfg = dict(
        type=name,
        lr=0.1,
        paramwise_cfg=dict(dialect="mmengine", custom_keys={"head": dict(eps=1e-3)}),
    )
    with pytest.raises(TypeError, match=r"custom_keys\['head'\]\.eps.*UserSgdNoEps"):
        make_optimizer(cfg)


def test_lr_multipliers_need_a_factory_with_an_lr():
    name = _register("UserNoLr", lambda: optax.scale(-0.1))
    cfg = dict(type=name, paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=0.1)}))
    with pytest.raises(ValueError, match="lr multiplier needs a learning rate"):
        make_optimizer(cfg)


def test_groups_drive_under_jit_and_a_changing_lr_never_recompiles():
    name = _register(
        "UserAdamWSchedule",
        lambda lr=1e-3, weight_decay=1e-2: optax.adamw(lr, weight_decay=weight_decay),
    )
    cfg = dict(
        optimizer=dict(type=name, lr=0.01, weight_decay=0.05, paramwise_cfg=PAIRWISE),
        lr_config=dict(
            policy="step",
            step=[2, 4],
            gamma=0.5,
            by_epoch=False,
            warmup="linear",
            warmup_iters=3,
            warmup_ratio=0.1,
        ),
        runner=dict(max_iters=8),
    )
    _, state, update = _run(make_optimizer(cfg), 8)
    assert update._cache_size() == 1
    lrs = np.asarray(state.hyperparams["lr"])
    np.testing.assert_allclose(sorted(lrs), sorted([0.01 * 0.25, 0.001 * 0.25]), rtol=1e-6)


def test_every_leaf_frozen_trains_nothing_and_keeps_no_state():
    name = _register("UserSgdAllFrozen", lambda lr=0.1: optax.sgd(lr, momentum=0.9))
    cfg = dict(
        optimizer=dict(type=name, lr=0.1, paramwise_cfg=dict(custom_keys={"": dict(frozen=True)})),
        lr_config=dict(policy="step", step=[1], by_epoch=False),
        runner=dict(max_iters=3),
    )
    params, state, _ = _run(make_optimizer(cfg), 3)
    for got, start in zip(jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(PARAMS)):
        np.testing.assert_array_equal(got, start)
    assert not [x for x in jax.tree_util.tree_leaves(state.inner_state) if x.ndim > 0]


def test_groups_train_under_the_full_chain_and_resume_exactly(tmp_path):
    from jaxoptim import TrainState, make_train_step, restore_checkpoint, save_checkpoint

    name = _register("UserLionFullChain", optax.lion)
    cfg = dict(
        optimizer=dict(
            type=name,
            learning_rate=0.01,
            weight_decay=0.1,
            paramwise_cfg=dict(
                norm_decay_mult=0.0,
                custom_keys={"head": dict(lr_mult=0.1), "backbone.conv": dict(frozen=True)},
            ),
        ),
        fp16=dict(loss_scale=dict(init_scale=256.0)),
        optimizer_config=dict(grad_clip=dict(max_norm=1.0), cumulative_iters=2),
        lr_config=dict(policy="step", step=[4], by_epoch=False),
        runner=dict(max_iters=8),
    )
    tx = make_optimizer(cfg)

    def loss_fn(p, batch):
        h = batch @ p["backbone"]["conv"]["kernel"] * p["backbone"]["bn"]["scale"]
        return jnp.mean((h @ p["head"]["kernel"] + p["head"]["bias"]) ** 2)

    step = make_train_step(loss_fn, tx, precision="float16")
    batch = jnp.linspace(-1.0, 1.0, 8, dtype=jnp.float32).reshape(4, 2)

    def fresh():  # the step donates its state: never hand it the module's PARAMS
        return TrainState.create(params=jax.tree_util.tree_map(jnp.copy, PARAMS), tx=tx)

    state = fresh()
    for _ in range(4):
        state, metrics = step(state, batch)
    assert not bool(metrics["skipped"])
    np.testing.assert_array_equal(
        state.params["backbone"]["conv"]["kernel"], PARAMS["backbone"]["conv"]["kernel"]
    )
    assert not np.allclose(state.params["head"]["kernel"], PARAMS["head"]["kernel"])
    save_checkpoint(tmp_path, state, step=4)
    resumed = restore_checkpoint(tmp_path, fresh())
    for _ in range(3):
        state, _ = step(state, batch)
        resumed, _ = step(resumed, batch)
    for a, b in zip(jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(resumed)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_any_optax_optimizer_by_its_dotted_name():
    cfg = dict(type="optax.lion", learning_rate=0.01, weight_decay=0.1, paramwise_cfg=PAIRWISE)
    params, _, update = _run(make_optimizer(cfg), 4)
    groups = {
        ("backbone.bn.bias", "backbone.bn.scale"): (0.01, 0.0),
        ("backbone.conv.kernel",): (0.01, 0.2),
        ("head.bias", "head.kernel"): (0.001, 0.1),
    }
    expected = _by_hand(lambda lr, wd: optax.lion(lr, weight_decay=wd), groups, 4)
    for leaf_name, value in expected.items():
        np.testing.assert_allclose(_leaf(params, leaf_name), value, rtol=1e-6, err_msg=leaf_name)
    assert update._cache_size() == 1
    assert "optax.adamw" in OPTIMIZERS and "optax.contrib.muon" in OPTIMIZERS
    # not optimizers: a module, a class, a private name, a non-optax name
    for name in ("optax.tree_utils", "optax.GradientTransformation", "optax._src", "adamw"):
        assert name not in OPTIMIZERS, name


def test_a_misspelt_optax_name_suggests_the_right_one():
    with pytest.raises(KeyError, match=r"optax has no public .*did you mean 'optax\.adamw'"):
        make_optimizer(dict(type="optax.adamww", learning_rate=1e-3))


_WORDS = ("backbone", "neck", "head", "conv", "bn", "norm", "fc", "attn", "stage1", "stage2")


def _random_case(seed):
    rng = np.random.default_rng(seed)
    tree: dict = {}
    for _ in range(int(rng.integers(3, 9))):
        path = [str(rng.choice(_WORDS)) for _ in range(int(rng.integers(1, 4)))]
        leaf = str(rng.choice(["kernel", "bias", "scale"]))
        node = tree
        for part in path:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            shape = (3,) if leaf != "kernel" else (2, 3)
            node.setdefault(leaf, jnp.asarray(rng.normal(size=shape), jnp.float32))
    pw: dict = {}
    for key in ("norm_decay_mult", "bias_decay_mult", "bias_lr_mult"):
        if rng.random() < 0.5:
            pw[key] = float(rng.choice([0.0, 0.5, 2.0]))
    custom = {}
    for word in rng.choice(_WORDS, size=int(rng.integers(0, 3)), replace=False):
        entry = {}
        if rng.random() < 0.6:
            entry["lr_mult"] = float(rng.choice([0.1, 0.5, 3.0]))
        if rng.random() < 0.5:
            entry["decay_mult"] = float(rng.choice([0.0, 2.0]))
        if rng.random() < 0.2:
            entry = {"frozen": True}
        custom[str(word)] = entry
    if custom:
        pw["custom_keys"] = custom
    return tree, pw


@pytest.mark.parametrize("seed", range(16))
@pytest.mark.filterwarnings("ignore:paramwise_cfg. custom_keys")
def test_random_groupings_equal_the_hand_built_partition(seed):
    from jaxoptim import explain

    params, pw = _random_case(seed)
    cfg = dict(type="optax.adamw", learning_rate=0.01, weight_decay=0.1, paramwise_cfg=pw)
    rows = list(explain(cfg, params))
    # the oracle: optax itself, one optax.adamw per (lr, wd) of the table, frozen leaves zero
    groups = sorted({(r.lr, r.weight_decay) for r in rows if not r.frozen})
    labels = ["frozen" if r.frozen else f"g{groups.index((r.lr, r.weight_decay))}" for r in rows]
    transforms = {f"g{i}": optax.adamw(lr, weight_decay=wd) for i, (lr, wd) in enumerate(groups)}
    transforms["frozen"] = optax.set_to_zero()
    treedef = jax.tree_util.tree_structure(params)
    hand = optax.partition(transforms, jax.tree_util.tree_unflatten(treedef, labels))
    outs = []
    for tx in (make_optimizer(cfg), hand):
        state, p = tx.init(params), params
        for step in range(3):
            grads = jax.tree_util.tree_map(lambda x, s=step: jnp.cos(x * (s + 1)), p)
            updates, state = jax.jit(tx.update)(grads, state, p)
            p = optax.apply_updates(p, updates)
        outs.append(p)
    for a, b in zip(jax.tree_util.tree_leaves(outs[0]), jax.tree_util.tree_leaves(outs[1])):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_a_callable_under_optax_that_is_no_optimizer_is_named():
    with pytest.raises(TypeError, match="optax.l2_loss"):
        make_optimizer(dict(type="optax.l2_loss", lr=0.1))


def test_user_optimizer_groups_take_numpy_multipliers_as_numbers():
    cfg = dict(
        type="optax.adamw",
        learning_rate=np.float32(0.01),
        weight_decay=np.float64(0.1),
        paramwise_cfg=dict(
            custom_keys={"head": dict(lr_mult=np.float32(0.5), decay_mult=np.int64(0))}
        ),
    )
    plain = dict(
        type="optax.adamw",
        learning_rate=0.01,
        weight_decay=0.1,
        paramwise_cfg=dict(custom_keys={"head": dict(lr_mult=0.5, decay_mult=0)}),
    )
    params = {"head": jnp.ones(2), "body": jnp.ones(2)}
    out = []
    for c in (cfg, plain):
        tx = make_optimizer(c)
        updates, _ = jax.jit(tx.update)(params, tx.init(params), params)
        out.append(updates)
    for a, b in zip(jax.tree_util.tree_leaves(out[0]), jax.tree_util.tree_leaves(out[1])):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_torch_lr_name_on_an_optax_factory_says_learning_rate():
    with pytest.raises(TypeError, match="optax.adamw.*'lr'.*write learning_rate="):
        make_optimizer(dict(type="optax.adamw", lr=1e-3))
