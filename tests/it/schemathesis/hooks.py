"""What the medbill document says in words that JSON Schema cannot compute, for
tests/it/api_fuzz.rs (loaded through SCHEMATHESIS_HOOKS): the check-digit formats `npi` and
`accession`, that an Idempotency-Key names one request, and the rules across fields.
"""

import datetime
import itertools
import json
import os
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


# The document's pattern for names (what an X12 name element carries, not blank).
_X12_CHAR = r"\u0020-\u0029\u002b-\u0039\u003b-\u005d\u005f-\u007d\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
X12_NAME = re.compile(rf"\A[{_X12_CHAR}]*[\u0021{_X12_CHAR[6:]}][{_X12_CHAR}]*\Z")


def _provider_rules(body):
    """Rules across provider fields, stated in the field descriptions (JSON Schema here would
    need if/then, which utoipa cannot emit): a person has a first name, an organization none,
    and a billing provider a tax id."""
    # Only absent or null values are filled and only a well-formed first name is dropped: a
    # malformed one (a negative case) stays, and is refused either way.
    if body.get("entity_type") == "person" and body.get("first_name") is None:
        body["first_name"] = "Ana"
    first = body.get("first_name")
    if body.get("entity_type") == "organization" and (
        first is None or (isinstance(first, str) and 1 <= len(first) <= 35 and X12_NAME.match(first))
    ):
        body.pop("first_name", None)
    roles = body.get("roles")
    if isinstance(roles, list) and "billing" in roles and body.get("tax_id") is None:
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


# Records the run starts from (tests/it/api_fuzz_seed.rs), by what each is for: a create that
# needs a workflow behind it (a signed-off encounter to bill, an adjudicated claim to replace)
# gets one of them in place of a generated id, so it can answer 201.
FIXTURES = json.loads(os.environ.get("MEDBILL_FUZZ_FIXTURES") or "{}")
_ROTATION = {name: itertools.cycle(ids) for name, ids in FIXTURES.items() if ids}

PATH_IDS = {
    "POST /v1/encounters/{id}/lines": "draft_encounters",
    "POST /v1/encounters/{id}/claims": "signed_encounters",
    "POST /v1/claims/{id}/replace": "replaceable_claims",
    "POST /v1/claims/{id}/void": "voidable_claims",
    "POST /v1/claims/{id}/next-payer": "next_payer_claims",
    "POST /v1/specimens/{id}/recollect": "rejected_specimens",
    "POST /v1/patients/{id}/refunds": "credit_patients",
    "POST /v1/patients/{id}/payments": "patients",
    "POST /v1/encounters/{id}/sign-off": "clean_encounters",
    "POST /v1/encounters/{id}/overrides": "finding_encounters",
    "POST /v1/coverages/{id}/eligibility": "coverages",
    "POST /v1/claims/{id}/payments": "payable_claims",
    "POST /v1/claims/{id}/write-offs": "payable_claims",
}
# Body fields naming stored records, per create: the field and the records it takes.
BODY_IDS = {
    "POST /v1/encounters": {
        "patient_id": "coverage_patients",
        "coverage_id": "coverages",
        "rendering_provider_id": "rendering_providers",
        "billing_provider_id": "billing_providers",
        "referring_provider_id": None,
    },
    "POST /v1/specimens": {
        "patient_id": "patients",
        "ordering_provider_id": "rendering_providers",
        "encounter_id": None,
    },
    "POST /v1/coverages": {"patient_id": "patients", "payer_id": "payers"},
    "PATCH /v1/encounters/{id}": {
        "coverage_id": "coverages",
        "rendering_provider_id": "rendering_providers",
        "billing_provider_id": "billing_providers",
        "referring_provider_id": None,
    },
    "POST /v1/fee-schedules": {"payer_id": "payers"},
    "POST /v1/statements": {"patient_id": "owing_patients"},
    "POST /v1/coverages/{id}/eligibility": {"provider_id": "billing_providers"},
    "POST /v1/encounters/{id}/claims": {"coverage_id": "coverages"},
    "PATCH /v1/specimens/{id}": {
        "ordering_provider_id": "rendering_providers",
        "encounter_id": None,
    },
}


