"""``python -m jaxoptim``: the same as the ``jaxoptim`` command."""

from jaxoptim.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
