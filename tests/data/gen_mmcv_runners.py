"""Records the lr / momentum that mmcv 1.7.2's runners set, with their own hook defaults.

Where ``gen_mmcv_schedules.py`` drives the updater hooks by hand, this builds mmcv's real
``IterBasedRunner`` / ``EpochBasedRunner``, registers ``lr_config`` / ``momentum_config`` with
``runner.register_training_hooks`` (so the runner's defaults apply: ``IterBasedRunner`` sets
``lr_config.by_epoch=False`` when it is absent, not ``momentum_config``'s) and runs it; a
recording hook of NORMAL priority (after the updaters) stores every param group's lr and momentum
before each iteration. Run it like ``gen_mmcv_schedules.py`` (mmcv 1.7.2 without ops)::

    PYTHONPATH=mmcv-venv/stub mmcv-venv/bin/python tests/data/gen_mmcv_runners.py
"""

import json
import logging
import sys
import tempfile
from pathlib import Path

import mmcv
import torch
from mmcv.runner import EpochBasedRunner, Hook, IterBasedRunner

OUT = Path(__file__).with_name("mmcv_runners.json")
ITERS_PER_EPOCH = 4

# (name, runner, length, lr_config, momentum_config)
CASES = [
    ("iter_step_default", "IterBasedRunner", 12, dict(policy="step", step=[6, 9]), None),
    (
        "iter_poly_warmup_default",
        "IterBasedRunner",
        12,
        dict(policy="poly", power=1.0, min_lr=1e-4, warmup="linear", warmup_iters=3),
        None,
    ),
    (
        "iter_step_by_epoch_true",
        "IterBasedRunner",
        12,
        dict(policy="step", step=[1], by_epoch=True),
        None,
    ),
    (
        "iter_momentum_step_default",
        "IterBasedRunner",
        12,
        dict(policy="step", step=[6]),
        dict(policy="step", step=[1], gamma=0.5),
    ),
    (
        "iter_momentum_step_by_iter",
        "IterBasedRunner",
        12,
        None,
        dict(policy="step", step=[5], gamma=0.5, by_epoch=False),
    ),
    ("iter_step_empty", "IterBasedRunner", 12, dict(policy="step", step=[], min_lr=0.05), None),
    ("epoch_step_default", "EpochBasedRunner", 3, dict(policy="step", step=[2]), None),
    (
        "epoch_step_empty_warmup",
        "EpochBasedRunner",
        3,
        dict(policy="step", step=[], warmup="linear", warmup_iters=5, warmup_ratio=0.1),
        None,
    ),
]


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.zeros(1))
        self.b = torch.nn.Parameter(torch.zeros(1))

    def train_step(self, data_batch, optimizer, **kwargs):
        return dict(loss=self.a.sum())


class Record(Hook):
    def __init__(self):
        self.lr, self.momentum = [], []

    def before_train_iter(self, runner):
        groups = runner.optimizer.param_groups
        self.lr.append([g["lr"] for g in groups])
        self.momentum.append([g["momentum"] for g in groups])


def record(runner_type, length, lr_config, momentum_config):
    model = Model()
    optimizer = torch.optim.SGD(
        [
            {"params": [model.a], "lr": 0.1, "momentum": 0.9},
            {"params": [model.b], "lr": 0.02, "momentum": 0.8},
        ],
        lr=0.1,
    )
    cls = IterBasedRunner if runner_type == "IterBasedRunner" else EpochBasedRunner
    key = "max_iters" if runner_type == "IterBasedRunner" else "max_epochs"
    with tempfile.TemporaryDirectory() as work_dir:
        runner = cls(
            model,
            optimizer=optimizer,
            work_dir=work_dir,
            logger=logging.getLogger("gen"),
            **{key: length},
        )
        runner.register_training_hooks(
            lr_config=None if lr_config is None else dict(lr_config),
            momentum_config=None if momentum_config is None else dict(momentum_config),
        )
        rec = Record()
        runner.register_hook(rec, priority="NORMAL")
        loader = torch.utils.data.DataLoader(list(range(ITERS_PER_EPOCH)), batch_size=1)
        runner.run([loader], [("train", 1)])
    return dict(
        runner=dict(type=runner_type, **{key: length}),
        lr_config=lr_config,
        momentum_config=momentum_config,
        iters_per_epoch=ITERS_PER_EPOCH,
        lr=rec.lr,
        momentum=rec.momentum,
    )


def main():
    cases = {name: record(*rest) for name, *rest in CASES}
    data = dict(
        generator="tests/data/gen_mmcv_runners.py",
        mmcv_version=mmcv.__version__,
        torch_version=torch.__version__,
        python=sys.version.split()[0],
        base=dict(lr=[0.1, 0.02], momentum=[0.9, 0.8]),
        cases=cases,
    )
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
