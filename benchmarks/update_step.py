"""Benchmark one jitted optimizer update on the ResNet-50 parameter tree (issues 2 and 3).

Candidates, timed side by side in one process with interleaved rounds (the order rotates
every round) and reported as medians:

* SGD (momentum 0.9, weight decay 1e-4): jaxoptim ``make_optimizer(dict(type='SGD', ...))``,
  hand-written optax ``chain(add_decayed_weights(wd), sgd(lr, momentum))``, torch
  ``SGD(foreach=True)``.
* AdamW (weight decay 0.05): jaxoptim, ``optax.adamw``, torch ``AdamW(foreach=True)`` and
  ``AdamW(fused=True)``; jaxoptim with a realistic ``paramwise_cfg`` (issue 3) and with one
  group per leaf (``custom_keys`` giving every leaf its own ``lr_mult``).

A jitted update is ``tx.update`` + ``optax.apply_updates`` with params and state donated;
torch's is ``optimizer.step()`` with the gradients already in ``.grad``. Ratios are medians of
per-round ratios (each round times every candidate once, so a ratio compares numbers taken
seconds apart). Also measured: lower+compile wall time with fresh jit objects, and the number
of compilations over N updates while an lr schedule changes the lr every step (must be 1).

Run ``python benchmarks/update_step.py --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxoptim

try:  # run as a script (benchmarks/ on sys.path) or imported by gpu_check.py
    import _resnet
except ImportError:  # imported as benchmarks.update_step from the repository root
    from benchmarks import _resnet

SGD_CFG = dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)
ADAMW_CFG = dict(type="AdamW", lr=1e-3, weight_decay=0.05)
PARAMWISE_CFG = dict(
    custom_keys={"layer1": dict(lr_mult=0.1), "fc": dict(lr_mult=10.0)},
    norm_decay_mult=0.0,
    bias_decay_mult=0.0,
)


# --------------------------------------------------------------------------- timing harness


@dataclasses.dataclass
class Candidate:
    """One thing to time; it keeps its own state from call to call.

    Attributes:
      name: the row label.
      call: runs one step (asynchronously dispatched for JAX).
      sync: blocks until every dispatched step has finished.
      params: the current parameters as numpy arrays (for the first-step parity check).
      compile: compiles the step ahead of time without running it.
      metrics: the metrics of the last step.
    """

    name: str
    call: Callable[[], None]
    sync: Callable[[], None]
    params: Callable[[], list[np.ndarray]] | None = None
    compile: Callable[[], Any] | None = None
    metrics: Callable[[], Any] | None = None

    def run(self, n: int) -> float:
        """Runs ``n`` steps and returns the wall time per step in seconds."""
        self.sync()
        t0 = time.perf_counter()
        for _ in range(n):
            self.call()
        self.sync()
        return (time.perf_counter() - t0) / n


def time_interleaved(
    candidates: Sequence[Candidate], rounds: int, calls: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Per-round seconds per step of every candidate, rounds interleaved, order rotating.

    Args:
      candidates: what to time (already compiled or compiling on their first call).
      rounds: the number of rounds; each round runs ``calls`` steps of every candidate.
      calls: steps per candidate per round.
      warmup: untimed rounds first (compilation, allocator warm-up).

    Returns:
      ``{name: [seconds per step, one per round]}``.
    """
    for _ in range(warmup):
        for c in candidates:
            c.run(1)
    times: dict[str, list[float]] = {c.name: [] for c in candidates}
    for r in range(rounds):
        k = r % len(candidates)
        for c in list(candidates[k:]) + list(candidates[:k]):
            times[c.name].append(c.run(calls))
    return times


def median_ms(times: dict[str, list[float]]) -> dict[str, float]:
    """The median of every candidate's rounds, in milliseconds."""
    return {name: 1e3 * statistics.median(ts) for name, ts in times.items()}


def paired_ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    """The median over rounds of ``time[a] / time[b]`` (each pair was timed in one round)."""
    return statistics.median(x / y for x, y in zip(times[a], times[b]))


