"""On a matter's page, personal data is masked and shown in full only on request, with a reason,
to staff with pii.reveal over the matter; every reveal is in the audit log. Outsiders get 404,
staff without the permission a refusal in Chinese. Through htmx only the one value comes back."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.accounts import services as accounts
from zhili.audit.models import AuditEvent
from zhili.core.errors import DomainError
from zhili.matters.models import Matter, Party
from zhili.matters.tests.conftest import Cast

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
PARTY_PHONE = "13987654321"
ID_NUMBER = "11010519491231002X"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def matter(cast: Cast) -> Matter:
    return cast.matter(
        reporter_name="张三",
        reporter_phone=PHONE,
        parties=[{"name": "李四", "phone": PARTY_PHONE, "id_number": ID_NUMBER}],
    )


def reveal(user: Any, matter: Matter, target: str, field: str, reason: str = "回访需要联系", **headers: Any) -> Any:
    data = {"target": target, "field": field, "reason": reason}
    return signed_in(user).post(reverse("matters:reveal", args=[matter.pk]), data, **headers)


def reveals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind="reveal").order_by("pk"))


def test_the_page_holds_no_full_value_but_offers_the_reveal_form(cast: Cast, matter: Matter) -> None:
    html = signed_in(cast.clerk).get(reverse("matters:detail", args=[matter.pk])).content.decode()
    assert PHONE not in html and PARTY_PHONE not in html and ID_NUMBER not in html
    assert "138****5678" in html and "1101**********002X" in html
    assert html.count('name="target"') == 3  # the reporter's phone, the party's phone and ID number
    assert '<label class="form-label small mb-0" for="reveal-reporter-reporter_phone-reason">查看原因</label>' in html


def test_a_clerk_sees_the_reporters_phone_with_a_reason_and_it_is_logged(cast: Cast, matter: Matter) -> None:
    response = reveal(cast.clerk, matter, "reporter", "reporter_phone", reason="回访需要联系")
    assert response.status_code == 200
    html = response.content.decode()
    assert PHONE in html and "已记入审计日志" in html
    assert PARTY_PHONE not in html and ID_NUMBER not in html  # only what was asked for
    assert "no-store" in response["Cache-Control"]
    [event] = reveals()
    assert (event.actor, event.reason, event.data, event.object_id) == (
        cast.clerk,
        "回访需要联系",
        {"field": "reporter_phone"},
        str(matter.pk),
    )
    # Gone on the next load of the page.
    assert PHONE not in signed_in(cast.clerk).get(reverse("matters:detail", args=[matter.pk])).content.decode()


def test_through_htmx_only_the_value_comes_back(cast: Cast, matter: Matter) -> None:
    party = Party.objects.get(matter=matter)
    response = reveal(cast.leader, matter, f"party-{party.pk}", "id_number", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<div class="zl-pii d-inline-block" id="pii-party-')
    assert ID_NUMBER in html and "<html" not in html and "Vary" in response and "HX-Request" in response["Vary"]
    event = reveals()[0]
    assert event.data == {"field": "id_number"} and event.object_id == str(party.pk)
    assert event.content_type.model == "party"


def test_a_reason_is_required_in_chinese(cast: Cast, matter: Matter) -> None:
    response = reveal(cast.clerk, matter, "reporter", "reporter_phone", reason="")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写查看原因。" in html and PHONE not in html
    short = reveal(cast.clerk, matter, "reporter", "reporter_phone", reason="看", HTTP_HX_REQUEST="true")
    assert short.status_code == 400 and "查看原因至少 2 个字。" in short.content.decode()
    assert 'aria-invalid="true"' in short.content.decode()
    assert reveals() == []


def test_staff_without_the_permission_are_refused_in_chinese(cast: Cast, matter: Matter) -> None:
    auditor = testing.person("auditor-a1", role="auditor", unit_=cast.tree.township_a1)
    page = signed_in(auditor).get(reverse("matters:detail", args=[matter.pk]))
    assert page.status_code == 200 and 'name="target"' not in page.content.decode()
    response = reveal(auditor, matter, "reporter", "reporter_phone")
    assert response.status_code == 403
    assert "您没有查看完整个人信息的权限。" in response.content.decode() and PHONE not in response.content.decode()
    htmx = reveal(auditor, matter, "reporter", "reporter_phone", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 403 and "您没有查看完整个人信息的权限。" in htmx.content.decode()
    assert reveals() == []


def test_outsiders_and_wrong_targets_get_404(cast: Cast, matter: Matter) -> None:
    outsider = testing.person("b-clerk", role="clerk", unit_=cast.tree.county_b)
    assert reveal(outsider, matter, "reporter", "reporter_phone").status_code == 404
    assert reveal(cast.resident, matter, "reporter", "reporter_phone").status_code == 404
    # A party of another matter, through this one.
    other = cast.matter(parties=[{"name": "王五", "phone": "13700001111"}])
    stranger = Party.objects.get(matter=other)
    assert reveal(cast.clerk, matter, f"party-{stranger.pk}", "phone").status_code == 404
    assert reveal(cast.clerk, matter, "reporter", "description").status_code == 404
    # The reporter of an anonymous matter is hidden from handlers, even with a reason.
    hidden = cast.matter(reporter_name="赵六", reporter_phone="13600002222", anonymous=True)
    assert reveal(cast.clerk, hidden, "reporter", "reporter_phone").status_code == 404
    assert reveals() == []


def test_matters_and_parties_restrict_reveal_to_the_permission_scope(cast: Cast, matter: Matter) -> None:
    party = Party.objects.get(matter=matter)
    auditor = testing.person("auditor-x", role="auditor", unit_=cast.tree.county_a)
    assert Matter.objects.restrict(cast.clerk, "reveal").filter(pk=matter.pk).exists()
    assert Party.objects.restrict(cast.clerk, "reveal").filter(pk=party.pk).exists()
    assert not Matter.objects.restrict(auditor, "reveal").exists()
    assert not Party.objects.restrict(auditor, "reveal").exists()
    assert Party.objects.restrict(auditor, "view").filter(pk=party.pk).exists()
    outsider = testing.person("b-mediator", role="mediator", unit_=cast.tree.county_b)
    assert not Party.objects.restrict(outsider, "reveal").exists()


def test_the_service_never_reveals_an_anonymous_reporter(cast: Cast) -> None:
    anonymous = cast.matter(reporter_name="匿名群众", reporter_phone="13612345678", anonymous=True)
    with pytest.raises(DomainError) as withheld:
        accounts.reveal(cast.clerk, anonymous, "reporter_phone", reason="核实情况")
    assert withheld.value.code == "reveal_withheld" and withheld.value.status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.REVEAL).exists()
