"""``canister_metrics``, ``subnet_info`` and ``node_metrics_history`` of the management
canister (management-canister.md "IC method canister_metrics", "IC method subnet_info",
"IC method node_metrics_history"; abstract-behavior.md "IC Management Canister: Canister
metrics", "Subnet information", "Node Metrics"; pyic's replies: pyic/ic/management/info.py).
Replies are also decoded with the types of the spec's own ``ic.did``."""

from __future__ import annotations

import os

import pytest
from ic_helpers import reject_of, spec

from pyic.candid import Principal, decode, encode, parse_did
from pyic.ic.certification import subnet_id
from pyic.ic.management import execute_call
from pyic.ic.management.info import CYCLES_CONSUMED, REGISTRY_VERSION, REPLICA_VERSION
from pyic.ic.state import IC_PRINCIPAL, CallMessage, FromUser, Request, ResponseMessage, evolve
from pyic.pocketic.config import SubnetConfig, SubnetKind
from pyic.testing import PocketIC, to_python
from pyic.universal import arg_data, bytes_, reject_msg, reply_data, reply_data_append, update_call

from principals import OTHER, USER
from test_management import arg, result, via_canister

METRICS = "IC Management Canister: Canister metrics"
SUBNET_INFO = "IC Management Canister: Subnet information"
NODE_METRICS = "IC Management Canister: Node Metrics"
IC_DID = os.path.join(os.environ["PYIC_SHARED"], "reference", "ic-interface-spec", "ic.did")
ZEROS = {name: 0 for name in CYCLES_CONSUMED}


@pytest.fixture(scope="module")
def ic_did():
    if not os.path.exists(IC_DID):
        pytest.skip(f"the spec's ic.did is not at {IC_DID}")
    with open(IC_DID) as f:
        return parse_did(f.read(), source="ic.did")


def as_spec_types(ic_did, method: str, data: bytes):
    """``data``, a reply of ``method``, decoded at the result types ``ic.did`` gives it
    (fails if pyic's reply lacks a field or has one of another type)."""
    return to_python(decode(data, ic_did.method(method).results, ic_did.env)[0])


def own_subnet(pic) -> Principal:
    return Principal(subnet_id(pic.ic.state.seed))


def composite(pic, caller, method: str, argument: bytes) -> bytes:
    """A composite query of ``caller`` calling ``aaaaa-aa``: b"OK" + reply or b"NO" + message."""
    return pic.universal_composite_query(caller, update_call(
        b"", method, arg=argument,
        on_reply=reply_data_append(bytes_(b"OK")) >> reply_data(arg_data),
        on_reject=reply_data_append(bytes_(b"NO")) >> reply_data(reject_msg)))


# ---------------------------------------------------------------- canister_metrics


@spec(METRICS)
def test_metrics_of_a_controller_by_ingress_and_by_query(pic, uc, ic_did):
    """Every counter of ``cycles_consumed``, 0: pyic's state keeps none, even after the
    canister ran code and time passed (the spec only asks them to never decrease)."""
    pic.universal_update(uc, reply_data(bytes_(b"x" * 1000)))
    pic.advance_time(10**12)
    pic.tick()
    argument = arg("canister_metrics", canister_id=Principal(uc))
    by_ingress = pic.update_call(None, "canister_metrics", argument)
    by_query = pic.query_call(None, "canister_metrics", argument)
    assert by_ingress == by_query
    assert as_spec_types(ic_did, "canister_metrics", by_query) == {"cycles_consumed": ZEROS}
    assert ic_did.method("canister_metrics").modes == ("query",)


@spec(METRICS)
def test_metrics_refused_to_others(pic, uc, uc2):
    argument = arg("canister_metrics", canister_id=Principal(uc))
    for call in (pic.update_call, pic.query_call):
        r = reject_of(call, None, "canister_metrics", argument, sender=OTHER)
        assert (r.reject_code, r.error_code) == (5, "IC0512")
        assert Principal(OTHER).to_text() in r.message
    # a canister that does not control uc, by a call and by a composite query
    out, rejected = via_canister(pic, uc2, "canister_metrics", argument)
    assert out is None and rejected[0] == 5 and "Only the controllers" in rejected[1]
    out = composite(pic, uc2, "canister_metrics", argument)
    assert out.startswith(b"NO")


@spec(METRICS)
def test_metrics_for_subnet_admins(pic, uc):
    """``M.caller ∈ S.controllers[A] ∪ S.subnet_admins[S.canister_subnet[A]]``."""
    argument = arg("canister_metrics", canister_id=Principal(uc))
    assert reject_of(pic.query_call, None, "canister_metrics", argument, sender=OTHER)
    pic.ic.set_subnet_admins([OTHER])
    for call in (pic.update_call, pic.query_call):
        data = call(None, "canister_metrics", argument, sender=OTHER)
        assert result("canister_metrics", data) == {"cycles_consumed": ZEROS}


