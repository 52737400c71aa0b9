"""Real OpenMMLab configs load and schedule exactly as mmcv 1.7.2 / mmengine 0.10.7 do.

The corpus (``tests/data/real_configs/``, sources in its ``SOURCES.md``) holds real config files
with their ``_base_`` chains; ``tests/data/gen_real_configs.py`` recorded what the real loader
makes of each (``real_configs_expected.json``): its optimizer sections, and the lr / momentum /
weight decay before every recorded iteration for two epoch lengths, from the real lr hooks or
parameter schedulers. A config may fail here only where the real library fails too, or where
``KNOWN`` names the reason (work in progress elsewhere, marked ``xfail(strict=True)`` so that
each entry must be removed once it passes).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from jaxoptim.config import SECTIONS, Config
from jaxoptim.plot import schedule_values

DATA_DIR = Path(__file__).parent / "data"
ROOT = DATA_DIR / "real_configs"
EXPECTED = json.loads((DATA_DIR / "real_configs_expected.json").read_text())
CONFIGS = EXPECTED["configs"]

# Configs for DeepSpeed / IPU wrappers and runners, out of scope: jaxoptim refuses them, naming
# why (the loader still reads them as the real one does).
REJECTED: dict[str, str] = {
    "open-mmlab__mmpretrain/mmcls-0.x/configs/vision_transformer/vit-base-p16_ft-4xb544-ipu_in1k.py": "IPU runner.*out of jaxoptim's scope",  # noqa: E501
}

# config path -> why its schedule does not match yet (marked ``xfail(strict=True)``, so each entry
# must be removed once it passes).
KNOWN: dict[str, str] = {}


def _plain(value):
    return json.loads(json.dumps(value, default=str))


def _load(path: str) -> Config:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Config.fromfile(ROOT / path, import_custom_modules=False)


def _sections(cfg) -> dict:
    return _plain({k: cfg[k] for k in SECTIONS if k in cfg})


@pytest.mark.parametrize("path", sorted(CONFIGS))
def test_loads_to_the_real_loaders_sections(path):
    record = CONFIGS[path]
    if "error" in record:
        # The real loader fails: so must ours. A package-scoped base names its package.
        with pytest.raises(Exception) as info:
            _load(path)
        if "pkg_resources" in record["error"]:  # mmengine looks the package up; not installed
            assert "not installed" in str(info.value)
        return
    assert _sections(_load(path)) == record["sections"]


_BASES = ("type", "lr", "momentum", "betas")


def _schedule_part(sections: dict) -> dict:
    """What decides a schedule: the base values, the schedule sections and the run's length."""
    part = {k: sections.get(k) for k in ("lr_config", "momentum_config", "runner")}
    part.update({k: sections.get(k) for k in ("param_scheduler", "train_cfg", "auto_scale_lr")})
    optimizer = sections.get("optimizer") or {}
    wrapper = sections.get("optim_wrapper") or {}
    if isinstance(optimizer, dict):
        part["optimizer"] = {k: optimizer.get(k) for k in _BASES}
    if isinstance(wrapper, dict):
        inner = wrapper.get("optimizer") or {}
        part["optim_wrapper"] = {k: inner.get(k) for k in _BASES}
    return part


def _schedule_cases():
    """One case per distinct schedule part and epoch length: configs sharing one run it once."""
    cases: dict[str, dict] = {}
    for path, record in sorted(CONFIGS.items()):
        for length, sched in record.get("schedules", {}).items():
            if "error" in sched:
                continue  # the real library cannot run it (no runner / train_cfg, say)
            part = _schedule_part(record["sections"])
            key = json.dumps([part, sched["id"], length], sort_keys=True, default=str)
            case = cases.setdefault(key, dict(paths=[], id=sched["id"], length=int(length)))
            case["paths"].append(path)
    params = []
    for case in cases.values():
        path = case["paths"][0]
        if path in REJECTED:
            continue  # test_rejected_configs_say_why
        marks = []
        reason = KNOWN.get(path)
        if reason is not None:
            marks.append(pytest.mark.xfail(strict=True, reason=reason))
        params.append(pytest.param(case, id=f"{path}@{case['length']}", marks=marks))
    return params


