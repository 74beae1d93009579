;; The universal canister, written in WebAssembly text.
;;
;; The IC's conformance suite drives one canister, the "universal canister"
;; (dfinity/ic-hs, universal-canister/src/main.rs), whose methods run a small
;; stack-machine program carried in the call's argument.  This module speaks
;; that bytecode op for op -- the 77 opcodes of ic-hs (0-77 but 25) and, with
;; dfinity/ic's numbers, the later ops 25, 78-84, 92 and 95 -- calling nothing
;; but ic0 imports.  pyic.universal encodes programs for it.
;;
;; Program:  a byte string of ops; each op is one byte, 2 (push_int) and 31
;;           (push_int64) take a little-endian immediate, 3 (push_bytes) a
;;           u32 length then the bytes.  Operands are popped from a typed stack
;;           of i32, i64 and blob values; a value of the wrong type traps.
;; State:    a blob "global", a u64 counter, the programs run by
;;           canister_pre_upgrade, _heartbeat, _global_timer, _inspect_message,
;;           _on_low_wasm_memory and the "transform" query, and the callback
;;           table: all in Wasm memory and globals, so they persist between
;;           messages and are lost on reinstall and upgrade, as in the Rust
;;           canister.  The default inspect program is [41] (accept_message).
;;
;; Memory:   page 0 holds the allocator's free lists (0x000-0x07f) and the
;;           static blobs (0x400-); the heap starts at 0x10000.  Blocks are
;;           power-of-two sized, [class i32][link i32][payload], reused through
;;           per-class free lists.  A blob is a payload [len i32][bytes].
;;           Blocks allocated for one message (the program, stack values) are
;;           chained through their link and freed when the entry point returns,
;;           so memory does not grow with the number of messages; persistent
;;           blocks (state above) are freed when replaced.  On a trap the IC
;;           rolls memory back, so a trapped message leaks nothing either.
(module
  (type $op (func))
  (type $callback_fn (func (param i32)))

  (import "ic0" "msg_arg_data_size" (func $msg_arg_data_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $msg_arg_data_copy (param i32 i32 i32)))
  (import "ic0" "msg_caller_size" (func $msg_caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $msg_caller_copy (param i32 i32 i32)))
  (import "ic0" "msg_reject_code" (func $msg_reject_code (result i32)))
  (import "ic0" "msg_reject_msg_size" (func $msg_reject_msg_size (result i32)))
  (import "ic0" "msg_reject_msg_copy" (func $msg_reject_msg_copy (param i32 i32 i32)))
  (import "ic0" "msg_deadline" (func $msg_deadline (result i64)))
  (import "ic0" "msg_reply_data_append" (func $msg_reply_data_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $msg_reply))
  (import "ic0" "msg_reject" (func $msg_reject (param i32 i32)))
  (import "ic0" "msg_method_name_size" (func $msg_method_name_size (result i32)))
  (import "ic0" "msg_method_name_copy" (func $msg_method_name_copy (param i32 i32 i32)))
  (import "ic0" "accept_message" (func $accept_message))
  (import "ic0" "msg_cycles_available" (func $msg_cycles_available (result i64)))
  (import "ic0" "msg_cycles_available128" (func $msg_cycles_available128 (param i32)))
  (import "ic0" "msg_cycles_refunded" (func $msg_cycles_refunded (result i64)))
  (import "ic0" "msg_cycles_refunded128" (func $msg_cycles_refunded128 (param i32)))
  (import "ic0" "msg_cycles_accept" (func $msg_cycles_accept (param i64) (result i64)))
  (import "ic0" "msg_cycles_accept128" (func $msg_cycles_accept128 (param i64 i64 i32)))
  (import "ic0" "cycles_burn128" (func $cycles_burn128 (param i64 i64 i32)))
  (import "ic0" "canister_self_size" (func $canister_self_size (result i32)))
  (import "ic0" "canister_self_copy" (func $canister_self_copy (param i32 i32 i32)))
  (import "ic0" "canister_cycle_balance" (func $canister_cycle_balance (result i64)))
  (import "ic0" "canister_cycle_balance128" (func $canister_cycle_balance128 (param i32)))
  (import "ic0" "canister_liquid_cycle_balance128" (func $canister_liquid_cycle_balance128 (param i32)))
  (import "ic0" "canister_status" (func $canister_status (result i32)))
  (import "ic0" "canister_version" (func $canister_version (result i64)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_on_cleanup" (func $call_on_cleanup (param i32 i32)))
  (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
  (import "ic0" "call_with_best_effort_response" (func $call_with_best_effort_response (param i32)))
  (import "ic0" "call_cycles_add" (func $call_cycles_add (param i64)))
  (import "ic0" "call_cycles_add128" (func $call_cycles_add128 (param i64 i64)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (import "ic0" "stable_size" (func $stable_size (result i32)))
  (import "ic0" "stable_grow" (func $stable_grow (param i32) (result i32)))
  (import "ic0" "stable_read" (func $stable_read (param i32 i32 i32)))
  (import "ic0" "stable_write" (func $stable_write (param i32 i32 i32)))
  (import "ic0" "stable64_size" (func $stable64_size (result i64)))
  (import "ic0" "stable64_grow" (func $stable64_grow (param i64) (result i64)))
  (import "ic0" "stable64_read" (func $stable64_read (param i64 i64 i64)))
  (import "ic0" "stable64_write" (func $stable64_write (param i64 i64 i64)))
  (import "ic0" "certified_data_set" (func $certified_data_set (param i32 i32)))
  (import "ic0" "data_certificate_present" (func $data_certificate_present (result i32)))
  (import "ic0" "data_certificate_size" (func $data_certificate_size (result i32)))
  (import "ic0" "data_certificate_copy" (func $data_certificate_copy (param i32 i32 i32)))
  (import "ic0" "time" (func $time (result i64)))
  (import "ic0" "global_timer_set" (func $global_timer_set (param i64) (result i64)))
  (import "ic0" "performance_counter" (func $performance_counter (param i32) (result i64)))
  (import "ic0" "is_controller" (func $is_controller (param i32 i32) (result i32)))
  (import "ic0" "in_replicated_execution" (func $in_replicated_execution (result i32)))
  (import "ic0" "debug_print" (func $debug_print (param i32 i32)))
  (import "ic0" "trap" (func $ic0_trap (param i32 i32)))

  (memory 1)

  ;; Table index = opcode (unknown ones trap), and 256 = the callback handler
  ;; given to call_new and call_on_cleanup.
  (table 257 funcref)
  (elem (i32.const 0) func
    $op_noop $op_drop $op_push_int $op_push_bytes $op_reply_data_append $op_reply  ;; 0
    $op_self $op_reject $op_caller $op_instruction_counter_is_at_least $op_reject_msg $op_reject_code  ;; 6
    $op_int_to_blob $op_message_payload $op_concat $op_stable_size $op_stable_grow $op_stable_read  ;; 12
    $op_stable_write $op_debug_print $op_trap $op_set_global $op_get_global $op_bad_print  ;; 18
    $op_set_pre_upgrade $op_append_global $op_time $op_cycles_available $op_cycles_balance $op_cycles_refunded  ;; 24
    $op_accept_cycles $op_push_int64 $op_call_new $op_call_data_append $op_call_cycles_add $op_call_perform  ;; 30
    $op_certified_data_set $op_data_certificate_present $op_data_certificate $op_canister_status $op_set_heartbeat $op_accept_message  ;; 36
    $op_set_inspect_message $op_trap_if_eq $op_call_on_cleanup $op_stable_fill $op_stable64_size $op_stable64_grow  ;; 42
    $op_stable64_read $op_stable64_write $op_int64_to_blob $op_cycles_available128 $op_cycles_balance128 $op_cycles_refunded128  ;; 48
    $op_accept_cycles128 $op_call_cycles_add128 $op_msg_arg_data_size $op_msg_arg_data_copy $op_msg_caller_size $op_msg_caller_copy  ;; 54
    $op_msg_reject_msg_size $op_msg_reject_msg_copy $op_set_global_timer_method $op_api_global_timer_set $op_inc_global_counter $op_get_global_counter  ;; 60
    $op_performance_counter $op_msg_method_name $op_parse_principal $op_set_transform $op_get_http_reply_with_body $op_get_http_transform_context  ;; 66
    $op_stable64_fill $op_canister_version $op_trap_if_neq $op_mint_cycles $op_one_way_call_new $op_is_controller  ;; 72
    $op_cycles_burn128 $op_blob_length $op_push_equal_bytes $op_in_replicated_execution $op_call_with_best_effort_response $op_msg_deadline  ;; 78
    $op_memory_size_is_at_least $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 84
    $op_unknown $op_unknown $op_liquid_cycles_balance128 $op_unknown $op_unknown $op_set_on_low_wasm_memory_method  ;; 90
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 96
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 102
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 108
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 114
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 120
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 126
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 132
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 138
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 144
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 150
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 156
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 162
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 168
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 174
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 180
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 186
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 192
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 198
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 204
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 210
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 216
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 222
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 228
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 234
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 240
    $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown $op_unknown  ;; 246
    $op_unknown $op_unknown $op_unknown $op_unknown $callback  ;; 252
  )

  ;; ---------------------------------------------------------------- state

  (global $heap_top (mut i32) (i32.const 0x10000))
  (global $tmp_chain (mut i32) (i32.const 0))    ;; header of the newest per-message block
  (global $stack (mut i32) (i32.const 0))        ;; entries of 16 bytes: [tag i32][pad][value i64]
  (global $sp (mut i32) (i32.const 0))
  (global $stack_cap (mut i32) (i32.const 0))
  (global $ip (mut i32) (i32.const 0))           ;; the program being run: next byte, end
  (global $end (mut i32) (i32.const 0))
  (global $op_code (mut i32) (i32.const 0))
  (global $counter (mut i64) (i64.const 0))
  (global $global_blob (mut i32) (i32.const 0))  ;; persistent blobs; 0 = empty
  (global $pre_upgrade (mut i32) (i32.const 0))
  (global $heartbeat (mut i32) (i32.const 0))
  (global $global_timer (mut i32) (i32.const 0))
  (global $transform (mut i32) (i32.const 0))
  (global $on_low_wasm_memory (mut i32) (i32.const 0))
  (global $inspect_message (mut i32) (i32.const 0xa08))  ;; $INSPECT_DEFAULT
  (global $callbacks (mut i32) (i32.const 0))    ;; persistent [count i32][cap i32][program i32]*

  (global $I32 i32 (i32.const 0))
  (global $I64 i32 (i32.const 1))
  (global $BLOB i32 (i32.const 2))
  (global $ONE_WAY_CALL i32 (i32.const -1))
  (global $CALLBACK i32 (i32.const 256))
  ;; MSG_I32 = 0x408: b'did not find I32 on stack'
  (data (i32.const 0x408) "\19\00\00\00did not find I32 on stack")
  ;; MSG_I64 = 0x488: b'did not find I64 on stack'
  (data (i32.const 0x488) "\19\00\00\00did not find I64 on stack")
  ;; MSG_BLOB = 0x508: b'did not find blob on stack'
  (data (i32.const 0x508) "\1a\00\00\00did not find blob on stack")
  ;; MSG_UNKNOWN_OP = 0x588: b'unknown op '
  (data (i32.const 0x588) "\0b\00\00\00unknown op ")
  ;; MSG_CANNOT_READ = 0x608: b'cannot read '
  (data (i32.const 0x608) "\0c\00\00\00cannot read ")
  ;; MSG_BYTES_OF_A = 0x688: b' bytes of a '
  (data (i32.const 0x688) "\0c\00\00\00 bytes of a ")
  ;; MSG_BYTE_STRING = 0x708: b' byte string'
  (data (i32.const 0x708) "\0c\00\00\00 byte string")
  ;; MSG_CALL_PERFORM = 0x788: b'call_perform failed'
  (data (i32.const 0x788) "\13\00\00\00call_perform failed")
  ;; MSG_GET_CALLBACK = 0x808: b'get_callback: '
  (data (i32.const 0x808) "\0e\00\00\00get_callback: ")
  ;; MSG_TAKEN = 0x888: b' already taken'
  (data (i32.const 0x888) "\0e\00\00\00 already taken")
  ;; MSG_OUT_OF_BOUNDS = 0x908: b' out of bounds'
  (data (i32.const 0x908) "\0e\00\00\00 out of bounds")
  ;; MSG_OOM = 0x988: b'universal canister: out of memory'
  (data (i32.const 0x988) "\21\00\00\00universal canister: out of memory")
  ;; INSPECT_DEFAULT = 0xa08: b')'
  (data (i32.const 0xa08) "\01\00\00\00\29")
  ;; MSG_MINT = 0xa88: b'ic0.mint_cycles: only the cycles minting canister can mint c'
  (data (i32.const 0xa88) "\54\00\00\00ic0.mint_cycles: only the cycles minting canister can mint cycles, and pyic has none")
  ;; HTTP_REPLY_PREFIX = 0xb08: b'DIDL\x04l\x03\xb2\xce\xef/}\xa2\xf5\xed\x88\x04\x01\xc6\xa4\xa1\x98\x06\x02m{m\x03l\x02\xf1\xfe\xe1\x8d\x03q\xcb\xe4\xfd\xc7\x04q\x01\x00'
  (data (i32.const 0xb08) "\2c\00\00\00\44\49\44\4c\04\6c\03\b2\ce\ef\2f\7d\a2\f5\ed\88\04\01\c6\a4\a1\98\06\02\6d\7b\6d\03\6c\02\f1\fe\e1\8d\03\71\cb\e4\fd\c7\04\71\01\00")
  ;; MSG_NOT_TRANSFORM_ARG = 0xb88: b'get_http_transform_context: not a TransformArg'
  (data (i32.const 0xb88) "\2e\00\00\00get_http_transform_context: not a TransformArg")
  ;; MSG_PRINCIPAL_TOO_LONG = 0xc08: b'principal too long: more than 29 bytes'
  (data (i32.const 0xc08) "\26\00\00\00principal too long: more than 29 bytes")

  (global $MSG_I32 i32 (i32.const 0x408))
  (global $MSG_I64 i32 (i32.const 0x488))
  (global $MSG_BLOB i32 (i32.const 0x508))
  (global $MSG_UNKNOWN_OP i32 (i32.const 0x588))
  (global $MSG_CANNOT_READ i32 (i32.const 0x608))
  (global $MSG_BYTES_OF_A i32 (i32.const 0x688))
  (global $MSG_BYTE_STRING i32 (i32.const 0x708))
  (global $MSG_CALL_PERFORM i32 (i32.const 0x788))
  (global $MSG_GET_CALLBACK i32 (i32.const 0x808))
  (global $MSG_TAKEN i32 (i32.const 0x888))
  (global $MSG_OUT_OF_BOUNDS i32 (i32.const 0x908))
  (global $MSG_OOM i32 (i32.const 0x988))
  (global $INSPECT_DEFAULT i32 (i32.const 0xa08))
  (global $MSG_MINT i32 (i32.const 0xa88))
  (global $HTTP_REPLY_PREFIX i32 (i32.const 0xb08))
  (global $MSG_NOT_TRANSFORM_ARG i32 (i32.const 0xb88))
  (global $MSG_PRINCIPAL_TOO_LONG i32 (i32.const 0xc08))

  ;; ---------------------------------------------------------------- traps

  (func $trap_blob (param $b i32)
    (call $ic0_trap (call $data (local.get $b)) (call $len (local.get $b)))
    (unreachable))

  (func $oom (call $trap_blob (global.get $MSG_OOM)))

  ;; ---------------------------------------------------------------- allocator

  ;; Memory must reach address $top (exclusive).
  (func $ensure (param $top i32)
    (local $pages i64)
    (local.set $pages (i64.shr_u (i64.add (i64.extend_i32_u (local.get $top)) (i64.const 0xffff))
                                 (i64.const 16)))
    (if (i64.gt_u (local.get $pages) (i64.extend_i32_u (memory.size)))
      (then
        (if (i32.eq (memory.grow (i32.wrap_i64 (i64.sub (local.get $pages)
                                                         (i64.extend_i32_u (memory.size)))))
                    (i32.const -1))
          (then (call $oom))))))

  ;; A block with room for $n payload bytes; returns the payload address.
  (func $alloc (param $n i32) (result i32)
    (local $class i32) (local $h i32) (local $top i32)
    (if (i32.gt_u (local.get $n) (i32.const 0x7fffff00)) (then (call $oom)))
    ;; the smallest power of two holding header and payload, at least 16
    (local.set $class (i32.sub (i32.const 32) (i32.clz (i32.add (local.get $n) (i32.const 7)))))
    (if (i32.lt_u (local.get $class) (i32.const 4)) (then (local.set $class (i32.const 4))))
    (local.set $h (i32.load (i32.shl (local.get $class) (i32.const 2))))
    (if (local.get $h)
      (then (i32.store (i32.shl (local.get $class) (i32.const 2))
                       (i32.load offset=4 (local.get $h))))
      (else
        (local.set $h (global.get $heap_top))
        (local.set $top (i32.add (local.get $h) (i32.shl (i32.const 1) (local.get $class))))
        (if (i32.lt_u (local.get $top) (local.get $h)) (then (call $oom)))
        (call $ensure (local.get $top))
        (global.set $heap_top (local.get $top))))
    (i32.store (local.get $h) (local.get $class))
    (i32.store offset=4 (local.get $h) (i32.const 0))
    (i32.add (local.get $h) (i32.const 8)))

  ;; A block freed when the current entry point returns.
  (func $alloc_tmp (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (call $alloc (local.get $n)))
    (i32.store offset=4 (i32.sub (local.get $p) (i32.const 8)) (global.get $tmp_chain))
    (global.set $tmp_chain (i32.sub (local.get $p) (i32.const 8)))
    (local.get $p))

  ;; Static blocks have class 0 and are never freed.
  (func $free (param $p i32)
    (local $h i32) (local $class i32)
    (local.set $h (i32.sub (local.get $p) (i32.const 8)))
    (local.set $class (i32.load (local.get $h)))
    (if (local.get $class)
      (then
        (i32.store offset=4 (local.get $h) (i32.load (i32.shl (local.get $class) (i32.const 2))))
        (i32.store (i32.shl (local.get $class) (i32.const 2)) (local.get $h)))))

  (func $free_tmp
    (local $h i32) (local $next i32)
    (local.set $h (global.get $tmp_chain))
    (block $done
      (loop $each
        (br_if $done (i32.eqz (local.get $h)))
        (local.set $next (i32.load offset=4 (local.get $h)))
        (call $free (i32.add (local.get $h) (i32.const 8)))
        (local.set $h (local.get $next))
        (br $each)))
    (global.set $tmp_chain (i32.const 0))
    (global.set $stack (i32.const 0))
    (global.set $sp (i32.const 0))
    (global.set $stack_cap (i32.const 0)))

  ;; ---------------------------------------------------------------- blobs

  (func $len (param $b i32) (result i32) (i32.load (local.get $b)))
  (func $data (param $b i32) (result i32) (i32.add (local.get $b) (i32.const 4)))

  (func $blob_tmp (param $n i32) (result i32)
    (local $b i32)
    (if (i32.gt_u (local.get $n) (i32.const 0x7ffffe00)) (then (call $oom)))
    (local.set $b (call $alloc_tmp (i32.add (local.get $n) (i32.const 4))))
    (i32.store (local.get $b) (local.get $n))
    (local.get $b))

  (func $copy_tmp (param $src i32) (result i32)
    (local $b i32)
    (local.set $b (call $blob_tmp (call $len (local.get $src))))
    (memory.copy (call $data (local.get $b)) (call $data (local.get $src))
                 (call $len (local.get $src)))
    (local.get $b))

  (func $copy_persistent (param $src i32) (result i32)
    (local $b i32)
    (local.set $b (call $alloc (i32.add (call $len (local.get $src)) (i32.const 4))))
    (memory.copy (local.get $b) (local.get $src) (i32.add (call $len (local.get $src)) (i32.const 4)))
    (local.get $b))

  (func $cat (param $a i32) (param $b i32) (result i32)
    (local $r i32)
    (if (i32.gt_u (call $len (local.get $a)) (i32.sub (i32.const 0x7ffffe00) (call $len (local.get $b))))
      (then (call $oom)))
    (local.set $r (call $blob_tmp (i32.add (call $len (local.get $a)) (call $len (local.get $b)))))
    (memory.copy (call $data (local.get $r)) (call $data (local.get $a)) (call $len (local.get $a)))
    (memory.copy (i32.add (call $data (local.get $r)) (call $len (local.get $a)))
                 (call $data (local.get $b)) (call $len (local.get $b)))
    (local.get $r))

  (func $equal (param $a i32) (param $b i32) (result i32)
    (local $i i32) (local $n i32)
    (local.set $n (call $len (local.get $a)))
    (if (i32.ne (local.get $n) (call $len (local.get $b))) (then (return (i32.const 0))))
    (block $differ
      (loop $each
        (if (i32.lt_u (local.get $i) (local.get $n))
          (then
            (br_if $differ (i32.ne (i32.load8_u offset=4 (i32.add (local.get $a) (local.get $i)))
                                   (i32.load8_u offset=4 (i32.add (local.get $b) (local.get $i)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $each))))
      (return (i32.const 1)))
    (i32.const 0))

  (func $blob_of_i32 (param $x i32) (result i32)
    (local $b i32)
    (local.set $b (call $blob_tmp (i32.const 4)))
    (i32.store offset=4 (local.get $b) (local.get $x))
    (local.get $b))

  (func $blob_of_i64 (param $x i64) (result i32)
    (local $b i32)
    (local.set $b (call $blob_tmp (i32.const 8)))
    (i64.store offset=4 (local.get $b) (local.get $x))
    (local.get $b))

  ;; The decimal digits of $x, for trap messages.
  (func $decimal (param $x i32) (result i32)
    (local $b i32) (local $n i32) (local $y i32) (local $i i32)
    (local.set $n (i32.const 1))
    (local.set $y (local.get $x))
    (block $done (loop $count
      (br_if $done (i32.lt_u (local.get $y) (i32.const 10)))
      (local.set $y (i32.div_u (local.get $y) (i32.const 10)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $count)))
    (local.set $b (call $blob_tmp (local.get $n)))
    (local.set $i (local.get $n))
    (loop $digit
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 offset=4 (i32.add (local.get $b) (local.get $i))
                  (i32.add (i32.const 48) (i32.rem_u (local.get $x) (i32.const 10))))
      (local.set $x (i32.div_u (local.get $x) (i32.const 10)))
      (br_if $digit (local.get $i)))
    (local.get $b))

  ;; Replace a persistent program or blob slot's content: the old block is freed.
  (func $store_persistent (param $old i32) (param $new i32) (result i32)
    (if (local.get $old) (then (call $free (local.get $old))))
    (call $copy_persistent (local.get $new)))

  ;; A per-message copy of a slot's blob (empty if the slot is empty).
  (func $load_slot (param $slot i32) (result i32)
    (if (result i32) (local.get $slot)
      (then (call $copy_tmp (local.get $slot)))
      (else (call $blob_tmp (i32.const 0)))))

  ;; ---------------------------------------------------------------- the stack

  (func $push (param $tag i32) (param $value i64)
    (local $cap i32) (local $new i32) (local $at i32)
    (if (i32.ge_u (global.get $sp) (global.get $stack_cap))
      (then
        (local.set $cap (i32.shl (global.get $stack_cap) (i32.const 1)))
        (if (i32.lt_u (local.get $cap) (i32.const 16)) (then (local.set $cap (i32.const 16))))
        (if (i32.gt_u (local.get $cap) (i32.const 0x1000000)) (then (call $oom)))
        (local.set $new (call $alloc_tmp (i32.shl (local.get $cap) (i32.const 4))))
        (memory.copy (local.get $new) (global.get $stack) (i32.shl (global.get $sp) (i32.const 4)))
        (global.set $stack (local.get $new))
        (global.set $stack_cap (local.get $cap))))
    (local.set $at (i32.add (global.get $stack) (i32.shl (global.get $sp) (i32.const 4))))
    (i32.store (local.get $at) (local.get $tag))
    (i64.store offset=8 (local.get $at) (local.get $value))
    (global.set $sp (i32.add (global.get $sp) (i32.const 1))))

  ;; Pops the top value, which must have type $tag (else trap with $msg); like
  ;; the Rust canister, the value is removed before its type is checked.
  (func $pop (param $tag i32) (param $msg i32) (result i64)
    (local $at i32)
    (if (i32.eqz (global.get $sp)) (then (call $trap_blob (local.get $msg))))
    (global.set $sp (i32.sub (global.get $sp) (i32.const 1)))
    (local.set $at (i32.add (global.get $stack) (i32.shl (global.get $sp) (i32.const 4))))
    (if (i32.ne (i32.load (local.get $at)) (local.get $tag))
      (then (call $trap_blob (local.get $msg))))
    (i64.load offset=8 (local.get $at)))

  (func $pop_int (result i32) (i32.wrap_i64 (call $pop (global.get $I32) (global.get $MSG_I32))))
  (func $pop_int64 (result i64) (call $pop (global.get $I64) (global.get $MSG_I64)))
  (func $pop_blob (result i32) (i32.wrap_i64 (call $pop (global.get $BLOB) (global.get $MSG_BLOB))))
  (func $push_int (param $x i32) (call $push (global.get $I32) (i64.extend_i32_u (local.get $x))))
  (func $push_int64 (param $x i64) (call $push (global.get $I64) (local.get $x)))
  (func $push_blob (param $b i32) (call $push (global.get $BLOB) (i64.extend_i32_u (local.get $b))))

  ;; ---------------------------------------------------------------- the program

  ;; The address of the next $n immediate bytes.  As in the Rust canister,
  ;; reading needs strictly more bytes left than asked for.
  (func $read (param $n i32) (result i32)
    (local $at i32) (local $left i32)
    (local.set $at (global.get $ip))
    (local.set $left (i32.sub (global.get $end) (local.get $at)))
    (if (i32.ge_u (local.get $n) (local.get $left))
      (then
        (call $trap_blob
          (call $cat (call $cat (call $cat (call $cat (global.get $MSG_CANNOT_READ)
                                                      (call $decimal (local.get $n)))
                                           (global.get $MSG_BYTES_OF_A))
                                (call $decimal (local.get $left)))
                     (global.get $MSG_BYTE_STRING)))))
    (global.set $ip (i32.add (local.get $at) (local.get $n)))
    (local.get $at))

  (func $eval (param $program i32)
    (global.set $ip (call $data (local.get $program)))
    (global.set $end (i32.add (global.get $ip) (call $len (local.get $program))))
    (global.set $sp (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (global.get $ip) (global.get $end)))
        (global.set $op_code (i32.load8_u (global.get $ip)))
        (global.set $ip (i32.add (global.get $ip) (i32.const 1)))
        (call_indirect (type $op) (global.get $op_code))
        (br $next))))

  ;; Runs a program, then frees the message's blocks.
  (func $run (param $program i32)
    (call $eval (local.get $program))
    (call $free_tmp))

  ;; ---------------------------------------------------------------- callbacks

  (func $add_callback (param $code i32) (result i32)
    (local $t i32) (local $count i32) (local $cap i32) (local $new i32)
    (local.set $t (global.get $callbacks))
    (if (local.get $t)
      (then (local.set $count (i32.load (local.get $t)))
            (local.set $cap (i32.load offset=4 (local.get $t)))))
    (if (i32.eq (local.get $count) (local.get $cap))
      (then
        (local.set $cap (i32.add (i32.shl (local.get $cap) (i32.const 1)) (i32.const 8)))
        (if (i32.gt_u (local.get $cap) (i32.const 0x10000000)) (then (call $oom)))
        (local.set $new (call $alloc (i32.add (i32.const 8) (i32.shl (local.get $cap) (i32.const 2)))))
        (if (local.get $t)
          (then
            (memory.copy (i32.add (local.get $new) (i32.const 8)) (i32.add (local.get $t) (i32.const 8))
                         (i32.shl (local.get $count) (i32.const 2)))
            (call $free (local.get $t))))
        (i32.store offset=4 (local.get $new) (local.get $cap))
        (local.set $t (local.get $new))
        (global.set $callbacks (local.get $t))))
    (i32.store offset=8 (i32.add (local.get $t) (i32.shl (local.get $count) (i32.const 2)))
               (call $copy_persistent (local.get $code)))
    (i32.store (local.get $t) (i32.add (local.get $count) (i32.const 1)))
    (local.get $count))

  ;; Takes callback $i out of the table: a per-message copy of its program.
  (func $get_callback (param $i i32) (result i32)
    (local $t i32) (local $entry i32) (local $code i32)
    (local.set $t (global.get $callbacks))
    (if (i32.or (i32.eqz (local.get $t)) (i32.ge_u (local.get $i) (i32.load (local.get $t))))
      (then (call $trap_blob (call $cat (call $cat (global.get $MSG_GET_CALLBACK)
                                                   (call $decimal (local.get $i)))
                                        (global.get $MSG_OUT_OF_BOUNDS)))))
    (local.set $entry (i32.add (i32.add (local.get $t) (i32.const 8))
                               (i32.shl (local.get $i) (i32.const 2))))
    (local.set $code (i32.load (local.get $entry)))
    (if (i32.eqz (local.get $code))
      (then (call $trap_blob (call $cat (call $cat (global.get $MSG_GET_CALLBACK)
                                                   (call $decimal (local.get $i)))
                                        (global.get $MSG_TAKEN)))))
    (i32.store (local.get $entry) (i32.const 0))
    (local.set $t (call $copy_tmp (local.get $code)))
    (call $free (local.get $code))
    (local.get $t))

  ;; The reply, reject and cleanup callback of every call this canister makes.
  (func $callback (param $env i32)
    (if (i32.ne (local.get $env) (global.get $ONE_WAY_CALL))
      (then (call $run (call $get_callback (local.get $env))))))

  ;; ---------------------------------------------------------------- ops
  ;; In opcode order; each is named after the Rust canister's Ops variant.

  (func $op_unknown
    (call $trap_blob (call $cat (global.get $MSG_UNKNOWN_OP) (call $decimal (global.get $op_code)))))

  (func $op_noop)
  ;; Dropping from an empty stack does nothing (Vec::pop of the Rust canister).
  (func $op_drop
    (if (global.get $sp) (then (global.set $sp (i32.sub (global.get $sp) (i32.const 1))))))
  (func $op_push_int (call $push_int (i32.load (call $read (i32.const 4)))))
  (func $op_push_bytes
    (local $n i32) (local $b i32)
    (local.set $n (i32.load (call $read (i32.const 4))))
    (local.set $b (call $blob_tmp (local.get $n)))
    (memory.copy (call $data (local.get $b)) (call $read (local.get $n)) (local.get $n))
    (call $push_blob (local.get $b)))
  (func $op_reply_data_append
    (local $b i32)
    (local.set $b (call $pop_blob))
    (call $msg_reply_data_append (call $data (local.get $b)) (call $len (local.get $b))))
  (func $op_reply (call $msg_reply))
  (func $op_self
    (local $b i32)
    (local.set $b (call $blob_tmp (call $canister_self_size)))
    (call $canister_self_copy (call $data (local.get $b)) (i32.const 0) (call $len (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_reject
    (local $b i32)
    (local.set $b (call $pop_blob))
    (call $msg_reject (call $data (local.get $b)) (call $len (local.get $b))))
  (func $op_caller
    (local $b i32)
    (local.set $b (call $blob_tmp (call $msg_caller_size)))
    (call $msg_caller_copy (call $data (local.get $b)) (i32.const 0) (call $len (local.get $b)))
    (call $push_blob (local.get $b)))
  ;; Busy-waits until the instruction counter reaches the amount.
  (func $op_instruction_counter_is_at_least
    (local $amount i64)
    (local.set $amount (call $pop_int64))
    (block $done (loop $wait
      (br_if $done (i64.ge_u (call $performance_counter (i32.const 0)) (local.get $amount)))
      (br $wait))))
  (func $op_reject_msg
    (local $b i32)
    (local.set $b (call $blob_tmp (call $msg_reject_msg_size)))
    (call $msg_reject_msg_copy (call $data (local.get $b)) (i32.const 0) (call $len (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_reject_code (call $push_int (call $msg_reject_code)))
  (func $op_int_to_blob (call $push_blob (call $blob_of_i32 (call $pop_int))))
  (func $op_message_payload
    (local $b i32)
    (local.set $b (call $blob_tmp (call $msg_arg_data_size)))
    (call $msg_arg_data_copy (call $data (local.get $b)) (i32.const 0) (call $len (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_concat
    (local $a i32) (local $b i32)
    (local.set $b (call $pop_blob))
    (local.set $a (call $pop_blob))
    (call $push_blob (call $cat (local.get $a) (local.get $b))))
  (func $op_stable_size (call $push_int (call $stable_size)))
  (func $op_stable_grow (call $push_int (call $stable_grow (call $pop_int))))
  (func $op_stable_read
    (local $size i32) (local $offset i32) (local $b i32)
    (local.set $size (call $pop_int))
    (local.set $offset (call $pop_int))
    (local.set $b (call $blob_tmp (local.get $size)))
    (call $stable_read (call $data (local.get $b)) (local.get $offset) (local.get $size))
    (call $push_blob (local.get $b)))
  (func $op_stable_write
    (local $b i32) (local $offset i32)
    (local.set $b (call $pop_blob))
    (local.set $offset (call $pop_int))
    (call $stable_write (local.get $offset) (call $data (local.get $b)) (call $len (local.get $b))))
  (func $op_debug_print
    (local $b i32)
    (local.set $b (call $pop_blob))
    (call $debug_print (call $data (local.get $b)) (call $len (local.get $b))))
  (func $op_trap (call $trap_blob (call $pop_blob)))
  (func $op_set_global
    (global.set $global_blob (call $store_persistent (global.get $global_blob) (call $pop_blob))))
  (func $op_get_global (call $push_blob (call $load_slot (global.get $global_blob))))
  ;; debug_print of ranges outside memory: the System API must cope.
  (func $op_bad_print
    (call $debug_print (i32.const -3) (i32.const 1))
    (call $debug_print (i32.const -3) (i32.const 3)))
  (func $op_set_pre_upgrade
    (global.set $pre_upgrade (call $store_persistent (global.get $pre_upgrade) (call $pop_blob))))
  (func $op_append_global
    (local $b i32)
    (local.set $b (call $pop_blob))
    (global.set $global_blob
      (call $store_persistent (global.get $global_blob)
                              (call $cat (call $load_slot (global.get $global_blob)) (local.get $b)))))
  (func $op_time (call $push_int64 (call $time)))
  (func $op_cycles_available (call $push_int64 (call $msg_cycles_available)))
  (func $op_cycles_balance (call $push_int64 (call $canister_cycle_balance)))
  (func $op_cycles_refunded (call $push_int64 (call $msg_cycles_refunded)))
  (func $op_accept_cycles (call $push_int64 (call $msg_cycles_accept (call $pop_int64))))
  (func $op_push_int64 (call $push_int64 (i64.load (call $read (i32.const 8)))))
  ;; Callbacks are registered reject first, then reply (their table indices
  ;; are visible to nobody, but the order is the Rust canister's).
  (func $op_call_new
    (local $reject_code i32) (local $reply_code i32) (local $method i32) (local $callee i32)
    (local $reject_env i32) (local $reply_env i32)
    (local.set $reject_code (call $pop_blob))
    (local.set $reply_code (call $pop_blob))
    (local.set $method (call $pop_blob))
    (local.set $callee (call $pop_blob))
    (local.set $reject_env (call $add_callback (local.get $reject_code)))
    (local.set $reply_env (call $add_callback (local.get $reply_code)))
    (call $call_new (call $data (local.get $callee)) (call $len (local.get $callee))
                    (call $data (local.get $method)) (call $len (local.get $method))
                    (global.get $CALLBACK) (local.get $reply_env)
                    (global.get $CALLBACK) (local.get $reject_env)))
  (func $op_call_data_append
    (local $b i32)
    (local.set $b (call $pop_blob))
    (call $call_data_append (call $data (local.get $b)) (call $len (local.get $b))))
  (func $op_call_cycles_add (call $call_cycles_add (call $pop_int64)))
  (func $op_call_perform
    (if (call $call_perform) (then (call $trap_blob (global.get $MSG_CALL_PERFORM)))))
  (func $op_certified_data_set
    (local $b i32)
    (local.set $b (call $pop_blob))
    (call $certified_data_set (call $data (local.get $b)) (call $len (local.get $b))))
  (func $op_data_certificate_present (call $push_int (call $data_certificate_present)))
  (func $op_data_certificate
    (local $b i32)
    (local.set $b (call $blob_tmp (call $data_certificate_size)))
    (call $data_certificate_copy (call $data (local.get $b)) (i32.const 0) (call $len (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_canister_status (call $push_int (call $canister_status)))
  (func $op_set_heartbeat
    (global.set $heartbeat (call $store_persistent (global.get $heartbeat) (call $pop_blob))))
  (func $op_accept_message (call $accept_message))
  (func $op_set_inspect_message
    (global.set $inspect_message
      (call $store_persistent (global.get $inspect_message) (call $pop_blob))))
  (func $op_trap_if_eq
    (local $a i32) (local $b i32) (local $c i32)
    (local.set $c (call $pop_blob))
    (local.set $b (call $pop_blob))
    (local.set $a (call $pop_blob))
    (if (call $equal (local.get $a) (local.get $b)) (then (call $trap_blob (local.get $c)))))
  (func $op_call_on_cleanup
    (call $call_on_cleanup (global.get $CALLBACK) (call $add_callback (call $pop_blob))))
  (func $op_stable_fill
    (local $length i32) (local $byte i32) (local $offset i32) (local $b i32)
    (local.set $length (call $pop_int))
    (local.set $byte (call $pop_int))
    (local.set $offset (call $pop_int))
    (local.set $b (call $blob_tmp (local.get $length)))
    (memory.fill (call $data (local.get $b)) (local.get $byte) (local.get $length))
    (call $stable_write (local.get $offset) (call $data (local.get $b)) (local.get $length)))
  (func $op_stable64_size (call $push_int64 (call $stable64_size)))
  (func $op_stable64_grow (call $push_int64 (call $stable64_grow (call $pop_int64))))
  ;; The Rust canister sizes its buffer with `size as usize` (32 bits) but
  ;; asks ic0 for the full 64-bit size; so does this one.
  (func $op_stable64_read
    (local $size i64) (local $offset i64) (local $b i32)
    (local.set $size (call $pop_int64))
    (local.set $offset (call $pop_int64))
    (local.set $b (call $blob_tmp (i32.wrap_i64 (local.get $size))))
    (call $stable64_read (i64.extend_i32_u (call $data (local.get $b))) (local.get $offset)
                         (local.get $size))
    (call $push_blob (local.get $b)))
  (func $op_stable64_write
    (local $b i32) (local $offset i64)
    (local.set $b (call $pop_blob))
    (local.set $offset (call $pop_int64))
    (call $stable64_write (local.get $offset) (i64.extend_i32_u (call $data (local.get $b)))
                          (i64.extend_i32_u (call $len (local.get $b)))))
  (func $op_int64_to_blob (call $push_blob (call $blob_of_i64 (call $pop_int64))))
  (func $op_cycles_available128
    (local $b i32)
    (local.set $b (call $blob_tmp (i32.const 16)))
    (call $msg_cycles_available128 (call $data (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_cycles_balance128
    (local $b i32)
    (local.set $b (call $blob_tmp (i32.const 16)))
    (call $canister_cycle_balance128 (call $data (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_cycles_refunded128
    (local $b i32)
    (local.set $b (call $blob_tmp (i32.const 16)))
    (call $msg_cycles_refunded128 (call $data (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_accept_cycles128
    (local $low i64) (local $high i64) (local $b i32)
    (local.set $low (call $pop_int64))
    (local.set $high (call $pop_int64))
    (local.set $b (call $blob_tmp (i32.const 16)))
    (call $msg_cycles_accept128 (local.get $high) (local.get $low) (call $data (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_call_cycles_add128
    (local $low i64) (local $high i64)
    (local.set $low (call $pop_int64))
    (local.set $high (call $pop_int64))
    (call $call_cycles_add128 (local.get $high) (local.get $low)))
  (func $op_msg_arg_data_size (call $push_int (call $msg_arg_data_size)))
  (func $op_msg_arg_data_copy
    (local $size i32) (local $offset i32) (local $b i32)
    (local.set $size (call $pop_int))
    (local.set $offset (call $pop_int))
    (local.set $b (call $blob_tmp (local.get $size)))
    (call $msg_arg_data_copy (call $data (local.get $b)) (local.get $offset) (local.get $size))
    (call $push_blob (local.get $b)))
  (func $op_msg_caller_size (call $push_int (call $msg_caller_size)))
  (func $op_msg_caller_copy
    (local $size i32) (local $offset i32) (local $b i32)
    (local.set $size (call $pop_int))
    (local.set $offset (call $pop_int))
    (local.set $b (call $blob_tmp (local.get $size)))
    (call $msg_caller_copy (call $data (local.get $b)) (local.get $offset) (local.get $size))
    (call $push_blob (local.get $b)))
  (func $op_msg_reject_msg_size (call $push_int (call $msg_reject_msg_size)))
  (func $op_msg_reject_msg_copy
    (local $size i32) (local $offset i32) (local $b i32)
    (local.set $size (call $pop_int))
    (local.set $offset (call $pop_int))
    (local.set $b (call $blob_tmp (local.get $size)))
    (call $msg_reject_msg_copy (call $data (local.get $b)) (local.get $offset) (local.get $size))
    (call $push_blob (local.get $b)))
  (func $op_set_global_timer_method
    (global.set $global_timer (call $store_persistent (global.get $global_timer) (call $pop_blob))))
  (func $op_api_global_timer_set (call $push_int64 (call $global_timer_set (call $pop_int64))))
  (func $op_inc_global_counter (global.set $counter (i64.add (global.get $counter) (i64.const 1))))
  (func $op_get_global_counter (call $push_int64 (global.get $counter)))
  (func $op_performance_counter (call $push_int64 (call $performance_counter (call $pop_int))))
  (func $op_msg_method_name
    (local $b i32)
    (local.set $b (call $blob_tmp (call $msg_method_name_size)))
    (call $msg_method_name_copy (call $data (local.get $b)) (i32.const 0) (call $len (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_parse_principal (call $push_blob (call $principal_text (call $pop_blob))))
  (func $op_set_transform
    (global.set $transform (call $store_persistent (global.get $transform) (call $pop_blob))))
  (func $op_get_http_reply_with_body (call $push_blob (call $http_reply_with_body (call $pop_blob))))
  (func $op_get_http_transform_context
    (call $push_blob (call $transform_context (call $pop_blob))))
  (func $op_stable64_fill
    (local $length i64) (local $byte i64) (local $offset i64) (local $b i32)
    (local.set $length (call $pop_int64))
    (local.set $byte (call $pop_int64))
    (local.set $offset (call $pop_int64))
    (local.set $b (call $blob_tmp (i32.wrap_i64 (local.get $length))))
    (memory.fill (call $data (local.get $b)) (i32.wrap_i64 (local.get $byte))
                 (call $len (local.get $b)))
    (call $stable64_write (local.get $offset) (i64.extend_i32_u (call $data (local.get $b)))
                          (i64.extend_i32_u (call $len (local.get $b)))))
  (func $op_canister_version (call $push_int64 (call $canister_version)))
  (func $op_trap_if_neq
    (local $a i32) (local $b i32) (local $c i32)
    (local.set $c (call $pop_blob))
    (local.set $b (call $pop_blob))
    (local.set $a (call $pop_blob))
    (if (i32.eqz (call $equal (local.get $a) (local.get $b))) (then (call $trap_blob (local.get $c)))))
  ;; ic0.mint_cycles exists only for the cycles minting canister (an NNS
  ;; canister, which pyic does not host); on any other canister it traps, and
  ;; that is what this op does.  Importing it would make the module invalid
  ;; on a System API without it.
  (func $op_mint_cycles
    (drop (call $pop_int64))
    (call $trap_blob (global.get $MSG_MINT)))
  (func $op_one_way_call_new
    (local $method i32) (local $callee i32)
    (local.set $method (call $pop_blob))
    (local.set $callee (call $pop_blob))
    (call $call_new (call $data (local.get $callee)) (call $len (local.get $callee))
                    (call $data (local.get $method)) (call $len (local.get $method))
                    (global.get $CALLBACK) (global.get $ONE_WAY_CALL)
                    (global.get $CALLBACK) (global.get $ONE_WAY_CALL)))
  (func $op_is_controller
    (local $b i32)
    (local.set $b (call $pop_blob))
    (call $push_int (call $is_controller (call $data (local.get $b)) (call $len (local.get $b)))))

  ;; The ops after 77 are dfinity/ic's, under its numbers.
  (func $op_cycles_burn128
    (local $low i64) (local $high i64) (local $b i32)
    (local.set $low (call $pop_int64))
    (local.set $high (call $pop_int64))
    (local.set $b (call $blob_tmp (i32.const 16)))
    (call $cycles_burn128 (local.get $high) (local.get $low) (call $data (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_blob_length (call $push_int (call $len (call $pop_blob))))
  (func $op_push_equal_bytes
    (local $length i32) (local $byte i32) (local $b i32)
    (local.set $length (call $pop_int))
    (local.set $byte (call $pop_int))
    (local.set $b (call $blob_tmp (local.get $length)))
    (memory.fill (call $data (local.get $b)) (local.get $byte) (local.get $length))
    (call $push_blob (local.get $b)))
  (func $op_in_replicated_execution (call $push_int (call $in_replicated_execution)))
  (func $op_call_with_best_effort_response
    (call $call_with_best_effort_response (call $pop_int)))
  (func $op_msg_deadline (call $push_int64 (call $msg_deadline)))
  ;; Grows Wasm memory, a MiB at a time, until it is larger than the amount.
  (func $op_memory_size_is_at_least
    (local $target i64)
    (local.set $target (call $pop_int64))
    (block $done (loop $grow
      (br_if $done (i64.gt_u (i64.shl (i64.extend_i32_u (memory.size)) (i64.const 16))
                             (local.get $target)))
      (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then (call $oom)))
      (br $grow))))
  (func $op_liquid_cycles_balance128
    (local $b i32)
    (local.set $b (call $blob_tmp (i32.const 16)))
    (call $canister_liquid_cycle_balance128 (call $data (local.get $b)))
    (call $push_blob (local.get $b)))
  (func $op_set_on_low_wasm_memory_method
    (global.set $on_low_wasm_memory
      (call $store_persistent (global.get $on_low_wasm_memory) (call $pop_blob))))

  ;; ---------------------------------------------------------------- principals

  ;; CRC-32 (ISO-HDLC, as in the textual form of principals).
  (func $crc32 (param $p i32) (param $n i32) (result i32)
    (local $crc i32) (local $end i32) (local $k i32)
    (local.set $crc (i32.const -1))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $done (loop $byte
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $crc (i32.xor (local.get $crc) (i32.load8_u (local.get $p))))
      (local.set $k (i32.const 8))
      (loop $bit
        (local.set $crc (i32.xor (i32.shr_u (local.get $crc) (i32.const 1))
                                 (i32.and (i32.const 0xedb88320)
                                          (i32.sub (i32.const 0) (i32.and (local.get $crc) (i32.const 1))))))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br_if $bit (local.get $k)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $byte)))
    (i32.xor (local.get $crc) (i32.const -1)))

  ;; The textual form of a principal (interface spec, "Textual representation
  ;; of principals"): base32 of the CRC-32 (big-endian) and the bytes, lower
  ;; case, in groups of five separated by dashes.
  (func $principal_text (param $id i32) (result i32)
    (local $n i32) (local $raw i32) (local $chars i32) (local $out i32) (local $o i32)
    (local $i i32) (local $acc i32) (local $bits i32) (local $v i32) (local $emitted i32)
    (local.set $n (call $len (local.get $id)))
    (if (i32.gt_u (local.get $n) (i32.const 29))
      (then (call $trap_blob (global.get $MSG_PRINCIPAL_TOO_LONG))))
    (local.set $raw (call $blob_tmp (i32.add (local.get $n) (i32.const 4))))
    (i32.store offset=4 (local.get $raw)
      (call $bswap (call $crc32 (call $data (local.get $id)) (local.get $n))))
    (memory.copy (i32.add (call $data (local.get $raw)) (i32.const 4)) (call $data (local.get $id))
                 (local.get $n))
    (local.set $n (i32.add (local.get $n) (i32.const 4)))
    (local.set $chars (i32.div_u (i32.add (i32.mul (local.get $n) (i32.const 8)) (i32.const 4))
                                 (i32.const 5)))
    (local.set $out (call $blob_tmp (i32.add (local.get $chars)
                                             (i32.div_u (i32.sub (local.get $chars) (i32.const 1))
                                                        (i32.const 5)))))
    (local.set $o (call $data (local.get $out)))
    (block $done (loop $each
      ;; take 8 more bits when fewer than 5 are left and input remains
      (if (i32.and (i32.lt_u (local.get $bits) (i32.const 5)) (i32.lt_u (local.get $i) (local.get $n)))
        (then
          (local.set $acc (i32.or (i32.shl (local.get $acc) (i32.const 8))
                                  (i32.load8_u offset=4 (i32.add (local.get $raw) (local.get $i)))))
          (local.set $bits (i32.add (local.get $bits) (i32.const 8)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))))
      (br_if $done (i32.eqz (local.get $bits)))
      (if (i32.lt_u (local.get $bits) (i32.const 5))
        (then  ;; the last, partial group: pad with zero bits
          (local.set $acc (i32.shl (local.get $acc) (i32.sub (i32.const 5) (local.get $bits))))
          (local.set $bits (i32.const 5))))
      (local.set $bits (i32.sub (local.get $bits) (i32.const 5)))
      (local.set $v (i32.and (i32.shr_u (local.get $acc) (local.get $bits)) (i32.const 31)))
      (if (i32.and (i32.ne (local.get $emitted) (i32.const 0))
                   (i32.eqz (i32.rem_u (local.get $emitted) (i32.const 5))))
        (then (i32.store8 (local.get $o) (i32.const 45))   ;; '-'
              (local.set $o (i32.add (local.get $o) (i32.const 1)))))
      (i32.store8 (local.get $o)
        (if (result i32) (i32.lt_u (local.get $v) (i32.const 26))
          (then (i32.add (local.get $v) (i32.const 97)))            ;; 'a'..'z'
          (else (i32.add (local.get $v) (i32.const 24)))))          ;; '2'..'7'
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (local.set $emitted (i32.add (local.get $emitted) (i32.const 1)))
      (br $each)))
    (local.get $out))

  (func $bswap (param $x i32) (result i32)
    (i32.or (i32.or (i32.shl (local.get $x) (i32.const 24))
                    (i32.shl (i32.and (local.get $x) (i32.const 0xff00)) (i32.const 8)))
            (i32.or (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff00))
                    (i32.shr_u (local.get $x) (i32.const 24)))))

  ;; ---------------------------------------------------------------- Candid for HTTP outcalls

  ;; record { status : nat; headers : vec record { name : text; value : text }; body : blob }
  ;; with status 200 and no headers; the fields' values come in hash order:
  ;; status, body, headers.
  (func $http_reply_with_body (param $body i32) (result i32)
    (local $n i32) (local $leb i32) (local $out i32) (local $o i32) (local $x i32)
    (local.set $n (call $len (local.get $body)))
    (local.set $leb (i32.const 1))
    (local.set $x (i32.shr_u (local.get $n) (i32.const 7)))
    (block $done (loop $count
      (br_if $done (i32.eqz (local.get $x)))
      (local.set $leb (i32.add (local.get $leb) (i32.const 1)))
      (local.set $x (i32.shr_u (local.get $x) (i32.const 7)))
      (br $count)))
    (local.set $out (call $blob_tmp (i32.add (i32.add (call $len (global.get $HTTP_REPLY_PREFIX))
                                                      (i32.const 3))
                                             (i32.add (local.get $leb) (local.get $n)))))
    (local.set $o (call $data (local.get $out)))
    (memory.copy (local.get $o) (call $data (global.get $HTTP_REPLY_PREFIX))
                 (call $len (global.get $HTTP_REPLY_PREFIX)))
    (local.set $o (i32.add (local.get $o) (call $len (global.get $HTTP_REPLY_PREFIX))))
    (i32.store16 (local.get $o) (i32.const 0x01c8))          ;; nat 200
    (local.set $o (i32.add (local.get $o) (i32.const 2)))
    (local.set $x (local.get $n))
    (loop $byte
      (if (i32.ge_u (local.get $x) (i32.const 0x80))
        (then (i32.store8 (local.get $o) (i32.or (i32.and (local.get $x) (i32.const 0x7f)) (i32.const 0x80)))
              (local.set $o (i32.add (local.get $o) (i32.const 1)))
              (local.set $x (i32.shr_u (local.get $x) (i32.const 7)))
              (br $byte))))
    (i32.store8 (local.get $o) (local.get $x))
    (local.set $o (i32.add (local.get $o) (i32.const 1)))
    (memory.copy (local.get $o) (call $data (local.get $body)) (local.get $n))
    (i32.store8 (i32.add (local.get $o) (local.get $n)) (i32.const 0))   ;; no headers
    (local.get $out))

  ;; A LEB128 reader over [$ip, $end) of the Candid message being read.
  (global $cip (mut i32) (i32.const 0))
  (global $cend (mut i32) (i32.const 0))

  (func $candid_byte (result i32)
    (local $b i32)
    (if (i32.ge_u (global.get $cip) (global.get $cend))
      (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    (local.set $b (i32.load8_u (global.get $cip)))
    (global.set $cip (i32.add (global.get $cip) (i32.const 1)))
    (local.get $b))

  ;; An unsigned or signed LEB128 number; numbers that do not fit 32 bits
  ;; are refused (no TransformArg needs them).
  (func $candid_leb (param $signed i32) (result i32)
    (local $x i32) (local $shift i32) (local $b i32)
    (loop $more
      (if (i32.ge_u (local.get $shift) (i32.const 32))
        (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
      (local.set $b (call $candid_byte))
      (local.set $x (i32.or (local.get $x)
                            (i32.shl (i32.and (local.get $b) (i32.const 0x7f)) (local.get $shift))))
      (local.set $shift (i32.add (local.get $shift) (i32.const 7)))
      (br_if $more (i32.and (local.get $b) (i32.const 0x80))))
    (if (i32.and (local.get $signed)
                 (i32.and (i32.lt_u (local.get $shift) (i32.const 32))
                          (i32.ne (i32.and (local.get $b) (i32.const 0x40)) (i32.const 0))))
      (then (local.set $x (i32.or (local.get $x)
                                  (i32.shl (i32.const -1) (local.get $shift))))))
    (local.get $x))

  ;; The `context` of a Candid `TransformArg` (record { response : http_response;
  ;; context : blob }).  `context` has the smaller field hash, so its value
  ;; comes first: after the type table, only the table entries of records,
  ;; variants, vectors and options are understood -- what TransformArg uses.
  (func $transform_context (param $arg i32) (result i32)
    (local $types i32) (local $n i32) (local $i i32) (local $t i32) (local $k i32)
    (local $entry i32) (local $first i32) (local $out i32) (local $size i32)
    (global.set $cip (call $data (local.get $arg)))
    (global.set $cend (i32.add (global.get $cip) (call $len (local.get $arg))))
    (if (i32.or (i32.lt_u (call $len (local.get $arg)) (i32.const 4))
                (i32.ne (i32.load (global.get $cip)) (i32.const 0x4c444944)))  ;; "DIDL"
      (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    (global.set $cip (i32.add (global.get $cip) (i32.const 4)))
    (local.set $n (call $candid_leb (i32.const 0)))
    (if (i32.gt_u (local.get $n) (call $len (local.get $arg)))
      (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    (local.set $types (call $alloc_tmp (i32.shl (local.get $n) (i32.const 2))))
    (block $table_done (loop $entries
      (br_if $table_done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store (i32.add (local.get $types) (i32.shl (local.get $i) (i32.const 2))) (global.get $cip))
      (local.set $t (call $candid_leb (i32.const 1)))
      (if (i32.or (i32.eq (local.get $t) (i32.const -20)) (i32.eq (local.get $t) (i32.const -21)))
        (then
          (local.set $k (call $candid_leb (i32.const 0)))
          (block $fields_done (loop $fields
            (br_if $fields_done (i32.eqz (local.get $k)))
            (drop (call $candid_leb (i32.const 0)))
            (drop (call $candid_leb (i32.const 1)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $fields))))
        (else
          (if (i32.or (i32.eq (local.get $t) (i32.const -19)) (i32.eq (local.get $t) (i32.const -18)))
            (then (drop (call $candid_leb (i32.const 1))))
            (else (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $entries)))
    ;; the arguments' types: the first must be a record of the table
    (local.set $k (call $candid_leb (i32.const 0)))
    (if (i32.eqz (local.get $k)) (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    (local.set $first (call $candid_leb (i32.const 1)))
    (local.set $k (i32.sub (local.get $k) (i32.const 1)))
    (block $args_done (loop $args
      (br_if $args_done (i32.eqz (local.get $k)))
      (drop (call $candid_leb (i32.const 1)))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $args)))
    (if (i32.ge_u (local.get $first) (local.get $n))
      (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    ;; that record's first field must be `context : blob` (hash 427267567)
    (local.set $entry (global.get $cip))
    (global.set $cip (i32.load (i32.add (local.get $types) (i32.shl (local.get $first) (i32.const 2)))))
    (if (i32.ne (call $candid_leb (i32.const 1)) (i32.const -20))
      (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    (if (i32.eqz (call $candid_leb (i32.const 0)))
      (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    (if (i32.ne (call $candid_leb (i32.const 0)) (i32.const 427267567))
      (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    (local.set $t (call $candid_leb (i32.const 1)))
    (if (i32.or (i32.lt_s (local.get $t) (i32.const 0)) (i32.ge_u (local.get $t) (local.get $n)))
      (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    (global.set $cip (i32.load (i32.add (local.get $types) (i32.shl (local.get $t) (i32.const 2)))))
    (if (i32.or (i32.ne (call $candid_leb (i32.const 1)) (i32.const -19))
                (i32.ne (call $candid_leb (i32.const 1)) (i32.const -5)))   ;; vec nat8
      (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    ;; the value: the context's length and bytes
    (global.set $cip (local.get $entry))
    (local.set $size (call $candid_leb (i32.const 0)))
    (if (i32.gt_u (local.get $size) (i32.sub (global.get $cend) (global.get $cip)))
      (then (call $trap_blob (global.get $MSG_NOT_TRANSFORM_ARG))))
    (local.set $out (call $blob_tmp (local.get $size)))
    (memory.copy (call $data (local.get $out)) (global.get $cip) (local.get $size))
    (local.get $out))

  ;; ---------------------------------------------------------------- entry points
  ;; Messages run their argument; system tasks and hooks a stored program.

  (func $run_arg
    (local $b i32)
    (local.set $b (call $blob_tmp (call $msg_arg_data_size)))
    (call $msg_arg_data_copy (call $data (local.get $b)) (i32.const 0) (call $len (local.get $b)))
    (call $run (local.get $b)))

  (func (export "canister_update update") (call $run_arg))
  (func (export "canister_query query") (call $run_arg))
  (func (export "canister_composite_query composite_query") (call $run_arg))
  (func (export "canister_query transform") (call $run (call $load_slot (global.get $transform))))
  (func (export "canister_init") (call $run_arg))
  (func (export "canister_post_upgrade") (call $run_arg))
  (func (export "canister_pre_upgrade") (call $run (call $load_slot (global.get $pre_upgrade))))
  (func (export "canister_heartbeat") (call $run (call $load_slot (global.get $heartbeat))))
  (func (export "canister_global_timer") (call $run (call $load_slot (global.get $global_timer))))
  (func (export "canister_inspect_message") (call $run (call $load_slot (global.get $inspect_message))))
  (func (export "canister_on_low_wasm_memory")
    (call $run (call $load_slot (global.get $on_low_wasm_memory))))
)
