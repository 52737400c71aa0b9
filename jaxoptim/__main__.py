"""``python -m jaxoptim``: the same as the ``jaxoptim`` command."""

from jaxoptim.cli import main

raise SystemExit(main())
