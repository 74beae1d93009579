"""Principals the IC conformance suite uses (importable by test modules, unlike a conftest)."""

USER = b"\x99\x02"          # a user principal other than anonymous
OTHER = b"\x77\x02"
