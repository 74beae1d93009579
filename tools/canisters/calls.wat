;; Stress canister: inter-canister calls.  Installed twice: the callee (empty init argument)
;; answers "add"; the caller (init argument: the callee's principal) makes n calls to it with
;; ic0.call_new/call_data_append/call_perform, keeping up to 50 in flight: each reply
;; callback makes the next call, and the last one replies to "run".
;;
;; update "run" (on the caller): argument n (u32, little-endian); reply: the checksum (u64,
;; little-endian), the wrapping sum over i < n of add(i) ^ i, where call i carries i as its
;; argument and its callback's env.
;; update "add": argument x (u64); reply 3 * x * x + 7 (u64, wrapping).
;;
;; Memory: [0, 64) scratch; [256, 512) the callee's principal; 512: the method name "add".
(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))

  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $on_reply $on_reject)
  (data (i32.const 512) "add")

  (global $callee_size (mut i32) (i32.const 0))
  (global $n (mut i32) (i32.const 0))
  (global $issued (mut i32) (i32.const 0))
  (global $done (mut i32) (i32.const 0))
  (global $acc (mut i64) (i64.const 0))

  (func (export "canister_init")
    (global.set $callee_size (call $arg_size))
    (call $arg_copy (i32.const 256) (i32.const 0) (global.get $callee_size)))

  ;; call i = issued: add(i), callbacks with env i
  (func $issue
    (i64.store (i32.const 16) (i64.extend_i32_u (global.get $issued)))
    (call $call_new (i32.const 256) (global.get $callee_size) (i32.const 512) (i32.const 3)
                    (i32.const 0) (global.get $issued) (i32.const 1) (global.get $issued))
    (call $call_data_append (i32.const 16) (i32.const 8))
    (if (call $call_perform) (then unreachable))
    (global.set $issued (i32.add (global.get $issued) (i32.const 1))))

  (func $reply_acc
    (i64.store (i32.const 0) (global.get $acc))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))

  (func (export "canister_update run")
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (global.set $n (i32.load (i32.const 0)))
    (global.set $issued (i32.const 0))
    (global.set $done (i32.const 0))
    (global.set $acc (i64.const 0))
    (if (i32.eqz (global.get $n)) (then (call $reply_acc) (return)))
    (loop $start   ;; the first min(n, 50) calls
      (call $issue)
      (br_if $start (i32.and (i32.lt_u (global.get $issued) (global.get $n))
                             (i32.lt_u (global.get $issued) (i32.const 50))))))

  (func $on_reply (param $env i32)
    (if (i32.ne (call $arg_size) (i32.const 8)) (then unreachable))
    (call $arg_copy (i32.const 32) (i32.const 0) (i32.const 8))
    (global.set $acc (i64.add (global.get $acc)
                              (i64.xor (i64.load (i32.const 32))
                                       (i64.extend_i32_u (local.get $env)))))
    (global.set $done (i32.add (global.get $done) (i32.const 1)))
    (if (i32.lt_u (global.get $issued) (global.get $n)) (then (call $issue)))
    (if (i32.eq (global.get $done) (global.get $n)) (then (call $reply_acc))))

  (func $on_reject (param $env i32) unreachable)

  (func (export "canister_update add")
    (local $x i64)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 8))
    (local.set $x (i64.load (i32.const 0)))
    (i64.store (i32.const 0) (i64.add (i64.mul (i64.mul (i64.const 3) (local.get $x))
                                               (local.get $x))
                                      (i64.const 7)))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
)
