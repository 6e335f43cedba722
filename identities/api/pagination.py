from __future__ import annotations

from django.core.paginator import Paginator
from rest_framework.pagination import PageNumberPagination


class CountWhenNeededPaginator(Paginator):
    """A first page that is not full holds every result: its length is the count, no COUNT(*) is run.

    Most API searches (traits, IPP, INS) find a handful of identities on page 1, and the COUNT
    query cost as much as the search itself. Other pages, and a full first page, count as usual.
    """

    def page(self, number):
        if str(number) == "1":
            rows = list(self.object_list[: self.per_page])
            if len(rows) < self.per_page:
                self.__dict__["count"] = len(rows)  # fills the `count` cached_property
                return self._get_page(rows, 1, self)
            page = super().page(1)
            page.object_list = rows  # already fetched
            return page
        return super().page(number)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CountWhenNeededPaginator

