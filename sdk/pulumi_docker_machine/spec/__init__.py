"""Typed, frozen input specs: one per resource kind, read from the engine's input dicts and validated."""
