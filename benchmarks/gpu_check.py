"""The one script to run on a lent GPU: correctness there, then the timings at GPU sizes.

1. Correctness on the accelerator:
   * a few jaxoptim updates (SGD; AdamW; AdamW with paramwise rules, clipping, a cosine lr
     schedule and dynamic loss scaling) on the default device equal the same updates on the
     CPU backend (``jax.devices('cpu')``) within float32 tolerance;
   * a float16 train step with dynamic loss scaling whose initial scale overflows: the first
     steps are skipped and back the scale off, then it trains; params stay finite float32;
     the changing loss scale compiles nothing new;
   * a bfloat16 train step runs, lowers the loss and keeps float32 params.
2. Timings: ``train_step.run`` with ResNet-50 at 224x224, batch 128, and ``update_step.run`` on
   the ResNet-50 tree. The issue's target (a bfloat16 step with dynamic loss scaling + clipping
   vs a hand-written optax step) is timed first, before the checks, with only its two steps
   compiled: XLA's GPU compilation and autotuning of a ResNet-50 step takes about half a minute
   each, and a short lease must not spend itself before that number is measured.

A compact summary (device kind, date, every check and ratio) is printed at the end and written
to ``$OUT/gpu_results.txt`` when ``OUT`` is set. Every section catches its own failure and the
timings are skipped when the time budget is spent, so one run always yields a summary. The exit
status is 1 when a check failed or a section raised.

Run ``python benchmarks/gpu_check.py`` on the GPU (sized to finish in under 6 minutes) or
``python benchmarks/gpu_check.py --cpu-smoke`` (tiny sizes) anywhere.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _resnet  # noqa: E402
import flax  # noqa: E402
import flax.linen as nn  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import train_step as train_bench  # noqa: E402
import update_step as update_bench  # noqa: E402

import jaxoptim  # noqa: E402

RTOL, ATOL = 1e-5, 1e-6

UPDATE_CONFIGS = {
    "SGD": dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)),
    "AdamW": dict(optimizer=dict(type="AdamW", lr=1e-3, weight_decay=0.05)),
    "AdamW full": dict(
        optimizer=dict(
            type="AdamW",
            lr=1e-3,
            weight_decay=0.05,
            paramwise_cfg=dict(
                custom_keys={"layer1": dict(lr_mult=0.1), "fc": dict(lr_mult=10.0)},
                norm_decay_mult=0.0,
                bias_decay_mult=0.0,
            ),
        ),
        optimizer_config=dict(grad_clip=dict(max_norm=1.0, norm_type=2)),
        fp16=dict(loss_scale="dynamic"),
        lr_config=dict(policy="CosineAnnealing", min_lr=0.0, by_epoch=False),
    ),
    # a user optax optimizer with param groups (one optax.adamw per group, optax.partition)
    "optax.adamw by name, groups": dict(
        optimizer=dict(
            type="optax.adamw",
            learning_rate=1e-3,
            weight_decay=0.05,
            paramwise_cfg=dict(custom_keys={"fc": dict(lr_mult=10.0)}, norm_decay_mult=0.0),
        )
    ),
    # an mmengine chain with no closed form: the schedule is a table gathered at the step
    "mmengine tabulated": dict(
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9)),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=3),
            dict(type="CosineAnnealingLR", eta_min=0.01, by_epoch=False, begin=0, end=4),
        ],
        train_cfg=dict(type="IterBasedTrainLoop", max_iters=4),
    ),
}


class _Summary:
    """Collects the lines of the summary block and the overall pass/fail."""

    def __init__(self):
        self.lines: list[str] = []
        self.ok = True

    def check(self, name: str, passed: bool, detail: str) -> None:
        self.ok &= bool(passed)
        self.lines.append(f"{'PASS' if passed else 'FAIL'} {name}: {detail}")

    def section(self, name: str, fn: Callable[[], None]) -> None:
        t0 = time.perf_counter()
        try:
            fn()
        except Exception as e:  # one failing section must not cost the rest of the run
            traceback.print_exc()
            self.ok = False
            self.lines.append(f"ERROR {name}: {type(e).__name__}: {e}".splitlines()[0])
        print(f"[{name}: {time.perf_counter() - t0:.1f} s]", flush=True)


# --------------------------------------------------------------------------- correctness


def _run_updates(tx, params, grads_seq, device) -> list[np.ndarray]:
    """Applies ``tx`` for every gradient in ``grads_seq`` on ``device``; final params."""
    with jax.default_device(device):
        params = jax.device_put(params, device, may_alias=False)  # the step donates it
        state = tx.init(params)
        step = update_bench.jax_update_fn(tx)
        for grads in grads_seq:
            params, state = step(params, state, jax.device_put(grads, device))
        return _resnet.numpy_leaves(params)


class _TinyResNet(nn.Module):
    """Nine leaves with ResNet names (``conv1``, ``bn1``, ``layer1_0_*``, ``fc``).

    Cheap to compile on two backends, and every paramwise rule of ``UPDATE_CONFIGS`` (custom
    keys, norm and bias decay) matches some leaf.
    """

    @nn.compact
    def __call__(self, x, train: bool = False):
        bn = lambda name: nn.BatchNorm(use_running_average=not train, name=name)
        x = nn.relu(bn("bn1")(nn.Conv(8, (3, 3), use_bias=False, name="conv1")(x)))
        y = nn.Conv(8, (3, 3), name="layer1_0_conv")(x)
        x = x + bn("layer1_0_bn")(y)
        return nn.Dense(10, name="fc")(jnp.mean(x, axis=(1, 2)))


def check_updates_match_cpu(summary: _Summary) -> None:
    """jaxoptim updates on the default device equal the CPU backend's within f32 tolerance."""
    model = _TinyResNet()
    example = jnp.zeros((1, 8, 8, 3), jnp.float32)
    shapes = jax.eval_shape(model.init, jax.random.key(0), example)["params"]
    kinds = train_bench._params_only(jaxoptim.param_kinds(model, example))
    params = _resnet.random_tree(shapes, 0, device=jax.devices("cpu")[0])
    grads_seq = [
        _resnet.random_tree(shapes, 10 + i, scale=1e-2, device=jax.devices("cpu")[0])
        for i in range(3)
    ]
    # a non-finite gradient: the loss-scaled config must skip it identically on both devices
    poisoned = jax.tree_util.tree_map(lambda g: g.at[(0,) * g.ndim].set(jnp.inf), grads_seq[0])
    grads_seq.insert(1, poisoned)
    default, cpu = jax.devices()[0], jax.devices("cpu")[0]
    for name, cfg in UPDATE_CONFIGS.items():
        seq = grads_seq if "fp16" in cfg else grads_seq[:1] + grads_seq[2:]
        tx = jaxoptim.make_optimizer(cfg, param_kinds=kinds, max_iters=len(seq))
        on_default = _run_updates(tx, params, seq, default)
        on_cpu = _run_updates(tx, params, seq, cpu)
        start = _resnet.numpy_leaves(params)
        moved = max(float(np.max(np.abs(a - b))) for a, b in zip(on_cpu, start))
        diff = max(float(np.max(np.abs(a - b))) for a, b in zip(on_default, on_cpu))
        close = all(np.allclose(a, b, rtol=RTOL, atol=ATOL) for a, b in zip(on_default, on_cpu))
        summary.check(
            f"{name}: {len(seq)} updates {default.platform} == cpu",
            close and moved > 0 and all(np.isfinite(x).all() for x in on_default),
            f"max|diff|={diff:.2e} (rtol={RTOL}, atol={ATOL}), max|update|={moved:.2e}",
        )


