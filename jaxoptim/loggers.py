"""The logging section of a config: mmcv's ``log_config.hooks``, mmengine's ``vis_backends``.

``jaxoptim train`` always writes ``log.jsonl`` (one JSON line per logged record; ``--resume``
and the tests read it). A config adds writers as mmcv (``log_config.hooks``) or mmengine
(``visualizer.vis_backends``) users write them::

    log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook'),
                                          dict(type='TensorboardLoggerHook')])
    visualizer = dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend'),
                                                       dict(type='TensorboardVisBackend')])

* ``TextLoggerHook``: the records as text lines in ``<work_dir>/log.txt`` (mmcv's text log);
* ``LocalVisBackend``: the records in ``log.jsonl`` (written anyway: mmengine's scalars.json);
* ``TensorboardLoggerHook`` (``log_dir``, default ``<work_dir>/tf_logs``) and
  ``TensorboardVisBackend`` (``save_dir``, default ``<work_dir>/vis_data``): TensorBoard event
  files through ``tensorboardX`` (``pip install 'jaxoptim[tensorboard]'``), one scalar per
  number of a record, tagged ``train/loss``, ``train/lr``, ..., ``val/accuracy``, at the
  record's iteration.

:func:`read_scalars` reads the scalars of event files back.
"""

from __future__ import annotations

import glob
import os
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["LoggerError", "TensorboardWriter", "TextWriter", "build_writers", "read_scalars"]

_PIP = "pip install 'jaxoptim[tensorboard]' (or: pip install tensorboardX)"
_SKIP = ("mode", "iter", "epoch")


class LoggerError(ValueError):
    """A logging entry of the config is wrong; the message names the key."""


class TextWriter:
    """Appends each record to a text file as ``Epoch [1][iter 10]  loss: 2.301, lr: ...``.

    Args:
      path: the text file (appended to, so a resumed run continues it).
    """

    def __init__(self, path: str | Path):
        self._file = open(path, "a")  # noqa: SIM115 - closed by close()

    def log(self, record: Mapping[str, Any]) -> None:
        """Writes one record (``mode``, ``epoch`` and ``iter`` lead the line)."""
        values = ", ".join(
            f"{k}: {_text(v)}" for k, v in record.items() if k not in _SKIP and v is not None
        )
        mode = "Epoch" if record.get("mode") == "train" else f"Epoch({record.get('mode')})"
        self._file.write(f"{mode} [{record.get('epoch')}][iter {record.get('iter')}]  {values}\n")
        self._file.flush()

    def close(self) -> None:
        """Closes the file."""
        self._file.close()


class TensorboardWriter:
    """Writes each record's numbers as TensorBoard scalars ``<mode>/<key>`` at its ``iter``.

    Args:
      log_dir: the directory of the event files (created; a resumed run adds a file).
      where: the config key this writer came from, for the message when tensorboardX is
        missing.

    Raises:
      LoggerError: ``tensorboardX`` is not installed (the message names the pip command).
    """

    def __init__(self, log_dir: str | Path, where: str = "TensorboardLoggerHook"):
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            raise LoggerError(f"{where} needs tensorboardX: {_PIP}") from None
        self.log_dir = Path(log_dir)
        self._writer = SummaryWriter(logdir=str(self.log_dir))

    def log(self, record: Mapping[str, Any]) -> None:
        """Adds the record's numbers (a list, one per parameter group, as ``<tag>/<i>``)."""
        mode, step = record.get("mode", "train"), int(record["iter"])
        for key, value in record.items():
            if key in _SKIP or value is None or isinstance(value, (bool, str)):
                continue
            if isinstance(value, (list, tuple)):
                for i, v in enumerate(value):
                    self._writer.add_scalar(f"{mode}/{key}/{i}", float(v), step)
            else:
                self._writer.add_scalar(f"{mode}/{key}", float(value), step)
        self._writer.flush()

    def close(self) -> None:
        """Flushes and closes the event file."""
        self._writer.close()


_MMCV_HOOKS = {"TextLoggerHook": ("by_epoch",), "TensorboardLoggerHook": ("by_epoch", "log_dir")}
_MMENGINE_BACKENDS = {"LocalVisBackend": (), "TensorboardVisBackend": ("save_dir",)}
_VISUALIZER_KEYS = ("type", "name", "vis_backends")


