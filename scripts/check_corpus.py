"""Check triage corpus files against the labelling rubric (zhili/triage/data/RUBRIC.md).

    python3 scripts/check_corpus.py zhili/triage/data/corpus/*.jsonl
    python3 scripts/check_corpus.py zhili/triage/data/heldout/*.jsonl

Prints one line per problem and a count per category, risk and signal; exits 1 on a problem.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAXONOMY = json.loads((ROOT / "zhili/taxonomy/data/taxonomy.json").read_text(encoding="utf-8"))
CATEGORIES = set(TAXONOMY["categories"])
RED = {"threat", "weapon", "violence", "domestic_violence", "self_harm", "group_10_plus", "danger_to_life"}
YELLOW = {
    "group_3_to_9",
    "group_wage_arrears",
    "repeated_report",
    "heated_conflict",
    "vulnerable_unattended",
    "deadline_at_risk",
}
FIELDS = {"id", "text", "category", "risk", "signals", "address"}


def expected_risk(signals: list[str]) -> str:
    if RED & set(signals):
        return "red"
    return "yellow" if YELLOW & set(signals) else "green"


def check(paths: list[Path]) -> int:
    problems = 0
    ids: set[str] = set()
    texts: set[str] = set()
    counts: dict[str, Counter[str]] = {"category": Counter(), "risk": Counter(), "signal": Counter()}
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            where = f"{path.name}:{number}"
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                print(f"{where}: not JSON: {exc}")
                problems += 1
                continue
            trouble = []
            if set(item) - FIELDS or not {"id", "text", "category", "risk", "signals"} <= set(item):
                trouble.append(f"fields {sorted(item)}")
            if item.get("id") in ids:
                trouble.append(f"id {item.get('id')} repeated")
            ids.add(item.get("id"))
            text = str(item.get("text", "")).strip()
            if not text:
                trouble.append("empty text")
            if text in texts:
                trouble.append("text repeated")
            texts.add(text)
            if item.get("category") not in CATEGORIES:
                trouble.append(f"category {item.get('category')!r}")
            signals = item.get("signals", [])
            unknown = set(signals) - RED - YELLOW
            if unknown:
                trouble.append(f"signals {sorted(unknown)}")
            if len(set(signals)) != len(signals):
                trouble.append("a signal twice")
            if item.get("risk") != expected_risk(signals):
                trouble.append(f"risk {item.get('risk')} but signals say {expected_risk(signals)}")
            for message in trouble:
                print(f"{where}: {message}")
            problems += len(trouble)
            counts["category"][item.get("category")] += 1
            counts["risk"][item.get("risk")] += 1
            counts["signal"].update(signals)
    for name, counter in counts.items():
        print(f"{name}: " + ", ".join(f"{key} {value}" for key, value in sorted(counter.items())))
    print(f"{len(ids)} reports, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(check([Path(p) for p in sys.argv[1:]]))
