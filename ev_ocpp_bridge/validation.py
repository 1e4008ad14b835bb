"""Compiled OCPP 1.6 schema validation and the 1.6 CALLERROR vocabulary.

The ``ocpp`` library validates every message with ``jsonschema`` in a thread
pool: that is most of its per-message cost. We compile the library's own v16
schemas (shipped in ``ocpp/v16/schemas``) with fastjsonschema once, at import,
and validate inline.

Two deliberate relaxations, both matching what the library does in practice:

* ``format: date-time`` is not enforced (jsonschema without a format checker,
  as the library runs it, ignores formats too); timestamps pass through as sent.
* ``multipleOf: 0.1`` is dropped: with binary floats ``21.4 / 0.1`` is not an
  integer, and the library needs a Decimal re-parse to work around it.

Error codes follow OCPP-J 1.6 section 4.2.3, spelled as 1.6 spells them:

=============================  ==============================================
schema rule                    CALLERROR code
=============================  ==============================================
type                           TypeConstraintViolation
required, minItems, maxItems   OccurenceConstraintViolation (1.6's spelling)
enum, maxLength, pattern, ...  PropertyConstraintViolation
additionalProperties           FormationViolation (not the PDU structure)
=============================  ==============================================
"""

import json
import os

import fastjsonschema
import ocpp
from ocpp.exceptions import OCPPError

SCHEMA_DIR = os.path.join(os.path.dirname(ocpp.__file__), "v16", "schemas")


class FormationViolation(OCPPError):
    code = "FormationViolation"
    default_description = (
        "Payload for Action is syntactically incorrect or not conform the PDU "
        "structure for Action"
    )


class ProtocolError(OCPPError):
    code = "ProtocolError"
    default_description = "Payload for Action is incomplete"


class TypeConstraintViolation(OCPPError):
    code = "TypeConstraintViolation"
    default_description = (
        "Payload for Action is syntactically correct but at least one of the fields "
        "violates data type constraints"
    )


class PropertyConstraintViolation(OCPPError):
    code = "PropertyConstraintViolation"
    default_description = (
        "Payload is syntactically correct but at least one field contains an invalid "
        "value"
    )


class OccurenceConstraintViolation(OCPPError):
    code = "OccurenceConstraintViolation"
    default_description = (
        "Payload for Action is syntactically correct but at least one of the fields "
        "violates occurence constraints"
    )


class NotImplementedAction(OCPPError):
    # 1.6: "Requested Action is not known by receiver"
    code = "NotImplemented"
    default_description = "Requested Action is not known by receiver"


class NotSupportedAction(OCPPError):
    # 1.6: "Requested Action is recognized but not supported by the receiver"
    code = "NotSupported"
    default_description = (
        "Requested Action is recognized but not supported by the receiver"
    )


class SecurityError(OCPPError):
    code = "SecurityError"
    default_description = (
        "During the processing of Action a security issue occurred preventing "
        "receiver from completing the Action successfully"
    )


class GenericError(OCPPError):
    code = "GenericError"
    default_description = "Any other error not covered by the previous ones"


# The library (and OCPP 2.x) spells some codes differently; 1.6 chargers expect these.
CODE_16 = {
    "FormatViolation": "FormationViolation",
    "OccurrenceConstraintViolation": "OccurenceConstraintViolation",
    "InternalError": "InternalError",
}

RULE_ERRORS = {
    "type": TypeConstraintViolation,
    "required": OccurenceConstraintViolation,
    "minItems": OccurenceConstraintViolation,
    "maxItems": OccurenceConstraintViolation,
    "additionalProperties": FormationViolation,
}


def _relax(node):
    if isinstance(node, dict):
        return {
            key: _relax(value)
            for key, value in node.items()
            if key not in ("multipleOf", "$schema")
            and not (key == "format" and value == "date-time")
        }
    if isinstance(node, list):
        return [_relax(value) for value in node]
    return node


def _compile_all():
    validators = {}
    for filename in sorted(os.listdir(SCHEMA_DIR)):
        if not filename.endswith(".json"):
            continue
        with open(os.path.join(SCHEMA_DIR, filename), encoding="utf-8-sig") as handle:
            schema = _relax(json.load(handle))
        schema["$schema"] = "http://json-schema.org/draft-04/schema#"
        validators[filename[:-5]] = fastjsonschema.compile(schema)
    return validators


_VALIDATORS = _compile_all()

#: every OCPP 1.6 action name known to the schemas (requests only)
ACTIONS_16 = frozenset(name for name in _VALIDATORS if not name.endswith("Response"))


def _to_ocpp_error(action, error):
    rule = getattr(error, "rule", None)
    cls = RULE_ERRORS.get(rule, PropertyConstraintViolation)
    path = getattr(error, "name", "data")
    return cls(
        details={
            "cause": "%s: %s" % (action, error.message),
            "path": path,
            "rule": rule,
        }
    )


def validate_request(action, payload):
    """Validate a CALL payload for ``action``; raise the 1.6 OCPPError."""
    validator = _VALIDATORS.get(action)
    if validator is None:
        raise NotImplementedAction(details={"cause": "Unknown action %s" % action})
    if not isinstance(payload, dict):
        raise FormationViolation(details={"cause": "Payload must be a JSON object"})
    try:
        validator(payload)
    except fastjsonschema.JsonSchemaValueException as error:
        raise _to_ocpp_error(action, error) from None


def validate_response(action, payload):
    """Validate a CALLRESULT payload for ``action`` (what we send or receive)."""
    validator = _VALIDATORS.get(action + "Response")
    if validator is None:
        raise NotImplementedAction(details={"cause": "Unknown action %s" % action})
    try:
        validator(payload)
    except fastjsonschema.JsonSchemaValueException as error:
        raise _to_ocpp_error(action + "Response", error) from None


def error_code_16(code):
    """Spell a CALLERROR code as OCPP 1.6 does."""
    return CODE_16.get(code, code)
