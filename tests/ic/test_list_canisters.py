"""``list_canisters`` of the management canister (management-canister.md "IC method
list_canisters"; abstract-behavior.md "IC Management Canister: List canisters (query
call)", "Query call" > ``management_canister_query``): subnet admins only, by
non-replicated calls only -- a user's query, or a composite query of a canister --
answered with ``record { canisters : vec canister_id_range }``, every canister of the
subnet (not the deleted ones) as ranges of consecutive canister ids."""

from __future__ import annotations

import base64
import threading
import time
import urllib.request

from ic_helpers import reject_of, spec

from pyic.candid import Principal, decode, encode
from pyic.ic.certification import subnet_id
from pyic.ic.management.args import interface, method_types
from pyic.pocketic.config import SubnetConfig, SubnetKind
from pyic.testing import PocketIC, to_python
from pyic.universal import arg_data, i2b, reject_code, reject_msg, reply_data, reply_data_append
from pyic.universal import update_call

from principals import OTHER, USER

SECTION = "IC Management Canister: List canisters (query call)"
ADMIN = b"\x55\x02"
NO_ARG = encode(())


def listed(data: bytes) -> list[tuple[int, int]]:
    """The reply's ranges as pairs of canister numbers."""
    result = to_python(decode(data, method_types("list_canisters")[1], interface().env)[0])
    return [(Principal(r["start"].bytes).canister_counter(),
             Principal(r["end"].bytes).canister_counter()) for r in result["canisters"]]


def list_as(pic, sender: bytes, **kwargs) -> list[tuple[int, int]]:
    return listed(pic.query_call(None, "list_canisters", NO_ARG, sender=sender, **kwargs))


def subnet_of(p: Principal) -> dict:
    """pocket-ic's effective principal naming subnet ``p``."""
    return {"SubnetId": base64.b64encode(p.bytes).decode()}


def number(cid) -> int:
    return Principal(cid if isinstance(cid, bytes) else cid.bytes).canister_counter()


@spec(SECTION)
def test_admins_get_the_subnets_canisters_as_consecutive_ranges(pic):
    pic.ic.set_subnet_admins([ADMIN])
    assert list_as(pic, ADMIN) == []
    # made out of order: a specified id far ahead first, then the counter's ids
    far = pic.create_canister(specified_id=Principal.from_canister_id(100))
    made = [pic.create_canister() for _ in range(5)]
    first = number(made[0])
    assert [number(c) for c in made] == list(range(first, first + 5))
    assert list_as(pic, ADMIN) == [(first, first + 4), (100, 100)]
    # a deleted canister leaves a gap; an empty (uninstalled) one stays listed
    pic.stop_canister(made[2])
    pic.delete_canister(made[2])
    pic.uninstall_canister(made[4])
    assert list_as(pic, ADMIN) == [(first, first + 1), (first + 3, first + 4), (100, 100)]
    pic.stop_canister(far)
    pic.delete_canister(far)
    assert list_as(pic, ADMIN) == [(first, first + 1), (first + 3, first + 4)]


@spec(SECTION)
def test_others_are_refused(pic):
    pic.create_canister()            # USER controls it: a controller is not an admin
    for sender in (USER, OTHER, b"\x04"):
        r = reject_of(pic.query_call, None, "list_canisters", NO_ARG, sender=sender)
        assert (r.reject_code, r.error_code) == (4, "IC0406")
        assert "only subnet admins may call list_canisters" in r.message
    pic.ic.set_subnet_admins([ADMIN, USER])
    assert len(list_as(pic, USER)) == 1
    assert reject_of(pic.query_call, None, "list_canisters", NO_ARG, sender=OTHER)
    # admins change: USER no longer is one
    pic.ic.set_subnet_admins([ADMIN])
    assert reject_of(pic.query_call, None, "list_canisters", NO_ARG, sender=USER)
    # admins of another subnet are not this subnet's
    pic.ic.set_subnet_admins([OTHER], subnet_id=bytes(29))
    assert reject_of(pic.query_call, None, "list_canisters", NO_ARG, sender=OTHER)


