"""Where things live on a host: Docker Machine's layout for the daemon, and our own state directory."""

CA_CERT = "/etc/docker/ca.pem"
SERVER_CERT = "/etc/docker/server.pem"
SERVER_KEY = "/etc/docker/server-key.pem"
DAEMON_JSON = "/etc/docker/daemon.json"
DOCKER_DIR = "/etc/docker"
DROPIN_DIR = "/etc/systemd/system/docker.service.d"
DROPIN = f"{DROPIN_DIR}/10-pulumi-docker-machine.conf"

MANAGED = (CA_CERT, SERVER_CERT, SERVER_KEY, DAEMON_JSON, DROPIN)
"""The files a DockerHost writes and compares with the host."""

STATE_DIR = "/var/lib/pulumi-docker-machine"
"""Ours alone: the recorded original, the lock, transactions and their last status."""
LOCK = f"{STATE_DIR}/lock"
LOCK_OWNER = f"{STATE_DIR}/lock.owner"
ORIGINAL_DIR = f"{STATE_DIR}/original"
TXN_DIR = f"{STATE_DIR}/txn"
LAST_STATUS = f"{STATE_DIR}/last-status"
RECOVER_SCRIPT = f"{STATE_DIR}/recover.sh"
RECOVER_UNIT = "/etc/systemd/system/pulumi-docker-machine-recover.service"
RECOVER_LINK = "/etc/systemd/system/multi-user.target.wants/pulumi-docker-machine-recover.service"