@contextlib.contextmanager
def count_compiles() -> Iterator[list[str]]:
    """Collects one entry per XLA backend compilation that happens inside the block."""
    seen: list[str] = []

    def listener(name: str, secs: float, **kwargs: Any) -> None:
        if name == "/jax/core/compile/backend_compile_duration":
            seen.append(name)

    jax.monitoring.register_event_duration_secs_listener(listener)
    try:
        yield seen
    finally:
        jax.monitoring.unregister_event_duration_listener(listener)


def print_table(title: str, ms: dict[str, float], ratios: dict[str, float]) -> None:
    """Prints medians and ratios in two aligned blocks."""
    print(f"\n== {title}")
    width = max(len(n) for n in list(ms) + list(ratios))
    for name, value in ms.items():
        print(f"  {name:<{width}}  {value:10.3f} ms")
    for name, value in ratios.items():
        print(f"  {name:<{width}}  {value:10.3f} x")


# --------------------------------------------------------------------------- candidates


def jax_update_fn(tx: optax.GradientTransformation) -> Callable:
    """A fresh jitted ``(params, opt_state, grads) -> (params, opt_state)``, donating both."""

    def update(params, opt_state, grads):
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    return jax.jit(update, donate_argnums=(0, 1))


def jax_candidate(
    name: str, tx: optax.GradientTransformation, params: Any, grads: Any
) -> Candidate:
    """Times ``tx`` on its own copy of ``params`` (the copy is donated step after step)."""
    step = jax_update_fn(tx)
    box = {"params": jax.tree_util.tree_map(jnp.copy, params)}
    box["state"] = tx.init(box["params"])

    def call():
        box["params"], box["state"] = step(box["params"], box["state"], grads)

    def sync():
        jax.block_until_ready((box["params"], box["state"]))

    return Candidate(name, call, sync, lambda: _resnet.numpy_leaves(box["params"]))


def torch_candidate(
    name: str, make: Callable[[list], Any], params: list[np.ndarray], grads: list[np.ndarray]
) -> Candidate:
    """Times ``make(torch_params).step()`` with fixed gradients on CPU tensors."""
    import torch

    tensors = [torch.tensor(p, requires_grad=True) for p in params]
    for t, g in zip(tensors, grads):
        t.grad = torch.tensor(g)
    opt = make(tensors)

    def params_np():
        return [t.detach().numpy().copy() for t in tensors]

    return Candidate(name, opt.step, lambda: None, params_np)


def _core(name: str, cfg: dict[str, Any]) -> optax.GradientTransformation:
    """The registered optimizer definition alone (``torch_transform``): no hyperparameter
    driver and no clip stage (which always computes the global grad norm), to show where
    ``make_optimizer``'s time goes."""
    kwargs = {k: v for k, v in cfg.items() if k != "type"}
    return jaxoptim.OPTIMIZERS.get(name)(**kwargs)


def per_leaf_groups_cfg(params: Any) -> dict[str, Any]:
    """``custom_keys`` giving every leaf its own ``lr_mult`` (one group per leaf).

    A leaf's full name is the longest key that is a substring of it, so every leaf matches
    exactly its own key even where one name is a suffix of another (``bn1.scale`` and
    ``layer1_0.bn1.scale``).
    """
    names = jaxoptim.optimizer_base.tree_names(params)
    return dict(custom_keys={n: dict(lr_mult=1.0 + i / 1000) for i, n in enumerate(names)})


def resnet50_kinds() -> Any:
    """``jaxoptim.param_kinds`` of the Flax ResNet-50 the tree comes from."""
    x = jnp.zeros((1, 224, 224, 3), jnp.float32)
    kinds = jaxoptim.param_kinds(_resnet.ResNet(depth=50), x, train=False)
    if isinstance(kinds, dict) and set(kinds) == {"params"}:
        kinds = kinds["params"]
    return kinds


def _tree(name: str) -> tuple[Any, Any]:
    """(param shapes, param kinds) for ``'resnet50'`` or ``'resnet18'`` (smoke size)."""
    if name == "resnet50":
        return _resnet.resnet50_param_shapes(), resnet50_kinds()
    model = _resnet.ResNet(depth=18, num_classes=10, small_input=True)
    shapes = _resnet.variable_shapes(model, 32)["params"]
    kinds = jaxoptim.param_kinds(model, jnp.zeros((1, 32, 32, 3)), train=False)
    if isinstance(kinds, dict) and set(kinds) == {"params"}:
        kinds = kinds["params"]
    return shapes, kinds


