;; A canister for the sandbox tests: a counter in memory, a loop of a given length,
;; an endless loop, and memory growth with a write to every new 64 KiB page.
(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)

  ;; reply with the counter (4 bytes at address 0)
  (func $reply_counter
    (call $append (i32.const 0) (i32.const 4))
    (call $reply))

  (func $bump
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))

  ;; the argument: a little-endian u32 at address 16
  (func $arg (result i32)
    (call $arg_copy (i32.const 16) (i32.const 0) (i32.const 4))
    (i32.load (i32.const 16)))

  (func (export "canister_query get") (call $reply_counter))

  (func (export "canister_update bump") (call $bump) (call $reply_counter))

  ;; bump, then loop <arg> times (4 instructions each), then reply
  (func (export "canister_update spin") (local $n i32)
    (call $bump)
    (local.set $n (call $arg))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (call $reply_counter))

  ;; bump, then loop until the instruction limit ends the message
  (func (export "canister_update forever")
    (call $bump)
    (loop $again (br $again)))

  ;; bump, grow memory by <arg> pages and write one byte into each new page
  (func (export "canister_update grow") (local $n i32) (local $p i32)
    (call $bump)
    (local.set $n (call $arg))
    (local.set $p (memory.grow (local.get $n)))
    (if (i32.eq (local.get $p) (i32.const -1)) (then (unreachable)))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (i32.shl (local.get $p) (i32.const 16)) (i32.const 1))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (call $reply_counter))
)
