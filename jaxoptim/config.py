"""mmcv-style Python config files: ``_base_`` inheritance, ``_delete_``, ``custom_imports``.

A config file is Python whose top-level assignments become keys::

    _base_ = ['../_base_/schedule_1x.py']
    optimizer = dict(_delete_=True, type='AdamW', lr=1e-4, weight_decay=0.05)
    custom_imports = dict(imports=['my_project.optim'], allow_failed_imports=False)

:meth:`Config.fromfile` reads it, merges it into its bases with mmcv's rules and returns a
:class:`Config`, a ``dict`` with attribute access at every level. Wherever jaxoptim takes a
config, any ``Mapping`` works; :func:`to_dict` turns one into plain nested dicts.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import keyword
import math
import os
import sys
import types
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from jaxoptim import config_syntax as syntax

__all__ = ["Config", "parse_cfg_options", "to_dict"]

_BASE_KEY = "_base_"
_DELETE_KEY = "_delete_"
_MISSING = object()
# The sections jaxoptim reads: `_delete_=True` on a key the bases lack is an error only there.
SECTIONS = (
    "optimizer", "optimizer_config", "fp16", "lr_config", "momentum_config", "runner",
    "optim_wrapper", "param_scheduler", "train_cfg", "auto_scale_lr",
)  # fmt: skip


def _is_mapping(obj: Any) -> bool:
    """A ``Mapping``, or an object that behaves as one (mmengine's ``Config``)."""
    if isinstance(obj, Mapping):
        return True
    return callable(getattr(obj, "keys", None)) and hasattr(type(obj), "__getitem__")


def to_dict(mapping: Any) -> dict[str, Any]:
    """Recursively converts a mapping (``Config``, mmengine ``Config``, ...) to plain dicts.

    Lists and tuples are rebuilt with their items converted; other values are kept.

    Args:
      mapping: any ``Mapping`` or mapping-like object.

    Returns:
      A new plain ``dict``.

    Raises:
      TypeError: ``mapping`` is not a mapping.

    Examples:
      >>> to_dict(Config(a=dict(b=[dict(c=1)])))
      {'a': {'b': [{'c': 1}]}}
      >>> type(to_dict(Config(a=dict(b=1)))['a'])
      <class 'dict'>
    """
    if not _is_mapping(mapping):
        raise TypeError(f"to_dict expects a mapping, got {type(mapping).__name__}")
    return {k: _plain(mapping[k]) for k in mapping.keys()}


def _plain(value: Any) -> Any:
    if isinstance(value, syntax.LazyName):
        return str(value)  # a pure-Python config's imported class: its name
    if _is_mapping(value):
        return to_dict(value)
    if type(value) in (list, tuple):
        return type(value)(_plain(v) for v in value)
    return value


def _wrap(value: Any, cls: type | None = None) -> Any:
    cls = cls or Config
    if isinstance(value, cls):
        return value
    if _is_mapping(value):
        return cls(value)
    if type(value) in (list, tuple):
        return type(value)(_wrap(v, cls) for v in value)
    return value


class Config(dict):
    """A config: a ``dict`` whose keys are also attributes, at every nesting level.

    Nested mappings (also inside lists and tuples) become ``Config`` too, so
    ``cfg.lr_config.step`` and ``cfg.param_scheduler[0].type`` work. Dict methods win over keys
    of the same name (``cfg.items`` is the method; use ``cfg['items']``), as does ``filename``.

    Examples:
      >>> cfg = Config(optimizer=dict(type='SGD', lr=0.1), schedulers=[dict(type='Step')])
      >>> cfg.optimizer.lr, cfg.schedulers[0].type
      (0.1, 'Step')
      >>> cfg.optimizer.lr = 0.2
      >>> cfg['optimizer']['lr']
      0.2
    """

    def __init__(self, *args: Any, filename: str | None = None, **kwargs: Any):
        super().__init__()
        object.__setattr__(self, "_filename", filename)
        if len(args) > 1:
            raise TypeError(f"Config takes at most one positional mapping, got {len(args)}")
        if args and not _is_mapping(args[0]):
            raise TypeError(f"Config expects a mapping, got {type(args[0]).__name__}")
        source = args[0] if args else {}
        for key in source.keys():
            self[key] = source[key]
        for key, value in kwargs.items():
            self[key] = value

    @property
    def filename(self) -> str | None:
        """The absolute path of the file the config was read from, or ``None``."""
        return self.__dict__.get("_filename")

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"config has no key {name!r} (keys: {sorted(map(str, self.keys()))})"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, _wrap(value, type(self)))

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def copy(self) -> Config:
        """A shallow copy that is still a ``Config`` (keeps ``filename``)."""
        return Config(self, filename=self.filename)

    def __repr__(self) -> str:
        return f"Config({dict.__repr__(self)})"

    @classmethod
    def fromfile(cls, path: str | os.PathLike, *, import_custom_modules: bool = True) -> Config:
        """Reads a Python config file with its ``_base_`` files and ``custom_imports``.

        The file is executed; its top-level names that do not start with ``_`` and are not
        modules, functions or classes become keys. ``_base_`` (a path or a list of paths,
        relative to the file's directory) names files merged first, in order; two bases may not
        define the same top-level key. The file is then merged into them: dicts merge key by
        key, recursively; a dict with ``_delete_=True`` replaces the base value instead; any
        other value replaces the base value.

        ``_delete_=True`` on a key the bases lack is an error inside the sections jaxoptim
        reads (``SECTIONS``: mmcv silently kept ``_delete_`` in the dict, which then reached the
        optimizer's constructor as a keyword); elsewhere (a model or dataset key) it warns, as
        mmengine at most does. ``_delete_`` never survives a merge.

        ``custom_imports=dict(imports=[...], allow_failed_imports=False)`` imports each module
        (so its ``@OPTIMIZERS.register_module()`` decorators run) after merging. Extension of
        mmcv: during these imports the directories of the config file and of its bases are put
        at the front of ``sys.path``, so a module sitting next to a config imports by its name.
        The key stays in the config.

        Args:
          path: the config file: ``.py`` (also mmengine's pure-Python form), ``.json``,
            ``.yaml`` or ``.yml``; see :mod:`jaxoptim.config_syntax` for ``{{_base_.x}}``,
            ``_base_.x`` and package-scoped bases (``'mmdet::...'``).
          import_custom_modules: import ``custom_imports`` (``False`` keeps the key only, as
            the keyword of mmcv's / mmengine's ``fromfile``).

        Returns:
          The merged config, with ``filename`` set to the file's absolute path.

        Raises:
          FileNotFoundError: the file (or a base file) does not exist.
          SyntaxError: the file is not valid Python (the message names the file).
          KeyError: two bases define the same key, or ``_delete_`` is set on a key the bases
            lack.
          TypeError: a dict is merged onto a non-dict base value, or ``custom_imports`` is
            malformed.
          ImportError: a custom import failed and ``allow_failed_imports`` is false.
        """
        filename = os.path.abspath(os.path.expanduser(os.fspath(path)))
        merged, files = _load(filename, ())
        cfg = cls(merged, filename=filename)
        if import_custom_modules and "custom_imports" in cfg:
            dirs = list(dict.fromkeys(os.path.dirname(f) for f in files))
            _import_custom_modules(cfg["custom_imports"], dirs)
        return cfg

    def merge_from_dict(self, options: Mapping[str, Any]) -> None:
        """Merges ``{'a.b.c': value}`` overrides (``--cfg-options``) into this config, in place.

        Dotted keys address nested dicts; a numeric part indexes a list or tuple
        (``'lr_config.step.0'``). Missing dict keys are created. A dict value merges into the
        existing dict (use ``_delete_=True`` inside it to replace instead).

        Args:
          options: dotted keys and their values.

        Raises:
          KeyError: a list index is out of range (the message names the key).
          TypeError: a key descends into a value that is neither a dict nor a list.

        Examples:
          >>> cfg = Config(optimizer=dict(lr=0.02), lr_config=dict(step=[8, 11]))
          >>> cfg.merge_from_dict({'optimizer.lr': 0.1, 'lr_config.step.0': 5})
          >>> cfg.optimizer.lr, cfg.lr_config.step
          (0.1, [5, 11])
        """
        nested: dict[str, Any] = {}
        for dotted, value in options.items():
            node = nested
            *parents, leaf = str(dotted).split(".")
            for part in parents:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise TypeError(f"`{dotted}`: `{part}` is set both as a value and a parent")
            node[leaf] = value
        merged = _merge(nested, to_dict(self), "", allow_list_keys=True)
        dict.clear(self)
        for key, value in merged.items():
            self[key] = value

    def pretty_text(self) -> str:
        """This config as Python source that :meth:`fromfile` reads back to an equal config.

        Raises:
          TypeError: a value has no Python-literal form (the message names its key).
        """
        lines = [f"{key} = {_render(value, 0, str(key))}" for key, value in self.items()]
        return "\n".join(lines) + "\n"

    def dump(self, path: str | os.PathLike) -> None:
        """Writes :meth:`pretty_text` to ``path`` (a ``.py`` file), creating its directory."""
        text = self.pretty_text()
        path = os.fspath(path)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