def _max_abs_diff(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


# --------------------------------------------------------------------------- sections


def bench_sgd(params, grads, rounds, calls, torch_baselines=True) -> dict[str, Any]:
    """jaxoptim SGD vs hand-written optax vs torch foreach; one interleaved run."""
    lr, m, wd = SGD_CFG["lr"], SGD_CFG["momentum"], SGD_CFG["weight_decay"]
    cands = [
        jax_candidate("jaxoptim SGD", jaxoptim.make_optimizer(dict(SGD_CFG)), params, grads),
        jax_candidate(
            "optax SGD",
            optax.chain(optax.add_decayed_weights(wd), optax.sgd(lr, momentum=m)),
            params,
            grads,
        ),
        jax_candidate("jaxoptim core SGD", _core("SGD", SGD_CFG), params, grads),
    ]
    if torch_baselines:
        import torch

        cands.append(
            torch_candidate(
                "torch SGD foreach",
                lambda ts: torch.optim.SGD(ts, lr=lr, momentum=m, weight_decay=wd, foreach=True),
                _resnet.numpy_leaves(params),
                _resnet.numpy_leaves(grads),
            )
        )
    parity = _first_step_parity(cands)
    times = time_interleaved(cands, rounds, calls, warmup=0)
    ratios = {
        "jaxoptim SGD / optax SGD": paired_ratio(times, "jaxoptim SGD", "optax SGD"),
        "core SGD / optax SGD": paired_ratio(times, "jaxoptim core SGD", "optax SGD"),
    }
    if torch_baselines:
        ratios["jaxoptim SGD / torch SGD foreach"] = paired_ratio(
            times, "jaxoptim SGD", "torch SGD foreach"
        )
    return dict(ms=median_ms(times), ratios=ratios, parity=parity)


def bench_adamw(params, grads, kinds, rounds, calls, torch_baselines=True) -> dict[str, Any]:
    """jaxoptim AdamW (plain, paramwise, one group per leaf) vs optax.adamw vs torch."""
    lr, wd = ADAMW_CFG["lr"], ADAMW_CFG["weight_decay"]
    n_leaves = len(jax.tree_util.tree_leaves(params))
    per_leaf = f"jaxoptim AdamW {n_leaves} groups"
    cands = [
        jax_candidate("jaxoptim AdamW", jaxoptim.make_optimizer(dict(ADAMW_CFG)), params, grads),
        jax_candidate("optax.adamw", optax.adamw(lr, weight_decay=wd), params, grads),
        jax_candidate("jaxoptim core AdamW", _core("AdamW", ADAMW_CFG), params, grads),
    ]
    if torch_baselines:
        import torch

        for kind in ("foreach", "fused"):
            cands.append(
                torch_candidate(
                    f"torch AdamW {kind}",
                    lambda ts, kind=kind: torch.optim.AdamW(
                        ts, lr=lr, weight_decay=wd, **{kind: True}
                    ),
                    _resnet.numpy_leaves(params),
                    _resnet.numpy_leaves(grads),
                )
            )
    parity = _first_step_parity(cands)
    cands += [
        jax_candidate(
            "jaxoptim AdamW paramwise",
            jaxoptim.make_optimizer(
                dict(ADAMW_CFG, paramwise_cfg=PARAMWISE_CFG), param_kinds=kinds
            ),
            params,
            grads,
        ),
        jax_candidate(
            per_leaf,
            jaxoptim.make_optimizer(dict(ADAMW_CFG, paramwise_cfg=per_leaf_groups_cfg(params))),
            params,
            grads,
        ),
    ]
    times = time_interleaved(cands, rounds, calls, warmup=1)
    ratios = {
        "jaxoptim AdamW / optax.adamw": paired_ratio(times, "jaxoptim AdamW", "optax.adamw"),
        "core AdamW / optax.adamw": paired_ratio(times, "jaxoptim core AdamW", "optax.adamw"),
        "paramwise / optax.adamw": paired_ratio(times, "jaxoptim AdamW paramwise", "optax.adamw"),
        f"{n_leaves} groups / 1 group": paired_ratio(times, per_leaf, "jaxoptim AdamW"),
    }
    if torch_baselines:
        for kind in ("foreach", "fused"):
            ratios[f"jaxoptim AdamW / torch {kind}"] = paired_ratio(
                times, "jaxoptim AdamW", f"torch AdamW {kind}"
            )
    return dict(ms=median_ms(times), ratios=ratios, parity=parity)


def _first_step_parity(cands: Sequence[Candidate]) -> dict[str, float]:
    """One step of every candidate from the same params; max |diff| to the first candidate.

    The candidates implement the same arithmetic, so after one step they agree to float32
    rounding: this shows that the timed programs do the same work.
    """
    for c in cands:
        c.run(1)
    ref = cands[0].params()
    return {f"{c.name} vs {cands[0].name}": _max_abs_diff(c.params(), ref) for c in cands[1:]}


def _time_compiles(makers, reps, abstract, grads, total, lower) -> None:
    """Appends each maker's fresh lower+compile seconds to ``total`` (lower alone to ``lower``),
    ``reps`` rounds in rotating order."""
    for r in range(reps):
        names = list(makers)
        names = names[r % len(names) :] + names[: r % len(names)]
        for name in names:
            tx = makers[name]()
            state = jax.eval_shape(tx.init, abstract)
            # As timeit does: no garbage collection inside the timed region (a collection of
            # the earlier benchmarks' garbage landing in one candidate's trace added ~0.2 s).
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter()
                lowered = jax_update_fn(tx).lower(abstract, state, grads)
                t1 = time.perf_counter()
                lowered.compile()
                total[name].append(time.perf_counter() - t0)
                lower[name].append(t1 - t0)
            finally:
                gc.enable()


def bench_compile(params, grads, kinds, reps) -> dict[str, Any]:
    """Median lower (trace) and compile seconds with fresh transformations and jit objects."""
    abstract = jax.tree_util.tree_map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype), params)
    lr, wd = ADAMW_CFG["lr"], ADAMW_CFG["weight_decay"]
    makers = {
        "optax.adamw": lambda: optax.adamw(lr, weight_decay=wd),
        "jaxoptim AdamW": lambda: jaxoptim.make_optimizer(dict(ADAMW_CFG)),
        "jaxoptim AdamW paramwise": lambda: jaxoptim.make_optimizer(
            dict(ADAMW_CFG, paramwise_cfg=PARAMWISE_CFG), param_kinds=kinds
        ),
        "jaxoptim core AdamW": lambda: _core("AdamW", ADAMW_CFG),
    }
    total: dict[str, list[float]] = {n: [] for n in makers}
    lower: dict[str, list[float]] = {n: [] for n in makers}
    eqns = {}  # the traced update's size: deterministic, what compile time grows with
    for name, make in makers.items():
        tx = make()
        state = jax.eval_shape(tx.init, abstract)
        outer = jax.make_jaxpr(jax_update_fn(tx))(abstract, state, grads).jaxpr
        eqns[name] = len(outer.eqns[0].params["jaxpr"].jaxpr.eqns)  # inside the one jit
    _time_compiles(makers, reps, abstract, grads, total, lower)
    ratios = {
        "compile paramwise / optax.adamw": paired_ratio(
            total, "jaxoptim AdamW paramwise", "optax.adamw"
        ),
        "compile jaxoptim / optax.adamw": paired_ratio(total, "jaxoptim AdamW", "optax.adamw"),
        "compile core AdamW / optax.adamw": paired_ratio(
            total, "jaxoptim core AdamW", "optax.adamw"
        ),
    }
    return dict(
        seconds={n: statistics.median(ts) for n, ts in total.items()},
        lower_seconds={n: statistics.median(ts) for n, ts in lower.items()},
        jaxpr_equations=eqns,
        ratios=ratios,
    )


