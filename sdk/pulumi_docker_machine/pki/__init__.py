"""Pure PKI: key generation, certificate building, PEM inspection and renewal timing."""
