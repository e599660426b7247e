"""Pulumi resources: dynamic.Resource subclasses with typed args and declared outputs, no logic."""
