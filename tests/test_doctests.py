"""The Examples blocks in the library's docstrings run and print what they say."""

import doctest
import importlib
import pkgutil

import pytest

import jaxoptim

MODULES = sorted(
    name
    for _, name, _ in pkgutil.iter_modules(jaxoptim.__path__, "jaxoptim.")
    if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
