# Environment for running Pulumi offline with the project's own toolchain.
# Sourced by scripts/bootstrap, the README commands and .ci/run; the e2e tests
# inherit it from the shell that runs pytest.
_pdm_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/versions.sh
. "$_pdm_root/scripts/versions.sh"
export PDM_ROOT="$_pdm_root"
export PDM_CACHE="${PDM_CACHE:-$HOME/.cache/pulumi-docker-machine}"
# The built toolchain; set PDM_PULUMI_BIN to use an official release of the same version instead.
export PDM_PULUMI_BIN="${PDM_PULUMI_BIN:-$PDM_CACHE/pulumi-v${PULUMI_VERSION}/bin}"
export PDM_VENV="${PDM_VENV:-$_pdm_root/.venv}"
export PDM_PULUMI_DOCKER_SDK="$PDM_CACHE/pulumi-docker-sdk-${PULUMI_DOCKER_SDK_VERSION}"
export PULUMI_HOME="${PULUMI_HOME:-$PDM_CACHE/pulumi-home}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-pulumi-docker-machine-local}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PDM_CACHE/state}"
export PATH="$PDM_PULUMI_BIN:$PDM_VENV/bin:$PATH"
unset _pdm_root
