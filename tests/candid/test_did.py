from __future__ import annotations

import pytest

from pyic.candid import load_did, parse_did, parse_type, type_to_text
from pyic.candid.types import FuncType, RecordType, ServiceType, VarType, idl_hash
from pyic.errors import CandidError

EXAMPLE = """
// a comment
type List = opt record { head : nat; tail : List };
type Tree = variant { leaf : int; node : record { Tree; Tree } };
type S = service { get : () -> (List) query };
service counter : (init : nat, opt text) -> {
  add : (n : nat) -> (nat);
  "quoted method" : (List, Tree) -> () oneway;
  peek : () -> (record { nat; text }) composite_query;
  other : Fn;
}
type Fn = func (S) -> (S);
"""


def test_parse_service_with_init_args():
    with pytest.raises(CandidError):       # type definitions must come before the service
        parse_did(EXAMPLE)
    text = EXAMPLE.replace("type Fn = func (S) -> (S);\n", "")
    text = "type Fn = func (S) -> (S);\n" + text
    did = parse_did(text)
    assert [t for t in map(type_to_text, did.init_args)] == ["nat", "opt text"]
    assert [name for name, _ in did.service.methods] == ["add", "other", "peek", "quoted method"]
    assert did.method("quoted method").modes == ("oneway",)
    assert type_to_text(did.method("peek")) == "func () -> (record { nat; text }) composite_query"
    assert did.method_types("add") == did.method_types("add", reply=True)
    assert isinstance(did.method("other"), FuncType)
    with pytest.raises(CandidError, match="no method"):
        did.method("missing")


def test_service_by_type_name():
    did = parse_did("type A = service { f : () -> () }; service : A")
    assert isinstance(did.service, ServiceType) and did.method("f").args == ()


def test_imports(tmp_path):
    (tmp_path / "a.did").write_text("type A = record { x : nat }; service : { f : (A) -> () }")
    (tmp_path / "b.did").write_text(
        'import "a.did"; import service "a.did"; service : { g : () -> (A) }'
    )
    did = load_did(str(tmp_path / "b.did"))
    assert isinstance(did.env["A"], RecordType)
    assert [name for name, _ in did.service.methods] == ["f", "g"]
    (tmp_path / "c.did").write_text('import "c.did";')
    with pytest.raises(CandidError, match="cycle"):
        load_did(str(tmp_path / "c.did"))
    (tmp_path / "d.did").write_text('import "missing.did";')
    with pytest.raises(CandidError, match="cannot read"):
        load_did(str(tmp_path / "d.did"))


@pytest.mark.parametrize("text,match", [
    ("type A = B; type B = A;", "itself"),
    ("type A = record { b : B };", "unbound"),
    ("service : { f : () -> (); f : () -> () }", "duplicate method"),
    ("service : { f : () -> (nat) oneway }", "oneway"),
    ("service : { f : nat }", "function type"),
    ("type N = nat; service : { f : N }", "not a function"),
    ("type T = record { a : nat; a : nat };", "two fields"),
    ("type T = record { 0 : nat; nat };", None),
    ("type T = variant { a; 97 };", "two fields"),   # hash("a") == 97
    ("type T = record { type : nat };", "keyword"),
    ("type T = func (a : nat, a : nat) -> ();", "duplicate parameter"),
    ("type T = opt;", "expected a type"),
    ("service : { f : () -> () } junk", "unexpected"),
])
def test_bad_did_files(text, match):
    if match is None:
        parse_did(text)  # ids 0 and 1: fine
        return
    with pytest.raises(CandidError, match=match):
        parse_did(text)


def test_field_shorthands():
    t = parse_type('record { 5 : nat; text; "☃" : null; foo : bool }')
    assert [f.id for f in t.fields] == sorted([5, 6, idl_hash("☃"), idl_hash("foo")])
    v = parse_type('variant { a; 3; "b c"; d : int }')
    assert {f.id for f in v.fields} == {idl_hash("a"), 3, idl_hash("b c"), idl_hash("d")}
    assert parse_type("blob") == parse_type("vec nat8")
    assert parse_type("List") == VarType("List")


def test_error_positions():
    with pytest.raises(CandidError) as info:
        parse_did("type A = nat;\ntype B = record { x : };")
    assert (info.value.position.line, info.value.position.column) == (2, 23)


def test_canister_interfaces_load():
    import glob
    import os

    files = glob.glob(
        os.path.join(os.environ["PYIC_SHARED"], "canisters", "*", "*.did")
    )
    assert len(files) == 4
    for path in files:
        assert load_did(path).service.methods
