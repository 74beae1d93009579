;; Stress canister: allocation.  A segregated free-list allocator (six size classes of
;; 16 << k bytes, k = 0..5, an 8-byte header per block) under a workload of many small
;; allocations and frees; the heap grows with memory.grow as the bump pointer passes the end.
;;
;; update "run": argument n (u32, little-endian); reply: the checksum (u64, little-endian).
;; Every run starts from an empty heap (memory stays as grown), so the reply depends on n only.
;;
;; Iteration i (x: a 64-bit LCG, r = x >> 33):
;;   slot = r & 4095, words = 1 + (r >> 12) % 63           (8..504 bytes)
;;   if the slot holds a block: fold it into the checksum, free it
;;   allocate `words` words, store x + j in word j, keep the block in the slot
;; Folding block p (first word f, last word l): cs = (cs ^ (f + l + p)) * FNV_PRIME.
;; At the end the live blocks are folded in slot order, then cs ^= bump pointer.
;;
;; Layout: [64, 88) free-list heads (block addresses, 0 = empty); [1024, 17408) the 4096
;; slots (user pointers); the heap starts at 65536.  Block: i32 class, i32 words, then
;; the payload (the user pointer is the block + 8); a free block keeps the next free block's
;; address in its first payload word.
(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))

  (memory 1)
  (global $bump (mut i32) (i32.const 65536))

  ;; a block of class k for `words` payload words; its user pointer
  (func $alloc (param $words i32) (result i32)
    (local $k i32) (local $block i32) (local $end i32) (local $head i32)
    ;; the smallest class whose payload (16 << k) - 8 holds the words
    (block $found
      (loop $next
        (br_if $found (i32.ge_u (i32.sub (i32.shl (i32.const 16) (local.get $k)) (i32.const 8))
                                (i32.shl (local.get $words) (i32.const 3))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (local.set $head (i32.add (i32.const 64) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $block (i32.load (local.get $head)))
    (if (local.get $block)
      (then   ;; pop the free list
        (i32.store (local.get $head) (i32.load offset=8 (local.get $block))))
      (else   ;; bump, growing memory by whole pages when the block passes the end
        (local.set $block (global.get $bump))
        (local.set $end (i32.add (local.get $block) (i32.shl (i32.const 16) (local.get $k))))
        (global.set $bump (local.get $end))
        (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
          (then
            (if (i32.eq (memory.grow (i32.shr_u (i32.sub (i32.add (local.get $end)
                                                                  (i32.const 65535))
                                                         (i32.shl (memory.size) (i32.const 16)))
                                                (i32.const 16)))
                        (i32.const -1))
              (then unreachable))))))
    (i32.store (local.get $block) (local.get $k))
    (i32.store offset=4 (local.get $block) (local.get $words))
    (i32.add (local.get $block) (i32.const 8)))

  (func $free (param $p i32)
    (local $head i32)
    (local.set $head (i32.add (i32.const 64)
                              (i32.shl (i32.load (i32.sub (local.get $p) (i32.const 8)))
                                       (i32.const 2))))
    (i32.store (local.get $p) (i32.load (local.get $head)))
    (i32.store (local.get $head) (i32.sub (local.get $p) (i32.const 8))))

  ;; cs folded with the block at user pointer p (b = p - 8: its last word is at b + 8 words)
  (func $fold (param $cs i64) (param $p i32) (result i64)
    (local $b i32)
    (local.set $b (i32.sub (local.get $p) (i32.const 8)))
    (i64.mul
      (i64.xor (local.get $cs)
               (i64.add (i64.add (i64.load offset=8 (local.get $b))
                                 (i64.load (i32.add (local.get $b)
                                                    (i32.shl (i32.load offset=4 (local.get $b))
                                                             (i32.const 3)))))
                        (i64.extend_i32_u (local.get $p))))
      (i64.const 0x100000001b3)))

  (func (export "canister_update run")
    (local $n i32) (local $i i32) (local $x i64) (local $r i32) (local $slot i32)
    (local $words i32) (local $p i32) (local $j i32) (local $cs i64)
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (local.set $n (i32.load (i32.const 0)))
    ;; an empty heap: no free blocks, no slots in use
    (memory.fill (i32.const 64) (i32.const 0) (i32.const 24))
    (memory.fill (i32.const 1024) (i32.const 0) (i32.const 16384))
    (global.set $bump (i32.const 65536))
    (local.set $x (i64.const 0x853c49e6748fea9b))
    (local.set $cs (i64.const 0xcbf29ce484222325))
    (block $done
      (loop $iter
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 6364136223846793005))
                               (i64.const 1442695040888963407)))
        (local.set $r (i32.wrap_i64 (i64.shr_u (local.get $x) (i64.const 33))))
        (local.set $slot (i32.add (i32.const 1024)
                                  (i32.shl (i32.and (local.get $r) (i32.const 4095))
                                           (i32.const 2))))
        (local.set $words (i32.add (i32.const 1)
                                   (i32.rem_u (i32.shr_u (local.get $r) (i32.const 12))
                                              (i32.const 63))))
        (local.set $p (i32.load (local.get $slot)))
        (if (local.get $p)
          (then
            (local.set $cs (call $fold (local.get $cs) (local.get $p)))
            (call $free (local.get $p))))
        (local.set $p (call $alloc (local.get $words)))
        (i32.store (local.get $slot) (local.get $p))
        (local.set $j (i32.const 0))
        (loop $fill   ;; word j = x + j
          (i64.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 3)))
                     (i64.add (local.get $x) (i64.extend_i32_u (local.get $j))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $fill (i32.lt_u (local.get $j) (local.get $words))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iter)))
    ;; the live blocks, in slot order
    (local.set $slot (i32.const 1024))
    (loop $live
      (local.set $p (i32.load (local.get $slot)))
      (if (local.get $p)
        (then (local.set $cs (call $fold (local.get $cs) (local.get $p)))))
      (local.set $slot (i32.add (local.get $slot) (i32.const 4)))
      (br_if $live (i32.lt_u (local.get $slot) (i32.const 17408))))
    (i64.store (i32.const 0) (i64.xor (local.get $cs) (i64.extend_i32_u (global.get $bump))))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
)
