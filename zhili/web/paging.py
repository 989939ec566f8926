"""Paginators for the pages' lists, where Django's own would count the rows again.

Both read one row more than a page shows, to know whether another page follows, and both read
the rows as they are now:

- `CountedPaginator`: the total is known already (the inbox counts every queue in one query and
  keeps the counts a few seconds, matters/queues.py). It is the total shown; a page is never cut
  short by it, nor a following page hidden.
- `OpenEndedPaginator`: a list too long to count on every request (every matter ever received):
  no total and no last page. The template shows "第 N 页" and the previous and next links.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.translation import gettext_lazy as _


class PeekingPage(Page):
    more = False

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class PeekingPaginator(Paginator):
    seen = 1  # the last page known to exist: the one read, or the one after it

    def validate_number(self, number: Any) -> int:
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(_("页码不是整数。")) from None
        if number < 1:
            raise EmptyPage(_("页码不能小于1。"))
        return number

    def page(self, number: Any) -> PeekingPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(_("这一页没有事项。"))
        page = PeekingPage(rows[: self.per_page], number, self)
        page.more = len(rows) > self.per_page
        self.seen = number + 1 if page.more else number
        return page


class CountedPaginator(PeekingPaginator):
    def __init__(self, object_list: Any, per_page: int, *, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached_property

    @property
    def num_pages(self) -> int:
        return max(math.ceil(self.count / self.per_page), self.seen, 1)


class OpenEndedPaginator(PeekingPaginator):
    open_ended = True

    @property
    def count(self) -> None:  # type: ignore[override]
        return None

    @property
    def num_pages(self) -> None:  # type: ignore[override]
        return None
