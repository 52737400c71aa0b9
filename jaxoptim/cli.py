"""The ``jaxoptim`` command: ``train``, ``explain``, ``schedule`` and ``unused`` on a config.

Every command reads an mmcv-style config file (``_base_``, ``_delete_``, ``custom_imports``,
``--cfg-options a.b=v``) describing a demo model (:mod:`jaxoptim.demo`) trained on
scikit-learn's digits::

    jaxoptim train configs/digits_demo.py
    jaxoptim train configs/digits_demo.py --resume --max-iters 200
    jaxoptim train configs/digits_demo.py --nproc 2 --devices 2   # 2 processes x 2 devices
    jaxoptim explain configs/paramwise_custom_keys.py
    jaxoptim schedule configs/cyclic_lr_momentum.py --out lr.png
    jaxoptim unused configs/digits_unused_head.py

The functions :func:`train`, :func:`explain`, :func:`schedule` and :func:`unused` are the
commands' in-process forms. Errors a user can fix print one line (``jaxoptim: error: ...``)
and exit with 2 (bad command line) or 1 (bad config); ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import itertools
import json
import numbers
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxoptim
from jaxoptim import checkpoint, demo, distributed, loggers
from jaxoptim import config as config_lib
from jaxoptim import data as data_lib
from jaxoptim.frontend import OptimSetup, normalize

PRECISIONS = ("float32", "bfloat16", "float16")
RUNNERS = {"EpochBasedRunner": "max_epochs", "IterBasedRunner": "max_iters"}
_LOG_KEYS = ("interval", "hooks")  # hooks: jaxoptim.loggers
_METRIC_KEYS = ("loss", "lr", "momentum", "grad_norm", "loss_scale")
_CHECKPOINT_KEYS = ("interval", "by_epoch", "max_keep", "max_keep_ckpts")
EVAL_CHUNK = 1024  # images per evaluation call: bounds the memory a large test set needs


class CLIError(Exception):
    """An error the user fixes in the config (exit code 1)."""

    exit_code = 1


class UsageError(CLIError):
    """An error the user fixes on the command line (exit code 2)."""

    exit_code = 2


@dataclasses.dataclass
class Task:
    """Everything a command needs, built from one config.

    Attributes:
      cfg: the merged config as plain nested dicts.
      data: train/test arrays from :func:`jaxoptim.data.load_data`.
      model: the Flax linen or nnx module (its ``dtype`` follows ``precision``).
      params: freshly initialised float32 parameters (an ``nnx.State`` for nnx).
      kinds: :func:`jaxoptim.param_kinds` of the model.
      batch_size: images per training batch.
      iters_per_epoch: full batches per epoch.
      max_iters: the schedule's length in iterations (from ``runner`` / ``train_cfg``).
      precision: ``'float32'``, ``'bfloat16'`` or ``'float16'``.
      seed: seeds the initialisation and every epoch's shuffle.
      model_state: the non-trainable variables carried from step to step (linen collections
        other than ``params``, e.g. ``batch_stats``; nnx's non-``Param`` state, e.g. BatchNorm
        statistics and the ``Rngs`` counters); ``{}`` when there are none.
      setup: the config's optimizer setup (:func:`jaxoptim.normalize`), normalized once
        with the run's lengths and batch; every command builds from it.
    """

    cfg: dict
    data: dict
    model: nn.Module
    params: Any
    kinds: Any
    batch_size: int
    iters_per_epoch: int
    max_iters: int
    precision: str
    seed: int
    model_state: Any = dataclasses.field(default_factory=dict)
    setup: OptimSetup | None = None
    _nnx_graphdefs: Any = None  # nnx: {True: train-mode graphdef, False: eval-mode graphdef}

    def forward(self, params: Any, model_state: Any, image: Any, train: bool) -> tuple:
        """The logits and the updated ``model_state``, in training or in evaluation mode.

        nnx modules run as switched by ``.train()`` / ``.eval()``; a linen module whose
        ``__call__`` takes ``train`` gets ``train=True`` / ``False``.
        """
        if self._nnx_graphdefs is not None:
            from flax import nnx

            model = nnx.merge(self._nnx_graphdefs[train], params, model_state, copy=True)
            logits = model(image)
            return logits, nnx.split(model, nnx.Param, ...)[2]
        variables = {"params": params, **model_state}
        kwargs = {"train": train} if _takes_train(self.model) else {}
        if train and model_state:
            return self.model.apply(variables, image, mutable=list(model_state), **kwargs)
        return self.model.apply(variables, image, **kwargs), model_state

    def train_loss(self, params: Any, model_state: Any, batch: Mapping[str, Any]) -> tuple:
        """:meth:`loss_fn` in training mode for ``make_train_step(..., with_model_state=True)``:
        ``(loss, (new_model_state, aux))``."""
        logits, model_state = self.forward(params, model_state, batch["image"], True)
        loss, aux = _cross_entropy(logits, batch["label"])
        return loss, (model_state, aux)

    def eval_loss(self, params: Any, model_state: Any, batch: Mapping[str, Any]) -> tuple:
        """:meth:`loss_fn` in evaluation mode with the given ``model_state``."""
        return _cross_entropy(
            self.forward(params, model_state, batch["image"], False)[0], batch["label"]
        )

    def loss_fn(self, params: Any, batch: Mapping[str, Any]) -> tuple[jax.Array, dict]:
        """Mean softmax cross-entropy (computed in float32) and the batch accuracy, in
        evaluation mode with the initial ``model_state``."""
        return self.eval_loss(params, self.model_state, batch)

    @functools.cached_property
    def evaluate(self) -> Any:
        """Jitted :meth:`eval_loss` (compiled once per task)."""
        return jax.jit(self.eval_loss)

    def example_batch(self) -> dict[str, np.ndarray]:
        """The first training batch of epoch 0."""
        return next(demo.epoch_batches(self.data, self.batch_size, seed=self.seed, epoch=0))


def load_config(path: str | Path, cfg_options: Sequence[str] | Mapping | None = None) -> dict:
    """Reads a config file and applies ``--cfg-options``.

    Args:
      path: the config file.
      cfg_options: ``['optimizer.lr=0.1', ...]`` or an already parsed ``{'optimizer.lr': 0.1}``.

    Returns:
      The merged config as plain nested dicts.

    Raises:
      UsageError: the file does not exist or an option is not ``key=value``.
    """
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"config file {str(path)!r} does not exist")
    cfg = jaxoptim.Config.fromfile(str(path))
    if cfg_options:
        if not isinstance(cfg_options, Mapping):
            try:
                cfg_options = config_lib.parse_cfg_options(list(cfg_options))
            except ValueError as e:
                raise UsageError(f"--cfg-options: {e}") from None
        cfg.merge_from_dict(dict(cfg_options))
    return config_lib.to_dict(cfg)


def _check_keys(section: str, value: Any, allowed: Sequence[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CLIError(f"`{section}` must be a dict, got {value!r}")
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise CLIError(f"{section}: unknown key(s) {unknown}; supported keys are {list(allowed)}")
    return dict(value)


def _precision(cfg: Mapping, setup: OptimSetup | None = None) -> str:
    precision = cfg.get("precision")  # the command line's own key
    if precision is None:  # the config's: mmcv's fp16 / an AmpOptimWrapper's dtype
        return (setup or normalize(cfg)).precision
    if precision not in PRECISIONS:
        raise CLIError(f"precision: {precision!r} is not one of {list(PRECISIONS)}")
    return precision


def _schedule_length(setup: OptimSetup) -> int:
    """The run's length in iterations: the runner's (mmcv 1.x, ``total_epochs`` included) or
    the train loop's (mmengine), as the setup has it."""
    run = setup.run
    if setup.dialect == "mmengine":
        if run.loop is None:
            raise CLIError(
                "train_cfg: needs dict(type='EpochBasedTrainLoop', max_epochs=N), "
                "dict(type='IterBasedTrainLoop', max_iters=N) or dict(by_epoch=True, "
                "max_epochs=N)"
            )
        return run.max_iters
    if run.loop not in RUNNERS:
        raise CLIError(
            "runner: needs dict(type='EpochBasedRunner', max_epochs=N) or "
            "dict(type='IterBasedRunner', max_iters=N) (or mmcv's total_epochs=N), got "
            f"runner.type={run.loop!r}"
        )
    key = RUNNERS[run.loop]
    count = run.max_epochs if key == "max_epochs" else run.max_iters
    if count is None:
        raise CLIError(f"runner.{key} must be a positive int, got None")
    return run.max_iters


