"""就地化解 as a lifecycle step: the transition, who may take it, its refusals, the follow-up after
it, and the same step through the REST API and the staff page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhili import testing
from zhili.core.errors import DomainError
from zhili.grid.tests.conftest import THREAT, Crew
from zhili.matters import actions, lifecycle, policy
from zhili.matters.choices import EventKind as E
from zhili.matters.choices import Status as S
from zhili.matters.models import Matter

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def at(status: str, **fields: object) -> lifecycle.MatterState:
    return lifecycle.MatterState(status=status, kind="dispute", intake_unit=5, **fields)  # type: ignore[arg-type]


# --- the state machine --------------------------------------------------------------------------


def test_from_new_the_grid_becomes_the_lead_and_the_worker_the_owner() -> None:
    after = lifecycle.advance(at(S.NEW), E.RESOLVED_ON_SPOT, {}, NOW, 42)
    assert (after.status, after.lead_unit, after.owner, after.answered_at) == (S.ANSWERED, 5, 42, NOW.isoformat())


def test_from_dispatched_or_in_progress_the_lead_and_an_owner_stay() -> None:
    dispatched = lifecycle.advance(at(S.DISPATCHED, lead_unit=7), E.RESOLVED_ON_SPOT, {}, NOW, 42)
    assert (dispatched.status, dispatched.lead_unit, dispatched.owner) == (S.ANSWERED, 7, 42)
    waiting = at(S.IN_PROGRESS, lead_unit=7, owner=9, waiting_since=(NOW - timedelta(hours=1)).isoformat())
    handled = lifecycle.advance(waiting, E.RESOLVED_ON_SPOT, {}, NOW, 42)
    assert (handled.status, handled.lead_unit, handled.owner, handled.waiting_since) == (S.ANSWERED, 7, 9, "")


def test_not_from_returned_nor_once_answered() -> None:
    for status in (S.RETURNED, S.ANSWERED, S.CLOSED, S.MERGED):
        with pytest.raises(lifecycle.TransitionRefused):
            lifecycle.advance(at(status), E.RESOLVED_ON_SPOT, {}, NOW, 42)


def test_red_matters_petitions_and_legal_services_are_refused_in_chinese() -> None:
    for state, words in (
        (at(S.NEW, risk="red"), "红色预警"),
        (lifecycle.MatterState(status=S.NEW, kind="petition", intake_unit=5), "信访"),
        (lifecycle.MatterState(status=S.NEW, kind="legal_service", intake_unit=5), "法律服务"),
    ):
        with pytest.raises(lifecycle.TransitionRefused) as refused:
            lifecycle.advance(state, E.RESOLVED_ON_SPOT, {}, NOW, 42)
        assert words in refused.value.why
        assert E.RESOLVED_ON_SPOT not in lifecycle.allowed_from(state)
    assert E.RESOLVED_ON_SPOT in lifecycle.allowed_from(at(S.NEW, risk="yellow"))


# --- who may --------------------------------------------------------------------------------------


def test_the_grid_worker_may_on_their_grid_and_nobody_at_a_township_centre(crew: Crew) -> None:
    at_grid = crew.report()
    assert policy.may(crew.worker, at_grid, E.RESOLVED_ON_SPOT)
    assert not policy.may(crew.other_worker, at_grid, E.RESOLVED_ON_SPOT)  # the grid next door
    at_township = crew.report(actor=crew.clerk, channel="walk_in", intake_unit=crew.tree.township_a1)
    # The clerk handles matters at the township, but there a matter takes the regular route.
    assert not policy.may(crew.clerk, at_township, E.RESOLVED_ON_SPOT)


def test_dispatched_only_when_the_lead_unit_is_the_workers_grid(crew: Crew) -> None:
    to_grid = actions.perform(crew.report(), E.DISPATCHED, actor=crew.clerk, data={"lead_unit": crew.grid.pk})
    assert policy.may(crew.worker, to_grid, E.RESOLVED_ON_SPOT)
    office = crew.tree.judicial_office_a1
    to_office = actions.perform(crew.report(), E.DISPATCHED, actor=crew.clerk, data={"lead_unit": office.pk})
    assert not policy.may(crew.worker, to_office, E.RESOLVED_ON_SPOT)
    with pytest.raises(PermissionDenied):
        actions.perform(to_office, E.RESOLVED_ON_SPOT, actor=crew.worker, reason="已现场协调")
    assert Matter.objects.get(pk=to_office.pk).status == S.DISPATCHED


# --- through actions.perform ----------------------------------------------------------------------


def test_the_result_is_required(crew: Crew) -> None:
    matter = crew.report()
    with pytest.raises(DomainError) as error:
        actions.perform(matter, E.RESOLVED_ON_SPOT, actor=crew.worker, reason=" ")
    assert error.value.code == "reason_required"
    assert matter.events.count() == 1


def test_a_red_matter_is_refused_with_the_reason_and_nothing_changes(crew: Crew) -> None:
    matter = crew.report(THREAT, risk="red")
    with pytest.raises(actions.TransitionConflict) as refused:
        actions.perform(matter, E.RESOLVED_ON_SPOT, actor=crew.worker, reason="已劝离")
    assert "红色预警事项不能就地化解" in refused.value.message
    assert Matter.objects.get(pk=matter.pk).status == S.NEW


def test_resolved_then_rated_and_closed_and_the_history_replays(crew: Crew) -> None:
    matter = crew.report(reporter=crew.resident)
    matter = actions.perform(matter, E.RESOLVED_ON_SPOT, actor=crew.worker, reason="双方约定九点后施工")
    assert (matter.status, matter.lead_unit_id, matter.owner_id) == (S.ANSWERED, crew.grid.pk, crew.worker.pk)
    assert matter.answered_at is not None and matter.due_at is None
    event = matter.events.get(kind=E.RESOLVED_ON_SPOT)
    assert (event.reason, event.actor_id) == ("双方约定九点后施工", crew.worker.pk)
    matter = actions.perform(matter, E.RATED, actor=crew.resident, data={"score": 5})
    assert matter.status == S.CLOSED
    events = [lifecycle.Recorded(e.kind, e.data, e.time, e.actor_id) for e in matter.events.order_by("seq")]
    assert lifecycle.replay(events) == actions.state_of(Matter.objects.get(pk=matter.pk))


def test_the_clerk_visits_and_closes_after_it(crew: Crew) -> None:
    matter = actions.perform(crew.report(), E.RESOLVED_ON_SPOT, actor=crew.worker, reason="已修好")
    matter = actions.perform(matter, E.VISITED, actor=crew.clerk, data={"reached": False})
    matter = actions.perform(matter, E.CLOSED, actor=crew.clerk)
    assert matter.status == S.CLOSED


# --- the API and the staff page -------------------------------------------------------------------


def test_the_api_takes_the_step_like_any_other(crew: Crew) -> None:
    matter = crew.report()
    url = f"/api/v1/matters/{matter.pk}/steps/"
    detail = testing.api_client(crew.worker).get(f"/api/v1/matters/{matter.pk}/").json()
    assert E.RESOLVED_ON_SPOT in detail["allowed_steps"]
    response = testing.api_client(crew.worker).post(
        url, {"kind": "resolved_on_spot", "reason": "已当面调解"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "answered"
    red = crew.report(THREAT, risk="red")
    refused = testing.api_client(crew.worker).post(
        f"/api/v1/matters/{red.pk}/steps/", {"kind": "resolved_on_spot", "reason": "已劝离"}, format="json"
    )
    assert refused.status_code == 409
    assert "红色预警" in refused.json()["errors"][0]["detail"]


def test_the_staff_page_offers_the_step_to_the_grid_worker(crew: Crew) -> None:
    matter = crew.report()
    client = Client()
    client.force_login(crew.worker)
    page = client.get(reverse("matters:detail", args=[matter.pk]))
    assert E.RESOLVED_ON_SPOT in {form.kind for form in page.context["step_forms"]}
    done = client.post(
        reverse("matters:step", args=[matter.pk]),
        {"kind": E.RESOLVED_ON_SPOT, f"{E.RESOLVED_ON_SPOT}-reason": "已当面调解"},
    )
    assert done.status_code == 302
    assert Matter.objects.get(pk=matter.pk).status == S.ANSWERED
