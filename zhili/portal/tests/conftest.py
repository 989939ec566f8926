from __future__ import annotations

import re
from typing import Any

import pytest

from zhili import testing
from zhili.matters import actions
from zhili.matters.models import Matter
from zhili.notify.models import Notification

PHONE = "13912345678"


def last_code(matter: Matter) -> str:
    """The code in the newest SMS sent for the matter, as the resident reads it on their phone."""
    sms = Notification.objects.filter(purpose="tracking_code", object_id=str(matter.pk)).order_by("-pk").first()
    assert sms is not None, "no tracking code was sent"
    found = re.search(r"验证码为(\d{6})", sms.body)
    assert found is not None, sms.body
    return found.group(1)


@pytest.fixture
def reported(tree: testing.Tree) -> Matter:
    """A matter a resident reported on the web, with no account: name and phone only."""
    matter, _created = actions.receive(
        actor=None,
        channel="web",
        description="小区门口的路灯坏了一个多月，晚上老人出门看不见路",
        category="public_facility",
        reporter_name="赵六",
        reporter_phone=PHONE,
    )
    return matter


@pytest.fixture
def staff(tree: testing.Tree) -> dict[str, Any]:
    return {
        "clerk": testing.person("portal-clerk", role="clerk", unit_=tree.city),
        "handler": testing.person("portal-handler", role="handler", unit_=tree.judicial_office_a1),
    }
