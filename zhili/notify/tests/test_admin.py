from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.accounts.models import User
from zhili.notify import services
from zhili.notify.models import Notification, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client: Client) -> Client:
    user = testing.person("operator")
    User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
    client.force_login(user)
    return client


def test_operators_see_the_outbox_with_recipients_masked(operator: Client) -> None:
    notification = services.enqueue("sms", "13800138000", "", "事项已受理。", purpose="matter_received")
    changelist = operator.get(reverse("admin:notify_notification_changelist"))
    detail = operator.get(reverse("admin:notify_notification_change", args=[notification.pk]))
    for page in (changelist, detail):
        assert page.status_code == 200
        assert "138****8000" in page.content.decode()
        assert "13800138000" not in page.content.decode()


def test_operators_retry_failed_notices_and_cancel_pending_ones(operator: Client, settings: Any) -> None:
    settings.NOTIFY_SMS_BACKEND = "zhili.notify.backends.FailingBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 1
    failed = services.enqueue("sms", "13800138000", "", "第一条", purpose="matter_received")
    services.sweep(now=failed.next_attempt_at)
    pending = services.enqueue("sms", "13900139000", "", "第二条", purpose="matter_status")
    url = reverse("admin:notify_notification_changelist")

    operator.post(url, {"action": "retry", "_selected_action": [failed.pk, pending.pk]})
    operator.post(url, {"action": "cancel", "_selected_action": [pending.pk]})

    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {failed.pk: Status.PENDING, pending.pk: Status.CANCELLED}


def test_notices_cannot_be_deleted_or_edited_in_the_admin(operator: Client) -> None:
    notification = services.enqueue("sms", "13800138000", "", "事项已受理。", purpose="matter_received")
    response = operator.post(reverse("admin:notify_notification_delete", args=[notification.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Notification.objects.filter(pk=notification.pk).exists()
