"""The only place that talks to hosts: SSH connections, commands and read-only probes."""
