"""``pyic canister`` commands, run in process: what failed commands commit, rejects
worded as dfx words them, --limit, --did checks, output formats, settings,
snapshots, time, help, and refusals of damaged state stores."""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pyic.cli.canister import canister
from pyic.cli.canister_output import parse_duration, values_to_json
from pyic.cli.main import cli

SHARED = Path(os.environ.get("PYIC_SHARED") or Path(__file__).resolve().parents[3] / "shared")
COUNTER = SHARED / "canisters" / "counter"

# A canister in the text format: a trap after a debug_print, an endless loop, a query.
PROBE = """
(module
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (data (i32.const 0) "before the trap")
  (data (i32.const 32) "boom")
  (func (export "canister_update spin") (loop $l (br $l)))
  (func (export "canister_update fail")
    (call $print (i32.const 0) (i32.const 15))
    (call $trap (i32.const 32) (i32.const 4)))
  (func (export "canister_query hello") (call $reply)))
"""


def counter(name: str = "counter.classic.wasm") -> str:
    path = COUNTER / name
    if not path.exists():
        pytest.fail(f"the counter canister is missing: {path} (set PYIC_SHARED)")
    return str(path)


def run(state, *args):
    return CliRunner().invoke(cli, ["canister", "--state", str(state), *args])


def ok(state, *args):
    r = run(state, *args)
    assert r.exit_code == 0, (args, r.output)
    return r


def one_line_failure(r, code: int = 1) -> str:
    assert r.exit_code == code, r.output
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyic: "), r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr
    return lines[0]


def new_canister(state, wasm: str) -> str:
    cid = ok(state, "create").stdout.strip()
    ok(state, "install", cid, wasm)
    return cid


@pytest.fixture
def probe(tmp_path):
    path = tmp_path / "probe.wat"
    path.write_text(PROBE)
    state = tmp_path / "st"
    return state, new_canister(state, str(path))


def balance(state, cid: str) -> int:
    line = next(x for x in ok(state, "list").stdout.splitlines() if x.startswith(cid))
    return int(re.search(r"(\d+) cycles", line).group(1))


# ------------------------------------------------------------------ failed commands commit


