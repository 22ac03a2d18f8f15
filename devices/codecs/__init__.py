"""Sans-IO device protocol codecs: bytes in, events out; no I/O, time injected."""
