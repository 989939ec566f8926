"""Intake from every channel, idempotency (also under concurrency), numbering."""

from __future__ import annotations

import pytest
from django.db import connection

from zhili import testing
from zhili.core.errors import Conflict, DomainError
from zhili.matters import actions
from zhili.matters.choices import Channel
from zhili.matters.models import IntakeKey, Matter, MatterEvent
from zhili.matters.tests.conftest import Cast

api = testing.api_client


@pytest.mark.django_db
@pytest.mark.parametrize("channel", Channel.values)
def test_every_channel_registers_a_numbered_matter_with_its_first_event(cast: Cast, channel: str) -> None:
    matter = cast.matter(channel=channel, parties=[{"name": "李四", "phone": "139 1234 5678"}])
    assert matter.number.startswith("LS-") and matter.status == "new" and matter.channel == channel
    event = MatterEvent.objects.get(matter=matter)
    assert (event.seq, event.kind, event.actor) == (1, "created", cast.clerk)
    assert matter.parties.get().phone == "13912345678"
    assert matter.kind_id == "dispute" and matter.category_id == "neighbor"


@pytest.mark.django_db
def test_numbers_are_sequential_and_unique(cast: Cast) -> None:
    numbers = [cast.matter().number for _ in range(3)]
    assert len(set(numbers)) == 3
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == sorted(int(n.rsplit("-", 1)[1]) for n in numbers)


@pytest.mark.django_db
def test_bad_input_names_the_field_and_writes_nothing(cast: Cast) -> None:
    for overrides, field in (
        ({"description": "  "}, "description"),
        ({"category": "nope"}, "category"),
        ({"category": "", "kind": "nope"}, "kind"),
        ({"kind": "request"}, "category"),  # neighbour disputes are not requests
        ({"channel": "fax"}, "channel"),
        ({"parties": [{"name": "王五", "phone": "12"}]}, "parties[0].phone"),
        ({"parties": [{"name": "王五", "role": "applicant", "head_count": 30}]}, "parties[0].head_count"),
        ({"lon": 200.0, "lat": 29.0}, "lon"),
        ({"intake_unit": None, "actor": None} | {"intake_unit": None}, None),
    ):
        if field is None:
            continue
        with pytest.raises(DomainError) as error:
            cast.matter(**overrides)
        assert error.value.field == field
    assert not Matter.objects.exists()


@pytest.mark.django_db
def test_jurisdiction_comes_from_the_map_point(cast: Cast) -> None:
    matter = cast.matter(lon=103.05, lat=29.05)
    assert matter.jurisdiction == cast.tree.grid_a1


@pytest.mark.django_db
def test_the_same_idempotency_key_returns_the_same_matter(cast: Cast) -> None:
    first, created = actions.receive(
        actor=cast.clerk,
        channel="api",
        description="路灯坏了",
        category="public_facility",
        intake_unit=cast.tree.township_a1,
        idempotency_key="k-1",
        payload_fingerprint="a",
    )
    again, created_again = actions.receive(
        actor=cast.clerk,
        channel="api",
        description="路灯坏了",
        category="public_facility",
        intake_unit=cast.tree.township_a1,
        idempotency_key="k-1",
        payload_fingerprint="a",
    )
    assert created and not created_again and again.pk == first.pk
    with pytest.raises(Conflict) as error:
        actions.receive(
            actor=cast.clerk,
            channel="api",
            description="另一件事",
            category="public_facility",
            intake_unit=cast.tree.township_a1,
            idempotency_key="k-1",
            payload_fingerprint="b",
        )
    assert error.value.code == "idempotency_key_reused"
    assert Matter.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_requests_with_one_key_create_one_matter(tree: testing.Tree) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL's concurrent transactions")
    clerk = testing.person("racer", role="clerk", unit_=tree.township_a1)

    def intake() -> tuple[int, bool]:
        matter, created = actions.receive(
            actor=clerk,
            channel="api",
            description="井盖丢了",
            category="public_facility",
            intake_unit=tree.township_a1,
            idempotency_key="race-1",
            payload_fingerprint="same",
        )
        return matter.pk, created

    results = testing.race(8, intake)
    assert len({pk for pk, _created in results}) == 1
    assert sum(created for _pk, created in results) == 1
    assert Matter.objects.count() == 1 and IntakeKey.objects.count() == 1


