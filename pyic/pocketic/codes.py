"""Reject codes and error codes under the names the PocketIC server sends.

pyic's IC layer carries reject codes as the spec's numbers (1-6) and error codes
as the replica's ``IC0xxx`` strings; the PocketIC protocol serialises both as
the Rust enums' variant names (``"CanisterError"``, ``"CanisterWasmModuleNotFound"``),
and the ``pocket-ic`` clients print those.  The tables follow the replica's
``RejectCode`` and ``ErrorCode`` enums (``rs/types/error_types``).
"""

from __future__ import annotations

REJECT_CODE_NAMES = {
    1: "SysFatal",
    2: "SysTransient",
    3: "DestinationInvalid",
    4: "CanisterReject",
    5: "CanisterError",
    6: "SysUnknown",
}

# The replica's ErrorCode: the number after "IC" is the variant's discriminant.
ERROR_CODE_NAMES = {
    101: "SubnetOversubscribed",
    102: "MaxNumberOfCanistersReached",
    201: "CanisterQueueFull",
    202: "IngressMessageTimeout",
    203: "CanisterQueueNotEmpty",
    204: "IngressHistoryFull",
    205: "CanisterIdAlreadyExists",
    206: "StopCanisterRequestTimeout",
    207: "CanisterOutOfCycles",
    208: "CertifiedStateUnavailable",
    209: "CanisterInstallCodeRateLimited",
    210: "CanisterHeapDeltaRateLimited",
    301: "CanisterNotFound",
    305: "CanisterSnapshotNotFound",
    402: "InsufficientMemoryAllocation",
    403: "InsufficientCyclesForCreateCanister",
    404: "SubnetNotFound",
    405: "CanisterNotHostedBySubnet",
    406: "CanisterRejectedMessage",
    407: "UnknownManagementMessage",
    408: "InvalidManagementPayload",
    409: "CanisterSnapshotImmutable",
    502: "CanisterTrapped",
    503: "CanisterCalledTrap",
    504: "CanisterContractViolation",
    505: "CanisterInvalidWasm",
    506: "CanisterDidNotReply",
    507: "CanisterOutOfMemory",
    508: "CanisterStopped",
    509: "CanisterStopping",
    510: "CanisterNotStopped",
    511: "CanisterStoppingCancelled",
    512: "CanisterInvalidController",
    513: "CanisterFunctionNotFound",
    514: "CanisterNonEmpty",
    517: "QueryCallGraphLoopDetected",
    520: "InsufficientCyclesInCall",
    521: "CanisterWasmEngineError",
    522: "CanisterInstructionLimitExceeded",
    524: "CanisterMemoryAccessLimitExceeded",
    525: "QueryCallGraphTooDeep",
    526: "QueryCallGraphTotalInstructionLimitExceeded",
    527: "CompositeQueryCalledInReplicatedMode",
    528: "QueryTimeLimitExceeded",
    529: "QueryCallGraphInternal",
    530: "InsufficientCyclesInComputeAllocation",
    531: "InsufficientCyclesInMemoryAllocation",
    532: "InsufficientCyclesInMemoryGrow",
    533: "ReservedCyclesLimitExceededInMemoryAllocation",
    534: "ReservedCyclesLimitExceededInMemoryGrow",
    535: "InsufficientCyclesInMessageMemoryGrow",
    536: "CanisterMethodNotFound",
    537: "CanisterWasmModuleNotFound",
    538: "CanisterAlreadyInstalled",
    539: "CanisterWasmMemoryLimitExceeded",
    540: "ReservedCyclesLimitIsTooLow",
    # 6xx: SysUnknown
    601: "DeadlineExpired",
    602: "ResponseDropped",
}

# A reject without an error code of its own (pyic leaves some unset) is named by
# the replica's generic code of its reject class.
_GENERIC_BY_REJECT_CODE = {1: 101, 2: 207, 3: 301, 4: 406, 5: 502, 6: 602}


def reject_code_name(code: int) -> str:
    return REJECT_CODE_NAMES.get(code, f"Unknown({code})")


def error_code_number(error_code: str | None, reject_code: int) -> int:
    """``"IC0537"`` -> 537; a missing code -> its reject class's generic one."""
    if error_code and error_code.startswith("IC") and error_code[2:].isdigit():
        return int(error_code[2:])
    return _GENERIC_BY_REJECT_CODE.get(reject_code, 0)


def error_code_name(error_code: str | None, reject_code: int) -> str:
    n = error_code_number(error_code, reject_code)
    return ERROR_CODE_NAMES.get(n, f"IC{n:04d}")


__all__ = [
    "ERROR_CODE_NAMES",
    "REJECT_CODE_NAMES",
    "error_code_name",
    "error_code_number",
    "reject_code_name",
]
