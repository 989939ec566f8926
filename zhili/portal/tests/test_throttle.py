"""The portal's open doors have a limit per client network: past it, the resident's form comes back
as sent with a message in Chinese (HTTP 429) and nothing is written; other networks go on."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from zhili import testing
from zhili.matters.models import Matter
from zhili.notify.models import Notification
from zhili.portal.tests.conftest import PHONE
from zhili.portal.tests.test_pages import REPORT

pytestmark = pytest.mark.django_db

TOO_OFTEN = "来自您所在网络的请求过于频繁"


@pytest.fixture
def rates(settings: Any) -> dict[str, str]:
    settings.PORTAL_RATES = {"report": "2/h", "code": "2/h", "verify": "2/h", "hint": "2/m"}
    return settings.PORTAL_RATES


def report(client: Client, address: str, **extra: Any) -> Any:
    # A new token each time: each is a new report, not the same one sent again.
    return client.post("/portal/report/", {**REPORT, "token": str(uuid.uuid4())}, REMOTE_ADDR=address, **extra)


def test_reports_past_the_limit_come_back_as_sent_and_write_nothing(tree: testing.Tree, rates: Any) -> None:
    client = Client()
    assert [report(client, "203.0.113.7").status_code for _ in range(2)] == [302, 302]
    refused = report(client, "203.0.113.7")
    html = refused.content.decode()
    assert refused.status_code == 429 and TOO_OFTEN in html
    assert REPORT["description"] in html  # nothing the resident typed is lost
    assert Matter.objects.count() == 2
    # Another network is not held back by this one.
    assert report(Client(), "198.51.100.20").status_code == 302
    assert Matter.objects.count() == 3


def test_a_form_refused_for_its_input_uses_none_of_the_limit(tree: testing.Tree, rates: Any) -> None:
    client = Client()
    for _ in range(3):
        bad = client.post("/portal/report/", {**REPORT, "consent": ""}, REMOTE_ADDR="203.0.113.7")
        assert bad.status_code == 400 and TOO_OFTEN not in bad.content.decode()
    assert report(client, "203.0.113.7").status_code == 302


def test_an_ipv6_client_is_counted_by_its_network(tree: testing.Tree, rates: Any) -> None:
    # Addresses of one /64 are one household's or one device's: they share a limit.
    assert report(Client(), "2001:db8:1:2::10").status_code == 302
    assert report(Client(), "2001:db8:1:2::11").status_code == 302
    assert report(Client(), "2001:db8:1:2:ffff::1").status_code == 429
    assert report(Client(), "2001:db8:1:3::10").status_code == 302


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(tree: testing.Tree, rates: Any, settings: Any) -> None:
    # Without a trusted proxy a client cannot escape its limit by inventing X-Forwarded-For.
    for number in range(2):
        assert report(Client(), "203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}").status_code == 302
    assert report(Client(), "203.0.113.7", HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429
    # Behind one trusted proxy, the clients it forwards are told apart by the address it adds.
    settings.AXES_IPWARE_PROXY_COUNT = 1
    for client_address in ("198.51.100.1", "198.51.100.2"):
        assert report(Client(), "10.1.1.1", HTTP_X_FORWARDED_FOR=client_address).status_code == 302


def test_tracking_codes_and_their_tries_are_limited(reported: Matter, rates: Any) -> None:
    client = Client()
    ask = {"number": reported.number, "phone": PHONE}
    assert [client.post("/portal/track/", ask).status_code for _ in range(2)] == [302, 302]
    refused = client.post("/portal/track/", ask)
    assert refused.status_code == 429 and TOO_OFTEN in refused.content.decode()
    assert Notification.objects.filter(purpose="tracking_code").count() == 2  # no third text went out
    guess = {"number": reported.number, "code": "000000"}
    assert [client.post("/portal/track/code/", guess).status_code for _ in range(2)] == [400, 400]
    assert client.post("/portal/track/code/", guess).status_code == 429


def test_hints_past_the_limit_are_left_out_and_the_form_still_works(tree: testing.Tree, rates: Any) -> None:
    client = Client()
    text = {"description": REPORT["description"]}
    for _ in range(2):
        assert "劳动争议及欠薪纠纷" in client.post("/portal/report/hint/", text).content.decode()
    quiet = client.post("/portal/report/hint/", text)
    assert quiet.status_code == 200 and quiet.content.decode().strip() == ""
    assert report(client, "127.0.0.1").status_code == 302
