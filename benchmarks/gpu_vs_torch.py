"""jaxoptim vs a hand-written optax step vs PyTorch on one GPU (issue 17).

Sections, most important first (each compiles and times only what it needs):

1. ``bf16 step``: ResNet-50, 224x224, batch 128, the same images on both sides. jaxoptim's
   full step (AdamW lr 1e-3, wd 0.05, ``paramwise_cfg`` norm/bias decay 0, ``grad_clip``
   max_norm 1, bfloat16 compute) vs a hand-written optax step (``optax.adamw`` with the same
   decay mask, the same casts, no clipping) vs PyTorch (torchvision ``resnet50``,
   ``channels_last``, ``torch.autocast`` bf16, ``clip_grad_norm_``, ``AdamW(fused=True)`` with
   the same two param groups, checked against ``jaxoptim.explain``'s counts).
2. ``fp16 step``: the same in float16 with dynamic loss scaling (jaxoptim
   ``fp16=dict(loss_scale='dynamic')``; torch ``GradScaler``), and jaxoptim's bf16 step again
   in the same rounds (fp16 / bf16).
3. ``update``: the copy bandwidth of the card (a jitted ``x + 1`` and torch ``copy_``), then
   the update alone (AdamW) on the ResNet-50 and a ViT-L/16 parameter tree: jaxoptim,
   ``optax.adamw``, torch ``AdamW(fused=True)``, as GB/s (read params, grads, 2 moments;
   write params, 2 moments: 28 bytes per parameter).

Timing: warmup calls, then interleaved rounds (order rotating), synchronized
(``block_until_ready`` / ``torch.cuda.synchronize``), medians; ratios are medians of per-round
ratios. The sections run in a worker thread; the main thread prints the summary (a Markdown
block for ``benchmarks/RESULTS.md``) when they end, at ``--budget-s``, or on SIGTERM/SIGINT,
and also writes it to ``$OUT/gpu_vs_torch.md``. A section whose estimated cost does not fit in
the time left is skipped and the summary says so. Where a target is missed, the optimized HLO
of the jax programs involved (kernel counts) is summarized, written to ``$OUT``, and a
``jax.profiler`` trace of three steps is written there too.

``python benchmarks/gpu_vs_torch.py --device cpu --tiny`` runs everything at toy sizes.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import signal
import statistics
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _resnet  # noqa: E402
import flax  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import train_step as train_bench  # noqa: E402
import update_step as update_bench  # noqa: E402

import jaxoptim  # noqa: E402

LR, WD, MAX_NORM = 1e-3, 0.05, 1.0
ADAMW = dict(
    type="AdamW",
    lr=LR,
    weight_decay=WD,
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
)
CONFIGS = {
    "bfloat16": dict(optimizer=ADAMW, optimizer_config=dict(grad_clip=dict(max_norm=MAX_NORM))),
    "float16": dict(
        optimizer=ADAMW,
        optimizer_config=dict(grad_clip=dict(max_norm=MAX_NORM)),
        fp16=dict(loss_scale="dynamic"),
    ),
}
SHORT = {"bfloat16": "bf16", "float16": "fp16"}
FULL = dict(depth=50, image_size=224, batch_size=128, num_classes=1000)
TINY = dict(depth=18, image_size=32, batch_size=2, num_classes=10)
VIT_L = dict(dim=1024, depth=24, mlp=4096, patch=16, image=224, classes=1000)
VIT_TINY = dict(dim=64, depth=2, mlp=256, patch=4, image=32, classes=10)
BYTES_PER_PARAM = 4 * 7  # float32: read p, g, m, v; write p, m, v


class Report:
    """What the run measured so far; any thread appends, the main thread prints it."""

    def __init__(self, header: list[str]):
        self.header = header
        self.rows: list[str] = []  # measurement table rows
        self.targets: list[str] = []  # target table rows
        self.notes: list[str] = []
        self.current: str | None = None
        self.failed = False

    def row(self, section: str, name: str, ms: float, rate: str, compile_s: str = "") -> None:
        self.rows.append(f"| {section} | {name} | {ms:.3f} | {rate} | {compile_s} |")
        print(f"  {section:<10} {name:<34} {ms:9.3f} ms  {rate:>14}  {compile_s}", flush=True)

    def target(self, what: str, value: float, ok: bool | None) -> None:
        met = "-" if ok is None else ("yes" if ok else "**no**")
        self.targets.append(f"| {what} | {value:.3f} | {met} |")
        print(f"  target {what}: {value:.3f} ({met})", flush=True)

    def note(self, line: str, failed: bool = False) -> None:
        self.failed |= failed
        self.notes.append(line)
        print(f"  note: {line}", flush=True)

    def block(self, ended: str) -> str:
        lines = [*self.header, ""]
        lines += ["| section | candidate | ms / step | throughput | compile s |"]
        lines += ["|---|---|---:|---:|---:|", *self.rows, ""]
        lines += ["| target | measured | met |", "|---|---:|---|", *self.targets, ""]
        lines += [f"- {n}" for n in self.notes] + [f"- {ended}"]
        return "\n".join(lines)


# --------------------------------------------------------------------------- timing


def _time(cands: Sequence[update_bench.Candidate], rounds: int, calls: int, warmup: int, until):
    """Per-round seconds per step; stops early (after one round) past ``until``."""
    for c in cands:
        for _ in range(warmup):
            c.run(1)
    times: dict[str, list[float]] = {c.name: [] for c in cands}
    for r in range(rounds):
        if r and time.perf_counter() > until:
            break
        k = r % len(cands)
        for c in list(cands[k:]) + list(cands[:k]):
            times[c.name].append(c.run(calls))
    return times


def _med_ms(ts: list[float]) -> float:
    return 1e3 * statistics.median(ts)


def _ratio(times: dict[str, list[float]], a: str, b: str) -> float:
    return update_bench.paired_ratio(times, a, b)


def _kernels(hlo: str) -> dict[str, int]:
    """Opcode counts of the ENTRY computation of optimized HLO (each is about one launch)."""
    entry = hlo[hlo.find("\nENTRY") :]
    entry = entry[: entry.find("\n}")]
    skip = {"parameter", "tuple", "get-tuple-element", "constant", "bitcast"}
    counts: dict[str, int] = {}
    for line in entry.splitlines()[1:]:
        m = re.search(r" = .*?\s([a-z][\w-]*)\(", line)
        if m and m.group(1) not in skip:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


# --------------------------------------------------------------------------- the benchmark


class Bench:
    """The sections; state (devices, sizes, kept candidates) shared between them."""

    def __init__(self, args: argparse.Namespace, report: Report, deadline: float):
        self.args, self.report, self.deadline = args, report, deadline
        self.size = dict(TINY if args.tiny else FULL)
        if args.batch_size:
            self.size["batch_size"] = args.batch_size
        self.vit = VIT_TINY if args.tiny else VIT_L
        self.rounds, self.calls = (2, 1) if args.tiny else (args.rounds, args.calls)
        self.gpu = args.device == "gpu"
        self.out = args.out_dir
        self.kept: dict[str, Any] = {}  # jaxoptim bf16 candidate, reused by the fp16 section
        self.compiled: dict[str, Any] = {}

    # ----- train steps

    def _jax_step(self, variant: str, precision: str, model, params, kinds, batch):
        """(candidate, compile seconds) for ``optax`` or ``jaxoptim`` at ``precision``."""
        loss_fn = train_bench.make_loss_fn(model)
        p = jax.tree_util.tree_map(jnp.copy, params)
        if variant == "optax":
            table = jaxoptim.explain(dict(ADAMW), params, param_kinds=kinds)
            leaves, treedef = jax.tree_util.tree_flatten(params)
            mask = jax.tree_util.tree_unflatten(treedef, [r.weight_decay != 0 for r in table])
            tx = optax.adamw(LR, b1=0.9, b2=0.999, eps=1e-8, weight_decay=WD, mask=mask)
            step = train_bench.optax_train_step(loss_fn, tx, train_bench.DTYPES[precision], kinds)
            state = (p, tx.init(p))
        else:
            tx = jaxoptim.make_optimizer(CONFIGS[precision], param_kinds=kinds)
            step = jaxoptim.make_train_step(
                loss_fn, tx, precision=precision, has_aux=True, param_kinds=kinds
            )
            state = jaxoptim.TrainState.create(params=p, tx=tx)
        name = f"{variant} {SHORT[precision]}"
        t0 = time.perf_counter()
        compiled = step.lower(state, batch).compile()
        compile_s = time.perf_counter() - t0
        self.compiled[name] = (compiled, step, state, batch)
        print(f"  compiled {name} in {compile_s:.1f} s", flush=True)
        return train_bench._candidate(name, step, state, batch), compile_s

    def _model(self, precision: str):
        s = self.size
        model = _resnet.ResNet(
            depth=s["depth"], num_classes=s["num_classes"], dtype=train_bench.DTYPES[precision]
        )
        variables = _resnet.variable_shapes(model, s["image_size"])
        example = jnp.zeros((1, s["image_size"], s["image_size"], 3), jnp.float32)
        kinds = train_bench._params_only(jaxoptim.param_kinds(model, example, train=False))
        return model, variables, kinds

    def _batch(self, variables):
        s = self.size
        batch = _resnet.image_batch(s["batch_size"], s["image_size"], s["num_classes"])
        batch["batch_stats"] = jax.tree_util.tree_map_with_path(
            lambda path, x: (jnp.zeros if "mean" in str(path[-1]) else jnp.ones)(x.shape, x.dtype),
            variables["batch_stats"],
        )
        return batch

    def steps(self, precision: str) -> None:
        """Section 1 (bf16) or 2 (fp16): optax, jaxoptim and torch steps, interleaved."""
        section, short = f"{SHORT[precision]} step", SHORT[precision]
        model, variables, kinds = self._model(precision)
        params = _init_params(variables["params"], seed=0)
        batch = self._batch(variables)
        if precision == "bfloat16":
            self._check_groups(variables["params"], kinds)
        cands, compile_s = [], {}
        for variant in ("optax", "jaxoptim"):  # sequential: the second reuses the autotuning
            c, compile_s[c.name] = self._jax_step(variant, precision, model, params, kinds, batch)
            cands.append(c)
        self.kept.update((c.name, c) for c in cands)
        if precision == "float16" and "jaxoptim bf16" in self.kept:
            cands.append(self.kept["jaxoptim bf16"])
        with update_bench.count_compiles() as first:
            for c in cands:
                c.run(1)
        try:
            cands.append(self._torch_step(precision, batch))
        except Exception as e:  # the jax numbers of the section still count
            traceback.print_exc()
            self.report.note(f"ERROR torch {short} step: {type(e).__name__}: {e}", failed=True)
        until = time.perf_counter() + (5 if self.args.tiny else 60)
        with update_bench.count_compiles() as timed:
            times = _time(cands, self.rounds, self.calls, warmup=2, until=until)
        bs = self.size["batch_size"]
        for c in cands:
            ms = _med_ms(times[c.name])
            cs = f"{compile_s[c.name]:.1f}" if c.name in compile_s else ""
            self.report.row(section, c.name, ms, f"{1e3 * bs / ms:.1f} img/s", cs)
        finite = {c.name: bool(np.isfinite(float(np.asarray(c.metrics()["loss"])))) for c in cands}
        self.report.note(
            f"{section}: rounds={len(times[cands[0].name])} x {self.calls} steps, "
            f"compilations at first calls {len(first)}, while timed {len(timed)}, "
            f"final losses finite: {all(finite.values())}",
            failed=len(timed) > 0 or not all(finite.values()),
        )
        torch_name = f"torch {short}"
        ours = f"jaxoptim {short}"
        ok_torch = True
        if torch_name in times:
            vs_torch = _ratio(times, torch_name, ours)  # torch time / ours = our img/s / theirs
            ok_torch = vs_torch >= 1.0
            self.report.target(f"{ours} img/s / torch AMP {short} img/s >= 1", vs_torch, ok_torch)
        vs_optax = _ratio(times, ours, f"optax {short}")
        what = "clip" if precision == "bfloat16" else "dynamic scale + clip"
        self.report.target(
            f"{ours} ({what}) / optax {short} step <= 1.03", vs_optax, vs_optax <= 1.03
        )
        ok_bf16 = True
        if precision == "float16" and "jaxoptim bf16" in times:
            r = _ratio(times, ours, "jaxoptim bf16")
            ok_bf16 = r <= 1.03
            self.report.target("jaxoptim fp16 / jaxoptim bf16 step <= 1.03", r, ok_bf16)
        if not (ok_torch and vs_optax <= 1.03 and ok_bf16):
            self._diagnose([f"optax {short}", ours], trace=ours)

    def _check_groups(self, shapes, kinds) -> None:
        """torch's two groups (by module type and name) hold what jaxoptim.explain decays."""
        table = jaxoptim.explain(dict(ADAMW), shapes, param_kinds=kinds)
        jax_groups = _group_counts((r.shape, r.weight_decay != 0) for r in table)
        model, _ = self._torch_model()
        decay, no_decay = _torch_groups(model)
        torch_groups = _group_counts(
            [(tuple(p.shape), True) for p in decay] + [(tuple(p.shape), False) for p in no_decay]
        )
        same = "PASS" if jax_groups == torch_groups else "FAIL"
        self.report.note(
            f"param groups (tensors, scalars) decay / no decay: jaxoptim explain "
            f"{jax_groups}, torch {torch_groups}: {same}",
            failed=jax_groups != torch_groups,
        )

    def _torch_model(self):
        s = self.size
        try:
            import torchvision

            build = getattr(torchvision.models, f"resnet{s['depth']}")
            return build(weights=None, num_classes=s["num_classes"]), "torchvision"
        except Exception:  # noqa: BLE001 - CPU wheels here lack a working torchvision
            return _torch_resnet(s["depth"], s["num_classes"]), "local torchvision-shaped"

    def _torch_step(self, precision: str, batch) -> update_bench.Candidate:
        import torch
        import torch.nn.functional as F

        dev = torch.device("cuda" if self.gpu else "cpu")
        torch.backends.cudnn.benchmark = True  # autotuned convolutions, as XLA's
        model, source = self._torch_model()
        model = model.to(dev, memory_format=torch.channels_last).train()
        decay, no_decay = _torch_groups(model)
        opt = torch.optim.AdamW(
            [dict(params=decay, weight_decay=WD), dict(params=no_decay, weight_decay=0.0)],
            lr=LR,
            betas=(0.9, 0.999),
            eps=1e-8,
            fused=True,
        )
        # NHWC storage viewed as NCHW is channels_last
        x = torch.from_numpy(np.array(batch["image"])).to(dev).permute(0, 3, 1, 2)
        y = torch.from_numpy(np.array(batch["label"]).astype(np.int64)).to(dev)
        dtype = torch.bfloat16 if precision == "bfloat16" else torch.float16
        scaler = torch.amp.GradScaler(dev.type) if precision == "float16" else None
        box: dict[str, Any] = {}

        def call():
            opt.zero_grad(set_to_none=True)
            with torch.autocast(dev.type, dtype=dtype):
                loss = F.cross_entropy(model(x), y)
            if scaler is None:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
                opt.step()
            else:
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM)
                scaler.step(opt)
                scaler.update()
            box["loss"] = loss.detach()

        sync = torch.cuda.synchronize if self.gpu else (lambda: None)
        if "torch model" not in " ".join(self.report.header):
            self.report.header.append(
                f"- torch model: {source} resnet{self.size['depth']}, channels_last="
                f"{x.is_contiguous(memory_format=torch.channels_last)}"
            )
        return update_bench.Candidate(
            f"torch {SHORT[precision]}",
            call,
            sync,
            metrics=lambda: {"loss": box["loss"].float().cpu().numpy()},
        )

    # ----- copy bandwidth and the update alone

    def update(self) -> None:
        """Section 3: copy GB/s, then AdamW update GB/s on ResNet-50 and ViT-L trees."""
        import torch

        dev = torch.device("cuda" if self.gpu else "cpu")
        sync = torch.cuda.synchronize if self.gpu else (lambda: None)
        n = (1 << 20) if self.args.tiny else (1 << 28)  # 1 GiB of float32 on the GPU
        x = jnp.ones((n,), jnp.float32)
        add = jax.jit(lambda a: a + 1.0)
        box = {"y": None}
        src, dst = torch.ones(n, device=dev), torch.empty(n, device=dev)
        cands = [
            update_bench.Candidate(
                "jax x + 1",
                lambda: box.__setitem__("y", add(x)),
                lambda: jax.block_until_ready(box["y"]),
            ),
            update_bench.Candidate("torch copy_", lambda: dst.copy_(src), sync),
        ]
        times = _time(cands, self.rounds, 10 * self.calls, warmup=2, until=time.perf_counter() + 10)
        gbs = {}
        for c in cands:
            ms = _med_ms(times[c.name])
            gbs[c.name] = 8 * n / ms / 1e6
            self.report.row("copy", c.name, ms, f"{gbs[c.name]:.1f} GB/s")
        copy_gbs = max(gbs.values())
        self.report.note(f"copy bandwidth (read + write, the max of the two): {copy_gbs:.0f} GB/s")
        vit = "ViT-tiny" if self.args.tiny else "ViT-L/16"
        trees = [
            (f"ResNet-{self.size['depth']}", self._resnet_tree()),
            (vit, vit_shapes(**self.vit)),
        ]
        for label, shapes in trees:
            if time.perf_counter() > self.deadline:
                self.report.note(f"SKIPPED update {label}: past the budget")
                continue
            self._update_tree(label, shapes, copy_gbs, dev, sync)

    def _resnet_tree(self):
        model = _resnet.ResNet(depth=self.size["depth"], num_classes=self.size["num_classes"])
        return _resnet.variable_shapes(model, self.size["image_size"])["params"]

    def _update_tree(self, label, shapes, copy_gbs, dev, sync) -> None:
        import torch

        leaves, treedef = jax.tree_util.tree_flatten(shapes)
        n = _resnet.param_count(shapes)
        rng = np.random.default_rng(0)
        flat = rng.random(n, dtype=np.float32) - 0.5
        host_p, host_g, off = [], [], 0
        for s in leaves:
            k = int(np.prod(s.shape))
            host_p.append(flat[off : off + k].reshape(s.shape))
            host_g.append(1e-2 * host_p[-1])
            off += k
        params = jax.tree_util.tree_unflatten(treedef, [jnp.asarray(a) for a in host_p])
        grads = jax.tree_util.tree_unflatten(treedef, [jnp.asarray(a) for a in host_g])
        cands, compile_s = [], {}
        for name, tx in (
            ("jaxoptim AdamW", jaxoptim.make_optimizer(dict(type="AdamW", lr=LR, weight_decay=WD))),
            ("optax.adamw", optax.adamw(LR, weight_decay=WD)),
        ):
            c, compile_s[name] = self._jax_update(f"{label} {name}", tx, params, grads)
            cands.append(c)
        tp = [torch.from_numpy(a).to(dev).requires_grad_() for a in host_p]
        for t, g in zip(tp, host_g):
            t.grad = torch.from_numpy(g).to(dev)
        opt = torch.optim.AdamW(tp, lr=LR, weight_decay=WD, fused=True)
        cands.append(update_bench.Candidate(f"{label} torch AdamW fused", opt.step, sync))
        calls = self.calls * (2 if self.args.tiny else 20)
        times = _time(cands, self.rounds, calls, warmup=2, until=time.perf_counter() + 20)
        rate = {}
        for c in cands:
            ms = _med_ms(times[c.name])
            rate[c.name] = BYTES_PER_PARAM * n / ms / 1e6
            cs = compile_s.get(c.name)
            self.report.row(
                f"update {label}",
                c.name.removeprefix(label + " "),
                ms,
                f"{rate[c.name]:.1f} GB/s",
                f"{cs:.1f}" if cs else "",
            )
        ours, theirs = f"{label} jaxoptim AdamW", f"{label} torch AdamW fused"
        frac = rate[ours] / copy_gbs
        vs_torch = _ratio(times, ours, theirs)
        self.report.note(f"update {label}: {len(leaves)} leaves, {n:,} parameters")
        self.report.target(
            f"update {label}: jaxoptim AdamW GB/s / copy GB/s >= 0.80", frac, frac >= 0.8
        )
        self.report.target(
            f"update {label}: optax.adamw GB/s / copy GB/s",
            rate[f"{label} optax.adamw"] / copy_gbs,
            None,
        )
        self.report.target(
            f"update {label}: jaxoptim AdamW / torch fused AdamW time <= 1",
            vs_torch,
            vs_torch <= 1.0,
        )
        if frac < 0.8 or vs_torch > 1.0:
            self._diagnose([ours, f"{label} optax.adamw"], trace=None)
        del tp, opt, cands

    def _jax_update(self, name, tx, params, grads):
        def update(params, opt_state, grads):
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state

        step = jax.jit(update, donate_argnums=(0, 1))
        box = {"params": jax.tree_util.tree_map(jnp.copy, params)}
        box["state"] = tx.init(box["params"])
        t0 = time.perf_counter()
        compiled = step.lower(box["params"], box["state"], grads).compile()
        compile_s = time.perf_counter() - t0
        self.compiled[name] = (compiled, None, None, None)

        def call():
            box["params"], box["state"] = step(box["params"], box["state"], grads)

        sync = lambda: jax.block_until_ready((box["params"], box["state"]))
        return update_bench.Candidate(name, call, sync), compile_s

    # ----- profiles for a missed target

    def _diagnose(self, names: list[str], trace: str | None) -> None:
        """Kernel counts of the optimized HLO (files in $OUT) and a trace of ``trace``."""
        try:
            self._profile(names, trace)
        except Exception as e:  # the numbers are in; a failed profile must not lose them
            traceback.print_exc()
            self.report.note(f"profile failed: {type(e).__name__}: {e}".splitlines()[0])

    def _profile(self, names: list[str], trace: str | None) -> None:
        for name in names:
            if name not in self.compiled:
                continue
            hlo = self.compiled[name][0].as_text()
            counts = _kernels(hlo)
            top = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:6])
            self.report.note(f"HLO {name}: {sum(counts.values())} ENTRY ops ({top})")
            if self.out:
                path = os.path.join(self.out, "hlo_" + re.sub(r"\W+", "_", name) + ".txt")
                with open(path, "w") as f:
                    f.write(hlo)
        left = self.deadline - time.perf_counter()
        if trace and self.out and trace in self.compiled and left > 30:
            cand = self.kept.get(trace)
            if cand is None:
                return
            path = os.path.join(self.out, "trace_" + re.sub(r"\W+", "_", trace))
            with jax.profiler.trace(path):
                cand.run(3)
            self.report.note(f"trace of 3 steps of {trace}: {path} (open in TensorBoard/Perfetto)")


