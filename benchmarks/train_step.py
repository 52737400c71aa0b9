"""Benchmark a full ResNet train step: precisions, loss scaling and clipping (issue 4).

Candidates, per precision, timed side by side in one process (interleaved rounds, medians):

* ``optax <p>``: a hand-written step: ``value_and_grad`` of the loss on params cast to the
  compute dtype (norm params stay float32), ``chain(add_decayed_weights, sgd)``,
  ``apply_updates``; params and optimizer state donated.
* ``jaxoptim <p>``: ``make_train_step(loss_fn, make_optimizer(SGD), precision=p)``.
* ``jaxoptim full <p>``: the same with ``fp16=dict(loss_scale='dynamic')`` and
  ``optimizer_config=dict(grad_clip=dict(max_norm=35, norm_type=2))``: the cost of loss
  scaling, the finiteness check, the skip and clipping.

The model is the Flax ResNet of ``_resnet.py`` with its compute ``dtype`` set to the precision
(as a Flax user would), BatchNorm in training mode. Sizes are picked from
``jax.default_backend()``: ResNet-18 at 32x32, batch 8 on CPU; ResNet-50 at 224x224, batch 128
on GPU. Run ``python benchmarks/train_step.py --help``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxoptim

try:  # run as a script (benchmarks/ on sys.path) or imported by gpu_check.py
    import _resnet
    import update_step
except ImportError:  # imported as benchmarks.train_step from the repository root
    from benchmarks import _resnet, update_step

SGD_CFG = dict(type="SGD", lr=0.1, momentum=0.9, weight_decay=1e-4)
FULL_CFG = dict(
    optimizer=SGD_CFG,
    optimizer_config=dict(grad_clip=dict(max_norm=35.0, norm_type=2)),
    fp16=dict(loss_scale="dynamic"),
)
DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16, "float16": jnp.float16}
SHORT = {"float32": "f32", "bfloat16": "bf16", "float16": "f16"}

CPU_SIZE = dict(depth=18, image_size=32, batch_size=8, num_classes=10)
GPU_SIZE = dict(depth=50, image_size=224, batch_size=128, num_classes=1000)


def default_size() -> dict[str, int]:
    """ResNet-50 / 224 / batch 128 on an accelerator, ResNet-18 / 32 / batch 8 on CPU."""
    return dict(CPU_SIZE if jax.default_backend() == "cpu" else GPU_SIZE)


def make_loss_fn(model: _resnet.ResNet) -> Callable:
    """``loss_fn(params, batch) -> (loss, new_batch_stats)``: mean cross-entropy, float32."""

    def loss_fn(params, batch):
        logits, new_vars = model.apply(
            {"params": params, "batch_stats": batch["batch_stats"]},
            batch["image"],
            train=True,
            mutable=["batch_stats"],
        )
        loss = optax.softmax_cross_entropy_with_integer_labels(
            logits.astype(jnp.float32), batch["label"]
        ).mean()
        return loss, new_vars["batch_stats"]

    return loss_fn


def optax_train_step(
    loss_fn: Callable, tx: optax.GradientTransformation, dtype: Any, kinds: Any
) -> Callable:
    """The hand-written baseline: the same casts as jaxoptim's step, grad, update, apply.

    Floating batch leaves and non-norm params (``kinds`` leaf ``!= 'norm'``) are cast to
    ``dtype``; the loss is float32; params, gradients and optimizer state stay float32.
    """

    def cast(tree, keep=None):
        leaves, treedef = jax.tree_util.tree_flatten(tree)
        keep = [False] * len(leaves) if keep is None else keep
        leaves = [
            x.astype(dtype) if jnp.issubdtype(x.dtype, jnp.floating) and not k else x
            for x, k in zip(leaves, keep)
        ]
        return jax.tree_util.tree_unflatten(treedef, leaves)

    def step(state, batch):
        params, opt_state = state
        keep = [k == "norm" for k in jax.tree_util.tree_structure(params).flatten_up_to(kinds)]
        (loss, aux), grads = jax.value_and_grad(
            lambda p: loss_fn(cast(p, keep), cast(batch)), has_aux=True
        )(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), {"loss": loss, "aux": aux}

    return jax.jit(step, donate_argnums=0)


def _candidate(name: str, step: Callable, state: Any, batch: Any) -> update_step.Candidate:
    box = {"state": state, "metrics": None}

    def call():
        box["state"], box["metrics"] = step(box["state"], batch)

    return update_step.Candidate(
        name,
        call,
        sync=lambda: jax.block_until_ready(box["state"]),
        compile=lambda: step.lower(box["state"], batch).compile(),
        metrics=lambda: box["metrics"],
    )


def build_candidates(
    size: dict[str, int], pairs: Sequence[tuple[str, str]], seed: int = 0
) -> list[update_step.Candidate]:
    """One candidate per ``(variant, precision)``; variants: ``optax``, ``jaxoptim``, ``full``."""
    cands = []
    for precision in dict.fromkeys(p for _, p in pairs):
        dtype = DTYPES[precision]
        model = _resnet.ResNet(
            depth=size["depth"],
            num_classes=size["num_classes"],
            dtype=dtype,
            small_input=size["image_size"] < 64,
        )
        variables = _resnet.variable_shapes(model, size["image_size"])
        params = _resnet.random_tree(variables["params"], seed, scale=0.05)
        batch = _resnet.image_batch(size["batch_size"], size["image_size"], size["num_classes"])
        batch["batch_stats"] = jax.tree_util.tree_map(
            lambda x: jnp.ones(x.shape, x.dtype), variables["batch_stats"]
        )
        example = jnp.zeros((1, size["image_size"], size["image_size"], 3), jnp.float32)
        kinds = _params_only(jaxoptim.param_kinds(model, example, train=False))
        loss_fn = make_loss_fn(model)
        short = SHORT[precision]
        for variant in (v for v, p in pairs if p == precision):
            p = jax.tree_util.tree_map(jnp.copy, params)
            if variant == "optax":
                tx = optax.chain(
                    optax.add_decayed_weights(SGD_CFG["weight_decay"]),
                    optax.sgd(SGD_CFG["lr"], momentum=SGD_CFG["momentum"]),
                )
                step = optax_train_step(loss_fn, tx, dtype, kinds)
                cands.append(_candidate(f"optax {short}", step, (p, tx.init(p)), batch))
                continue
            if variant not in ("jaxoptim", "full"):
                raise ValueError(f"unknown variant {variant!r}; use optax, jaxoptim or full")
            cfg = dict(SGD_CFG) if variant == "jaxoptim" else FULL_CFG
            tx = jaxoptim.make_optimizer(cfg, param_kinds=kinds)
            step = jaxoptim.make_train_step(
                loss_fn, tx, precision=precision, has_aux=True, param_kinds=kinds
            )
            state = jaxoptim.TrainState.create(params=p, tx=tx)
            name = f"jaxoptim {short}" if variant == "jaxoptim" else f"jaxoptim full {short}"
            cands.append(_candidate(name, step, state, batch))
    return cands


def _params_only(kinds: Any) -> Any:
    """``param_kinds`` of the ``params`` collection alone."""
    if isinstance(kinds, dict) and set(kinds) == {"params"}:
        return kinds["params"]
    return kinds


def ratios_of(times: dict[str, list[float]]) -> dict[str, float]:
    """Every ratio whose two candidates were timed."""
    out = {}
    pair = lambda a, b: a in times and b in times
    for s in SHORT.values():
        if pair(f"jaxoptim {s}", f"optax {s}"):
            out[f"jaxoptim {s} / optax {s}"] = update_step.paired_ratio(
                times, f"jaxoptim {s}", f"optax {s}"
            )
        if pair(f"jaxoptim full {s}", f"optax {s}"):
            out[f"full (scale+clip) {s} / optax {s}"] = update_step.paired_ratio(
                times, f"jaxoptim full {s}", f"optax {s}"
            )
        if pair(f"jaxoptim full {s}", f"jaxoptim {s}"):
            out[f"full (scale+clip) {s} / jaxoptim {s}"] = update_step.paired_ratio(
                times, f"jaxoptim full {s}", f"jaxoptim {s}"
            )
    for s in ("bf16", "f16"):
        if pair(f"jaxoptim {s}", "jaxoptim f32"):
            out[f"jaxoptim {s} / jaxoptim f32"] = update_step.paired_ratio(
                times, f"jaxoptim {s}", "jaxoptim f32"
            )
    return out


def run(
    *,
    size: dict[str, int] | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
    rounds: int = 8,
    calls: int = 2,
    seed: int = 0,
) -> dict[str, Any]:
    """Builds, compiles (in parallel threads) and times the candidates; prints a table.

    Args:
      size: ``depth``, ``image_size``, ``batch_size``, ``num_classes``; ``None`` picks
        :func:`default_size`.
      pairs: ``(variant, precision)`` candidates: variant ``optax``, ``jaxoptim`` or ``full``,
        precision ``float32``, ``bfloat16`` or ``float16``; ``None`` times all nine.
      rounds: interleaved timing rounds.
      calls: steps per candidate per round.
      seed: for the params.

    Returns:
      ``{'size': ..., 'ms': {name: median ms}, 'ratios': {...}, 'compiles_while_timed': n,
      'first_call_compiles': n, 'finite': {name: last loss finite}}``.
    """
    size = size or default_size()
    pairs = list(pairs or [(v, p) for p in DTYPES for v in ("optax", "jaxoptim", "full")])
    print(
        f"train_step: ResNet-{size['depth']} {size['image_size']}x{size['image_size']} "
        f"batch {size['batch_size']} backend={jax.default_backend()} "
        f"device={jax.devices()[0].device_kind} rounds={rounds} calls={calls}"
    )
    cands = build_candidates(size, pairs, seed)
    # Compile ahead of time, all at once (XLA releases the GIL), without running anything
    # concurrently (six ResNet-50 steps at once would not fit in GPU memory); the first calls
    # then hit the compiled executables.
    with concurrent.futures.ThreadPoolExecutor(len(cands)) as pool:
        list(pool.map(lambda c: c.compile(), cands))
    with update_step.count_compiles() as first_call_compiles:
        for c in cands:
            c.run(1)
    print(f"  compilations at the first calls after AOT compilation: {len(first_call_compiles)}")
    with update_step.count_compiles() as compiles:
        times = update_step.time_interleaved(cands, rounds, calls, warmup=0)
    ms = update_step.median_ms(times)
    ratios = ratios_of(times)
    update_step.print_table("train step", ms, ratios)
    print(f"  compilations while timed: {len(compiles)}")
    finite = {c.name: bool(np.isfinite(np.asarray(c.metrics()["loss"]))) for c in cands}
    print("  final loss finite:", finite)
    return dict(
        size=size,
        ms=ms,
        ratios=ratios,
        compiles_while_timed=len(compiles),
        first_call_compiles=len(first_call_compiles),
        finite=finite,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, choices=[18, 34, 50, 101])
    parser.add_argument("--image-size", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--precisions", default="float32,bfloat16,float16")
    parser.add_argument("--variants", default="optax,jaxoptim,full")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=2)
    args = parser.parse_args(argv)
    size = default_size()
    for key in ("depth", "image_size", "batch_size"):
        if getattr(args, key) is not None:
            size[key] = getattr(args, key)
    pairs = [(v, p) for p in args.precisions.split(",") for v in args.variants.split(",")]
    run(
        size=size,
        pairs=pairs,
        rounds=args.rounds,
        calls=args.calls,
    )


if __name__ == "__main__":
    main()
