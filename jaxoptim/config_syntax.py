"""Reading one config file: the syntaxes of mmcv 1.x and mmengine besides plain assignments.

* ``{{_base_.a.b}}`` (mmcv 1.x and mmengine): replaced in the text, before execution, by a
  placeholder string; after execution a value equal to the placeholder becomes the base's value.
  Inside a longer string literal the placeholder stays a string, as in both libraries.
* ``_base_.a.b`` (mmengine): the file runs with ``_base_`` bound to its merged bases (attribute
  access; assigning through it changes the bases, as in mmengine), its ``_base_ = [...]``
  statement removed.
* ``.json`` / ``.yaml`` files (mmcv 1.x and mmengine read them too).
* mmengine's pure-Python configs (``with read_base(): from .._base_.x import *``): the bases'
  variables are put into the file's namespace and the namespace after execution is the config
  (mmengine merges nothing there). Other imports (``from torch.optim import AdamW``) are not
  executed: each name becomes a :class:`LazyName`, a ``str`` equal to the imported name, so
  ``type=AdamW`` reads as ``type='AdamW'`` without torch or mmengine installed.
* package-scoped bases (``'mmdet::_base_/x.py'``, ``from mmdet.configs.x import *``) resolve in
  the installed package (its ``.mim/configs`` or ``configs``); an uninstalled package raises.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import uuid
from typing import Any

BASE_KEY = "_base_"
_BASE_VAR = re.compile(r"\{\{\s*" + BASE_KEY + r"\.([\w\.]+)\s*\}\}")


class LazyName(str):
    """An import a pure-Python config names but jaxoptim does not execute: ``str`` of its name.

    ``module`` is where it was imported from. An attribute reads as another lazy name
    (``torch.optim.AdamW`` gives ``'AdamW'``).
    """

    module: str

    def __new__(cls, name: str, module: str) -> LazyName:
        obj = super().__new__(cls, name)
        obj.module = module
        return obj

    def __getattr__(self, name: str) -> LazyName:
        if name.startswith("__"):
            raise AttributeError(name)
        return LazyName(name, f"{self.module}.{str(self)}")


def package_path(package: str, relative: str, where: str) -> str:
    """The file ``relative`` in the configs of the installed ``package``.

    Raises:
      ModuleNotFoundError: ``package`` is not installed (the message names it and the file).
    """
    spec = importlib.util.find_spec(package) if package.isidentifier() else None
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"config {where!r} inherits {package}::{relative}, but the package {package!r} is "
            f"not installed; install {package} (its configs are read from it)"
        )
    root = list(spec.submodule_search_locations)[0]
    for candidate in (
        os.path.join(root, ".mim", "configs", relative),
        os.path.join(root, "configs", relative),
        os.path.join(root, relative),
    ):
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(f"config {where!r}: {package}::{relative} is not in {root}")


def resolve_base(base: str, here: str, where: str) -> str:
    """The absolute path of one ``_base_`` entry of the file ``where`` (in directory ``here``)."""
    if "::" in base:
        package, relative = base.split("::", 1)
        return package_path(package, relative, where)
    return os.path.abspath(os.path.join(here, os.path.expanduser(base)))


def read_data_file(filename: str) -> dict[str, Any]:
    """A ``.json`` / ``.yaml`` / ``.yml`` config file's mapping."""
    with open(filename, encoding="utf-8") as f:
        if filename.endswith(".json"):
            data = json.load(f)
        else:
            try:
                import yaml
            except ImportError as e:
                raise ImportError(
                    f"config file {filename!r} is YAML: install PyYAML (pip install pyyaml)"
                ) from e
            data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise TypeError(f"config file {filename!r} must hold a mapping, got {type(data).__name__}")
    return data


def substitute_placeholders(source: str) -> tuple[str, dict[str, str]]:
    """Replaces every ``{{_base_.a.b}}`` by a quoted placeholder; returns the text and the map."""
    names: dict[str, str] = {}
    token = uuid.uuid4().hex[:8]

    def repl(match: re.Match) -> str:
        placeholder = f"_{match.group(1)}_{token}"
        names[placeholder] = match.group(1)
        return f'"{placeholder}"'

    return _BASE_VAR.sub(repl, source), names


