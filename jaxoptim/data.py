"""The data of ``jaxoptim train``: the :data:`DATASETS` registry, ``.npz`` files, the config keys.

A dataset is a callable registered in :data:`DATASETS`; called with the keyword arguments of its
config dict (a ``split`` argument, when it takes one and the config gives none, is ``'train'``
for the training data and ``'test'`` for the evaluation data), it returns one split as
``(images, labels)``: ``images`` a float (or ``uint8``, scaled by 1/255) array ``[N, ...]`` that
the model is called on, ``labels`` integer class indices ``[N]``. Built in:

* ``digits``: scikit-learn's 8x8 digits, a stratified split (the demo);
* ``NpzDataset``: a ``.npz`` file with the arrays ``x_train``, ``y_train``, ``x_test``,
  ``y_test`` (the layout of Keras' ``mnist.npz``; ``image_key`` / ``label_key`` name others).

A config names the data in one of three ways::

    data = dict(type='NpzDataset', path='my.npz', batch_size=64)     # one type, both splits
    data = dict(samples_per_gpu=8,                                     # mmcv 1.x
                train=dict(type='NpzDataset', path='my.npz'),
                val=dict(type='NpzDataset', path='my.npz'))            # (or test=...)
    train_dataloader = dict(batch_size=8, dataset=dict(type='NpzDataset', path='my.npz'))
    val_dataloader = dict(dataset=dict(type='NpzDataset', path='my.npz'))  # mmengine

The batch, as mmcv / mmengine count it (:func:`batch_spec`): ``data.batch_size`` is the total
batch of one iteration, split over the devices; mmcv's ``data.samples_per_gpu`` and mmengine's
``train_dataloader.batch_size`` are the samples of one device of the data-parallel mesh, so the
total batch (what ``auto_scale_lr``'s ``base_batch_size`` is compared with) is that times the
devices of all processes. ``workers_per_gpu`` / ``num_workers`` are accepted and do nothing:
the arrays are in memory, and JAX has no data-loading worker processes.
"""

from __future__ import annotations

import dataclasses
import inspect
import numbers
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from jaxoptim.registry import DATASETS

__all__ = ["DATASETS", "BatchSpec", "NpzDataset", "batch_spec", "digits", "load_data", "unloadable"]

_TOP_KEYS = ("batch_size", "samples_per_gpu", "train", "val", "test", "workers_per_gpu")
_LOADER_KEYS = ("batch_size", "dataset", "num_workers", "persistent_workers", "sampler")
_EVAL_SECTIONS = ("val", "test")
_LOADERS = ("train_dataloader", "val_dataloader", "test_dataloader")


class DataError(ValueError):
    """A data entry of the config is wrong; the message names the key."""


@dataclasses.dataclass(frozen=True)
class BatchSpec:
    """The batch a config writes.

    Attributes:
      size: the number written.
      key: where: ``'data.batch_size'`` (the total batch), ``'data.samples_per_gpu'`` or
        ``'train_dataloader.batch_size'`` (per device, as mmcv's and mmengine's per-GPU loaders).
      per_device: whether ``size`` counts one device's samples.
    """

    size: int
    key: str
    per_device: bool

    def total(self, devices: int) -> int:
        """The samples of one iteration over ``devices`` data-parallel devices (all processes')."""
        return self.size * devices if self.per_device else self.size


