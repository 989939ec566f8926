"""The shared layout: navigation by permission, languages, security headers, error pages."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client) -> None:
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_home_lists_the_users_roles_and_the_units_in_reach(tree: testing.Tree) -> None:
    clerk = testing.person("clerk", role="clerk", unit_=tree.township_a1)
    html = signed_in(clerk).get(reverse("web:home")).content.decode()
    assert "受理员/调度员" in html and "甲一镇" in html
    assert reverse("org:unit_detail", args=[tree.township_a1.pk]) in html
    # the subtree of 甲一镇: itself, community, grid, judicial office
    assert "共 4 个单位" in html
    assert "乙县" not in html


def test_grid_workers_land_on_their_phone_pages_and_others_see_no_grid_link(tree: testing.Tree) -> None:
    worker = testing.person(role="grid_worker", unit_=tree.grid_a1)
    response = signed_in(worker).get(reverse("web:home"))
    assert response.status_code == 302 and response["Location"] == reverse("grid:home")
    assert f'href="{reverse("grid:home")}"' in signed_in(worker).get(reverse("matters:inbox")).content.decode()
    clerk = testing.person(role="clerk", unit_=tree.township_a1)
    assert f'href="{reverse("grid:home")}"' not in signed_in(clerk).get(reverse("web:home")).content.decode()


def test_visitors_find_the_resident_portal(client: Client) -> None:
    assert reverse("portal:home") in client.get(reverse("accounts:login")).content.decode()


def test_the_audit_link_shows_only_for_users_who_may_read_the_log(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.county_a)
    auditor = testing.person(role="auditor", unit_=tree.county_a)
    audit_url = reverse("audit:event_list")
    assert audit_url not in signed_in(clerk).get(reverse("web:home")).content.decode()
    assert audit_url in signed_in(auditor).get(reverse("web:home")).content.decode()


def test_pages_load_assets_from_this_server_only(tree: testing.Tree) -> None:
    user = testing.person(role="clerk", unit_=tree.county_a)
    html = signed_in(user).get(reverse("web:home")).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert any("vendor/bootstrap/bootstrap.min.css" in s for s in sources)
    assert any("vendor/bootstrap/bootstrap.bundle.min.js" in s for s in sources)
    assert any("htmx" in s for s in sources)
    assert all(s.startswith("/static/") for s in sources), sources


def test_vendored_bootstrap_is_served(client: Client) -> None:
    response = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status_code == 200
    assert b"Bootstrap" in b"".join(response.streaming_content)[:500]


def test_pages_are_chinese_by_default(tree: testing.Tree) -> None:
    user = testing.person(role="clerk", unit_=tree.county_a)
    response = signed_in(user).get(reverse("web:home"))
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html and "我的任职" in html and "退出登录" in html


def test_accept_language_en_gives_english_pages(tree: testing.Tree) -> None:
    user = testing.person(role="clerk", unit_=tree.county_a)
    response = signed_in(user).get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "My roles" in html and "Sign out" in html and "Units" in html
    assert "Clerk / dispatcher" in html  # the role label is translated too
    assert "我的任职" not in html


def test_the_language_switch_keeps_english_for_later_pages(tree: testing.Tree) -> None:
    user = testing.person(role="clerk", unit_=tree.county_a)
    client = signed_in(user)
    home = reverse("web:home")
    assert 'name="language" value="en"' in client.get(home).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": home})
    assert response.status_code == 302 and response["Location"] == home
    html = client.get(home).content.decode()
    assert "My roles" in html and 'value="zh-hans"' in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": home})
    assert "我的任职" in client.get(home).content.decode()


def test_security_headers_are_set(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_logout_is_post_only_and_audited(tree: testing.Tree) -> None:
    user = testing.person(role="clerk", unit_=tree.county_a)
    client = signed_in(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("web:home")).status_code == 200  # still signed in
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGOUT, actor=user).exists()
    assert client.get(reverse("web:home")).status_code == 302


def test_the_user_menu_logs_out_with_a_post_form(tree: testing.Tree) -> None:
    user = testing.person(role="clerk", unit_=tree.county_a)
    html = signed_in(user).get(reverse("web:home")).content.decode()
    logout = reverse("accounts:logout")
    form = re.search(rf'<form method="post" action="{logout}">(.*?)</form>', html, re.S)
    assert form is not None and "csrfmiddlewaretoken" in form.group(1)


def test_missing_pages_answer_with_the_chinese_404_page(tree: testing.Tree) -> None:
    user = testing.person(role="clerk", unit_=tree.county_a)
    response = signed_in(user).get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_the_500_page_renders_without_a_request() -> None:
    html = render_to_string("500.html")
    assert "服务器出错" in html and "bootstrap.min.css" in html


def test_every_form_input_on_the_login_page_has_a_label(client: Client) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    ids = re.findall(r'<input[^>]*type="(?:text|password)"[^>]*id="([^"]+)"', html)
    ids += re.findall(r'<input[^>]*id="([^"]+)"[^>]*type="(?:text|password)"', html)
    assert {"id_username", "id_password"} <= set(ids)
    for input_id in set(ids):
        assert f'<label class="form-label" for="{input_id}">' in html
