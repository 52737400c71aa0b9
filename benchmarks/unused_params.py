"""How long find_unused_params takes on a ResNet-50-sized Flax linen model.

The model is torchvision's ResNet-50 layout in flax.linen (161 parameter leaves, 25,557,032
parameters), built abstractly with ``jax.eval_shape``: nothing is allocated or computed. The
loss is a training-mode cross entropy (batch statistics mutable) on an abstract batch. Prints
the median analysis time of a few runs, the share of it spent tracing the loss, and a line to
paste into benchmarks/RESULTS.md.

Usage:
  python benchmarks/unused_params.py [--runs 5] [--batch 32]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax

from jaxoptim.unused import find_unused_params

EXPECTED_LEAVES = 161
EXPECTED_PARAMS = 25_557_032
# (blocks, width) of each stage.
_STAGES = ((3, 64), (4, 128), (6, 256), (3, 512))


class _Bottleneck(nn.Module):
    width: int
    stride: int
    downsample: bool

    @nn.compact
    def __call__(self, x, train: bool):
        norm = lambda name: nn.BatchNorm(use_running_average=not train, name=name)
        y = nn.Conv(self.width, (1, 1), use_bias=False, name="conv1")(x)
        y = nn.relu(norm("bn1")(y))
        y = nn.Conv(
            self.width, (3, 3), (self.stride, self.stride), padding=1, use_bias=False, name="conv2"
        )(y)
        y = nn.relu(norm("bn2")(y))
        y = norm("bn3")(nn.Conv(self.width * 4, (1, 1), use_bias=False, name="conv3")(y))
        if self.downsample:
            x = nn.Conv(
                self.width * 4,
                (1, 1),
                (self.stride, self.stride),
                use_bias=False,
                name="downsample_0",
            )(x)
            x = norm("downsample_1")(x)
        return nn.relu(x + y)


class ResNet50(nn.Module):
    """torchvision's resnet50 layout and parameter names, in flax.linen."""

    num_classes: int = 1000

    @nn.compact
    def __call__(self, x, train: bool = True):
        x = nn.Conv(64, (7, 7), (2, 2), padding=3, use_bias=False, name="conv1")(x)
        x = nn.relu(nn.BatchNorm(use_running_average=not train, name="bn1")(x))
        x = nn.max_pool(x, (3, 3), (2, 2), padding=((1, 1), (1, 1)))
        for stage, (blocks, width) in enumerate(
            zip((3, 4, 6, 3), (64, 128, 256, 512), strict=True), 1
        ):
            for block in range(blocks):
                stride = 2 if block == 0 and stage > 1 else 1
                x = _Bottleneck(width, stride, block == 0, name=f"layer{stage}_{block}")(x, train)
        return nn.Dense(self.num_classes, name="fc")(x.mean(axis=(1, 2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()

    model = ResNet50()
    images = jax.ShapeDtypeStruct((args.batch, 224, 224, 3), jnp.float32)
    labels = jax.ShapeDtypeStruct((args.batch,), jnp.int32)
    variables = jax.eval_shape(model.init, jax.random.key(0), images)
    params, batch_stats = variables["params"], variables["batch_stats"]
    leaves = jax.tree_util.tree_leaves(params)
    n_params = sum(x.size for x in leaves)
    assert (len(leaves), n_params) == (EXPECTED_LEAVES, EXPECTED_PARAMS), (len(leaves), n_params)

    def loss_fn(params, batch_stats, images, labels):
        logits, updates = model.apply(
            {"params": params, "batch_stats": batch_stats}, images, mutable=["batch_stats"]
        )
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
        return loss, updates

    analysis, tracing = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        # A fresh function each time: make_jaxpr caches traces per function.
        jax.make_jaxpr(lambda *a: loss_fn(*a))(params, batch_stats, images, labels)
        tracing.append(time.perf_counter() - start)
        start = time.perf_counter()
        unused = find_unused_params(loss_fn, params, batch_stats, images, labels, has_aux=True)
        analysis.append(time.perf_counter() - start)
        assert unused == [], unused

    median, trace = statistics.median(analysis), statistics.median(tracing)
    print(f"find_unused_params, ResNet-50 (flax.linen, {len(leaves)} leaves, {n_params:,} params)")
    print(f"  runs (s): {', '.join(f'{t:.3f}' for t in analysis)}")
    print(f"  median: {median:.3f} s (tracing the loss alone: {trace:.3f} s); target < 2 s")
    today = datetime.date.today().isoformat()
    print(
        f"| {today} | find_unused_params ResNet-50 linen ({len(leaves)} leaves, 25.6M params, "
        f"batch {args.batch}, abstract) | median {median:.2f} s of {args.runs} "
        f"(trace {trace:.2f} s) | {os.cpu_count()}-core {platform.machine()} CPU, jax "
        f"{jax.__version__} ({jax.default_backend()} backend) |"
    )


if __name__ == "__main__":
    main()
