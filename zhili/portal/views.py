"""The resident portal's pages. They parse and show; matters are written by zhili.matters.actions
and codes by zhili.portal.services, as everywhere else."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhili.core.errors import DomainError
from zhili.matters import actions, timeline
from zhili.matters.choices import Channel, EventKind, Status
from zhili.matters.models import Matter
from zhili.matters.policy import VerifiedReporter
from zhili.portal import services, throttle
from zhili.portal.forms import CodeForm, NoteForm, RateForm, ReopenForm, ReportForm, TrackForm
from zhili.taxonomy.models import Category
from zhili.triage import services as triage

# What the portal says when a network has used up its limit (throttle.py): nothing typed is lost,
# the form comes back as it was sent.
TOO_OFTEN = gettext_lazy("来自您所在网络的请求过于频繁，请稍后再试。如情况紧急，请直接拨打或前往当地综治中心。")

# The session remembers for so long which matters the resident proved are theirs.
ACCESS_FOR = datetime.timedelta(hours=2)
SESSION_KEY = "portal_matters"


def grant(request: HttpRequest, matter: Matter) -> None:
    now = time.time()
    grants = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if v > now}
    grants[str(matter.pk)] = now + ACCESS_FOR.total_seconds()
    request.session.cycle_key()  # more rights, a new session id (no fixation)
    request.session[SESSION_KEY] = grants


def actor_for(request: HttpRequest, matter: Matter) -> Any:
    """Who is acting on this matter from the portal: the resident's account when it reported the
    matter, the holder of its phone once proven in this session, else nobody."""
    user = request.user
    if user.is_authenticated and matter.reporter_id == user.pk:
        return user
    expiry = request.session.get(SESSION_KEY, {}).get(str(matter.pk))
    if expiry and expiry > time.time():
        return VerifiedReporter(matter.pk)
    return None


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"page_title": _("群众服务")})


def report(request: HttpRequest) -> HttpResponse:
    """我要反映. Nothing is asked that the matter does not need."""
    form = ReportForm(request.POST or None)
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid() and not throttle.allow(request, "report"):
        form.add_error(None, TOO_OFTEN)
        status = 429
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        resident = request.user if request.user.is_authenticated else None
        try:
            matter, _created = actions.receive(
                actor=resident,
                reporter=resident,
                channel=Channel.WEB,
                description=data["description"],
                kind="" if data["category"] else _likely_kind(data["description"]),
                category=data["category"],
                address=data["address"],
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                idempotency_key=f"portal:{data['token']}",
                payload_fingerprint=actions.fingerprint(
                    {k: v for k, v in data.items() if k not in {"token", "consent"}}
                ),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            grant(request, matter)
            return redirect("portal:matter", number=matter.number)
    return render(
        request,
        "portal/report.html",
        {"form": form, "page_title": _("我要反映")},
        status=status,
    )


def _likely_kind(text: str) -> str:
    """A matter needs a kind; when the resident leaves the category to the centre, the kind of
    triage's best guess stands in until a clerk confirms it (the category stays empty)."""
    try:
        proposal = triage.triage(triage.check_text(text))
    except DomainError:
        return "request"
    return Category.objects.filter(pk=proposal.category).values_list("kind_id", flat=True).first() or "request"


@require_POST
def report_hint(request: HttpRequest) -> HttpResponse:
    """The category that triage thinks fits what the resident has typed (htmx partial); a tap
    chooses it in the form."""
    context: dict[str, Any] = {}
    if not throttle.allow(request, "hint"):
        return render(request, "portal/_hint.html", context)  # no hint; the form works without
    try:
        text = triage.check_text(request.POST.get("description", ""))
    except DomainError:
        return render(request, "portal/_hint.html", context)
    proposal = triage.triage(text)
    if not proposal.low_confidence:
        context["category"] = Category.objects.filter(pk=proposal.category).first()
    if request.POST.get("apply") and context.get("category"):
        form = ReportForm({**request.POST.dict(), "category": proposal.category})
        context["applied"] = form
    return render(request, "portal/_hint.html", context)


def track(request: HttpRequest) -> HttpResponse:
    """查询进度: number and phone; a code goes to the phone if they belong together."""
    form = TrackForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid() and not throttle.allow(request, "code"):
        form.add_error(None, TOO_OFTEN)
        status = 429
    elif request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"].strip()
        try:
            services.request_code(number, form.cleaned_data["phone"])
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            # The same words whether or not a code went out: the form tells nobody who reported what.
            messages.info(request, _("如果编号和手机号码与登记的一致，验证码已发送到该手机，10分钟内有效。"))
            return redirect(f"{reverse('portal:verify')}?number={number}")
    return render(
        request,
        "portal/track.html",
        {"form": form, "page_title": _("查询办理进度")},
        status=status,
    )


