"""The REST protocol of ``pyic-pocket-ic-server``, request by request.

The shapes are those of the PocketIC server (version 9) that ``pocket-ic`` 3.1
speaks; a request the server cannot carry out answers 400 ``{"message"}``.
"""

from __future__ import annotations

import base64
import gzip

import pytest
import requests

from pyic.candid import Principal, encode
from pyic.universal import bytes_, reply_data, universal_canister_wasm

ANON = base64.b64encode(Principal.from_text("2vxsx-fae").bytes).decode()
MGMT = base64.b64encode(b"").decode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def http(server):
    session = requests.Session()

    def call(method: str, path: str, body=None, **kw):
        return session.request(method, server + path, json=body, timeout=120, **kw)
    return call


@pytest.fixture
def inst(http):
    r = http("POST", "/instances", {"subnet_config_set": {"application": [
        {"state_config": "New", "instruction_config": "Production"}]}})
    assert r.status_code in (200, 201), r.text
    created = r.json()["Created"]
    first = next(iter(created["topology"]["subnet_configs"].values()))
    assert {"subnet_kind", "canister_ranges"} <= set(first)
    return f"/instances/{created['instance_id']}"


def mgmt_call(method: str, arg: bytes, effective=None) -> dict:
    return {"sender": ANON, "canister_id": MGMT, "method": method, "payload": b64(arg),
            "effective_principal": effective or "None"}


def create(http, inst) -> bytes:
    from pyic.candid import Record
    from pyic.ic.management.args import interface, method_types
    arg = encode((Record.of(amount=None, settings=None, specified_id=None,
                            sender_canister_version=None),),
                 method_types("provisional_create_canister_with_cycles")[0], interface().env)
    r = http("POST", inst + "/update/execute_ingress_message",
             mgmt_call("provisional_create_canister_with_cycles", arg))
    assert r.status_code == 200, r.text
    from pyic.candid import decode
    return decode(base64.b64decode(r.json()["Ok"]))[0]["canister_id"].bytes


def install_universal(http, inst, cid: bytes) -> None:
    from pyic.candid import Record, Variant
    from pyic.ic.management.args import interface, method_types
    arg = encode((Record.of(mode=Variant.of("install", None), canister_id=Principal(cid),
                            wasm_module=universal_canister_wasm(), arg=b"",
                            sender_canister_version=None),),
                 method_types("install_code")[0], interface().env)
    r = http("POST", inst + "/update/execute_ingress_message", mgmt_call("install_code", arg))
    assert r.status_code == 200 and "Ok" in r.json(), r.text


def test_status_and_unknown_route(http):
    assert http("GET", "/status").status_code == 200
    r = http("GET", "/no/such/route")
    assert r.status_code == 404 and "message" in r.json()


def test_topology_ranges_and_default_effective_canister_id(http, inst):
    topo = http("GET", inst + "/read/topology").json()
    (subnet_id, config), = topo["subnet_configs"].items()
    assert config["subnet_kind"] == "Application" and len(config["node_ids"]) == 13
    first = Principal(base64.b64decode(config["canister_ranges"][0]["start"]["canister_id"]))
    assert first.to_text() == "lxzze-o7777-77777-aaaaa-cai"
    default = base64.b64decode(topo["default_effective_canister_id"]["canister_id"])
    assert default == first.bytes
    assert Principal.from_text(subnet_id).bytes[-1] == 2   # self-authenticating form


def test_ingress_submit_status_await(http, inst):
    cid = create(http, inst)
    install_universal(http, inst, cid)
    body = {"sender": ANON, "canister_id": b64(cid), "method": "update",
            "payload": b64(reply_data(bytes_(b"hi")).bytes()), "effective_principal": "None"}
    submitted = http("POST", inst + "/update/submit_ingress_message", body).json()["Ok"]
    status = http("POST", inst + "/read/ingress_status",
                  {"raw_message_id": submitted, "raw_caller": None})
    assert status.status_code == 200 and status.json() is None   # not executed yet
    done = http("POST", inst + "/update/await_ingress_message", submitted).json()
    assert base64.b64decode(done["Ok"]) == b"hi"
    again = http("POST", inst + "/read/ingress_status",
                 {"raw_message_id": submitted, "raw_caller": None}).json()
    assert base64.b64decode(again["Ok"]) == b"hi"


def test_reject_codes_are_variant_names(http, inst):
    cid = create(http, inst)
    body = {"sender": ANON, "canister_id": b64(cid), "method": "foo", "payload": b64(b""),
            "effective_principal": "None"}
    err = http("POST", inst + "/read/query", body).json()["Err"]
    assert (err["reject_code"], err["error_code"]) == ("CanisterError",
                                                       "CanisterWasmModuleNotFound")
    assert err["certified"] is False   # a query's reject
    err = http("POST", inst + "/update/execute_ingress_message", body).json()["Err"]
    assert err["error_code"] == "CanisterWasmModuleNotFound" and err["certified"] is True