def build_task(
    cfg: Mapping,
    *,
    seed: int | None = None,
    init: bool = True,
    max_iters: int | None = None,
    devices: int | None = None,
) -> Task:
    """Builds the data, the model and its parameters from a config.

    Args:
      cfg: a merged config (plain dicts).
      seed: overrides the config's top-level ``seed`` (default 0).
      init: build the model and its parameters (``schedule`` needs neither).
      max_iters: the schedules' length, instead of the runner's / train loop's (``schedule
        --max-iters``).
      devices: the local data-parallel devices (default all): a per-device batch
        (``data.samples_per_gpu``, ``train_dataloader.batch_size``) counts this many times,
        times the processes (:func:`jaxoptim.data.batch_spec`).

    Returns:
      The :class:`Task`.

    Raises:
      CLIError: a bad ``data``, ``runner``, ``precision`` or ``model`` entry, or a model whose
        output does not fit the data; the message names the key.
    """
    if init:
        _check_model_type(cfg)  # before the data: a real config's model needs registering first
    try:
        data, batch_size = data_lib.load_data(cfg, devices=_data_devices(devices))
    except data_lib.DataError as e:
        raise CLIError(str(e)) from None
    try:
        ipe = demo.iters_per_epoch(len(data["train_label"]), batch_size)
    except ValueError as e:
        raise CLIError(str(e)) from None
    try:
        setup = normalize(cfg, max_iters=max_iters, iters_per_epoch=ipe, batch_size=batch_size)
    except (KeyError, TypeError, ValueError) as e:  # the config's: the user fixes it there
        raise CLIError(str(e.args[0] if isinstance(e, KeyError) and e.args else e)) from None
    task = Task(
        cfg=dict(cfg),
        data=data,
        model=None,
        params=None,
        kinds=None,
        batch_size=batch_size,
        iters_per_epoch=ipe,
        max_iters=_schedule_length(setup),
        precision=_precision(cfg, setup),
        seed=_seed(cfg.get("seed", 0) if seed is None else seed),
        setup=setup,
    )
    if init:
        _init_model(task)
    return task


