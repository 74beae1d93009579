from __future__ import annotations

import os

from click.testing import CliRunner

from pyic.cli.candid import candid

# The shared test material: $PYIC_SHARED (the root conftest.py defaults it to ../shared).
DID = os.path.join(os.environ["PYIC_SHARED"], "canisters", "stable_upgrade",
                   "stable_upgrade.did")
STATE_TEXT = ("(record { savedTransient = 0 : nat; transientCount = 0 : nat; upgrades = 0 : nat; "
              "stableCount = 0 : nat })")
STATE_HEX = "4449444c016c04c387e7717da5a2ab9f027dd7a8b1c2067d94f0ec980a7d010000000000"


def invoke(*args):
    return CliRunner().invoke(candid, list(args))


def test_encode_and_decode_with_did():
    r = invoke("encode", STATE_TEXT, "--did", DID, "--method", "state", "--reply")
    assert r.exit_code == 0 and r.stdout.strip() == STATE_HEX
    r = invoke("decode", STATE_HEX, "--did", DID, "--method", "state", "--reply")
    assert r.exit_code == 0 and r.stdout.strip() == STATE_TEXT
    r = invoke("encode", "(true)", "--did", DID, "--method", "setTrapInPreupgrade")
    assert r.stdout.strip() == "4449444c00017e01"


def test_without_types():
    r = invoke("encode", '(42 : nat8, "hi")')
    assert r.exit_code == 0 and r.stdout.strip() == "4449444c00027b712a026869"
    r = invoke("decode", "4449444c00027b712a026869")
    assert r.stdout.strip() == '(42 : nat8, "hi")'
    r = invoke("decode", STATE_HEX)
    assert r.stdout.strip().startswith("(record { 238666691 = 0 : nat;")


def test_explicit_types():
    r = invoke("encode", "(5)", "--types", "(nat16)")
    assert r.stdout.strip() == "4449444c00017a0500"
    r = invoke("decode", "4449444c00017d05", "--types", "(opt int)")
    assert r.stdout.strip() == "(opt (5 : int))"


def test_errors():
    r = invoke("encode", '("x")', "--did", DID, "--method", "setTrapInPreupgrade")
    assert r.exit_code == 1 and r.stderr.startswith("pyic: ") and r.stderr.count("\n") == 1
    r = invoke("decode", "zz")
    assert r.exit_code == 1 and "hexadecimal" in r.stderr
    r = invoke("decode", "000102")
    assert r.exit_code == 1 and "magic" in r.stderr
    r = invoke("encode", "()", "--did", DID, "--method", "nope")
    assert r.exit_code == 1 and "no method" in r.stderr
    r = invoke("encode", "()", "--reply")
    assert r.exit_code == 2


def test_main_entry_point_knows_candid():
    from pyic.cli.main import cli
    r = CliRunner().invoke(cli, ["candid", "encode", "()"])
    assert r.exit_code == 0 and r.stdout.strip() == "4449444c0000"
