"""Registries of named optimizers and optimizer constructors, with mmcv's building rules.

A :class:`Registry` maps names to callables. ``OPTIMIZERS`` maps a name to a callable taking
torch's keyword arguments and returning an optax transformation (the built-ins are
:class:`~jaxoptim.optimizer_base.OptimizerDef` instances, registered by the package's
``__init__``); ``OPTIMIZER_BUILDERS`` maps a name to a constructor class. ``MODELS`` (Flax
linen or nnx module classes) and ``DATASETS`` (callables returning one split's images and
labels) are what the ``jaxoptim train`` command builds a config's ``model`` and data from.
:func:`build_from_cfg` builds an object from a ``dict(type=..., **kwargs)`` config as mmcv 1.x
does.
"""

from __future__ import annotations

import difflib
import types
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "DATASETS",
    "MODELS",
    "OPTIMIZERS",
    "OPTIMIZER_BUILDERS",
    "Registry",
    "build_from_cfg",
    "strip_scope",
]

# OpenMMLab projects whose registries an mmengine config may name as '<scope>.<Type>'
SCOPES = (
    "mmengine", "mmcv", "mmdet", "mmdet3d", "mmpretrain", "mmcls", "mmselfsup", "mmseg",
    "mmyolo", "mmpose", "mmocr", "mmagic", "mmedit", "mmrotate", "mmaction", "mmtrack",
    "mmrazor", "mmfewshot", "mmflow", "mmgen", "mmhuman3d",
)  # fmt: skip


def strip_scope(name: Any) -> Any:
    """``'mmdet.QuadraticWarmupLR'`` -> ``'QuadraticWarmupLR'``: an OpenMMLab scope dropped.

    mmengine configs name a type in another project's registry with its scope; jaxoptim has
    one registry per kind, so the scope only selects the name. Other names come back as given.

    Examples:
      >>> strip_scope('mmdet.QuadraticWarmupLR'), strip_scope('optax.lion'), strip_scope('SGD')
      ('QuadraticWarmupLR', 'optax.lion', 'SGD')
    """
    if isinstance(name, str) and "." in name:
        scope, rest = name.split(".", 1)
        if scope in SCOPES and rest:
            return rest
    return name


def _default_name(module: Any) -> str:
    """The name a module is registered under when none is given."""
    if isinstance(module, type) or isinstance(module, types.FunctionType):
        return module.__name__
    name = getattr(module, "name", None)
    if isinstance(name, str) and name:
        return name
    name = getattr(module, "__name__", None)
    if isinstance(name, str) and name:
        return name
    raise TypeError(
        f"cannot infer a registry name for {module!r}: it has neither `__name__` nor a string "
        "`name` attribute; pass `name=...` to register_module"
    )


def _display_name(obj: Any) -> str:
    """A short name for messages: a class's or function's name, or an instance's ``name``."""
    try:
        return _default_name(obj)
    except TypeError:
        return type(obj).__name__