def batch_spec(cfg: Mapping[str, Any]) -> BatchSpec:
    """The config's batch size and whether it counts one device's samples; reads no data.

    ``data.batch_size`` (jaxoptim's, default 64) is the total batch; mmcv's
    ``data.samples_per_gpu`` and mmengine's ``train_dataloader.batch_size`` (default 64 here)
    are per device, as in mmcv's ``build_dataloader`` and mmengine's runner, whose
    ``auto_scale_lr`` multiplies them by the world size.

    Raises:
      DataError: both ``data.batch_size`` and ``data.samples_per_gpu``, or a value that is not a
        positive int; the message names the key.
    """
    if any(k in cfg for k in _LOADERS):
        loader = cfg.get("train_dataloader")
        loader = loader if isinstance(loader, Mapping) else {}
        spec = BatchSpec(loader.get("batch_size", 64), "train_dataloader.batch_size", True)
    else:
        data_cfg = cfg.get("data")
        data_cfg = data_cfg if isinstance(data_cfg, Mapping) else {}
        if "samples_per_gpu" in data_cfg and "batch_size" in data_cfg:
            raise DataError(
                f"data: give data.batch_size={data_cfg['batch_size']!r} (the total batch) or "
                f"data.samples_per_gpu={data_cfg['samples_per_gpu']!r} (per device), not both"
            )
        if "samples_per_gpu" in data_cfg:
            spec = BatchSpec(data_cfg["samples_per_gpu"], "data.samples_per_gpu", True)
        else:
            spec = BatchSpec(data_cfg.get("batch_size", 64), "data.batch_size", False)
    size = spec.size
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size <= 0:
        raise DataError(f"{spec.key} must be a positive int, got {size!r}")
    return dataclasses.replace(spec, size=int(size))


def unloadable(cfg: Mapping[str, Any]) -> str | None:
    """Why :func:`load_data` cannot read the config's training data, or ``None``.

    ``None`` when the training dataset's ``type`` is in :data:`DATASETS` (or there is no data
    section: the digits demo), or when the section is too malformed to tell (then
    :func:`load_data` names the key). A real OpenMMLab config's dataset (``ImageNet``,
    ``CocoDataset``, ...) is not registered: this says so.
    """
    if any(k in cfg for k in _LOADERS):
        loader = cfg.get("train_dataloader")
        if not isinstance(loader, Mapping):
            return None
        where, ds = "train_dataloader.dataset", loader.get("dataset")
    else:
        data_cfg = cfg.get("data")
        if not isinstance(data_cfg, Mapping):
            return None
        where, ds = (
            ("data", data_cfg) if "type" in data_cfg else ("data.train", data_cfg.get("train"))
        )
    if ds is None:
        return None
    if not isinstance(ds, Mapping):
        return f"{where} is a {type(ds).__name__}, not dict(type=<a DATASETS name>, ...)"
    name = ds.get("type")
    if DATASETS.get(name) is None:
        return (
            f"{where}.type={name!r} is not a dataset jaxoptim can load (not in jaxoptim.DATASETS; "
            "register one through custom_imports, or use NpzDataset)"
        )
    return None


@DATASETS.register_module()
def digits(split: str = "train", test_size: float | int = 0.25, seed: int = 0) -> tuple:
    """scikit-learn's digits (1797 grey 8x8 images), a stratified train/test split.

    Args:
      split: ``'train'`` or ``'test'``.
      test_size: the test fraction in (0, 1), or the number of test images.
      seed: the split's seed; the split depends on nothing else.

    Returns:
      ``(f32[N, 8, 8, 1] in [0, 1], i32[N])``.
    """
    from sklearn.model_selection import train_test_split

    from jaxoptim import demo

    _check_split(split)
    demo._check_data_numbers({"test_size": test_size, "seed": seed})
    images, labels = demo._digits()
    x_tr, x_te, y_tr, y_te = train_test_split(
        images, labels, test_size=test_size, random_state=seed, stratify=labels
    )
    return (x_tr, y_tr) if split == "train" else (x_te, y_te)


@DATASETS.register_module()
def NpzDataset(  # noqa: N802 - a registry name, as mmcv's dataset classes
    path: str,
    split: str = "train",
    image_key: str | None = None,
    label_key: str | None = None,
) -> tuple:
    """One split of a ``.npz`` file (``numpy.savez``), by default ``x_<split>``/``y_<split>``.

    Args:
      path: the file; a relative path is relative to the current directory.
      split: ``'train'`` or ``'test'``: picks the arrays ``x_<split>`` and ``y_<split>``.
      image_key: the images' array name instead of ``x_<split>``.
      label_key: the labels' array name instead of ``y_<split>``.

    Returns:
      ``(images, labels)`` as stored.

    Raises:
      FileNotFoundError: ``path`` does not exist.
      KeyError: an array is missing (the message lists the file's arrays).
    """
    _check_split(split)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file name, got {path!r}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"path {str(path)!r} does not exist (cwd {os.getcwd()!r})")
    keys = (image_key or f"x_{split}", label_key or f"y_{split}")
    with np.load(path, allow_pickle=False) as f:
        missing = [k for k in keys if k not in f.files]
        if missing:
            raise KeyError(
                f"{str(path)!r} has no array(s) {missing}; it has {sorted(f.files)} (write "
                "x_train, y_train, x_test, y_test, or set image_key / label_key)"
            )
        return f[keys[0]], f[keys[1]]