class _MergingConfig(Config):
    """The values a pure-Python config imports from its bases: ``update`` merges nested dicts
    and ``merge`` applies mmcv's merge (with ``_delete_``), as mmengine's ``ConfigDict`` does."""

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            if key in self and _is_mapping(self[key]) and _is_mapping(value):
                self[key].update(value)
            else:
                self[key] = value

    def merge(self, other: Mapping[str, Any]) -> None:
        merged = _merge(to_dict(other), to_dict(self), "", allow_list_keys=False)
        dict.clear(self)
        for key, value in merged.items():
            self[key] = value


def parse_cfg_options(options: Iterable[str]) -> dict[str, Any]:
    """Parses ``['a.b=1', 'c=[1,2]', 'd=dynamic']`` into ``{'a.b': 1, 'c': [1, 2], ...}``.

    Values are read with ``ast.literal_eval``; what is not a Python literal stays a string.
    A later item overrides an earlier one with the same key.

    Raises:
      ValueError: an item has no ``=`` or an empty key (the message names the item).

    Examples:
      >>> parse_cfg_options(['optimizer.lr=0.1', 'fp16.loss_scale=dynamic', 'x=(1, 2)'])
      {'optimizer.lr': 0.1, 'fp16.loss_scale': 'dynamic', 'x': (1, 2)}
    """
    parsed: dict[str, Any] = {}
    for item in options:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"config option {item!r} must look like key=value")
        try:
            parsed[key] = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            parsed[key] = text.strip()
    return parsed


