"""Compile time of one ResNet-50 AdamW update: lower and compile timed separately (issue 17).

Candidates (fresh transformation and fresh ``jax.jit`` object every repetition, order rotating
every round, garbage collection off inside the timed region):

* ``optax.adamw`` (weight decay 0.05);
* jaxoptim AdamW, one group (``make_optimizer(dict(type='AdamW', ...))``);
* jaxoptim AdamW with a realistic ``paramwise_cfg``: norm and bias decay multipliers 0 and two
  custom keys (``layer1`` lr x0.1, ``fc`` lr x10), 6 distinct (lr, weight decay) groups;
* jaxoptim AdamW with 161 groups: ``custom_keys`` giving every leaf its own lr and weight decay.

Each candidate reports the median lower (trace + StableHLO) and compile (XLA) seconds, both as
wall time and as this process's CPU time (all threads; on a shared, oversubscribed machine the
CPU time is the steadier of the two), with the spread (min-max) over repetitions. Ratios are
medians of per-round ratios. Also reported, deterministic (no timing): the jaxpr equations of one
update, the fused computations of the compiled HLO and how many of them are distinct. XLA:CPU
compiles one kernel per *distinct* fused computation (fusions with the same body share one), so
the distinct count is what compile time follows. The step time of the same programs is timed
interleaved too (``update_step.time_interleaved``).

Run ``python benchmarks/compile_time.py --help``.
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import jax
import optax

import jaxoptim

try:  # run as a script (benchmarks/ on sys.path)
    import _resnet
    import update_step
except ImportError:  # imported as benchmarks.compile_time from the repository root
    from benchmarks import _resnet, update_step

ADAMW_CFG = dict(type="AdamW", lr=1e-3, weight_decay=0.05)


def per_leaf_groups_cfg(params: Any) -> dict[str, Any]:
    """``custom_keys`` giving every leaf its own lr and weight decay multiplier (161 groups).

    Every leaf's full name is the longest matching key (see
    ``update_step.per_leaf_groups_cfg``), so each leaf gets exactly its own pair.
    """
    names = jaxoptim.optimizer_base.tree_names(params)
    return dict(
        custom_keys={
            n: dict(lr_mult=1.0 + i / 1000, decay_mult=1.0 + i / 500) for i, n in enumerate(names)
        }
    )


def makers(params: Any, kinds: Any) -> dict[str, Callable[[], optax.GradientTransformation]]:
    """The candidates, each a function returning a fresh transformation."""
    lr, wd = ADAMW_CFG["lr"], ADAMW_CFG["weight_decay"]
    return {
        "optax.adamw": lambda: optax.adamw(lr, weight_decay=wd),
        "AdamW 1 group": lambda: jaxoptim.make_optimizer(dict(ADAMW_CFG)),
        "AdamW paramwise": lambda: jaxoptim.make_optimizer(
            dict(ADAMW_CFG, paramwise_cfg=update_step.PARAMWISE_CFG), param_kinds=kinds
        ),
        "AdamW 161 groups": lambda: jaxoptim.make_optimizer(
            dict(ADAMW_CFG, paramwise_cfg=per_leaf_groups_cfg(params))
        ),
    }


def fusion_stats(hlo_text: str) -> dict[str, int]:
    """Fusions in the entry computation and distinct fused computation bodies.

    Two bodies are the same when they differ only in instruction names and metadata, which is
    when XLA:CPU compiles them to one kernel.
    """
    entry = hlo_text[hlo_text.find("\nENTRY") :]
    calls = re.findall(r" fusion\(.*?calls=(%[\w.\-]+)", entry)
    bodies = {}
    for m in re.finditer(r"^(%[\w.\-]+) \([^\n]*\{\n(.*?)\n\}$", hlo_text, re.M | re.S):
        body = re.sub(r", metadata=\{[^}]*\}", "", m.group(2))
        bodies[m.group(1)] = re.sub(r"%[\w.\-]+", "%x", body)
    return dict(fusions=len(calls), distinct_fusions=len({bodies[c] for c in calls}))


def structure(tx: optax.GradientTransformation, abstract: Any) -> dict[str, int]:
    """jaxpr equations of one update and the compiled program's fusion counts."""
    state = jax.eval_shape(tx.init, abstract)
    step = update_step.jax_update_fn(tx)
    outer = jax.make_jaxpr(step)(abstract, state, abstract).jaxpr
    eqns = len(outer.eqns[0].params["jaxpr"].jaxpr.eqns)  # inside the one jit
    compiled = step.lower(abstract, state, abstract).compile()
    return dict(jaxpr_equations=eqns, **fusion_stats(compiled.as_text()))


