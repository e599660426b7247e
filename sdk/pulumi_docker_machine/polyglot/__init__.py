"""The `docker-machine` component package: Machine, SwarmCluster, the certificates and DaemonConfig for
Pulumi programs in every language, served by this package's own Python code (docs/reference.md,
"Other languages")."""