def import_custom_modules(custom_imports: Any, search_dirs: Iterable[str] = ()) -> list[Any]:
    """Imports the modules named by a ``custom_imports`` dict.

    Args:
      custom_imports: ``dict(imports=[...] | 'pkg.mod', allow_failed_imports=False)``.
      search_dirs: directories put at the front of ``sys.path`` during the imports.

    Returns:
      The imported modules, ``None`` for each one that failed when failures are allowed.

    Raises:
      TypeError: ``custom_imports`` is not a dict, or ``imports`` is not a str or a list of str.
      ImportError: an import failed and ``allow_failed_imports`` is false.
    """
    if not _is_mapping(custom_imports):
        raise TypeError(
            f"`custom_imports` must be a dict(imports=[...]), got {type(custom_imports).__name__}"
        )
    unknown = sorted(set(custom_imports.keys()) - {"imports", "allow_failed_imports"})
    if unknown:
        raise TypeError(f"`custom_imports` got unknown key(s) {unknown}")
    imports = custom_imports.get("imports", [])
    allow_failed = custom_imports.get("allow_failed_imports", False)
    if isinstance(imports, str):
        imports = [imports]
    if not isinstance(imports, (list, tuple)):
        raise TypeError(
            f"`custom_imports.imports` must be a str or a list of str, got {type(imports).__name__}"
        )
    for name in imports:
        if not isinstance(name, str):
            raise TypeError(
                f"`custom_imports.imports` entries must be str, got {type(name).__name__}: {name!r}"
            )
    modules = []
    with _front_of_sys_path(list(search_dirs)):
        for name in imports:
            _refuse_shadowed_module(name, search_dirs)
            try:
                modules.append(importlib.import_module(name))
            except ImportError:
                if not allow_failed:
                    raise
                warnings.warn(
                    f"custom_imports: failed to import {name!r}", UserWarning, stacklevel=2
                )
                modules.append(None)
    return modules


_import_custom_modules = import_custom_modules  # `fromfile`'s keyword shadows the name


def _refuse_shadowed_module(name: str, search_dirs: Iterable[str]) -> None:
    """Raises when ``name`` is already imported from elsewhere than the config's own file.

    Modules next to config files import under their plain names: two config directories with
    a ``my_optimizer.py`` each would otherwise silently share the first one imported.
    """
    module = sys.modules.get(name)
    loaded = getattr(module, "__file__", None)
    if module is None or loaded is None:
        return
    for directory in search_dirs:
        path = os.path.join(directory, *name.split("."))
        for candidate in (path + ".py", os.path.join(path, "__init__.py")):
            if os.path.isfile(candidate) and os.path.realpath(candidate) != os.path.realpath(
                loaded
            ):
                raise ImportError(
                    f"custom_imports: {name!r} is already imported from {loaded}, so this "
                    f"config's {candidate} would be silently ignored; give one of the two "
                    "modules another name"
                )


