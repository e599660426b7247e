"""Dynamic resource providers: one thin ResourceProvider per resource, stateless and picklable."""
