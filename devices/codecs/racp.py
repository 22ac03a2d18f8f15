"""Record Access Control Point 0x2A52 (Glucose Service): requests and responses (pure).

A request is ``op code u8 | operator u8 | operand``; the meter answers by indication on the
same characteristic. Used here:

* op code 1 *report stored records*, operator 1 *all records*, 3 *greater than or equal to*
  (operand: filter type 1 = sequence number, then the sequence number u16), 6 *last record*;
* op code 3 *abort operation* (operator 0, null);
* op code 4 *report number of stored records* -> op code 5 *number of stored records response*
  (operator 0, operand count u16);
* op code 6 *response code* (operator 0, operand: the request's op code u8, the response code u8):
  1 success, 2 op code not supported, 3 invalid operator, 4 operator not supported, 5 invalid
  operand, 6 no records found, 7 abort unsuccessful, 8 procedure not completed, 9 operand not
  supported.

A write to the RACP can also fail with an ATT error: 0x80 or 0xFE *procedure already in
progress*, 0x81 or 0xFD *client characteristic configuration descriptor improperly configured*.
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.codecs.ieee11073 import read_uint
from devices.errors import CodecError

RACP_UUID = "2a52"

REPORT_RECORDS, DELETE_RECORDS, ABORT, REPORT_NUMBER, NUMBER_RESPONSE, RESPONSE_CODE = 1, 2, 3, 4, 5, 6
NULL, ALL, LESS_OR_EQUAL, GREATER_OR_EQUAL, WITHIN_RANGE, FIRST, LAST = 0, 1, 2, 3, 4, 5, 6
SEQUENCE_FILTER = 1

OP_CODES = {
    REPORT_RECORDS: "report stored records",
    DELETE_RECORDS: "delete stored records",
    ABORT: "abort operation",
    REPORT_NUMBER: "report number of stored records",
    NUMBER_RESPONSE: "number of stored records response",
    RESPONSE_CODE: "response code",
}
OPERATORS = {
    NULL: "null",
    ALL: "all records",
    LESS_OR_EQUAL: "less than or equal to",
    GREATER_OR_EQUAL: "greater than or equal to",
    WITHIN_RANGE: "within range of",
    FIRST: "first record",
    LAST: "last record",
}
SUCCESS, OP_CODE_NOT_SUPPORTED, INVALID_OPERATOR, OPERATOR_NOT_SUPPORTED = 1, 2, 3, 4
INVALID_OPERAND, NO_RECORDS, ABORT_UNSUCCESSFUL, NOT_COMPLETED, OPERAND_NOT_SUPPORTED = 5, 6, 7, 8, 9
RESPONSE_CODES = {
    SUCCESS: "success",
    OP_CODE_NOT_SUPPORTED: "op code not supported",
    INVALID_OPERATOR: "invalid operator",
    OPERATOR_NOT_SUPPORTED: "operator not supported",
    INVALID_OPERAND: "invalid operand",
    NO_RECORDS: "no records found",
    ABORT_UNSUCCESSFUL: "abort unsuccessful",
    NOT_COMPLETED: "procedure not completed",
    OPERAND_NOT_SUPPORTED: "operand not supported",
}
#: Codes saying the meter cannot do this kind of request (a simpler one may work).
UNSUPPORTED = frozenset(
    {OP_CODE_NOT_SUPPORTED, INVALID_OPERATOR, OPERATOR_NOT_SUPPORTED, INVALID_OPERAND, OPERAND_NOT_SUPPORTED}
)
#: ATT error codes a RACP write can fail with.
ALREADY_IN_PROGRESS = frozenset({0x80, 0xFE})
CCCD_IMPROPER = frozenset({0x81, 0xFD})


def all_records() -> bytes:
    """Report stored records: all records."""
    return bytes([REPORT_RECORDS, ALL])


def records_from(sequence: int) -> bytes:
    """Report stored records with sequence number >= ``sequence`` (0-65535)."""
    if not 0 <= sequence <= 0xFFFF:
        raise ValueError(f"RACP sequence number {sequence} is outside 0-65535")
    return bytes([REPORT_RECORDS, GREATER_OR_EQUAL, SEQUENCE_FILTER]) + sequence.to_bytes(2, "little")


def last_record() -> bytes:
    """Report stored records: the last (newest) record."""
    return bytes([REPORT_RECORDS, LAST])


def number_of_records() -> bytes:
    """Report number of stored records: all records."""
    return bytes([REPORT_NUMBER, ALL])


def abort() -> bytes:
    return bytes([ABORT, NULL])


def describe_request(request: bytes) -> str:
    """``report stored records, greater than or equal to sequence 12`` - for logs and refusals."""
    if len(request) < 2:
        return f"RACP request {request.hex()}"
    what = f"RACP {OP_CODES.get(request[0], f'op code {request[0]}')}"
    operator = OPERATORS.get(request[1], f"operator {request[1]}")
    if request[1] == NULL:
        return what
    if len(request) >= 5 and request[2] == SEQUENCE_FILTER:
        return f"{what}, {operator} sequence {int.from_bytes(request[3:5], 'little')}"
    return f"{what}, {operator}"


@dataclass(frozen=True, slots=True)
class NumberOfRecords:
    count: int


@dataclass(frozen=True, slots=True)
class ResponseCode:
    request_op_code: int
    code: int

    @property
    def text(self) -> str:
        return RESPONSE_CODES.get(self.code, f"response code {self.code}")

    @property
    def request(self) -> str:
        return OP_CODES.get(self.request_op_code, f"op code {self.request_op_code}")


RacpResponse = NumberOfRecords | ResponseCode


def parse_response(data: bytes) -> RacpResponse:
    """A RACP indication from the meter; :class:`CodecError` names the field and byte offset."""
    op_code = read_uint(data, 0, 1, "RACP op code")
    operator = read_uint(data, 1, 1, "RACP operator")
    if operator != NULL:
        raise CodecError(
            f"RACP {OP_CODES.get(op_code, f'op code {op_code}')}: operator at byte 1 is {operator}, expected 0 (null)"
        )
    if op_code == NUMBER_RESPONSE:
        response: RacpResponse = NumberOfRecords(read_uint(data, 2, 2, "RACP number of stored records"))
        end = 4
    elif op_code == RESPONSE_CODE:
        response = ResponseCode(
            read_uint(data, 2, 1, "RACP request op code"), read_uint(data, 3, 1, "RACP response code value")
        )
        end = 4
    else:
        raise CodecError(
            f"RACP op code {op_code} at byte 0 ({OP_CODES.get(op_code, 'unknown')}) is not a response"
        )
    if len(data) != end:
        raise CodecError(
            f"RACP response of {len(data)} bytes, expected {end} (unexpected bytes from byte {end})"
        )
    return response