class _SmallNet(nn.Module):
    """Conv, LayerNorm, Dense: exercises the compute-dtype casts and a float32 norm."""

    @nn.compact
    def __call__(self, x):
        x = nn.relu(nn.Conv(16, (3, 3))(x))
        x = nn.LayerNorm()(x)
        x = jnp.mean(x, axis=(1, 2))
        return nn.Dense(10)(x)


def _small_task(seed: int = 0):
    model = _SmallNet()
    rng = np.random.default_rng(seed)
    batch = {
        "image": jnp.asarray(rng.standard_normal((16, 8, 8, 3), dtype=np.float32)),
        "label": jnp.asarray(rng.integers(0, 10, (16,)), jnp.int32),
    }
    params = model.init(jax.random.key(seed), batch["image"])["params"]
    kinds = train_bench._params_only(jaxoptim.param_kinds(model, batch["image"]))

    def loss_fn(p, b):
        logits = model.apply({"params": p}, b["image"]).astype(jnp.float32)
        return optax.softmax_cross_entropy_with_integer_labels(logits, b["label"]).mean()

    return loss_fn, params, kinds, batch


def check_fp16_overflow_then_trains(summary: _Summary, n_steps: int = 40) -> None:
    """float16 + dynamic loss scaling from an overflowing scale: skip, back off, train."""
    loss_fn, params, kinds, batch = _small_task()
    init_scale = 2.0**24
    cfg = dict(
        optimizer=dict(type="SGD", lr=0.05, momentum=0.9),
        optimizer_config=dict(grad_clip=dict(max_norm=10.0, norm_type=2)),
        fp16=dict(loss_scale=dict(init_scale=init_scale, growth_interval=10)),
    )
    tx = jaxoptim.make_optimizer(cfg, param_kinds=kinds)
    step = jaxoptim.make_train_step(loss_fn, tx, precision="float16", param_kinds=kinds)
    state = jaxoptim.TrainState.create(params=params, tx=tx)
    history = []
    with update_bench.count_compiles() as compiles:
        for _ in range(n_steps):
            state, m = step(state, batch)
            history.append({k: float(m[k]) for k in ("loss", "loss_scale", "skipped")})
    skipped = [h["skipped"] > 0 for h in history]
    scales = [h["loss_scale"] for h in history]
    first_trained = skipped.index(False) if False in skipped else None
    leaves = jax.tree_util.tree_leaves(state.params)
    finite = all(bool(jnp.isfinite(x).all()) for x in leaves)
    f32 = all(x.dtype == jnp.float32 for x in leaves)
    trained_losses = [h["loss"] for h, s in zip(history, skipped) if not s]
    passed = (
        skipped[0]
        and scales[0] == init_scale
        and scales[1] == init_scale / 2
        and first_trained is not None
        and sum(not s for s in skipped) >= n_steps // 2
        and finite
        and f32
        and trained_losses[-1] < trained_losses[0]
        and len(compiles) == 1
    )
    summary.check(
        "float16 dynamic loss scale: overflow -> skip -> back off -> train",
        passed,
        f"skipped first {first_trained} steps, scale {scales[0]:g} -> {scales[-1]:g}, "
        f"{sum(skipped)}/{n_steps} skipped, loss {trained_losses[0]:.4f} -> "
        f"{trained_losses[-1]:.4f}, params finite={finite} float32={f32}, "
        f"compiles={len(compiles)}",
    )


