"""Docker Swarm from Machines: spec, observed view, quorum, plan, drift (pure) and observe/execute (I/O)."""
