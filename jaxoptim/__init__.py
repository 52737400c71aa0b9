"""jaxoptim: mmcv's optimizer machinery as one optax transformation, torch-exact."""

import importlib

_EXPORTS = {
    "Config": "jaxoptim.config",
    "OPTIMIZERS": "jaxoptim.registry",
    "OPTIMIZER_BUILDERS": "jaxoptim.registry",
    # the modules that register the built-in models and datasets
    "MODELS": "jaxoptim.demo",
    "DATASETS": "jaxoptim.data",
    "make_optimizer": "jaxoptim.builder",
    "normalize": "jaxoptim.frontend",
    "OptimSetup": "jaxoptim.frontend",
    "param_kinds": "jaxoptim.kinds",
    "explain": "jaxoptim.paramwise",
    "ParamTable": "jaxoptim.paramwise",
    "DefaultOptimizerConstructor": "jaxoptim.paramwise",
    "LayerDecayOptimizerConstructor": "jaxoptim.layer_decay",
    "TSMOptimizerConstructor": "jaxoptim.tsm",
    "TSMOptimWrapperConstructor": "jaxoptim.tsm",
    "lr_schedule": "jaxoptim.schedules",
    "momentum_schedule": "jaxoptim.schedules",
    "normalize_policy": "jaxoptim.schedules",
    "policy_keys": "jaxoptim.schedules",
    "plot_schedules": "jaxoptim.plot",
    "log_unused_params": "jaxoptim.unused",
    "TrainState": "jaxoptim.train_step",
    "make_train_step": "jaxoptim.train_step",
    "current_loss_scale": "jaxoptim.train_step",
    "report_val_metrics": "jaxoptim.train_step",
    "shard_batch": "jaxoptim.train_step",
    "shard_train_state": "jaxoptim.train_step",
    "global_mesh": "jaxoptim.distributed",
    "process_batch_slice": "jaxoptim.distributed",
    "is_main_process": "jaxoptim.distributed",
    "launch_local": "jaxoptim.distributed",
    "WorkerError": "jaxoptim.distributed",
    "scaler_state_dict": "jaxoptim.loss_scale",
    "load_scaler_state_dict": "jaxoptim.loss_scale",
    "find_unused_params": "jaxoptim.unused",
    "UnusedParam": "jaxoptim.unused",
    "save_checkpoint": "jaxoptim.checkpoint",
    "restore_checkpoint": "jaxoptim.checkpoint",
    "restore_params": "jaxoptim.checkpoint",
    "latest_step": "jaxoptim.checkpoint",
    "all_steps": "jaxoptim.checkpoint",
    "wait_for_checkpoints": "jaxoptim.checkpoint",
    "to_dict": "jaxoptim.config",
    "Registry": "jaxoptim.registry",
    "build_from_cfg": "jaxoptim.registry",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    # Public names load their module on first use (the CLI, plotting and orbax stay unloaded).
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'jaxoptim' has no attribute {name!r}")


def _register_builtins():
    from jaxoptim import layer_decay, optimizers, paramwise, tsm  # noqa: F401 - they register
    from jaxoptim.registry import OPTIMIZERS

    for defn in optimizers.BUILTIN:
        if defn.name not in OPTIMIZERS:
            OPTIMIZERS.register_module(name=defn.name, module=defn)
    for alias, target in optimizers.ALIASES.items():
        if alias not in OPTIMIZERS:
            OPTIMIZERS.register_module(name=alias, module=OPTIMIZERS.get(target))


_register_builtins()
