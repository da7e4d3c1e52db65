"""Teaches schemathesis the formats the medbill document names that JSON Schema cannot spell.

`format: npi` (declared with the pattern ^[0-9]{10}$) is a National Provider Identifier:
nine digits and a Luhn check digit computed over "80840" followed by those nine.
"""

import re
import uuid

import schemathesis
from hypothesis import strategies as st


def npi_check_digit(first_nine: str) -> str:
    total = 0
    for i, ch in enumerate(reversed("80840" + first_nine)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


npis = st.from_regex(r"\A[12][0-9]{8}\Z").map(lambda nine: nine + npi_check_digit(nine))

assert npi_check_digit("123456789") == "3"  # the CMS example NPI 1234567893
schemathesis.openapi.format("npi", npis)


def _integers(value):
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, list):
        return [_integers(v) for v in value]
    if isinstance(value, dict):
        return {k: _integers(v) for k, v in value.items()}
    return value


def luhn_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


# `format: accession`: a specimen accession number, 9 digits and their Luhn check digit.
assert luhn_digit("260000001") == "8"
schemathesis.openapi.format(
    "accession", st.from_regex(r"\A[0-9]{9}\Z").map(lambda nine: nine + luhn_digit(nine))
)


def _provider_rules(body):
    """Rules across provider fields, stated in the field descriptions (JSON Schema here would
    need if/then, which utoipa cannot emit): a person has a first name, an organization none,
    and a billing provider a tax id."""
    if body.get("entity_type") == "person" and not isinstance(body.get("first_name"), str):
        body["first_name"] = "Ana"
    if body.get("entity_type") == "organization":
        body.pop("first_name", None)
    if "billing" in (body.get("roles") or []) and not isinstance(body.get("tax_id"), str):
        body["tax_id"] = "12-3456789"
    return body


CROSS_FIELD = {"POST /v1/providers": _provider_rules}


KEY = re.compile(r"\A[!-~]([ -~]{0,253}[!-~])?\Z")


@schemathesis.hook
def map_case(context, case):
    """Three things JSON Schema cannot say, applied to every generated request:

    - an Idempotency-Key names one request (the server answers a reuse with a different body
      422 `key_reused`, as the IETF idempotency-key draft says), so a well-formed key gets a
      unique suffix; a malformed one is left alone so negative cases stay negative;
    - JSON Schema counts 3.0 as an integer, medbill reads integer fields strictly (serde
      refuses 3.0 with 422 `invalid_type`), so integral floats are sent as integers;
    - operations with rules across fields get those rules applied (see CROSS_FIELD).
    """
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and KEY.match(key):
        headers["Idempotency-Key"] = f"{key[:200].rstrip()}-{uuid.uuid4()}"
    body = _integers(case.body) if isinstance(case.body, (dict, list, float)) else case.body
    rule = CROSS_FIELD.get(case.operation.label)
    if rule and isinstance(body, dict):
        body = rule(body)
    if isinstance(case.body, (dict, list, float)):
        case.body = body
    return case