# --------------------------------------------------------------------------- trees, torch groups


def _init_params(shapes, seed: int):
    """He-normal kernels, unit norm scales, zero biases (host numpy, then on the device)."""
    rng = np.random.default_rng(seed)

    def init(path, s):
        key = str(path[-1].key) if hasattr(path[-1], "key") else ""
        if key == "scale":
            return jnp.ones(s.shape, jnp.float32)
        if key == "bias" or len(s.shape) < 2:
            return jnp.zeros(s.shape, jnp.float32)
        std = np.sqrt(2.0 / np.prod(s.shape[:-1]))
        return jnp.asarray((std * rng.standard_normal(s.shape)).astype(np.float32))

    return jax.tree_util.tree_map_with_path(init, shapes)


def vit_shapes(dim: int, depth: int, mlp: int, patch: int, image: int, classes: int):
    """The parameter tree of a ViT (ViT-L/16 with the defaults of ``VIT_L``) as shapes."""
    f = lambda *shape: jax.ShapeDtypeStruct(shape, jnp.float32)
    norm = lambda: {"scale": f(dim), "bias": f(dim)}
    dense = lambda a, b: {"kernel": f(a, b), "bias": f(b)}
    tree: dict[str, Any] = {
        "patch_embed": {"kernel": f(patch, patch, 3, dim), "bias": f(dim)},
        "cls_token": f(1, 1, dim),
        "pos_embed": f(1, (image // patch) ** 2 + 1, dim),
        "norm": norm(),
        "head": dense(dim, classes),
    }
    for i in range(depth):
        tree[f"blocks_{i}"] = {
            "norm1": norm(),
            "qkv": dense(dim, 3 * dim),
            "proj": dense(dim, dim),
            "norm2": norm(),
            "fc1": dense(dim, mlp),
            "fc2": dense(mlp, dim),
        }
    return tree


def _torch_groups(model) -> tuple[list, list]:
    """(decay, no_decay): norm-layer params and every bias get no weight decay."""
    import torch

    norms = (torch.nn.modules.batchnorm._BatchNorm, torch.nn.GroupNorm, torch.nn.LayerNorm)
    decay, no_decay = [], []
    for module in model.modules():
        for pname, p in module.named_parameters(recurse=False):
            (no_decay if isinstance(module, norms) or pname == "bias" else decay).append(p)
    return decay, no_decay


def _torch_resnet(depth: int, num_classes: int):
    """torchvision's ResNet layout (v1.5: stride in the 3x3), for where torchvision is absent."""
    from torch import nn

    stages, bottleneck = _resnet._STAGES[depth]
    expansion = 4 if bottleneck else 1
    bn = nn.BatchNorm2d

    class Block(nn.Module):
        def __init__(self, cin, width, stride):
            super().__init__()
            cout = width * expansion
            if bottleneck:
                self.conv1, self.bn1 = nn.Conv2d(cin, width, 1, bias=False), bn(width)
                self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
                self.bn2 = bn(width)
                self.conv3, self.bn3 = nn.Conv2d(width, cout, 1, bias=False), bn(cout)
            else:
                self.conv1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False)
                self.bn1 = bn(width)
                self.conv2, self.bn2 = nn.Conv2d(width, width, 3, 1, 1, bias=False), bn(width)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(
                    nn.Conv2d(cin, cout, 1, stride, bias=False), bn(cout)
                )

        def forward(self, x):
            y = torch_relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            if bottleneck:
                y = self.bn3(self.conv3(torch_relu(y)))
            return torch_relu(y + (x if self.downsample is None else self.downsample(x)))

    torch_relu = nn.functional.relu
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), bn(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for i, n in enumerate(stages):
        for j in range(n):
            layers.append(Block(cin, 64 * 2**i, 2 if i > 0 and j == 0 else 1))
            cin = 64 * 2**i * expansion
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes)]
    return nn.Sequential(*layers)


