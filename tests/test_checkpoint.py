"""Checkpoints: bitwise resume, crash safety, resharding, exact types, errors, retention."""

import importlib.util
import os
import random
import signal
import subprocess
import sys

import jax
import numpy as np
import optax
import pytest

from jaxoptim.checkpoint import (
    all_steps,
    latest_step,
    restore_checkpoint,
    restore_params,
    save_checkpoint,
    wait_for_checkpoints,
)
from jaxoptim.optimizer_base import TorchOptimizerState

_WORKER_PATH = os.path.join(os.path.dirname(__file__), "_ckpt_worker.py")
_spec = importlib.util.spec_from_file_location("_ckpt_worker", _WORKER_PATH)
W = sys.modules.setdefault("_ckpt_worker", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(W)


def _assert_trees_equal(a, b):
    assert jax.tree.structure(a) == jax.tree.structure(b)
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
        if not isinstance(x, int | float) and not isinstance(y, int | float):
            assert x.dtype == y.dtype
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.fixture(scope="module")
def setup():
    tx = W.make_tx()
    return tx, W.make_train_step(tx)


def _worker_env(devices: int = 1, cache_dir=None) -> dict:
    env = dict(os.environ)
    env["JAX_PLATFORMS"] = "cpu"
    flag = "--xla_force_host_platform_device_count"
    flags = [f for f in env.get("XLA_FLAGS", "").split() if not f.startswith(flag)]
    env["XLA_FLAGS"] = " ".join([*flags, f"{flag}={devices}"])
    if cache_dir is not None:  # later workers reuse the first one's compiled step
        env["JAX_COMPILATION_CACHE_DIR"] = str(cache_dir)
        env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
        env["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"
    return env


# ------------------------------------------------------------------------ (1) resume, no recompile


def test_resume_is_bitwise_identical(tmp_path, setup):
    tx, train_step = setup
    state = W.train(W.make_state(tx), train_step, 3)
    save_checkpoint(tmp_path, state, step=3)
    straight = W.train(state, train_step, 6)

    resumed = restore_checkpoint(tmp_path, W.make_state(tx))
    assert int(resumed.step) == 3
    resumed = W.train(resumed, train_step, 6)
    _assert_trees_equal(resumed, straight)
    # every optimizer statistic and count, named
    assert int(resumed.opt_state[0].count) == int(resumed.opt_state[1].count) == 6
    np.testing.assert_array_equal(
        resumed.opt_state[1].leaves["dense"]["kernel"][0],
        straight.opt_state[1].leaves["dense"]["kernel"][0],
    )
    np.testing.assert_array_equal(
        resumed.opt_state[0].nu["head"]["kernel"], straight.opt_state[0].nu["head"]["kernel"]
    )


def test_restored_state_runs_without_recompiling(tmp_path):
    tx = W.make_tx()
    train_step = W.make_train_step(tx)
    state = W.train(W.make_state(tx), train_step, 2)  # int step, then weak-typed array step
    save_checkpoint(tmp_path, state, step=2)
    before = (train_step._cache_size(), train_step.traces())
    after_straight = train_step(state, W.batch_for(2))
    assert (train_step._cache_size(), train_step.traces()) == before

    restored = restore_checkpoint(tmp_path, state)
    assert restored.step.weak_type and not restored.step.committed
    again = train_step(restored, W.batch_for(2))
    abstract = restore_checkpoint(tmp_path, jax.eval_shape(lambda: state))
    train_step(abstract, W.batch_for(2))
    assert (train_step._cache_size(), train_step.traces()) == before
    _assert_trees_equal(again, after_straight)


# ------------------------------------------------------------------------ (4) exact types


def test_namedtuple_and_struct_types_come_back_exactly(tmp_path, setup):
    tx, train_step = setup
    state = W.train(W.make_state(tx), train_step, 1)
    save_checkpoint(tmp_path, state, step=1)
    for target in (W.make_state(tx), jax.eval_shape(lambda: state)):
        restored = restore_checkpoint(tmp_path, target)
        assert type(restored) is W.TrainState
        assert type(restored.opt_state) is tuple
        assert type(restored.opt_state[0]) is optax.ScaleByAdamState
        assert type(restored.opt_state[1]) is TorchOptimizerState
        assert restored.opt_state[1].leaves["head"]["bias"] == optax.MaskedNode()
        assert type(restored.opt_state[1].leaves["dense"]["bias"]) is tuple
        assert jax.tree.structure(restored) == jax.tree.structure(state)
        for x, y in zip(jax.tree.leaves(restored), jax.tree.leaves(state), strict=True):
            np.testing.assert_array_equal(x, y)
    # A Python int leaf of the target comes back as an int; an abstract one as a weak array.
    assert type(restore_checkpoint(tmp_path, W.make_state(tx)).step) is int
    from_abstract = restore_checkpoint(tmp_path, jax.eval_shape(lambda: state)).step
    assert isinstance(from_abstract, jax.Array) and from_abstract.weak_type


def test_async_save_copies_before_returning(tmp_path, setup):
    tx, train_step = setup
    state = W.train(W.make_state(tx), train_step, 2)
    expected = jax.tree.map(np.asarray, state)
    save_checkpoint(tmp_path, state, step=2, wait=False)
    for leaf in jax.tree.leaves(state):
        if isinstance(leaf, jax.Array):
            leaf.delete()  # as donation would
    wait_for_checkpoints(tmp_path)
    assert all_steps(tmp_path) == [2]
    restored = restore_checkpoint(tmp_path, W.make_state(tx))
    _assert_trees_equal(restored, expected)


# ------------------------------------------------------------------------ (5) mismatch errors


def test_structure_mismatch_names_the_first_difference(tmp_path, setup):
    tx, train_step = setup
    save_checkpoint(tmp_path, W.train(W.make_state(tx), train_step, 1), step=1)

    other_shapes = W.make_state(tx, hidden=6)
    with pytest.raises(ValueError) as info:
        restore_checkpoint(tmp_path, other_shapes)
    msg = str(info.value)
    assert "`params.dense.bias` is float32[6] in the target but float32[8] in the checkpoint" in msg
    assert "checkpoint 1 in" in msg

    other_groups = W.make_state(W.make_tx(frozen_head_bias=False))
    with pytest.raises(ValueError, match=r"the target has `opt_state\.1\.leaves\.head\.bias\.0`"):
        restore_checkpoint(tmp_path, other_groups)

    params = W.init_params()
    sgd = W.TrainState(step=0, params=params, opt_state=optax.sgd(0.1, momentum=0.9).init(params))
    with pytest.raises(ValueError, match=r"the target has `opt_state\.0\.trace\.dense\.bias`"):
        restore_checkpoint(tmp_path, sgd)

    # optax.adam's state starts like the saved chain's, then lacks jaxoptim's SGD state.
    adam = W.TrainState(step=0, params=params, opt_state=optax.adam(0.1).init(params))
    with pytest.raises(ValueError) as info:
        restore_checkpoint(tmp_path, adam)
    assert "the checkpoint has `opt_state.1.count` (int32[]), the target has not" in str(info.value)
    assert "(target: 14 leaves, checkpoint: 21)" in str(info.value)


def test_missing_checkpoints_and_non_increasing_steps(tmp_path, setup):
    tx, _ = setup
    with pytest.raises(FileNotFoundError, match="does not exist"):
        restore_checkpoint(tmp_path / "nothing", W.make_state(tx))
    assert all_steps(tmp_path / "nothing") == [] and latest_step(tmp_path / "nothing") is None
    save_checkpoint(tmp_path, W.make_state(tx), step=5)
    with pytest.raises(FileNotFoundError, match=r"no complete checkpoint for step 4 .*\[5\]"):
        restore_checkpoint(tmp_path, W.make_state(tx), step=4)
    with pytest.raises(ValueError, match="steps must increase and the latest saved step is 5"):
        save_checkpoint(tmp_path, W.make_state(tx), step=5)
    with pytest.raises(ValueError, match="`step` must be a non-negative int"):
        save_checkpoint(tmp_path, W.make_state(tx), step=-1)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no complete checkpoint in"):
        restore_checkpoint(empty, W.make_state(tx))


# ------------------------------------------------------------------------ (6) restore_params


def test_restore_params_reads_only_the_params(tmp_path, setup):
    tx, train_step = setup
    state = W.train(W.make_state(tx), train_step, 2)
    save_checkpoint(tmp_path, state, step=2)
    params = restore_params(tmp_path, W.init_params())
    _assert_trees_equal(params, state.params)
    opt_state = restore_params(tmp_path, W.make_state(tx).opt_state, key="opt_state")
    _assert_trees_equal(opt_state, state.opt_state)
    with pytest.raises(
        KeyError, match=r"has no `model` \(found: \['opt_state', 'params', 'step'\]\)"
    ):
        restore_params(tmp_path, W.init_params(), key="model.params")
    with pytest.raises(
        ValueError, match=r"`params` of checkpoint 2 .*`dense\.bias` is float32\[6\]"
    ):
        restore_params(tmp_path, W.init_params(hidden=6))


# ------------------------------------------------------------------------ (7), (8) retention, tmp


def test_keep_last_n(tmp_path, setup):
    tx, _ = setup
    state = W.make_state(tx)
    for step in range(1, 6):
        save_checkpoint(tmp_path, state.replace(step=step), step=step, max_to_keep=2)
    assert all_steps(tmp_path) == [4, 5]
    assert sorted(p for p in os.listdir(tmp_path) if p.isdigit()) == ["4", "5"]
    assert restore_checkpoint(tmp_path, state, step=4).step == 4
    with pytest.raises(FileNotFoundError, match="step 1"):
        restore_checkpoint(tmp_path, state, step=1)


def test_latest_ignores_an_incomplete_tmp_directory(tmp_path, setup):
    tx, train_step = setup
    state = W.train(W.make_state(tx), train_step, 2)
    save_checkpoint(tmp_path, state, step=2)
    # What a process killed mid-save leaves behind: orbax's temporary directory, never renamed.
    partial = tmp_path / "3.orbax-checkpoint-tmp-1700000000000000"
    (partial / "default").mkdir(parents=True)
    (partial / "default" / "_METADATA").write_text("{truncated")
    assert latest_step(tmp_path) == 2 and all_steps(tmp_path) == [2]
    restored = restore_checkpoint(tmp_path, W.make_state(tx))
    assert int(restored.step) == 2
    _assert_trees_equal(restored.params, state.params)


def test_the_next_process_to_save_removes_a_killed_saves_tmp_directory(tmp_path, setup):
    from jaxoptim import checkpoint

    tx, train_step = setup
    state = W.train(W.make_state(tx), train_step, 2)
    save_checkpoint(tmp_path, state, step=2)
    partial = tmp_path / "3.orbax-checkpoint-tmp-1700000000000000"
    (partial / "default").mkdir(parents=True)
    checkpoint._close_all()  # a new process: no manager yet
    # restoring alone leaves it (another process may be writing there) ...
    restore_checkpoint(tmp_path, W.make_state(tx))
    assert partial.exists()
    # ... the first save of this process removes it, and keeps the complete steps
    save_checkpoint(tmp_path, state.replace(step=4), step=4)
    assert not partial.exists()
    assert all_steps(tmp_path) == [2, 4]
    assert sorted(os.listdir(tmp_path)) == ["2", "4"]


# ------------------------------------------------------------------------ (2) crash and resume


def _run_worker(args, cache_dir, kill_on=None, delay=None):
    """Runs a training worker and SIGKILLs it ``delay`` seconds after the first output line
    for which ``kill_on(words)`` is true. Returns (lines, killed, returncode, stderr)."""
    cmd = [sys.executable, _WORKER_PATH, *map(str, args)]
    err_path = os.path.join(cache_dir, f"stderr-{os.getpid()}-{random.random()}.txt")
    os.makedirs(cache_dir, exist_ok=True)
    with open(err_path, "w") as err:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=_worker_env(cache_dir=cache_dir)
        )
        lines, killed = [], False
        for line in proc.stdout:
            lines.append(line.split())
            if kill_on is not None and kill_on(lines[-1]):
                if delay:
                    try:
                        proc.wait(timeout=delay)
                    except subprocess.TimeoutExpired:
                        pass
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    killed = True
                break
        proc.wait(timeout=120)
        proc.stdout.close()
    with open(err_path) as err:
        return lines, killed, proc.returncode, err.read()[-3000:]


def _saving(at_least):
    return lambda words: words[0] == "SAVE_IN_FLIGHT" and int(words[1]) >= at_least


def test_sigkill_at_random_moments_then_resume_matches_uninterrupted_run(tmp_path, setup):
    tx, _ = setup
    directory, total, every = tmp_path / "ckpt", 30, 3
    cache = tmp_path / "jax_cache"
    rng = random.Random(0)
    killed_mid_save = []
    # (first step at which to kill relative to the resumed step, extra random delay)
    rounds = [(2 * every, None), (every, rng.uniform(0.0, 0.3)), (every, None)]
    for offset, delay in rounds:
        latest_before = latest_step(directory)
        start = 0 if latest_before is None else latest_before
        lines, killed, rc, err = _run_worker(
            ["train", directory, total, every], cache, kill_on=_saving(start + offset), delay=delay
        )
        assert lines and lines[0][0] == "RESUMED", err
        # each restart resumes from the latest complete checkpoint
        assert int(lines[0][1]) == (-1 if latest_before is None else latest_before)
        assert int(lines[0][2]) == start
        assert killed and rc == -signal.SIGKILL
        if delay is None:
            killed_mid_save.append(any("orbax-checkpoint-tmp" in p for p in os.listdir(directory)))

    assert any(killed_mid_save), "no kill landed while a save was in flight"
    reference = tmp_path / "reference.npz"
    lines, killed, rc, err = _run_worker(["train", directory, total, every, reference], cache)
    assert rc == 0 and lines[-1] == ["DONE", str(total)], err
    assert all_steps(directory)[-1] == total and len(all_steps(directory)) <= 3
    final = restore_checkpoint(directory, W.make_state(tx))
    expected = np.load(reference)
    got = W.leaves_by_name(final)
    assert sorted(got) == sorted(expected.files)
    for name in expected.files:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=name)
    assert int(final.step) == total and int(final.opt_state[1].count) == total


