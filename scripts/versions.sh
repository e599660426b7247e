# Pinned versions shared by the build, the venv and the tests. One Pulumi release for the
# engine, the Python language host and the PyPI `pulumi` package (pyproject.toml pins it too;
# a unit test keeps them equal).
PULUMI_VERSION=3.259.0
# The pulumi-command plugin behind the PyPI `pulumi-command` package of the same version.
COMMAND_VERSION=1.2.1
# Upstream source archives (see docs/toolchain.md), checked before they are built.
LANGHOST_PYTHON_ARCHIVE="pulumi-language-python-${PULUMI_VERSION}-src.tar.gz"
LANGHOST_PYTHON_SHA256=c103003b9b8deeaf60603fcd3a158af3ba121b72470a0afda1961c5d9335eb3b
COMMAND_ARCHIVE="pulumi-command-${COMMAND_VERSION}-src.tar.gz"
COMMAND_SHA256=88b26e9c4e6088a8865ca5dfc116c01805265b8ce450d7de5f6f7cce7ba1c592
