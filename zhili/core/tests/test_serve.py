"""`zhili serve` end to end: real gunicorn and huey processes on a throwaway SQLite database.

The subprocess always gets its own SQLite database, also when the suite runs on PostgreSQL:
the test database belongs to pytest-django and this test must not depend on its name or state.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest

from zhili.core.tests.test_config import REPO, clean_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads child processes from /proc"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def children_of(pid: int) -> dict[int, str]:
    """Direct children of `pid` and their command lines."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # The command name in parentheses may contain spaces; the parent pid follows it.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
    return found


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment of a migrated, empty installation in a temporary var directory."""
    var = tmp_path_factory.mktemp("var")
    env = clean_env(ZHILI_VAR_DIR=str(var), DATABASE_URL=f"sqlite:///{var / 'zhili.sqlite3'}")
    subprocess.run(
        [sys.executable, "-m", "zhili", "migrate", "--noinput"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return env


class Server:
    def __init__(self, env: dict[str, str], log: IO[bytes], *extra: str) -> None:
        self.port = free_port()
        self.db = Path(env["ZHILI_VAR_DIR"]) / "zhili.sqlite3"
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "zhili", "serve", "--port", str(self.port), *extra],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"zhili serve exited early ({self.process.returncode}):\n{self.output()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def heartbeat_seen(self) -> bool:
        with sqlite3.connect(self.db, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM core_workerheartbeat").fetchone()[0] > 0

    def children(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for pid, cmdline in children_of(self.process.pid).items():
            if "gunicorn" in cmdline:
                kinds["web"] = pid
            elif "run_huey" in cmdline:
                kinds["worker"] = pid
        return kinds

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def serve(site: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []
    logs: list[IO[bytes]] = []

    def start(*extra: str) -> Server:
        log = (tmp_path / f"serve-{len(logs)}.log").open("w+b")
        logs.append(log)
        server = Server(site, log, *extra)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    for log in logs:
        log.close()


def test_serve_runs_web_and_worker_and_stops_both_on_sigterm(serve: Callable[..., Server]) -> None:
    server = serve()
    wait_for(server.healthy, 30, "/healthz to answer 200")
    wait_for(lambda: set(server.children()) == {"web", "worker"}, 10, "the web and worker processes")
    wait_for(server.heartbeat_seen, 30, "the worker's heartbeat")
    assert f"http://127.0.0.1:{server.port}/" in server.output()
    children = server.children()

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=45) == 0, server.output()
    for name, pid in children.items():
        assert not running(pid), f"{name} process {pid} still running"


def test_serve_stops_the_web_server_when_the_worker_dies(serve: Callable[..., Server]) -> None:
    server = serve()
    wait_for(server.healthy, 30, "/healthz to answer 200")
    wait_for(lambda: set(server.children()) == {"web", "worker"}, 10, "the web and worker processes")
    children = server.children()

    os.kill(children["worker"], signal.SIGKILL)
    assert server.process.wait(timeout=45) != 0
    assert "worker process exited" in server.output()
    assert not running(children["web"])
