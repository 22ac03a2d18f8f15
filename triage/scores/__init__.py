"""Published clinical scores, exactly as published. Pure functions; no I/O."""
