"""Every call step of the Motoko canister corpus: the Candid bytes and the Candid text agree."""

from __future__ import annotations

import glob
import json
import os

import pytest

from pyic.candid import decode, encode_text, load_did, parse_value_text, print_values
from pyic.errors import CandidError

# The shared test material: $PYIC_SHARED (the root conftest.py defaults it to ../shared).
CORPUS = os.path.join(os.environ["PYIC_SHARED"], "canisters")


def _steps():
    for path in sorted(glob.glob(os.path.join(CORPUS, "*", "expected_calls.json"))):
        with open(path) as f:
            script = json.load(f)
        folder = os.path.dirname(path)
        for i, step in enumerate(script["steps"]):
            if step["op"] == "call":
                did = os.path.join(folder, script["canisters"][step["canister"]]["did"])
                yield pytest.param(did, step, id=f"{script['canister']}:{i}:{step['method']}")


STEPS = list(_steps())


def test_corpus_found():
    assert len(STEPS) >= 50


def _expectations(step):
    if "expect" in step:
        yield step["expect"]
    for expect in step.get("expect_by_build", {}).values():
        yield expect


@pytest.mark.parametrize("did_path,step", STEPS)
def test_call_step(did_path, step):
    did = load_did(did_path)
    if step["method"] in dict(did.service.methods):
        arg_types = did.method_types(step["method"])
        result_types = did.method_types(step["method"], reply=True)
    else:
        # A call to a method the interface lacks: read the arguments at their own types.
        assert all("reply_hex" not in e for e in _expectations(step))
        arg_types, result_types = None, ()
    arg = bytes.fromhex(step["arg_hex"])
    idl_error = any("IDL error" in e.get("message_contains", "") for e in _expectations(step))
    if idl_error:
        # The canister rejects these arguments as bad Candid; so must we.
        with pytest.raises(CandidError):
            decode(arg, arg_types, did.env)
    else:
        decoded = decode(arg, arg_types, did.env)
        parsed = parse_value_text(step["arg_candid_text"], arg_types, did.env)
        if arg_types is not None:
            parsed = parsed[:len(arg_types)]   # extra arguments are ignored when decoding
        assert decoded == parsed
        assert encode_text(step["arg_candid_text"], arg_types, did.env) == arg
    for expect in _expectations(step):
        if "reply_hex" not in expect:
            continue
        reply = bytes.fromhex(expect["reply_hex"])
        text = expect["reply_candid_text"]
        decoded = decode(reply, result_types, did.env)
        assert decoded == parse_value_text(text, result_types, did.env)
        assert encode_text(text, result_types, did.env) == reply
        assert print_values(decoded, result_types, did.env) == text