# ------------------------------------------------------------------------ (3) 8 devices <-> 1


def test_reshard_between_8_devices_and_1(tmp_path, setup):
    tx, train_step = setup
    assert jax.device_count() == 1
    one = W.train(W.make_state(tx), train_step, 3)
    save_checkpoint(tmp_path / "from1", one, step=3)
    out = tmp_path / "out.npz"
    proc = subprocess.run(
        [sys.executable, _WORKER_PATH, "shard", tmp_path / "from1", tmp_path / "from8", out],
        env=_worker_env(8),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = np.load(out)
    # 1 -> 8: every leaf on the 8-device target sharding, values exact
    assert record["restored_on_target_sharding"].all()
    assert record["restored_type_ok"] and record["kernel_sharded"]
    for name, value in W.leaves_by_name(one).items():
        np.testing.assert_array_equal(record[f"restored/{name}"], value, err_msg=name)
    # 8 -> 1: the sharded state comes back on one device with the same values
    restored = restore_checkpoint(tmp_path / "from8", W.make_state(tx))
    for name, value in W.leaves_by_name(restored).items():
        np.testing.assert_array_equal(value, record[f"saved/{name}"], err_msg=name)
    kernel = restored.opt_state[1].leaves["dense"]["kernel"][0]
    assert kernel.sharding == jax.sharding.SingleDeviceSharding(jax.devices()[0])
    assert int(restored.step) == 2
