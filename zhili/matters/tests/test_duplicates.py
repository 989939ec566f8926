"""Possible duplicates: earlier matters in the clerk's reach that look like the one being
registered (same reporter phone, or a similar text at the same unit), shown as the clerk types
and offered for the MERGED step of a new matter. Matters link to matters: never an anonymous
reporter by phone, never beyond the scope, at most five."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhili import testing
from zhili.matters import actions, duplicates
from zhili.matters.models import Matter
from zhili.matters.tests.conftest import Cast

pytestmark = pytest.mark.django_db

NOISE = "楼上邻居装修每天早上七点就开始电钻，老人睡不好觉"
NOISE_AGAIN = "我家楼上一直在装修，每天早上七点钟电钻响，家里老人休息不好"
WAGES = "工地上我们九个人的工钱拖了半年了，老板电话也不接"


def numbers(found: list[duplicates.Candidate]) -> list[str]:
    return [candidate.number for candidate in found]


def test_the_same_phone_finds_the_earlier_matter_but_not_an_anonymous_one(cast: Cast) -> None:
    earlier = cast.matter(description=WAGES, reporter_phone="13812345678")
    cast.matter(description=WAGES, reporter_phone="13812345678", anonymous=True)
    cast.matter(description=WAGES, reporter_phone="13900000000")
    found = duplicates.candidates(cast.clerk, description="路灯坏了", reporter_phone="138-1234-5678")
    assert numbers(found) == [earlier.number]
    assert found[0].why == "同一反映人电话" and found[0].status_label == "待分办"


def test_similar_text_at_the_same_unit_is_found_unrelated_text_is_not(cast: Cast) -> None:
    noise = cast.matter(description=NOISE)
    cast.matter(description=WAGES)
    found = duplicates.candidates(cast.clerk, description=NOISE_AGAIN, unit_ids=(cast.tree.township_a1.pk,))
    assert numbers(found) == [noise.number]
    assert found[0].why == "内容相近" and 55 <= found[0].score < 100
    # Another unit's matters are not compared by text; a few characters are not compared at all.
    assert duplicates.candidates(cast.clerk, description=NOISE_AGAIN, unit_ids=(cast.tree.township_a2.pk,)) == []
    assert duplicates.candidates(cast.clerk, description="楼上装修", unit_ids=(cast.tree.township_a1.pk,)) == []


def test_only_what_the_viewer_reaches_and_only_recent_matters(cast: Cast) -> None:
    outside_clerk = testing.person("b-clerk", role="clerk", unit_=cast.tree.county_b)
    outside, _created = actions.receive(
        actor=outside_clerk,
        channel="hotline",
        description=NOISE,
        category="neighbor",
        reporter_phone="13812345678",
        intake_unit=cast.tree.county_b,
    )
    long_ago = timezone.now() - datetime.timedelta(days=120)
    old_open = cast.matter(description=NOISE, reporter_phone="13812345678", at=long_ago)
    old_closed = cast.matter(description=NOISE, reporter_phone="13812345678", at=long_ago)
    Matter.objects.filter(pk=old_closed.pk).update(status="closed")
    merged = cast.matter(description=NOISE, reporter_phone="13812345678")
    Matter.objects.filter(pk=merged.pk).update(status="merged", merged_into=old_open.number)
    found = duplicates.candidates(
        cast.clerk, description=NOISE, reporter_phone="13812345678", unit_ids=(cast.tree.township_a1.pk,)
    )
    assert found == []  # merged, received four months ago, or out of reach
    recent = cast.matter(description=NOISE, reporter_phone="13812345678")
    found = duplicates.candidates(
        cast.clerk, description=NOISE, reporter_phone="13812345678", unit_ids=(cast.tree.township_a1.pk,)
    )
    assert numbers(found) == [recent.number]
    assert outside.number not in numbers(duplicates.candidates(cast.leader, reporter_phone="13812345678"))


def test_at_most_five_newest_first_in_two_queries(cast: Cast) -> None:
    made = [cast.matter(description=NOISE, reporter_phone="13812345678") for _ in range(7)]
    duplicates.candidates(cast.clerk, reporter_phone="13812345678")  # the scope, once per user object
    with CaptureQueriesContext(connection) as queries:
        found = duplicates.candidates(
            cast.clerk, description=NOISE_AGAIN, reporter_phone="13812345678", unit_ids=(cast.tree.township_a1.pk,)
        )
    assert numbers(found) == [m.number for m in reversed(made)][:5]
    assert len(queries) == 3  # same phone, the unit's newest by text, then the scope of those found


def test_the_intake_screen_lists_them_as_the_clerk_types(cast: Cast) -> None:
    earlier = cast.matter(description=NOISE, reporter_phone="13812345678")
    client = Client()
    client.force_login(cast.clerk)
    page = client.get(reverse("matters:intake")).content.decode()
    assert 'id="duplicates"' in page and reverse("matters:duplicates") in page
    response = client.post(
        reverse("matters:duplicates"),
        {"description": NOISE_AGAIN, "intake_unit": cast.tree.township_a1.pk, "reporter_phone": ""},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert earlier.number in html and reverse("matters:detail", args=[earlier.pk]) in html
    assert "内容相近" in html and "待分办" in html and earlier.received_at.strftime("%Y-%m-%d") in html
    assert "13812345678" not in html and "138****5678" not in html  # matters, not people
    nothing = client.post(reverse("matters:duplicates"), {"description": WAGES, "intake_unit": ""})
    assert "没有发现疑似重复的事项。" in nothing.content.decode()
    client.force_login(cast.resident)
    assert client.post(reverse("matters:duplicates"), {"description": NOISE}).status_code == 403


def test_a_new_matter_offers_the_merge_into_its_likely_original(cast: Cast) -> None:
    original = cast.matter(description=NOISE, reporter_phone="13812345678")
    repeat = cast.matter(description=NOISE_AGAIN, reporter_phone="13812345678")
    client = Client()
    client.force_login(cast.clerk)
    response = client.get(reverse("matters:detail", args=[repeat.pk]))
    [merge] = [form for form in response.context["step_forms"] if form.kind == "merged"]
    assert numbers(merge.candidates) == [original.number]
    html = response.content.decode()
    assert f'value="{original.number}"' in html and 'list="merged-candidates"' in html and "疑似重复" in html
    # The original itself has no earlier matter to merge into.
    first = client.get(reverse("matters:detail", args=[original.pk])).context["step_forms"]
    assert [form.candidates for form in first if form.kind == "merged"] == [[]]
    merged = client.post(
        reverse("matters:step", args=[repeat.pk]),
        {"kind": "merged", "merged-into": original.number, "merged-reason": "同一事项重复反映"},
    )
    assert merged.status_code == 302
    repeat.refresh_from_db()
    assert (repeat.status, repeat.merged_into) == ("merged", original.number)


def test_similarity_reads_chinese_text() -> None:
    assert duplicates.similarity(NOISE, NOISE_AGAIN) >= duplicates.THRESHOLD
    assert duplicates.similarity(NOISE, WAGES) < duplicates.THRESHOLD
    assert duplicates.similarity("", NOISE) == 0
