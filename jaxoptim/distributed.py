"""Several processes, one training run: JAX's multi-controller runtime (``jax.distributed``).

Every process runs the same program on its own devices; a mesh spans the devices of all of
them, the jitted train step is one SPMD program, and XLA does every cross-process reduction.
This module only joins the processes and places data:

- :func:`initialize` joins this process to the others, from explicit arguments, the
  ``JAX_COORDINATOR_ADDRESS`` / ``JAX_NUM_PROCESSES`` / ``JAX_PROCESS_ID`` variables, or the
  SLURM / Open MPI environment (``jax.distributed``'s own detection); without any of them the
  run stays one process.
- :func:`global_mesh` is the data-parallel mesh over the same number of devices of every
  process, process 0's first; :func:`process_batch_slice` is the rows of a global batch this
  process gives (:func:`jaxoptim.shard_batch` then assembles the global array).
- :func:`launch_local` starts N worker processes on this machine (a free localhost port for
  the coordinator), watches them, and ends them all when one fails, naming it.

CPU devices need gloo for cross-process collectives; :func:`initialize` selects it (GPUs use
NCCL without being asked).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = [
    "WorkerError",
    "global_mesh",
    "initialize",
    "is_main_process",
    "launch_local",
    "process_batch_slice",
]

ENV_ADDRESS = "JAX_COORDINATOR_ADDRESS"
ENV_NUM_PROCESSES = "JAX_NUM_PROCESSES"
ENV_PROCESS_ID = "JAX_PROCESS_ID"
_HOST_DEVICES_FLAG = "--xla_force_host_platform_device_count"
# A process that stops sending heartbeats this long is declared dead by the coordination
# service, which then ends every other process: the bound on a hang under any launcher.
HEARTBEAT_TIMEOUT_S = 60


class WorkerError(RuntimeError):
    """A worker process of :func:`launch_local` failed; the others were ended."""

    exit_code = 1


def _env_int(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"environment variable {name}={value!r} is not an int") from None


def external_launch(env: Mapping[str, str] | None = None) -> bool:
    """Whether the environment describes a multi-process run (the coordinator variables, or
    a SLURM / Open MPI job of more than one task)."""
    env = os.environ if env is None else env
    if env.get(ENV_ADDRESS):
        return True
    slurm = _env_int(env, "SLURM_NTASKS") if "SLURM_JOB_ID" in env else None
    ompi = _env_int(env, "OMPI_COMM_WORLD_SIZE")
    return (slurm or 1) > 1 or (ompi or 1) > 1


def initialize(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    *,
    timeout_s: int = 300,
    heartbeat_timeout_s: int = HEARTBEAT_TIMEOUT_S,
) -> bool:
    """Joins this process to a multi-process run, if there is one; returns whether there is.

    Call it before anything touches a device. Arguments left ``None`` come from
    ``JAX_COORDINATOR_ADDRESS`` (``host:port`` of process 0), ``JAX_NUM_PROCESSES`` and
    ``JAX_PROCESS_ID``; when those are unset too, ``jax.distributed.initialize`` detects a
    SLURM or Open MPI job itself. With none of these the process stays alone (``False``).
    A second call after a successful one returns ``True`` and does nothing.

    Args:
      coordinator_address: ``host:port`` that process 0 listens on and every process reaches.
      num_processes: how many processes take part.
      process_id: this process's rank, ``0 <= process_id < num_processes``.
      timeout_s: how long to wait for every process to join.
      heartbeat_timeout_s: a process silent this long is dead, and the others are ended.

    Returns:
      ``True`` when this process is now one of several, ``False`` when it runs alone.

    Raises:
      ValueError: an argument or variable is malformed (the message names it).
    """
    if jax.distributed.is_initialized():
        return True
    env = os.environ
    explicit = coordinator_address is not None or num_processes is not None
    if not explicit and not external_launch(env):
        return False
    coordinator_address = coordinator_address or env.get(ENV_ADDRESS) or None
    if num_processes is None:
        num_processes = _env_int(env, ENV_NUM_PROCESSES)
    if process_id is None:
        process_id = _env_int(env, ENV_PROCESS_ID)
    if coordinator_address is not None and (num_processes is None or process_id is None):
        raise ValueError(
            f"{ENV_ADDRESS}={coordinator_address!r} needs the number of processes and this "
            f"process's id too: set {ENV_NUM_PROCESSES} and {ENV_PROCESS_ID} (or pass "
            "num_processes= and process_id=)"
        )
    if num_processes is not None and num_processes < 1:
        raise ValueError(f"num_processes must be >= 1, got {num_processes}")
    if process_id is not None and num_processes is not None:
        if not 0 <= process_id < num_processes:
            raise ValueError(
                f"process_id must be in [0, {num_processes}) for {num_processes} processes, "
                f"got {process_id}"
            )
    if "JAX_CPU_COLLECTIVES_IMPLEMENTATION" not in env:
        # CPU devices of different processes reduce over gloo (the default reaches none)
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address,
        num_processes,
        process_id,
        initialization_timeout=timeout_s,
        heartbeat_timeout_seconds=heartbeat_timeout_s,
    )
    return True


def is_main_process() -> bool:
    """Process 0: the one that logs, draws progress and writes run files."""
    return jax.process_index() == 0


def global_mesh(devices_per_process: int, axis: str = "data") -> Mesh:
    """A 1-D mesh over the first ``devices_per_process`` devices of every process.

    Devices are ordered by process, so process ``p`` holds the ``p``-th contiguous block of a
    batch split over ``axis``: the rows :func:`process_batch_slice` gives it.

    Raises:
      ValueError: a process has fewer devices than asked for.
    """
    by_process: dict[int, list] = {}
    for device in jax.devices():
        by_process.setdefault(device.process_index, []).append(device)
    short = {p: len(d) for p, d in by_process.items() if len(d) < devices_per_process}
    if short:
        raise ValueError(
            f"{devices_per_process} devices per process asked for, but process(es) "
            f"{sorted(short)} have only {sorted(set(short.values()))}"
        )
    chosen = [d for p in sorted(by_process) for d in by_process[p][:devices_per_process]]
    return Mesh(np.array(chosen), (axis,))


def process_batch_slice(mesh: Mesh, batch_size: int, axis: str = "data") -> slice:
    """The rows of a global batch of ``batch_size`` that this process's devices hold.

    Examples:
      >>> import jax, numpy as np
      >>> mesh = jax.sharding.Mesh(np.array(jax.devices()[:1]), ('data',))
      >>> process_batch_slice(mesh, 64)  # one process holds every row
      slice(0, 64, None)
    """
    sharding = NamedSharding(mesh, PartitionSpec(axis))
    rows = sorted(
        {
            (i[0].start or 0, batch_size if i[0].stop is None else i[0].stop)
            for i in sharding.addressable_devices_indices_map((batch_size,)).values()
        }
    )
    if any(a[1] != b[0] for a, b in zip(rows, rows[1:])):
        raise ValueError(f"this process's rows of the batch are not contiguous: {rows}")
    return slice(rows[0][0], rows[-1][1])


def local_rows(batch: Any, mesh: Mesh, axis: str = "data") -> Any:
    """This process's rows of every leaf of a global ``batch`` (all rows in one process)."""
    if jax.process_count() == 1:
        return batch
    size = len(jax.tree_util.tree_leaves(batch)[0])
    rows = process_batch_slice(mesh, size, axis)
    return jax.tree_util.tree_map(lambda x: x[rows], batch)


