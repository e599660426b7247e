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
# Language hosts of the other languages our component package serves (Node.js: same release as the engine).
YAML_VERSION=1.38.1
LANGHOST_NODEJS_ARCHIVE="pulumi-language-nodejs-${PULUMI_VERSION}-src.tar.gz"
LANGHOST_NODEJS_SHA256=34d030232ce9b41f8eee155a8a877f8893427ce594081900d309ee06b0e3470a
YAML_ARCHIVE="pulumi-yaml-${YAML_VERSION}-src.tar.gz"
YAML_SHA256=26fc7ad2a1ac3f924bdab3869a385b7d6f4fc94b023d2033203f4c51019ece79
# pulumi-docker's Python SDK, for the unit test that builds its Provider from a Machine under mocks.
# Kept out of the venv: a provider SDK there makes Pulumi look for its plugin whenever the venv
# serves our component package.
PULUMI_DOCKER_SDK_VERSION=5.2.0
