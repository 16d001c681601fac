"""Start the dashboard server on this machine and stop it: for the browser test and benchmark.

:func:`local_server` runs ``python -m peacesim dashboard`` on a free port of 127.0.0.1 in its
own process group, waits until the page answers, yields its address and stops the server
(terminate, then kill) however the block ends.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

HOST = "127.0.0.1"


def free_port() -> int:
    """A port nobody listens on, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class ServerError(RuntimeError):
    """The dashboard server exited or did not answer in time (the message holds its log)."""


@contextmanager
def local_server(args: list[str], log, timeout: float = 180.0) -> Iterator[str]:
    """Run the dashboard with ``args`` (after ``dashboard --port N``) while the block runs.

    Args:
        args: Further arguments, e.g. ``["+scenario=central_mali", "population.size=5000"]``.
        log: An open text file for the server's output.
        timeout: Seconds to wait for the page (a fresh machine compiles the kernels first).

    Yields:
        The page's address, ``http://127.0.0.1:<port>/``.

    Raises:
        ServerError: The server exited before answering, or did not answer within
            ``timeout`` seconds.
    """
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "peacesim", "dashboard", "--port", str(port),
                             *args], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://{HOST}:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise ServerError(f"the dashboard server exited with status {proc.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"the dashboard server did not answer within {timeout:g} s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