SEEDED = {value for ids in FIXTURES.values() for value in ids}


def _protect_seeded(case):
    """Schemathesis reuses ids it has seen in responses: a change or deletion of a seeded
    record by another operation (a provider losing its role, a patient deactivated) would
    leave the workflow creates nothing to use. Such a case goes to a fresh id (404) instead."""
    path = case.path_parameters
    label = case.operation.label
    if case.method.upper() == "GET" or label in PATH_IDS or not hasattr(path, "items"):
        return
    # Stateful steps follow links to what an earlier step created, never to a seeded record.
    # (`case.meta` would revalidate the case after the in-place changes above and lose what
    # a coverage case tests, such as a missing header: read the stored metadata.)
    phase = getattr(getattr(getattr(case, "_meta", None), "phase", None), "name", None)
    if str(getattr(phase, "value", phase)) == "stateful":
        return
    for name, value in list(path.items()):
        if value in SEEDED:
            path[name] = str(uuid.uuid4())


ETAG = re.compile(r'\A"?[1-9][0-9]{0,8}"?\Z')
# Workflow creates whose seeded record changes version with each 201 (a line added to a
# draft): a well-formed If-Match becomes `*` (any current version, RFC 9110), since the
# generator cannot know the version the last case left.
ANY_VERSION = {
    "POST /v1/encounters/{id}/lines",
    "POST /v1/encounters/{id}/sign-off",
    "POST /v1/encounters/{id}/overrides",
}


def _any_version(label, headers):
    if label in ANY_VERSION and hasattr(headers, "get"):
        tag = headers.get("If-Match")
        if isinstance(tag, str) and ETAG.match(tag):
            headers["If-Match"] = "*"
    return headers


def _fixture(name):
    rotation = _ROTATION.get(name)
    return next(rotation) if rotation else None


def _stored_path_ids(label, path):
    """A well-formed generated id in the path of a workflow create becomes a seeded one."""
    name = PATH_IDS.get(label)
    if name and hasattr(path, "get") and isinstance(path.get("id"), str) and UUID.match(path["id"]):
        value = _fixture(name)
        if value:
            path["id"] = value
    return path


def _stored_body_ids(label, body):
    """Well-formed generated ids of stored records become seeded ones; optional links that
    the seeded records cannot satisfy (a referring provider, an encounter) are dropped."""
    for field, name in BODY_IDS.get(label, {}).items():
        value = body.get(field)
        if not (isinstance(value, str) and UUID.match(value)):
            continue
        if name is None:
            body.pop(field)
        elif (seeded := _fixture(name)) is not None:
            body[field] = seeded
    return body


# Codes the bundled tables hold for any recent date, for fields whose values must be listed in
# a code table (the document can state the shape of a code, not which codes exist).
DIAGNOSES = ["I10", "E11.9", "J06.9", "M54.50", "R51.9", "Z00.00", "K21.9", "N39.0"]
PROCEDURES = ["99213", "93000", "36415", "81002", "99214", "85025", "80053", "G0439"]
LAB_TESTS = ["80053", "85025", "81002", "80061"]
DATE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
RECENT = (datetime.date.today() - datetime.timedelta(days=20)).isoformat()
RECENT_TIME = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)).isoformat()


def _is_date(value):
    """A valid YYYY-MM-DD date (a malformed one stays, so a negative case stays negative)."""
    if not (isinstance(value, str) and DATE.match(value)):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


ICD_SHAPE = re.compile(r"\A *[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{1,4})? *\Z")
TODAY = datetime.date.today().isoformat()


def _stored_codes(values, table, shape, most):
    """A well-formed list of well-formed codes becomes as many distinct listed codes (at most
    the table's length); anything malformed stays, so a negative case stays negative."""
    if (
        isinstance(values, list)
        and len(values) <= most
        and all(isinstance(v, str) and shape.match(v) for v in values)
    ):
        return [table[i % len(table)] for i in range(min(len(values), len(table)))]
    return values


