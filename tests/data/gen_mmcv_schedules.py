"""Records the lr / momentum that mmcv 1.7.2's updater hooks set before every iteration.

Run with mmcv 1.7.2 (built without ops, see shared/reference/oracles.md) in a separate venv;
CI only reads the JSON this writes::

    PYTHONPATH=mmcv-venv/stub mmcv-venv/bin/python tests/data/gen_mmcv_schedules.py

``mmcv-venv/stub`` holds an empty ``torchvision`` package, which ``mmcv.runner`` imports only
for model-zoo URLs::

    mkdir -p mmcv-venv/stub/torchvision
    echo '__version__ = "0.0"' > mmcv-venv/stub/torchvision/__init__.py

A stand-in runner (``optimizer``, ``iter``, ``epoch``, ``max_iters``, ``max_epochs``,
``data_loader``) is driven like ``EpochBasedRunner``: ``before_run``, then per epoch
``before_train_epoch`` and per iteration ``before_train_iter``, after which the value of every
param group is recorded. The optimizer has two param groups with different lr / momentum.
"""

import json
import sys
from pathlib import Path

import mmcv
import torch
from mmcv.runner.hooks import HOOKS

OUT = Path(__file__).with_name("mmcv_schedules.json")
ITER = dict(max_epochs=5, iters_per_epoch=8)  # by_epoch=False cases: 40 iterations
EPOCH = dict(max_epochs=7, iters_per_epoch=6)  # by_epoch=True cases: 42 iterations
LONG = dict(max_epochs=10, iters_per_epoch=30)  # 300 iterations, for precision

WARMUPS = [
    dict(warmup="constant", warmup_iters=5, warmup_ratio=0.25),
    dict(warmup="linear", warmup_iters=10, warmup_ratio=0.001),
    dict(warmup="exp", warmup_iters=7, warmup_ratio=0.01),
]

LR_CASES = [
    ("fixed", dict(policy="Fixed", by_epoch=False), ITER),
    ("fixed_epoch_linear", dict(policy="Fixed", **WARMUPS[1]), EPOCH),
    ("step_int_epoch", dict(policy="step", step=2), EPOCH),
    ("step_list_iter", dict(policy="step", step=[10, 25], gamma=0.5, by_epoch=False), ITER),
    ("step_list_minlr_epoch", dict(policy="step", step=[2, 4, 5], min_lr=0.004), EPOCH),
    ("step_int_iter_long", dict(policy="step", step=30, gamma=0.8, by_epoch=False), LONG),
    ("exp_iter", dict(policy="Exp", gamma=0.9, by_epoch=False), ITER),
    ("exp_epoch", dict(policy="Exp", gamma=0.7), EPOCH),
    ("exp_iter_long", dict(policy="Exp", gamma=0.99, by_epoch=False), LONG),
    ("poly_iter", dict(policy="Poly", by_epoch=False), ITER),
    ("poly_power_iter_long", dict(policy="Poly", power=0.9, min_lr=1e-4, by_epoch=False), LONG),
    ("poly_epoch", dict(policy="Poly", power=2.0, min_lr=1e-3), EPOCH),
    ("inv_iter", dict(policy="Inv", gamma=0.1, by_epoch=False), ITER),
    ("inv_power_epoch", dict(policy="Inv", gamma=0.5, power=0.75), EPOCH),
    ("cosine_ratio_iter", dict(policy="CosineAnnealing", min_lr_ratio=0.01, by_epoch=False), ITER),
    ("cosine_min_epoch", dict(policy="CosineAnnealing", min_lr=1e-3), EPOCH),
    ("cosine_iter_long", dict(policy="CosineAnnealing", min_lr=0.0, by_epoch=False), LONG),
    (
        "flatcos_iter",
        dict(policy="FlatCosineAnnealing", min_lr=0.0, by_epoch=False),
        ITER,
    ),
    (
        "flatcos_bankers_epoch",
        dict(policy="FlatCosineAnnealing", start_percent=0.5, min_lr_ratio=0.1),
        EPOCH,
    ),
    (
        "restart_iter",
        dict(
            policy="CosineRestart",
            periods=[10, 10, 20],
            restart_weights=[1, 0.5, 0.25],
            min_lr_ratio=0.1,
            by_epoch=False,
        ),
        ITER,
    ),
    (
        "restart_epoch",
        dict(policy="CosineRestart", periods=[3, 4], restart_weights=[1, 0.5], min_lr=0.0),
        EPOCH,
    ),
    ("cyclic_default", dict(policy="cyclic"), ITER),
    (
        "cyclic_gamma_linear_partial",
        dict(
            policy="cyclic",
            target_ratio=(5.0, 0.01),
            cyclic_times=3,
            step_ratio_up=0.3,
            anneal_strategy="linear",
            gamma=0.5,
        ),
        ITER,
    ),
    (
        "cyclic_up0",
        dict(policy="cyclic", target_ratio=2.0, cyclic_times=2, step_ratio_up=0.0, gamma=0.5),
        ITER,
    ),
    ("cyclic_float_ratio", dict(policy="cyclic", target_ratio=(4.0,), cyclic_times=2), ITER),
    ("onecycle", dict(policy="OneCycle", max_lr=0.5), ITER),
    (
        "onecycle_three_linear",
        dict(policy="OneCycle", max_lr=0.5, three_phase=True, anneal_strategy="linear"),
        ITER,
    ),
    (
        "onecycle_total_steps",
        dict(policy="OneCycle", max_lr=0.3, total_steps=55, pct_start=0.25, div_factor=10.0),
        ITER,
    ),
    ("onecycle_three_cos_long", dict(policy="OneCycle", max_lr=0.2, three_phase=True), LONG),
    ("linear_ann_iter", dict(policy="LinearAnnealing", min_lr_ratio=0.05, by_epoch=False), ITER),
    ("linear_ann_epoch", dict(policy="LinearAnnealing", min_lr=1e-3), EPOCH),
    ("step_iter_constant", dict(policy="step", step=[20], by_epoch=False, **WARMUPS[0]), ITER),
    (
        "cosine_iter_linear",
        dict(policy="CosineAnnealing", min_lr=0.0, by_epoch=False, **WARMUPS[1]),
        ITER,
    ),
    ("poly_iter_exp", dict(policy="Poly", by_epoch=False, **WARMUPS[2]), ITER),
    ("step_epoch_constant", dict(policy="step", step=[2, 5], **WARMUPS[0]), EPOCH),
    ("cosine_epoch_linear", dict(policy="CosineAnnealing", min_lr_ratio=0.1, **WARMUPS[1]), EPOCH),
    ("exp_epoch_exp", dict(policy="Exp", gamma=0.8, **WARMUPS[2]), EPOCH),
    (
        "step_epoch_warmup_by_epoch",
        dict(
            policy="step",
            step=[4],
            warmup="linear",
            warmup_iters=2,
            warmup_ratio=0.1,
            warmup_by_epoch=True,
        ),
        EPOCH,
    ),
    ("cyclic_linear_warmup", dict(policy="cyclic", **WARMUPS[1]), ITER),
    ("onecycle_exp_warmup", dict(policy="OneCycle", max_lr=0.5, **WARMUPS[2]), ITER),
    (
        "restart_iter_warmup_long",
        dict(
            policy="CosineRestart",
            periods=[100, 200],
            restart_weights=[1, 0.7],
            min_lr=1e-4,
            by_epoch=False,
            warmup="linear",
            warmup_iters=50,
            warmup_ratio=0.001,
        ),
        LONG,
    ),
]

