"""Device gateway: bytes from diagnostic devices to vendor-neutral result records, exactly once."""
