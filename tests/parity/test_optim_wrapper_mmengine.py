"""Training parity of ``optim_wrapper`` configs with mmengine's OptimWrapper / AmpOptimWrapper.

The same small model (Dense -> ReLU -> LayerNorm -> Dense head) is trained in torch by a real
mmengine wrapper built with ``build_optim_wrapper`` (DefaultOptimWrapperConstructor,
``update_params``, ``initialize_count_status``) and real ``ParamScheduler``s stepped as mmengine's
``ParamSchedulerHook`` steps them, and in JAX by ``make_train_step`` with the optimizer
``make_optimizer`` builds from the same config. The parameters must agree after every iteration.

``AmpOptimWrapper`` refuses to be built without an accelerator; the test lets it see a CPU
``torch.amp.GradScaler`` instead of ``torch.cuda.amp``'s (the scaler arithmetic is the same) and
computes in float32 (autocast is not entered), so what is compared is the loss-scaler logic:
scaling, unscaling before clipping, skipping non-finite steps and the scale's updates.
"""

from __future__ import annotations

import copy
import functools
import logging
import warnings

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.optim.optimizer import amp_optimizer_wrapper
from mmengine.registry import PARAM_SCHEDULERS

import jaxoptim

MMLogger.get_current_instance().setLevel(logging.ERROR)

IPE = 4
EPOCHS = 4
MAX_ITERS = IPE * EPOCHS  # 16: accumulative_counts=3 leaves a remainder of 1


class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        h = nn.relu(nn.Dense(8, name="fc")(x))
        h = nn.LayerNorm(epsilon=1e-5, name="ln")(h)
        return nn.Dense(2, name="head")(h)


class TorchNet(torch.nn.Module):
    def __init__(self, params):
        super().__init__()
        self.fc = torch.nn.Linear(4, 8)
        self.ln = torch.nn.LayerNorm(8)
        self.head = torch.nn.Linear(8, 2)
        with torch.no_grad():
            for name in ("fc", "head"):
                getattr(self, name).weight.copy_(torch.tensor(np.asarray(params[name]["kernel"]).T))
                getattr(self, name).bias.copy_(torch.tensor(np.asarray(params[name]["bias"])))
            self.ln.weight.copy_(torch.tensor(np.asarray(params["ln"]["scale"])))
            self.ln.bias.copy_(torch.tensor(np.asarray(params["ln"]["bias"])))

    def forward(self, x):
        return self.head(self.ln(torch.relu(self.fc(x))))

    def as_flax(self):
        t = {k: v.detach().numpy().copy() for k, v in self.named_parameters()}
        return {
            "fc": {"kernel": t["fc.weight"].T, "bias": t["fc.bias"]},
            "ln": {"scale": t["ln.weight"], "bias": t["ln.bias"]},
            "head": {"kernel": t["head.weight"].T, "bias": t["head.bias"]},
        }


def _batches(n, poison=()):
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        x = rng.normal(size=(6, 4)).astype(np.float32)
        y = rng.normal(size=(6, 2)).astype(np.float32)
        if i in poison:
            x[0, 0] = np.inf
        out.append((x, y))
    return out


@pytest.fixture
def cpu_amp(monkeypatch):
    """Lets mmengine's AmpOptimWrapper build on CPU with a CPU GradScaler."""
    monkeypatch.setattr(amp_optimizer_wrapper, "is_cuda_available", lambda: True)
    monkeypatch.setattr(
        amp_optimizer_wrapper, "GradScaler", functools.partial(torch.amp.GradScaler, "cpu")
    )