def check_bf16_step(summary: _Summary, n_steps: int = 10) -> None:
    """A bfloat16 train step runs, lowers the loss and keeps float32 params."""
    loss_fn, params, kinds, batch = _small_task(1)
    tx = jaxoptim.make_optimizer(dict(type="SGD", lr=0.05, momentum=0.9), param_kinds=kinds)
    step = jaxoptim.make_train_step(loss_fn, tx, precision="bfloat16", param_kinds=kinds)
    state = jaxoptim.TrainState.create(params=params, tx=tx)
    losses = []
    for _ in range(n_steps):
        state, m = step(state, batch)
        losses.append(float(m["loss"]))
    leaves = jax.tree_util.tree_leaves(state.params)
    passed = (
        all(np.isfinite(losses))
        and losses[-1] < losses[0]
        and all(x.dtype == jnp.float32 and bool(jnp.isfinite(x).all()) for x in leaves)
    )
    summary.check(
        "bfloat16 train step",
        passed,
        f"loss {losses[0]:.4f} -> {losses[-1]:.4f} over {n_steps} steps, float32 params",
    )


# --------------------------------------------------------------------------- driver


def _ratio_lines(prefix: str, ratios: dict[str, float]) -> list[str]:
    return [f"{prefix} {name}: {value:.3f}x" for name, value in ratios.items()]


