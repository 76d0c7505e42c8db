"""Spreadsheet cells from crawled text: no formulas, no characters XLSX refuses."""

import openpyxl

from patrol.export import APP_COLUMNS, guard_text, write_table


def test_guard_text_escapes_formulas_and_drops_control_characters():
    assert guard_text("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert guard_text("@SUM(1)") == "'@SUM(1)"
    assert guard_text("作业\x00帮\x1b手") == "作业帮手"
    assert guard_text(42) == 42


def test_xlsx_export_survives_hostile_app_names(tmp_path):
    rows = [{"name": "+cmd|' /C calc'!A0", "description": "x", "category": "教育\x07学习"}]
    write_table(rows, APP_COLUMNS, "xlsx", tmp_path / "a.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx").active
    values = list(ws.iter_rows(values_only=True))[1]
    assert values[0] == "'+cmd|' /C calc'!A0" and values[4] == "教育学习"


def test_times_in_exports_are_office_time_with_the_offset(monkeypatch):
    import datetime as dt

    from patrol.export import safe_cell
    late = dt.datetime(2026, 5, 1, 23, 30, tzinfo=dt.timezone.utc)
    monkeypatch.setenv("PATROL_TIMEZONE", "Asia/Shanghai")
    assert safe_cell(late) == "2026-05-02 07:30:00 +08:00"
    monkeypatch.setenv("PATROL_TIMEZONE", "UTC")
    assert safe_cell(late) == "2026-05-01 23:30:00 +00:00"