def time_compiles(
    make: dict[str, Callable[[], Any]], reps: int, abstract: Any
) -> dict[str, dict[str, list[float]]]:
    """``{name: {'lower': [...], 'compile': [...], 'lower_cpu': [...], 'compile_cpu': [...]}}``
    in seconds, ``reps`` rounds, the order rotating every round."""
    out = {n: {k: [] for k in ("lower", "compile", "lower_cpu", "compile_cpu")} for n in make}
    names = list(make)
    for r in range(reps):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            tx = make[name]()
            state = jax.eval_shape(tx.init, abstract)
            step = update_step.jax_update_fn(tx)
            gc.collect()
            gc.disable()  # as timeit does: no collection of earlier garbage inside the timing
            try:
                w0, c0 = time.perf_counter(), time.process_time()
                lowered = step.lower(abstract, state, abstract)
                w1, c1 = time.perf_counter(), time.process_time()
                lowered.compile()
                w2, c2 = time.perf_counter(), time.process_time()
            finally:
                gc.enable()
            for key, value in (
                ("lower", w1 - w0),
                ("compile", w2 - w1),
                ("lower_cpu", c1 - c0),
                ("compile_cpu", c2 - c1),
            ):
                out[name][key].append(value)
    return out


def _ratio(times: dict[str, dict[str, list[float]]], a: str, b: str, key: str) -> float:
    return statistics.median(x / y for x, y in zip(times[a][key], times[b][key]))


RATIOS = (
    ("AdamW paramwise", "optax.adamw"),
    ("AdamW 1 group", "optax.adamw"),
    ("AdamW 161 groups", "AdamW 1 group"),
)


def run(*, reps: int = 7, rounds: int = 15, calls: int = 3, seed: int = 0) -> dict[str, Any]:
    """Runs the structure counts, the compile timing and the step timing; prints the tables."""
    shapes, kinds = update_step._tree("resnet50")
    params = _resnet.random_tree(shapes, seed)
    grads = _resnet.random_tree(shapes, seed + 1, scale=1e-3)
    abstract = jax.tree_util.tree_map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype), params)
    make = makers(params, kinds)
    print(
        f"compile_time: resnet50 leaves={len(jax.tree_util.tree_leaves(params))} "
        f"backend={jax.default_backend()} reps={reps} rounds={rounds} calls={calls}"
    )
    out: dict[str, Any] = {"structure": {n: structure(m(), abstract) for n, m in make.items()}}
    print("\n== structure of one update (deterministic)")
    for name, s in out["structure"].items():
        print(f"  {name:<18} " + ", ".join(f"{k}={v}" for k, v in s.items()))
    out["ratios"] = {}
    if reps < 1:
        return out
    times = time_compiles(make, reps, abstract)
    out["compile"] = times
    print(f"\n== lower / compile seconds, fresh jit objects, median [min-max] of {reps}")
    for name, t in times.items():
        cells = [
            f"{k}={statistics.median(v):.3f} [{min(v):.2f}-{max(v):.2f}]" for k, v in t.items()
        ]
        print(f"  {name:<18} " + "  ".join(cells))
    for a, b in RATIOS:
        for key in ("lower", "compile", "compile_cpu"):
            name = f"{key} {a} / {b}"
            out["ratios"][name] = _ratio(times, a, b, key)
            print(f"  {name:<52} {out['ratios'][name]:.3f} x")
    if rounds < 1:
        return out
    cands = [update_step.jax_candidate(n, m(), params, grads) for n, m in make.items()]
    steps = update_step.time_interleaved(cands, rounds, calls, warmup=1)
    out["step_ms"] = update_step.median_ms(steps)
    print(f"\n== update step, median of {rounds} interleaved rounds")
    for name, ms in out["step_ms"].items():
        print(f"  {name:<18} {ms:8.3f} ms")
    for a, b in RATIOS:
        name = f"step {a} / {b}"
        out["ratios"][name] = update_step.paired_ratio(steps, a, b)
        print(f"  {name:<52} {out['ratios'][name]:.3f} x")
    return out


