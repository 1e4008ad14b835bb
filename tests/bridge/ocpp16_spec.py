"""What OCPP 1.6 itself says, written from the spec rather than taken from the bridge
under test: shared by the bridge tests and bench/bridge/fuzz_frames.py."""

# The error codes OCPP 1.6 allows in a CALLERROR (spec §4.2.3, with its spelling
# "Occurence").
LEGAL_16_CODES = frozenset(
    {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    }
)
