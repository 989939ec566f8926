"""Triage end to end: the CLI, the API, a proposal at intake, the confirm/correct loop, training."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command

from zhili import testing
from zhili.matters import actions
from zhili.matters.tests.conftest import Cast
from zhili.triage import model, services
from zhili.triage.management.commands.triage import triage_lines
from zhili.triage.models import Outcome, Proposal
from zhili.triage.tasks import triage_new

ROOT = Path(__file__).resolve().parents[3]
DATA = model.DATA


# --- the corpus ----------------------------------------------------------------------------------


def test_both_sets_pass_the_corpus_check() -> None:
    for folder in ("corpus", "heldout"):
        files = sorted(str(p) for p in (DATA / folder).glob("*.jsonl"))
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts/check_corpus.py"), *files], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-2000:]


def test_the_held_out_set_shares_no_report_with_the_training_set() -> None:
    training = {e.text for e in model.corpus()}
    held = model.heldout()
    assert len(held) >= 26 * 16 and len(training) >= 26 * 50
    assert not [e.text for e in held if e.text in training]


# --- the CLI -------------------------------------------------------------------------------------


def test_every_line_gets_an_answer_and_bad_lines_do_not_stop_the_rest(db: None) -> None:
    lines = [
        json.dumps({"id": "ok-1", "text": "楼上邻居每天半夜在家里剁骨头，吵得娃儿睡不着，说了几次都不听"}),
        "{not json",
        json.dumps({"id": "no-text"}),
        json.dumps({"id": "empty", "text": "   "}),
        json.dumps({"id": "huge", "text": "吵" * 100_000}),
        json.dumps({"id": "english", "text": "The street light outside my house has been broken for a week."}),
        json.dumps(["a list"]),
        json.dumps({"id": "bad-point", "text": "路灯坏了", "lon": "east", "lat": 29}),
        json.dumps({"id": 7, "text": "他说明天要拿刀来砍死我全家", "address": "乐山市市中区"}),
    ]
    out = triage_lines(lines)
    assert len(out) == len(lines)
    by_id = {o["id"]: o for o in out if o["id"] is not None}
    assert [o["error"] for o in out if o["id"] is None] == ["invalid_json", "invalid_json"]
    assert by_id["no-text"]["error"] == by_id["empty"]["error"] == "text_required"
    assert by_id["huge"]["error"] == "text_too_long"
    assert by_id["english"]["error"] == "text_not_chinese"
    assert by_id["bad-point"]["error"] == "coordinate_invalid"
    good = by_id["ok-1"]
    for key in ("kind", "category", "risk", "signals", "lead_unit", "co_units", "jurisdiction", "confidence"):
        assert key in good, key
    assert good["kind"] == "dispute" and "error" not in good
    threat = by_id[7]
    assert threat["risk"] == "red"
    assert "threat" in {s["code"] for s in threat["signals"]}
    assert "police_station" in threat["co_units"]


def test_the_command_reads_a_file_and_writes_one(db: None, tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(
        "\n".join(
            json.dumps({"id": n, "text": t}, ensure_ascii=False) for n, t in enumerate(["路灯不亮", "欠薪三个月"])
        )
        + "\n{broken\n",
        encoding="utf-8",
    )
    call_command("triage", "--in", str(source), "--out", str(target))
    answers = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [a["id"] for a in answers] == [0, 1, None]
    assert answers[2]["error"] == "invalid_json"


def test_the_command_reads_stdin_and_writes_stdout(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"id": "x", "text": "小区门口井盖丢了"}) + "\n"))
    out = io.StringIO()
    call_command("triage", stdout=out)
    [answer] = [json.loads(line) for line in out.getvalue().splitlines()]
    assert answer["id"] == "x" and answer["kind"] == "request"


# --- the API -------------------------------------------------------------------------------------


def test_the_api_proposes_without_storing_anything(cast: Cast) -> None:
    client = testing.api_client(cast.clerk)
    response = client.post(
        "/api/v1/triage/",
        {"text": "工地上我们九个人的工钱拖了半年了，老板电话也不接", "address": "犍为县"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["category"] and body["model_version"] == model.active.get().version
    assert {s["code"] for s in body["signals"]} >= {"group_wage_arrears"}
    assert Proposal.objects.count() == 0


def test_the_api_refuses_bad_input_with_a_code(cast: Cast) -> None:
    client = testing.api_client(cast.clerk)
    assert (
        client.post("/api/v1/triage/", {"text": "Where is the police station?"}, format="json").json()["errors"][0][
            "code"
        ]
        == "text_not_chinese"
    )
    missing = client.post("/api/v1/triage/", {}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["attr"] == "text"
    assert testing.api_client(None).post("/api/v1/triage/", {"text": "路灯坏了"}, format="json").status_code in (
        401,
        403,
    )


# --- intake and the confirm/correct loop -----------------------------------------------------------


def test_new_matters_get_a_proposal_with_its_model_version_from_the_worker(cast: Cast) -> None:
    matter = cast.matter(
        description="我们小区的电梯又困人了，这个月第三次了，物业就是不修", category="", kind="dispute"
    )
    assert triage_new.call_local() == 1
    stored = Proposal.objects.get(matter=matter)
    assert stored.model_version == model.active.get().version
    assert stored.outcome == Outcome.PENDING and stored.category
    # Triaging it again changes nothing.
    assert services.propose([matter]) == 0 and triage_new.call_local() == 0
    assert Proposal.objects.get(matter=matter).pk == stored.pk


def test_matters_without_a_proposal_get_one_from_the_worker(cast: Cast) -> None:
    # Without the intake's commit callbacks (as for a bulk import, or a failed triage).
    matters = [cast.matter(description=f"第{n}栋楼道里堆满了杂物，消防通道被堵死了") for n in range(3)]
    cast.matter(description="Street light broken")  # cannot be triaged: not Chinese
    assert Proposal.objects.count() == 0
    assert services.propose_missing() == 3
    assert set(Proposal.objects.values_list("matter_id", flat=True)) == {m.pk for m in matters}
    assert services.propose_missing() == 0


def test_a_clerks_triage_step_confirms_or_corrects_and_teaches_the_next_model(cast: Cast) -> None:
    confirmed = cast.matter(description="楼上漏水把我家天花板泡坏了，找他几次都不理")
    corrected = cast.matter(description="楼上漏水把我家天花板泡坏了，找他几次都不理，还骂人")
    services.propose_missing()
    first = Proposal.objects.get(matter=confirmed)
    actions.perform(confirmed, "triaged", actor=cast.clerk, data={"category": first.category})
    other = "environment" if first.category != "environment" else "neighbor"
    actions.perform(corrected, "triaged", actor=cast.clerk, data={"category": other})
    assert Proposal.objects.get(matter=confirmed).outcome == Outcome.CONFIRMED
    second = Proposal.objects.get(matter=corrected)
    assert (second.outcome, second.final_category) in {(Outcome.CORRECTED, other), (Outcome.CONFIRMED, other)}
    learned = {(e.text, e.category) for e in services.confirmed_examples()}
    assert (corrected.description, other) in learned and (confirmed.description, first.category) in learned
    out = io.StringIO()
    call_command("triage_train", "--dry-run", stdout=out)
    assert "2 confirmed matters" in out.getvalue()


def test_training_activates_a_model_only_if_it_is_not_worse(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    before = model.active.get().version
    out = io.StringIO()
    call_command("triage_train", stdout=out)
    assert "activated" in out.getvalue() and model.active_version() != before
    # A candidate that scores worse on the held-out set is not activated.
    real = model.evaluate

    def worse(candidate: model.TriageModel, examples: Any) -> dict[str, Any]:
        metrics = real(candidate, examples)
        if candidate.version != model.active_version():
            metrics["category_accuracy"] -= 0.5
        return metrics

    monkeypatch.setattr(model, "evaluate", worse)
    current = model.active_version()
    out = io.StringIO()
    call_command("triage_train", stdout=out)
    assert "worse" in out.getvalue() and model.active_version() == current


# --- the model -----------------------------------------------------------------------------------


def test_the_compact_model_scores_as_the_scikit_learn_pipeline_it_came_from() -> None:
    examples = model.corpus()[::3]
    compact = model.train(examples)
    documents = [model._document(e.text) for e in model.heldout()[:60]] + ["", "   ", "ABC abc  123", "路灯"]
    for target, part in (("category", compact.category), ("risk", compact.risk)):
        pipeline = model.fit(examples, target)
        assert np.allclose(part.scores(documents), pipeline.decision_function(documents), atol=1e-9)
        assert part.labels == list(pipeline.classes_)


def test_the_first_use_trains_and_activates_a_model_of_the_shipped_corpus(tmp_path: Path) -> None:
    current = model.active.get()  # trains on first use, as on a fresh checkout
    assert model.active_version() == current.version
    assert current.trained_on == len(model.corpus())
    assert current.metrics["examples"] == len(model.heldout())
    assert (model.model_dir() / f"{current.version}.joblib").exists()
