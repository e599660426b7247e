"""Entry point: `python -m pdm_sandbox ...` (the same as `pdm-sandbox ...`)."""

from .cli import main

raise SystemExit(main())
