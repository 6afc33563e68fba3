"""Network helpers of the tests."""

import socket
import subprocess


def free_port() -> int:
    """A loopback port nothing listens on (the system's choice of a free one, let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Ask a server the test started to stop (SIGTERM); kill it if it has not within
    `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