def _check_split(split: Any) -> None:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")


def load_data(cfg: Mapping[str, Any], devices: int = 1) -> tuple[dict[str, np.ndarray], int]:
    """The train and evaluation arrays and the total batch size a config names.

    Args:
      cfg: the merged config: its ``data``, or mmengine's ``train_dataloader`` with
        ``val_dataloader`` (or ``test_dataloader``); neither means the digits demo.
      devices: the data-parallel devices of all processes: a per-device batch
        (:func:`batch_spec`) counts this many times.

    Returns:
      ``({'train_image', 'train_label', 'test_image', 'test_label'}, batch_size)``: images
      float32, labels int32, ``batch_size`` the total batch of one iteration.

    Raises:
      DataError: a wrong key or value, a dataset jaxoptim cannot load (:func:`unloadable`), a
        dataset that fails or returns something unusable; the message names the config key.
    """
    loaders = [k for k in _LOADERS if k in cfg]
    if loaders and cfg.get("data") is not None:
        raise DataError(f"give either `data` or mmengine's {loaders}, not both")
    reason = unloadable(cfg)
    if reason is not None:
        raise DataError(reason)
    batch_size = batch_spec(cfg).total(devices)
    if loaders:
        train, evals = _mmengine_sections(cfg)
    else:
        data_cfg = cfg.get("data")
        if data_cfg is None:
            data_cfg = {"type": "digits"}
        if not isinstance(data_cfg, Mapping):
            raise DataError(f"`data` must be a dict, got {data_cfg!r}")
        data_cfg = dict(data_cfg)
        data_cfg.pop("batch_size", None)  # read by batch_spec
        data_cfg.pop("samples_per_gpu", None)
        data_cfg.pop("workers_per_gpu", None)  # no loader workers: the arrays are in memory
        if "type" in data_cfg:  # one dataset type for both splits
            train = ("data", data_cfg, "train")
            evals = ("data", data_cfg, "test")
        else:
            unknown = [k for k in data_cfg if k not in _TOP_KEYS]
            if unknown or "train" not in data_cfg:
                raise DataError(
                    f"data: unknown key(s) {unknown or ['(no train)']}; give dict(type=..., "
                    f"batch_size=..., <the dataset's arguments>) or dict(batch_size=..., "
                    f"train=dict(type=...), val=dict(type=...)) (keys {list(_TOP_KEYS)})"
                )
            section = next((s for s in _EVAL_SECTIONS if data_cfg.get(s) is not None), None)
            if section is None:
                raise DataError("data: needs `val` or `test`, the data evaluated every epoch")
            train = ("data.train", data_cfg["train"], "train")
            evals = (f"data.{section}", data_cfg[section], "test")
    x_tr, y_tr = _build(*train)
    x_te, y_te = _build(*evals)
    if x_tr.shape[1:] != x_te.shape[1:]:
        raise DataError(
            f"{train[0]} images are {list(x_tr.shape[1:])} each but {evals[0]} images are "
            f"{list(x_te.shape[1:])}"
        )
    data = {"train_image": x_tr, "train_label": y_tr, "test_image": x_te, "test_label": y_te}
    return data, batch_size


def _mmengine_sections(cfg: Mapping[str, Any]) -> tuple[tuple, tuple]:
    train = _loader(cfg, "train_dataloader")
    if train is None:
        raise DataError("val_dataloader / test_dataloader without a train_dataloader")
    for name in ("val_dataloader", "test_dataloader"):
        evals = _loader(cfg, name)
        if evals is not None:
            return ("train_dataloader.dataset", train, "train"), (f"{name}.dataset", evals, "test")
    raise DataError("train_dataloader needs a val_dataloader (or test_dataloader) to evaluate on")


