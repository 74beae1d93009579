"""What the IC layer needs of certification: the root key, the subnet id the
certificates name, and data certificates.

- ``S.root_key`` (interface spec, "The system state"; "Initial state": ``root_key =
  PublicKey``): the DER-encoded BLS12-381 key every certificate of this IC verifies
  with; ``ic0.root_key_copy`` copies it to canisters (canister-interface.md,
  "Certified data").
- The subnet id: the self-authenticating id of the root key's DER, which the
  certificates name (``/subnet/<id>``, ``/canister_ranges/<id>``) and which every
  canister created here has as its ``canister_subnet`` (``ic0.subnet_self_copy``).
- The data certificate a non-replicated query sees (``ic0.data_certificate_copy``).

pyic derives all three from ``S.seed`` with the keys of its HTTPS layer
(`pyic.http.keys`: BLS12-381 on ``py_ecc``, 0.4 s to import).  That layer is
imported here, in one place, when a value is first needed, so that a process that
never creates a canister, reads a certificate or the root key never loads it; the
rules stay functions of ``S`` and the subnet configuration.  A builder that
certifies differently (`pyic.http.replica`) gives the IC its own certifier
(``IC.certifier``).
"""

from __future__ import annotations

import functools

from ..candid.principal import Principal


@functools.lru_cache(maxsize=8)
def root_key(seed: bytes) -> bytes:
    """The DER root key of the IC whose ``S.seed`` is ``seed``."""
    from ..http.keys import derive
    return derive(seed).root_key


@functools.lru_cache(maxsize=8)
def subnet_id(seed: bytes) -> bytes:
    """The id of the subnet of the IC whose ``S.seed`` is ``seed``, as its certificates
    name it: the self-authenticating id of its root key."""
    return Principal.self_authenticating(root_key(seed)).bytes


def data_certificate(state, canister_id: bytes):
    """A certificate covering ``/canister/<id>/certified_data`` and ``/time`` of
    ``state``, signed with its root key; made when the canister first reads it."""
    from ..http.certifier import data_certificate as certify
    return certify(state, canister_id)


class RootKey:
    """``root_key(seed)`` as a blob made when first read (its length or a slice):
    every ``Env`` carries one, and few canisters read it."""

    __slots__ = ("seed", "_value")

    def __init__(self, seed: bytes) -> None:
        self.seed = seed
        self._value: bytes | None = None

    def __bytes__(self) -> bytes:
        if self._value is None:
            self._value = root_key(self.seed)
        return self._value

    def __len__(self) -> int:
        return len(bytes(self))

    def __getitem__(self, index):
        return bytes(self)[index]

    def __eq__(self, other) -> bool:
        if isinstance(other, RootKey):
            return self.seed == other.seed
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.seed)

    def __repr__(self) -> str:
        return f"RootKey(seed={self.seed!r})"


__all__ = ["root_key", "subnet_id", "data_certificate", "RootKey"]
