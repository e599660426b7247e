"""Where the managed files live on a host (Docker Machine's layout)."""

CA_CERT = "/etc/docker/ca.pem"
SERVER_CERT = "/etc/docker/server.pem"
SERVER_KEY = "/etc/docker/server-key.pem"
DAEMON_JSON = "/etc/docker/daemon.json"
DROPIN_DIR = "/etc/systemd/system/docker.service.d"
DROPIN = f"{DROPIN_DIR}/10-pulumi-docker-machine.conf"

MANAGED = (CA_CERT, SERVER_CERT, SERVER_KEY, DAEMON_JSON, DROPIN)
