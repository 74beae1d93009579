"""Message data, caller, responding and ingress inspection (interface spec,
"Method arguments", "Responding", "Ingress message inspection"; pseudo-code
in "System imports")."""

from __future__ import annotations

from ...errors import Trap
from ..canister import CANISTER_REJECT, RejectResponse, Reply
from . import ic0
from .state import copy_from_canister, copy_to_canister

ARG_CONTEXTS = "I U RQ NRQ TQ CQ Ry CRy F"
CALLER_INFO_CONTEXTS = "U RQ NRQ CQ Ry Rt CRy CRt C CC F"
RESPOND_CONTEXTS = "U RQ NRQ TQ CQ Ry Rt CRy CRt"
MAX_REPLY_REPLICATED = 2 * 1024 * 1024
MAX_REPLY_NON_REPLICATED = 3 * 1024 * 1024


def _arg(es) -> bytes:
    return es.params.arg if es.params.arg is not None else b""


@ic0("msg_arg_data_size", "() -> I", ARG_CONTEXTS)
def msg_arg_data_size(es):
    return len(_arg(es))


@ic0("msg_arg_data_copy", "(I, I, I) -> ()", ARG_CONTEXTS, bytes_charged=2)
def msg_arg_data_copy(es, dst, offset, size):
    copy_to_canister(es, dst, offset, size, _arg(es), "msg_arg_data_copy")


@ic0("msg_caller_size", "() -> I", "*")
def msg_caller_size(es):
    return len(es.params.caller)


@ic0("msg_caller_copy", "(I, I, I) -> ()", "*", bytes_charged=2)
def msg_caller_copy(es, dst, offset, size):
    copy_to_canister(es, dst, offset, size, es.params.caller, "msg_caller_copy")


@ic0("msg_caller_info_data_size", "() -> I", CALLER_INFO_CONTEXTS)
def msg_caller_info_data_size(es):
    return len(es.params.caller_info_data)


@ic0("msg_caller_info_data_copy", "(I, I, I) -> ()", CALLER_INFO_CONTEXTS, bytes_charged=2)
def msg_caller_info_data_copy(es, dst, offset, size):
    copy_to_canister(es, dst, offset, size, es.params.caller_info_data,
                     "msg_caller_info_data_copy")


@ic0("msg_caller_info_signer_size", "() -> I", CALLER_INFO_CONTEXTS)
def msg_caller_info_signer_size(es):
    return len(es.params.caller_info_signer)


@ic0("msg_caller_info_signer_copy", "(I, I, I) -> ()", CALLER_INFO_CONTEXTS, bytes_charged=2)
def msg_caller_info_signer_copy(es, dst, offset, size):
    copy_to_canister(es, dst, offset, size, es.params.caller_info_signer,
                     "msg_caller_info_signer_copy")


@ic0("msg_reject_code", "() -> i32", "Ry Rt CRy CRt C")
def msg_reject_code(es):
    return es.params.reject_code


def _reject_msg(es) -> bytes:
    return es.params.reject_message.encode("utf-8")


@ic0("msg_reject_msg_size", "() -> I", "Rt CRt")
def msg_reject_msg_size(es):
    return len(_reject_msg(es))


@ic0("msg_reject_msg_copy", "(I, I, I) -> ()", "Rt CRt", bytes_charged=2)
def msg_reject_msg_copy(es, dst, offset, size):
    copy_to_canister(es, dst, offset, size, _reject_msg(es), "msg_reject_msg_copy")


@ic0("msg_deadline", "() -> i64", "U Q CQ Ry Rt CRy CRt")
def msg_deadline(es):
    return es.params.deadline if es.params.deadline is not None else 0


def _not_responded(es, name: str) -> None:
    if es.response is not None:
        raise Trap(f"ic0.{name}: the call has already been replied to or rejected")


def _max_reply(es) -> int:
    return MAX_REPLY_NON_REPLICATED if es.context in ("NRQ", "CQ", "CRy", "CRt", "TQ") \
        else MAX_REPLY_REPLICATED


@ic0("msg_reply_data_append", "(I, I) -> ()", RESPOND_CONTEXTS, bytes_charged=1, byte_factor=50)
def msg_reply_data_append(es, src, size):
    _not_responded(es, "msg_reply_data_append")
    data = copy_from_canister(es, src, size, "msg_reply_data_append")
    if len(es.reply_arg) + len(data) > _max_reply(es):
        raise Trap(f"ic0.msg_reply_data_append: application payload size "
                   f"({len(es.reply_arg) + len(data)}) cannot be larger than {_max_reply(es)}")
    es.reply_arg += data


@ic0("msg_reply", "() -> ()", RESPOND_CONTEXTS)
def msg_reply(es):
    _not_responded(es, "msg_reply")
    es.response = Reply(bytes(es.reply_arg))
    es.cycles_available = 0


@ic0("msg_reject", "(I, I) -> ()", RESPOND_CONTEXTS, bytes_charged=1, byte_factor=50)
def msg_reject(es, src, size):
    _not_responded(es, "msg_reject")
    data = copy_from_canister(es, src, size, "msg_reject")
    if len(data) > _max_reply(es):
        raise Trap(f"ic0.msg_reject: the reject message ({len(data)} bytes) is too large")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Trap("ic0.msg_reject: the reject message is not valid UTF-8") from None
    es.response = RejectResponse(CANISTER_REJECT, text)
    es.cycles_available = 0


# ------------------------------------------------------------------ ingress inspection


def _method_name(es) -> bytes:
    return (es.params.method_name or "").encode("utf-8")


@ic0("msg_method_name_size", "() -> I", "F")
def msg_method_name_size(es):
    return len(_method_name(es))


@ic0("msg_method_name_copy", "(I, I, I) -> ()", "F", bytes_charged=2)
def msg_method_name_copy(es, dst, offset, size):
    copy_to_canister(es, dst, offset, size, _method_name(es), "msg_method_name_copy")


@ic0("accept_message", "() -> ()", "F")
def accept_message(es):
    if es.ingress_accepted:
        raise Trap("ic0.accept_message: the message was already accepted")
    es.ingress_accepted = True
