"""Print, as JSON, what openpyxl sees in a pushaudit workbook: sheet names,
cell values and number formats, freeze panes, autofilters, print titles,
page orientation, charts, notes (comments) of the first two rows,
document properties, and, per sheet, the used range the sheet declares
(<dimension>) and the cells a read-only reader (which trusts it) misses
or sees differently from the full reader. Used by reports/daily_test.go and
reports/ops_test.go; an optional second argument is the last row read
(default 12)."""
import datetime
import json
import sys

import openpyxl


def value(v):
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    if isinstance(v, int):
        return float(v)
    return v


def main(path, max_row=12):
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames, "cells": {}, "freeze": {}, "filter": {},
           "print_titles": {}, "orientation": {}, "charts": {}, "notes": {},
           "creator": wb.properties.creator, "title": wb.properties.title}
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, max_row)):
            for c in row:
                if c.value is None:
                    continue
                out["cells"][f"{ws.title}!{c.coordinate}"] = {
                    "value": value(c.value), "format": c.number_format}
        out["freeze"][ws.title] = ws.freeze_panes or ""
        out["filter"][ws.title] = ws.auto_filter.ref or ""
        out["print_titles"][ws.title] = ws.print_title_rows or ""
        out["orientation"][ws.title] = ws.page_setup.orientation or ""
        psp = ws.sheet_properties.pageSetUpPr
        out.setdefault("fit_to_page", {})[ws.title] = bool(psp is not None and psp.fitToPage)
        out.setdefault("filter_mode", {})[ws.title] = bool(ws.sheet_properties.filterMode)
        out["charts"][ws.title] = [type(c).__name__ for c in ws._charts]
        for row in ws.iter_rows(min_row=1, max_row=2):
            for c in row:
                if c.comment is not None:
                    out["notes"][f"{ws.title}!{c.coordinate}"] = c.comment.text
    # Read-only mode trusts each sheet's <dimension>: every cell of the
    # full reader must come out of it, with the same value.
    out["dimension"], out["readonly_missed"] = {}, {}
    ro = openpyxl.load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        rws = ro[ws.title]
        out["dimension"][ws.title] = rws.calculate_dimension()
        seen = {}
        for row in rws.iter_rows():
            for c in row:
                if getattr(c, "value", None) is not None:
                    seen[c.coordinate] = c.value
        missed = [c.coordinate for row in ws.iter_rows() for c in row
                  if c.value is not None and seen.get(c.coordinate) != c.value]
        out["readonly_missed"][ws.title] = missed[:20]
    ro.close()
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
