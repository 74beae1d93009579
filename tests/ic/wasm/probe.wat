;; A small canister exercising the ic0 System API, for tests/ic/wasm.
;; Memory layout: [0, 1024) scratch for arguments, [1024, 1040) 128-bit values,
;; [2048, ...) constant strings.
(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reject" (func $reject (param i32 i32)))
  (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
  (import "ic0" "msg_reject_msg_size" (func $reject_msg_size (result i32)))
  (import "ic0" "msg_reject_msg_copy" (func $reject_msg_copy (param i32 i32 i32)))
  (import "ic0" "msg_method_name_size" (func $method_size (result i32)))
  (import "ic0" "msg_method_name_copy" (func $method_copy (param i32 i32 i32)))
  (import "ic0" "accept_message" (func $accept_message))
  (import "ic0" "canister_self_size" (func $self_size (result i32)))
  (import "ic0" "canister_self_copy" (func $self_copy (param i32 i32 i32)))
  (import "ic0" "canister_cycle_balance128" (func $balance128 (param i32)))
  (import "ic0" "msg_cycles_available128" (func $available128 (param i32)))
  (import "ic0" "msg_cycles_accept128" (func $accept128 (param i64 i64 i32)))
  (import "ic0" "msg_cycles_refunded128" (func $refunded128 (param i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
  (import "ic0" "call_on_cleanup" (func $call_on_cleanup (param i32 i32)))
  (import "ic0" "call_cycles_add128" (func $call_cycles_add128 (param i64 i64)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (import "ic0" "stable64_size" (func $stable_size (result i64)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))
  (import "ic0" "stable_size" (func $stable32_size (result i32)))
  (import "ic0" "certified_data_set" (func $certified_data_set (param i32 i32)))
  (import "ic0" "global_timer_set" (func $global_timer_set (param i64) (result i64)))
  (import "ic0" "time" (func $time (result i64)))
  (import "ic0" "performance_counter" (func $performance_counter (param i32) (result i64)))
  (import "ic0" "in_replicated_execution" (func $in_replicated (result i32)))
  (import "ic0" "is_controller" (func $is_controller (param i32 i32) (result i32)))
  (import "ic0" "canister_version" (func $canister_version (result i64)))
  (import "ic0" "debug_print" (func $debug_print (param i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))

  (memory 1)
  (global $counter (mut i32) (i32.const 0))
  (global $started (mut i32) (i32.const 0))
  (table 4 funcref)
  (elem (i32.const 0) $on_reply $on_reject $on_cleanup $not_a_callback)
  (data (i32.const 2048) "ping")          ;; 2048, 4 bytes
  (data (i32.const 2056) "echo")          ;; 2056, 4 bytes
  (data (i32.const 2064) "boom")          ;; 2064, 4 bytes
  (data (i32.const 2072) "blocked")       ;; 2072, 7 bytes
  (data (i32.const 2080) "hello log")     ;; 2080, 9 bytes
  (data (i32.const 2096) "boom_reply")    ;; 2096, 10 bytes

  ;; (start): runs on every instantiation; only stable memory and a few calls are allowed
  (func $start
    (drop (call $stable_size))
    (global.set $started (i32.add (global.get $started) (i32.const 1))))
  (start $start)

  (func $read_arg (result i32)
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (call $arg_size))

  (func $reply_i32 (param $v i32)
    (i32.store (i32.const 1024) (local.get $v))
    (call $append (i32.const 1024) (i32.const 4))
    (call $reply))

  (func $reply_i64 (param $v i64)
    (i64.store (i32.const 1024) (local.get $v))
    (call $append (i32.const 1024) (i32.const 8))
    (call $reply))

  (func $reply_counter (call $reply_i32 (global.get $counter)))

  ;; init: the counter starts at the first byte of the argument (if any)
  (func (export "canister_init")
    (if (call $arg_size)
      (then (drop (call $read_arg))
            (global.set $counter (i32.load8_u (i32.const 0))))))

  (func (export "canister_pre_upgrade")
    (drop (call $stable_grow (i64.const 1)))
    (i32.store (i32.const 1024) (global.get $counter))
    (call $stable_write (i64.const 0) (i64.const 1024) (i64.const 4)))

  (func (export "canister_post_upgrade")
    (call $stable_read (i64.const 1024) (i64.const 0) (i64.const 4))
    (global.set $counter (i32.add (i32.load (i32.const 1024)) (i32.const 1000))))

  (func (export "canister_inspect_message")
    ;; refuse the method "blocked", accept the others
    (call $method_copy (i32.const 0) (i32.const 0) (call $method_size))
    (if (i32.and (i32.eq (call $method_size) (i32.const 7))
                 (i64.eq (i64.load (i32.const 0)) (i64.load (i32.const 2072))))
      (then (return)))
    (call $accept_message))

  (func (export "canister_update echo")
    (call $append (i32.const 0) (call $read_arg))
    (call $reply))

  (func (export "canister_query echo_q")
    (call $append (i32.const 0) (call $read_arg))
    (call $reply))

  (func (export "canister_update inc")
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (call $reply_counter))

  (func (export "canister_query get") (call $reply_counter))

  (func (export "canister_query started") (call $reply_i32 (global.get $started)))

  ;; changes made by a query are discarded
  (func (export "canister_query peek_inc")
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.store (i32.const 4000) (i32.const 77))
    (call $reply_counter))

  (func (export "canister_query memory_word") (call $reply_i32 (i32.load (i32.const 4000))))

  (func (export "canister_update write_then_trap")
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.store (i32.const 4000) (i32.const 99))
    (drop (call $stable_grow (i64.const 1)))
    (call $trap (i32.const 2064) (i32.const 4)))

  (func (export "canister_update unreachable") unreachable)

  (func (export "canister_update reply_twice")
    (call $reply)
    (call $reply))

  (func (export "canister_update no_reply"))

  (func (export "canister_update reject")
    (call $reject (i32.const 0) (call $read_arg)))

  ;; a query calling an import that only updates may call
  (func (export "canister_query timer_in_query")
    (drop (call $global_timer_set (i64.const 1)))
    (call $reply))

  (func (export "canister_query accept_in_query")
    (call $accept_message)
    (call $reply))

  (func (export "canister_update caller")
    (call $caller_copy (i32.const 0) (i32.const 0) (call $caller_size))
    (call $append (i32.const 0) (call $caller_size))
    (call $reply))

  (func (export "canister_query self")
    (call $self_copy (i32.const 0) (i32.const 0) (call $self_size))
    (call $append (i32.const 0) (call $self_size))
    (call $reply))

  ;; copy beyond the argument: traps
  (func (export "canister_update bad_copy")
    (call $arg_copy (i32.const 0) (i32.const 1) (call $arg_size))
    (call $reply))

  ;; copy beyond the memory: traps
  (func (export "canister_update bad_heap")
    (call $append (i32.const 65530) (i32.const 10))
    (call $reply))

  (func (export "canister_update stable_put")
    (local $n i32)
    (local.set $n (call $read_arg))
    (if (i64.eqz (call $stable_size)) (then (drop (call $stable_grow (i64.const 1)))))
    (call $stable_write (i64.const 0) (i64.const 0) (i64.extend_i32_u (local.get $n)))
    (call $reply_i64 (call $stable_size)))

  (func (export "canister_query stable_get")
    (call $stable_read (i64.const 0) (i64.const 0) (i64.const 4))
    (call $append (i32.const 0) (i32.const 4))
    (call $reply))

  (func (export "canister_query stable_oob")
    (call $stable_read (i64.const 0) (i64.const 65534) (i64.const 4))
    (call $reply))

  (func (export "canister_query stable32_size") (call $reply_i32 (call $stable32_size)))

  (func (export "canister_update grow_memory")
    (call $reply_i32 (memory.grow (i32.const 3))))

  (func (export "canister_query memory_pages") (call $reply_i32 (memory.size)))

  (func (export "canister_update loop_forever") (loop $l (br $l)))

  (func (export "canister_query perf")
    (call $reply_i64 (call $performance_counter (i32.const 0))))

  (func (export "canister_query perf_bad")
    (drop (call $performance_counter (i32.const 7)))
    (call $reply))

  (func (export "canister_query time") (call $reply_i64 (call $time)))
  (func (export "canister_update replicated") (call $reply_i32 (call $in_replicated)))
  (func (export "canister_query version") (call $reply_i64 (call $canister_version)))

  (func (export "canister_update is_controller")
    (call $reply_i32 (call $is_controller (i32.const 0) (call $read_arg))))

  (func (export "canister_update set_certified")
    (call $certified_data_set (i32.const 0) (call $read_arg))
    (call $reply))

  (func (export "canister_update set_timer")
    (call $reply_i64 (call $global_timer_set (i64.const 12345))))

  (func (export "canister_update log")
    (call $debug_print (i32.const 2080) (i32.const 9))
    (call $reply))

  (func (export "canister_update balance")
    (call $balance128 (i32.const 1024))
    (call $append (i32.const 1024) (i32.const 16))
    (call $reply))

  (func (export "canister_update accept_half")
    (call $available128 (i32.const 1024))
    (call $accept128 (i64.const 0) (i64.shr_u (i64.load (i32.const 1024)) (i64.const 1))
                     (i32.const 1024))
    (call $append (i32.const 1024) (i32.const 16))
    (call $reply))

  ;; forward: the argument is a canister id; call its "echo" with "ping" (and cycles:
  ;; the counter's value) and reply with what it answers, prefixed by the reject code
  (func $forward (param $method i32) (param $method_len i32)
    (local $n i32)
    (local.set $n (call $read_arg))
    (call $call_new (i32.const 0) (local.get $n) (local.get $method) (local.get $method_len)
                    (i32.const 0) (i32.const 11) (i32.const 1) (i32.const 22))
    (call $call_data_append (i32.const 2048) (i32.const 4))
    (call $call_on_cleanup (i32.const 2) (i32.const 33))
    (call $call_cycles_add128 (i64.const 0) (i64.extend_i32_u (global.get $counter)))
    (if (call $call_perform) (then (unreachable))))

  (func (export "canister_update forward") (call $forward (i32.const 2056) (i32.const 4)))
  (func (export "canister_update forward_boom") (call $forward (i32.const 2064) (i32.const 4)))
  ;; the callee replies, but our reply callback then traps: the cleanup runs
  (func (export "canister_update forward_reply_trap")
    (call $forward (i32.const 2096) (i32.const 10)))

  (func (export "canister_update boom_reply")
    (call $append (i32.const 2096) (i32.const 10))
    (call $reply))

  (func (export "canister_update call_bad_callback")
    (local $n i32)
    (local.set $n (call $read_arg))
    (call $call_new (i32.const 0) (local.get $n) (i32.const 2056) (i32.const 4)
                    (i32.const 3) (i32.const 0) (i32.const 3) (i32.const 0))
    (drop (call $call_perform)))

  (func (export "canister_update data_append_without_call")
    (call $call_data_append (i32.const 2048) (i32.const 4)))

  (func (export "canister_update boom")
    (call $trap (i32.const 2064) (i32.const 4)))

  (func $on_reply (param $env i32)
    ;; trap when the reply is "boom_reply" (the callee's method of that name)
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (if (i32.eq (call $arg_size) (i32.const 10)) (then (unreachable)))
    (call $refunded128 (i32.const 1024))
    (i32.store8 (i32.const 512) (local.get $env))
    (call $append (i32.const 512) (i32.const 1))
    (call $append (i32.const 0) (call $arg_size))
    (call $reply))

  (func $on_reject (param $env i32)
    (i32.store8 (i32.const 512) (local.get $env))
    (i32.store8 (i32.const 513) (call $reject_code))
    (call $append (i32.const 512) (i32.const 2))
    (call $reject_msg_copy (i32.const 0) (i32.const 0) (call $reject_msg_size))
    (call $append (i32.const 0) (call $reject_msg_size))
    (call $reply))

  (func $on_cleanup (param $env i32)
    (global.set $counter (i32.add (global.get $counter) (local.get $env))))

  (func $not_a_callback (param i64) (result i32) (i32.const 0))

  (func (export "canister_global_timer")
    (global.set $counter (i32.add (global.get $counter) (i32.const 500))))
)