class Registry:
    """A mapping from names to callables (classes, functions or callable instances).

    Args:
      name: the registry's name, used in messages (``'optimizer'``).
      resolve: ``name -> object or None``, asked for a name that is not registered (the
        optimizer registry resolves ``'optax.<alias>'``).

    Examples:
      >>> MODELS = Registry('model')
      >>> @MODELS.register_module()
      ... def linear(scale=1.0):
      ...     return ('linear', scale)
      >>> 'linear' in MODELS, len(MODELS)
      (True, 1)
      >>> build_from_cfg(dict(type='linear', scale=2.0), MODELS)
      ('linear', 2.0)
    """

    def __init__(self, name: str, resolve: Callable[[str], Any] | None = None):
        self._name = name
        self._module_dict: dict[str, Callable[..., Any]] = {}
        self._resolve = resolve

    @property
    def name(self) -> str:
        """The registry's name."""
        return self._name

    @property
    def module_dict(self) -> Mapping[str, Callable[..., Any]]:
        """A read-only view of the registered names and objects."""
        return types.MappingProxyType(self._module_dict)

    def __len__(self) -> int:
        return len(self._module_dict)

    def __contains__(self, name: object) -> bool:
        return self.get(name) is not None

    def __repr__(self) -> str:
        return f"Registry(name={self._name!r}, items={sorted(self._module_dict)})"

    def get(self, name: object) -> Callable[..., Any] | None:
        """The object registered under ``name``, or ``None``."""
        if not isinstance(name, str):
            return None
        found = self._module_dict.get(name)
        if found is None and strip_scope(name) != name:
            found = self._module_dict.get(strip_scope(name))
        if found is None and self._resolve is not None:
            found = self._resolve(name)
        return found

    def resolve(self, obj_type: Any, key: str = "type") -> Callable[..., Any]:
        """A config's ``type``: a registered name (:meth:`lookup`) or the callable itself.

        Raises:
          KeyError: an unregistered name (see :meth:`lookup`).
          TypeError: ``obj_type`` is neither a str nor a callable; the message names ``key``.
        """
        if isinstance(obj_type, str):
            return self.lookup(obj_type, key=key)
        if callable(obj_type):
            return obj_type
        raise TypeError(
            f"`{key}` must be a str or a callable, got {type(obj_type).__name__} {obj_type!r}"
        )

    def lookup(self, name: str, key: str = "type") -> Callable[..., Any]:
        """The object registered under ``name``; an unknown name is an error that helps.

        Args:
          name: the registered name.
          key: the config key the name came from, for the message.

        Returns:
          The registered object.

        Raises:
          KeyError: ``name`` is not registered. The message names ``key`` and ``name``, lists
            the registered names and suggests the closest one (case-insensitively).

        Examples:
          >>> R = Registry('optimizer')
          >>> _ = R.register_module(name='AdamW', module=lambda **kw: kw)
          >>> try:
          ...     R.lookup('adamw')
          ... except KeyError as e:
          ...     print(e.args[0].split('; ')[-1])
          did you mean 'AdamW'?
        """
        obj = self.get(name)
        if obj is not None:
            return obj
        registered = sorted(self._module_dict)
        msg = f"`{key}={name!r}` is not in the {self._name} registry (registered: {registered})"
        if self._resolve is optax_alias and isinstance(name, str) and name.startswith("optax."):
            return self._optax_miss(name, key)
        closest = self._closest(name)
        if closest is not None:
            msg += f"; did you mean {closest!r}?"
        raise KeyError(msg)

    @staticmethod
    def _optax_miss(name: str, key: str):
        import optax

        public = [n for n in dir(optax) if not n.startswith("_")]
        msg = f"`{key}={name!r}`: optax has no public optimizer function of that name"
        match = difflib.get_close_matches(name.split(".", 1)[1], public, n=1, cutoff=0.6)
        if match:
            msg += f"; did you mean 'optax.{match[0]}'?"
        raise KeyError(msg)

    def _closest(self, name: object) -> str | None:
        if not isinstance(name, str) or not self._module_dict:
            return None
        by_lower = {k.lower(): k for k in sorted(self._module_dict)}
        if name.lower() in by_lower:
            return by_lower[name.lower()]
        match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
        return by_lower[match[0]] if match else None

    def build(self, cfg: Mapping[str, Any], default_args: Mapping[str, Any] | None = None) -> Any:
        """Same as ``build_from_cfg(cfg, self, default_args)``."""
        return build_from_cfg(cfg, self, default_args)

    def register_module(
        self,
        name: str | Sequence[str] | None = None,
        force: bool = False,
        module: Callable[..., Any] | None = None,
    ) -> Any:
        """Registers a callable, as a decorator or as a call.

        Args:
          name: the name, several names (aliases), or ``None`` for the object's ``__name__``
            (or its ``name`` attribute for a callable instance such as an ``OptimizerDef``).
          force: overwrite a name that is already registered.
          module: the object to register now; without it a decorator is returned.

        Returns:
          ``module`` when given, else a decorator that registers and returns its argument.

        Raises:
          TypeError: ``force`` is not a bool, ``name`` is not a str or a sequence of str, or the
            object is not callable.
          KeyError: a name is already registered and ``force`` is false.

        Examples:
          >>> R = Registry('demo')
          >>> @R.register_module(name=['Fast', 'Quick'])
          ... class Fast:
          ...     pass
          >>> R.get('Quick') is Fast
          True
          >>> R.register_module(name='double', module=lambda x: 2 * x)(3)
          6
        """
        if not isinstance(force, bool):
            raise TypeError(f"`force` must be a bool, got {type(force).__name__}")
        if module is None and name is not None and not isinstance(name, (str, Sequence)):
            if callable(name):
                warnings.warn(
                    "register_module(Cls) is deprecated; use register_module(module=Cls) or "
                    "the @register_module() decorator",
                    DeprecationWarning,
                    stacklevel=2,
                )
                return self._register(name, None, force)
        names = self._check_names(name)
        if module is not None:
            return self._register(module, names, force)

        def decorator(obj):
            return self._register(obj, names, force)

        return decorator

    @staticmethod
    def _check_names(name: Any) -> list[str] | None:
        if name is None:
            return None
        if isinstance(name, str):
            return [name]
        if isinstance(name, Sequence) and all(isinstance(n, str) for n in name):
            return list(name)
        raise TypeError(f"`name` must be None, a str or a sequence of str, got {name!r}")

    def _register(self, module: Any, names: list[str] | None, force: bool) -> Any:
        if not callable(module):
            raise TypeError(
                f"only callables (classes, functions, callable objects) can be registered in "
                f"the {self._name} registry, got {type(module).__name__}: {module!r}"
            )
        names = names if names is not None else [_default_name(module)]
        if not force:
            for n in names:
                if n in self._module_dict:
                    raise KeyError(f"{n} is already registered in {self._name}")
        for n in names:
            self._module_dict[n] = module
        return module


