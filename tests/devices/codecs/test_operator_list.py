"""The clinic's operator list file (checklist item 25): parsed into typed records, expired
operators left out, and every bad file named with its line and column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from devices.errors import OperatorListError
from devices.operator_list import digest, parse_operator_list, read_operator_list
from devices.profile import PROFILE_DIR

SAMPLE = PROFILE_DIR / "poct1a-operators-SYNTHETIC.csv"
HEADER = "operator_id,name,permission_level,expires\n"


def test_the_synthetic_sample_is_labelled_and_its_expired_operator_is_left_out() -> None:
    operators = read_operator_list(SAMPLE)
    assert SAMPLE.read_text(encoding="utf-8").startswith("# SYNTHETIC operator list: fictional people")
    today = date(2026, 12, 5)
    assert [o.operator_id for o in operators.current(today)] == ["SYN-N001", "SYN-N002", "SYN-N003"]
    (expired,) = operators.expired(today)
    assert (expired.operator_id, expired.expires, expired.line) == ("SYN-N004", date(2020, 6, 30), 11)
    assert operators.describe(today).endswith(
        ": 3 operators sent to the meters; 1 left out, certification expired: "
        "SYN-N004 Liu Yang (SYNTHETIC) (expired 2020-06-30)"
    )
    assert operators.current(today)[1].name == "王小红（虚构）"


def test_the_expiry_date_is_the_last_valid_day_and_columns_may_come_in_any_order() -> None:
    text = "\ufeffExpires, Name ,operator_id,permission_level\n2026-12-05,Wu Lei,N9,4\n"
    (operator,) = parse_operator_list(text.lstrip("\ufeff"), "ops.csv").operators
    assert (operator.operator_id, operator.name, operator.permission_level) == ("N9", "Wu Lei", "4")
    assert not operator.is_expired(date(2026, 12, 5)) and operator.is_expired(date(2026, 12, 6))


def test_a_byte_order_mark_from_a_spreadsheet_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "ops.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + "N1,Li Wei,1,2030-01-01\n").encode())
    assert read_operator_list(path).operators[0].operator_id == "N1"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "N1,Li Wei,1,2026-02-30\n",
            'ops.csv line 2, column 4: expires "2026-02-30" is not a date (YYYY-MM-DD',
        ),
        ("N1,Li Wei,1,30/06/2027\n", 'ops.csv line 2, column 4: expires "30/06/2027" is not a date'),
        (
            "N1,Li Wei,1,2027-06-30\n# c\nN1,Wang Fang,1,2027-06-30\n",
            'ops.csv line 4, column 1: operator_id "N1" is already on line 2',
        ),
        (" ,Li Wei,1,2027-06-30\n", "ops.csv line 2, column 1: operator_id is empty"),
        ("N1,,1,2027-06-30\n", "ops.csv line 2, column 2: name is empty"),
        (
            "N1,Li\x07Wei,1,2027-06-30\n",
            'ops.csv line 2, column 2: name "Li\\u0007Wei" contains a control character',
        ),
        (
            "N1," + "x" * 61 + ",1,2027-06-30\n",
            "ops.csv line 2, column 2: name is 61 characters long, at most 60",
        ),
        (
            "N1,Li Wei,super user,2027-06-30\n",
            'ops.csv line 2, column 3: permission_level "super user" is not',
        ),
        ("N1,Li Wei,1\n", "ops.csv line 2: 3 columns, the header has 4"),
        ("", "ops.csv line 1: no operators listed (a meter given an empty list locks everyone out)"),
    ],
)
def test_a_bad_row_names_the_file_line_and_column(body: str, message: str) -> None:
    with pytest.raises(OperatorListError) as caught:
        parse_operator_list(HEADER + body, "ops.csv")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "operator_id,name,level,expires\n",
            'ops.csv line 1, column 3: unknown column "level" (the columns are',
        ),
        ("operator_id,name,expires\n", "ops.csv line 1: the header has no column permission_level"),
        (
            "operator_id,name,name,permission_level,expires\n",
            "ops.csv line 1, column 3: column name appears twice",
        ),
        (
            "# only a comment\n\n",
            "ops.csv line 1: no header line (operator_id,name,permission_level,expires)",
        ),
    ],
)
def test_a_bad_header_names_the_column(text: str, message: str) -> None:
    with pytest.raises(OperatorListError) as caught:
        parse_operator_list(text, "ops.csv")
    assert message in str(caught.value)


def test_a_missing_or_non_utf8_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(OperatorListError, match=r"nowhere\.csv: operator list not found"):
        read_operator_list(tmp_path / "nowhere.csv")
    legacy = tmp_path / "gbk.csv"
    legacy.write_bytes(HEADER.encode() + b"N1," + "李伟".encode("gbk") + b",1,2027-06-30\n")
    with pytest.raises(OperatorListError) as caught:
        read_operator_list(legacy)
    assert f"{legacy} line 2, column 2: not UTF-8 text (save the file as UTF-8)" in str(caught.value)


def test_the_digest_follows_what_a_meter_is_given_not_comments_or_line_numbers() -> None:
    one = parse_operator_list(HEADER + "N1,Li Wei,1,2027-06-30\n", "a.csv").operators
    same = parse_operator_list("# note\n\n" + HEADER + "N1, Li Wei ,1,2027-06-30\n", "b.csv").operators
    renamed = parse_operator_list(HEADER + "N1,Li Wei,4,2027-06-30\n", "a.csv").operators
    assert digest(one) == digest(same) != digest(renamed)
