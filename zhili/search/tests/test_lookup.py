"""What the search box finds, on SQLite and PostgreSQL alike: words (2 characters, phrases, mixed
with Latin letters and digits), numbers, phones and names; input that full-text syntax would
choke on; the viewer's reach; the audit of looking up a person's matters; relevance."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from zhili.audit.models import AuditEvent
from zhili.matters.models import Matter
from zhili.search import lookup, ranking
from zhili.search.tests.conftest import Desk

pytestmark = pytest.mark.django_db


def found(desk: Desk, text: str, viewer: Any = None) -> set[str]:
    """The keys (desk.matters) of what `text` finds among what the viewer may see."""
    viewer = viewer or desk.clerk
    pks = set(lookup.filter_matters(Matter.objects.restrict(viewer, "view"), text, viewer).values_list("pk", flat=True))
    return {key for key, matter in desk.matters.items() if matter.pk in pks}


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("工资", {"wages", "short"}),  # a 2-character word, in the text or the title
        ("拖欠工资", {"short"}),  # a phrase: those characters in that order
        ("拖欠 工资", {"wages", "short"}),  # two words, anywhere
        ("农民工工资", {"wages"}),
        ("资", {"wages", "short"}),  # one character
        ("a栋302", {"noise"}),
        ("Ａ栋３０２室", {"noise"}),  # full-width
        ("302", {"noise"}),
        ("30", set()),  # a number is matched whole
        ("幸福路8号", {"lamp"}),  # the address
        ("工资，三个月！", {"wages"}),  # punctuation separates words
        ("噪音 工资", set()),
        ("某建筑公司", {"wages"}),  # a party that is an organisation, by its name
    ],
)
def test_words_in_the_text(desk: Desk, text: str, keys: set[str]) -> None:
    assert found(desk, text) == keys


WAGES = {"wages", "short"}


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ('"', set()),
        ("*", set()),
        (":", set()),
        ("-", set()),
        ("\\", set()),
        ("&|!<->", set()),
        ("OR", set()),  # a word, not an operator: no matter holds it
        ('工资" OR "', set()),  # 工资 and the word "or"
        ("title:工资", set()),  # 工资 and the word "title": no column filter
        ("NEAR(工资 拖欠)", set()),
        ("'; DROP TABLE x; --", set()),
        ("工资*", WAGES),
        ("{工资}", WAGES),
        ("^工资", WAGES),
        ("工资 -拖欠", WAGES),  # no NOT: 工资 and 拖欠, both in each
    ],
)
def test_the_syntax_of_full_text_queries_is_only_text(desk: Desk, text: str, keys: set[str]) -> None:
    assert found(desk, text) == keys


def test_nothing_typed_finds_everything_and_separators_alone_find_nothing(desk: Desk) -> None:
    assert found(desk, "") == found(desk, "   ") == set(desk.matters)
    assert found(desk, "，。！？") == set()
    assert found(desk, "工资" * 5000) == set()


def test_a_number_or_its_beginning(desk: Desk) -> None:
    wages = desk.matters["wages"]
    year = timezone.localdate().year
    assert found(desk, wages.number) == found(desk, wages.number.lower()) == {"wages"}
    assert found(desk, wages.number.split("-", 1)[1]) == {"wages"}  # without the prefix
    assert found(desk, f"{year}-") == set(desk.matters)
    assert found(desk, f"{year + 1}-") == set()


def test_a_phone_finds_the_matters_of_its_reporter_or_parties_but_not_an_anonymous_one(desk: Desk) -> None:
    assert found(desk, "138 0013 8000") == found(desk, "+86 13800138000") == {"wages"}
    assert found(desk, "13912345678") == {"noise"}
    assert found(desk, "13700000000") == set()  # the anonymous reporter's
    assert found(desk, "1380013") == set()  # only whole numbers


def test_a_name_finds_its_matters_exactly(desk: Desk) -> None:
    assert found(desk, "张三") == {"wages"}
    assert found(desk, "李四") == {"noise"}
    assert found(desk, "张") == set()
    assert found(desk, "王五") == set()  # anonymous


def test_a_clerk_of_another_county_finds_nothing(desk: Desk) -> None:
    for text in ("工资", "张三", "13800138000", desk.matters["wages"].number, ""):
        assert found(desk, text, desk.stranger) == set()


def lookups() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=AuditEvent.Kind.REVEAL).order_by("pk"))


def test_looking_up_a_phone_or_a_name_is_recorded_once_and_words_are_not(desk: Desk) -> None:
    found(desk, "138-0013-8000")
    found(desk, "张三")
    found(desk, "工资")
    found(desk, "赵六")  # nobody's name: nothing looked up
    found(desk, "13800138000", desk.stranger)  # a phone looked up, though nothing is within reach
    events = lookups()
    assert [(e.actor, e.data["search"], e.data["query"], e.data["matters"]) for e in events] == [
        (desk.clerk, "phone", "138****8000", [desk.matters["wages"].number]),
        (desk.clerk, "name", "张三", [desk.matters["wages"].number]),
        (desk.stranger, "phone", "138****8000", []),
    ]
    assert all("13800138000" not in str(e.data) for e in events)


def test_relevance_puts_the_matter_about_it_first(desk: Desk) -> None:
    dense = desk.receive("dense", "工资工资，还是工资。", category="labor_wage")
    desk.receive("once", "村里修路占了我家的地，补偿款一直没给，去年的工资也没结清，" + "情况复杂" * 20)
    query = lookup.read("工资")
    matters = Matter.objects.restrict(desk.clerk, "view")
    filtered = lookup.filter_matters(matters, "工资", desk.clerk)
    ranked, total = ranking.ranked_ids(filtered, query, 0, 10)
    assert ranked[0] == dense.pk and ranked[-1] == desk.matters["once"].pk and total == 4
    assert set(ranked) == {desk.matters[k].pk for k in ("wages", "short", "dense", "once")}
    assert ranking.ranked_ids(filtered, query, 1, 2) == (ranked[1:3], 4)
    assert ranking.ranked_ids(filtered, query, 4, 2) == ([], None)  # past the end
    assert ranking.ranked_ids(filtered.none(), query, 0, 10) == ([], 0)
    newest, total = ranking.ordered_ids(filtered, ["-received_at", "-pk"], 0, 3)
    assert newest == [desk.matters[k].pk for k in ("once", "dense", "short")] and total == 4