def _ms_lines(prefix: str, ms: dict[str, float]) -> list[str]:
    return [f"{prefix} {name}: {value:.3f} ms" for name, value in ms.items()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-smoke", action="store_true", help="tiny sizes, runs anywhere")
    parser.add_argument(
        "--budget-s",
        type=float,
        default=330.0,
        help="skip a timing section that would start after this many seconds",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="target, checks, then the other bf16/f16 train steps only (short lease)",
    )
    args = parser.parse_args(argv)
    t_start = time.perf_counter()
    smoke = args.cpu_smoke
    device = jax.devices()[0]
    if not smoke and device.platform == "cpu":
        print("no accelerator found: run with --cpu-smoke to test the script on a CPU")
        return 2
    summary = _Summary()
    header = [
        f"device: {device.device_kind} ({device.platform}, {jax.device_count()} device(s))",
        f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"jax {jax.__version__}, jaxlib {jax.lib.__version__}, optax {optax.__version__}, "
        f"flax {flax.__version__}",
        f"mode: {'cpu-smoke (tiny sizes)' if smoke else 'GPU sizes'}",
    ]
    print("\n".join(header), flush=True)

    def updates():
        out = update_bench.run(
            tree="resnet18" if smoke else "resnet50",
            rounds=2 if smoke else 30,
            calls=1 if smoke else 20,
            compile_reps=1 if smoke else 3,
            lr_steps=3 if smoke else 10,
            torch_baselines=False,
        )
        summary.lines += _ms_lines("update", {**out["sgd"]["ms"], **out["adamw"]["ms"]})
        summary.lines += _ms_lines(
            "compile", {k: 1e3 * v for k, v in out["compile"]["seconds"].items()}
        )
        summary.lines += _ratio_lines("update", out["ratios"])
        rc = out["recompiles"]
        summary.check(
            "one compilation over updates with a changing lr",
            rc["backend_compiles"] == 1 and rc["jit_cache_size"] == 1,
            update_bench._fmt(rc),
        )

    def train(pairs):
        size = (
            dict(depth=18, image_size=16, batch_size=2, num_classes=10)
            if smoke
            else dict(train_bench.GPU_SIZE)
        )
        out = train_bench.run(
            size=size,
            pairs=pairs,
            rounds=2 if smoke else (5 if args.quick else 10),
            calls=1 if smoke else 3,
        )
        summary.lines.append(
            f"train size: ResNet-{size['depth']} {size['image_size']}px batch {size['batch_size']}"
        )
        summary.lines += _ms_lines("train", out["ms"])
        summary.lines += _ratio_lines("train", out["ratios"])
        summary.check(
            "train-step timing: no compilation while timed, losses finite",
            out["compiles_while_timed"] == 0 and all(out["finite"].values()),
            f"compiles={out['compiles_while_timed']} (first calls after AOT: "
            f"{out['first_call_compiles']}), finite={out['finite']}",
        )

    # The GPU target first (loss scaling + clipping vs a hand-written optax bf16 step):
    # two ResNet-50 compilations, so a short lease measures it before anything else.
    target = [("optax", "bfloat16"), ("full", "bfloat16")]
    others = [("jaxoptim", "float32"), ("jaxoptim", "bfloat16"), ("optax", "float16")]
    others += [("full", "float16")]
    summary.section("train_step target (bf16 scale+clip)", lambda: train(target))
    summary.section("updates vs cpu", lambda: check_updates_match_cpu(summary))
    summary.section("fp16 overflow", lambda: check_fp16_overflow_then_trains(summary))
    summary.section("bf16 step", lambda: check_bf16_step(summary))
    if args.quick:
        timed = [("train_step f16 + jaxoptim bf16", lambda: train(others[1:]))]
    else:
        timed = [("update_step timings", updates), ("train_step timings", lambda: train(others))]
    for name, fn in timed:
        elapsed = time.perf_counter() - t_start
        if elapsed > args.budget_s:
            summary.lines.append(f"SKIPPED {name}: {elapsed:.0f} s elapsed > --budget-s")
            continue
        summary.section(name, fn)

    total = time.perf_counter() - t_start
    block = "\n".join(["```", *header, *summary.lines, f"total wall time: {total:.0f} s", "```"])
    print("\n==== summary (paste into benchmarks/RESULTS.md)\n" + block, flush=True)
    out_dir = os.environ.get("OUT")
    if out_dir:
        path = os.path.join(out_dir, "gpu_results.txt")
        with open(path, "w") as f:
            f.write(block + "\n")
        print(f"wrote {path}")
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