def _line_rules(line, diagnoses):
    """A line's code is a listed one (code_system then follows from it), its own date is the
    visit's, its pointers point into the diagnosis list, and a drug comes with its quantity
    and unit."""
    if not isinstance(line, dict):
        return line
    if isinstance(line.get("id"), str) and UUID.match(line["id"]):
        line.pop("id")
    if isinstance(line.get("code"), str):
        line["code"] = PROCEDURES[len(line["code"]) % len(PROCEDURES)]
        line.pop("code_system", None)
        # Without a fee schedule for the code the charge must be sent.
        if line.get("charge_cents") is None:
            line["charge_cents"] = 12500
    if _is_date(line.get("date_of_service")):
        line.pop("date_of_service")
    pointers = line.get("diagnosis_pointers")
    if isinstance(pointers, list) and pointers and all(isinstance(p, int) for p in pointers):
        line["diagnosis_pointers"] = list(range(1, min(len(pointers), max(diagnoses, 1), 4) + 1))
    if isinstance(line.get("ndc"), str):
        line["ndc"] = "00002-7510-01"
        line.setdefault("ndc_quantity", 1.0)
        line.setdefault("ndc_unit", "UN")
        if line["ndc_quantity"] is None:
            line["ndc_quantity"] = 1.0
        if line["ndc_unit"] is None:
            line["ndc_unit"] = "UN"
    elif line.get("ndc") is None:
        for field in ("ndc_quantity", "ndc_unit"):
            if line.get(field) is not None and not isinstance(line.get(field), (dict, list, bool)):
                line.pop(field)
    return line


def _encounter_rules(body):
    """Codes from the tables, a recent date of service (within the seeded coverage), a
    diagnosis for every line to point at."""
    body["diagnoses"] = _stored_codes(body.get("diagnoses"), DIAGNOSES, ICD_SHAPE, 50)
    if _is_date(body.get("date_of_service")):
        body["date_of_service"] = RECENT
        if _is_date(body.get("date_of_service_to")):
            body["date_of_service_to"] = RECENT
    elif _is_date(body.get("date_of_service_to")):
        # A patch's last date is compared with the stored first date: today is never before.
        body["date_of_service_to"] = TODAY
    lines = body.get("lines")
    if isinstance(lines, list) and lines and len(lines) <= 200:
        diagnoses = body.get("diagnoses")
        if diagnoses is None or diagnoses == []:
            body["diagnoses"] = diagnoses = ["I10"]
        count = len(diagnoses) if isinstance(diagnoses, list) else 1
        body["lines"] = [_line_rules(line, count) for line in lines]
    return body


def _new_line_rules(body):
    """A line added to a seeded draft encounter, which has two diagnoses."""
    return _line_rules(body, 2)


def _specimen_rules(body):
    """A listed specimen type and lab tests, a collection time in the past, a volume with
    its unit."""
    if isinstance(body.get("specimen_type"), str):
        body["specimen_type"] = "SER"
    tests = body.get("tests")
    if isinstance(tests, list) and all(isinstance(t, dict) for t in tests):
        for i, test in enumerate(tests[: len(LAB_TESTS)]):
            test["code"] = LAB_TESTS[i]
            test.pop("code_system", None)
            if isinstance(test.get("loinc"), str):
                test["loinc"] = "24323-8"
        body["tests"] = tests[: len(LAB_TESTS)]
    return _collection_rules(body)


def _collection_rules(body):
    if isinstance(body.get("collected_at"), str):
        body["collected_at"] = RECENT_TIME
    if isinstance(body.get("volume_unit"), str) and body.get("volume") is None:
        body["volume"] = 5.0
    if isinstance(body.get("volume"), (int, float)) and not isinstance(body.get("volume"), bool):
        if body.get("volume_unit") is None:
            body["volume_unit"] = "mL"
    return body