@pytest.mark.parametrize("case", _schedule_cases())
def test_schedules_match_the_real_library(case):
    path = case["paths"][0]
    expected = EXPECTED["schedules"][case["id"]]
    cfg = CONFIGS[path]["sections"]
    scale = cfg.get("auto_scale_lr") or {}
    # The record has no lr scaling: a total batch equal to auto_scale_lr's base batch.
    batch = scale.get("base_batch_size") if scale.get("enable") else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = schedule_values(cfg, iters_per_epoch=case["length"], batch_size=batch)
    iterations = np.asarray(expected["iterations"])
    assert len(got["lr"]) == expected["max_iters"]
    for name in ("lr", "momentum", "weight_decay"):
        if name not in expected:
            continue
        if name == "momentum" and np.ptp(expected[name]) == 0 and name not in got:
            continue  # a constant momentum: nothing schedules it
        values = np.asarray(got[name])[iterations]
        values = values.reshape(len(iterations), -1)[:, 0]
        np.testing.assert_allclose(values, expected[name], rtol=1e-6, atol=0, err_msg=name)


@pytest.mark.parametrize("path", sorted(REJECTED))
def test_rejected_configs_say_why(path):
    """make_optimizer and the plot refuse an out-of-scope config with the reason."""
    from jaxoptim import make_optimizer

    cfg = CONFIGS[path]["sections"]
    calls = (
        lambda: schedule_values(cfg, iters_per_epoch=3),
        lambda: make_optimizer(cfg, iters_per_epoch=3),
    )
    for call in calls:
        with pytest.raises(ValueError, match=REJECTED[path]):
            call()


# Records with a `fix_lr` group (SimSiam) that jaxoptim cannot build yet, and why.
FIXED_KNOWN: dict[str, str] = {}


def _fixed_cases():
    params = []
    for path, record in sorted(CONFIGS.items()):
        for length, sched in record.get("schedules", {}).items():
            if "fixed_lr" not in EXPECTED["schedules"].get(sched.get("id"), {}):
                continue
            marks = []
            if path in FIXED_KNOWN:
                marks.append(pytest.mark.xfail(strict=True, reason=FIXED_KNOWN[path]))
            params.append(pytest.param(path, sched["id"], int(length), marks=marks))
    return params


@pytest.mark.parametrize("path, sched_id, length", _fixed_cases())
def test_fix_lr_groups_follow_simsiam_hook(path, sched_id, length):
    """make_optimizer's fix_lr group (SimSiamHook) and the scheduled one, at every iteration."""
    import jax
    import jax.numpy as jnp

    from jaxoptim import make_optimizer

    expected = EXPECTED["schedules"][sched_id]
    cfg = _load(path)
    wrapper = cfg.get("optim_wrapper") or {}
    custom = (wrapper.get("paramwise_cfg") or {}).get("custom_keys") or {}
    (key,) = [k for k, v in custom.items() if v.get("fix_lr")] or ["predictor"]
    params = {"backbone": {"kernel": jnp.ones((2, 2))}, key: {"kernel": jnp.ones(2)}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tx = make_optimizer(cfg, iters_per_epoch=length)
        state = tx.init(params)
    grads = jax.tree.map(jnp.zeros_like, params)

    def step(state, _):
        _, state = tx.update(grads, state, params)
        return state, state.hyperparams["lr"]

    run = jax.jit(lambda s: jax.lax.scan(step, s, length=expected["max_iters"])[1])
    lrs = np.asarray(run(state))
    # group 0 is the optimizer's own, group 1 the fix_lr one (a group of its own even while
    # its lr equals the scheduled one)
    assert lrs.shape == (expected["max_iters"], 2)
    iterations = np.asarray(expected["iterations"])
    np.testing.assert_allclose(lrs[iterations, 0], expected["lr"], rtol=1e-6, atol=0)
    np.testing.assert_allclose(lrs[iterations, 1], expected["fixed_lr"], rtol=1e-6, atol=0)
