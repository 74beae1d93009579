"""Self-identification, status, version, time, timer, certified data,
performance counter, controller and replication checks, environment
variables (interface spec, sections of the same names; pseudo-code in
"System imports")."""

from __future__ import annotations

from ...errors import Trap
from . import REPLICATED, ic0
from .state import copy_from_canister, copy_to_canister

STATUS_CODES = {"running": 1, "stopping": 2, "stopped": 3}
MAX_PRINCIPAL_BYTES = 29
MAX_ENV_VAR_NAME_LENGTH = 128


@ic0("canister_self_size", "() -> I", "*")
def canister_self_size(es):
    return len(es.self_id)


@ic0("canister_self_copy", "(I, I, I) -> ()", "*", bytes_charged=2)
def canister_self_copy(es, dst, offset, size):
    copy_to_canister(es, dst, offset, size, es.self_id, "canister_self_copy")


@ic0("subnet_self_size", "() -> I", "*")
def subnet_self_size(es):
    return len(es.params.sysenv.subnet_id)


@ic0("subnet_self_copy", "(I, I, I) -> ()", "*", bytes_charged=2)
def subnet_self_copy(es, dst, offset, size):
    copy_to_canister(es, dst, offset, size, es.params.sysenv.subnet_id, "subnet_self_copy")


@ic0("canister_status", "() -> i32", "*")
def canister_status(es):
    return STATUS_CODES.get(es.params.sysenv.status, 1)


@ic0("canister_version", "() -> i64", "*")
def canister_version(es):
    return es.params.sysenv.canister_version


@ic0("time", "() -> i64", "*")
def time(es):
    return es.params.sysenv.time


@ic0("global_timer_set", "(i64) -> i64", "I G U Ry Rt C T")
def global_timer_set(es, timestamp):
    prev = es.new_global_timer
    es.new_global_timer = timestamp
    return es.params.sysenv.global_timer if prev is None else prev


@ic0("performance_counter", "(i32) -> i64", "* s", overhead=200)
def performance_counter(es, counter_type):
    # Type 0: this execution so far, this call's fee included (limits-and-costs.md §6.4).
    if counter_type == 0:
        return es.meter.count
    # Type 1: the call context's earlier executions (as the rules count them) and this one.
    if counter_type == 1:
        return es.params.sysenv.context_instructions + es.meter.count
    raise Trap(f"ic0.performance_counter: unknown counter type {counter_type}")


@ic0("is_controller", "(I, I) -> i32", "* s", overhead=1_000, bytes_charged=1)
def is_controller(es, src, size):
    data = copy_from_canister(es, src, size, "is_controller")
    if len(data) > MAX_PRINCIPAL_BYTES:
        raise Trap(f"ic0.is_controller: {len(data)} bytes do not encode a principal")
    return 1 if data in es.params.sysenv.controllers else 0


@ic0("in_replicated_execution", "() -> i32", "* s")
def in_replicated_execution(es):
    if es.context == "Q":  # a query whose mode is unknown: non-replicated iff certified
        return 0 if es.params.sysenv.certificate is not None else 1
    return 1 if es.context in REPLICATED else 0


ROOT_KEY_CONTEXTS = "I G U RQ Ry Rt C T"


@ic0("root_key_size", "() -> I", ROOT_KEY_CONTEXTS)
def root_key_size(es):
    """``|root_key|``: the spec's ``<implementation-specific>`` key is ``S.root_key``, the
    DER key this IC's certificates verify with (`pyic.ic.certification`)."""
    return len(es.params.sysenv.root_key)


@ic0("root_key_copy", "(I, I, I) -> ()", ROOT_KEY_CONTEXTS, bytes_charged=2)
def root_key_copy(es, dst, offset, size):
    copy_to_canister(es, dst, offset, size, es.params.sysenv.root_key, "root_key_copy")


# ------------------------------------------------------------------ certified data


@ic0("certified_data_set", "(I, I) -> ()", "I G U Ry Rt T", bytes_charged=1)
def certified_data_set(es, src, size):
    if size > es.cfg.max_certified_data:
        raise Trap(f"ic0.certified_data_set: {size} bytes are more than "
                   f"{es.cfg.max_certified_data}")
    es.new_certified_data = copy_from_canister(es, src, size, "certified_data_set")


@ic0("data_certificate_present", "() -> i32", "*")
def data_certificate_present(es):
    return 0 if es.params.sysenv.certificate is None else 1


def _certificate(es, name: str) -> bytes:
    cert = es.params.sysenv.certificate
    if cert is None:
        raise Trap(f"ic0.{name}: no data certificate is available")
    return cert


@ic0("data_certificate_size", "() -> I", "NRQ CQ")
def data_certificate_size(es):
    return len(_certificate(es, "data_certificate_size"))


@ic0("data_certificate_copy", "(I, I, I) -> ()", "NRQ CQ", bytes_charged=2)
def data_certificate_copy(es, dst, offset, size):
    copy_to_canister(es, dst, offset, size, _certificate(es, "data_certificate_copy"),
                     "data_certificate_copy")


# ------------------------------------------------------------------ environment variables


def _env_vars(es) -> dict:
    pairs = getattr(es.params.sysenv, "environment_variables", ()) or ()
    return {str(k): str(v) for k, v in pairs}


def _sorted_keys(es) -> list:
    """``get_sorted_env_keys``."""
    return sorted(_env_vars(es))


def _index(es, index: int, name: str) -> str:
    keys = _sorted_keys(es)
    if index >= len(keys):
        raise Trap(f"ic0.{name}: index {index} is out of range ({len(keys)} variables)")
    return keys[index]


def _name_arg(es, src: int, size: int, name: str) -> str:
    if size > MAX_ENV_VAR_NAME_LENGTH:
        raise Trap(f"ic0.{name}: the name is longer than {MAX_ENV_VAR_NAME_LENGTH} bytes")
    data = copy_from_canister(es, src, size, name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Trap(f"ic0.{name}: the name is not valid UTF-8") from None


def _value(es, src: int, size: int, name: str) -> bytes:
    key = _name_arg(es, src, size, name)
    value = _env_vars(es).get(key)
    if value is None:
        raise Trap(f"ic0.{name}: no environment variable named {key!r}")
    return value.encode("utf-8")


@ic0("env_var_count", "() -> I", "*")
def env_var_count(es):
    return len(_env_vars(es))


@ic0("env_var_name_size", "(I) -> I", "*")
def env_var_name_size(es, index):
    return len(_index(es, index, "env_var_name_size").encode("utf-8"))


@ic0("env_var_name_copy", "(I, I, I, I) -> ()", "*", bytes_charged=3)
def env_var_name_copy(es, index, dst, offset, size):
    name = _index(es, index, "env_var_name_copy").encode("utf-8")
    copy_to_canister(es, dst, offset, size, name, "env_var_name_copy")


@ic0("env_var_name_exists", "(I, I) -> i32", "*")
def env_var_name_exists(es, src, size):
    return 1 if _name_arg(es, src, size, "env_var_name_exists") in _env_vars(es) else 0


@ic0("env_var_value_size", "(I, I) -> I", "*")
def env_var_value_size(es, src, size):
    return len(_value(es, src, size, "env_var_value_size"))


@ic0("env_var_value_copy", "(I, I, I, I, I) -> ()", "*", bytes_charged=4)
def env_var_value_copy(es, name_src, name_size, dst, offset, size):
    value = _value(es, name_src, name_size, "env_var_value_copy")
    copy_to_canister(es, dst, offset, size, value, "env_var_value_copy")
