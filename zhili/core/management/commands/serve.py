"""`zhili serve`: the web server and the background worker as one supervised unit.

This is the embedded default: one command runs the whole platform. Production runs the same two
programs as separate services instead (see README), so nothing here is needed to scale out.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from argparse import ArgumentParser
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from zhili.config import ConfigError, Env

# Children get this long to finish what they are doing (gunicorn's own graceful timeout is 30 s).
STOP_TIMEOUT = 35.0
STARTUP_TIMEOUT = 60.0
POLL = 0.2


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    # gunicorn stops gracefully on SIGTERM; the huey consumer on SIGINT (SIGTERM interrupts tasks).
    stop_signal: signal.Signals

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum: signal.Signals) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signum)


def _die_with_parent() -> None:
    """Runs in the child before exec: if the supervisor is killed outright, take the child along,
    so a `kill -9` never leaves an orphaned server holding the port."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        return


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and the background worker (huey) together until stopped."

    def add_arguments(self, parser: ArgumentParser) -> None:
        # Defaults are read in handle(), where a bad $PORT can be reported as a one-line error.
        parser.add_argument("--port", type=int, help="default: $PORT or 8000")
        parser.add_argument("--host", help="default: $HOST or 127.0.0.1")
        parser.add_argument("--no-worker", action="store_true", help="web server only; run `zhili run_huey` separately")

    def handle(self, *args: Any, **options: Any) -> None:
        env = Env()
        try:
            port: int = options["port"] or env.int("PORT", 8000, minimum=1, maximum=65535)
            host: str = (options["host"] or env.str("HOST", "127.0.0.1")).strip("[]")
            # Processes rather than threads: a request is CPU-bound Python, and threads of one
            # process contend for the GIL (docs/benchmarks.md, "Intake through the REST API").
            web_workers = env.int("ZHILI_WEB_WORKERS", 2 * (os.cpu_count() or 1), minimum=1, maximum=64)
            web_threads = env.int("ZHILI_WEB_THREADS", 1, minimum=1, maximum=64)
        except ConfigError as exc:
            raise CommandError(f"configuration error: {exc}", returncode=2) from None
        if not 1 <= port <= 65535:
            raise CommandError(f"--port must be between 1 and 65535, got {port}", returncode=2)

        self.warn_unapplied_migrations()
        # WhiteNoise serves from the finders but warns on every start while STATIC_ROOT is missing.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        # Children must not inherit the supervisor's database connection.
        connections.close_all()

        self.stop_requested: signal.Signals | None = None
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)

        child_env = self.child_environment()
        children = [
            self.start(
                "web",
                [
                    sys.executable, "-m", "gunicorn", "zhili.wsgi:application",
                    "--bind", _bind_address(host, port),
                    "--workers", str(web_workers),
                    "--worker-class", "gthread",
                    "--threads", str(web_threads),
                    "--access-logfile", "-",
                    "--graceful-timeout", "30",
                    # gunicorn's control socket sits at one path per user: a second instance
                    # (tests, a demo next to a dev server) would take it over. Nothing uses it.
                    "--no-control-socket",
                ],
                child_env,
                signal.SIGTERM,
            )
        ]  # fmt: skip
        if not options["no_worker"]:
            children.append(self.start("worker", [sys.executable, "-m", "zhili", "run_huey"], child_env, signal.SIGINT))

        failure = self.wait_until_listening(children, host, port)
        if failure is None:
            what = "web server only" if options["no_worker"] else "web server and background worker"
            self.stdout.write(
                f"Zhili is running at http://{_bind_address(host, port)}/ ({what}); press Ctrl-C to stop.",
            )
            self.stdout.flush()
            failure = self.supervise(children)
        self.stop(children)
        if failure is not None:
            raise CommandError(failure, returncode=1)

    def warn_unapplied_migrations(self) -> None:
        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:  # the database may be unreachable; gunicorn's /healthz reports that
            self.stderr.write(f"warning: cannot read the migration state: {exc}")
            return
        if pending:
            self.stderr.write(f"warning: {len(pending)} unapplied migration(s); run `zhili migrate` first.")

    def child_environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
        # Pin the var directory so both children agree with the supervisor even if its default
        # (relative to the working directory) would resolve differently.
        env["ZHILI_VAR_DIR"] = str(settings.VAR_DIR)
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def start(self, name: str, argv: list[str], env: dict[str, str], stop_signal: signal.Signals) -> Child:
        process = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            # Own process group: a Ctrl-C in the terminal reaches only the supervisor, which then
            # stops each child with the signal that makes it shut down gracefully.
            process_group=0,
            preexec_fn=_die_with_parent,  # safe: the supervisor starts no threads
        )
        return Child(name, process, stop_signal)

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_requested = signal.Signals(signum)

    def dead_child(self, children: list[Child]) -> str | None:
        for child in children:
            if not child.alive():
                return f"the {child.name} process exited with status {child.process.returncode}; stopping."
        return None

    def wait_until_listening(self, children: list[Child], host: str, port: int) -> str | None:
        probe_host = "127.0.0.1" if host in {"0.0.0.0", ""} else ("::1" if host == "::" else host)  # noqa: S104
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while self.stop_requested is None:
            failure = self.dead_child(children)
            if failure is not None:
                return failure
            try:
                with socket.create_connection((probe_host, port), timeout=1):
                    return None
            except OSError:
                pass
            if time.monotonic() > deadline:
                address = _bind_address(host, port)
                return f"the web server did not listen on {address} within {STARTUP_TIMEOUT:.0f} s."
            time.sleep(POLL)
        return None

    def supervise(self, children: list[Child]) -> str | None:
        while self.stop_requested is None:
            failure = self.dead_child(children)
            if failure is not None:
                return failure
            time.sleep(POLL)
        return None

    def stop(self, children: list[Child]) -> None:
        for child in children:
            child.signal(child.stop_signal)
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in children:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"the {child.name} process did not stop in time; killing it.")
                child.process.kill()
                child.process.wait()