def _data_devices(devices: int | None) -> int:
    """The data-parallel devices of all processes: ``devices`` (default all local) per process."""
    local = len(jax.local_devices()) if devices is None else devices
    if isinstance(local, bool) or not isinstance(local, int) or local < 1:
        raise CLIError(f"--devices must be a positive int, got {devices!r}")
    return local * jax.process_count()


def _check_model_type(cfg: Mapping) -> None:
    model_cfg = cfg.get("model")
    if not isinstance(model_cfg, Mapping) or "type" not in model_cfg:
        return  # _init_model names the key
    try:
        jaxoptim.MODELS.lookup(model_cfg["type"], key="model.type")
    except KeyError as e:
        raise CLIError(
            f"{e.args[0]}; this command runs the model to get its parameters: register a Flax "
            "linen or nnx module under that name in jaxoptim.MODELS, in a module the config "
            "imports through custom_imports (docs/configs.md, 'Your own model and data')"
        ) from None


def _seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise CLIError(f"seed must be an int >= 0, got {value!r}")
    return int(value)


def _init_model(task: Task) -> None:
    from flax import nnx

    model_cfg = task.cfg.get("model")
    if not isinstance(model_cfg, Mapping):
        raise CLIError(f"`model` must be a dict such as dict(type='DigitsNet'), got {model_cfg!r}")
    model = demo.build_model(model_cfg, seed=task.seed, dtype=jnp.dtype(task.precision))
    name = model_cfg["type"]
    example = task.example_batch()["image"]
    labels = np.concatenate([task.data["train_label"], task.data["test_label"]])
    num_classes = int(labels.max()) + 1
    images = f"the training images f32{list(example.shape)}"
    try:
        if isinstance(model, nnx.Module):
            task._nnx_graphdefs, params, model_state = _split_nnx(model)
            kinds = jaxoptim.param_kinds(model)
        else:
            params, model_state, kinds = _initial_params(model, task.seed, example)
        task.model, task.params, task.kinds, task.model_state = model, params, kinds, model_state
        out, _ = jax.eval_shape(
            functools.partial(task.forward, train=True), params, model_state, example
        )
    except Exception as e:  # a shape or argument error inside the user's model
        first = (str(e).strip().splitlines() or [""])[0]
        raise CLIError(f"model {name!r} does not fit {images}: {type(e).__name__}: {first}") from e
    if out.shape != (len(example), num_classes):
        raise CLIError(
            f"model {name!r} outputs shape {out.shape} on {images}, but the labels (0 to "
            f"{num_classes - 1}) need {(len(example), num_classes)}: make the model output "
            f"{num_classes} classes (e.g. model.num_classes={num_classes})"
        )


