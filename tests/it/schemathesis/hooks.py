"""What the medbill document says in words that JSON Schema cannot compute, for
tests/it/api_fuzz.rs (loaded through SCHEMATHESIS_HOOKS): the check-digit formats `npi` and
`accession`, that an Idempotency-Key names one request, and the rules across fields.
"""

import re
import uuid

import schemathesis
from hypothesis import strategies as st


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


# `format: npi`: 9 digits and the Luhn digit over "80840" and them (CMS example 1234567893).
assert luhn_digit("80840123456789") == "3"
schemathesis.openapi.format(
    "npi", st.from_regex(r"\A[12][0-9]{8}\Z").map(lambda nine: nine + luhn_digit("80840" + nine))
)

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


def _in_order(values, first, last):  # values: a dict or a mapping like one
    """A range's end may not come before its start (dates compare as text)."""
    a, b = values.get(first), values.get(last)
    if isinstance(a, str) and isinstance(b, str) and b < a:
        values[first], values[last] = b, a


def _fee_rules(body):
    """The code system, when given, is the one the code's shape belongs to."""
    if isinstance(body.get("code_system"), str) and isinstance(body.get("code"), str):
        body["code_system"] = "cpt" if body["code"].strip()[:1].isdigit() else "hcpcs"
    _in_order(body, "effective_from", "effective_to")
    return body


SUBSCRIBER = {
    "subscriber_first_name": "Maria",
    "subscriber_last_name": "Garcia",
    "subscriber_birth_date": "1971-03-14",
    "subscriber_sex": "F",
}


def _coverage_rules(body):
    """The subscriber is described unless the patient is the subscriber (relationship 18),
    in which case the patient's own record says it all; the dates come in order."""
    if body.get("relationship_code") == "18":
        for field in SUBSCRIBER:
            body.pop(field, None)
    elif isinstance(body.get("relationship_code"), str):
        for field, value in SUBSCRIBER.items():
            if body.get(field) is None:
                body[field] = value
    _in_order(body, "effective_from", "effective_to")
    return body


MONTHS_KINDS = ("rolling_months", "calendar_months")
UUID = re.compile(r"\A[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\Z")


def _frequency_rules(body):
    """`period_months` is given exactly for the kinds measured in months (12 when the
    generator left it out), and absent for the others. A generated `payer_id` names no payer
    (422): it is dropped, so the rule applies to every payer. Only well-formed values are
    touched, so a negative case (a bad type or bound) stays negative."""
    months = body.get("period_months")
    if body.get("period_kind") in MONTHS_KINDS:
        if months is None:
            body["period_months"] = 12
    elif isinstance(body.get("period_kind"), str):
        if months is None or (isinstance(months, int) and 1 <= months <= 1200):
            body.pop("period_months", None)
    if isinstance(body.get("payer_id"), str) and UUID.match(body["payer_id"]):
        body.pop("payer_id")
    return body


CROSS_FIELD = {
    "POST /v1/frequency-rules": _frequency_rules,
    "POST /v1/coverages": _coverage_rules,
    "POST /v1/providers": _provider_rules,
    "POST /v1/fee-schedules": _fee_rules,
    "PATCH /v1/fee-schedules/{id}": _fee_rules,
}
RANGES = [("from", "to"), ("collected_from", "collected_to")]


KEY = re.compile(r"\A[!-~]([\t -~]{0,253}[!-~])?\Z")


def _fresh_key(headers):
    # Headers come as a case-insensitive mapping, not always a dict.
    key = headers.get("Idempotency-Key") if hasattr(headers, "get") else None
    if isinstance(key, str) and KEY.match(key):
        headers["Idempotency-Key"] = f"{key[:180].rstrip()}-{uuid.uuid4()}"
    return headers


def _body(label, body):
    if not isinstance(body, (dict, list, float)):
        return body
    body = _integers(body)
    rule = CROSS_FIELD.get(label)
    if rule and isinstance(body, dict):
        body = rule(body)
    return body


def _query(query):
    if hasattr(query, "get"):
        for first, last in RANGES:
            _in_order(query, first, last)
    return query


# The generated-data hooks cover the fuzzing, examples and stateful phases; `map_case`
# covers the coverage phase, which builds cases directly. Applying both is harmless.
@schemathesis.hook
def map_headers(context, headers):
    return _fresh_key(headers)


@schemathesis.hook
def map_body(context, body):
    return _body(context.operation.label if context.operation else "", body)


@schemathesis.hook
def map_query(context, query):
    return _query(query)


@schemathesis.hook
def map_case(context, case):
    """Three things JSON Schema cannot say, applied to every generated request:

    - an Idempotency-Key names one request (the server answers a reuse with a different body
      422 `key_reused`, as the IETF idempotency-key draft says), so a well-formed key gets a
      unique suffix; a malformed one is left alone so negative cases stay negative;
    - JSON Schema counts 3.0 as an integer, medbill reads integer fields strictly (serde
      refuses 3.0 with 422 `invalid_type`), so integral floats are sent as integers;
    - operations with rules across fields get those rules applied (see CROSS_FIELD), and
      ranges in queries come in order.
    """
    # Only touch what changes: assigning a container marks it as set by the hook, and
    # schemathesis then merges the command line's headers back into cases that test their
    # absence.
    _fresh_key(case.headers)
    _query(case.query)
    if isinstance(case.body, (dict, list, float)):
        body = _body(case.operation.label, case.body)
        if body != case.body:
            case.body = body
    return case


# `POST /v1/remittances` takes an 835 as `application/edi-x12` text: send the generated string
# as UTF-8 bytes (schemathesis has no serializer of its own for this media type).
@schemathesis.serializer("application/edi-x12")
def edi_x12(ctx, value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf8")
