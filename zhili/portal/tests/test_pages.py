"""The portal in a browser-less client: report, get the number, track by number and phone with a
code, read the answer, rate, reopen; and what a resident never sees or does."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from zhili import testing
from zhili.matters import actions
from zhili.matters.models import Matter
from zhili.portal.tests.conftest import PHONE, last_code

pytestmark = pytest.mark.django_db

REPORT = {
    "description": "老板拖欠我们三个月工资一直不给，打电话也不接",
    "category": "labor_wage",
    "address": "甲一镇工业园",
    "reporter_name": "钱七",
    "reporter_phone": "139-1234-5678",
    "consent": "on",
    "token": "6f1c0e2a-3b9d-4a57-9b6e-2d4f8c1a7e55",
}


def open_with_code(client: Client, matter: Matter) -> None:
    response = client.post("/portal/track/", {"number": matter.number, "phone": PHONE})
    assert response.status_code == 302
    response = client.post("/portal/track/code/", {"number": matter.number, "code": last_code(matter)})
    assert response.status_code == 302 and response["Location"] == f"/portal/m/{matter.number}/"


def handled(matter: Matter, staff: dict[str, Any], tree: testing.Tree) -> Matter:
    """Dispatched, accepted and answered by the judicial office, with a staff note on the way."""
    actions.perform(matter, "dispatched", actor=staff["clerk"], data={"lead_unit": tree.judicial_office_a1.pk})
    actions.perform(matter, "accepted", actor=staff["handler"])
    actions.perform(matter, "note", actor=staff["handler"], reason="内部：该户曾多次来访，注意沟通方式")
    return actions.perform(matter, "answered", actor=staff["handler"], reason="路灯已于周三修复，感谢反映。")


def test_a_resident_reports_and_sees_the_number_and_what_happens_next(tree: testing.Tree, client: Client) -> None:
    assert client.get("/portal/").status_code == 200
    assert client.get("/portal/report/").status_code == 200
    response = client.post("/portal/report/", REPORT)
    matter = Matter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portal/m/{matter.number}/"
    assert (matter.channel, matter.category_id, matter.reporter_phone) == ("web", "labor_wage", PHONE)
    page = client.get(response["Location"]).content.decode()
    assert matter.number in page and "工作人员正在研判" in page and "已收到您反映的事项" in page
    # The same form sent again (a double click, a reload) is the same matter.
    again = client.post("/portal/report/", REPORT)
    assert again.status_code == 302 and Matter.objects.count() == 1


def test_without_a_category_the_centre_decides_and_the_kind_comes_from_triage(
    tree: testing.Tree, client: Client
) -> None:
    client.post("/portal/report/", {**REPORT, "category": ""})
    matter = Matter.objects.get()
    assert matter.category_id is None and matter.kind_id == "dispute"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("description", "", "该字段是必填项"),
        ("reporter_phone", "12ab", "手机号码格式不正确"),
        ("consent", "", "请阅读并勾选同意"),
        ("category", "no_such", "不在可用的选项中"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(
    tree: testing.Tree, client: Client, field: str, value: str, message: str
) -> None:
    response = client.post("/portal/report/", {**REPORT, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Matter.objects.exists()


def test_the_category_hint_follows_the_text(tree: testing.Tree, client: Client) -> None:
    hint = client.post("/portal/report/hint/", {"description": REPORT["description"]}).content.decode()
    assert "劳动争议及欠薪纠纷" in hint
    applied = client.post("/portal/report/hint/", {**REPORT, "category": "", "apply": "1"}).content.decode()
    assert 'hx-swap-oob="true"' in applied and '<option value="labor_wage" selected>' in applied
    assert client.post("/portal/report/hint/", {"description": ""}).content.decode().strip() == ""


def test_tracking_says_the_same_for_a_wrong_phone_and_opens_with_the_code(reported: Matter, client: Client) -> None:
    wrong = client.post("/portal/track/", {"number": reported.number, "phone": "13800000000"}, follow=True)
    right = Client().post("/portal/track/", {"number": reported.number, "phone": PHONE}, follow=True)
    assert "验证码已发送" in wrong.content.decode() and "验证码已发送" in right.content.decode()
    # Without the code the matter page sends the resident to tracking; with a wrong one, an error.
    assert client.get(f"/portal/m/{reported.number}/")["Location"].startswith("/portal/track/")
    refused = client.post("/portal/track/code/", {"number": reported.number, "code": "000000"})
    assert refused.status_code == 400 and "验证码不正确或已失效" in refused.content.decode()
    open_with_code(client, reported)
    assert "路灯坏了" in client.get(f"/portal/m/{reported.number}/").content.decode()


def test_the_resident_reads_the_answer_but_not_the_centre_notes_then_rates(
    reported: Matter, staff: dict[str, Any], tree: testing.Tree, client: Client
) -> None:
    handled(reported, staff, tree)
    open_with_code(client, reported)
    page = client.get(f"/portal/m/{reported.number}/").content.decode()
    assert "路灯已于周三修复" in page and f"已交由{tree.judicial_office_a1.name}办理" in page
    assert "内部" not in page and "多次来访" not in page
    refused = client.post(f"/portal/m/{reported.number}/steps/", {"step": "rate", "score": "9"})
    assert refused.status_code == 400
    response = client.post(f"/portal/m/{reported.number}/steps/", {"step": "rate", "score": "2", "comment": "太慢"})
    assert response.status_code == 302
    event = reported.events.get(kind="rated")
    assert event.data == {"score": 2, "satisfied": False} and event.actor_id is None
    assert event.actor_name == "reporter" and event.reason == "太慢"
    assert "您的评价：2分" in client.get(f"/portal/m/{reported.number}/").content.decode()


def test_a_closed_matter_can_be_reopened_with_a_reason(
    reported: Matter, staff: dict[str, Any], tree: testing.Tree, client: Client
) -> None:
    handled(reported, staff, tree)
    actions.perform(reported, "rated", actor=staff["clerk"], data={"score": 2})  # a rating closes it
    open_with_code(client, reported)
    assert "申请重新办理" in client.get(f"/portal/m/{reported.number}/").content.decode()
    empty = client.post(f"/portal/m/{reported.number}/steps/", {"step": "reopen", "reason": ""})
    assert empty.status_code == 400
    client.post(f"/portal/m/{reported.number}/steps/", {"step": "reopen", "reason": "灯又坏了"})
    reported.refresh_from_db()
    assert reported.status == "in_progress"


def test_a_note_from_the_resident_reaches_the_timeline_of_both_sides(reported: Matter, client: Client) -> None:
    open_with_code(client, reported)
    client.post(f"/portal/m/{reported.number}/steps/", {"step": "note", "text": "晚上七点后灯完全不亮"})
    note = reported.events.get(kind="note")
    assert note.reason == "晚上七点后灯完全不亮" and note.actor_name == "reporter"
    assert "您补充了材料" in client.get(f"/portal/m/{reported.number}/").content.decode()


def test_proof_for_one_matter_opens_no_other(reported: Matter, client: Client) -> None:
    other, _created = actions.receive(
        actor=None,
        channel="web",
        description="隔壁工地夜间施工噪音扰民",
        category="environment",
        reporter_phone="13700000000",
    )
    open_with_code(client, reported)
    assert client.get(f"/portal/m/{other.number}/").status_code == 302
    assert client.post(f"/portal/m/{other.number}/steps/", {"step": "note", "text": "冒充"}).status_code == 404
    assert not other.events.filter(kind="note").exists()


def test_a_step_the_matter_cannot_take_is_refused_in_chinese(reported: Matter, client: Client) -> None:
    open_with_code(client, reported)
    response = client.post(f"/portal/m/{reported.number}/steps/", {"step": "rate", "score": "5"})
    assert response.status_code == 400 and "事项的状态已经变化" in response.content.decode()
    assert client.post(f"/portal/m/{reported.number}/steps/", {"step": "close"}).status_code == 404


def test_a_resident_account_sees_only_the_public_timeline_in_the_api(staff: dict[str, Any], tree: testing.Tree) -> None:
    resident = testing.person("resident-api")
    matter, _created = actions.receive(
        actor=resident,
        reporter=resident,
        channel="mobile",
        description="小区门口的路灯坏了",
        category="public_facility",
    )
    handled(matter, staff, tree)
    kinds = [e["kind"] for e in testing.api_client(resident).get(f"/api/v1/matters/{matter.pk}/events/").json()]
    assert kinds == ["created", "dispatched", "accepted", "answered"]
    staff_kinds = [
        e["kind"] for e in testing.api_client(staff["clerk"]).get(f"/api/v1/matters/{matter.pk}/events/").json()
    ]
    assert "note" in staff_kinds and "triaged" not in kinds