def free_port() -> int:
    """A TCP port on localhost that nothing listens on (for the coordinator)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def worker_env(
    rank: int, nproc: int, port: int, devices: int | None, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of local worker ``rank``: the coordinator variables and, with
    ``devices``, that many host (CPU) devices (the flag does nothing to GPUs)."""
    env = dict(os.environ if env is None else env)
    env.update(
        {ENV_ADDRESS: f"localhost:{port}", ENV_NUM_PROCESSES: str(nproc), ENV_PROCESS_ID: str(rank)}
    )
    if devices is not None:
        flags = [
            f for f in env.get("XLA_FLAGS", "").split() if not f.startswith(_HOST_DEVICES_FLAG)
        ]
        env["XLA_FLAGS"] = " ".join([*flags, f"{_HOST_DEVICES_FLAG}={devices}"])
    return env


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    kept = [line for line in text if line.strip() and not line.startswith("[Gloo]")]
    return "\n".join(kept[-lines:])


def launch_local(
    argv: Sequence[str],
    nproc: int,
    *,
    devices: int | None = None,
    command: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    poll_s: float = 0.2,
    grace_s: float = 5.0,
) -> int:
    """Runs ``python -m jaxoptim *argv`` as ``nproc`` processes joined by ``jax.distributed``.

    Each worker finds the others through the variables :func:`initialize` reads.

    Worker 0 shares this process's stdout and stderr (its output and progress bar are the
    run's); the others' stdout is dropped and their stderr kept in a temporary file, whose last
    lines are quoted if they fail. When a worker fails, the others get ``grace_s`` seconds to
    end by themselves (a config error ends them all), then are killed.

    Args:
      argv: the command line each worker runs (without ``--nproc``).
      nproc: how many workers, ``>= 1``.
      devices: host (CPU) devices per worker; ``None`` keeps the environment's.
      command: what runs ``argv`` (default ``[sys.executable, '-m', 'jaxoptim']``).
      env: the workers' environment before the coordinator variables (default this one's).
      poll_s: how often the workers are checked.
      grace_s: how long the others may take to end after one failed.

    Returns:
      0 when every worker succeeded.

    Raises:
      ValueError: ``nproc`` is not a positive int, or this process already belongs to a
        multi-process run.
      WorkerError: a worker failed; the message names it, how it ended and its last lines.
    """
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        raise ValueError(f"--nproc must be a positive int, got {nproc!r}")
    if external_launch(env):
        raise ValueError(
            f"--nproc starts its own workers, but this process is already one of a "
            f"multi-process run ({ENV_ADDRESS}, SLURM or Open MPI is set): drop --nproc"
        )
    command = [sys.executable, "-m", "jaxoptim"] if command is None else list(command)
    port = free_port()
    logs = Path(tempfile.mkdtemp(prefix="jaxoptim-workers-"))
    procs: list[subprocess.Popen] = []
    files = []
    try:
        for rank in range(nproc):
            if rank:
                files.append(open(logs / f"worker{rank}.stderr", "w"))  # noqa: SIM115
            procs.append(
                subprocess.Popen(
                    [*command, *argv],
                    env=worker_env(rank, nproc, port, devices, env),
                    stdin=subprocess.DEVNULL,
                    stdout=None if rank == 0 else subprocess.DEVNULL,
                    stderr=None if rank == 0 else files[-1],
                )
            )
        failed = _watch(procs, poll_s, grace_s)
    finally:  # also on KeyboardInterrupt: no worker outlives the launcher
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for f in files:
            f.close()
    if failed is None:
        return 0
    rank, code = failed
    if rank == 0 and code > 0:
        return code  # worker 0 printed its own error (a bad config, say) on our stderr
    detail = _tail(logs / f"worker{rank}.stderr") if rank else ""
    raise WorkerError(
        f"worker {rank} of {nproc} (pid {procs[rank].pid}) {_describe_exit(code)}; ended the "
        f"other worker(s)" + (f". Its last output:\n{detail}" if detail else "")
    )


def _watch(procs: list[subprocess.Popen], poll_s: float, grace_s: float) -> tuple | None:
    """Waits for every worker; returns ``(rank, exit code)`` of the one that failed first
    (killed ones before ones that exited with an error), or ``None``."""
    while True:
        codes = [p.poll() for p in procs]
        # a killed worker is the cause; the others' errors (a broken collective) its effect
        bad = sorted((c >= 0, r, c) for r, c in enumerate(codes) if c not in (None, 0))
        if bad:
            deadline = time.monotonic() + grace_s
            while time.monotonic() < deadline and any(p.poll() is None for p in procs):
                time.sleep(poll_s)
            return bad[0][1:]
        if all(c == 0 for c in codes):
            return None
        time.sleep(poll_s)
