"""Queue, deliver and retry notices.

The outbox row is the truth; the task queue is only a nudge. `enqueue` writes the row in the
caller's transaction and asks the worker to deliver it after commit; if that request is lost
(broker down, worker killed), the periodic `sweep` finds the row anyway. Delivery claims a row
with one conditional UPDATE (pending → sending), so however many workers, sweeps and CLI
commands race for it, exactly one calls the backend.

Delivery is at least once, not exactly once: a worker that dies after the provider accepted a
notice but before it marked the row sent leaves it in "sending"; the sweep cannot know whether
it went out and sends it again rather than risk losing it (docs/notifications.md).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from zhili.core import bulk, pii
from zhili.core.errors import DomainError
from zhili.notify.backends import Backend, Rejected
from zhili.notify.models import Channel, Notification, Status

log = logging.getLogger(__name__)

# Waits between attempts double from one minute; an hour at most, so a gateway that was down
# overnight is retried hourly rather than once a day.
FIRST_BACKOFF = datetime.timedelta(minutes=1)
MAX_BACKOFF = datetime.timedelta(hours=1)
# One sweep delivers at most this many notices; the rest wait for the next minute's sweep, so a
# backlog after an outage drains steadily instead of one sweep running for an hour.
SWEEP_BATCH = 200
# Longer texts are split into so many SMS segments that they should be a link or a letter.
SMS_MAX_LENGTH = 500
# enqueue_many() nudges the worker once per so many notices: a few tasks instead of thousands
# (each costs a round trip to the broker), still enough of them for several workers to share.
NUDGE_CHUNK = 50

# The notices enqueued inside batch() on this thread, written when the block ends.
_batched = threading.local()


@dataclass(frozen=True)
class SweepResult:
    rescued: int = 0  # stuck in "sending" and put back (or failed, out of attempts)
    sent: int = 0
    failed: int = 0  # attempts that failed; the notice may still be retried

    def __add__(self, other: SweepResult) -> SweepResult:
        return SweepResult(self.rescued + other.rescued, self.sent + other.sent, self.failed + other.failed)


def enqueue(
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    *,
    purpose: str,
    about: models.Model | None = None,
) -> Notification:
    """Queue one notice. Call it inside the transaction of the change it announces: the notice
    is written with it, and delivery starts only once it commits, so a rolled-back change sends
    nothing. `purpose` names the kind of notice ("matter_received", "matter_status"); `about`
    links it to the object it concerns."""
    recipient = recipient.strip()
    _validate(channel, recipient, subject, body, purpose)
    notification = Notification(
        channel=channel, recipient=recipient, subject=subject.strip(), body=body.strip(), purpose=purpose
    )
    if about is not None:
        notification.content_type = ContentType.objects.get_for_model(about)
        notification.object_id = str(about.pk)
    pending: list[Notification] | None = getattr(_batched, "notices", None)
    if pending is not None:
        pending.append(notification)  # saved by batch() with the others
        return notification
    notification.save()
    # robust: a broker that is down must not turn a committed change into an error page; the
    # sweep delivers the notice within a minute instead. A lambda, not functools.partial: Django
    # logs a failed robust hook by its __qualname__, which a partial lacks.
    pk = notification.pk
    transaction.on_commit(lambda: _schedule(pk), robust=True)
    return notification


def enqueue_many(notifications: Iterable[Notification]) -> list[Notification]:
    """enqueue() for many notices built (not saved) and checked by the caller: one INSERT, and
    after commit one nudge per NUDGE_CHUNK notices. As with enqueue(), call it inside the
    transaction of the change the notices announce."""
    rows = list(notifications)
    if not rows:
        return rows
    bulk.insert_rows(Notification, rows, returning_ids=True)
    ids = [row.pk for row in rows]
    for start in range(0, len(ids), NUDGE_CHUNK):
        chunk = ids[start : start + NUDGE_CHUNK]
        transaction.on_commit(lambda chunk=chunk: _schedule_many(chunk), robust=True)  # type: ignore[misc]
    return rows


@contextlib.contextmanager
def batch() -> Iterator[list[Notification]]:
    """Collect what enqueue() queues inside the block and write it with enqueue_many() when the
    block ends, so code that notifies per object (zhili.matters.notices) can notify a whole
    batch with one INSERT. Inside the block, enqueue() returns the notice unsaved (no id yet).
    Nothing is written if the block raises. Blocks do not nest."""
    if getattr(_batched, "notices", None) is not None:
        raise RuntimeError("notify.batch() blocks do not nest")
    collected: list[Notification] = []
    _batched.notices = collected
    try:
        yield collected
    finally:
        _batched.notices = None
    enqueue_many(collected)


def _validate(channel: str, recipient: str, subject: str, body: str, purpose: str) -> None:
    if channel not in Channel.values:
        raise DomainError("notify_bad_channel", _("不支持的通知渠道：{channel}").format(channel=channel), "channel")
    if channel == Channel.SMS and not pii.PHONE.match(recipient):
        raise DomainError("notify_bad_recipient", _("手机号码格式不正确。"), "recipient")
    if channel == Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            raise DomainError("notify_bad_recipient", _("电子邮件地址格式不正确。"), "recipient") from None
    if not body.strip():
        raise DomainError("notify_empty_body", _("通知内容不能为空。"), "body")
    if channel == Channel.SMS and len(body.strip()) > SMS_MAX_LENGTH:
        raise DomainError(
            "notify_sms_too_long", _("短信内容不能超过{limit}个字。").format(limit=SMS_MAX_LENGTH), "body"
        )
    if channel == Channel.EMAIL and not subject.strip():
        raise DomainError("notify_empty_subject", _("电子邮件必须有标题。"), "subject")
    if not purpose or len(purpose) > 50:
        raise DomainError("notify_bad_purpose", _("通知用途不正确。"), "purpose")


def _schedule(notification_id: int) -> None:
    from zhili.notify import tasks  # tasks imports this module

    tasks.deliver(notification_id)


def _schedule_many(notification_ids: list[int]) -> None:
    from zhili.notify import tasks

    tasks.deliver_many(notification_ids)


def deliver_each(notification_ids: Iterable[int]) -> None:
    """deliver() each notice in turn (the task queued by enqueue_many). One that fails for a
    reason other than its backend (the database) is left to the sweep, like a lost nudge, and
    the rest still go out."""
    for notification_id in notification_ids:
        try:
            deliver(notification_id)
        except Exception:
            log.exception("notice %s: delivery attempt failed; the outbox sweep will retry it", notification_id)


def backend_for(channel: str) -> Backend:
    path = settings.NOTIFY_SMS_BACKEND if channel == Channel.SMS else settings.NOTIFY_EMAIL_BACKEND
    backend: Backend = import_string(path)()
    return backend


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1, 2, 4, … minutes, capped."""
    return min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def deliver(notification_id: int, *, now: datetime.datetime | None = None) -> Notification | None:
    """Make one delivery attempt if the notice is due. Returns the notice after the attempt, or
    None when there was nothing to do: already sent, cancelled, not yet due, or claimed by
    another worker.

    `now` pins the clock for the whole attempt (the sweep passes its own; tests drive time
    with it). Do not call it inside a transaction you keep open: the claim must commit before
    the backend is called, or a second worker could not see it.
    """
    clock = now or timezone.now()
    # The claim: one UPDATE whose WHERE re-checks the status. On PostgreSQL a second UPDATE of
    # the same row waits for the first to commit and then finds it no longer pending; SQLite
    # lets one writer at a time. Either way one caller gets 1 row, every other gets 0 — no
    # SELECT … FOR UPDATE (SKIP LOCKED) needed, so the same code runs on both.
    claimed = Notification.objects.filter(pk=notification_id, status=Status.PENDING, next_attempt_at__lte=clock).update(
        status=Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=clock
    )
    if not claimed:
        return None
    notification = Notification.objects.get(pk=notification_id)
    error: Exception | None = None
    try:
        provider_id = backend_for(notification.channel).send(notification)
    except Exception as exc:  # whatever the backend raises, the notice must not stay claimed
        error = exc
    finished = clock if now is not None else timezone.now()
    if error is not None:
        return _failed(notification, error, finished, final=isinstance(error, Rejected))
    return _sent(notification, provider_id or "", finished)


