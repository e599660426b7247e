# Pinned versions shared by the build, the venv and the tests. The Python
# package `pulumi` in pyproject.toml is pinned to PULUMI_VERSION.
PULUMI_VERSION=3.260.0
# sdk/v3 release whose module still carries the Go Python language host.
LANGHOST_SDK_VERSION=3.79.0
