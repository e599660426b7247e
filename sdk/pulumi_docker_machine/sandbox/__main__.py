"""Entry point: `python -m pulumi_docker_machine.sandbox ...`."""

from .cli import main

raise SystemExit(main())
