"""Deadline rules: the shipped defaults, precedence, pausing and extensions."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from pytest_django import DjangoAssertNumQueries

from zhili.audit.models import AuditEvent
from zhili.core.errors import DomainError
from zhili.deadlines import services
from zhili.deadlines.calendar import add_working_days
from zhili.deadlines.models import DeadlineRule, Stage, TimeUnit
from zhili.deadlines.services import due_at, extend, rule_for
from zhili.deadlines.tests.helpers import at, end

pytestmark = pytest.mark.django_db

CD, WD = "calendar_days", "working_days"
# code: (stage, kind, category, risk, amount, unit, extendable_by, pausable, words of the legal basis)
STATUTORY = {
    "petition-register": ("register", "petition", None, None, 15, CD, 0, False, "信访工作条例》（2022年）第二十二条"),
    "petition-decide": ("decide", "petition", None, None, 60, CD, 30, False, "第三十四条"),
    "petition-review-request": ("review_request", "petition", None, None, 30, CD, 0, False, "第三十五条"),
    "petition-review-decide": ("review_decide", "petition", None, None, 30, CD, 0, False, "第三十五条"),
    "petition-re-review-request": ("re_review_request", "petition", None, None, 30, CD, 0, False, "第三十六条"),
    "petition-re-review-decide": ("re_review_decide", "petition", None, None, 30, CD, 0, False, "第三十六条"),
    "legal-aid-decide": ("decide", "legal_service", "legal_aid", None, 7, CD, 0, True, "法律援助法》第四十三条"),
    "legal-aid-assign": ("lawyer_assigned", "legal_service", "legal_aid", None, 3, CD, 0, False, "第四十三条"),
    "labor-mediation-end": ("mediation_end", "dispute", "labor_wage", None, 15, CD, 0, False, "仲裁法》第十四条"),
    "judicial-confirmation": ("judicial_confirmation", "dispute", None, None, 30, CD, 0, False, "调解法》第三十三条"),
    "request-respond-red": ("respond", "request", None, "red", 30, "minutes", 0, False, "非法定"),
    "request-respond-yellow": ("respond", "request", None, "yellow", 2, "hours", 0, False, "非法定"),
    "request-respond-green": ("respond", "request", None, "green", 1, WD, 0, False, "非法定"),
    "request-resolve-red": ("resolve", "request", None, "red", 24, "hours", 0, False, "非法定"),
    "request-resolve-yellow": ("resolve", "request", None, "yellow", 3, WD, 0, False, "非法定"),
    "request-resolve-green": ("resolve", "request", None, "green", 7, WD, 8, False, "15个工作日"),
}


def rule(code: str, stage: str, amount: int, unit: str = TimeUnit.WORKING_DAYS, **scope: Any) -> DeadlineRule:
    return DeadlineRule.objects.create(code=code, name=code, stage=stage, amount=amount, unit=unit, **scope)


def test_the_shipped_rules_exist_with_their_legal_basis() -> None:
    for code, expected in STATUTORY.items():
        found = DeadlineRule.objects.get(code=code)
        stage, kind, category, risk, amount, unit, extendable_by, pausable, basis = expected
        assert (found.stage, found.kind_id, found.category_id, found.risk_id) == (stage, kind, category, risk), code
        assert (found.amount, found.unit, found.extendable_by) == (amount, unit, extendable_by), code
        assert found.pausable is pausable, code
        assert basis in found.legal_basis, code
        assert found.builtin and found.active and found.counted_from


def test_sync_is_idempotent_and_keeps_edits() -> None:
    DeadlineRule.objects.filter(code="request-resolve-green").update(amount=5)
    assert services.sync_builtin_rules() == 0
    assert DeadlineRule.objects.get(code="request-resolve-green").amount == 5


def test_sync_recreates_a_missing_rule_but_leaves_an_administrators_rule_in_force() -> None:
    DeadlineRule.objects.filter(code="request-respond-red").delete()
    own = rule("our-red-response", "respond", 15, TimeUnit.MINUTES, kind_id="request", risk_id="red")
    assert services.sync_builtin_rules() == 1
    assert DeadlineRule.objects.get(code="request-respond-red").active is False
    assert rule_for("respond", "request", "public_facility", "red") == own


def test_shipped_rules_cannot_be_deleted_but_own_rules_can() -> None:
    with pytest.raises(DomainError) as error:
        services.delete_rule(DeadlineRule.objects.get(code="petition-decide"))
    assert error.value.code == "deadline_rule_builtin"
    own = rule("own", "respond", 1)
    services.delete_rule(own)
    assert not DeadlineRule.objects.filter(code="own").exists()


def test_rule_changes_are_audited() -> None:
    found = DeadlineRule.objects.get(code="petition-decide")
    found.amount = 45
    found.save()
    event = AuditEvent.objects.filter(object_id="petition-decide", kind="update").get()
    assert event.before["amount"] == 60 and event.after["amount"] == 45


@pytest.fixture
def resolve_rules() -> dict[str, DeadlineRule]:
    """Besides the shipped request rules (request + red / yellow / green)."""
    return {
        "any": rule("any", "resolve", 10),
        "any_red": rule("any-red", "resolve", 12, TimeUnit.HOURS, risk_id="red"),
        "request": rule("request", "resolve", 5, kind_id="request"),
        "facility": rule("facility", "resolve", 2, category_id="public_facility"),
        "facility_red": rule(
            "facility-red", "resolve", 6, TimeUnit.HOURS, category_id="public_facility", risk_id="red"
        ),
    }


@pytest.mark.parametrize(
    ("kind", "category", "risk", "winner"),
    [
        ("request", "public_facility", "red", "facility-red"),  # category and risk
        ("request", "public_facility", "green", "facility"),  # a category rule beats kind + risk
        ("request", "urban_management", "green", "request-resolve-green"),  # kind and risk
        ("request", "urban_management", None, "request"),  # kind
        ("dispute", "neighbor", "red", "any-red"),  # any kind, the risk
        ("dispute", "neighbor", "green", "any"),  # any
    ],
)
def test_the_most_specific_rule_wins(
    resolve_rules: dict[str, DeadlineRule], kind: str, category: str, risk: str | None, winner: str
) -> None:
    found = rule_for("resolve", kind, category, risk)
    assert found is not None and found.code == winner


def test_inactive_rules_do_not_count(resolve_rules: dict[str, DeadlineRule]) -> None:
    resolve_rules["facility_red"].active = False
    resolve_rules["facility_red"].save()
    assert rule_for("resolve", "request", "public_facility", "red") == resolve_rules["facility"]


def test_a_stage_without_a_rule_has_no_deadline_and_an_unknown_stage_is_an_error() -> None:
    assert rule_for(Stage.REVIEW_REQUEST, "request", "public_facility", "green") is None
    with pytest.raises(ValueError, match="unknown deadline stage"):
        rule_for("answr", "request")


def test_rule_for_takes_one_query(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    with django_assert_num_queries(1):
        rule_for("decide", "legal_service", "legal_aid", "yellow")


def test_one_active_rule_per_stage_and_scope() -> None:
    duplicate = DeadlineRule(
        code="dup", name="dup", stage="respond", amount=1, unit="hours", kind_id="request", risk_id="red"
    )
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    duplicate.active = False
    duplicate.save()  # an inactive alternative may wait in the table


def test_a_category_rule_takes_the_category_kind_and_refuses_another() -> None:
    assert rule("aid-any", "respond", 1, category_id="legal_aid").kind_id == "legal_service"
    wrong = DeadlineRule(code="wrong", name="wrong", stage="respond", amount=1, unit="hours")
    wrong.kind_id, wrong.category_id = "dispute", "legal_aid"
    with pytest.raises(ValidationError) as error:
        wrong.full_clean()
    assert "kind" in error.value.message_dict


def test_statutory_periods_are_calendar_days_with_roll_over() -> None:
    petition = DeadlineRule.objects.get(code="petition-decide")
    # accepted 3 August 2026: day 60 is 2 October, in the National Day holiday → 8 October
    assert due_at(petition, at(2026, 8, 3, 15, 0)) == end(2026, 10, 8)
    aid = DeadlineRule.objects.get(code="legal-aid-assign")
    assert due_at(aid, at(2026, 9, 22)) == end(2026, 9, 28)  # day 3 is the 25th, Mid-Autumn Festival


def test_local_request_deadlines() -> None:
    registered = at(2026, 9, 30, 16, 0)

    def due(stage: str, risk: str) -> datetime.datetime:
        found = rule_for(stage, "request", "safety_hazard", risk)
        assert found is not None
        return due_at(found, registered)

    assert due("respond", "red") == at(2026, 9, 30, 16, 30)
    assert due("respond", "yellow") == at(2026, 9, 30, 18, 0)
    assert due("respond", "green") == end(2026, 10, 8)
    assert due("resolve", "red") == at(2026, 10, 1, 16, 0)  # clock time: National Day does not stop it
    assert due("resolve", "yellow") == end(2026, 10, 10)  # 8th, 9th and the make-up Saturday
    assert due("resolve", "green") == end(2026, 10, 15)


def test_a_pause_moves_a_calendar_day_deadline_by_whole_days() -> None:
    aid = DeadlineRule.objects.get(code="legal-aid-decide")
    applied = at(2026, 9, 14)  # Monday
    assert due_at(aid, applied) == end(2026, 9, 21)
    # waiting 2 days and 2 hours for documents costs the resident 3 days, not more
    waited = [(at(2026, 9, 15, 10), at(2026, 9, 17, 12))]
    assert due_at(aid, applied, waited) == end(2026, 9, 24)
    assert due_at(aid, applied, datetime.timedelta(days=2, hours=2)) == end(2026, 9, 24)
    # a pause still running counts up to now
    assert due_at(aid, applied, [(at(2026, 9, 15, 10), None)], now=at(2026, 9, 15, 20)) == end(2026, 9, 22)


def test_pauses_are_ignored_when_the_rule_is_not_pausable() -> None:
    petition = DeadlineRule.objects.get(code="petition-register")
    received = at(2026, 11, 2)
    assert due_at(petition, received, [(at(2026, 11, 3), at(2026, 11, 13))]) == due_at(petition, received)


def test_a_pause_moves_a_working_day_deadline_by_the_working_time_lost() -> None:
    green = DeadlineRule.objects.get(code="request-resolve-green")
    green.pausable = True
    green.save()
    registered = at(2026, 9, 18, 9)  # Friday; Sunday 20th is a make-up working day
    assert due_at(green, registered) == end(2026, 9, 29)
    # paused over the Mid-Autumn weekend (no working day lost): no change
    assert due_at(green, registered, [(at(2026, 9, 25, 0), at(2026, 9, 28, 0))]) == end(2026, 9, 29)
    # paused from Friday 18:00 to Monday 09:00: 6 h Friday + 24 h on working Sunday + 9 h Monday
    # = 39 h on working days → 2 more working days: 30 September, then 8 October
    assert due_at(green, registered, [(at(2026, 9, 18, 18), at(2026, 9, 21, 9))]) == end(2026, 10, 8)


def test_pauses_overlapping_or_before_the_start_are_counted_once() -> None:
    red = DeadlineRule.objects.get(code="request-respond-red")
    red.pausable = True
    red.save()
    start = at(2026, 11, 2, 10, 0)
    pauses = [(at(2026, 11, 2, 10, 5), at(2026, 11, 2, 10, 15)), (at(2026, 11, 2, 10, 10), at(2026, 11, 2, 10, 20))]
    assert due_at(red, start, pauses) == at(2026, 11, 2, 10, 45)  # 15 minutes lost, not 20
    assert due_at(red, start, [(at(2026, 11, 2, 9, 0), at(2026, 11, 2, 10, 5))]) == at(2026, 11, 2, 10, 35)
    with pytest.raises(ValueError, match="end before"):
        due_at(red, start, [(at(2026, 11, 2, 11), at(2026, 11, 2, 10))])


def test_an_extension_within_the_limit_runs_from_the_current_deadline() -> None:
    petition = DeadlineRule.objects.get(code="petition-decide")
    due = due_at(petition, at(2026, 8, 3))  # 8 October, after the holiday roll-over
    assert extend(due, petition, 30) == end(2026, 11, 9)  # 7 November is a Saturday
    assert extend(due, petition, 10, already_extended=20) == end(2026, 10, 19)  # Sunday 18th → Monday
    green = DeadlineRule.objects.get(code="request-resolve-green")
    registered = at(2026, 9, 18)
    assert due_at(green, registered, extended=8) == add_working_days(registered, 15)


@pytest.mark.parametrize(
    ("code", "amount", "already", "error_code"),
    [
        ("petition-decide", 31, 0, "deadline_extension_too_long"),
        ("petition-decide", 15, 20, "deadline_extension_too_long"),
        ("petition-decide", 0, 0, "deadline_extension_invalid"),
        ("petition-register", 5, 0, "deadline_not_extendable"),
        ("request-resolve-green", 9, 0, "deadline_extension_too_long"),
    ],
)
def test_extensions_beyond_the_limit_are_refused(code: str, amount: int, already: int, error_code: str) -> None:
    found = DeadlineRule.objects.get(code=code)
    with pytest.raises(DomainError) as error:
        extend(end(2026, 11, 2), found, amount, already_extended=already)
    assert error.value.code == error_code


def test_the_refusal_says_how_much_is_left() -> None:
    petition = DeadlineRule.objects.get(code="petition-decide")
    with pytest.raises(DomainError) as error:
        extend(end(2026, 11, 2), petition, 15, already_extended=20)
    assert error.value.message == "“信访事项办结”最多可延长30日（已延长20日），本次最多还可延长10日。"


def test_an_approved_extension_survives_a_later_tighter_rule() -> None:
    petition = DeadlineRule.objects.get(code="petition-decide")
    approved = extend(due_at(petition, at(2026, 8, 3)), petition, 30)
    petition.extendable_by = 15
    petition.save()
    assert due_at(petition, at(2026, 8, 3), extended=30) == approved
