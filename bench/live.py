"""A real `painpath serve` process and signed-in HTTP clients, for benchmarks and tests that need them.

The server runs as its own process (`python -m painpath.cli serve`, the embedded worker included), as a
clinic runs it, on a free loopback port, configured only through PAINPATH_* environment variables. It can
be stopped politely or killed with SIGKILL (tests/web/test_kill_durability.py), and started again on the
same database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    """`painpath serve` against database_url; start() waits until /healthz answers and every web process has started."""

    database_url: str
    workdir: Path
    port: int = field(default_factory=free_port)
    workers: int = 1  # `serve --workers`: above 1, no background consumer runs inside the web processes
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "PAINPATH_DATABASE_URL": self.database_url,
            "PAINPATH_QUEUE_URL": f"sqlite:///{self.workdir / 'queue.sqlite3'}",
            "PAINPATH_SECRET_KEY": SECRET,
            "PAINPATH_DEMO_MODE": "0",
            # Plain http on loopback: a Secure cookie would never come back, so the clients could not sign in.
            "PAINPATH_COOKIE_SECURE": "0",
        })
        return env

    def start(self, *, timeout: float = 60.0) -> "ServerProcess":
        log = open(self.workdir / f"serve-{self.port}.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "painpath.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir,
        )
        log.close()
        deadline = time.monotonic() + timeout
        # One client for the whole wait: a new one per try loads the certificate store again each tenth of a
        # second (plain http on loopback needs none), taking CPU from the server that is starting.
        with httpx.Client(timeout=2, verify=False) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"painpath serve exited with {self.process.returncode}: {self.log_tail()}")
                try:
                    answered = http.get(f"{self.base_url}/healthz").status_code == 200
                    if answered and self.started_processes() >= self.workers:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"painpath serve did not answer within {timeout:.0f} s: {self.log_tail()}")

    def started_processes(self) -> int:
        """Web processes that finished starting, as uvicorn logs them (one line per process)."""
        return self.log_tail(10**8).count("Application startup complete")

    def log_tail(self, chars: int = 3000) -> str:
        path = self.workdir / f"serve-{self.port}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flush; what was committed must survive anyway."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def signed_in_client(base_url: str, username: str, password: str, *, timeout: float = 30.0) -> httpx.Client:
    """An HTTP client signed in through the real login form, sending the CSRF header API writes need."""
    client = httpx.Client(base_url=base_url, timeout=timeout)
    client.get("/login").raise_for_status()
    token = client.cookies.get("painpath_login_csrf")
    answer = client.post("/login", data={"username": username, "password": password, "login_csrf": token, "next": "/"})
    if answer.status_code != 303:
        client.close()
        raise RuntimeError(f"sign-in as {username} answered {answer.status_code}")
    me = client.get("/api/me")
    me.raise_for_status()
    client.headers["x-csrf-token"] = me.json()["csrf_token"]
    return client