def build_writers(cfg: Mapping[str, Any], work_dir: str | Path) -> list[Any]:
    """The writers the config's ``log_config.hooks`` or ``visualizer.vis_backends`` name.

    Args:
      cfg: the merged config.
      work_dir: the run's work dir (default directories are inside it).

    Returns:
      Objects with ``log(record)`` and ``close()``; empty when the config names none (or
      only what ``log.jsonl`` already is).

    Raises:
      LoggerError: an unknown type or key (the message names it and the supported ones), or
        a TensorBoard writer without tensorboardX installed.
    """
    specs = _specs(cfg)
    writers: list[Any] = []
    try:
        for where, kind, options in specs:
            if kind == "TextLoggerHook":
                writers.append(TextWriter(Path(work_dir) / "log.txt"))
            elif kind == "TensorboardLoggerHook":
                writers.append(
                    TensorboardWriter(_dir(where, options, "log_dir", work_dir, "tf_logs"), where)
                )
            elif kind == "TensorboardVisBackend":
                writers.append(
                    TensorboardWriter(_dir(where, options, "save_dir", work_dir, "vis_data"), where)
                )
    except BaseException:
        for writer in writers:
            writer.close()
        raise
    return writers


def _dir(where: str, options: Mapping, key: str, work_dir: str | Path, default: str) -> Path:
    value = options.get(key)
    if value is None:
        return Path(work_dir) / default
    if not isinstance(value, (str, os.PathLike)):
        raise LoggerError(f"{where}.{key} must be a directory name, got {value!r}")
    return Path(value)


def _specs(cfg: Mapping[str, Any]) -> list[tuple[str, str, dict]]:
    """``(config key, type, options)`` for every hook or backend, checked."""
    log_cfg = cfg.get("log_config")
    hooks = log_cfg.get("hooks") if isinstance(log_cfg, Mapping) else None
    visualizer = cfg.get("visualizer")
    if hooks is not None and visualizer is not None:
        raise LoggerError("give either log_config.hooks (mmcv) or visualizer (mmengine), not both")
    if hooks is not None:
        return _entries("log_config.hooks", hooks, _MMCV_HOOKS)
    if visualizer is None:
        return []
    if not isinstance(visualizer, Mapping):
        raise LoggerError(f"`visualizer` must be a dict, got {visualizer!r}")
    unknown = [k for k in visualizer if k not in _VISUALIZER_KEYS]
    if unknown:
        raise LoggerError(
            f"visualizer: unknown key(s) {unknown}; supported keys are {list(_VISUALIZER_KEYS)}"
        )
    return _entries(
        "visualizer.vis_backends", visualizer.get("vis_backends", []), _MMENGINE_BACKENDS
    )


def _entries(where: str, entries: Any, supported: Mapping[str, Sequence[str]]) -> list:
    if not isinstance(entries, (list, tuple)):
        raise LoggerError(f"{where} must be a list of dict(type=...), got {entries!r}")
    out = []
    for i, entry in enumerate(entries):
        here = f"{where}[{i}]"
        kind = entry.get("type") if isinstance(entry, Mapping) else None
        if kind not in supported:
            raise LoggerError(
                f"{here}: type {kind!r} is not supported; supported types are {list(supported)}"
            )
        options = {k: v for k, v in entry.items() if k != "type"}
        unknown = [k for k in options if k not in supported[kind]]
        if unknown:
            raise LoggerError(
                f"{here} ({kind}): unknown key(s) {unknown}; supported keys are "
                f"{list(supported[kind])} (the interval is log_config.interval)"
            )
        out.append((here, kind, options))
    return out


def read_scalars(log_dir: str | Path) -> dict[str, list[tuple[int, float]]]:
    """The scalars in a directory's TensorBoard event files, by tag, in file order.

    Reads the TFRecord framing (length, masked CRC-32C of the length, event, masked CRC-32C
    of the event) and checks both checksums, so a torn or corrupt file is an error.

    Args:
      log_dir: a directory holding ``events.out.tfevents.*`` files.

    Returns:
      ``{tag: [(step, value), ...]}``.

    Raises:
      LoggerError: tensorboardX is not installed (its protobuf classes parse the events).
      ValueError: a record's checksum does not match.
    """
    try:
        from tensorboardX.proto import event_pb2
        from tensorboardX.record_writer import masked_crc32c
    except ImportError:
        raise LoggerError(f"read_scalars needs tensorboardX: {_PIP}") from None
    scalars: dict[str, list[tuple[int, float]]] = {}
    for path in sorted(glob.glob(os.path.join(str(log_dir), "events.out.tfevents.*"))):
        data = Path(path).read_bytes()
        pos = 0
        while pos < len(data):
            header = data[pos : pos + 8]
            (length,) = struct.unpack("<Q", header)
            crcs = struct.unpack("<I", data[pos + 8 : pos + 12])[0]
            body = data[pos + 12 : pos + 12 + length]
            (crc,) = struct.unpack("<I", data[pos + 12 + length : pos + 16 + length])
            if crcs != masked_crc32c(header) or crc != masked_crc32c(body):
                raise ValueError(f"{path}: a record at byte {pos} fails its checksum")
            pos += 16 + length
            event = event_pb2.Event.FromString(body)
            for value in event.summary.value:
                scalars.setdefault(value.tag, []).append(
                    (int(event.step), float(value.simple_value))
                )
    return scalars


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