@spec(SECTION)
def test_not_by_replicated_calls(pic, uc):
    """Neither an ingress update call (refused at submission) nor a canister's
    replicated call, even from a subnet admin."""
    pic.ic.set_subnet_admins([USER, uc])
    r = reject_of(pic.update_call, None, "list_canisters", NO_ARG)
    assert r.reject_code == 4
    out = pic.universal_update(uc, update_call(
        b"", "list_canisters", arg=NO_ARG, on_reply=reply_data(b"replied"),
        on_reject=reply_data_append(i2b(reject_code)) >> reply_data(reject_msg)))
    assert out[:4] == (4).to_bytes(4, "little")
    assert b"can only be called by non-replicated (query) calls" in out[4:]


@spec("Query call")
def test_from_a_composite_query_of_an_admin_canister(pic, uc):
    """``management_canister_query``: ``Caller ∈ S.subnet_admins[S.canister_subnet[Caller]]``,
    the caller being the canister."""
    prog = update_call(b"", "list_canisters", arg=NO_ARG,
                       on_reply=reply_data_append(b"OK") >> reply_data(arg_data),
                       on_reject=reply_data_append(b"NO") >> reply_data(reject_msg))
    pic.ic.set_subnet_admins([USER])       # the user is, the canister is not
    out = pic.universal_composite_query(uc, prog)
    assert out.startswith(b"NO") and b"only subnet admins" in out
    pic.ic.set_subnet_admins([uc])
    out = pic.universal_composite_query(uc, prog)
    assert out.startswith(b"OK") and listed(out[2:]) == [(number(uc), number(uc))]


@spec(SECTION)
def test_each_subnet_lists_its_own_canisters_to_its_own_admins():
    """A PocketIC instance of an NNS and two application subnets: the query goes
    to the subnet named by its effective subnet id (or the canister id's subnet)."""
    pic = PocketIC(SubnetConfig(nns=True, application=2))
    apps = [p for p, k in pic.topology().items() if k == SubnetKind.APPLICATION]
    made = {p: [pic.create_canister(subnet=p) for _ in range(2)] for p in apps}
    for p in apps:
        pic.instance.subnet_by_id(p.bytes).ic.set_subnet_admins([ADMIN])
    for p in apps:
        ids = made[p]
        want = [(number(ids[0]), number(ids[1]))]
        assert list_as(pic, ADMIN, effective_principal=subnet_of(p)) == want
        # any principal of the subnet's ranges as the effective canister id
        assert list_as(pic, ADMIN, effective_principal=ids[1]) == want
    nns = next(p for p, k in pic.topology().items() if k == SubnetKind.NNS)
    r = reject_of(pic.query_call, None, "list_canisters", NO_ARG, sender=ADMIN,
                  effective_principal=subnet_of(nns))
    assert r.reject_code == 4


@spec(SECTION)
def test_over_http_at_the_subnet_query_endpoint(pic):
    """``/api/v3/subnet/<ESID>/query`` of a `pyic.http.server`; the anonymous principal
    (no signature needed) made an admin, then not."""
    from pyic.http import cbor
    from pyic.http.replica import Replica
    from pyic.http.server import Endpoints, make_server
    made = [pic.create_canister() for _ in range(3)]
    replica = Replica(ic=pic.ic)
    server = make_server(Endpoints(replica))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sid = Principal(subnet_id(pic.ic.state.seed)).to_text()

    def query() -> dict:
        content = {"request_type": "query", "sender": b"\x04", "canister_id": b"",
                   "method_name": "list_canisters", "arg": NO_ARG,
                   "ingress_expiry": time.time_ns() + 120 * 10**9}
        req = urllib.request.Request(
            f"http://127.0.0.1:{server.server_address[1]}/api/v3/subnet/{sid}/query",
            data=cbor.encode({"content": content}),
            headers={"Content-Type": "application/cbor"})
        with urllib.request.urlopen(req, timeout=30) as response:
            return cbor.decode(response.read())

    try:
        pic.ic.set_subnet_admins([b"\x04"])
        body = query()
        assert body["status"] == "replied", body
        assert listed(body["reply"]["arg"]) == [(number(made[0]), number(made[2]))]
        pic.ic.set_subnet_admins([ADMIN])
        body = query()
        assert body["status"] == "rejected" and body["reject_code"] == 4, body
        assert body["error_code"] == "IC0406"
    finally:
        server.shutdown()
        server.server_close()