def _hand_partition(params: Any, kinds: Any) -> optax.GradientTransformation:
    """What a user writes by hand for PARAMWISE_CFG with optax: one optax.adamw per group."""
    lr, wd = ADAMW_CFG["lr"], ADAMW_CFG["weight_decay"]
    cfg = dict(type="optax.adamw", learning_rate=lr, weight_decay=wd, paramwise_cfg=PARAMWISE_CFG)
    rows = list(jaxoptim.explain(cfg, params, param_kinds=kinds))
    groups = sorted({(row.lr, row.weight_decay) for row in rows})
    labels = [f"g{groups.index((row.lr, row.weight_decay))}" for row in rows]
    treedef = jax.tree_util.tree_structure(params)
    transforms = {
        f"g{i}": optax.adamw(g_lr, weight_decay=g_wd) for i, (g_lr, g_wd) in enumerate(groups)
    }
    return optax.partition(transforms, jax.tree_util.tree_unflatten(treedef, labels))


def bench_user_optax(params, grads, kinds, rounds, calls, reps) -> dict[str, Any]:
    """``type='optax.adamw'`` with paramwise groups vs the optax.partition a user would write."""
    lr, wd = ADAMW_CFG["lr"], ADAMW_CFG["weight_decay"]
    by_name = dict(
        type="optax.adamw", learning_rate=lr, weight_decay=wd, paramwise_cfg=PARAMWISE_CFG
    )
    makers = {
        "optax.adamw by name, paramwise": lambda: jaxoptim.make_optimizer(
            by_name, param_kinds=kinds
        ),
        "hand-written optax.partition": lambda: _hand_partition(params, kinds),
        "jaxoptim AdamW paramwise": lambda: jaxoptim.make_optimizer(
            dict(ADAMW_CFG, paramwise_cfg=PARAMWISE_CFG), param_kinds=kinds
        ),
    }
    cands = [jax_candidate(name, make(), params, grads) for name, make in makers.items()]
    parity = _first_step_parity(cands[:2])
    times = time_interleaved(cands, rounds, calls, warmup=1)
    abstract = jax.tree_util.tree_map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype), params)
    timed = {n: makers[n] for n in list(makers)[:2]}
    compile_s: dict[str, list[float]] = {n: [] for n in timed}
    _time_compiles(timed, reps, abstract, grads, compile_s, {n: [] for n in timed})
    by, hand = "optax.adamw by name, paramwise", "hand-written optax.partition"
    ratios = {
        "by name / hand-written (step)": paired_ratio(times, by, hand),
        "by name / hand-written (compile)": paired_ratio(compile_s, by, hand),
        "by name / built-in AdamW paramwise (step)": paired_ratio(
            times, by, "jaxoptim AdamW paramwise"
        ),
    }
    ms = median_ms(times)
    ms.update({f"compile {n}": 1e3 * statistics.median(v) for n, v in compile_s.items()})
    return dict(ms=ms, ratios=ratios, parity=parity)


