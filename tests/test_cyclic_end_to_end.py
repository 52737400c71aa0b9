"""The seed document's cyclic lr + momentum example, 100 steps, against torch driven by mmcv.

jaxoptim builds the whole optimizer from the config (``make_optimizer``); torch's SGD gets its
lr and momentum set before every step from the values mmcv 1.7.2's ``CyclicLrUpdaterHook`` and
``CyclicMomentumUpdaterHook`` set for that iteration (recorded in
``tests/data/mmcv_schedules.json`` by ``tests/data/gen_mmcv_schedules.py``). Both train the same
least-squares model on the same batches; the parameters must agree after every step.
"""

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

torch = pytest.importorskip("torch")

from jaxoptim import make_optimizer  # noqa: E402

STEPS = 100
CFG = dict(
    optimizer=dict(type="SGD", lr=0.01, momentum=0.95, weight_decay=1e-4),
    lr_config=dict(policy="cyclic", target_ratio=(10, 1e-4), cyclic_times=1, step_ratio_up=0.4),
    momentum_config=dict(
        policy="cyclic", target_ratio=(0.85 / 0.95, 1), cyclic_times=1, step_ratio_up=0.4
    ),
    runner=dict(type="IterBasedRunner", max_iters=STEPS),
)
MMCV = json.loads((Path(__file__).parent / "data" / "mmcv_schedules.json").read_text())["cases"]


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(STEPS, 8, 4)).astype(np.float32)
    y = rng.normal(size=(STEPS, 8, 3)).astype(np.float32)
    w0 = rng.normal(size=(4, 3)).astype(np.float32)
    b0 = rng.normal(size=(3,)).astype(np.float32)
    return x, y, w0, b0


def test_recorded_mmcv_values_are_the_seed_example():
    for kind in ("lr", "momentum"):
        case = MMCV[f"seed_cyclic_{kind}"]
        expected = {
            **CFG[f"{kind}_config"],
            "target_ratio": list(CFG[f"{kind}_config"]["target_ratio"]),
        }
        assert case["config"] == expected and case["max_iters"] == STEPS
    assert MMCV["seed_cyclic_lr"]["base"] == [0.01]
    assert MMCV["seed_cyclic_momentum"]["base"] == [0.95]


def test_seed_cyclic_example_matches_torch_sgd_driven_by_mmcv():
    x, y, w0, b0 = _data()
    mmcv_lr = np.asarray(MMCV["seed_cyclic_lr"]["values"])[:, 0]
    mmcv_momentum = np.asarray(MMCV["seed_cyclic_momentum"]["values"])[:, 0]

    # torch, with mmcv's values set before each step
    w = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    b = torch.nn.Parameter(torch.from_numpy(b0.copy()))
    opt = torch.optim.SGD([w, b], lr=0.01, momentum=0.95, weight_decay=1e-4)
    torch_params = []
    for i in range(STEPS):
        opt.param_groups[0]["lr"] = float(mmcv_lr[i])
        opt.param_groups[0]["momentum"] = float(mmcv_momentum[i])
        opt.zero_grad()
        loss = ((torch.from_numpy(x[i]) @ w + b - torch.from_numpy(y[i])) ** 2).mean()
        loss.backward()
        opt.step()
        torch_params.append((w.detach().numpy().copy(), b.detach().numpy().copy()))

    # jaxoptim, the whole optimizer from the config
    tx = make_optimizer(CFG, max_iters=STEPS)
    params = {"w": jnp.asarray(w0), "b": jnp.asarray(b0)}
    state = tx.init(params)

    @jax.jit
    def step(params, state, xb, yb):
        grads = jax.grad(lambda p: jnp.mean((xb @ p["w"] + p["b"] - yb) ** 2))(params)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    for i in range(STEPS):
        params, state = step(params, state, x[i], y[i])
        np.testing.assert_allclose(params["w"], torch_params[i][0], rtol=5e-5, atol=1e-6)
        np.testing.assert_allclose(params["b"], torch_params[i][1], rtol=5e-5, atol=1e-6)
        # the live hyperparameters in the state are the ones mmcv set for this iteration
        np.testing.assert_allclose(state.hyperparams["lr"][0], mmcv_lr[i], rtol=1e-6)
        np.testing.assert_allclose(state.hyperparams["momentum"][0], mmcv_momentum[i], rtol=1e-6)
    assert int(state.iteration) == STEPS
    # the run went through the whole cycle: peak lr 10x the base, momentum down to 0.85
    assert mmcv_lr.max() == pytest.approx(0.1) and mmcv_momentum.min() == pytest.approx(0.85)