def fill_placeholders(value: Any, names: dict[str, str], bases: dict[str, Any], where: str) -> Any:
    """Replaces each placeholder string in ``value`` (at any depth) by the base's value."""
    if not names:
        return value
    if isinstance(value, str) and value in names:
        node: Any = bases
        for part in names[value].split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(
                    f"`{where}` refers to {{{{_base_.{names[value]}}}}}, but the base configs "
                    f"have no `{names[value]}`"
                )
            node = node[part]
        return node
    if isinstance(value, dict):
        return {k: fill_placeholders(v, names, bases, f"{where}.{k}") for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(
            fill_placeholders(v, names, bases, f"{where}.{i}") for i, v in enumerate(value)
        )
    return value


def base_list(tree: ast.Module, filename: str) -> list[str]:
    """The ``_base_ = ...`` entries of a parsed file (a literal str or list of str)."""
    bases: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == BASE_KEY for t in node.targets
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                raise TypeError(
                    f"`_base_` in {filename!r} must be a literal str or list of str"
                ) from None
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, (list, tuple)) or not all(isinstance(b, str) for b in value):
                raise TypeError(
                    f"`_base_` in {filename!r} must be a str or a list of str, got {value!r}"
                )
            bases = list(value)
    return bases


def without_base_assignment(tree: ast.Module) -> ast.Module:
    """The module without its ``_base_ = ...`` statements (``_base_`` is bound to the bases)."""
    tree.body = [
        node
        for node in tree.body
        if not (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == BASE_KEY for t in node.targets)
        )
    ]
    return tree


def is_pure_python(tree: ast.Module) -> bool:
    """Whether the file uses mmengine's ``with read_base():`` inheritance."""
    return any(isinstance(node, ast.With) and _is_read_base(node) for node in tree.body)


def _is_read_base(node: ast.With) -> bool:
    return any(
        isinstance(item.context_expr, ast.Call)
        and getattr(item.context_expr.func, "id", getattr(item.context_expr.func, "attr", None))
        == "read_base"
        for item in node.items
    )


def pure_python_parts(tree: ast.Module, filename: str):
    """Splits a pure-Python config into its base imports, lazy imports and remaining code.

    Returns:
      ``(bases, lazy, tree)``: ``bases`` lists ``(path, names or None for *)`` in order,
      ``lazy`` maps each other imported name to its :class:`LazyName`, ``tree`` is the module
      without the import statements.
    """
    here = os.path.dirname(filename)
    bases: list[tuple[str, list[tuple[str, str]] | None]] = []
    lazy: dict[str, LazyName] = {}
    body = []
    for node in tree.body:
        if isinstance(node, ast.With) and _is_read_base(node):
            for stmt in node.body:
                if not isinstance(stmt, ast.ImportFrom):
                    raise SyntaxError(
                        f"{filename}:{stmt.lineno}: only `from ... import ...` may appear "
                        "inside `with read_base():`"
                    )
                bases.append((_base_module_path(stmt, here, filename), _imported(stmt)))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if alias.asname:
                    lazy[alias.asname] = LazyName(alias.name.split(".")[-1], alias.name)
                else:
                    lazy[top] = LazyName(top, top)
        elif isinstance(node, ast.ImportFrom):
            if any(a.name == "*" for a in node.names):
                raise SyntaxError(
                    f"{filename}:{node.lineno}: `from {node.module} import *` outside "
                    "`with read_base():` cannot be read lazily; import the names"
                )
            for alias in node.names:
                lazy[alias.asname or alias.name] = LazyName(alias.name, node.module or "")
        else:
            body.append(node)
    tree.body = body
    return bases, lazy, tree


def _imported(stmt: ast.ImportFrom) -> list[tuple[str, str]] | None:
    if any(a.name == "*" for a in stmt.names):
        return None
    return [(a.name, a.asname or a.name) for a in stmt.names]


def _base_module_path(stmt: ast.ImportFrom, here: str, filename: str) -> str:
    parts = (stmt.module or "").split(".") if stmt.module else []
    if stmt.level == 0:
        package, rest = parts[0], parts[1:]
        if rest and rest[0] == "configs":
            rest = rest[1:]
        return package_path(package, os.path.join(*rest) + ".py", filename)
    directory = here
    for _ in range(stmt.level - 1):
        directory = os.path.dirname(directory)
    path = os.path.join(directory, *parts)
    return path + ".py" if not os.path.isdir(path) else os.path.join(path, "__init__.py")
