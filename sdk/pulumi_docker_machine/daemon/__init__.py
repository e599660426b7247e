"""Render the daemon's files from a DaemonSpec: daemon.json and the systemd drop-in (pure)."""
