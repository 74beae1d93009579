"""The management canister's Candid interface (the parts pyic implements), and
decoding of its arguments.

The types follow the interface specification's ``ic.did`` (v0.66.0), written
out here for the methods pyic serves.
"""

from __future__ import annotations

from functools import lru_cache

from ...candid import Opt, Record, Variant, decode, encode, parse_did
from ...errors import CandidError

_DID = r"""
type canister_id = principal;
type snapshot_id = blob;
type visibility = variant { controllers; public; allowed_viewers : vec principal };
type environment_variable = record { name : text; value : text };
type canister_settings = record {
  controllers : opt vec principal;
  compute_allocation : opt nat;
  memory_allocation : opt nat;
  freezing_threshold : opt nat;
  reserved_cycles_limit : opt nat;
  minimum_incoming_canister_call_cycles : opt nat;
  log_visibility : opt visibility;
  snapshot_visibility : opt visibility;
  status_visibility : opt visibility;
  wasm_memory_limit : opt nat;
  wasm_memory_threshold : opt nat;
  environment_variables : opt vec environment_variable;
};
type definite_canister_settings = record {
  controllers : vec principal;
  compute_allocation : nat;
  memory_allocation : nat;
  freezing_threshold : nat;
  reserved_cycles_limit : nat;
  minimum_incoming_canister_call_cycles : nat;
  log_visibility : visibility;
  snapshot_visibility : visibility;
  status_visibility : visibility;
  wasm_memory_limit : nat;
  wasm_memory_threshold : nat;
  environment_variables : vec environment_variable;
};
type change_origin = variant {
  from_user : record { user_id : principal };
  from_canister : record { canister_id : principal; canister_version : opt nat64 };
};
type change_details = variant {
  creation : record { controllers : vec principal; environment_variables_hash : opt blob };
  code_uninstall;
  code_deployment : record { mode : variant { install; reinstall; upgrade }; module_hash : blob };
  load_snapshot : record {
    from_canister_id : opt principal;
    snapshot_id : snapshot_id;
    canister_version : nat64;
    taken_at_timestamp : nat64;
    source : variant { taken_from_canister : reserved; metadata_upload : reserved };
  };
  controllers_change : record { controllers : vec principal };
};
type change = record {
  timestamp_nanos : nat64;
  canister_version : nat64;
  origin : change_origin;
  details : change_details;
};
type chunk_hash = record { hash : blob };
type canister_install_mode = variant {
  install;
  reinstall;
  upgrade : opt record {
    skip_pre_upgrade : opt bool;
    wasm_memory_persistence : opt variant { keep; replace };
  };
};
type snapshot = record { id : snapshot_id; taken_at_timestamp : nat64; total_size : nat64 };
type snapshot_global = variant {
  i32 : int32; i64 : int64; f32 : float32; f64 : float64; v128 : nat
};
type snapshot_global_timer = opt variant { inactive; active : nat64 };
type snapshot_hook_status = opt variant { condition_not_satisfied; ready; executed };
type canister_log_record = record { idx : nat64; timestamp_nanos : nat64; content : blob };
type canister_id_range = record { start : canister_id; end : canister_id };
type ecdsa_curve = variant { secp256k1 };
type schnorr_algorithm = variant { bip340secp256k1; ed25519 };
type schnorr_aux = variant { bip341 : record { merkle_root_hash : blob } };
type ecdsa_public_key_args = record {
  canister_id : opt canister_id;
  derivation_path : vec blob;
  key_id : record { curve : ecdsa_curve; name : text };
};
type schnorr_public_key_args = record {
  canister_id : opt canister_id;
  derivation_path : vec blob;
  key_id : record { algorithm : schnorr_algorithm; name : text };
};
service ic : {
  create_canister : (record { settings : opt canister_settings;
                              sender_canister_version : opt nat64 })
    -> (record { canister_id : canister_id });
  update_settings : (record { canister_id : canister_id; settings : canister_settings;
                              sender_canister_version : opt nat64 }) -> ();
  upload_chunk : (record { canister_id : canister_id; chunk : blob }) -> (chunk_hash);
  clear_chunk_store : (record { canister_id : canister_id }) -> ();
  stored_chunks : (record { canister_id : canister_id }) -> (vec chunk_hash);
  install_code : (record { mode : canister_install_mode; canister_id : canister_id;
                           wasm_module : blob; arg : blob;
                           sender_canister_version : opt nat64 }) -> ();
  install_chunked_code : (record { mode : canister_install_mode; target_canister : canister_id;
                                   store_canister : opt canister_id;
                                   chunk_hashes_list : vec chunk_hash;
                                   wasm_module_hash : blob; arg : blob;
                                   sender_canister_version : opt nat64 }) -> ();
  uninstall_code : (record { canister_id : canister_id;
                             sender_canister_version : opt nat64 }) -> ();
  start_canister : (record { canister_id : canister_id }) -> ();
  stop_canister : (record { canister_id : canister_id }) -> ();
  canister_status : (record { canister_id : canister_id }) -> (record {
    status : variant { running; stopping; stopped };
    ready_for_migration : bool;
    version : nat64;
    settings : definite_canister_settings;
    module_hash : opt blob;
    memory_size : nat;
    memory_metrics : record {
      wasm_memory_size : nat; stable_memory_size : nat; global_memory_size : nat;
      wasm_binary_size : nat; custom_sections_size : nat; canister_history_size : nat;
      wasm_chunk_store_size : nat; snapshots_size : nat;
    };
    cycles : nat;
    reserved_cycles : nat;
    idle_cycles_burned_per_day : nat;
    query_stats : record {
      num_calls_total : nat; num_instructions_total : nat;
      request_payload_bytes_total : nat; response_payload_bytes_total : nat;
    };
  }) query;
  canister_info : (record { canister_id : canister_id; num_requested_changes : opt nat64 })
    -> (record { total_num_changes : nat64; recent_changes : vec change; module_hash : opt blob;
                 controllers : vec principal });
  canister_metadata : (record { canister_id : canister_id; name : text })
    -> (record { value : blob });
  delete_canister : (record { canister_id : canister_id }) -> ();
  deposit_cycles : (record { canister_id : canister_id }) -> ();
  raw_rand : () -> (blob);
  provisional_create_canister_with_cycles : (record {
      amount : opt nat; settings : opt canister_settings;
      specified_id : opt canister_id; sender_canister_version : opt nat64 })
    -> (record { canister_id : canister_id });
  provisional_top_up_canister : (record { canister_id : canister_id; amount : nat }) -> ();
  take_canister_snapshot : (record { canister_id : canister_id;
                                     replace_snapshot : opt snapshot_id;
                                     uninstall_code : opt bool;
                                     sender_canister_version : opt nat64 })
    -> (snapshot);
  load_canister_snapshot : (record { canister_id : canister_id; snapshot_id : snapshot_id;
                                     sender_canister_version : opt nat64 }) -> ();
  list_canister_snapshots : (record { canister_id : canister_id }) -> (vec snapshot);
  delete_canister_snapshot : (record { canister_id : canister_id; snapshot_id : snapshot_id })
    -> ();
  read_canister_snapshot_metadata : (record { canister_id : canister_id;
                                              snapshot_id : snapshot_id })
    -> (record {
      source : variant { taken_from_canister : reserved; metadata_upload : reserved };
      taken_at_timestamp : nat64; wasm_module_size : nat64; globals : vec snapshot_global;
      wasm_memory_size : nat64; stable_memory_size : nat64;
      wasm_chunk_store : vec record { hash : blob }; canister_version : nat64;
      certified_data : blob; global_timer : snapshot_global_timer;
      on_low_wasm_memory_hook_status : snapshot_hook_status;
    });
  read_canister_snapshot_data : (record { canister_id : canister_id; snapshot_id : snapshot_id;
    kind : variant {
      wasm_module : record { offset : nat64; size : nat64 };
      wasm_memory : record { offset : nat64; size : nat64 };
      stable_memory : record { offset : nat64; size : nat64 };
      wasm_chunk : record { hash : blob };
    } }) -> (record { chunk : blob });
  upload_canister_snapshot_metadata : (record { canister_id : canister_id;
      replace_snapshot : opt snapshot_id; wasm_module_size : nat64;
      globals : vec snapshot_global; wasm_memory_size : nat64; stable_memory_size : nat64;
      certified_data : blob; global_timer : snapshot_global_timer;
      on_low_wasm_memory_hook_status : snapshot_hook_status })
    -> (record { snapshot_id : snapshot_id });
  upload_canister_snapshot_data : (record { canister_id : canister_id; snapshot_id : snapshot_id;
    kind : variant {
      wasm_module : record { offset : nat64 };
      wasm_memory : record { offset : nat64 };
      stable_memory : record { offset : nat64 };
      wasm_chunk;
    };
    chunk : blob }) -> ();
  fetch_canister_logs : (record { canister_id : canister_id }) -> (record {
    canister_log_records : vec canister_log_record }) query;
  list_canisters : () -> (record { canisters : vec canister_id_range }) query;
  canister_metrics : (record { canister_id : canister_id }) -> (record {
    cycles_consumed : record {
      memory : nat; compute_allocation : nat; ingress_induction : nat; instructions : nat;
      request_and_response_transmission : nat; uninstall : nat; canister_creation : nat;
      http_outcalls : nat; burned_cycles : nat;
    } }) query;
  subnet_info : (record { subnet_id : principal })
    -> (record { replica_version : text; registry_version : nat64 });
  node_metrics_history : (record { subnet_id : principal; start_at_timestamp_nanos : nat64 })
    -> (vec record { timestamp_nanos : nat64; node_metrics : vec record {
          node_id : principal; num_blocks_proposed_total : nat64;
          num_block_failures_total : nat64 } });
  ecdsa_public_key : (ecdsa_public_key_args) -> (record { public_key : blob; chain_code : blob });
  sign_with_ecdsa : (record { message_hash : blob; derivation_path : vec blob;
                              key_id : record { curve : ecdsa_curve; name : text } })
    -> (record { signature : blob });
  schnorr_public_key : (schnorr_public_key_args)
    -> (record { public_key : blob; chain_code : blob });
  sign_with_schnorr : (record { message : blob; derivation_path : vec blob;
                                key_id : record { algorithm : schnorr_algorithm; name : text };
                                aux : opt schnorr_aux }) -> (record { signature : blob });
}
"""


