"""The README's Python example runs as written."""

import re
import shutil
from pathlib import Path

import jax
import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(capsys):
    text = README.read_text()
    section = text[text.index("## Using it in your own JAX code") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shutil.rmtree("/tmp/jaxoptim_readme", ignore_errors=True)
    try:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme_example"})
    finally:
        shutil.rmtree("/tmp/jaxoptim_readme", ignore_errors=True)
    out = capsys.readouterr().out
    assert "custom_keys['head']" in out and "norm_decay_mult" in out


def test_readme_mmengine_example_builds():
    text = README.read_text()
    section = text[text.index("and mmengine's form of a config") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    import jax.numpy as jnp

    import jaxoptim

    params = {"conv": {"kernel": jnp.ones((3, 3, 1, 4))}, "bn": {"scale": jnp.ones(4)}}
    kinds = {"conv": {"kernel": None}, "bn": {"scale": "norm"}}
    scope = {"jaxoptim": jaxoptim, "kinds": kinds}
    exec(compile(code, "README.md", "exec"), scope)
    tx = scope["tx"]
    assert tx.info.precision == "bfloat16"
    state = tx.init(params)
    updates, _ = tx.update(jax.tree_util.tree_map(jnp.ones_like, params), state, params)
    assert all(bool(jnp.isfinite(u).all()) for u in jax.tree_util.tree_leaves(updates))


def _recipes() -> list[tuple[str, str]]:
    text = README.read_text()
    section = text[text.index("## Recipes") :]
    section = section[: section.index("\n## ", 1)]
    titles = re.findall(r"^### (.+)$", section, re.M)
    blocks = [
        re.search(r"```python\n(.*?)```", part, re.S)
        for part in re.split(r"^### .+$", section, flags=re.M)[1:]
    ]
    assert len(titles) == len(blocks) >= 6 and all(blocks)
    return [(t, b.group(1)) for t, b in zip(titles, blocks)]


@pytest.mark.parametrize("title,code", _recipes(), ids=[t for t, _ in _recipes()])
def test_readme_recipe_runs(title, code, capsys):
    import warnings

    shutil.rmtree("/tmp/jaxoptim_recipe", ignore_errors=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # a recipe must not warn
            exec(compile(code, f"README.md ({title})", "exec"), {"__name__": "readme_recipe"})
    finally:
        shutil.rmtree("/tmp/jaxoptim_recipe", ignore_errors=True)
    out = capsys.readouterr().out
    numbers = [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", out)]
    assert numbers and all(np.isfinite(numbers)), out