# Unicode White_Space (what Rust's `str::trim` removes) less the control characters the
# note's pattern refuses anyway (a note of those stays a negative case).
NOTE_SPACE = set("\t\n \u00a0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}


def _blank(text):
    return all(ch in NOTE_SPACE for ch in text)


def _transition_rules(body):
    """A rejection names its HL7 0490 reason (a listed one) and says what was wrong, a
    cancellation says why, and only a rejection has a reason (rules across fields)."""
    # A note of white space or nothing counts as none (the server trims what Rust's `trim`
    # does); one with other control characters is a negative case and stays.
    blank = body.get("note") is None or (
        isinstance(body.get("note"), str) and _blank(body["note"])
    )
    if body.get("to") == "rejected":
        if body.get("reject_reason") is None or isinstance(body.get("reject_reason"), str):
            body["reject_reason"] = "RH"
        if blank:
            body["note"] = "hemolysed"
    elif body.get("to") == "cancelled" and blank:
        body["note"] = "ordered twice"
    elif isinstance(body.get("to"), str) and isinstance(body.get("reject_reason"), str):
        body.pop("reject_reason")
    return body


def _webhook_rules(body):
    """A generated URL is almost never https on a public address (which the server resolves
    and checks): a well-formed one points at loopback, which the fuzz server allows."""
    if isinstance(body.get("url"), str):
        body["url"] = "http://127.0.0.1:9/medbill-fuzz"
    return body


def _patient_money_rules(body):
    """Money is received today or earlier."""
    if _is_date(body.get("received_on")) and body["received_on"] > TODAY:
        body["received_on"] = TODAY
    return body


CROSS_FIELD = {
    "POST /v1/patients/{id}/payments": _patient_money_rules,
    "POST /v1/patients/{id}/refunds": _patient_money_rules,
    "POST /v1/encounters": _encounter_rules,
    "PATCH /v1/encounters/{id}": _encounter_rules,
    "POST /v1/encounters/{id}/lines": _new_line_rules,
    "POST /v1/specimens": _specimen_rules,
    "PATCH /v1/specimens/{id}": _specimen_rules,
    "POST /v1/specimens/{id}/recollect": _collection_rules,
    "POST /v1/specimens/{id}/transitions": _transition_rules,
    "POST /v1/webhook-endpoints": _webhook_rules,
    "PATCH /v1/webhook-endpoints/{id}": _webhook_rules,
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
    if isinstance(body, dict):
        body = _stored_body_ids(label, body)
    rule = CROSS_FIELD.get(label)
    if rule and isinstance(body, dict):
        body = rule(body)
    return body


def _deposit_range(query):
    """The deposit report covers at most 366 days ending no earlier than it starts; `to`
    defaults to today and `from` to 30 days before `to`. Well-formed dates outside that get a
    `from` 30 days before the end; a malformed date stays (a negative case)."""
    first, last = query.get("from"), query.get("to")
    if (first is not None and not _is_date(first)) or (last is not None and not _is_date(last)):
        return
    end = datetime.date.fromisoformat(last) if last else datetime.date.today()
    if first is None:
        if end.toordinal() <= 30:
            query["to"] = TODAY
        return
    start = datetime.date.fromisoformat(first)
    if start > end or (end - start).days > 366:
        query["from"] = (end - datetime.timedelta(days=min(30, end.toordinal() - 1))).isoformat()


def _query(label, query):
    if hasattr(query, "get"):
        for first, last in RANGES:
            _in_order(query, first, last)
        if label == "GET /v1/reports/deposits":
            _deposit_range(query)
    return query


def _is_positive(case):
    """Whether the case was generated to fit the document (read from the stored metadata, as
    `_protect_seeded` does, so the case is not revalidated)."""
    mode = getattr(getattr(getattr(case, "_meta", None), "generation", None), "mode", None)
    return str(getattr(mode, "value", mode)) == "positive"


# The service's own user (tests/it/api_fuzz.rs): a token request that fits the document asks
# for a token with real credentials, so it can succeed; a malformed one stays malformed.
LOGIN = json.loads(os.environ.get("MEDBILL_FUZZ_LOGIN") or "null")


def _token_request(body):
    if LOGIN and isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("client_id", "client_secret")}
        body.update(grant_type="password", username=LOGIN["username"], password=LOGIN["password"])
    return body


X12 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "x12")


