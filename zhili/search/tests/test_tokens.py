"""Chinese text as tokens, and what a typed query asks for (no database)."""

from __future__ import annotations

import pytest

from zhili.search import tokens
from zhili.search.highlight import marked, masked, snippet
from zhili.search.models import tsvector


def test_han_runs_become_bigrams_with_their_last_character() -> None:
    assert tokens.text_tokens("拖欠工资。A栋302室") == ["拖欠", "欠工", "工资", "资", "a", "栋", "302", "室"]


def test_full_width_and_compatibility_forms_read_as_their_plain_letters() -> None:
    assert tokens.text_tokens("ＡＢＣ１２３ ①号楼 ﬁle") == ["abc123", "1", "号楼", "楼", "file"]
    assert tokens.text_tokens("⼀二") == ["一二", "二"]  # a Kangxi radical typed for 一


def test_a_document_holds_the_text_once_and_its_people_as_tokens_of_their_own() -> None:
    words = tokens.document(
        "路灯坏了",
        "路灯坏了一个多星期",
        "甲县",
        [("阿依古丽·买买提", "+86 138-0013-8000"), ("某物业公司", "")],
    )
    assert words.count("路灯") == 1  # the title is the description's beginning: not indexed twice
    assert words[-3:] == ["§阿依古丽买买提", "13800138000", "§某物业公司"]


@pytest.mark.parametrize(
    ("typed", "kind", "fts5"),
    [
        ("工资", "text", '("工资") OR "§工资"'),
        ("拖欠工资", "text", '("拖欠 欠工 工资") OR "§拖欠工资"'),
        ("房", "text", '"房"*'),
        ("A栋 302", "text", '("a" AND "栋"* AND "302") OR "§a栋302"'),
        ("wifi", "text", '("wifi"*) OR "§wifi"'),
        ('" OR * : - NOT (', "text", '("or"* AND "not"*) OR "§ornot"'),
        ("!!! ，。", "nothing", ""),
        ("   ", "", ""),
    ],
)
def test_a_query_becomes_an_expression_of_quoted_tokens_only(typed: str, kind: str, fts5: str) -> None:
    query = tokens.parse(typed, "LS")
    assert query.kind == kind
    assert (query.fts5() if query.uses_index else "") == fts5


def test_the_same_query_for_postgresql() -> None:
    assert (
        tokens.parse("拖欠工资 A栋", "LS").tsquery()
        == "(('拖欠' <-> '欠工' <-> '工资') & 'a' & '栋':*) | '§拖欠工资a栋'"
    )
    assert tokens.parse("138 0013 8000", "LS").tsquery() == "'13800138000'"


@pytest.mark.parametrize(
    ("typed", "number", "exact"),
    [
        ("LS-2026-000123", "LS-2026-000123", True),
        ("ls-2026-000123", "LS-2026-000123", True),
        ("2026-000123", "LS-2026-000123", True),
        ("2026-", "LS-2026-", False),
        ("LS-2026-00", "LS-2026-00", False),
        ("ＬＳ－２０２６－０００１２３", "LS-2026-000123", True),
    ],
)
def test_matter_numbers_and_their_beginnings(typed: str, number: str, exact: bool) -> None:
    query = tokens.parse(typed, "LS")
    assert (query.kind, query.number, query.exact) == ("number", number, exact)


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("(028) 8765-4321", "02887654321"),
    ],
)
def test_whole_phone_numbers(typed: str, phone: str) -> None:
    query = tokens.parse(typed, "LS")
    assert (query.kind, query.phone) == ("phone", phone)


def test_short_digits_are_words_not_phones() -> None:
    query = tokens.parse("138001", "LS")
    assert query.kind == "text" and query.terms[0].tokens == ("138001",) and not query.terms[0].prefix


def test_a_very_long_query_is_cut() -> None:
    query = tokens.parse("工资" * 5000, "LS")
    assert query.kind == "text" and len(query.terms[0].tokens) == tokens.MAX_QUERY - 1
    assert len(query.name) <= tokens.MAX_NAME + 1


def test_tsvector_literal_keeps_positions_and_quotes_every_lexeme() -> None:
    assert tsvector(["拖欠", "欠工", "拖欠", "it's"]) == "'拖欠':1,3 '欠工':2 'it''s':4"


def test_marking_escapes_the_text_and_marks_what_was_found() -> None:
    html = marked("<b>拖欠</b>工资 ＡＢＣ", ["工资", "abc"])
    assert html == "&lt;b&gt;拖欠&lt;/b&gt;<mark>工资</mark> <mark>ＡＢＣ</mark>"


def test_a_snippet_is_masked_and_centred_on_the_first_word_found() -> None:
    text = "甲" * 200 + "工资拖欠，请联系13800138000，身份证号510104199001011234" + "乙" * 200
    html = snippet(text, ["工资"])
    assert "<mark>工资</mark>" in html and html.startswith("…") and html.endswith("…")
    assert "138****8000" in html and "5101**********1234" in html
    assert "13800138000" not in html and "510104199001011234" not in html
    assert masked("电话028-87654321") == "电话028****4321"
