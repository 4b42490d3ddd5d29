"""An uploaded file to rows of cells: size limit, UTF-8 (with or without BOM), a real CSV, known columns."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from storefront.domain.product_csv import columns as c
from storefront.domain.product_csv.errors import CsvFileRejected, CsvProblem, Problem

MAX_BYTES = 15 * 1024 * 1024
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class CsvRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class CsvTable:
    columns: list[c.HeaderColumn]
    rows: list[CsvRow]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def present(self) -> frozenset[str]:
        return frozenset(column.key for column in self.columns)

    def locales(self) -> list[str]:
        return list(dict.fromkeys(column.locale for column in self.columns if column.locale))

    def market_names(self) -> list[str]:
        return list(dict.fromkeys(column.market for column in self.columns if column.market))


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise CsvFileRejected(Problem(CsvProblem.FILE_TOO_LARGE, params={"limit": MAX_BYTES // (1024 * 1024)}))
    if b"\x00" in raw:  # spreadsheets, archives and pictures, or UTF-16 text
        raise CsvFileRejected(Problem(CsvProblem.NOT_CSV))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise CsvFileRejected(Problem(CsvProblem.NOT_UTF8, row=line)) from None


def sniff_delimiter(text: str) -> str:
    """Shopify writes commas; spreadsheets in some locales write semicolons or tabs. The header decides."""
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        raise CsvFileRejected(Problem(CsvProblem.NOT_CSV))
    return best


def read_table(raw: bytes) -> CsvTable:
    """Parse the upload; file-level faults raise CsvFileRejected, cell-level ones are collected later."""
    text = decode(raw)
    if not text.strip():
        raise CsvFileRejected(Problem(CsvProblem.EMPTY_FILE))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text), strict=True)
    try:
        header = next(reader)
        columns, problems, warnings = _read_header(header)
        rows: list[CsvRow] = []
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(header) and any(cell.strip() for cell in record[len(header):]):
                problems.append(Problem(CsvProblem.TOO_MANY_CELLS, row=number,
                                        params={"cells": len(record), "columns": len(header)}))
            cells = {column.key: value for column, value in zip(columns, record) if column is not None}
            rows.append(CsvRow(number, cells))
    except csv.Error:
        raise CsvFileRejected(Problem(CsvProblem.MALFORMED, row=reader.line_num)) from None
    if not rows:
        raise CsvFileRejected(Problem(CsvProblem.EMPTY_FILE))
    known = [column for column in columns if column is not None]
    if not any(column.name == c.HANDLE for column in known) and not any(column.name == c.TITLE for column in known):
        raise CsvFileRejected(Problem(CsvProblem.NOT_CSV))  # some other CSV (orders, customers…)
    return CsvTable([col for col in columns if col is not None], rows, problems, warnings)


def _read_header(header: list[str]) -> tuple[list[c.HeaderColumn | None], list[Problem], list[Problem]]:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    seen: set[str] = set()
    columns: list[c.HeaderColumn | None] = []
    for text in header:
        column = c.interpret(text) if text.strip() else None
        if column is None:
            if text.strip():
                warnings.append(Problem(CsvProblem.COLUMN_IGNORED, column=text.strip()))
        elif column.key in seen:
            problems.append(Problem(CsvProblem.DUPLICATE_COLUMN, row=1, column=column.key))
            column = None
        else:
            seen.add(column.key)
            if column.name in c.NOT_STORED and not column.locale:
                warnings.append(Problem(CsvProblem.COLUMN_IGNORED, column=column.key))
        columns.append(column)
    for required in c.REQUIRED:
        if required not in seen:
            problems.append(Problem(CsvProblem.MISSING_COLUMN, row=1, column=required))
    return columns, problems, warnings
