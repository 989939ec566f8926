"""Deadlines (计时): the working-day calendar and the deadline rules of matters.

- calendar.py: working days (chinesecalendar, overridden or extended by the HolidaySchedule
  table; Mon–Fri with a warning for a year neither covers) and deadline arithmetic.
- models.py: HolidaySchedule (one day of a State Council notice), DeadlineRule.
- rules.py: rule precedence and how pauses count; defaults.py: the shipped rules.
- services.py: the API other apps call (rule_for, due_at, extend) and the state changes
  (load_schedule, sync_builtin_rules, delete_rule).
- `zhili load-holidays FILE`, `zhili holiday-years`. Operators' guide: docs/deadlines.md.
"""
