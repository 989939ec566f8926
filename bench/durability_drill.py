"""Durability drill, run by bench/durability_drill.sh (which prepares the database, the demo data
and the token): kill -9 the server during a burst of concurrent intakes, restart it, retry what
got no answer, and check the database.

    ZHILI_TOKEN=… ZHILI_UNIT=… .venv/bin/python bench/durability_drill.py [--requests 1000]
        [--threads 32] [--kill-after 300] [--deadline 300]

1. Start `zhili serve --no-worker` on a free loopback port (in its own session).
2. Fire `--requests` POST /api/v1/matters/ from `--threads` threads (http.client, one connection
   per request, 127.0.0.1 only). Each has its own Idempotency-Key and a unique marker in its
   description; every 201/200 is recorded as (key, number).
3. After `--kill-after` answers, SIGKILL every process of the server at once: the process groups of
   gunicorn (master and workers) and of the `zhili serve` supervisor. No graceful shutdown.
4. Restart the server, then retry every request that got no 2xx answer with the same key and the
   same body, as a client would (up to 5 attempts each), and send 50 acknowledged requests again,
   which must answer 200 with the same number.
5. Stop the server and check the database: every acknowledged number exists exactly once and is
   the matter of its own marker; each marker appears at most once; every retried key yields
   exactly one matter, the one its retry answered; and every matter of the drill is complete (its
   `created` event, both parties, its Idempotency-Key row pointing at it).

Prints PASS or FAIL with the counts; the exit status is 0 on PASS. Bounded: every request has a
15 s timeout, the server 60 s to start, and the whole drill `--deadline` seconds.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
HOST = "127.0.0.1"
TIMEOUT = 15.0
MARKER = re.compile(r"【演练(drill-[0-9a-f]{8}-\d{4})】")


@dataclass
class Outcome:
    key: str
    body: bytes
    marker: str
    status: int = 0  # 0: no answer (connection refused, reset, timed out)
    number: str = ""
    error: str = ""
    retried: bool = False
    retry_status: int = 0
    retry_number: str = ""
    attempts: int = 0


@dataclass
class Drill:
    port: int
    token: str
    log: Path
    server: subprocess.Popen[bytes] | None = None
    answered: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    killed: threading.Event = field(default_factory=threading.Event)
    killed_at_answers: int = 0
    killed_pids: list[int] = field(default_factory=list)

    # --- the server ------------------------------------------------------------------------

    def start(self) -> float:
        started = time.perf_counter()
        self.server = subprocess.Popen(
            [PYTHON, "-m", "zhili", "serve", "--no-worker", "--host", HOST, "--port", str(self.port)],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"the server exited with {self.server.returncode}; see {self.log}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return time.perf_counter() - started
            except OSError:
                time.sleep(0.1)
        raise TimeoutError("the server did not answer /healthz within 60 s")

    def tree(self) -> list[int]:
        """The server's processes: the supervisor and everything below it."""
        assert self.server is not None
        parents: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                parents.setdefault(ppid, []).append(int(entry.name))
        found, stack = [], [self.server.pid]
        while stack:
            pid = stack.pop()
            found.append(pid)
            stack.extend(parents.get(pid, []))
        return found

    def kill9(self) -> None:
        """SIGKILL the whole server at once: gunicorn's process group (it has its own), then the
        supervisor's, then any straggler of the tree."""
        pids = self.tree()
        groups = []
        for pid in pids:
            try:
                groups.append(os.getpgid(pid))
            except ProcessLookupError:
                continue
        assert self.server is not None
        for group in sorted(set(groups), key=lambda g: g == self.server.pid):  # the supervisor's last
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.killed_pids = pids
        self.server.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() and not zombie(pid) for pid in pids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"server processes survived SIGKILL: {pids}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        os.killpg(self.server.pid, signal.SIGTERM)
        try:
            self.server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.kill9()

    # --- the clients -----------------------------------------------------------------------

    def post(self, outcome: Outcome) -> tuple[int, str, str]:
        try:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
            connection.request(
                "POST",
                "/api/v1/matters/",
                body=outcome.body,
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Token {self.token}",
                    "Idempotency-Key": outcome.key,
                },
            )
            response = connection.getresponse()
            payload = response.read()
            connection.close()
        except (OSError, http.client.HTTPException) as exc:
            return 0, "", type(exc).__name__
        number = ""
        if response.status in {200, 201}:
            number = json.loads(payload)["number"]
        return response.status, number, "" if response.status in {200, 201} else payload[:200].decode(errors="replace")

    def fire(self, outcome: Outcome, kill_after: int) -> None:
        outcome.status, outcome.number, outcome.error = self.post(outcome)
        if outcome.status == 0:
            return
        with self.lock:
            self.answered += 1
            trigger = self.answered == kill_after
        if trigger:
            self.killed_at_answers = kill_after
            self.kill9()
            self.killed.set()


def zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def requests(run: str, count: int, unit: int) -> list[Outcome]:
    outcomes = []
    for n in range(count):
        marker = f"drill-{run}-{n:04d}"
        body = {
            "category": "public_facility",
            "description": f"【演练{marker}】小区{n % 40 + 1}号楼门口路灯不亮，晚上出行不便，请尽快维修。",
            "intake_unit": unit,
            "reporter_name": "王五",
            "parties": [{"name": "王五", "phone": "13812345678"}, {"name": "物业公司"}],
        }
        outcomes.append(Outcome(f"{run}-{n:04d}", json.dumps(body, ensure_ascii=False).encode(), marker))
    return outcomes


def check(outcomes: list[Outcome], run: str) -> list[tuple[str, bool, str]]:
    """What the database says; each line: (check, passed, detail)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count, Q

    from zhili.matters.models import IntakeKey, Matter

    rows = list(
        Matter.objects.filter(description__contains=f"【演练drill-{run}-")
        .annotate(
            created=Count("events", filter=Q(events__kind="created"), distinct=True),
            party_count=Count("parties", distinct=True),
        )
        .values_list("pk", "number", "description", "created", "party_count")
    )
    by_marker: dict[str, list[tuple[int, str]]] = {}
    for pk, number, description, _events, _parties in rows:
        found = MARKER.search(description)
        by_marker.setdefault(found.group(1) if found else "?", []).append((pk, number))
    numbers: dict[str, int] = {}
    for _pk, number, *_rest in rows:
        numbers[number] = numbers.get(number, 0) + 1
    keys = {
        key: (matter_id, number)
        for key, matter_id, number in IntakeKey.objects.filter(key__startswith=f"{run}-").values_list(
            "key", "matter_id", "matter__number"
        )
    }
    results = []

    acknowledged = [o for o in outcomes if o.number]
    wrong = [
        o.key
        for o in acknowledged
        if numbers.get(o.number) != 1 or [n for _pk, n in by_marker.get(o.marker, [])] != [o.number]
    ]
    results.append(
        (
            f"every acknowledged number exists exactly once, as its own marker's matter ({len(acknowledged)} in the "
            "burst)",
            not wrong,
            f"{len(wrong)} wrong: {wrong[:5]}" if wrong else "",
        )
    )
    duplicates = {m: v for m, v in by_marker.items() if len(v) > 1 or m == "?"}
    results.append(
        (
            f"each marker at most once ({len(rows)} drill matters, {len(by_marker)} markers)",
            not duplicates,
            f"duplicated: {list(duplicates.items())[:5]}" if duplicates else "",
        )
    )
    retried = [o for o in outcomes if o.retried]
    bad_retries = [
        o.key
        for o in retried
        if o.retry_status not in {200, 201}
        or len(by_marker.get(o.marker, [])) != 1
        or by_marker[o.marker][0][1] != o.retry_number
        or keys.get(o.key, (None, None))[1] != o.retry_number
    ]
    results.append(
        (
            f"every retried key yields exactly one matter, the one its retry answered ({len(retried)} retried)",
            not bad_retries,
            f"{len(bad_retries)} wrong: {bad_retries[:5]}" if bad_retries else "",
        )
    )
    lost = [o.key for o in outcomes if o.marker not in by_marker]
    results.append(
        ("every request of the burst ended as a matter", not lost, f"{len(lost)} missing: {lost[:5]}" if lost else "")
    )
    orphans = [key for key, (matter_id, _number) in keys.items() if matter_id is None]
    results.append(
        (
            f"every Idempotency-Key row points at its matter ({len(keys)} rows for {len(outcomes)} keys)",
            not orphans and len(keys) == len(outcomes),
            f"{len(orphans)} without a matter: {orphans[:5]}" if orphans else "",
        )
    )
    keyed = {matter_id for matter_id, _number in keys.values()}
    incomplete = [
        number for pk, number, _d, created, parties in rows if created != 1 or parties != 2 or pk not in keyed
    ]
    results.append(
        (
            "every drill matter complete (one created event, 2 parties, its Idempotency-Key row)",
            not incomplete,
            f"{len(incomplete)} incomplete: {incomplete[:5]}" if incomplete else "",
        )
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--kill-after", type=int, default=300)
    parser.add_argument("--deadline", type=float, default=300.0)
    args = parser.parse_args()
    token, unit = os.environ["ZHILI_TOKEN"], int(os.environ["ZHILI_UNIT"])
    give_up = time.monotonic() + args.deadline
    run = uuid.uuid4().hex[:8]
    log = Path(os.environ.get("ZHILI_VAR_DIR") or tempfile.mkdtemp(prefix="zhili-drill-")) / f"drill-{run}.log"
    drill = Drill(free_port(), token, log)
    outcomes = requests(run, args.requests, unit)
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    replays: list[bool] = []
    print(f"durability drill {run} on {database}, port {drill.port}, server log {log}", flush=True)
    try:
        print(f"server up in {drill.start():.1f} s", flush=True)
        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
            futures = [pool.submit(drill.fire, o, args.kill_after) for o in outcomes]
            concurrent.futures.wait(futures, timeout=max(give_up - time.monotonic(), 1))
            for future in futures:
                future.cancel()
        burst = time.perf_counter() - started
        if not drill.killed.is_set():
            print("FAIL: the burst ended before the server was killed (lower --kill-after)")
            sys.exit(1)
        statuses: dict[int, int] = {}
        for o in outcomes:
            statuses[o.status] = statuses.get(o.status, 0) + 1
        print(
            f"burst of {len(outcomes)} from {args.threads} threads in {burst:.1f} s; SIGKILL to "
            f"{len(drill.killed_pids)} server processes after {drill.killed_at_answers} answers; "
            f"answers by status: {dict(sorted(statuses.items()))} (0 = no answer)",
            flush=True,
        )
        errors = {o.error for o in outcomes if o.status == 0}
        print(f"  no answer because: {sorted(errors)}")
        print(f"server restarted in {drill.start():.1f} s", flush=True)

        pending = [o for o in outcomes if o.status not in {200, 201}]
        for o in pending:
            o.retried = True

        def retry(o: Outcome) -> None:
            while o.attempts < 5 and time.monotonic() < give_up:
                o.attempts += 1
                o.retry_status, o.retry_number, o.error = drill.post(o)
                if o.retry_status in {200, 201}:
                    return
                time.sleep(0.5 * o.attempts)

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(retry, pending, timeout=max(give_up - time.monotonic(), 1)))
        retry_statuses: dict[int, int] = {}
        for o in pending:
            retry_statuses[o.retry_status] = retry_statuses.get(o.retry_status, 0) + 1
        print(
            f"retried {len(pending)} unanswered requests with their keys: {dict(sorted(retry_statuses.items()))} "
            "(201 = created now, 200 = had been created before the kill)"
        )
        acknowledged = [o for o in outcomes if o.number][:50]
        for o in acknowledged:
            status, number, _error = drill.post(o)
            replays.append(status == 200 and number == o.number)
        print(f"replayed {len(replays)} acknowledged requests: {sum(replays)} answered 200 with the same number")
    finally:
        drill.stop()

    results = check(outcomes, run)
    results.append(
        (f"acknowledged requests sent again answer 200 with the same number ({len(replays)})", all(replays), "")
    )
    for name, passed, detail in results:
        print(f"  {'ok  ' if passed else 'FAIL'} {name}{'; ' + detail if detail else ''}")
    verdict = all(passed for _name, passed, _detail in results)
    acked = sum(1 for o in outcomes if o.number)
    print(
        f"{'PASS' if verdict else 'FAIL'}: {acked} acknowledged before the kill, "
        f"{sum(1 for o in outcomes if o.retried and o.retry_status == 200)} of the unanswered had been committed "
        f"(200 on retry), {sum(1 for o in outcomes if o.retried and o.retry_status == 201)} created on retry; "
        f"{len(outcomes)} requests, {len(outcomes)} matters expected"
    )
    sys.exit(0 if verdict else 1)


if __name__ == "__main__":
    main()