def _x12(name):
    with open(os.path.join(X12, name), encoding="ascii") as f:
        return f.read()


# The document can only say "a string" of an X12 body: one that fits it is a real 835 or 271
# (an 835 posts once, then answers `duplicate: true`; a 271 for no request of ours gets 404).
X12_BODIES = {
    "POST /v1/remittances": _x12("835/full_payment.835"),
    "POST /v1/eligibility/responses": _x12("271/active.271"),
}


def _x12_body(label, body):
    return X12_BODIES[label] if isinstance(body, (str, bytes)) else body


# The finding the seeded `finding_encounters` have (a category code, not billable, first).
FINDING = {"rule": "icd.not_billable", "path": "/diagnoses/0"}


def _override_request(body):
    if isinstance(body, dict):
        body = {**body, **FINDING}
    return body


def _eligibility_request(body):
    """A date inside the seeded coverage (open-ended, from 400 days ago), a service type
    from X12's list, and the billing provider asking (without one the server looks for an
    encounter of that date naming one)."""
    if isinstance(body, dict):
        body = dict(body)
        if body.get("provider_id") is None:
            body["provider_id"] = FIXTURES["billing_providers"][0]
        if _is_date(body.get("date")):
            body["date"] = RECENT
        if isinstance(body.get("service_types"), list):
            body["service_types"] = ["30"][: len(body["service_types"])]
    return body


def _claim_payment(body):
    """An EOB for the seeded claims, which have one line: line 1, named once; a payment per
    line or for the claim, not both."""
    if isinstance(body, dict) and isinstance(body.get("lines"), list) and body["lines"]:
        first = body["lines"][0]
        if isinstance(first, dict):
            body = {**body, "lines": [{**first, "line_number": 1}]}
            body.pop("paid_cents", None)
    return body


def _write_off(body):
    if isinstance(body, dict) and isinstance(body.get("line_number"), int):
        body = {**body, "line_number": 1}
    return body


def _patient_payment(case):
    """Money put on named lines goes to lines the patient owes on: the seeded owing patient's
    claims (line 1), a cent each, so the lines never add up to more than the payment."""
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("lines"), list) and body["lines"]:
        claims = FIXTURES.get("owing_claims") or []
        lines = [
            {"claim_id": claim, "line_number": 1, "amount_cents": 1}
            for claim in claims[: len(body["lines"])]
        ]
        amount = body.get("amount_cents")
        case.body = {**body, "lines": lines, "amount_cents": max(amount, len(lines))}
        case.path_parameters["id"] = FIXTURES["owing_patients"][0]


# Rules for cases generated to fit the document, where the request's validity depends on what
# is stored (credentials, a finding, a coverage period) or on content the document cannot
# describe: such a case is made to fit the stored state too. Negative cases are left alone.
POSITIVE_RULES = {
    "POST /v1/auth/token": _token_request,
    "POST /v1/remittances": lambda body: _x12_body("POST /v1/remittances", body),
    "POST /v1/eligibility/responses": lambda body: _x12_body("POST /v1/eligibility/responses", body),
    "POST /v1/encounters/{id}/overrides": _override_request,
    "POST /v1/coverages/{id}/eligibility": _eligibility_request,
    "POST /v1/claims/{id}/payments": _claim_payment,
    "POST /v1/claims/{id}/write-offs": _write_off,
}


def _positive_rules(case):
    if not _is_positive(case):
        return
    if case.operation.label == "POST /v1/patients/{id}/payments":
        _patient_payment(case)
        return
    rule = POSITIVE_RULES.get(case.operation.label)
    if rule:
        body = rule(case.body)
        if body is not case.body and body != case.body:
            case.body = body


# The generated-data hooks cover the fuzzing, examples and stateful phases; `map_case`
# covers the coverage phase, which builds cases directly. Applying both is harmless.
@schemathesis.hook
def map_headers(context, headers):
    label = context.operation.label if context.operation else ""
    return _any_version(label, _fresh_key(headers))


