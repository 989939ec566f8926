"""What a deadline rule says, without the database: which rule fits a matter, how pauses count.

Precedence (最具体的规则优先): among the active rules of a stage that fit a matter — each of
kind, category and risk either blank or equal to the matter's — the winner is the one with the
greatest `DeadlineRule.specificity`, compared as a tuple:

    (has a category, has a kind, has a risk colour)

so a category rule beats a kind rule beats an any-kind rule, whatever their risk colours, and
between two rules of the same reach the one for the matter's risk colour wins. The unique
constraint on active rules makes the winner unique.

Pauses (中止计时) apply only to rules marked `pausable`; for other rules they are ignored, so the
matters app may pass every pause of a matter to every stage. They are given either as the total
time lost (a timedelta) or as (start, end) intervals, end None meaning "still paused" (counted up
to now). Intervals are clipped to the start of the period and merged where they overlap. Then:

- minutes / hours: the deadline moves out by the paused clock time;
- calendar days: the period gets one more day for each started 24 hours paused (rounded up), and
  the 《民法典》 roll-over applies to the new last day;
- working days: the period gets one more working day for each started 24 hours of paused time that
  fell on working days (rounded up); pauses over a weekend or a holiday cost nothing.

Whole days keep deadlines on day boundaries, as the statutes count them; rounding up gives the
handler, not the resident, the benefit of a partial day.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable

from django.utils import timezone

from zhili.deadlines.calendar import ONE_DAY, WorkingCalendar, local
from zhili.deadlines.models import DeadlineRule

PauseInterval = tuple[datetime.datetime, datetime.datetime | None]
Paused = datetime.timedelta | Iterable[PauseInterval]


def fits(rule: DeadlineRule, kind: str | None, category: str | None, risk: str | None) -> bool:
    return (
        rule.kind_id in (None, kind or None)
        and rule.category_id in (None, category or None)
        and rule.risk_id in (None, risk or None)
    )


def best_rule(
    rules: Iterable[DeadlineRule], kind: str | None, category: str | None, risk: str | None
) -> DeadlineRule | None:
    """The most specific of `rules` that fits the matter (see the module doc), or None."""
    fitting = [rule for rule in rules if fits(rule, kind, category, risk)]
    return max(fitting, key=lambda rule: rule.specificity, default=None)


def merged_pauses(
    intervals: Iterable[PauseInterval], start: datetime.datetime, now: datetime.datetime | None = None
) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """Pause intervals clipped to begin no earlier than `start`, sorted, overlaps merged."""
    now = now or timezone.now()
    clipped: list[tuple[datetime.datetime, datetime.datetime]] = []
    for began, ended in intervals:
        ended = now if ended is None else ended
        began, ended = local(began), local(ended)
        if ended < began:
            raise ValueError(f"a pause cannot end before it begins: {began} – {ended}")
        began = max(began, start)
        if ended > began:
            clipped.append((began, ended))
    clipped.sort()
    merged: list[tuple[datetime.datetime, datetime.datetime]] = []
    for began, ended in clipped:
        if merged and began <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ended))
        else:
            merged.append((began, ended))
    return merged


def paused_clock_time(
    paused: Paused, start: datetime.datetime, now: datetime.datetime | None = None
) -> datetime.timedelta:
    if isinstance(paused, datetime.timedelta):
        return _non_negative(paused)
    return sum((ended - began for began, ended in merged_pauses(paused, start, now)), datetime.timedelta())


def paused_working_time(
    paused: Paused, start: datetime.datetime, calendar: WorkingCalendar, now: datetime.datetime | None = None
) -> datetime.timedelta:
    """The part of the paused time that fell on working days (a bare timedelta is taken as is)."""
    if isinstance(paused, datetime.timedelta):
        return _non_negative(paused)
    tz = timezone.get_default_timezone()
    lost = datetime.timedelta()
    for began, ended in merged_pauses(paused, start, now):
        day = began.date()
        while day <= ended.date():
            if calendar.is_working_day(day):
                day_start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
                lost += min(ended, day_start + ONE_DAY) - max(began, day_start)
            day += ONE_DAY
    return lost


def whole_days(duration: datetime.timedelta) -> int:
    """Started days in `duration`: 0 for none, 1 for up to 24 hours, and so on."""
    return math.ceil(duration / ONE_DAY)


def _non_negative(duration: datetime.timedelta) -> datetime.timedelta:
    if duration < datetime.timedelta():
        raise ValueError(f"paused time cannot be negative: {duration}")
    return duration