def _mine(notification: Notification) -> models.QuerySet[Notification]:
    """The row, if it is still this attempt's. If a sweep rescued it in the meantime and another
    attempt claimed it, that attempt has another count or start time, and this one writes nothing."""
    return Notification.objects.filter(
        pk=notification.pk,
        status=Status.SENDING,
        attempts=notification.attempts,
        last_attempt_at=notification.last_attempt_at,
    )


def _sent(notification: Notification, provider_id: str, at: datetime.datetime) -> Notification:
    # last_error stays: a notice sent after a rescue says there that it may have arrived twice.
    fields = {"status": Status.SENT, "sent_at": at, "provider_id": provider_id[:200]}
    if not _mine(notification).update(**fields):
        log.warning("notice %s was sent after the sweep had taken it back; it may arrive twice", notification.pk)
    _apply(notification, fields)
    return notification


def _failed(notification: Notification, exc: Exception, at: datetime.datetime, *, final: bool) -> Notification:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    fields: dict[str, object]
    if final or notification.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        fields = {"status": Status.FAILED, "last_error": error}
        # The recipient stays out of the log: the id leads an operator to the row.
        log.error("notice %s failed for good after %d attempt(s): %s", notification.pk, notification.attempts, error)
    else:
        fields = {"status": Status.PENDING, "last_error": error, "next_attempt_at": at + backoff(notification.attempts)}
        log.warning("notice %s attempt %d failed, retrying: %s", notification.pk, notification.attempts, error)
    _mine(notification).update(**fields)
    _apply(notification, fields)
    return notification