def bench_recompiles(params, grads, n_steps) -> dict[str, Any]:
    """Compilations over ``n_steps`` jaxoptim AdamW updates under a cosine lr schedule."""
    cfg = dict(
        optimizer=dict(ADAMW_CFG),
        lr_config=dict(
            policy="CosineAnnealing",
            min_lr=0.0,
            by_epoch=False,
            warmup="linear",
            warmup_iters=3,
            warmup_ratio=0.1,
        ),
    )
    tx = jaxoptim.make_optimizer(cfg, max_iters=n_steps)
    params = jax.tree_util.tree_map(jnp.copy, params)
    state = tx.init(params)
    step = jax_update_fn(tx)
    lrs = []
    with count_compiles() as compiles:
        for _ in range(n_steps):
            params, state = step(params, state, grads)
            lrs.append(_live_lr(state))
    distinct = len(set(lrs))
    if distinct < 2:
        raise AssertionError(f"the lr schedule did not change the lr: {lrs}")
    return dict(
        steps=n_steps,
        backend_compiles=len(compiles),
        jit_cache_size=step._cache_size(),
        distinct_lrs=distinct,
        lr_first_last=(lrs[0], lrs[-1]),
    )


def _live_lr(state: Any) -> float:
    """The base-group lr the last update used (the first ``hyperparams['lr']`` in the state).

    Read on the host with numpy: an eager ``jnp`` op here would compile and be counted.
    """
    stack = [state]
    while stack:
        node = stack.pop(0)
        hp = getattr(node, "hyperparams", None)
        if isinstance(hp, dict) and "lr" in hp:
            return float(np.asarray(hp["lr"]).ravel()[0])
        if isinstance(node, (tuple, list)):
            stack.extend(node)
    raise LookupError("no `hyperparams['lr']` in the optimizer state")


# --------------------------------------------------------------------------- entry point


