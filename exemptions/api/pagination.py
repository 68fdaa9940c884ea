from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from exemptions.pagination import MAX_PAGE_SIZE, PAGE_SIZE, Cursor, InvalidCursor, page_of, page_query, page_size


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`; every list view orders by a unique key last, so pages never overlap."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


class DeadlineCursorPagination(pagination.BasePagination):
    """Filings soonest deadline first, in keyset pages (exemptions/pagination.py): follow `next` and `previous`.
    There is no total and no page number, so a page costs the same however many filings the caller can see."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        return self.paginate_rows(lambda cursor, size: page_query(queryset, cursor, size), request)

    def paginate_rows(self, read, request, position=Cursor.at):
        """The page whose rows `read(cursor, size)` returns, as `page_query` reads them: filings, or any rows
        with their `position`."""
        token = request.query_params.get(self.cursor_query_param)
        try:
            cursor = Cursor.decode(token) if token else None
        except InvalidCursor as error:
            raise NotFound(str(error)) from error
        self.request = request
        size = page_size(request.query_params.get(self.page_size_query_param))
        self.page = page_of(list(read(cursor, size)), cursor, size, position)
        return self.page.object_list

    def link(self, cursor):
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor.encode())

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self.link(self.page.next_cursor),
                "previous": self.link(self.page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The following page, or null on the last one"},
                "previous": {**link, "description": "The page before, or null on the first one"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Where the page starts: copy it from `next` or `previous`; omit it for the first page",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page (default {PAGE_SIZE})",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
