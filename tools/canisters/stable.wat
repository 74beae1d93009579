;; Stress canister: stable memory.  ic0.stable64_write/read of 1 to 1024 bytes at random
;; offsets, an 8-byte write every iteration, and stable64_grow one page at a time as the
;; used region widens (to 64 pages, 4 MiB).
;;
;; update "run": argument n (u32, little-endian); reply: the checksum (u64, little-endian).
;; Every run zeroes the stable memory it has and restarts at one page; it refills the source
;; buffer and zeroes the read buffer, so the reply depends on n only.
;;
;; Heap: [0, 64) scratch; [64 KiB, 128 KiB) the source buffer, word j = j * 0x9e3779b97f4a7c15
;; at the start; [128 KiB, 192 KiB) the read buffer; [192 KiB, 256 KiB) zeros.
;;
;; Iteration i (x: a 64-bit LCG, y = x >> 16; pages: the region used, in 64 KiB pages):
;;   if i & 255 = 0 and pages < 64: pages += 1 (stable64_grow when the memory is smaller)
;;   S = pages * 64 KiB, len = 1 + (y & 1023), off = ((y >> 10) & 0x3fffff) % (S - len + 1)
;;   h = 64 KiB + ((y >> 32) & 0x7fff)
;;   by x >> 63:  0: stable64_write(off, h, len)
;;                1: stable64_read(128 KiB, off, len); cs = (cs ^ load64(128 KiB)) * FNV_PRIME;
;;                   store64(h, cs)   (so later writes carry new data)
;;   then x is written to stable memory at (((y >> 20) % (S - 8)) & ~7)
;; At the end the 8 bytes at every 4096th offset of the region are folded into cs the same way.
(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "stable64_size" (func $stable_size (result i64)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))

  (memory 4)

  (func $fold (param $cs i64) (param $addr i32) (result i64)
    (i64.mul (i64.xor (local.get $cs) (i64.load (local.get $addr))) (i64.const 0x100000001b3)))

  (func (export "canister_update run")
    (local $n i32) (local $i i32) (local $x i64) (local $y i64) (local $pages i64)
    (local $size i64) (local $len i64) (local $off i64) (local $h i32) (local $cs i64)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (local.set $n (i32.load (i32.const 0)))
    ;; zero the stable memory there is (from the zeroed heap page), one page at a time
    (local.set $size (call $stable_size))
    (block $zeroed
      (loop $zero
        (br_if $zeroed (i64.ge_u (local.get $off) (local.get $size)))
        (call $stable_write (i64.shl (local.get $off) (i64.const 16)) (i64.const 0x30000)
                            (i64.const 0x10000))
        (local.set $off (i64.add (local.get $off) (i64.const 1)))
        (br $zero)))
    ;; the source buffer's pattern; the read buffer zeroed
    (local.set $h (i32.const 0))
    (loop $pattern
      (i64.store offset=0x10000 (i32.shl (local.get $h) (i32.const 3))
                 (i64.mul (i64.extend_i32_u (local.get $h)) (i64.const 0x9e3779b97f4a7c15)))
      (local.set $h (i32.add (local.get $h) (i32.const 1)))
      (br_if $pattern (i32.lt_u (local.get $h) (i32.const 8192))))
    (memory.fill (i32.const 0x20000) (i32.const 0) (i32.const 0x10000))
    (local.set $x (i64.const 0x853c49e6748fea9b))
    (local.set $cs (i64.const 0xcbf29ce484222325))
    (block $done
      (loop $iter
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.and (i32.eqz (i32.and (local.get $i) (i32.const 255)))
                     (i64.lt_u (local.get $pages) (i64.const 64)))
          (then
            (local.set $pages (i64.add (local.get $pages) (i64.const 1)))
            (local.set $size (call $stable_size))
            (if (i64.lt_u (local.get $size) (local.get $pages))
              (then
                (if (i64.eq (call $stable_grow (i64.sub (local.get $pages) (local.get $size)))
                            (i64.const -1))
                  (then unreachable))))))
        (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 6364136223846793005))
                               (i64.const 1442695040888963407)))
        (local.set $y (i64.shr_u (local.get $x) (i64.const 16)))
        (local.set $size (i64.shl (local.get $pages) (i64.const 16)))
        (local.set $len (i64.add (i64.const 1) (i64.and (local.get $y) (i64.const 1023))))
        (local.set $off (i64.rem_u (i64.and (i64.shr_u (local.get $y) (i64.const 10))
                                            (i64.const 0x3fffff))
                                   (i64.add (i64.sub (local.get $size) (local.get $len))
                                            (i64.const 1))))
        (local.set $h (i32.add (i32.const 0x10000)
                               (i32.and (i32.wrap_i64 (i64.shr_u (local.get $y) (i64.const 32)))
                                        (i32.const 0x7fff))))
        (if (i64.eqz (i64.shr_u (local.get $x) (i64.const 63)))
          (then
            (call $stable_write (local.get $off) (i64.extend_i32_u (local.get $h))
                                (local.get $len)))
          (else
            (call $stable_read (i64.const 0x20000) (local.get $off) (local.get $len))
            (local.set $cs (call $fold (local.get $cs) (i32.const 0x20000)))
            (i64.store (local.get $h) (local.get $cs))))
        (i64.store (i32.const 8) (local.get $x))
        (call $stable_write
              (i64.and (i64.rem_u (i64.shr_u (local.get $y) (i64.const 20))
                                  (i64.sub (local.get $size) (i64.const 8)))
                       (i64.const -8))
              (i64.const 8) (i64.const 8))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iter)))
    ;; the 8 bytes at every 4096th offset of the region
    (local.set $size (i64.shl (local.get $pages) (i64.const 16)))
    (local.set $off (i64.const 0))
    (block $folded
      (loop $tail
        (br_if $folded (i64.ge_u (local.get $off) (local.get $size)))
        (call $stable_read (i64.const 16) (local.get $off) (i64.const 8))
        (local.set $cs (call $fold (local.get $cs) (i32.const 16)))
        (local.set $off (i64.add (local.get $off) (i64.const 4096)))
        (br $tail)))
    (i64.store (i32.const 0) (local.get $cs))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
)
