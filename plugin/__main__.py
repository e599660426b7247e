"""The docker-machine component package (pulumi-docker-machine), served from the virtualenv
that PulumiPlugin.yaml names."""

import sys

from pulumi_docker_machine.polyglot.host import serve

serve(sys.argv[1:])