@spec("Query call")
def test_metrics_by_a_controlling_canister_and_its_composite_query(pic, uc):
    """``management_canister_query`` answers ``canister_metrics`` to a controller."""
    child = pic.create_canister(settings={"controllers": [uc]})
    argument = arg("canister_metrics", canister_id=child)
    out, rejected = via_canister(pic, uc, "canister_metrics", argument)
    assert rejected is None
    assert result("canister_metrics", out) == {"cycles_consumed": ZEROS}
    out = composite(pic, uc, "canister_metrics", argument)
    assert out.startswith(b"OK")
    assert result("canister_metrics", out[2:]) == {"cycles_consumed": ZEROS}
    # USER no longer controls the child
    assert reject_of(pic.query_call, None, "canister_metrics", argument).reject_code == 5


@spec(METRICS)
def test_metrics_of_no_canister_or_a_bad_argument(pic, uc):
    missing = arg("canister_metrics", canister_id=Principal.from_canister_id(999))
    r = reject_of(pic.query_call, None, "canister_metrics", missing)
    assert (r.reject_code, r.error_code) == (3, "IC0301")
    out, rejected = via_canister(pic, uc, "canister_metrics", missing)
    assert rejected[0] == 3
    r = reject_of(pic.query_call, None, "canister_metrics", encode(("text",)))
    assert (r.reject_code, r.error_code) == (5, "IC0408")


# ---------------------------------------------------------------- subnet_info


@spec(SUBNET_INFO)
def test_subnet_info_of_the_callers_subnet(pic, uc, ic_did):
    out, rejected = via_canister(pic, uc, "subnet_info",
                                 arg("subnet_info", subnet_id=own_subnet(pic)))
    assert rejected is None
    assert as_spec_types(ic_did, "subnet_info", out) == {
        "replica_version": REPLICA_VERSION, "registry_version": REGISTRY_VERSION}
    assert (REPLICA_VERSION, REGISTRY_VERSION) == ("pyic", 1)


# ---------------------------------------------------------------- node_metrics_history


def node_metrics(pic, caller, subnet: Principal, start: int):
    out, rejected = via_canister(pic, caller, "node_metrics_history", arg(
        "node_metrics_history", subnet_id=subnet, start_at_timestamp_nanos=start))
    assert rejected is None, rejected
    return out


@spec(NODE_METRICS)
def test_node_metrics_one_sample_of_every_node(pic, uc, ic_did):
    """The subnet's nodes, those its PocketIC topology names; no consensus, so no block
    was proposed or failed; the sample taken at the current time."""
    now = pic.ic.state.system_time
    samples = as_spec_types(ic_did, "node_metrics_history",
                            node_metrics(pic, uc, own_subnet(pic), 0))
    assert len(samples) == 1 and samples[0]["timestamp_nanos"] == now
    nodes = [node_id for node_id, _ in pic.instance.subnets[0].nodes]
    assert len(nodes) == pic.ic.cfg.subnet_size == 13
    assert [m["node_id"].bytes for m in samples[0]["node_metrics"]] == nodes
    assert all(m["num_blocks_proposed_total"] == m["num_block_failures_total"] == 0
               for m in samples[0]["node_metrics"])


@spec(NODE_METRICS)
def test_node_metrics_from_the_start_timestamp_on(pic, uc):
    """"all timestamps after (and including) the provided timestamp"."""
    subnet = own_subnet(pic)
    now = pic.ic.state.system_time
    times = lambda start: [s["timestamp_nanos"] for s in result(  # noqa: E731
        "node_metrics_history", node_metrics(pic, uc, subnet, start))]
    assert times(now) == [now]
    assert times(now + 1) == []
    pic.advance_time(86_400 * 10**9)
    later = pic.ic.state.system_time
    assert later > now and times(now + 1) == [later]


@spec(NODE_METRICS)
def test_node_metrics_of_each_subnet_of_an_instance():
    """On an NNS and an application subnet, a canister of either asks about both: the
    call goes to the subnet it names, which answers with its own nodes (40 and 13, as
    the topology sizes them)."""
    pic = PocketIC(SubnetConfig(nns=True, application=1))
    subnets = {k: p for p, k in pic.topology().items()}
    callers = [_universal_on(pic, subnets[kind])
               for kind in (SubnetKind.NNS, SubnetKind.APPLICATION)]
    for caller in callers:
        for kind, size in ((SubnetKind.NNS, 40), (SubnetKind.APPLICATION, 13)):
            sid = subnets[kind]
            samples = result("node_metrics_history", node_metrics(pic, caller.bytes, sid, 0))
            ids = [m["node_id"].bytes for m in samples[0]["node_metrics"]]
            nodes = pic.instance.subnet_by_id(sid.bytes).nodes
            assert ids == [node_id for node_id, _ in nodes] and len(ids) == size
            out, rejected = via_canister(pic, caller.bytes, "subnet_info",
                                         arg("subnet_info", subnet_id=sid))
            assert result("subnet_info", out)["replica_version"] == REPLICA_VERSION
        # a subnet the instance does not have
        check_unknown_subnet(pic, caller.bytes, "subnet_info")