def _loader(cfg: Mapping[str, Any], name: str) -> Mapping | None:
    loader = cfg.get(name)
    if loader is None:
        return None
    if not isinstance(loader, Mapping) or "dataset" not in loader:
        raise DataError(
            f"{name} must be dict(batch_size=..., dataset=dict(type=...)), got {loader!r}"
        )
    unknown = [k for k in loader if k not in _LOADER_KEYS]
    if unknown:
        raise DataError(
            f"{name}: unknown key(s) {unknown}; supported keys are {list(_LOADER_KEYS)}"
        )
    sampler = loader.get("sampler")
    if sampler is not None and (
        not isinstance(sampler, Mapping) or not sampler.get("shuffle", True)
    ):
        # every epoch is shuffled by (seed, epoch); an unshuffled sampler would be ignored
        raise DataError(f"{name}.sampler: only shuffled sampling is supported, got {sampler!r}")
    return loader["dataset"]


def _build(where: str, ds_cfg: Any, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Calls the dataset named by ``ds_cfg`` and checks what it returns."""
    if not isinstance(ds_cfg, Mapping) or "type" not in ds_cfg:
        raise DataError(f"{where} must be a dict with a `type` from DATASETS, got {ds_cfg!r}")
    kwargs = dict(ds_cfg)
    name = kwargs.pop("type")
    try:
        fn = DATASETS.lookup(name, key=f"{where}.type")
    except KeyError as e:
        raise DataError(e.args[0]) from None
    params = _parameters(fn)
    if params is not None:
        unknown = [k for k in kwargs if k not in params]
        if unknown:
            own = ["type", "batch_size", "samples_per_gpu", "workers_per_gpu"]
            own = own if where == "data" else ["type"]
            raise DataError(
                f"{where}: unknown key(s) {unknown} for dataset {name!r}; supported keys are "
                f"{own + sorted(params)}"
            )
        if "split" in params:
            kwargs.setdefault("split", split)
    try:
        out = fn(**kwargs)
    except Exception as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        raise DataError(f"{where} (dataset {name!r}): {type(e).__name__}: {message}") from e
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise DataError(f"{where}: dataset {name!r} must return (images, labels), got {type(out)}")
    return _images(where, name, out[0]), _labels(where, name, out[1], len(out[0]))


def _parameters(fn: Callable) -> set[str] | None:
    """The keyword names ``fn`` takes (``None``: it takes ``**kwargs``)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    return {n for n, p in sig.parameters.items() if p.kind is not p.VAR_POSITIONAL}


def _images(where: str, name: str, images: Any) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype == np.uint8:  # 8-bit pixels (mnist.npz): [0, 255] -> [0, 1]
        images = images.astype(np.float32) / 255.0
    elif not np.issubdtype(images.dtype, np.floating):
        raise DataError(
            f"{where}: dataset {name!r} images must be float or uint8, got {images.dtype}"
        )
    if images.ndim < 2 or len(images) == 0:
        raise DataError(
            f"{where}: dataset {name!r} images must be [N, ...] with N >= 1, got shape "
            f"{list(images.shape)}"
        )
    images = images.astype(np.float32, copy=False)
    if not np.isfinite(images).all():
        raise DataError(f"{where}: dataset {name!r} images contain NaN or inf")
    return images


def _labels(where: str, name: str, labels: Any, n: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != n:
        raise DataError(
            f"{where}: dataset {name!r} labels must be [N] with N = {n} (one per image), got "
            f"shape {list(labels.shape)}"
        )
    if not np.issubdtype(labels.dtype, np.integer) or labels.dtype == bool:
        raise DataError(
            f"{where}: dataset {name!r} labels must be integer class indices, got {labels.dtype}"
        )
    if labels.min() < 0:
        raise DataError(f"{where}: dataset {name!r} has a negative label {int(labels.min())}")
    return labels.astype(np.int32, copy=False)
