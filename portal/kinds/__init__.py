"""One package per request kind; importing this registers them all with the engine."""