def build_from_cfg(
    cfg: Mapping[str, Any], registry: Registry, default_args: Mapping[str, Any] | None = None
) -> Any:
    """Builds an object from ``dict(type=..., **kwargs)`` with mmcv 1.x's rules.

    ``type`` is a registered name, a class or any callable; the other keys are its keyword
    arguments, completed by ``default_args`` (the config wins). An exception raised by the
    callable is re-raised with the same type and its message prefixed by ``'<Name>: '``
    (unless the message already starts with it).

    Args:
      cfg: the config.
      registry: where a string ``type`` is looked up.
      default_args: keyword arguments used where ``cfg`` lacks them.

    Returns:
      What the callable returns.

    Raises:
      TypeError: ``cfg`` or ``default_args`` is not a mapping, or ``type`` is neither a string
        nor a callable.
      KeyError: neither ``cfg`` nor ``default_args`` has ``type``, or ``type`` is not registered.

    Examples:
      >>> R = Registry('demo')
      >>> build_from_cfg(dict(type=dict, a=1), R, default_args=dict(a=0, b=2))
      {'a': 1, 'b': 2}
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(f"cfg must be a mapping (dict or Config), got {type(cfg).__name__}")
    if default_args is not None and not isinstance(default_args, Mapping):
        raise TypeError(
            f"default_args must be a mapping or None, got {type(default_args).__name__}"
        )
    if "type" not in cfg and (default_args is None or "type" not in default_args):
        raise KeyError(
            f"`cfg` or `default_args` must contain the key 'type' (the {registry.name} to "
            f"build), got keys {sorted(cfg)}"
        )
    args = dict(cfg)
    for key, value in (default_args or {}).items():
        args.setdefault(key, value)
    obj = registry.resolve(args.pop("type"))
    try:
        return obj(**args)
    except Exception as e:
        message = e.args[0] if len(e.args) == 1 and isinstance(e.args[0], str) else str(e)
        prefix = f"{_display_name(obj)}: "
        if message.startswith(prefix):  # the callable already names itself
            raise
        try:
            prefixed = type(e)(prefix + message)
        except Exception:
            raise e from None
        raise prefixed.with_traceback(e.__traceback__) from e


def optax_alias(name: str) -> Callable[..., Any] | None:
    """``'optax.lion'`` -> ``optax.lion``: every optax optimizer by its dotted name, unregistered.

    Any public callable under ``optax`` (``'optax.adamw'``, ``'optax.contrib.muon'``) that is
    not a module or a class; the config's other keys are its keyword arguments, with optax's
    names (``learning_rate``, ``b1``, ``weight_decay``). It runs as a registered user optimizer
    does (:mod:`jaxoptim.user_optimizer`): one instance per param group, a live lr.

    Examples:
      >>> import optax
      >>> optax_alias('optax.lion') is optax.lion, optax_alias('optax.nope'), optax_alias('lion')
      (True, None, None)
    """
    if not name.startswith("optax."):
        return None
    import importlib

    obj: Any = importlib.import_module("optax")
    for part in name.split(".")[1:]:
        if not part or part.startswith("_"):
            return None
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    if isinstance(obj, (types.ModuleType, type)) or not callable(obj):
        return None
    return obj


OPTIMIZERS = Registry("optimizer", resolve=optax_alias)
OPTIMIZER_BUILDERS = Registry("optimizer builder")
MODELS = Registry("model")  # the demo's models register in jaxoptim.demo
DATASETS = Registry("dataset")  # the built-in datasets register in jaxoptim.data
