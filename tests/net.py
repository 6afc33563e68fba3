"""Network helpers of the tests."""

import socket


def free_port() -> int:
    """A loopback port nothing listens on (the system's choice of a free one, let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
