;; Stress canister: bulk memory.  memory.fill, memory.copy (overlapping or not) and
;; memory.init over a 4 MiB region, 1 to 4096 bytes at a time.
;;
;; update "run": argument n (u32, little-endian); reply: the checksum (u64, little-endian).
;; Every run first grows memory to 64 pages (once) and zeroes the region [0, 4 MiB), so the
;; reply depends on n only.
;;
;; Iteration i (x: a 64-bit LCG, y = x >> 16):
;;   len = 1 + (y & 4095)
;;   a = min((y >> 12) & 0x3fffff, LIMIT), b = min(((y >> 34) & 0x3fff) << 8, LIMIT)
;;   (LIMIT = 4 MiB - 8192: every operation stays inside the region)
;;   by x >> 62:  0: fill [a, a + len) with the byte i & 255
;;                1: copy [a, a + len) to b
;;                2: init the 64-byte passive segment from offset len & 63 to a (the rest of it)
;;                3: copy [a, a + len) to a + 1 + (y >> 45 & 7)   (overlapping, upwards)
;;   cs = (cs ^ load64(a)) * FNV_PRIME;  cs = (cs ^ load64(b)) * FNV_PRIME
;; At the end the words at every 4096th byte are folded in the same way.
(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))

  (memory 1)
  (data $seg "pyic bulk stress: memory.fill, memory.copy and memory.init, 64 B")

  (func $fold (param $cs i64) (param $addr i32) (result i64)
    (i64.mul (i64.xor (local.get $cs) (i64.load (local.get $addr))) (i64.const 0x100000001b3)))

  (func $min (param $v i32) (param $limit i32) (result i32)
    (select (local.get $v) (local.get $limit) (i32.lt_u (local.get $v) (local.get $limit))))

  (func (export "canister_update run")
    (local $n i32) (local $i i32) (local $x i64) (local $y i64) (local $len i32)
    (local $a i32) (local $b i32) (local $op i32) (local $cs i64)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (local.set $n (i32.load (i32.const 0)))
    (if (i32.lt_u (memory.size) (i32.const 64))
      (then
        (if (i32.eq (memory.grow (i32.sub (i32.const 64) (memory.size))) (i32.const -1))
          (then unreachable))))
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 0x400000))
    (local.set $x (i64.const 0x853c49e6748fea9b))
    (local.set $cs (i64.const 0xcbf29ce484222325))
    (block $done
      (loop $iter
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 6364136223846793005))
                               (i64.const 1442695040888963407)))
        (local.set $y (i64.shr_u (local.get $x) (i64.const 16)))
        (local.set $len (i32.add (i32.const 1)
                                 (i32.and (i32.wrap_i64 (local.get $y)) (i32.const 4095))))
        (local.set $a (call $min
          (i32.and (i32.wrap_i64 (i64.shr_u (local.get $y) (i64.const 12))) (i32.const 0x3fffff))
          (i32.const 0x3fe000)))
        (local.set $b (call $min
          (i32.shl (i32.and (i32.wrap_i64 (i64.shr_u (local.get $y) (i64.const 34)))
                            (i32.const 0x3fff))
                   (i32.const 8))
          (i32.const 0x3fe000)))
        (local.set $op (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.const 62))))
        (block $next
          (block $shift
            (block $init
              (block $copy
                (block $fill
                  (br_table $fill $copy $init $shift (local.get $op)))
                (memory.fill (local.get $a) (i32.and (local.get $i) (i32.const 255))
                             (local.get $len))
                (br $next))
              (memory.copy (local.get $b) (local.get $a) (local.get $len))
              (br $next))
            (memory.init $seg (local.get $a) (i32.and (local.get $len) (i32.const 63))
                              (i32.sub (i32.const 64) (i32.and (local.get $len) (i32.const 63))))
            (br $next))
          (memory.copy
            (i32.add (local.get $a)
                     (i32.add (i32.const 1) (i32.and (i32.wrap_i64 (i64.shr_u (local.get $y)
                                                                             (i64.const 45)))
                                                     (i32.const 7))))
            (local.get $a) (local.get $len)))
        (local.set $cs (call $fold (call $fold (local.get $cs) (local.get $a)) (local.get $b)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iter)))
    ;; every 4096th byte's word
    (local.set $a (i32.const 0))
    (loop $tail
      (local.set $cs (call $fold (local.get $cs) (local.get $a)))
      (local.set $a (i32.add (local.get $a) (i32.const 4096)))
      (br_if $tail (i32.lt_u (local.get $a) (i32.const 0x400000))))
    (i64.store (i32.const 0) (local.get $cs))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
)
