"""The README's Python example runs as written."""

import re
import shutil
from pathlib import Path

import jax

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