def run(
    *,
    tree: str = "resnet50",
    rounds: int = 15,
    calls: int = 3,
    compile_reps: int = 3,
    lr_steps: int = 10,
    torch_baselines: bool = True,
    torch_threads: int | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Runs every section and prints its table.

    Args:
      tree: ``'resnet50'`` (161 leaves, 25.6M params) or ``'resnet18'`` (a small smoke tree).
      rounds: interleaved timing rounds.
      calls: steps per candidate per round.
      compile_reps: fresh lower+compile repetitions per candidate.
      lr_steps: updates in the recompilation check.
      torch_baselines: also time torch.optim on CPU tensors.
      torch_threads: ``torch.set_num_threads`` for the torch baselines (default: torch's).
        On an oversubscribed machine one thread avoids OpenMP barrier stalls that make a
        multi-threaded foreach step (thousands of small parallel regions) many times slower.
      seed: for the random params and gradients.

    Returns:
      ``{'sgd': ..., 'adamw': ..., 'compile': ..., 'recompiles': ..., 'ratios': {...}}``.
    """
    shapes, kinds = _tree(tree)
    params = _resnet.random_tree(shapes, seed)
    grads = _resnet.random_tree(shapes, seed + 1, scale=1e-3)
    print(
        f"update_step: tree={tree} leaves={len(jax.tree_util.tree_leaves(params))} "
        f"params={_resnet.param_count(params):,} backend={jax.default_backend()} "
        f"device={jax.devices()[0].device_kind} rounds={rounds} calls={calls}"
    )
    if torch_baselines:
        import torch

        if torch_threads is not None:
            torch.set_num_threads(torch_threads)
        print(f"torch {torch.__version__} threads={torch.get_num_threads()}")
    out: dict[str, Any] = {}
    out["sgd"] = bench_sgd(params, grads, rounds, calls, torch_baselines)
    print_table("SGD update (momentum 0.9, wd 1e-4)", out["sgd"]["ms"], out["sgd"]["ratios"])
    print("  first-step parity:", _fmt(out["sgd"]["parity"]))
    out["adamw"] = bench_adamw(params, grads, kinds, rounds, calls, torch_baselines)
    print_table("AdamW update (wd 0.05)", out["adamw"]["ms"], out["adamw"]["ratios"])
    print("  first-step parity:", _fmt(out["adamw"]["parity"]))
    out["compile"] = bench_compile(params, grads, kinds, compile_reps)
    print_table(
        f"lower+compile, fresh jit objects, median of {compile_reps}",
        {k: 1e3 * v for k, v in out["compile"]["seconds"].items()},
        out["compile"]["ratios"],
    )
    print("  of which lower (trace + MLIR):", _fmt(out["compile"]["lower_seconds"]))
    print("  jaxpr equations of one update:", _fmt(out["compile"]["jaxpr_equations"]))
    out["user_optax"] = bench_user_optax(params, grads, kinds, rounds, calls, compile_reps)
    print_table(
        "a user's optax optimizer with param groups (optax.adamw by name, 4 groups)",
        out["user_optax"]["ms"],
        out["user_optax"]["ratios"],
    )
    print("  first-step parity:", _fmt(out["user_optax"]["parity"]))
    out["recompiles"] = bench_recompiles(params, grads, lr_steps)
    print("\n== compilations over updates with a changing lr (cosine + linear warmup)")
    print("  ", _fmt(out["recompiles"]))
    out["ratios"] = {
        **out["sgd"]["ratios"],
        **out["adamw"]["ratios"],
        **out["compile"]["ratios"],
        **out["user_optax"]["ratios"],
    }
    return out


def _fmt(d: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in d.items())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", choices=["resnet50", "resnet18"], default="resnet50")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--compile-reps", type=int, default=3)
    parser.add_argument("--lr-steps", type=int, default=10)
    parser.add_argument("--no-torch", action="store_true", help="skip the torch baselines")
    parser.add_argument("--torch-threads", type=int, help="torch.set_num_threads for torch")
    args = parser.parse_args(argv)
    run(
        tree=args.tree,
        rounds=args.rounds,
        calls=args.calls,
        compile_reps=args.compile_reps,
        lr_steps=args.lr_steps,
        torch_baselines=not args.no_torch,
        torch_threads=args.torch_threads,
    )


if __name__ == "__main__":
    main()
