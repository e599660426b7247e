"""The `pulumi-docker-machine` command: Docker Machine's habits over the local machine store."""
