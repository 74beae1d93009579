"""Principals in the IC layer are ``bytes`` (the spec's ``Principal = Blob``);
this turns them into their textual form for messages."""

from __future__ import annotations

from ..candid.principal import Principal


def principal_text(p: bytes) -> str:
    return Principal(bytes(p)).to_text()


def principal_bytes(text: str) -> bytes:
    """Parse a textual principal (raises `pyic.errors.CandidError` if malformed)."""
    return Principal.from_text(text).bytes