def _apply(notification: Notification, fields: dict[str, object]) -> None:
    for name, value in fields.items():
        setattr(notification, name, value)


def rescue_stuck(*, now: datetime.datetime | None = None) -> int:
    """Put back notices whose worker died while sending (status "sending" for too long).

    They may or may not have reached the provider; they are sent again rather than lost. The
    attempt that died counts, so a notice that kills its worker every time ends up failed
    instead of looping forever."""
    clock = now or timezone.now()
    out_of_attempts = Notification.objects.stuck(clock).filter(attempts__gte=settings.NOTIFY_MAX_ATTEMPTS)
    failed = out_of_attempts.update(
        status=Status.FAILED, last_error=_("投递中断：发送过程中工作进程停止，通知可能已发出；尝试次数已用完。")
    )
    retried = Notification.objects.stuck(clock).update(
        status=Status.PENDING,
        next_attempt_at=clock,
        last_error=_("投递中断：发送过程中工作进程停止，通知可能已发出，将重新发送。"),
    )
    if failed or retried:
        log.warning("rescued %d notice(s) stuck in sending; %d of them out of attempts", failed + retried, failed)
    return failed + retried


def sweep(*, now: datetime.datetime | None = None) -> SweepResult:
    """Rescue stuck notices, then deliver those due, oldest first. Run every minute by the worker."""
    clock = now or timezone.now()
    rescued = rescue_stuck(now=clock)
    due = Notification.objects.due(clock).order_by("next_attempt_at", "pk").values_list("pk", flat=True)
    sent = failed = 0
    for pk in list(due[:SWEEP_BATCH]):
        notification = deliver(pk, now=clock)
        if notification is None:
            continue  # another worker took it first
        if notification.status == Status.SENT:
            sent += 1
        else:
            failed += 1
    return SweepResult(rescued=rescued, sent=sent, failed=failed)


def retry_failed(*, now: datetime.datetime | None = None) -> int:
    """Give every failed notice a fresh set of attempts (after the gateway is repaired). The
    sweep sends them within a minute; last_error keeps why they had failed until then."""
    return Notification.objects.filter(status=Status.FAILED).update(
        status=Status.PENDING, attempts=0, next_attempt_at=now or timezone.now()
    )


def retry(notification_id: int, *, now: datetime.datetime | None = None) -> bool:
    """retry_failed for one notice. False if it is not failed."""
    return bool(
        Notification.objects.filter(pk=notification_id, status=Status.FAILED).update(
            status=Status.PENDING, attempts=0, next_attempt_at=now or timezone.now()
        )
    )


def hurry(*, now: datetime.datetime | None = None) -> int:
    """Make every pending notice due now, skipping its back-off wait."""
    clock = now or timezone.now()
    return Notification.objects.filter(status=Status.PENDING, next_attempt_at__gt=clock).update(next_attempt_at=clock)


def cancel(notification_id: int) -> bool:
    """Withdraw a notice that has not been sent yet. False if it is already sending or done."""
    return bool(Notification.objects.filter(pk=notification_id, status=Status.PENDING).update(status=Status.CANCELLED))


def counts() -> dict[str, int]:
    """Notices per status, every status present (0 when none)."""
    rows = Notification.objects.order_by().values("status").annotate(n=models.Count("pk"))
    found = {row["status"]: row["n"] for row in rows}
    return {status: found.get(status, 0) for status in Status.values}
