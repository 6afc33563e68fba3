"""Network helpers of the tests."""

import contextlib
import errno
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def free_port() -> int:
    """A loopback port nothing listens on (the system's choice of a free one, let go), on
    IPv6 loopback too where there is one (a test may listen on both)."""
    for _ in range(20):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if _free_on_ipv6(port):
            return port
    raise RuntimeError("no loopback port free on both IPv4 and IPv6")


def _free_on_ipv6(port: int) -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", port))
    except OSError as error:
        # taken; or no IPv6 loopback at all, where nothing can listen there either
        return error.errno != errno.EADDRINUSE
    return True


def stop_process(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Ask a server the test started to stop (SIGTERM); kill it if it has not within
    `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def work_directory(prefix: str, owner: str | None = None):
    """A temporary directory for the servers a test starts, readable by every user whoever
    runs the suite (a server that drops to its own user must read its files there; pytest's
    own directory is not), owned by `owner` when given and run as root; removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if owner:
            shutil.chown(work, owner)
        work.chmod(0o755)
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