@pytest.mark.django_db
def test_api_intake_answers_the_number_at_once_and_replays_by_key(cast: Cast) -> None:
    body = {
        "category": "public_facility",
        "description": "小区门口路灯坏了一个星期",
        "lon": 103.05,
        "lat": 29.05,
        "intake_unit": cast.tree.township_a1.pk,
        "parties": [{"name": "赵六", "phone": "13712345678"}],
    }
    client = api(cast.clerk)
    first = client.post("/api/v1/matters/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.json()
    assert first.json()["number"].startswith("LS-") and first.json()["channel"] == "api"
    assert first.json()["parties"][0]["phone"] == "137****5678"
    again = client.post("/api/v1/matters/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = client.post(
        "/api/v1/matters/", {**body, "description": "别的事"}, format="json", HTTP_IDEMPOTENCY_KEY="abc"
    )
    assert other.status_code == 409 and other.json()["errors"][0]["code"] == "idempotency_key_reused"
    bad = client.post("/api/v1/matters/", {**body, "description": ""}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "description"


@pytest.mark.django_db
def test_a_resident_reports_through_the_api_and_sees_only_their_own(cast: Cast) -> None:
    response = api(cast.resident).post(
        "/api/v1/matters/", {"category": "public_facility", "description": "我家楼下的井盖丢了"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["channel"] == "web" and response.json()["intake_unit"] == cast.tree.city.pk
    cast.matter()  # someone else's
    listing = api(cast.resident).get("/api/v1/matters/").json()
    assert [m["id"] for m in listing["results"]] == [response.json()["id"]]


@pytest.mark.django_db
def test_the_resident_is_told_the_number_and_each_change_of_status(cast: Cast) -> None:
    from zhili.matters import actions as act
    from zhili.notify.models import Notification

    matter = cast.matter(reporter_phone="13612345678")
    received = Notification.objects.get(purpose="matter_received")
    assert received.recipient == "13612345678" and matter.number in received.body
    act.perform(matter, "dispatched", actor=cast.clerk, data={"lead_unit": cast.tree.judicial_office_a1.pk})
    act.perform(matter, "note", actor=cast.clerk, reason="内部备注")  # no change of status, no notice
    notices = list(Notification.objects.filter(purpose="matter_status").values_list("body", flat=True))
    assert notices == [f"您反映的事项{matter.number}已转交甲一镇司法所办理。"]


@pytest.mark.django_db
def test_notices_are_written_in_the_platforms_language_whatever_the_staffs(cast: Cast) -> None:
    from django.utils import translation

    from zhili.matters import actions as act
    from zhili.notify.models import Notification

    with translation.override("en"):  # a clerk working in the English interface
        matter = cast.matter(reporter_phone="13612345678")
        act.perform(matter, "dispatched", actor=cast.clerk, data={"lead_unit": cast.tree.judicial_office_a1.pk})
        assert translation.get_language() == "en"  # the clerk's page stays in English
    bodies = list(Notification.objects.order_by("pk").values_list("body", flat=True))
    assert bodies == [
        f"您反映的事项已登记，编号{matter.number}。可凭编号和手机号查询办理进度。",
        f"您反映的事项{matter.number}已转交甲一镇司法所办理。",
    ]


@pytest.mark.django_db
def test_a_refused_intake_queues_no_notice(cast: Cast) -> None:
    from zhili.notify.models import Notification

    with pytest.raises(DomainError):
        cast.matter(reporter_phone="13612345678", category="nope")
    assert not Notification.objects.exists()
