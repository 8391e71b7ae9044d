"""The CLI's one output layer (cli/_output.py): a table, --json or --csv of any result, with the
CSV cells a spreadsheet would run as formulas neutralised and text kept as written."""

from __future__ import annotations

import argparse
import csv
import io
import json

import pandas as pd
import pytest

from semdigest.cli._output import add_format_options, output_format, print_csv, print_json, show


def _parser(csv_help="print CSV"):
    parser = argparse.ArgumentParser(prog="x")
    add_format_options(parser, csv_help=csv_help)
    return parser


def _emit(argv, capsys, result=("a", 2)):
    show(_parser().parse_args(argv), result, table=lambda r: f"table {r[0]}",
         as_json=lambda r: {"name": r[0], "n": r[1]}, as_csv=lambda r: (["name", "n"], [[r[0], r[1]]]))
    return capsys.readouterr().out


def test_one_result_three_formats(capsys):
    assert _emit([], capsys) == "table a\n"
    assert json.loads(_emit(["--json"], capsys)) == {"name": "a", "n": 2}
    assert list(csv.reader(io.StringIO(_emit(["--csv"], capsys)))) == [["name", "n"], ["a", "2"]]


def test_json_and_csv_exclude_each_other_and_csv_can_be_left_out():
    with pytest.raises(SystemExit):
        _parser().parse_args(["--json", "--csv"])
    args = _parser(csv_help=None).parse_args(["--json"])
    assert output_format(args) == "json" and not hasattr(args, "csv")
    with pytest.raises(SystemExit):
        _parser(csv_help=None).parse_args(["--csv"])


def test_csv_cells_never_run_as_formulas_and_text_stays_as_written(capsys):
    hostile = "=HYPERLINK(\"http://x\",\"y\")"
    print_csv((["title", "score"], [[hostile, 0.123456], ["Ünïcode, \"quoted\"\nline", None]]), float_format="%.2f")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["title", "score"], ["'" + hostile, "0.12"], ["Ünïcode, \"quoted\"\nline", ""]]
    print_csv(pd.DataFrame({"title": ["@SUM(A1)"], "x": [float("nan")]}))
    assert list(csv.reader(io.StringIO(capsys.readouterr().out)))[1] == ["'@SUM(A1)", ""]


def test_json_keeps_text_and_a_frame_is_a_list_of_records(capsys):
    print_json({"title": "Ünïcode <b>"})
    assert capsys.readouterr().out == '{"title": "Ünïcode <b>"}\n'
    print_json(pd.DataFrame({"id": ["2606.00001"], "novelty": [float("nan")]}))
    assert json.loads(capsys.readouterr().out) == [{"id": "2606.00001", "novelty": None}]