@schemathesis.hook
def map_body(context, body):
    return _body(context.operation.label if context.operation else "", body)


@schemathesis.hook
def map_query(context, query):
    return _query(context.operation.label if context.operation else "", query)


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    return _stored_path_ids(context.operation.label if context.operation else "", path_parameters)


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
    _any_version(case.operation.label, case.headers)
    _query(case.operation.label, case.query)
    _protect_seeded(case)
    _stored_path_ids(case.operation.label, case.path_parameters)
    if isinstance(case.body, (dict, list, float)):
        body = _body(case.operation.label, case.body)
        if body != case.body:
            case.body = body
    _positive_rules(case)
    return case


# `POST /v1/remittances` takes an 835 as `application/edi-x12` text: send the generated string
# as UTF-8 bytes (schemathesis has no serializer of its own for this media type).
@schemathesis.serializer("application/edi-x12")
def edi_x12(ctx, value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf8")


# Operations whose well-formed requests can still break a rule against the record they change
# (schemathesis.toml accepts 422 from them for `positive_data_acceptance`, and only there): the
# field errors such a 422 may name, by operation. Any other 422 to a well-formed request is a
# gap in the document and fails the run (see `stored_state_rule`).
SUBSCRIBER_FIELD = r"/subscriber_(first_name|last_name|birth_date|sex)"
STORED_STATE_RULES = {
    # The patch is merged into the stored coverage and the whole is checked: a subscriber
    # unless the (stored) relationship is 18, the patient's own data when it is, the (stored)
    # start not after the end.
    "PATCH /v1/coverages/{id}": [
        (SUBSCRIBER_FIELD, "required"),
        (SUBSCRIBER_FIELD, "not_patient"),
        ("/effective_to", "before_effective_from"),
    ],
    "PATCH /v1/fee-schedules/{id}": [("/effective_to", "before_effective_from")],
    # A person has a first name, an organization none, a billing provider a tax id: the
    # stored entity type and roles count.
    "PATCH /v1/providers/{id}": [
        ("/first_name", "required"),
        ("/first_name", "not_allowed"),
        ("/tax_id", "required"),
    ],
    # period_months goes with the (stored) kinds measured in months, and only with those.
    "PATCH /v1/frequency-rules/{id}": [
        ("/period_months", "missing_period_months"),
        ("/period_months", "unexpected_period_months"),
    ],
    # A create may name a record the stateful phase deactivated after the hooks seeded it.
    "POST /v1/coverages": [(r"/(patient|payer)_id", "inactive")],
    "POST /v1/encounters": [(r"/(patient|coverage|[a-z_]*provider)_id", "inactive")],
    "POST /v1/specimens": [(r"/(patient|[a-z_]*provider)_id", "inactive")],
    # A hand match pairs the stored remittance's lines with the named claim's lines.
    "POST /v1/remittances/unmatched/{id}/match": [
        ("/claim_id", "not_found"),
        ("/lines", "incomplete"),
        ("/lines", "unmatched_lines"),
        (r"/lines/[0-9]+", "pairing"),
    ],
}


@schemathesis.check
def stored_state_rule(ctx, response, case):
    """A 422 to a well-formed request of an operation listed in STORED_STATE_RULES names only
    rules against stored records."""
    allowed = STORED_STATE_RULES.get(case.operation.label)
    if allowed is None or response.status_code != 422 or not _is_positive(case):
        return None
    try:
        errors = json.loads(response.content)["errors"]
        named = {(e["pointer"], e["code"]) for e in errors}
    except (ValueError, KeyError, TypeError) as exc:
        raise AssertionError(f"a 422 without field errors: {response.content[:300]!r}") from exc
    unexpected = {
        (pointer, code)
        for pointer, code in named
        if not any(re.fullmatch(p, pointer) and code == c for p, c in allowed)
    }
    if unexpected:
        raise AssertionError(
            f"a well-formed request was refused for {sorted(unexpected)}, not a rule against "
            "the stored record"
        )
    return None
