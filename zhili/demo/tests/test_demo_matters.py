"""The demo matters of `zhili seed-demo`: varied, valid histories, quiet, idempotent."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from zhili.demo import loader, matters
from zhili.matters import actions, lifecycle, timing
from zhili.matters.choices import Channel, EventKind, Status
from zhili.matters.models import IntakeKey, Matter, MatterCounter, MatterEvent
from zhili.notify import services as notify_services
from zhili.notify.models import Notification
from zhili.search import services as search

pytestmark = pytest.mark.django_db

N = 200
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[matters.Report]:
    """The demo organisation and N demo matters, once for the module; each test runs inside."""
    sent: list[object] = []  # any notice reaching a backend (SMS gateway, e-mail, file, console)
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        mock.patch.object(notify_services, "backend_for", side_effect=sent.append),
        mock.patch.object(notify_services, "_schedule", side_effect=sent.append),
        mock.patch.object(notify_services, "_schedule_many", side_effect=sent.append),
        transaction.atomic(),
    ):
        loader.load()
        waiting = len(transaction.get_connection().run_on_commit)
        report = matters.load_matters(N, batch=70)  # three batches, the last one short
        report.statuses["sent"] = len(sent)
        # Nothing the matters queued waits for the commit (delivery is started after commit).
        report.statuses["after_commit"] = len(transaction.get_connection().run_on_commit) - waiting
        yield report
        transaction.set_rollback(True)


def demo_matters() -> list[Matter]:
    keys = IntakeKey.objects.filter(key__startswith=matters.KEY_PREFIX)
    return list(Matter.objects.filter(pk__in=keys.values("matter_id")).select_related("reporter"))


def test_n_matters_each_with_a_demo_key(seeded: matters.Report) -> None:
    assert seeded.created == N
    assert IntakeKey.objects.filter(key__startswith=matters.KEY_PREFIX).count() == N
    assert Matter.objects.count() == N


def test_every_status_channel_and_risk_and_many_categories(seeded: matters.Report) -> None:
    rows = demo_matters()
    assert {m.status for m in rows} == set(Status.values)
    assert {m.channel for m in rows} == set(Channel.values)
    assert {m.risk_id for m in rows} == {"green", "yellow", "red"}
    assert len({m.category_id for m in rows}) >= 15
    now = timezone.now()
    open_ = [m for m in rows if m.status in {"new", "dispatched", "in_progress", "returned"}]
    assert any(m.due_at is not None and m.due_at < now for m in open_), "some matters are overdue"
    assert any(m.supervised for m in rows)
    assert any(m.waiting_since for m in rows)
    assert any(m.escalations for m in rows)
    assert any(m.reopened for m in rows)
    assert any(m.rating for m in rows)
    kinds = set(MatterEvent.objects.values_list("kind", flat=True))
    assert {EventKind.EXTENSION_REQUESTED, EventKind.EXTENSION_APPROVED, EventKind.TRANSFERRED} <= kinds


def test_texts_from_the_training_corpus_and_invented_reporters(seeded: matters.Report) -> None:
    texts = {row["text"] for row in matters.corpus()}
    rows = demo_matters()
    assert all(m.description in texts for m in rows)
    resident = [m for m in rows if m.reporter is not None]
    assert resident and {m.reporter.username for m in resident} == {"demo-resident"}
    assert all(m.reporter_name and m.reporter_phone for m in rows if m.reporter is None)


def test_lead_units_match_the_category_where_the_tree_has_that_type(seeded: matters.Report) -> None:
    checked = 0
    for event in MatterEvent.objects.filter(kind=EventKind.DISPATCHED).select_related("matter__category"):
        matter = event.matter
        lead = matter.lead_unit if matter.escalations == 0 and matter.status != "merged" else None
        transferred = matter.events.filter(kind=EventKind.TRANSFERRED).exists()
        if lead is None or transferred or matter.category is None:
            continue
        assert lead.unit_type_id == matter.category.lead_id, (matter.number, lead.code)
        checked += 1
    assert checked > N / 3


def test_the_demo_accounts_take_steps_where_their_roles_reach(seeded: matters.Report) -> None:
    actors = Counter(MatterEvent.objects.exclude(actor=None).values_list("kind", "actor__username"))
    assert actors[(EventKind.DISPATCHED, "demo-clerk")] > 0
    assert actors[(EventKind.ACCEPTED, "demo-handler")] + actors[(EventKind.ACCEPTED, "demo-mediator")] > 0
    assert any(user == "demo-leader" for (_kind, user) in actors)


def test_every_matter_replays_from_its_events_to_its_stored_state(seeded: matters.Report) -> None:
    for matter in demo_matters():
        events = [lifecycle.Recorded(e.kind, e.data, e.time, e.actor_id) for e in matter.events.order_by("seq")]
        assert lifecycle.replay(events) == actions.state_of(matter), matter.number
        assert len(events) == matter.last_event_seq


def test_numbered_in_the_order_received_as_receive_numbers_them(seeded: matters.Report) -> None:
    numbers = [m.number for m in sorted(demo_matters(), key=lambda m: m.received_at)]
    prefix, year = settings.MATTER_NUMBER_PREFIX, timezone.localdate().year
    assert numbers == [f"{prefix}-{year}-{n:06d}" for n in range(1, N + 1)]
    assert MatterCounter.objects.get(prefix=prefix, year=year).last == N


def test_every_matter_can_be_found_by_search(seeded: matters.Report) -> None:
    pks = {m.pk for m in demo_matters()}
    assert set(search.stored(pks)) == pks


def test_deadlines_are_those_timing_gives_the_stored_state(seeded: matters.Report) -> None:
    columns = ("due_stage", "due_rule", "due_at", "warn_at")
    for matter in demo_matters():
        stored = [getattr(matter, name) for name in columns]
        last = matter.events.order_by("-seq").values_list("time", flat=True)[0]
        timing.refresh(matter, last)
        assert [getattr(matter, name) for name in columns] == stored, matter.number


def test_times_within_six_months_and_in_order(seeded: matters.Report) -> None:
    now = timezone.now()
    earliest = now - matters.SPAN - datetime.timedelta(minutes=1)
    for matter in demo_matters():
        times = list(matter.events.order_by("seq").values_list("time", flat=True))
        assert times[0] == matter.received_at
        assert times == sorted(times)
        assert earliest <= times[0] and times[-1] <= now


def test_nobody_is_told_anything(seeded: matters.Report) -> None:
    assert not Notification.objects.exists()  # not even queued: no SMS, no e-mail, no outbox row
    assert seeded.statuses["after_commit"] == 0  # no delivery waits for the commit
    assert seeded.statuses["sent"] == 0
    assert not mail.outbox


def test_a_second_run_adds_nothing(seeded: matters.Report) -> None:
    events = MatterEvent.objects.count()
    again = matters.load_matters(N)
    assert (again.created, again.present) == (0, N)
    assert Matter.objects.count() == N and MatterEvent.objects.count() == events
    out = StringIO()
    call_command("seed_demo", "--matters", "50", stdout=out, no_color=True)
    assert f"{N} demo matters already present" in out.getvalue()
    assert Matter.objects.count() == N