@contextlib.contextmanager
def _front_of_sys_path(dirs: list[str]):
    saved = list(sys.path)
    sys.path[:0] = dirs
    try:
        yield
    finally:
        sys.path[:] = saved


def _public(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of an executed file: names not starting with ``_`` that are not modules,
    functions or classes."""
    values = {}
    for key, value in namespace.items():
        if key.startswith("_") or isinstance(value, (types.ModuleType, types.FunctionType, type)):
            continue
        values[key] = value
    return values


def _load(
    filename: str, chain: tuple[str, ...], pure: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """Loads a file merged onto its bases; returns the dict and every file read, child first.

    ``pure``: the file is a base of a pure-Python config (read as one, as mmengine does).
    """
    if filename in chain:
        raise ValueError(f"config files inherit in a cycle: {' -> '.join(chain + (filename,))}")
    if not os.path.isfile(filename):
        raise FileNotFoundError(f"config file {filename!r} does not exist")
    if filename.endswith((".json", ".yaml", ".yml")):
        values = syntax.read_data_file(filename)
        bases = values.pop(_BASE_KEY, [])
        bases = [bases] if isinstance(bases, str) else bases
        if not isinstance(bases, list) or not all(isinstance(b, str) for b in bases):
            raise TypeError(f"`_base_` in {filename!r} must be a str or a list of str")
        merged, files = _load_bases(bases, filename, chain)
        return _merge(values, merged, "", allow_list_keys=False), files
    if not filename.endswith(".py"):
        raise ValueError(
            f"config file {filename!r} must be a Python (.py), .json, .yaml or .yml file"
        )
    with open(filename, encoding="utf-8") as f:
        source, names = syntax.substitute_placeholders(f.read())
    tree = ast.parse(source, filename)  # a SyntaxError carries the file name and line
    if pure or syntax.is_pure_python(tree):
        return _load_pure_python(filename, tree, chain, is_base=pure)
    merged, files = _load_bases(syntax.base_list(tree, filename), filename, chain)
    base_view = Config(merged)  # mmengine's `_base_.x`; assignments through it reach the bases
    namespace: dict[str, Any] = {
        "__file__": filename,
        "__name__": "__jaxoptim_config__",
        _BASE_KEY: base_view,
    }
    exec(compile(syntax.without_base_assignment(tree), filename, "exec"), namespace)
    merged = to_dict(base_view)
    values = syntax.fill_placeholders(_plain(_public(namespace)), names, merged, "")
    return _merge(values, merged, "", allow_list_keys=False), files


def _load_bases(
    bases: list[str], filename: str, chain: tuple[str, ...]
) -> tuple[dict[str, Any], list[str]]:
    """The bases of ``filename`` merged in order (no key in two of them); the files read."""
    merged: dict[str, Any] = {}
    owner: dict[str, str] = {}
    files = [filename]
    here = os.path.dirname(filename)
    for base in bases:
        base_file = syntax.resolve_base(base, here, filename)
        base_values, base_files = _load(base_file, chain + (filename,))
        for key in base_values:
            if key in owner:
                raise KeyError(
                    f"key `{key}` is defined by two base configs of {filename!r}: "
                    f"{owner[key]!r} and {base_file!r}"
                )
            owner[key] = base_file
        merged.update(base_values)
        files.extend(base_files)
    return merged, files


def _load_pure_python(
    filename: str, tree: ast.Module, chain: tuple[str, ...], is_base: bool
) -> tuple[dict[str, Any], list[str]]:
    """An mmengine pure-Python config: its namespace after execution is the config.

    A base keeps the names it imports (``import *`` passes them on, as in mmengine); the file
    read drops every top-level name bound to an import.
    """
    bases, lazy, tree = syntax.pure_python_parts(tree, filename)
    namespace: dict[str, Any] = {"__file__": filename, "__name__": "__jaxoptim_config__"}
    files = [filename]
    for path, names in bases:
        values, base_files = _load(path, chain + (filename,), pure=True)
        files.extend(base_files)
        if names is None:
            names = [(k, k) for k in values]
        for name, alias in names:
            if name not in values:
                raise ImportError(f"config {filename!r} imports `{name}` from {path!r}: not there")
            namespace[alias] = _wrap(values[name], _MergingConfig)
    namespace.update(lazy)
    exec(compile(tree, filename, "exec"), namespace)
    values = _public(namespace)
    if is_base:  # keeps the imported names as such, for the file that reads this one
        return values, files
    return _plain({k: v for k, v in values.items() if not isinstance(v, syntax.LazyName)}), files


def _merge(child: Mapping[str, Any], base: Any, where: str, *, allow_list_keys: bool) -> Any:
    """mmcv's ``_merge_a_into_b``, returning a new value and leaving both inputs unchanged."""
    if allow_list_keys and type(base) in (list, tuple):
        items = list(base)
        for key, value in child.items():
            if not (isinstance(key, str) and key.isdigit()):
                raise TypeError(f"`{where}{key}`: `{where[:-1]}` is a list; index it by number")
            index = int(key)
            if index >= len(items):
                raise KeyError(
                    f"`{where}{key}`: index {index} is out of range for a list of {len(items)}"
                )
            items[index] = _merge_value(value, items[index], f"{where}{key}", allow_list_keys)
        return type(base)(items)
    out = dict(base)
    for key, value in child.items():
        out[key] = _merge_value(value, out.get(key, _MISSING), f"{where}{key}", allow_list_keys)
    return out


def _merge_value(value: Any, base: Any, where: str, allow_list_keys: bool) -> Any:
    if type(value) in (list, tuple):
        return type(value)(
            _merge_value(v, _MISSING, f"{where}.{i}", allow_list_keys) for i, v in enumerate(value)
        )
    if not _is_mapping(value):
        return value
    rest = {k: value[k] for k in value.keys() if k != _DELETE_KEY}
    delete = value[_DELETE_KEY] if _DELETE_KEY in value.keys() else False
    if delete and base is _MISSING and where.split(".")[0] not in SECTIONS:
        warnings.warn(
            f"`{where}` sets `_delete_=True` but the base config has no `{where}`; "
            "nothing to delete (mmengine ignores it too)",
            UserWarning,
            stacklevel=2,
        )
    elif delete and base is _MISSING:
        raise KeyError(
            f"`{where}` sets `_delete_=True` but the base config has no `{where}` to delete; "
            "remove `_delete_` (or fix the key's name)"
        )
    if delete or base is _MISSING:
        return _merge(rest, {}, f"{where}.", allow_list_keys=allow_list_keys)
    if _is_mapping(base) or (allow_list_keys and type(base) in (list, tuple)):
        return _merge(rest, base, f"{where}.", allow_list_keys=allow_list_keys)
    raise TypeError(
        f"`{where}` is a dict in the child config but a {type(base).__name__} ({base!r}) in the "
        f"base config; set `_delete_=True` in `{where}` to replace the base value"
    )


_SIMPLE = (str, bytes, bool, int, type(None))


def _render(value: Any, indent: int, where: str) -> str:
    """Python source for ``value``: one line when short, else one item per line."""
    flat = _render_flat(value, where)
    if len(flat) + indent <= 80 or not isinstance(value, (Mapping, list, tuple)) or not value:
        return flat
    pad = " " * (indent + 4)
    if _is_mapping(value):
        if all(_is_identifier(k) for k in value):
            items = [
                f"{pad}{k}={_render(v, indent + 4, f'{where}.{k}')}," for k, v in value.items()
            ]
            return "dict(\n" + "\n".join(items) + "\n" + " " * indent + ")"
        items = [f"{pad}{k!r}: {_render(v, indent + 4, f'{where}.{k}')}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{_render(v, indent + 4, f'{where}.{i}')}," for i, v in enumerate(value)]
    open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
    return open_ + "\n" + "\n".join(items) + "\n" + " " * indent + close


def _render_flat(value: Any, where: str) -> str:
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    if isinstance(value, _SIMPLE):
        return repr(value)
    if _is_mapping(value):
        if all(_is_identifier(k) for k in value.keys()):
            inner = ", ".join(f"{k}={_render_flat(value[k], f'{where}.{k}')}" for k in value.keys())
            return f"dict({inner})"
        inner = ", ".join(f"{k!r}: {_render_flat(value[k], f'{where}.{k}')}" for k in value.keys())
        return "{" + inner + "}"
    if type(value) is list:
        return "[" + ", ".join(_render_flat(v, f"{where}.{i}") for i, v in enumerate(value)) + "]"
    if type(value) is tuple:
        inner = ", ".join(_render_flat(v, f"{where}.{i}") for i, v in enumerate(value))
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    raise TypeError(
        f"config value `{where}` ({type(value).__name__}: {value!r}) has no Python-literal form"
    )


def _is_identifier(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)
