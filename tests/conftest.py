"""Shared pytest configuration: tiers are chosen with markers (-m unit / -m e2e)."""

pytest_plugins = ["pdm_sandbox.pytest_fixtures", "pytester"]
