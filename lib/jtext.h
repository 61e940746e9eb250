/* JSON text to jansson values and back, for large messages: the text of an
 * OVSDB transaction of thousands of operations and the replies and updates
 * that go with it.  jansson's own json_loadb() reads its input one character
 * at a time through a stream and copies every string twice, and its
 * json_dumps() formats each container's address into a hash table to detect
 * cycles; these do neither, and are three to five times faster.
 *
 * jtext_parse() accepts and refuses what json_loadb(text, len, 0, ...) does
 * (RFC 8259 over UTF-8; the top-level value an object or an array; no
 * "\u0000"; integers that fit json_int_t, reals that do not overflow;
 * nesting up to 2048 levels; a repeated object key keeps its last value) and
 * builds equal values, with one difference: jansson skips a NUL byte that
 * follows a number or a literal ("[1\0]" loads), where jtext_parse() refuses
 * every text holding a NUL byte.  jtext_dump() writes what
 * json_dumps(value, JSON_COMPACT) writes, byte for byte, and refuses what
 * it refuses, except that it also refuses a value nested deeper than 2048
 * levels (which is what stops a cycle).
 * tests/unit/jtext_test.c and the fuzz target fuzz_jtext hold them to that. */
#ifndef XVS_JTEXT_H
#define XVS_JTEXT_H

#include <jansson.h>
#include <stddef.h>

struct sbuf;

/* Room for the reason jtext_parse() gives. */
#define JTEXT_ERR_LEN 96

/* Parses the n bytes at "text" (no terminating NUL needed).  Returns a new
 * reference, or NULL with a one-line reason and the byte offset where the
 * text went wrong in "err" (JTEXT_ERR_LEN bytes). */
json_t *jtext_parse(const char *text, size_t n, char err[JTEXT_ERR_LEN]);

/* Appends the compact JSON text of "value", an object or an array, to
 * "out".  Returns 0, -ENOMEM, or -EINVAL for what json_dumps() refuses too
 * (another type of value, a string that is not UTF-8) and for a value nested
 * deeper than 2048 levels; "out" then holds a partial text. */
int jtext_dump(const json_t *value, struct sbuf *out);

/* The pieces of jtext_dump(), for writers that build JSON text themselves
 * (the journal records of xvs-dbd): a string literal of the n bytes at "s"
 * (0, or -EINVAL when they are not UTF-8), and a real number. */
int jtext_dump_string(const char *s, size_t n, struct sbuf *out);
void jtext_dump_real(double d, struct sbuf *out);

#endif