@lru_cache(maxsize=1)
def interface():
    """The parsed interface: the `DidFile` of the management canister."""
    return parse_did(_DID, source="management-canister.did")


def method_types(method: str):
    """(argument types, result types) of a management method, or ``None``."""
    try:
        f = interface().method(method)
    except CandidError:
        return None
    return f.args, f.results


def decode_args(method: str, arg: bytes):
    """The decoded argument record (or ``None`` for ``()``); `CandidError` if it
    does not decode at the method's argument types."""
    types = method_types(method)
    if types is None:
        raise CandidError(f"unknown management method {method}")
    values = decode(arg, types[0], interface().env)
    return values[0] if values else None


def encode_result(method: str, *values) -> bytes:
    types = method_types(method)
    return encode(values, types[1], interface().env)


def field(record: Record, name: str, default=None):
    """A record field, ``Opt`` unwrapped; ``default`` when absent or null."""
    try:
        v = record[name]
    except (KeyError, CandidError):
        return default
    if isinstance(v, Opt):
        return v.value
    return default if v is None else v


def principal_bytes(p) -> bytes:
    return bytes(p.bytes) if hasattr(p, "bytes") else bytes(p)


def sender_canister_version(arg: bytes) -> int | None:
    """``sender_canister_version`` in a management call's argument, if given."""
    try:
        values = decode(arg)
    except CandidError:
        return None
    if not values or not isinstance(values[0], Record):
        return None
    return field(values[0], "sender_canister_version")


def effective_canister_id(method: str, arg: bytes) -> bytes:
    """The effective canister id of an ingress message to the management canister."""
    try:
        values = decode(arg)
    except CandidError:
        return b""
    if not values or not isinstance(values[0], Record):
        return b""
    name = "target_canister" if method == "install_chunked_code" else "canister_id"
    p = field(values[0], name)
    return principal_bytes(p) if p is not None else b""


__all__ = ["interface", "method_types", "decode_args", "encode_result", "field",
           "sender_canister_version", "effective_canister_id", "Opt", "Record", "Variant"]