def _group_counts(items) -> dict[str, tuple[int, int]]:
    out = {"decay": [0, 0], "no decay": [0, 0]}
    for shape, decays in items:
        g = out["decay" if decays else "no decay"]
        g[0] += 1
        g[1] += int(np.prod(shape))
    return {k: tuple(v) for k, v in out.items()}


# --------------------------------------------------------------------------- driver


def _header(args, device) -> list[str]:
    lines = [
        f"### GPU vs PyTorch (issue 17): {device.device_kind}, "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"
        + (" (--tiny: toy sizes, not a measurement)" if args.tiny else ""),
        "",
        f"- jax {jax.__version__}, jaxlib {jax.lib.__version__}, flax {flax.__version__}, "
        f"optax {optax.__version__}; XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}",
    ]
    try:
        import torch

        cuda = torch.version.cuda if torch.cuda.is_available() else "no CUDA"
        lines.append(
            f"- torch {torch.__version__} (CUDA {cuda}, cuDNN {torch.backends.cudnn.version()})"
        )
    except Exception as e:  # noqa: BLE001 - the jax sections still run
        lines.append(f"- torch not importable: {e}")
    s = TINY if args.tiny else FULL
    lines.append(
        f"- ResNet-{s['depth']} {s['image_size']}x{s['image_size']} batch "
        f"{args.batch_size or s['batch_size']}; AdamW lr {LR} wd {WD}, norm/bias wd 0, "
        f"grad_clip max_norm {MAX_NORM}; fp16: dynamic loss scaling / GradScaler"
    )
    return lines