MOMENTUM_CASES = [
    ("m_step_epoch", dict(policy="step", step=[2, 4], gamma=0.5, min_momentum=0.3), EPOCH),
    ("m_step_iter", dict(policy="step", step=10, by_epoch=False), ITER),
    ("m_cosine_iter", dict(policy="CosineAnnealing", min_momentum_ratio=0.9, by_epoch=False), ITER),
    ("m_cosine_epoch", dict(policy="CosineAnnealing", min_momentum=0.5), EPOCH),
    ("m_linear_iter", dict(policy="LinearAnnealing", min_momentum=0.85, by_epoch=False), ITER),
    ("m_linear_epoch", dict(policy="LinearAnnealing", min_momentum_ratio=0.5), EPOCH),
    ("m_cyclic_default", dict(policy="cyclic"), ITER),
    (
        "m_cyclic_gamma",
        dict(
            policy="cyclic",
            target_ratio=(0.8, 1.0),
            cyclic_times=3,
            gamma=0.5,
            anneal_strategy="linear",
        ),
        ITER,
    ),
    ("m_onecycle", dict(policy="OneCycle"), ITER),
    (
        "m_onecycle_three",
        dict(
            policy="OneCycle", base_momentum=0.8, max_momentum=0.9, three_phase=True, pct_start=0.25
        ),
        ITER,
    ),
    (
        "m_cyclic_constant",
        dict(policy="cyclic", warmup="constant", warmup_iters=4, warmup_ratio=0.5),
        ITER,
    ),
    (
        "m_cosine_linear",
        dict(
            policy="CosineAnnealing",
            min_momentum=0.5,
            by_epoch=False,
            warmup="linear",
            warmup_iters=10,
            warmup_ratio=0.8,
        ),
        ITER,
    ),
    (
        "m_step_epoch_exp",
        dict(policy="step", step=[3], warmup="exp", warmup_iters=8, warmup_ratio=0.9),
        EPOCH,
    ),
    (
        "m_step_epoch_constant",
        dict(policy="step", step=2, warmup="constant", warmup_iters=3, warmup_ratio=0.6),
        EPOCH,
    ),
    (
        "m_linear_iter_exp",
        dict(
            policy="LinearAnnealing",
            min_momentum_ratio=0.9,
            by_epoch=False,
            warmup="exp",
            warmup_iters=12,
            warmup_ratio=0.75,
        ),
        ITER,
    ),
    (
        "m_onecycle_linear_warmup",
        dict(
            policy="OneCycle", three_phase=True, warmup="linear", warmup_iters=6, warmup_ratio=0.8
        ),
        ITER,
    ),
    (
        "m_linear_epoch_linear",
        dict(
            policy="LinearAnnealing",
            min_momentum_ratio=0.5,
            warmup="linear",
            warmup_iters=9,
            warmup_ratio=0.7,
        ),
        EPOCH,
    ),
]


