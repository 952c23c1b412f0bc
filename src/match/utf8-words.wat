;; The word pass of `textShingles` (fingerprint.ts) over UTF-8 bytes, for the archive prefilter: the
;; same words, and for every word whose characters all fold within Latin-1 the same two hashes,
;; computed as the bytes are read. A word with any other character (past Latin-1, or one NFKC
;; changes) is listed instead, by its byte range, for the JavaScript side to fold and hash exactly
;; as `textShingles` does; then the shingles of the words. Built into utf8-words.wasm by
;; `npm run wasm`; a test holds the two alike.
;;
;; Memory: the Latin-1 table at 0 (256 i32: the folded character, 0 for no word character, -1 for
;; a word character that folds otherwise), a bitmap of the word characters below U+10000 at 1024
;; (8 KiB), and from 16384 on what the caller lays out per text.
;;
;; Ill-formed UTF-8 reads as U+FFFD, which is no word character, one byte at a time: the words are
;; those of the text `TextDecoder` makes of the same bytes.
(module
  (import "env" "astralWord" (func $astralWord (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $slowCount (export "slowCount") (mut i32) (i32.const 0))

  (func $fmix (param $h i32) (result i32)
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0x85ebca6b)))
    (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))))
    (local.set $h (i32.mul (local.get $h) (i32.const 0xc2b2ae35)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))

  ;; The character at $i (before $end) that does not start with an ASCII byte: its code point in
  ;; the low 21 bits and its length in bytes from bit 24; an ill-formed sequence is one byte of
  ;; U+FFFD. The bounds are the Unicode standard's (table 3-7), as the WHATWG decoder checks them.
  (func $multibyte (param $i i32) (param $end i32) (result i32)
    (local $c i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local.set $c (i32.load8_u (local.get $i)))
    (if (i32.lt_u (local.get $c) (i32.const 0xc2)) (then (return (i32.const 0x100fffd))))
    (if (i32.lt_u (local.get $c) (i32.const 0xe0))
      (then
        (if (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $end))
          (then (return (i32.const 0x100fffd))))
        (local.set $c1 (i32.xor (i32.load8_u offset=1 (local.get $i)) (i32.const 0x80)))
        (if (i32.gt_u (local.get $c1) (i32.const 0x3f)) (then (return (i32.const 0x100fffd))))
        (return
          (i32.or
            (i32.or (i32.shl (i32.and (local.get $c) (i32.const 0x1f)) (i32.const 6)) (local.get $c1))
            (i32.const 0x2000000)))))
    (if (i32.lt_u (local.get $c) (i32.const 0xf0))
      (then
        (if (i32.ge_u (i32.add (local.get $i) (i32.const 2)) (local.get $end))
          (then (return (i32.const 0x100fffd))))
        (local.set $c1 (i32.load8_u offset=1 (local.get $i)))
        ;; E0 needs A0..BF next (no overlong form), ED 80..9F (no surrogate), the others 80..BF.
        (if (i32.lt_u (local.get $c1)
              (select (i32.const 0xa0) (i32.const 0x80) (i32.eq (local.get $c) (i32.const 0xe0))))
          (then (return (i32.const 0x100fffd))))
        (if (i32.gt_u (local.get $c1)
              (select (i32.const 0x9f) (i32.const 0xbf) (i32.eq (local.get $c) (i32.const 0xed))))
          (then (return (i32.const 0x100fffd))))
        (local.set $c2 (i32.xor (i32.load8_u offset=2 (local.get $i)) (i32.const 0x80)))
        (if (i32.gt_u (local.get $c2) (i32.const 0x3f)) (then (return (i32.const 0x100fffd))))
        (return
          (i32.or
            (i32.or
              (i32.shl (i32.and (local.get $c) (i32.const 0x0f)) (i32.const 12))
              (i32.or (i32.shl (i32.and (local.get $c1) (i32.const 0x3f)) (i32.const 6)) (local.get $c2)))
            (i32.const 0x3000000)))))
    (if (i32.gt_u (local.get $c) (i32.const 0xf4)) (then (return (i32.const 0x100fffd))))
    (if (i32.ge_u (i32.add (local.get $i) (i32.const 3)) (local.get $end))
      (then (return (i32.const 0x100fffd))))
    (local.set $c1 (i32.load8_u offset=1 (local.get $i)))
    ;; F0 needs 90..BF next (no overlong form), F4 80..8F (nothing past U+10FFFF), the others 80..BF.
    (if (i32.lt_u (local.get $c1)
          (select (i32.const 0x90) (i32.const 0x80) (i32.eq (local.get $c) (i32.const 0xf0))))
      (then (return (i32.const 0x100fffd))))
    (if (i32.gt_u (local.get $c1)
          (select (i32.const 0x8f) (i32.const 0xbf) (i32.eq (local.get $c) (i32.const 0xf4))))
      (then (return (i32.const 0x100fffd))))
    (local.set $c2 (i32.xor (i32.load8_u offset=2 (local.get $i)) (i32.const 0x80)))
    (if (i32.gt_u (local.get $c2) (i32.const 0x3f)) (then (return (i32.const 0x100fffd))))
    (local.set $c3 (i32.xor (i32.load8_u offset=3 (local.get $i)) (i32.const 0x80)))
    (if (i32.gt_u (local.get $c3) (i32.const 0x3f)) (then (return (i32.const 0x100fffd))))
    (i32.or
      (i32.or
        (i32.or
          (i32.shl (i32.and (local.get $c) (i32.const 0x07)) (i32.const 18))
          (i32.shl (i32.and (local.get $c1) (i32.const 0x3f)) (i32.const 12)))
        (i32.or (i32.shl (local.get $c2) (i32.const 6)) (local.get $c3)))
      (i32.const 0x4000000)))

  ;; What a code point is to a word: its folded form (> 0), no word character (0), or a word
  ;; character that the JavaScript side folds (-1).
  (func $class (param $cp i32) (result i32)
    (if (i32.lt_u (local.get $cp) (i32.const 0x100))
      (then (return (i32.load (i32.shl (local.get $cp) (i32.const 2))))))
    (if (i32.lt_u (local.get $cp) (i32.const 0x10000))
      (then
        (return
          (i32.sub (i32.const 0)
            (i32.and
              (i32.shr_u
                (i32.load8_u offset=1024 (i32.shr_u (local.get $cp) (i32.const 3)))
                (i32.and (local.get $cp) (i32.const 7)))
              (i32.const 1))))))
    (i32.sub (i32.const 0) (call $astralWord (local.get $cp))))

  ;; Hash the words of the $len bytes at $ptr: the two halves of word n at $high + 4n and $low + 4n.
  ;; A word left to the caller is listed at $slow as three i32 (n, its first byte and the byte after
  ;; it, both from $ptr), its halves not written; `slowCount` says how many. Returns the words.
  (func (export "words")
    (param $ptr i32) (param $len i32) (param $high i32) (param $low i32) (param $slow i32) (result i32)
    (local $i i32) (local $end i32) (local $c i32) (local $packed i32) (local $cp i32) (local $size i32)
    (local $l i32) (local $start i32) (local $listed i32) (local $a i32) (local $b i32) (local $folded i32)
    (local $n i32) (local $slows i32) (local $j i32)
    (local.set $i (local.get $ptr))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $i)))
        (if (i32.lt_u (local.get $c) (i32.const 0x80))
          (then
            (local.set $l (i32.load (i32.shl (local.get $c) (i32.const 2))))
            (local.set $size (i32.const 1)))
          (else
            (local.set $packed (call $multibyte (local.get $i) (local.get $end)))
            (local.set $l (call $class (i32.and (local.get $packed) (i32.const 0x1fffff))))
            (local.set $size (i32.shr_u (local.get $packed) (i32.const 24)))))
        (if (i32.eqz (local.get $l))
          (then
            (local.set $i (i32.add (local.get $i) (local.get $size)))
            (br $scan)))
        ;; A word starts here.
        (local.set $start (local.get $i))
        (local.set $listed (i32.const 0))
        (local.set $a (i32.const 0x811c9dc5))
        (local.set $b (i32.const 0x9747b28c))
        (local.set $folded (i32.const 0))
        (block $wordEnd
          (loop $word
            (if (i32.gt_s (local.get $l) (i32.const 0))
              (then
                (local.set $a (i32.mul (i32.xor (local.get $a) (local.get $l)) (i32.const 0x01000193)))
                (local.set $b (i32.mul (i32.xor (local.get $b) (local.get $l)) (i32.const 0x5bd1e995)))
                (local.set $b (i32.xor (local.get $b) (i32.shr_u (local.get $b) (i32.const 15))))
                (local.set $folded (i32.add (local.get $folded) (i32.const 1))))
              (else (local.set $listed (i32.const 1))))
            (local.set $i (i32.add (local.get $i) (local.get $size)))
            (br_if $wordEnd (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $c (i32.load8_u (local.get $i)))
            (if (i32.lt_u (local.get $c) (i32.const 0x80))
              (then
                (local.set $l (i32.load (i32.shl (local.get $c) (i32.const 2))))
                (local.set $cp (local.get $c))
                (local.set $size (i32.const 1)))
              (else
                (local.set $packed (call $multibyte (local.get $i) (local.get $end)))
                (local.set $cp (i32.and (local.get $packed) (i32.const 0x1fffff)))
                (local.set $l (call $class (local.get $cp)))
                (local.set $size (i32.shr_u (local.get $packed) (i32.const 24)))))
            (br_if $word (local.get $l))
            ;; An apostrophe (' or ’) joins two runs of word characters, and is dropped from the word.
            (br_if $wordEnd
              (i32.and
                (i32.ne (local.get $cp) (i32.const 0x27))
                (i32.ne (local.get $cp) (i32.const 0x2019))))
            (local.set $j (i32.add (local.get $i) (local.get $size)))
            (br_if $wordEnd (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $c (i32.load8_u (local.get $j)))
            (if (i32.lt_u (local.get $c) (i32.const 0x80))
              (then
                (local.set $l (i32.load (i32.shl (local.get $c) (i32.const 2))))
                (local.set $size (i32.const 1)))
              (else
                (local.set $packed (call $multibyte (local.get $j) (local.get $end)))
                (local.set $l (call $class (i32.and (local.get $packed) (i32.const 0x1fffff))))
                (local.set $size (i32.shr_u (local.get $packed) (i32.const 24)))))
            (br_if $wordEnd (i32.eqz (local.get $l)))
            (local.set $i (local.get $j))
            (br $word)))
        (if (local.get $listed)
          (then
            (i32.store (local.get $slow) (local.get $n))
            (i32.store offset=4 (local.get $slow) (i32.sub (local.get $start) (local.get $ptr)))
            (i32.store offset=8 (local.get $slow) (i32.sub (local.get $i) (local.get $ptr)))
            (local.set $slow (i32.add (local.get $slow) (i32.const 12)))
            (local.set $slows (i32.add (local.get $slows) (i32.const 1))))
          (else
            (i32.store (i32.add (local.get $high) (i32.shl (local.get $n) (i32.const 2)))
              (call $fmix (local.get $a)))
            (i32.store (i32.add (local.get $low) (i32.shl (local.get $n) (i32.const 2)))
              (call $fmix (i32.xor (local.get $b) (local.get $folded))))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $scan)))
    (global.set $slowCount (local.get $slows))
    (local.get $n))

  ;; The hashes of each run of $k of the $n words whose halves are at $high and $low, as
  ;; `shinglesOfWords` (fingerprint.ts) makes them, written over the words' own: run i's in place of
  ;; word i's, which no later run reads. Returns how many runs.
  (func (export "shingles") (param $high i32) (param $low i32) (param $n i32) (param $k i32) (result i32)
    (local $count i32) (local $i i32) (local $j i32) (local $at i32) (local $h i32) (local $l i32)
    (local.set $count (i32.add (i32.sub (local.get $n) (local.get $k)) (i32.const 1)))
    (if (i32.le_s (local.get $count) (i32.const 0)) (then (return (i32.const 0))))
    (loop $run
      (local.set $h (i32.const 0x3c6ef372))
      (local.set $l (i32.const 0x1b873593))
      (local.set $j (i32.const 0))
      (local.set $at (i32.shl (local.get $i) (i32.const 2)))
      (loop $word
        (local.set $h
          (i32.add
            (i32.mul
              (i32.xor (local.get $h) (i32.load (i32.add (local.get $high) (local.get $at))))
              (i32.const 0x01000193))
            (local.get $j)))
        (local.set $h (i32.rotl (local.get $h) (i32.const 13)))
        (local.set $l
          (i32.mul
            (i32.xor (local.get $l) (i32.load (i32.add (local.get $low) (local.get $at))))
            (i32.const 0xcc9e2d51)))
        (local.set $l (i32.rotl (local.get $l) (i32.const 15)))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $word (i32.lt_u (local.get $j) (local.get $k))))
      (local.set $at (i32.shl (local.get $i) (i32.const 2)))
      (i32.store (i32.add (local.get $high) (local.get $at)) (call $fmix (local.get $h)))
      (i32.store (i32.add (local.get $low) (local.get $at)) (call $fmix (i32.xor (local.get $l) (local.get $h))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $run (i32.lt_u (local.get $i) (local.get $count))))
    (local.get $count))
)
