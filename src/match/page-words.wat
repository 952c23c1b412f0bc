;; The word pass of `textShingles` (fingerprint.ts) over UTF-8 bytes, for the archive prefilter: the
;; same words, and for every word whose characters all fold within Latin-1 the same two hashes,
;; computed as the bytes are read. A word with any other character (past Latin-1, or one NFKC
;; changes) is listed instead, by its byte range, for the JavaScript side to fold and hash exactly
;; as `textShingles` does; then the shingles of the words. Built into page-words.wasm by
;; `npm run wasm`; a test holds the two alike.
;;
;; Before the words, `scan` can take a page's text out of its markup as `scanUtf8MarkupBytes`
;; (src/text/html-text.ts) does, leaving the decoding of entities to the caller.
;;
;; Memory: the Latin-1 table at 0 (256 i32: the folded character, 0 for no word character, -1 for
;; a word character that folds otherwise), a bitmap of the word characters below U+10000 at 1024
;; (8 KiB), the tag names the scan knows at 9216 (256 slots of four i32: hash, where the name's
;; bytes are, its length, its kind; a length of 0 is an empty slot) and their bytes from 13312, and
;; from 16384 on what the caller lays out per text.
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

  ;; ---- The markup scan ----

  ;; The scan's state, for `keep` and `put`: the text kept so far (and its bound), where the text
  ;; starts and where the next byte goes, and where the next piece with an entity is listed.
  (global $kept (mut i32) (i32.const 0))
  (global $outStart (mut i32) (i32.const 0))
  (global $out (mut i32) (i32.const 0))
  (global $maxChars (mut i32) (i32.const 0))
  (global $entities (mut i32) (i32.const 0))
  (global $entityEnd (mut i32) (i32.const 0))
  (global $entityCount (export "entityCount") (mut i32) (i32.const 0))

  ;; The first $byte at or after $i before $end, or -1: sixteen bytes at a time, then one by one.
  (func $find (param $byte i32) (param $i i32) (param $end i32) (result i32)
    (local $wanted v128) (local $mask i32)
    (local.set $wanted (i8x16.splat (local.get $byte)))
    (block $tail
      (loop $sixteen
        (br_if $tail (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        (local.set $mask (i8x16.bitmask (i8x16.eq (v128.load (local.get $i)) (local.get $wanted))))
        (if (local.get $mask) (then (return (i32.add (local.get $i) (i32.ctz (local.get $mask))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $sixteen)))
    (block $none
      (loop $next
        (br_if $none (i32.ge_u (local.get $i) (local.get $end)))
        (if (i32.eq (i32.load8_u (local.get $i)) (local.get $byte)) (then (return (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const -1))

  ;; Where "-->" starts at or after $i before $end, or -1.
  (func $findCommentEnd (param $i i32) (param $end i32) (result i32)
    (loop $next
      (local.set $i (call $find (i32.const 0x2d) (local.get $i) (local.get $end)))
      (if (i32.lt_s (local.get $i) (i32.const 0)) (then (return (i32.const -1))))
      (if (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $end))
        (then
          (if (i32.and
                (i32.eq (i32.load8_u offset=1 (local.get $i)) (i32.const 0x2d))
                (i32.eq (i32.load8_u offset=2 (local.get $i)) (i32.const 0x3e)))
            (then (return (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))
    (i32.const -1))

  ;; The byte at $i, or 0 past $end (where the JavaScript scan reads NaN: no character it tests for).
  (func $byteAt (param $i i32) (param $end i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $i) (local.get $end))
      (then (i32.load8_u (local.get $i)))
      (else (i32.const 0))))

  (func $isNameStart (param $c i32) (result i32)
    (i32.lt_u (i32.sub (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x61)) (i32.const 26)))

  (func $isNameChar (param $c i32) (result i32)
    (i32.or
      (call $isNameStart (local.get $c))
      (i32.or
        (i32.lt_u (i32.sub (local.get $c) (i32.const 0x30)) (i32.const 10))
        (i32.or (i32.eq (local.get $c) (i32.const 0x2d)) (i32.eq (local.get $c) (i32.const 0x3a))))))

  ;; HTML's whitespace: space, tab, line feed, form feed, carriage return.
  (func $isSpace (param $c i32) (result i32)
    (i32.or
      (i32.eq (local.get $c) (i32.const 0x20))
      (i32.and
        (i32.lt_u (i32.sub (local.get $c) (i32.const 0x09)) (i32.const 5))
        (i32.ne (local.get $c) (i32.const 0x0b)))))

  ;; Whether $start..$end is only whitespace: sixteen bytes at a time, then one by one.
  (func $isBlank (param $i i32) (param $end i32) (result i32)
    (local $v v128)
    (block $tail
      (loop $sixteen
        (br_if $tail (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load (local.get $i)))
        (if (i32.eqz
              (i8x16.all_true
                (v128.or
                  (v128.or
                    (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x20)))
                    (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x0a))))
                  (v128.or
                    (v128.or
                      (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x09)))
                      (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x0d))))
                    (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x0c)))))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $sixteen)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (if (i32.eqz (call $isSpace (i32.load8_u (local.get $i)))) (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  ;; The kind of the tag named by $start..$end, whose hash is $hash (0: none).
  (func $tagKind (param $start i32) (param $end i32) (param $hash i32) (result i32)
    (local $slot i32) (local $length i32) (local $name i32) (local $i i32)
    (local.set $slot (i32.and (local.get $hash) (i32.const 255)))
    (loop $probe
      (local.set $length (i32.load offset=9224 (i32.shl (local.get $slot) (i32.const 4))))
      (if (i32.eqz (local.get $length)) (then (return (i32.const 0))))
      (if (i32.ne (i32.load offset=9216 (i32.shl (local.get $slot) (i32.const 4))) (local.get $hash))
        (then
          (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (i32.const 255)))
          (br $probe))))
    (if (i32.ne (local.get $length) (i32.sub (local.get $end) (local.get $start))) (then (return (i32.const 0))))
    (local.set $name (i32.load offset=9220 (i32.shl (local.get $slot) (i32.const 4))))
    (block $differs
      (loop $next
        (br_if $differs (i32.ge_u (local.get $i) (local.get $length)))
        (if (i32.ne
              (i32.or (i32.load8_u (i32.add (local.get $start) (local.get $i))) (i32.const 0x20))
              (i32.load8_u (i32.add (local.get $name) (local.get $i))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.load offset=9228 (i32.shl (local.get $slot) (i32.const 4))))

  ;; Where the end tag of the element named $name..$nameEnd starts at or after $i, as the pattern
  ;; `</name[\s/>]` (case aside) finds it in the page read as Latin-1 (where \s also matches
  ;; vertical tab and no-break space), or -1.
  (func $findEndTag (param $i i32) (param $end i32) (param $name i32) (param $nameEnd i32) (result i32)
    (local $length i32) (local $k i32) (local $c i32)
    (local.set $length (i32.sub (local.get $nameEnd) (local.get $name)))
    (loop $next
      (local.set $i (call $find (i32.const 0x3c) (local.get $i) (local.get $end)))
      (if (i32.lt_s (local.get $i) (i32.const 0)) (then (return (i32.const -1))))
      (block $miss
        (br_if $miss (i32.ge_u (i32.add (i32.add (local.get $i) (i32.const 2)) (local.get $length)) (local.get $end)))
        (br_if $miss (i32.ne (i32.load8_u offset=1 (local.get $i)) (i32.const 0x2f)))
        (local.set $k (i32.const 0))
        (loop $letter
          (if (i32.lt_u (local.get $k) (local.get $length))
            (then
              (br_if $miss
                (i32.ne
                  (i32.or (i32.load8_u offset=2 (i32.add (local.get $i) (local.get $k))) (i32.const 0x20))
                  (i32.or (i32.load8_u (i32.add (local.get $name) (local.get $k))) (i32.const 0x20))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $letter))))
        (local.set $c (i32.load8_u offset=2 (i32.add (local.get $i) (local.get $length))))
        (if (i32.or
              (i32.or (call $isSpace (local.get $c)) (i32.eq (local.get $c) (i32.const 0x0b)))
              (i32.or
                (i32.eq (local.get $c) (i32.const 0xa0))
                (i32.or (i32.eq (local.get $c) (i32.const 0x2f)) (i32.eq (local.get $c) (i32.const 0x3e)))))
          (then (return (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))
    (i32.const -1))

  (func $put (param $c i32)
    (i32.store8 (global.get $out) (local.get $c))
    (global.set $out (i32.add (global.get $out) (i32.const 1))))

  ;; Keep the page's text from $start to $end: one space when it is only whitespace, else its bytes
  ;; up to the bound, listed (where they start and end in the output) when they hold an entity.
  (func $keep (param $start i32) (param $end i32)
    (local $n i32)
    (if (i32.ge_u (global.get $kept) (global.get $maxChars)) (then (return)))
    (if (i32.le_u (local.get $end) (local.get $start)) (then (return)))
    (if (call $isBlank (local.get $start) (local.get $end))
      (then
        (call $put (i32.const 0x20))
        (global.set $kept (i32.add (global.get $kept) (i32.const 1)))
        (return)))
    (local.set $n (i32.sub (local.get $end) (local.get $start)))
    (if (i32.gt_u (local.get $n) (i32.sub (global.get $maxChars) (global.get $kept)))
      (then (local.set $n (i32.sub (global.get $maxChars) (global.get $kept)))))
    (if (i32.ge_s (call $find (i32.const 0x26) (local.get $start) (local.get $end)) (i32.const 0))
      (then
        (if (i32.lt_u (global.get $entities) (global.get $entityEnd))
          (then
            (i32.store (global.get $entities) (i32.sub (global.get $out) (global.get $outStart)))
            (i32.store offset=4 (global.get $entities)
              (i32.add (i32.sub (global.get $out) (global.get $outStart)) (local.get $n)))
            (global.set $entities (i32.add (global.get $entities) (i32.const 8)))))
        (global.set $entityCount (i32.add (global.get $entityCount) (i32.const 1)))))
    (memory.copy (global.get $out) (local.get $start) (local.get $n))
    (global.set $out (i32.add (global.get $out) (local.get $n)))
    (global.set $kept (i32.add (global.get $kept) (local.get $n))))

  ;; The text of the $len bytes of markup at $ptr, written at $out (it is never longer than the
  ;; markup); the pieces holding an entity listed at $entities as pairs of i32 (start and end in
  ;; the text), at most $maxEntities of them (`entityCount` counts them all: a caller that sees
  ;; more than it gave room for scans another way). Returns the text's length.
  (func (export "scan")
    (param $ptr i32) (param $len i32) (param $outPtr i32) (param $maxChars i32)
    (param $entityPtr i32) (param $maxEntities i32) (result i32)
    (local $end i32) (local $at i32) (local $open i32) (local $next i32) (local $close i32)
    (local $closing i32) (local $nameStart i32) (local $nameEnd i32) (local $hash i32) (local $kind i32)
    (local $c i32) (local $tagEnd i32) (local $found i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (local.set $at (local.get $ptr))
    (global.set $out (local.get $outPtr))
    (global.set $outStart (local.get $outPtr))
    (global.set $kept (i32.const 0))
    (global.set $maxChars (local.get $maxChars))
    (global.set $entities (local.get $entityPtr))
    (global.set $entityEnd (i32.add (local.get $entityPtr) (i32.shl (local.get $maxEntities) (i32.const 3))))
    (global.set $entityCount (i32.const 0))
    (block $done
      (loop $tag
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (br_if $done (i32.ge_u (global.get $kept) (global.get $maxChars)))
        (local.set $open (call $find (i32.const 0x3c) (local.get $at) (local.get $end)))
        (if (i32.lt_s (local.get $open) (i32.const 0))
          (then (call $keep (local.get $at) (local.get $end)) (br $done)))
        (local.set $next (call $byteAt (i32.add (local.get $open) (i32.const 1)) (local.get $end)))
        (if (i32.eq (local.get $next) (i32.const 0x21))
          (then
            (call $keep (local.get $at) (local.get $open))
            (if (i32.and
                  (i32.eq (call $byteAt (i32.add (local.get $open) (i32.const 2)) (local.get $end)) (i32.const 0x2d))
                  (i32.eq (call $byteAt (i32.add (local.get $open) (i32.const 3)) (local.get $end)) (i32.const 0x2d)))
              (then
                (local.set $close (call $findCommentEnd (i32.add (local.get $open) (i32.const 4)) (local.get $end)))
                (local.set $at
                  (select (local.get $end) (i32.add (local.get $close) (i32.const 3))
                    (i32.lt_s (local.get $close) (i32.const 0)))))
              (else
                (local.set $close (call $find (i32.const 0x3e) (i32.add (local.get $open) (i32.const 2)) (local.get $end)))
                (local.set $at
                  (select (local.get $end) (i32.add (local.get $close) (i32.const 1))
                    (i32.lt_s (local.get $close) (i32.const 0))))))
            (br $tag)))
        (local.set $closing (i32.eq (local.get $next) (i32.const 0x2f)))
        (local.set $nameStart (i32.add (i32.add (local.get $open) (i32.const 1)) (local.get $closing)))
        (local.set $c (call $byteAt (local.get $nameStart) (local.get $end)))
        (if (i32.eqz (call $isNameStart (local.get $c)))
          (then
            ;; A '<' that starts no tag is text ("a < b"); a stray "</" is skipped to its '>'.
            (if (local.get $closing)
              (then
                (call $keep (local.get $at) (local.get $open))
                (local.set $close (call $find (i32.const 0x3e) (i32.add (local.get $open) (i32.const 2)) (local.get $end)))
                (local.set $at
                  (select (local.get $end) (i32.add (local.get $close) (i32.const 1))
                    (i32.lt_s (local.get $close) (i32.const 0)))))
              (else
                (call $keep (local.get $at) (i32.add (local.get $open) (i32.const 1)))
                (local.set $at (i32.add (local.get $open) (i32.const 1)))))
            (br $tag)))
        (call $keep (local.get $at) (local.get $open))
        (local.set $hash (i32.or (local.get $c) (i32.const 0x20)))
        (local.set $nameEnd (i32.add (local.get $nameStart) (i32.const 1)))
        (block $nameDone
          (loop $name
            (br_if $nameDone (i32.ge_u (local.get $nameEnd) (local.get $end)))
            (local.set $c (i32.load8_u (local.get $nameEnd)))
            (br_if $nameDone (i32.eqz (call $isNameChar (local.get $c))))
            (local.set $hash
              (i32.and
                (i32.add (i32.mul (local.get $hash) (i32.const 31)) (i32.or (local.get $c) (i32.const 0x20)))
                (i32.const 0x3fffffff)))
            (local.set $nameEnd (i32.add (local.get $nameEnd) (i32.const 1)))
            (br $name)))
        (local.set $kind (call $tagKind (local.get $nameStart) (local.get $nameEnd) (local.get $hash)))
        ;; The end of the tag, past quoted attribute values (which may hold '>').
        (local.set $tagEnd (local.get $nameEnd))
        (block $tagDone
          (loop $attribute
            (br_if $tagDone (i32.ge_u (local.get $tagEnd) (local.get $end)))
            (local.set $c (i32.load8_u (local.get $tagEnd)))
            (br_if $tagDone (i32.eq (local.get $c) (i32.const 0x3e)))
            (if (i32.and
                  (i32.or (i32.eq (local.get $c) (i32.const 0x22)) (i32.eq (local.get $c) (i32.const 0x27)))
                  (i32.eq (i32.load8_u (i32.sub (local.get $tagEnd) (i32.const 1))) (i32.const 0x3d)))
              (then
                (local.set $close (call $find (local.get $c) (i32.add (local.get $tagEnd) (i32.const 1)) (local.get $end)))
                (local.set $tagEnd
                  (select (local.get $end) (i32.add (local.get $close) (i32.const 1))
                    (i32.lt_s (local.get $close) (i32.const 0))))
                (br $attribute)))
            (local.set $tagEnd (i32.add (local.get $tagEnd) (i32.const 1)))
            (br $attribute)))
        (local.set $at (i32.add (local.get $tagEnd) (i32.const 1)))
        (if (i32.and (local.get $kind) (i32.const 1)) (then (call $put (i32.const 0x0a))))
        (br_if $tag (local.get $closing))
        ;; Skipped elements are skipped whole; raw-text ones that are text (a title) are kept.
        (if (i32.and
              (i32.ne (i32.load8_u (i32.sub (local.get $tagEnd) (i32.const 1))) (i32.const 0x2f))
              (i32.ne (i32.and (local.get $kind) (i32.const 6)) (i32.const 0)))
          (then
            (local.set $found
              (call $findEndTag (local.get $at) (local.get $end) (local.get $nameStart) (local.get $nameEnd)))
            (if (i32.ge_s (local.get $found) (i32.const 0))
              (then
                (if (i32.eqz (i32.and (local.get $kind) (i32.const 4)))
                  (then (call $keep (local.get $at) (local.get $found))))
                (local.set $close (call $find (i32.const 0x3e) (local.get $found) (local.get $end)))
                (local.set $at
                  (select (local.get $end) (i32.add (local.get $close) (i32.const 1))
                    (i32.lt_s (local.get $close) (i32.const 0))))
                (if (i32.and (local.get $kind) (i32.const 1)) (then (call $put (i32.const 0x0a)))))
              (else
                (if (i32.and (local.get $kind) (i32.const 2))
                  (then
                    ;; An unclosed raw-text element runs to the end of the document.
                    (if (i32.eqz (i32.and (local.get $kind) (i32.const 4)))
                      (then (call $keep (local.get $at) (local.get $end))))
                    (local.set $at (local.get $end))))))))
        (br $tag)))
    (i32.sub (global.get $out) (local.get $outPtr)))
)