def test_cycles_time_and_stable_memory(http, inst):
    cid = create(http, inst)
    install_universal(http, inst, cid)
    c = {"canister_id": b64(cid)}
    before = http("POST", inst + "/read/get_cycles", c).json()["cycles"]
    after = http("POST", inst + "/update/add_cycles", dict(c, amount=7)).json()["cycles"]
    assert after == before + 7
    blob = http("POST", "/blobstore", data=gzip.compress(b"stable!"),
                headers={"Content-Encoding": "gzip"}).text
    r = http("POST", inst + "/update/set_stable_memory",
             dict(c, blob_id=b64(bytes.fromhex(blob))))
    assert r.status_code == 200
    mem = base64.b64decode(http("POST", inst + "/read/get_stable_memory", c).json()["blob"])
    assert mem[:7] == b"stable!" and len(mem) == 65536
    t = http("GET", inst + "/read/get_time").json()["nanos_since_epoch"]
    assert http("POST", inst + "/update/set_time", {"nanos_since_epoch": t + 10}).status_code \
        == 200
    assert http("POST", inst + "/update/tick", {}).status_code == 200
    assert http("GET", inst + "/read/get_time").json()["nanos_since_epoch"] > t + 10


@pytest.mark.parametrize("path, body, needle", [
    ("/update/set_time", {"nanos_since_epoch": 0}, "SettingTimeIntoPast"),
    ("/update/set_time", {"nanos": 1}, "nanos_since_epoch"),
    ("/update/set_time", {"nanos_since_epoch": 1 << 64}, "u64"),
    ("/update/add_cycles", {"canister_id": ANON, "amount": -1}, "non-negative"),
    ("/read/get_cycles", {"canister_id": "***"}, "not base64"),
    ("/read/get_cycles", {"canister_id": ANON}, "does not belong to any subnet"),
    ("/read/get_cycles", {"canister_id": b64(Principal.from_canister_id(
        (1 << 64) - (1 << 21) + 5).bytes)}, "not found"),
    ("/read/query", {"sender": ANON}, "canister_id"),
    ("/read/query", [1, 2], "JSON object"),
    ("/update/set_stable_memory", {"canister_id": ANON, "blob_id": b64(b"\0" * 32)},
     "BlobNotFound"),
    ("/read/pub_key", {"subnet_id": ANON}, "SubnetNotFound"),
    ("/read/ingress_status", {"raw_message_id": {"message_id": b64(b"x")}},
     "IngressMessageNotFound"),
])
def test_bad_requests_answer_400(http, inst, path, body, needle):
    r = http("POST", inst + path, body)
    assert r.status_code == 400, r.text
    assert needle in r.json()["message"]


def test_not_json_and_bad_configs(http):
    r = http("POST", "/instances", data=b"{not json")
    assert r.status_code == 400 and "not JSON" in r.json()["message"]
    r = http("POST", "/instances", {"subnet_config_set": {}})
    assert r.status_code == 400 and "At least one subnet" in r.json()["message"]
    r = http("POST", "/instances", {"subnet_config_set": {"moon": []}})
    assert r.status_code == 400 and "moon" in r.json()["message"]
    r = http("GET", "/instances/99999/read/get_time")
    assert r.status_code == 400 and "not found" in r.json()["message"]


def test_deleted_instances_stay_listed(http, inst):
    n = http("GET", "/instances").json().count("Deleted")
    assert http("DELETE", inst).status_code == 200
    assert http("GET", "/instances").json().count("Deleted") == n + 1
    r = http("GET", inst + "/read/get_time")
    assert r.status_code == 400 and "deleted" in r.json()["message"]


def test_blobstore_round_trip(http):
    blob_id = http("POST", "/blobstore", data=b"\x00\x01raw").text
    assert http("GET", "/blobstore/" + blob_id).content == b"\x00\x01raw"
    r = http("POST", "/blobstore", data=b"x", headers={"Content-Encoding": "br"})
    assert r.status_code == 400


def test_bad_content_length_answers_400(server):
    import socket
    host, port = server.rsplit(":", 1)
    with socket.create_connection((host.split("//")[1], int(port)), timeout=30) as s:
        s.sendall(b"POST /instances HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n")
        answer = s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400") and b"Content-Length" in answer


def test_routes_of_other_clients(http, inst):
    # @dfinity/pic (server 9) reads the topology under /_/, the controllers, certified time
    assert http("GET", inst + "/_/topology").json() == http("GET", inst + "/read/topology").json()
    cid = create(http, inst)
    controllers = http("POST", inst + "/read/get_controllers",
                       {"canister_id": b64(cid)}).json()
    assert controllers == [{"principal_id": ANON}]
    t = http("GET", inst + "/read/get_time").json()["nanos_since_epoch"]
    r = http("POST", inst + "/update/set_certified_time", {"nanos_since_epoch": t + 1})
    assert r.status_code == 200
    assert http("GET", inst + "/read/get_time").json()["nanos_since_epoch"] == t + 1
    assert http("GET", inst + "/read/get_canister_http").json() == []