def test_a_trapping_call_leaves_its_log_trap_record_and_charge(probe):
    state, cid = probe
    before = balance(state, cid)
    line = one_line_failure(run(state, "call", cid, "fail"))
    # dfx's wording: reject code name and number, the message, the IC's error code.
    assert "reject code CanisterError (5)" in line and "error code IC0503" in line
    assert "Canister called `ic0.trap` with message: 'boom'" in line
    logs = ok(state, "logs", cid).stdout.splitlines()
    assert len(logs) == 2
    assert re.fullmatch(r"\[0\. \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z, \d+ ns\]: "
                        r"before the trap", logs[0]), logs[0]
    assert logs[1].startswith("[1. ") and "[TRAP]" in logs[1] and "boom" in logs[1]
    iso, ns = re.match(r"\[0\. (\S+), (\d+) ns\]", logs[0]).groups()
    assert iso.startswith(time.strftime("%Y-%m-%dT%H:%M:%S",
                                        time.gmtime(int(ns) // 10 ** 9)))
    assert balance(state, cid) < before          # the cycles the trap burned stay burned


def test_limit_stops_an_endless_loop_with_the_ics_error(probe):
    state, cid = probe
    before = balance(state, cid)
    line = one_line_failure(run(state, "call", cid, "spin", "--limit", "1000000"))
    assert "Canister exceeded the limit of 1000000 instructions for single message " \
           "execution." in line and "error code IC0522" in line
    assert balance(state, cid) < before
    # The limit is the command's: the store keeps the subnet's configuration.
    from pyic.ic.costs import DEFAULT
    from pyic.ic.store import Store
    with Store.open(str(state / "state.db")) as store:
        assert store.load_ic().cfg == DEFAULT


def test_install_limit_stops_an_endless_init(tmp_path):
    wat = tmp_path / "loop.wat"
    wat.write_text('(module (func (export "canister_init") (loop $l (br $l))))')
    state = tmp_path / "st"
    cid = ok(state, "create").stdout.strip()
    line = one_line_failure(run(state, "install", cid, str(wat), "--limit", "100000"))
    assert "Canister exceeded the limit of 100000 instructions" in line and "reject code" in line
    assert ok(state, "info", cid).stdout.splitlines()[1] == "Module hash: None"


def test_a_query_with_a_limit_and_a_query_reply(probe):
    state, cid = probe
    assert ok(state, "call", cid, "hello", "--query", "--output", "raw").stdout == "\n"
    line = one_line_failure(run(state, "call", cid, "nope", "--query"))
    assert "reject code" in line and "error code IC0536" in line


# ------------------------------------------------------------------ --did


def test_a_wrong_did_is_refused_before_the_call(tmp_path):
    state = tmp_path / "st"
    cid = new_canister(state, counter())
    did = str(COUNTER / "counter.did")
    ok(state, "call", cid, "add", "(5)", "--did", did)
    line = one_line_failure(run(state, "call", cid, "nope", "--did", did))
    assert "method 'nope' is not in the interface" in line and "add, get, inc, peekInc" in line
    line = one_line_failure(run(state, "call", cid, "add", '("five")', "--did", did))
    assert "the argument of 'add' is not of type (nat)" in line
    line = one_line_failure(run(state, "call", cid, "add", "()", "--did", did))
    assert "'add'" in line and "(nat)" in line
    # Nothing ran: the counter is still 5, and the did's query method is called as one.
    assert ok(state, "call", cid, "get", "--did", did).stdout == "(5 : nat)\n"


# ------------------------------------------------------------------ output formats


def test_call_output_json_and_raw(tmp_path):
    state = tmp_path / "st"
    cid = new_canister(state, counter())
    big = 2 ** 70
    assert json.loads(ok(state, "call", cid, "add", f"({big})", "--output", "json").stdout) \
        == [big]
    assert ok(state, "call", cid, "get", "--query", "--output", "raw").stdout.strip() == \
        "4449444c00017d" + _leb128(big).hex()


def _leb128(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def test_values_as_json():
    from pyic.candid import decode_message, encode_text
    data = encode_text('(record { name = "x"; tags = vec { 1; 2 }; maybe = opt (null : opt nat);'
                       ' none = (null : opt nat); pick = variant { ok = blob "\\01\\ff" };'
                       ' who = principal "aaaaa-aa"; pair = record { 7 : nat8; -1 : int } },'
                       ' true)')
    values, types, env = decode_message(data, None, None)
    got = json.loads(values_to_json(values, types, env))
    assert got[1] is True
    record = got[0]
    # Field names are lost on the wire without a .did (they print as _<id>_, as Candid
    # does); opt is [] or [v], so `opt (null : opt nat)` is [[]].
    assert sorted(record.values(), key=repr) == sorted(
        ["x", [1, 2], [[]], [], {"_24860_": "01ff"}, "aaaaa-aa", [7, -1]], key=repr)


def test_values_as_json_with_the_names_of_a_did():
    from pyic.candid import decode_message, encode_text, parse_did
    did = parse_did("type R = record { name : text; tags : vec nat8; "
                    "pick : variant { ok : nat; err : text } };"
                    "service : { m : () -> (R, opt R, vec R) }")
    types = did.method_types("m", True)
    data = encode_text('(record { name = "x"; tags = blob "\\01"; pick = variant { err = "no" } },'
                       ' null, vec {})', types, did.env)
    values, used, env = decode_message(data, types, did.env)
    assert json.loads(values_to_json(values, used, env)) == [
        {"name": "x", "tags": "01", "pick": {"err": "no"}}, [], []]


def test_status_json(tmp_path):
    state = tmp_path / "st"
    wasm = counter()
    cid = new_canister(state, wasm)
    st = json.loads(ok(state, "status", cid, "--json").stdout)
    assert st["status"] == "running"
    assert st["module_hash"] == hashlib.sha256(Path(wasm).read_bytes()).hexdigest()
    assert isinstance(st["cycles"], int) and st["cycles"] > 0


# ------------------------------------------------------------------ management commands


def test_lifecycle_settings_info_and_uninstall(tmp_path):
    state = tmp_path / "st"
    cid = new_canister(state, counter())
    other = "aaaaa-aa"
    r = ok(state, "update-settings", cid, "--freezing-threshold", "1234",
           "--add-controller", other)
    assert "freezing_threshold" in r.stderr
    assert "Freezing threshold: 1234 Seconds" in ok(state, "status", cid).stdout
    controllers = ok(state, "info", cid).stdout.splitlines()[0]
    assert other in controllers and len(controllers.split()) == 3
    ok(state, "update-settings", cid, "--remove-controller", other)
    assert other not in ok(state, "info", cid).stdout
    assert ok(state, "stop", cid).stderr == f"Stopped canister {cid}.\n"
    one_line_failure(run(state, "call", cid, "inc"))
    assert ok(state, "start", cid).stderr == f"Started canister {cid}.\n"
    ok(state, "uninstall-code", cid)
    assert "Module hash: None" in ok(state, "info", cid).stdout
    ok(state, "stop", cid)
    assert ok(state, "delete", cid).stderr == f"Deleted canister {cid}.\n"
    assert ok(state, "list").stdout == ""


def test_snapshots(tmp_path):
    state = tmp_path / "st"
    cid = new_canister(state, counter())
    ok(state, "call", cid, "add", "(3)")
    ok(state, "stop", cid)
    sid = ok(state, "snapshot", "take", cid).stdout.strip()
    assert re.fullmatch(r"[0-9a-f]+", sid)
    assert ok(state, "snapshot", "list", cid).stdout.startswith(sid + ": taken at ")
    ok(state, "start", cid)
    ok(state, "call", cid, "add", "(10)")
    ok(state, "stop", cid)
    ok(state, "snapshot", "load", cid, sid)
    ok(state, "start", cid)
    assert ok(state, "call", cid, "get", "--query").stdout == "(3 : nat)\n"
    ok(state, "snapshot", "delete", cid, sid)
    assert ok(state, "snapshot", "list", cid).stdout == ""
    one_line_failure(run(state, "snapshot", "load", cid, "zz"))


def test_install_text_format_and_its_errors(tmp_path):
    bad = tmp_path / "bad.wat"
    bad.write_text("(module (func (export \"canister_update x\") (i32.add)))")
    state = tmp_path / "st"
    cid = ok(state, "create").stdout.strip()
    line = one_line_failure(run(state, "install", cid, str(bad)))
    assert str(bad) in line
    assert ok(state, "info", cid).stdout.splitlines()[1] == "Module hash: None"


# ------------------------------------------------------------------ time


def _ns(text: str) -> int:
    return int(re.search(r"\((\d+) ns\)", text).group(1))


def test_tick_and_advance_time(tmp_path):
    state = tmp_path / "st"
    ok(state, "create")
    t0 = _ns(ok(state, "tick").stderr)
    assert _ns(ok(state, "advance-time", "1h30m").stderr) == t0 + 5400 * 10 ** 9
    assert _ns(ok(state, "tick", "3").stderr) == t0 + 5400 * 10 ** 9 + 3
    assert _ns(ok(state, "advance-time", "250").stderr) == t0 + 5400 * 10 ** 9 + 253
    one_line_failure(run(state, "advance-time", "soon"))
    start = time.time_ns()
    r = CliRunner().invoke(cli, ["canister", "--state", str(state), "--time", "wall", "tick"])
    assert r.exit_code == 0 and _ns(r.stderr) > start


def test_durations():
    assert parse_duration("90s") == 90 * 10 ** 9
    assert parse_duration("5m") == 300 * 10 ** 9
    assert parse_duration("1h") == 3600 * 10 ** 9
    assert parse_duration("2d3h") == (2 * 86400 + 3 * 3600) * 10 ** 9
    assert parse_duration("250ms") == 250 * 10 ** 6
    assert parse_duration("17") == 17


# ------------------------------------------------------------------ help


def _commands(group: click.Group, path=()):
    for name, cmd in group.commands.items():
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*path, name))


def test_every_command_and_option_has_help_and_h_works():
    seen = 0
    for path, cmd in _commands(canister):
        assert cmd.help, path
        for param in cmd.params:
            if isinstance(param, click.Option):
                assert param.help, (path, param.name)
                seen += 1
        r = CliRunner().invoke(cli, ["canister", *path, "-h"])
        assert r.exit_code == 0 and "Usage:" in r.stdout, (path, r.output)
    for param in canister.params:
        assert param.help, param.name
    assert seen > 20
    for name in ("update-settings", "uninstall-code", "info", "list", "snapshot", "tick",
                 "advance-time"):
        assert name in canister.commands


# ------------------------------------------------------------------ damaged stores


def test_garbage_and_truncated_stores_give_one_line(tmp_path):
    state = tmp_path / "st"
    new_canister(state, counter())
    store = state / "state.db"
    data = store.read_bytes()
    for name, content in (("garbage", os.urandom(5000)), ("truncated", data[:len(data) // 2]),
                          ("text", b"hello\n" * 100)):
        for leftover in ("state.db-wal", "state.db-shm"):
            (state / leftover).unlink(missing_ok=True)
        store.write_bytes(content)
        for args in (("list",), ("create",), ("call", "rwlgt-iiaaa-aaaaa-aaaaa-cai", "inc")):
            line = one_line_failure(run(state, *args))
            assert str(store) in line, (name, line)


def test_the_old_state_file_is_named_and_not_read(tmp_path):
    state = tmp_path / "st"
    state.mkdir()
    (state / "state.pyic").write_bytes(b"\x80\x04\x95 the old format")
    r = ok(state, "create")
    assert "state.pyic is pyic's old state format, which is no longer read" in r.stderr
    assert r.stdout.strip().endswith("-cai")
    assert len(ok(state, "list").stdout.splitlines()) == 1
