"""The two ways a PocketIC operation fails, as both doors report them.

- `CallRejected`: the IC answered a call with a reject (or refused the ingress
  message).  The ``pocket-ic`` client raises `ValueError` with the server's
  variant names; pyic's testing API raises this, which is both that
  `ValueError` and pyic's `Reject` (numeric code, ``IC0xxx`` error code).
- `InstanceError`: the request itself is wrong (unknown instance, canister
  outside every subnet, time set into the past, malformed body).  The server
  answers HTTP 400 ``{"message": ...}``, which the client raises as
  `ConnectionError`; in process it is raised as this, which is also a
  `ValueError` and pyic's `ICError`.
"""

from __future__ import annotations

from ..errors import ICError, Reject
from .codes import error_code_name, reject_code_name


class CallRejected(Reject, ValueError):
    """A reject, worded as the ``pocket-ic`` client words it (plus pyic's numbers)."""

    def __init__(self, reject_code: int, message: str, error_code: str | None = None) -> None:
        super().__init__(reject_code, message, error_code)
        self.reject_code_name = reject_code_name(reject_code)
        self.error_code_name = error_code_name(error_code, reject_code)
        self.args = (str(self),)

    def __str__(self) -> str:
        numbers = f"reject code {self.reject_code}" + (
            f", {self.error_code}" if self.error_code else "")
        return (f"PocketIC returned a rejection error: reject code {self.reject_code_name}, "
                f"reject message {self.message}, error code {self.error_code_name} "
                f"({numbers})")


class InstanceError(ICError, ValueError, ConnectionError):
    """A request the PocketIC server answers with HTTP 400."""


class CanisterNotFound(Reject, InstanceError):
    """An administrative request (cycles, stable memory) about a canister that does
    not exist: HTTP 400 on the server; in process also the `Reject` (code 3,
    IC0301) a call to it would get."""

    def __init__(self, canister_id: bytes) -> None:
        from ..candid import Principal
        super().__init__(3, f"Canister {Principal(canister_id).to_text()} not found", "IC0301")


__all__ = ["CallRejected", "CanisterNotFound", "InstanceError"]