SEED_LR = dict(policy="cyclic", target_ratio=(10, 1e-4), cyclic_times=1, step_ratio_up=0.4)
SEED_MOMENTUM = dict(
    policy="cyclic", target_ratio=(0.85 / 0.95, 1), cyclic_times=1, step_ratio_up=0.4
)


class Runner:
    """The attributes the updater hooks read."""

    def __init__(self, optimizer, max_epochs, iters_per_epoch):
        self.optimizer = optimizer
        self.max_epochs = max_epochs
        self.max_iters = max_epochs * iters_per_epoch
        self.data_loader = [None] * iters_per_epoch
        self.epoch = 0
        self.iter = 0


def make_optimizer(kind):
    params = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    if kind == "seed":  # the seed document's SGD for the cyclic example: one group
        return torch.optim.SGD(params, lr=0.01, momentum=0.95, weight_decay=1e-4)
    if kind == "Adam":
        return torch.optim.Adam(
            [
                {"params": params[:1], "betas": (0.9, 0.999)},
                {"params": params[1:], "betas": (0.8, 0.99)},
            ],
            lr=0.1,
        )
    return torch.optim.SGD(
        [
            {"params": params[:1], "lr": 0.1, "momentum": 0.9},
            {"params": params[1:], "lr": 0.02, "momentum": 0.8},
        ],
        lr=0.1,
    )


def record(kind, config, length, optimizer_type="SGD"):
    optimizer = make_optimizer(optimizer_type)
    runner = Runner(optimizer, length["max_epochs"], length["iters_per_epoch"])
    base = (
        [g["lr"] for g in optimizer.param_groups]
        if kind == "lr"
        else [g["momentum"] if "momentum" in g else g["betas"][0] for g in optimizer.param_groups]
    )
    cfg = dict(config)
    policy = cfg.pop("policy")
    if policy.islower():
        policy = policy.title()
    suffix = "LrUpdaterHook" if kind == "lr" else "MomentumUpdaterHook"
    hook = mmcv.build_from_cfg(dict(type=policy + suffix, **cfg), HOOKS)
    hook.before_run(runner)
    values = []
    for epoch in range(runner.max_epochs):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        for k in range(length["iters_per_epoch"]):
            runner.iter = epoch * length["iters_per_epoch"] + k
            hook.before_train_iter(runner)
            if kind == "lr":
                values.append([g["lr"] for g in optimizer.param_groups])
            else:
                values.append(
                    [
                        g["momentum"] if "momentum" in g else g["betas"][0]
                        for g in optimizer.param_groups
                    ]
                )
    return dict(
        kind=kind,
        config=config,
        base=base,
        max_iters=runner.max_iters,
        iters_per_epoch=length["iters_per_epoch"],
        optimizer=optimizer_type,
        values=values,
    )


def main():
    cases = {}
    for name, config, length in LR_CASES:
        cases[name] = record("lr", config, length)
    for name, config, length in MOMENTUM_CASES:
        cases[name] = record("momentum", config, length)
    cases["m_onecycle_adam"] = record("momentum", dict(policy="OneCycle"), ITER, "Adam")
    cases["m_cyclic_adam"] = record("momentum", dict(policy="cyclic"), ITER, "Adam")
    # The seed document's cyclic lr + momentum example (tests/test_cyclic_end_to_end.py).
    seed = dict(max_epochs=4, iters_per_epoch=25)
    cases["seed_cyclic_lr"] = record("lr", SEED_LR, seed, "seed")
    cases["seed_cyclic_momentum"] = record("momentum", SEED_MOMENTUM, seed, "seed")
    data = dict(
        generator="tests/data/gen_mmcv_schedules.py",
        mmcv_version=mmcv.__version__,
        torch_version=torch.__version__,
        python=sys.version.split()[0],
        cases=cases,
    )
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