def _torch_run(cfg, params, batches):
    model = TorchNet(params)
    wrapper_cfg = copy.deepcopy(cfg["optim_wrapper"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wrapper = build_optim_wrapper(model, wrapper_cfg)
        wrapper.initialize_count_status(model, 0, MAX_ITERS)
        schedulers = []
        for s in copy.deepcopy(cfg["param_scheduler"]):
            s.setdefault("end", EPOCHS if s.get("by_epoch", True) else MAX_ITERS)
            schedulers.append(
                PARAM_SCHEDULERS.build(s, default_args=dict(optimizer=wrapper, epoch_length=IPE))
            )
        history, scales = [], []
        for i, (x, y) in enumerate(batches):
            loss = torch.mean((model(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2)
            wrapper.update_params(loss)
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
            if (i + 1) % IPE == 0:
                for s in schedulers:
                    if s.by_epoch:
                        s.step()
            history.append(model.as_flax())
            scaler = getattr(wrapper, "loss_scaler", None)
            scales.append(scaler.get_scale() if scaler is not None else 1.0)
    return history, scales


def _jax_run(cfg, params, batches, kinds):
    model = Net()
    tx = jaxoptim.make_optimizer(cfg, param_kinds=kinds, iters_per_epoch=IPE)

    def loss_fn(p, batch):
        return jnp.mean((model.apply({"params": p}, batch["x"]) - batch["y"]) ** 2)

    with warnings.catch_warnings():
        # float32 on purpose: torch's side runs the AmpOptimWrapper on the CPU without autocast,
        # so the loss-scale logic is compared, not the compute dtype the config asks for.
        warnings.filterwarnings("ignore", message="the optimizer's config asks for")
        step = jaxoptim.make_train_step(loss_fn, tx, precision="float32", param_kinds=kinds)
    state = jaxoptim.TrainState.create(params=jax.tree_util.tree_map(jnp.array, params), tx=tx)
    history, scales, metrics = [], [], []
    for x, y in batches:
        state, m = step(state, {"x": x, "y": y})
        history.append(jax.device_get(state.params))
        scales.append(float(jaxoptim.current_loss_scale(state.opt_state)))
        metrics.append(jax.device_get(m))
    return history, scales, metrics, step


def _setup():
    x = np.zeros((1, 4), np.float32)
    params = Net().init(jax.random.key(0), x)["params"]
    return params, jaxoptim.param_kinds(Net(), x)


PARAMWISE = dict(norm_decay_mult=0.0, bias_decay_mult=0.0, custom_keys={"head": dict(lr_mult=0.5)})
SCHEDULERS = [
    dict(type="LinearLR", start_factor=0.2, by_epoch=False, end=5),
    dict(type="MultiStepLR", milestones=[2, 3], gamma=0.5, by_epoch=True),
]
CASES = {
    "sgd_norm_clip_accumulation": dict(
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-2),
            paramwise_cfg=PARAMWISE,
            clip_grad=dict(max_norm=0.5, norm_type=2),
            accumulative_counts=3,
        ),
        param_scheduler=SCHEDULERS
        + [dict(type="MultiStepMomentum", milestones=[6], gamma=0.9, by_epoch=False)],
    ),
    "amp_dynamic_value_clip_accumulation": dict(
        optim_wrapper=dict(
            type="AmpOptimWrapper",
            optimizer=dict(type="AdamW", lr=0.01, weight_decay=0.05),
            paramwise_cfg=PARAMWISE,
            clip_grad=dict(type="value", clip_value=0.02),
            accumulative_counts=2,
            loss_scale=dict(init_scale=2.0**10, growth_interval=2),
        ),
        param_scheduler=SCHEDULERS,
    ),
    "amp_static_norm_clip_betas_scheduled": dict(
        optim_wrapper=dict(
            type="AmpOptimWrapper",
            optimizer=dict(type="Adam", lr=0.01, betas=(0.9, 0.99), weight_decay=1e-3),
            paramwise_cfg=PARAMWISE,
            clip_grad=dict(max_norm=1.0),
            loss_scale=256.0,
        ),
        param_scheduler=SCHEDULERS
        + [dict(type="CosineAnnealingMomentum", eta_min=0.8, by_epoch=True, begin=1)],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_training_matches_mmengine_optim_wrapper(name, cpu_amp):
    cfg = dict(CASES[name], train_cfg=dict(by_epoch=True, max_epochs=EPOCHS))
    # the AMP runs see a non-finite batch inside an accumulation window: the step is skipped
    poison = (5,) if "amp" in name else ()
    batches = _batches(MAX_ITERS, poison)
    params, kinds = _setup()
    cfg_jax = dict(cfg, train_cfg=dict(type="EpochBasedTrainLoop", max_epochs=EPOCHS))
    want, want_scales = _torch_run(cfg, params, batches)
    got, got_scales, metrics, _ = _jax_run(cfg_jax, params, batches, kinds)
    assert got_scales == want_scales
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        for path, a, b in zip(
            jax.tree_util.tree_leaves_with_path(g), jax.tree_util.tree_leaves(g),
            jax.tree_util.tree_leaves(w), strict=True,
        ):  # fmt: skip
            np.testing.assert_allclose(
                a, b, rtol=2e-5, atol=2e-6, err_msg=f"iteration {i}, {path[0]}"
            )
    if poison:
        assert [bool(m["skipped"]) for m in metrics].count(True) == 1


def test_value_clip_keeps_the_pre_clip_grad_norm_and_compiles_once():
    cfg = dict(
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=0.1, momentum=0.9),
            clip_grad=dict(type="value", clip_value=1e-3),
        ),
        param_scheduler=[dict(type="LinearLR", start_factor=0.1, by_epoch=False, end=4)],
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=6),
    )
    params, kinds = _setup()
    batches = _batches(6)
    _, _, metrics, step = _jax_run(cfg, params, batches, kinds)
    model = Net()
    x, y = batches[0]

    def loss(p):
        return jnp.mean((model.apply({"params": p}, x) - y) ** 2)

    grads = jax.grad(loss)(params)
    norm = float(jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree_util.tree_leaves(grads))))
    assert float(metrics[0]["grad_norm"]) == pytest.approx(norm, rel=1e-5)
    assert norm > 1e-2  # the clipped gradients would have a far smaller norm
    lrs = [float(m["lr"]) for m in metrics]
    np.testing.assert_allclose(lrs, [0.01, 0.04, 0.07, 0.1, 0.1, 0.1], rtol=1e-6)
    assert step._cache_size() == 1
