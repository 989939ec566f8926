"""A signed-in session expires after the idle limit: every request moves the expiry on, but the
session row is written at most once a minute (core.middleware.SlidingSessionMiddleware)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhili import testing
from zhili.core.middleware import SlidingSessionMiddleware

pytestmark = pytest.mark.django_db


def writes(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("web:home")).status_code == 200
    written = [q for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    return len([q for q in written if "django_session" in q["sql"]])


def test_the_expiry_slides_once_a_minute_not_on_every_page(tree: testing.Tree) -> None:
    client = Client()
    client.force_login(testing.person("clerk", role="clerk", unit_=tree.township_a1))
    assert writes(client) == 1  # the first page marks the session as seen
    assert writes(client) == 0  # within the minute: no write
    key = client.session.session_key
    session = client.session
    session[SlidingSessionMiddleware.KEY] -= SlidingSessionMiddleware.REFRESH_SECONDS
    session.save()
    before = Session.objects.get(session_key=key).expire_date
    assert writes(client) == 1  # a minute later: written again, the expiry moved on
    assert Session.objects.get(session_key=key).expire_date > before


def test_visitors_without_a_session_get_none() -> None:
    client = Client()
    assert client.get(reverse("portal:home")).status_code == 200
    assert not Session.objects.exists()
