"""Shared pytest configuration: tiers are chosen with markers (-m unit / -m e2e)."""

pytest_plugins = ["pulumi_docker_machine.sandbox.pytest_fixtures"]
