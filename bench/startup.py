"""Benchmark: start-up to first response, and memory (RSS) of one web process.

    .venv/bin/python bench/startup.py [--runs 5]

Starts `zhili serve` (web server and worker) on a free port against a migrated SQLite database
in a temporary folder, times the first 200 from /healthz and from the sign-in page, warms up with
200 requests over the pages and the API, then reads VmRSS of every process in the tree from /proc.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, deadline: float) -> float:
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
                if response.status == 200:
                    return time.perf_counter()
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(url)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def describe(pid: int) -> tuple[str, int]:
    cmdline = (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()).strip()
    rss = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS")
    )
    return cmdline, rss


def run_once(env: dict[str, str]) -> tuple[float, float, list[tuple[str, int]]]:
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [PYTHON, "-m", "zhili", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        first = wait_for(f"http://127.0.0.1:{port}/healthz", started + 60) - started
        page = wait_for(f"http://127.0.0.1:{port}/accounts/login/", started + 60) - started
        for _ in range(50):
            for path in ("/healthz", "/accounts/login/", "/api/docs/", "/api/schema/"):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read()
        tree = []
        stack = [server.pid]
        while stack:
            pid = stack.pop()
            kids = children(pid)
            stack.extend(kids)
            if pid != server.pid:
                tree.append(describe(pid))
        return first, page, tree
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    home = tempfile.mkdtemp(prefix="zhili-startup-")
    env = {**os.environ, "ZHILI_VAR_DIR": home, "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    subprocess.run([PYTHON, "-m", "zhili", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
    firsts, pages, last_tree = [], [], []
    for _ in range(runs):
        first, page, last_tree = run_once(env)
        firsts.append(first)
        pages.append(page)
    print(
        f"start-up to first /healthz 200: median {statistics.median(firsts):.2f} s "
        f"(min {min(firsts):.2f}, max {max(firsts):.2f}, {runs} runs)"
    )
    print(f"start-up to first sign-in page 200: median {statistics.median(pages):.2f} s")
    print("RSS after 200 warm-up requests:")
    for cmdline, rss in sorted(last_tree, key=lambda item: item[0]):
        print(f"  {rss / 1024:7.1f} MB  {cmdline[:100]}")


if __name__ == "__main__":
    main()
