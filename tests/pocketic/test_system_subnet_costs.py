"""The cost schedule of PocketIC's subnets: system subnets (NNS, II, Bitcoin,
System) execute for free, application subnets charge.

On mainnet the NNS ledger installs its archive canisters without attaching
cycles (pocketic-py's ledger example, ``test_get_transactions``, needs this):
a canister with 0 cycles on a system subnet can be installed, called, and can
create and install another canister, while the same is refused for lack of
cycles on an application subnet.
"""

from __future__ import annotations

import pytest

from pyic.candid import Principal, Record, Variant, decode, encode
from pyic.ic.management.args import interface, method_types
from pyic.pocketic.errors import CallRejected
from pyic.pocketic.topology import SubnetKind
from pyic.testing import PocketIC, SubnetConfig, to_python
from pyic.universal import (
    arg_data, bytes_, i2b, reject_code, reject_msg, reply_data, reply_data_append,
    universal_canister_wasm, update_call,
)

UNIVERSAL_WASM = universal_canister_wasm()


def encoded(method: str, **fields) -> bytes:
    return encode((Record.of(**fields),), method_types(method)[0], interface().env)


def via_canister(pic, caller, method: str, argument: bytes):
    """Call aaaaa-aa from canister ``caller``, attaching no cycles: the decoded reply,
    or ``(reject code, message)``."""
    out = pic.universal_update(caller, update_call(
        b"", method, arg=argument,
        on_reply=reply_data_append(bytes_(b"OK")) >> reply_data(arg_data),
        on_reject=reply_data_append(bytes_(b"NO")) >> reply_data_append(i2b(reject_code))
        >> reply_data(reject_msg)))
    if out.startswith(b"OK"):
        values = decode(out[2:], method_types(method)[1], interface().env)
        return to_python(values[0]) if values else None
    assert out.startswith(b"NO")
    return int.from_bytes(out[2:6], "little"), out[6:].decode()


@pytest.fixture(scope="module")
def pic():
    return PocketIC(SubnetConfig(nns=True, system=1, application=1))


def subnet_of_kind(pic, kind: SubnetKind):
    return next(k for k, v in pic.topology().items() if v == kind)


@pytest.mark.parametrize("kind", [SubnetKind.NNS, SubnetKind.SYSTEM])
def test_system_subnet_canister_without_cycles_installs_calls_and_creates(pic, kind):
    parent = pic.create_canister(subnet=subnet_of_kind(pic, kind), cycles=0)
    pic.install_code(parent, UNIVERSAL_WASM, b"")
    assert pic.universal_update(parent, reply_data(bytes_(b"hi"))) == b"hi"
    assert pic.universal_query(parent, reply_data(bytes_(b"q"))) == b"q"

    # As the ledger does with its archive: create a canister and install it, no cycles.
    created = via_canister(pic, parent, "create_canister", encoded("create_canister"))
    child = created["canister_id"]
    assert isinstance(child, Principal)
    assert pic.get_subnet(child) == pic.get_subnet(parent)
    assert via_canister(pic, parent, "install_code", encoded(
        "install_code", mode=Variant.of("install"), canister_id=child,
        wasm_module=UNIVERSAL_WASM, arg=b"")) is None
    assert pic.universal_update(child, reply_data(bytes_(b"archive"))) == b"archive"

    # Time passing burns nothing and uninstalls nothing: a balance of 0 is enough.
    pic.advance_time(30 * 24 * 3600 * 10**9)
    pic.tick()
    assert pic.universal_update(child, reply_data(bytes_(b"still"))) == b"still"
    assert pic.get_cycles_balance(parent) == pic.get_cycles_balance(child) == 0


def test_application_subnet_canister_without_cycles_is_refused(pic):
    app = subnet_of_kind(pic, SubnetKind.APPLICATION)
    empty = pic.create_canister(subnet=app, cycles=0)
    with pytest.raises(CallRejected) as info:
        pic.install_code(empty, UNIVERSAL_WASM, b"")
    assert info.value.error_code == "IC0207"     # out of cycles

    funded = pic.create_canister(subnet=app)
    pic.install_code(funded, UNIVERSAL_WASM, b"")
    before = pic.get_cycles_balance(funded)
    assert pic.universal_update(funded, reply_data(bytes_(b"hi"))) == b"hi"
    assert pic.get_cycles_balance(funded) < before   # execution is charged
    code, message = via_canister(pic, funded, "create_canister", encoded("create_canister"))
    assert code == 4 and "Creating a canister requires" in message