def _sections(bench: Bench) -> tuple[list[tuple[str, Callable, Callable]], dict[str, float]]:
    """(name, estimated seconds, run); estimates come from the first section's duration."""
    spent: dict[str, float] = {}
    est_steps = lambda: 0.8 * spent.get("bf16 step", 0.0)
    est_update = lambda: 2.0 if bench.args.tiny else 25.0
    return [
        ("bf16 step", lambda: 0.0, lambda: bench.steps("bfloat16")),
        ("fp16 step", est_steps, lambda: bench.steps("float16")),
        ("update", est_update, bench.update),
    ], spent


def _run_all(bench: Bench, report: Report, done: threading.Event) -> None:
    sections, spent = _sections(bench)
    try:
        for name, estimate, run in sections:
            left = bench.deadline - time.perf_counter()
            if left < estimate():
                report.note(
                    f"SKIPPED {name}: {left:.0f} s left < ~{estimate():.0f} s needed", failed=True
                )
                continue
            report.current = name
            print(f"\n== {name} ({left:.0f} s left)", flush=True)
            t0 = time.perf_counter()
            try:
                run()
            except Exception as e:  # one failing section must not cost the others
                traceback.print_exc()
                report.note(f"ERROR {name}: {type(e).__name__}: {e}".splitlines()[0], failed=True)
            spent[name] = time.perf_counter() - t0
            report.note(f"section {name}: {spent[name]:.0f} s")
            report.current = None
    finally:
        done.set()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["gpu", "cpu"], default="gpu")
    parser.add_argument("--tiny", action="store_true", help="toy sizes (smoke test)")
    parser.add_argument("--budget-s", type=float, default=450.0, help="summary by then")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=5, help="steps per candidate per round")
    parser.add_argument(
        "--autotune-level",
        type=int,
        default=2,
        help="XLA's --xla_gpu_autotune_level (XLA's default 4 adds buffer re-initialization "
        "and correctness checks to every autotuned kernel; 2 still picks the fastest)",
    )
    parser.add_argument("--out-dir", default=os.environ.get("OUT"), help="default $OUT")
    args = parser.parse_args(argv)
    t_start = time.perf_counter()
    deadline = t_start + args.budget_s
    # before any backend starts: XLA reads its flags once
    if args.device == "cpu":
        jax.config.update("jax_platforms", "cpu")
    else:
        flag = f"--xla_gpu_autotune_level={args.autotune_level}"
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flag}".strip()
        os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # torch shares the card
    device = jax.devices()[0]
    if args.device == "gpu" and device.platform != "gpu":
        print(f"no GPU found (jax sees {device.platform}): use --device cpu --tiny", flush=True)
        return 2
    report = Report(_header(args, device))  # after jax: its cuDNN loads before torch's
    print("\n".join(report.header), flush=True)
    bench = Bench(args, report, deadline)
    done, stop = threading.Event(), []

    def on_signal(signum, frame):
        stop.append(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    threading.Thread(target=_run_all, args=(bench, report, done), daemon=True).start()
    while not done.wait(0.2) and not stop and time.perf_counter() < deadline:
        pass
    total = time.perf_counter() - t_start
    if done.is_set():
        ended = f"all sections ended; wall time {total:.0f} s of a {args.budget_s:.0f} s budget"
    else:
        why = f"on {stop[0]}" if stop else f"at --budget-s {args.budget_s:.0f}"
        ended = f"CUT SHORT {why} after {total:.0f} s, during section {report.current!r}"
        report.failed = True
    block = report.block(ended)
    print("\n==== summary (paste into benchmarks/RESULTS.md)\n" + block, flush=True)
    if args.out_dir:
        with open(os.path.join(args.out_dir, "gpu_vs_torch.md"), "w") as f:
            f.write(block + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    # a worker may still be inside XLA or CUDA: leave without waiting for it
    os._exit(1 if report.failed else 0)


if __name__ == "__main__":
    sys.exit(main())
