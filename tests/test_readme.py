"""The README's Python example runs as written."""

import re
import shutil
from pathlib import Path

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