def verify(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid() and not throttle.allow(request, "verify"):
        form.add_error(None, TOO_OFTEN)
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            matter = services.verify_code(form.cleaned_data["number"], form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            grant(request, matter)
            return redirect("portal:matter", number=matter.number)
    number = form["number"].value() or ""
    return render(
        request,
        "portal/verify.html",
        {"form": form, "number": number, "page_title": _("输入验证码")},
        status=status,
    )


def _own_matter(request: HttpRequest, number: str) -> tuple[Matter, Any]:
    matter = services.find(number)
    actor = actor_for(request, matter) if matter is not None else None
    if matter is None or actor is None:
        raise Http404
    return matter, actor


def matter_page(request: HttpRequest, number: str) -> HttpResponseBase:
    """The resident's view of their matter: where it stands in plain words, what happens next,
    the answer, the public timeline, and the steps that are theirs (rate, reopen, add material)."""
    matter = services.find(number)
    if matter is None or actor_for(request, matter) is None:
        messages.info(request, _("请先输入编号和手机号码，用短信验证码查看事项。"))
        return redirect(f"{reverse('portal:track')}?number={number}")
    return _render_matter(request, matter)


def _render_matter(request: HttpRequest, matter: Matter, status: int = 200, **forms: Any) -> HttpResponse:
    matter = Matter.objects.select_related("lead_unit", "category", "kind").get(pk=matter.pk)
    entries = timeline.entries(matter)
    answers = [entry for entry in entries if entry.kind in {EventKind.ANSWERED, EventKind.RESOLVED_ON_SPOT}]
    rated = any(entry.kind == EventKind.RATED for entry in entries)
    reopen_until = (
        matter.closed_at + datetime.timedelta(days=settings.MATTER_REOPEN_DAYS)
        if matter.status == Status.CLOSED and matter.closed_at
        else None
    )
    context = {
        "page_title": _("事项 %(number)s") % {"number": matter.number},
        "matter": matter,
        "entries": list(reversed(entries)),
        "answer": answers[-1] if answers else None,
        "next_step": next_step(matter),
        "rate_form": forms.get("rate") or (RateForm() if matter.status == Status.ANSWERED and not rated else None),
        "reopen_form": forms.get("reopen")
        or (ReopenForm() if reopen_until is not None and reopen_until > timezone.now() else None),
        "reopen_until": reopen_until,
        "note_form": forms.get("note")
        or (NoteForm() if matter.status in {Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS} else None),
    }
    return render(request, "portal/matter.html", context, status=status)


STEP_FORMS = {"rate": RateForm, "reopen": ReopenForm, "note": NoteForm}


@require_POST
def matter_step(request: HttpRequest, number: str) -> HttpResponse:
    matter, actor = _own_matter(request, number)
    step = request.POST.get("step", "")
    form_class = STEP_FORMS.get(step)
    if form_class is None:
        raise Http404
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        kind, reason, step_data = {
            "rate": (EventKind.RATED, data.get("comment", ""), {"score": data.get("score")}),
            "reopen": (EventKind.REOPENED, data.get("reason", ""), {}),
            "note": (EventKind.NOTE, data.get("text", ""), {}),
        }[step]
        try:
            actions.perform(matter, kind, actor=actor, reason=reason, data=step_data)
        except actions.TransitionConflict:
            form.add_error(None, _("事项的状态已经变化，请刷新页面后再试。"))
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except PermissionDenied:
            form.add_error(None, _("您不能对该事项进行此操作。"))
        else:
            messages.success(request, DONE[step])
            return redirect("portal:matter", number=matter.number)
    return _render_matter(request, matter, status=400, **{step: form})


DONE = {
    "rate": gettext_lazy("感谢您的评价。"),
    "reopen": gettext_lazy("已申请重新办理，工作人员会尽快联系您。"),
    "note": gettext_lazy("补充说明已送达承办人员。"),
}


def next_step(matter: Matter) -> str:
    """What happens next, in plain words, with the date the rules give."""
    due = timezone.localtime(matter.due_at).strftime("%Y-%m-%d %H:%M") if matter.due_at else ""
    unit = matter.lead_unit.name if matter.lead_unit is not None else ""
    status = matter.status
    if status in {Status.NEW, Status.RETURNED}:
        text = _("工作人员正在研判您反映的事项，会把它交给负责的单位办理。")
        return text + (_("按规定应在 %(due)s 前完成交办。") % {"due": due} if due else "")
    if status == Status.DISPATCHED:
        text = _("已交给%(unit)s，等待签收办理。") % {"unit": unit}
        return text + (_("按规定应在 %(due)s 前签收。") % {"due": due} if due else "")
    if status == Status.IN_PROGRESS:
        text = _("%(unit)s正在办理，工作人员可能会打电话向您了解情况。") % {"unit": unit}
        return text + (_("按规定应在 %(due)s 前答复您。") % {"due": due} if due else "")
    if status == Status.ANSWERED:
        return _(
            "已经有答复，请看下面的答复内容并评价。评价后事项办结；如果问题没有解决，办结后%(days)s天内可以申请重新办理。"
        ) % {"days": settings.MATTER_REOPEN_DAYS}
    if status == Status.CLOSED:
        return _("事项已办结。如果问题没有解决，可以在办结后%(days)s天内申请重新办理。") % {
            "days": settings.MATTER_REOPEN_DAYS
        }
    if status == Status.MERGED:
        return _("这件事与在先反映的事项%(into)s是同一件事，已合并办理，请查看该事项的进度。") % {
            "into": matter.merged_into
        }
    return ""