def _universal_on(pic, subnet: Principal) -> Principal:
    from pyic.universal import universal_canister_wasm
    cid = pic.create_canister(subnet=subnet, sender=USER)
    pic.install_code(cid, universal_canister_wasm(), b"", sender=USER)
    return cid


# ---------------------------------------------------------------- both: canisters only


def fields_of(method: str, sid: Principal) -> dict:
    if method == "subnet_info":
        return dict(subnet_id=sid)
    return dict(subnet_id=sid, start_at_timestamp_nanos=0)


def check_not_by_users(pic, method: str) -> None:
    """"This method can only be called by canisters": refused at submission (reject 4),
    as a query, and by the rule itself for a call from a user however it got queued."""
    argument = arg(method, **fields_of(method, own_subnet(pic)))
    for call in (pic.update_call, pic.query_call):
        r = reject_of(call, None, method, argument)
        assert r.reject_code == 4 and r.error_code == "IC0406", r
    request = Request(b"", 2**64 - 1, USER, IC_PRINCIPAL, method, argument)
    state = evolve(pic.ic.state, messages=(CallMessage(
        origin=FromUser(request), caller=USER, callee=IC_PRINCIPAL, method_name=method,
        arg=argument, transferred_cycles=0, queue="unordered"),))
    response = execute_call(state, 0).messages[-1]
    assert isinstance(response, ResponseMessage)
    assert (response.response.code, response.response.error_code) == (4, "IC0406")
    assert "cannot be called by ingress messages" in response.response.message


def check_unknown_subnet(pic, uc, method: str) -> None:
    """A subnet id that is not this IC's: reject 4, IC0404 (SubnetNotFound)."""
    for sid in (Principal(b"\x02"), Principal(uc)):
        out, rejected = via_canister(pic, uc, method, arg(method, **fields_of(method, sid)))
        assert out is None and rejected[0] == 4
        assert rejected[1] == f"Subnet {sid.to_text()} not found"


@spec(SUBNET_INFO)
def test_subnet_info_not_by_users(pic):
    check_not_by_users(pic, "subnet_info")


@spec(NODE_METRICS)
def test_node_metrics_not_by_users(pic):
    check_not_by_users(pic, "node_metrics_history")


@spec(SUBNET_INFO)
def test_subnet_info_of_an_unknown_subnet(pic, uc):
    check_unknown_subnet(pic, uc, "subnet_info")


@spec(NODE_METRICS)
def test_node_metrics_of_an_unknown_subnet(pic, uc):
    check_unknown_subnet(pic, uc, "node_metrics_history")


@spec(METRICS)
def test_metrics_queried_over_http(pic, uc):
    """``/api/v3/canister/<ECID>/query`` of a `pyic.http.server` (the anonymous principal,
    which needs no signature, made a subnet admin, then not)."""
    import threading
    import time
    import urllib.request

    from pyic.http import cbor
    from pyic.http.replica import Replica
    from pyic.http.server import Endpoints, make_server
    server = make_server(Endpoints(Replica(ic=pic.ic)))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def query() -> dict:
        content = {"request_type": "query", "sender": b"\x04", "canister_id": b"",
                   "method_name": "canister_metrics",
                   "arg": arg("canister_metrics", canister_id=Principal(uc)),
                   "ingress_expiry": time.time_ns() + 120 * 10**9}
        req = urllib.request.Request(
            f"http://127.0.0.1:{server.server_address[1]}/api/v3/canister/"
            f"{Principal(uc).to_text()}/query", data=cbor.encode({"content": content}),
            headers={"Content-Type": "application/cbor"})
        with urllib.request.urlopen(req, timeout=30) as response:
            return cbor.decode(response.read())

    try:
        pic.ic.set_subnet_admins([b"\x04"])
        body = query()
        assert body["status"] == "replied", body
        assert result("canister_metrics", body["reply"]["arg"]) == {"cycles_consumed": ZEROS}
        pic.ic.set_subnet_admins([])
        body = query()
        assert body["status"] == "rejected" and body["reject_code"] == 5, body
        assert body["error_code"] == "IC0512"
    finally:
        server.shutdown()
        server.server_close()