def _split_nnx(model: Any) -> tuple[dict[bool, Any], Any, Any]:
    """An nnx module's graphdefs in training and evaluation mode, its params and other state.

    The arrays are copied: the train step donates them, and the module keeps its own. Typed
    PRNG keys (an ``Rngs``' ``key``) become their raw ``uint32`` data, which checkpoints hold
    and ``jax.random`` takes as the same key.
    """
    from flax import nnx

    graphdefs = {}
    for train in (False, True):
        model.train() if train else model.eval()
        graphdefs[train], params, rest = nnx.split(model, nnx.Param, ...)

    def copy(x: Any) -> jax.Array:
        is_key = jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key)
        return jax.random.key_data(x) if is_key else jnp.array(x)

    return graphdefs, jax.tree.map(jnp.array, params), jax.tree.map(copy, rest)


def _takes_train(model: nn.Module) -> bool:
    import inspect

    return "train" in inspect.signature(type(model).__call__).parameters


def _cross_entropy(logits: jax.Array, labels: jax.Array) -> tuple[jax.Array, dict]:
    logits = logits.astype(jnp.float32)
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
    return loss, {"accuracy": jnp.mean(jnp.argmax(logits, -1) == labels)}


# Initial variables by (model, seed, input): commands run in one process (tests, notebooks)
# skip re-initialising; fresh device buffers each time, since the train step donates them.
_INITIAL_PARAMS: dict[tuple, tuple[Any, Any, Any]] = {}


def _initial_params(model: nn.Module, seed: int, example: np.ndarray) -> tuple[Any, Any, Any]:
    """A linen module's params, its other collections (e.g. ``batch_stats``) and kinds."""
    key = (repr(model), seed, example.shape, str(example.dtype))
    if key not in _INITIAL_PARAMS:
        kwargs = {"train": False} if _takes_train(model) else {}
        variables = jax.jit(functools.partial(model.init, **kwargs))(jax.random.key(seed), example)
        variables = dict(jax.device_get(variables))
        kinds = jaxoptim.param_kinds(model, example, **kwargs)
        _INITIAL_PARAMS[key] = (variables.pop("params"), variables, kinds)
    params, model_state, kinds = _INITIAL_PARAMS[key]
    return jax.device_put(params), jax.device_put(model_state), kinds


