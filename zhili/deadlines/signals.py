"""Signals other apps may listen to.

`schedule_loaded(sender=HolidaySchedule, year=int)` is sent after a year's schedule loaded by
services.load_schedule has been committed. Deadlines computed earlier for days of that year used
the package or the Mon–Fri fallback; the matters app recomputes its open ones here (due_at
derives a deadline from the matter's history, so recomputing is safe).
"""

from django.dispatch import Signal

schedule_loaded = Signal()
