"""Benchmark: triage quality on the held-out set, and its speed.

    .venv/bin/python bench/triage_eval.py            # quality + speed
    .venv/bin/python bench/triage_eval.py --errors   # also list the held-out reports it gets wrong

Quality, on zhili/triage/data/heldout/ (written apart from the training corpus, never trained on),
with the active model (trained from the shipped corpus on first use):
  category top-1 accuracy (target >= 0.90);
  red recall (>= 0.95) and red precision (>= 0.70); yellow-or-red recall (>= 0.85).
Speed, in this one process (one core): texts per second through `triage_many` in batches of 500,
as `zhili triage` runs (target >= 2,000/s); and, in a fresh process, the time to load the active
model and answer one report (target < 2 s) and that process's peak RSS (target < 300 MB).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ZHILI_VAR_DIR", tempfile.mkdtemp(prefix="zhili-triage-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from zhili.triage import model, services  # noqa: E402

LOAD_ONE = """
import os, sys, time
start = time.perf_counter()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
import django
django.setup()
from zhili.triage import services
services.triage(services.check_text("楼上邻居半夜剁骨头，吵得睡不着"))
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over an exec, so it would report the benchmark's
# own memory at the fork.
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(round(time.perf_counter() - start, 3), int(peak.split()[1]) // 1024)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    current = model.active.get()
    held = model.heldout()
    print(f"model {current.version}, trained on {current.trained_on} reports; held-out: {len(held)} reports")

    proposals = services.triage_many([(services.check_text(e.text), e.address, None) for e in held])
    right = sum(p.category == e.category for p, e in zip(proposals, held, strict=True))
    confident = [(p, e) for p, e in zip(proposals, held, strict=True) if not p.low_confidence]
    confident_right = sum(p.category == e.category for p, e in confident)
    red_true = sum(e.risk == "red" for e in held)
    red_said = sum(p.risk == "red" for p in proposals)
    red_hit = sum(p.risk == "red" and e.risk == "red" for p, e in zip(proposals, held, strict=True))
    alarm_true = sum(e.risk in ("red", "yellow") for e in held)
    alarm_hit = sum(
        p.risk in ("red", "yellow") and e.risk in ("red", "yellow") for p, e in zip(proposals, held, strict=True)
    )
    print("quality on the held-out set:")
    print(f"  category top-1 accuracy   {right / len(held):.3f}  (target >= 0.90)")
    print(
        f"  of which confident ({len(confident)} of {len(held)}): {confident_right / max(len(confident), 1):.3f}; "
        f"low confidence: {len(held) - len(confident)}"
    )
    print(f"  red recall                {red_hit / max(red_true, 1):.3f}  ({red_hit} of {red_true}; target >= 0.95)")
    print(f"  red precision             {red_hit / max(red_said, 1):.3f}  ({red_hit} of {red_said}; target >= 0.70)")
    print(
        f"  yellow-or-red recall      {alarm_hit / max(alarm_true, 1):.3f}"
        f"  ({alarm_hit} of {alarm_true}; target >= 0.85)"
    )
    misses = Counter((e.category, p.category) for p, e in zip(proposals, held, strict=True) if p.category != e.category)
    print("  most frequent confusions: " + ", ".join(f"{a}->{b} {n}" for (a, b), n in misses.most_common(8)))
    if args.errors:
        for p, e in zip(proposals, held, strict=True):
            if p.category != e.category or (p.risk == "red") != (e.risk == "red"):
                print(f"    {e.category}/{e.risk} -> {p.category}/{p.risk} {p.confidence:.2f}: {e.text[:80]}")

    reports = [(services.check_text(e.text), e.address, None) for e in held] * 10
    start, cpu = time.perf_counter(), time.process_time()
    for begin in range(0, len(reports), 500):
        services.triage_many(reports[begin : begin + 500])
    wall, used = time.perf_counter() - start, time.process_time() - cpu
    print("speed:")
    print(
        f"  batch triage: {len(reports)} texts in {wall:.2f} s = {len(reports) / wall:,.0f} texts/s (CPU {used:.2f} s)"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", LOAD_ONE], capture_output=True, text=True, check=True, env=os.environ
        )
        seconds, rss = out.stdout.split()
        runs.append((float(seconds), int(rss)))
    print(
        "  fresh process, load the model and answer one report: "
        + ", ".join(f"{s:.2f} s" for s, _r in runs)
        + f" (target < 2 s); peak RSS {max(r for _s, r in runs)} MB (target < 300 MB)"
    )
    print(f"  this process's peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
