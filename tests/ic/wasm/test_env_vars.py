"""A canister's environment variables (canister-interface.md "Environment Variables";
management-canister.md ``environment_variables`` of ``canister_settings``): what
``update_settings`` sets, ``ic0.env_var_*`` give back, sorted by name, and the calls trap
where the spec says."""

from __future__ import annotations

import pytest

from pyic.errors import Reject
from pyic.wasm.binary import encode_module
from pyic.wasm.text import parse_module

# "count": one byte; "names": the names by index, each followed by ";"; "value" /
# "exists": of the name given as the argument; "name_at": the name at the index given as
# the argument's first byte (traps when out of range).
ENV_WAT = """
(module
  (import "ic0" "env_var_count" (func $count (result i32)))
  (import "ic0" "env_var_name_size" (func $name_size (param i32) (result i32)))
  (import "ic0" "env_var_name_copy" (func $name_copy (param i32 i32 i32 i32)))
  (import "ic0" "env_var_name_exists" (func $exists (param i32 i32) (result i32)))
  (import "ic0" "env_var_value_size" (func $value_size (param i32 i32) (result i32)))
  (import "ic0" "env_var_value_copy" (func $value_copy (param i32 i32 i32 i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (data (i32.const 100) ";")
  (func (export "canister_query count")
    (i32.store8 (i32.const 0) (call $count))
    (call $append (i32.const 0) (i32.const 1))
    (call $reply))
  (func (export "canister_query names") (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (call $count)))
        (call $name_copy (local.get $i) (i32.const 1000) (i32.const 0)
                         (call $name_size (local.get $i)))
        (call $append (i32.const 1000) (call $name_size (local.get $i)))
        (call $append (i32.const 100) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $reply))
  (func (export "canister_query value")
    (call $arg_copy (i32.const 200) (i32.const 0) (call $arg_size))
    (call $value_copy (i32.const 200) (call $arg_size) (i32.const 1000) (i32.const 0)
                      (call $value_size (i32.const 200) (call $arg_size)))
    (call $append (i32.const 1000) (call $value_size (i32.const 200) (call $arg_size)))
    (call $reply))
  (func (export "canister_query exists")
    (call $arg_copy (i32.const 200) (i32.const 0) (call $arg_size))
    (i32.store8 (i32.const 0) (call $exists (i32.const 200) (call $arg_size)))
    (call $append (i32.const 0) (i32.const 1))
    (call $reply))
  (func (export "canister_query name_at")
    (call $arg_copy (i32.const 200) (i32.const 0) (i32.const 1))
    (call $name_copy (i32.load8_u (i32.const 200)) (i32.const 1000) (i32.const 0)
                     (call $name_size (i32.load8_u (i32.const 200))))
    (call $append (i32.const 1000) (call $name_size (i32.load8_u (i32.const 200))))
    (call $reply)))
"""

SECTION = "Environment Variables"


@pytest.fixture
def env_canister(pic):
    cid = pic.create_canister()
    pic.install_code(cid, encode_module(parse_module(ENV_WAT)), b"")
    return cid


@pytest.mark.spec(SECTION)
def test_no_variables_by_default(pic, env_canister):
    assert pic.query_call(env_canister, "count", b"") == b"\x00"
    assert pic.query_call(env_canister, "names", b"") == b""
    assert pic.query_call(env_canister, "exists", b"HOME") == b"\x00"


@pytest.mark.spec(SECTION)
def test_settings_reach_the_canister_sorted_by_name(pic, env_canister):
    pic.update_canister_settings(env_canister, {"environment_variables": {
        "ZED": "last", "ALPHA": "first", "mid": "ü-8"}})
    assert pic.query_call(env_canister, "count", b"") == b"\x03"
    assert pic.query_call(env_canister, "names", b"") == b"ALPHA;ZED;mid;"
    assert pic.query_call(env_canister, "name_at", b"\x01") == b"ZED"
    assert pic.query_call(env_canister, "value", b"mid") == "ü-8".encode()
    assert pic.query_call(env_canister, "exists", b"ALPHA") == b"\x01"
    assert pic.query_call(env_canister, "exists", b"alpha") == b"\x00"
    # replaced as a whole by the next update
    pic.update_canister_settings(env_canister, {"environment_variables": {"ONLY": "1"}})
    assert pic.query_call(env_canister, "names", b"") == b"ONLY;"


@pytest.mark.spec(SECTION)
@pytest.mark.parametrize("method,arg", [
    ("name_at", b"\x01"),            # index out of range
    ("value", b"MISSING"),           # no such variable
    ("value", b"\xff\xfe"),          # not UTF-8
    ("exists", b"\xff"),             # not UTF-8
])
def test_the_calls_trap_where_the_spec_says(pic, env_canister, method, arg):
    pic.update_canister_settings(env_canister, {"environment_variables": {"ONE": "1"}})
    with pytest.raises(Reject) as info:
        pic.query_call(env_canister, method, arg)
    assert info.value.reject_code == 5           # CANISTER_ERROR: the query trapped