def dedup_demo(n: int = 160, reps: int = 3) -> dict[str, float]:
    """Compile seconds of ``n`` same-shape elementwise updates that differ only in a scalar.

    ``shared``: every leaf reads the same scalar (one distinct kernel); ``slice``: leaf ``i``
    reads ``c[i]`` of a live vector (the slice is fused into each leaf: ``n`` distinct kernels,
    what a constant per-leaf group index did); ``constant``: leaf ``i`` multiplies by its own
    Python float (``n`` distinct kernels, what a static per-leaf weight decay did); ``index``:
    leaf ``i`` reads ``c[k_i]`` with ``k_i`` a runtime uint32 argument (one distinct kernel:
    what ``TorchOptimizerState.group_index`` does). Medians of ``reps``.
    """
    import jax.numpy as jnp

    xs = [jax.ShapeDtypeStruct((256, 256), jnp.float32)] * n
    vec = jax.ShapeDtypeStruct((n,), jnp.float32)
    index = [jax.ShapeDtypeStruct((), jnp.uint32)] * n
    variants = {
        "shared": lambda i, c, k: c[0],
        "slice": lambda i, c, k: c[i],
        "constant": lambda i, c, k: c[0] * (1.0 + i / 1000),
        "index": lambda i, c, k: jax.lax.dynamic_slice(c, (k[i],), (1,))[0],
    }
    out: dict[str, list[float]] = {k: [] for k in variants}
    for r in range(reps):
        for name, scalar in variants.items():

            def f(xs, c, k, scalar=scalar):
                return [
                    x * 0.999 + jnp.sqrt(jnp.abs(x)) * scalar(i, c, k) for i, x in enumerate(xs)
                ]

            lowered = jax.jit(f).lower(xs, vec, index)  # a fresh function: no cache hit
            t0 = time.process_time()
            compiled = lowered.compile()
            out[name].append(time.process_time() - t0)
            if r == 0:
                print(f"  {name:<9} {fusion_stats(compiled.as_text())}")
    medians = {k: statistics.median(v) for k, v in out.items()}
    print("  compile CPU seconds:", ", ".join(f"{k}={v:.2f}" for k, v in medians.items()))
    return medians


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reps", type=int, default=7, help="compile repetitions per candidate (0: structure only)"
    )
    parser.add_argument(
        "--rounds", type=int, default=15, help="interleaved step-time rounds (0: no step timing)"
    )
    parser.add_argument("--calls", type=int, default=3, help="steps per candidate per round")
    parser.add_argument(
        "--dedup-demo", action="store_true", help="only the kernel-deduplication demo"
    )
    args = parser.parse_args(argv)
    if args.dedup_demo:
        print("== XLA:CPU compiles one kernel per distinct fusion body (160 leaves of 256x256)")
        dedup_demo()
        return
    run(reps=args.reps, rounds=args.rounds, calls=args.calls)


if __name__ == "__main__":
    main()
