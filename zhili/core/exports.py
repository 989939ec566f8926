"""CSV and XLSX exports of any restricted, filtered queryset. Personal data stays masked.

Pages, the API and the CLI all export through `export_rows`, and every export is itself
recorded in the audit log (what, how many rows, which filters).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from openpyxl import Workbook

from zhili.core.errors import DomainError

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Column:
    header: Any  # lazy translatable string
    value: Callable[[Any], Any]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        if getattr(value, "tzinfo", None) is not None:
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, bool | int | float):
        return value
    text = force_str(value)
    # Neutralise spreadsheet formula injection (CSV/XLSX opened in Excel or WPS).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rows(queryset: Iterable[Any], columns: list[Column]) -> Iterator[list[Any]]:
    yield [force_str(c.header) for c in columns]
    iterator = queryset.iterator(chunk_size=2000) if isinstance(queryset, QuerySet) else iter(queryset)
    for obj in iterator:
        yield [_cell(c.value(obj)) for c in columns]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(table: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM so that Excel opens UTF-8 Chinese correctly
    for row in table:
        yield writer.writerow(row)


def xlsx_bytes(table: Iterable[list[Any]], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "export")
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check_format(fmt: str) -> str:
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise DomainError("export_format", "导出格式只支持 csv 或 xlsx。", field="format")
    return fmt


def export_rows(
    queryset: QuerySet, columns: list[Column], fmt: str, name: str, filters: dict[str, Any] | None = None
) -> HttpResponse | StreamingHttpResponse:
    """An HTTP response with the export; records an EXPORT audit event."""
    from zhili.audit.recording import Kind, record

    fmt = check_format(fmt)
    count = queryset.count()
    if count > MAX_ROWS:
        raise DomainError("export_too_large", f"一次最多导出 {MAX_ROWS} 行，请缩小筛选范围（当前 {count} 行）。")
    record(
        Kind.EXPORT, data={"model": queryset.model._meta.label, "rows": count, "format": fmt, "filters": filters or {}}
    )
    filename = f"{name}-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}"
    disposition = f'attachment; filename="{filename}"'
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            csv_lines(rows(queryset, columns)), content_type=FORMATS[fmt]
        )
    else:
        response = HttpResponse(xlsx_bytes(rows(queryset, columns), name), content_type=FORMATS[fmt])
    response["Content-Disposition"] = disposition
    return response


def write_file(queryset: QuerySet, columns: list[Column], fmt: str, path: str, name: str) -> int:
    """Write an export to a file (the CLI); returns the number of data rows."""
    from zhili.audit.recording import Kind, record

    fmt = check_format(fmt)
    count = queryset.count()
    record(Kind.EXPORT, data={"model": queryset.model._meta.label, "rows": count, "format": fmt, "path": path})
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            for line in csv_lines(rows(queryset, columns)):
                handle.write(line)
    else:
        with open(path, "wb") as handle:
            handle.write(xlsx_bytes(rows(queryset, columns), name))
    return count