def _to_host(metrics: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    out = {}
    for key, value in jax.device_get({k: metrics[k] for k in keys if k in metrics}).items():
        value = np.asarray(value)
        if value.dtype == bool:
            out[key] = bool(value.reshape(-1)[0]) if value.size else False
        elif value.size == 1:
            out[key] = float(value.reshape(-1)[0])
        else:
            out[key] = value.astype(float).tolist()
    return out


def val_metrics(task: Task, params: Any, model_state: Any = None) -> dict[str, float]:
    """``loss`` (mean cross-entropy) and ``accuracy`` on the held-out test images.

    The model runs in evaluation mode with ``model_state`` (default: the initial one), over
    chunks of at most :data:`EVAL_CHUNK` images. These are the metrics a ``ReduceOnPlateau*``
    scheduler's ``monitor`` can name.
    """
    model_state = task.model_state if model_state is None else model_state
    images, labels = task.data["test_image"], task.data["test_label"]
    loss = accuracy = 0.0
    for start in range(0, len(labels), EVAL_CHUNK):
        batch = {
            "image": images[start : start + EVAL_CHUNK],
            "label": labels[start : start + EVAL_CHUNK],
        }
        chunk_loss, aux = task.evaluate(params, model_state, batch)
        loss += float(chunk_loss) * len(batch["label"])
        accuracy += float(aux["accuracy"]) * len(batch["label"])
    return {"loss": loss / len(labels), "accuracy": accuracy / len(labels)}


class _Progress:
    """A rich progress bar with the latest metrics, or nothing when disabled."""

    def __init__(self, enabled: bool, total: int, done: int):
        self._bar = None
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]train"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[info]}"),
                console=Console(stderr=True),
            )
            self._task = self._bar.add_task("train", total=total, completed=done, info="")
            self._bar.start()

    def update(self, it: int, record: Mapping[str, Any] | None) -> None:
        if self._bar is None:
            return
        info = None
        if record is not None:
            info = "  ".join(
                f"{k} {_fmt(record[k])}" for k in _METRIC_KEYS if record.get(k) is not None
            )
        kwargs = {} if info is None else {"info": info}
        self._bar.update(self._task, completed=it, **kwargs)

    def print(self, text: str) -> None:
        if self._bar is not None:
            self._bar.console.print(text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ",".join(_fmt(v) for v in value) + "]"
    return f"{value:.4g}"


@dataclasses.dataclass(frozen=True)
class _RunSettings:
    log_interval: int
    ckpt_interval: int
    ckpt_by_epoch: bool
    max_keep: int | None


def _positive_int(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CLIError(f"{where} must be a positive int, got {value!r}")
    return value


def _flag(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise CLIError(f"{where} must be True or False, got {value!r}")
    return value


def _run_settings(cfg: Mapping, setup: OptimSetup) -> _RunSettings:
    log_cfg = _check_keys("log_config", cfg.get("log_config"), _LOG_KEYS)
    ckpt_cfg = _check_keys("checkpoint_config", cfg.get("checkpoint_config"), _CHECKPOINT_KEYS)
    max_keep = ckpt_cfg.get("max_keep", ckpt_cfg.get("max_keep_ckpts", 3))
    if max_keep == -1:  # mmcv's max_keep_ckpts=-1: keep every checkpoint
        max_keep = None
    if max_keep is not None:
        max_keep = _positive_int("checkpoint_config.max_keep", max_keep)
    return _RunSettings(
        log_interval=_positive_int("log_config.interval", log_cfg.get("interval", 10)),
        ckpt_interval=_positive_int("checkpoint_config.interval", ckpt_cfg.get("interval", 1)),
        ckpt_by_epoch=_flag(
            "checkpoint_config.by_epoch", ckpt_cfg.get("by_epoch", bool(setup.run.by_epoch))
        ),
        max_keep=max_keep,
    )


def _mesh(devices: int | None, batch_size: int) -> Any:
    """A data-parallel mesh over ``devices`` local devices of every process, or ``None`` for
    one device in one process.

    ``None`` uses every local device when the batch splits evenly over them (else one).
    """
    available = jax.local_devices()
    nproc = jax.process_count()
    if devices is None:
        devices = len(available) if batch_size % (len(available) * nproc) == 0 else 1
    if isinstance(devices, bool) or not isinstance(devices, int) or devices < 1:
        raise CLIError(f"--devices must be a positive int, got {devices!r}")
    if devices > len(available):
        raise CLIError(f"--devices {devices}: only {len(available)} local device(s)")
    if batch_size % (devices * nproc):
        raise CLIError(
            f"--devices {devices} on {nproc} process(es): data.batch_size={batch_size} does "
            f"not split evenly over {devices * nproc} devices"
        )
    if nproc > 1:
        return distributed.global_mesh(devices)
    if devices == 1:
        return None
    from jax.sharding import Mesh

    return Mesh(np.array(available[:devices]), ("data",))


def _start_state(
    task: Task, ckpt_dir: Path, resume: bool, mesh: Any = None
) -> tuple[Any, Any, Any, int]:
    """The optimizer, the jitted step and the state to start from (fresh or restored).

    With a ``mesh`` the state is replicated over it (the optimizer state split, ZeRO-1, for an
    mmengine ``ZeroRedundancyOptimizer``) and the step splits each batch over its devices.
    """
    tx = jaxoptim.make_optimizer(task.setup, param_kinds=task.kinds)
    state = jaxoptim.TrainState.create(params=task.params, tx=tx, model_state=task.model_state)
    step_fn = jaxoptim.make_train_step(
        task.train_loss,
        tx,
        precision=task.precision,
        has_aux=True,
        param_kinds=task.kinds,
        mesh=mesh,
        with_model_state=True,
    )
    if mesh is not None:
        from jaxoptim.train_step import shard_batch, shard_train_state

        state = shard_train_state(state, mesh, shard_opt_state=tx.info.shard_opt_state)
        sharded_step = step_fn

        def step_fn(state, batch):  # each process gives its rows of the global batch
            return sharded_step(state, shard_batch(distributed.local_rows(batch, mesh), mesh))

    last = checkpoint.latest_step(ckpt_dir)
    if resume:
        if last is None:
            raise CLIError(f"--resume: no checkpoint in {ckpt_dir}")
        return tx, step_fn, jaxoptim.restore_checkpoint(ckpt_dir, state, step=last), int(last)
    if last is not None:
        raise CLIError(
            f"{ckpt_dir} already has checkpoints (the latest after {last} iterations): add "
            "--resume to continue that run, or give another --work-dir"
        )
    return tx, step_fn, state, 0


def _check_run_seed(
    run_file: Path, seed: int, resume: bool, config: str | Path, write: bool = True
) -> None:
    """Records a run's seed; a resume with another seed would see other batches, so it fails.

    Every process checks (all fail alike); only the one with ``write`` records."""
    if resume and run_file.exists():
        started = json.loads(run_file.read_text()).get("seed")
        if started is not None and started != seed:
            raise CLIError(
                f"--resume with seed {seed}, but this run started with seed {started} (each "
                f"epoch's shuffle depends on it): resume with --seed {started}"
            )
    elif not resume and write:
        run_file.write_text(json.dumps({"seed": seed, "config": str(config)}) + "\n")


def train(
    config: str | Path,
    *,
    work_dir: str | Path | None = None,
    resume: bool = False,
    max_iters: int | None = None,
    cfg_options: Sequence[str] | Mapping | None = None,
    seed: int | None = None,
    progress: bool | None = None,
    devices: int | None = None,
) -> dict[str, Any]:
    """Trains the config's model on digits; the ``jaxoptim train`` command.

    The schedules always span the config's ``runner`` length; ``max_iters`` stops training
    after that many iterations in total (a checkpoint is written there), so a later
    ``resume=True`` run continues exactly as if it had never stopped.

    Args:
      config: the config file.
      work_dir: where ``log.jsonl`` and ``checkpoints/`` go; default the config's
        ``work_dir`` or ``work_dirs/<config stem>``.
      resume: continue from the latest checkpoint in ``<work_dir>/checkpoints``.
      max_iters: stop after this many iterations in total (counting resumed ones).
      cfg_options: ``['optimizer.lr=0.1', ...]`` overrides.
      seed: overrides the config's ``seed``.
      progress: show the progress bar (default: when stderr is a terminal).
      devices: data-parallel over this many local devices (``None``: all of them when the
        batch splits evenly, else one). In a multi-process run (``--nproc``, or
        :func:`jaxoptim.distributed.initialize`'s environment variables) the devices of each
        process: process 0 alone logs, draws progress and writes ``log.jsonl`` / ``run.json``.

    Returns:
      ``{'state': TrainState, 'accuracy': float, 'iters': int, 'work_dir': Path,
      'history': [log records written by this call], 'seconds': float}``.
    """
    started = time.perf_counter()
    distributed.initialize()  # joins the other processes when the environment names them
    main = distributed.is_main_process()
    cfg = load_config(config, cfg_options)
    task = build_task(cfg, seed=seed, devices=devices)
    settings = _run_settings(cfg, task.setup)
    work_dir = Path(work_dir or cfg.get("work_dir") or Path("work_dirs") / Path(config).stem)
    ckpt_dir = (work_dir / "checkpoints").absolute()
    mesh = _mesh(devices, task.batch_size)
    tx, step_fn, state, it = _start_state(task, ckpt_dir, resume, mesh)
    stop = task.max_iters if max_iters is None else min(int(max_iters), task.max_iters)
    ipe = task.iters_per_epoch

    work_dir.mkdir(parents=True, exist_ok=True)
    _check_run_seed(work_dir / "run.json", task.seed, resume, config, write=main)
    history: list[dict[str, Any]] = []
    try:  # TextLoggerHook, TensorboardLoggerHook, ... besides log.jsonl; on process 0 only
        writers = loggers.build_writers(cfg, work_dir) if main else []
    except loggers.LoggerError as e:
        raise CLIError(str(e)) from None
    bar = _Progress(main and (sys.stderr.isatty() if progress is None else progress), stop, it)
    accuracy, evaluated_at, saved_at = None, None, it if resume else None
    log_file = open(work_dir / "log.jsonl", "a") if main else contextlib.nullcontext()  # noqa: SIM115
    with log_file as log, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Some donated buffers were not usable")

        def write(record: dict[str, Any]) -> None:
            history.append(record)
            if log is not None:
                log.write(json.dumps(record) + "\n")
                log.flush()
            for writer in writers:
                writer.log(record)

        def save() -> int:
            jaxoptim.save_checkpoint(ckpt_dir, state, step=it, max_to_keep=settings.max_keep)
            return it

        try:
            while it < stop:
                epoch = it // ipe
                batches = demo.epoch_batches(
                    task.data, task.batch_size, seed=task.seed, epoch=epoch, start=it % ipe
                )
                for batch in itertools.islice(batches, stop - it):
                    state, metrics = step_fn(state, batch)
                    it += 1
                    record = None
                    if it % settings.log_interval == 0 or it == stop:
                        record = _train_record(it, epoch, metrics)
                        write(record)
                    bar.update(it, record)
                    if not settings.ckpt_by_epoch and it % settings.ckpt_interval == 0:
                        saved_at = save()
                if it == (epoch + 1) * ipe:
                    val = val_metrics(task, state.params, state.model_state)
                    accuracy, evaluated_at = val["accuracy"], it
                    # mmengine's after_val_epoch: ReduceOnPlateau schedulers read the metrics
                    state = jaxoptim.report_val_metrics(tx, state, val)
                    write({"mode": "val", "epoch": epoch + 1, "iter": it, **val})
                    bar.print(f"epoch {epoch + 1}: test accuracy {accuracy:.4f}")
                    if settings.ckpt_by_epoch and (epoch + 1) % settings.ckpt_interval == 0:
                        saved_at = save()
            if evaluated_at != it:
                val = val_metrics(task, state.params, state.model_state)
                accuracy = val["accuracy"]
                epoch = (it - 1) // ipe + 1 if it else 0
                write({"mode": "val", "epoch": epoch, "iter": it, **val})
            if saved_at != it:
                save()
        finally:
            bar.close()
            for writer in writers:
                writer.close()
    return {
        "state": state,
        "accuracy": accuracy,
        "iters": it,
        "work_dir": work_dir,
        "history": history,
        "seconds": time.perf_counter() - started,
    }


def _train_record(it: int, epoch: int, metrics: Mapping[str, Any]) -> dict[str, Any]:
    host = _to_host(metrics, _METRIC_KEYS + ("skipped",))
    record = {"mode": "train", "iter": it, "epoch": epoch + 1}
    for key in _METRIC_KEYS:
        record[key] = host.get(key)
    record["skipped"] = bool(host.get("skipped", False))
    return record


def explain(config: str | Path, *, cfg_options: Sequence[str] | Mapping | None = None) -> str:
    """The per-parameter table of the config's optimizer on the config's model."""
    cfg = load_config(config, cfg_options)
    task = build_task(cfg)
    return str(jaxoptim.explain(task.setup, task.params, param_kinds=task.kinds))


def schedule(
    config: str | Path,
    out: str | Path,
    *,
    max_iters: int | None = None,
    cfg_options: Sequence[str] | Mapping | None = None,
    iters_per_epoch: int | None = None,
) -> Path:
    """Writes the lr (and momentum) curves of the config to a PNG.

    The data is read only when the schedule counts epochs and ``iters_per_epoch`` is not
    given: then the epoch length comes from a dataset jaxoptim can load, and a real config's
    (``ImageNet``, ``CocoDataset``, ...) is an error asking for ``iters_per_epoch``. The
    ``auto_scale_lr`` batch is the config's (:func:`jaxoptim.data.batch_spec`) over every
    local device of every process.

    Args:
      config: the config file.
      out: the PNG to write.
      max_iters: the schedule's length; default the config's ``runner`` / ``train_cfg``.
      cfg_options: overrides.
      iters_per_epoch: the iterations of one epoch (``len(train_dataloader)`` of the run).

    Returns:
      The path written.
    """
    cfg = load_config(config, cfg_options)
    for flag, value in (("--max-iters", max_iters), ("--iters-per-epoch", iters_per_epoch)):
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 1
        ):
            raise UsageError(f"{flag} must be a positive int, got {value!r}")
    try:
        batch_size = data_lib.batch_spec(cfg).total(_data_devices(None))
    except data_lib.DataError as e:
        raise CLIError(str(e)) from None
    from jaxoptim import plot

    kwargs = dict(max_iters=max_iters, iters_per_epoch=iters_per_epoch, batch_size=batch_size)
    try:
        return plot.plot_schedules(cfg, out, **kwargs)
    except ValueError as e:
        if iters_per_epoch is not None or not _needs_epoch_length(cfg, e):
            raise
        reason = data_lib.unloadable(cfg)
        if reason is not None:
            raise CLIError(
                f"the schedule counts epochs ({e}), and {reason}, so the iterations per epoch "
                "are unknown: pass --iters-per-epoch N (len(train_dataloader) of the run)"
            ) from None
    # the data jaxoptim loads gives the epoch length
    task = build_task(cfg, init=False, max_iters=max_iters)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return plot.plot_schedules(task.setup, out)


def _needs_epoch_length(cfg: Mapping, error: ValueError) -> bool:
    """Whether the schedule failed for want of the epoch length (each such error names it;
    an mmengine epoch loop without it has no length)."""
    if "iters_per_epoch" in str(error):
        return True
    if "optim_wrapper" not in cfg or "no length" not in str(error):
        return False
    try:
        return bool(normalize(cfg).run.by_epoch)
    except (KeyError, TypeError, ValueError):
        return False


def unused(config: str | Path, *, cfg_options: Sequence[str] | Mapping | None = None) -> list:
    """The parameters the config's loss does not depend on, on one example batch."""
    cfg = load_config(config, cfg_options)
    task = build_task(cfg)
    return list(
        jaxoptim.find_unused_params(task.loss_fn, task.params, task.example_batch(), has_aux=True)
    )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
    )
    common.add_argument("config", help="a Python config file")
    common.add_argument(
        "--cfg-options", nargs="+", default=[], metavar="KEY=VALUE", help="override config keys"
    )
    parser = _Parser(
        prog="jaxoptim", description="mmcv-style optimizer configs as one optax transformation."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = commands.add_parser("train", parents=[common], help="train the config's demo model")
    p.add_argument("--work-dir", help="default: work_dirs/<config stem>")
    p.add_argument("--resume", action="store_true", help="continue from the latest checkpoint")
    p.add_argument("--max-iters", type=int, help="stop after N iterations in total")
    p.add_argument("--seed", type=int, help="overrides the config's seed")
    p.add_argument(
        "--devices",
        type=int,
        help="data-parallel over this many local devices (default: all, when the batch splits)",
    )
    p.add_argument(
        "--nproc",
        type=int,
        help="start N local worker processes joined by jax.distributed and train over all "
        "their devices (--devices: per process)",
    )
    commands.add_parser("explain", parents=[common], help="print the per-parameter table")
    p = commands.add_parser("schedule", parents=[common], help="plot the lr/momentum curves")
    p.add_argument("--out", required=True, help="the PNG to write")
    p.add_argument("--max-iters", type=int, help="schedule length (default: the runner's)")
    p.add_argument(
        "--iters-per-epoch",
        type=int,
        help="iterations of one epoch, for epoch-based schedules of data jaxoptim cannot load",
    )
    commands.add_parser("unused", parents=[common], help="list parameters the loss ignores")
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "train":
        result = train(
            args.config,
            work_dir=args.work_dir,
            resume=args.resume,
            max_iters=args.max_iters,
            cfg_options=args.cfg_options,
            seed=args.seed,
            devices=args.devices,
        )
        print(
            f"trained {result['iters']} iterations in {result['seconds']:.1f} s; "
            f"test accuracy {result['accuracy']:.4f}; work dir {result['work_dir']}"
        )
    elif args.command == "explain":
        print(explain(args.config, cfg_options=args.cfg_options))
    elif args.command == "schedule":
        out = schedule(
            args.config,
            args.out,
            max_iters=args.max_iters,
            cfg_options=args.cfg_options,
            iters_per_epoch=args.iters_per_epoch,
        )
        print(f"wrote {out}")
    else:
        found = unused(args.config, cfg_options=args.cfg_options)
        print("\n".join(f"{p.name} {tuple(p.shape)}" for p in found) or "no unused parameters")
    return 0


def _launch(argv: list[str], nproc: int, devices: int | None) -> int:
    """``train --nproc N``: the same command line, without ``--nproc``, in N local workers."""
    worker_argv, skip = [], False
    for arg in argv:
        if skip or arg == "--nproc" or arg.startswith("--nproc="):
            skip = arg == "--nproc"
            continue
        worker_argv.append(arg)
    try:
        return distributed.launch_local(worker_argv, nproc, devices=devices)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _one_line(error: BaseException) -> str:
    message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    message = " ".join(str(message).split())
    if isinstance(error, CLIError):
        return message
    return f"{type(error).__name__}: {message}"


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ``jaxoptim`` command line; returns the exit code.

    Args:
      argv: the arguments (default ``sys.argv[1:]``).

    Returns:
      0 on success, 2 for a bad command line, 1 for a bad config or a failed run.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = _parser().parse_args(argv)
        if args.command == "train" and args.nproc is not None:
            return _launch(argv, args.nproc, args.devices)
        return _run(args)
    except Exception as e:
        if debug:
            raise
        print(f"jaxoptim: error: {_one_line(e)}", file=sys.stderr)
        return getattr(e, "exit_code", 1)
