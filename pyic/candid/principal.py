"""Principals: the identifiers of canisters and users (IC interface spec, "Principals").

A principal is a blob of at most 29 bytes.  Its textual form is
``base32(crc32(blob) ++ blob)``: the CRC32 checksum as 4 big-endian bytes,
lower-case base32 without padding, split into groups of 5 characters joined
by dashes.
"""

from __future__ import annotations

import base64
import hashlib
import zlib

import attrs

from pyic.errors import CandidError

MAX_LENGTH = 29

# Class tags: the last byte of a principal says what kind of principal it is.
TAG_OPAQUE = 0x01
TAG_SELF_AUTHENTICATING = 0x02
TAG_DERIVED = 0x03
TAG_ANONYMOUS = 0x04

_BASE32_ALPHABET = set("abcdefghijklmnopqrstuvwxyz234567")


@attrs.frozen(repr=False)
class Principal:
    """A principal, identified by its bytes."""

    bytes: bytes = attrs.field(converter=bytes)

    def __attrs_post_init__(self) -> None:
        if len(self.bytes) > MAX_LENGTH:
            raise CandidError(
                f"principal is {len(self.bytes)} bytes long, at most {MAX_LENGTH} allowed")

    # -- well-known principals -------------------------------------------------

    @classmethod
    def management(cls) -> "Principal":
        """The management canister ``aaaaa-aa`` (the empty blob)."""
        return cls(b"")

    @classmethod
    def anonymous(cls) -> "Principal":
        """The anonymous principal ``2vxsx-fae`` (the single byte 0x04)."""
        return cls(bytes([TAG_ANONYMOUS]))

    @classmethod
    def from_canister_id(cls, counter: int) -> "Principal":
        """The canister id the IC derives from a u64 counter: 8 bytes big-endian, then 0x01 0x01."""
        if not isinstance(counter, int) or isinstance(counter, bool) or not 0 <= counter < 1 << 64:
            raise CandidError(f"canister id counter must be a u64, got {counter!r}")
        return cls(counter.to_bytes(8, "big") + bytes([TAG_OPAQUE, TAG_OPAQUE]))

    @classmethod
    def self_authenticating(cls, public_key_der: bytes) -> "Principal":
        """The principal of a user: SHA-224 of the DER-encoded public key, then 0x02."""
        return cls(hashlib.sha224(public_key_der).digest() + bytes([TAG_SELF_AUTHENTICATING]))

    def is_anonymous(self) -> bool:
        return self.bytes == bytes([TAG_ANONYMOUS])

    def canister_counter(self) -> int | None:
        """The counter of a canister id made by ``from_canister_id``, or None."""
        if len(self.bytes) == 10 and self.bytes[8:] == bytes([TAG_OPAQUE, TAG_OPAQUE]):
            return int.from_bytes(self.bytes[:8], "big")
        return None

    # -- textual form ----------------------------------------------------------

    def to_text(self) -> str:
        checksum = zlib.crc32(self.bytes).to_bytes(4, "big")
        letters = base64.b32encode(checksum + self.bytes).decode("ascii").lower().rstrip("=")
        return "-".join(letters[i:i + 5] for i in range(0, len(letters), 5))

    @classmethod
    def from_text(cls, text: str) -> "Principal":
        """Parse the textual form, checking the grouping and the checksum."""
        if not isinstance(text, str):
            raise CandidError(f"principal text must be a string, got {type(text).__name__}")
        lowered = text.lower()
        letters = lowered.replace("-", "")
        if not letters or any(c not in _BASE32_ALPHABET for c in letters):
            raise CandidError(f"invalid principal {text!r}: not base32 text in groups of 5")
        padded = letters + "=" * (-len(letters) % 8)
        try:
            raw = base64.b32decode(padded.upper())
        except (ValueError, base64.binascii.Error):
            raise CandidError(f"invalid principal {text!r}: bad base32 length") from None
        if len(raw) < 4:
            raise CandidError(f"invalid principal {text!r}: too short for a checksum")
        body = raw[4:]
        if len(body) > MAX_LENGTH:
            raise CandidError(f"invalid principal {text!r}: more than {MAX_LENGTH} bytes")
        if zlib.crc32(body).to_bytes(4, "big") != raw[:4]:
            raise CandidError(f"invalid principal {text!r}: wrong checksum")
        principal = cls(body)
        # Base32 may carry stray low bits in its last character; only the
        # canonical spelling (and grouping) of these bytes is accepted.
        if principal.to_text() != lowered:
            raise CandidError(
                f"invalid principal {text!r}: not in canonical form {principal.to_text()!r}")
        return principal

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"Principal({self.to_text()!r})"
