/* A JSON parser for large messages: the text of an OVSDB transaction of
 * thousands of operations into jansson values, about three times faster
 * than json_loadb(), which reads its input one character at a time through
 * a stream and copies every string twice.
 *
 * It accepts and refuses what json_loadb(text, len, 0, ...) does (RFC 8259
 * over UTF-8; the top-level value an object or an array; no "\u0000";
 * integers that fit json_int_t, reals that do not overflow; nesting up to
 * 2048 levels; a repeated object key keeps its last value) and builds equal
 * values, with one difference: jansson skips a NUL byte that follows a
 * number or a literal ("[1\0]" loads), where jparse refuses every text
 * holding a NUL byte.  tests/unit/jparse_test.c and the fuzz target
 * fuzz_jparse hold it to that. */
#ifndef XVS_JPARSE_H
#define XVS_JPARSE_H

#include <jansson.h>
#include <stddef.h>

/* Room for the reason jparse() gives. */
#define JPARSE_ERR_LEN 96

/* Parses the n bytes at "text" (no terminating NUL needed).  Returns a new
 * reference, or NULL with a one-line reason and the byte offset where the
 * text went wrong in "err" (JPARSE_ERR_LEN bytes). */
json_t *jparse(const char *text, size_t n, char err[JPARSE_ERR_LEN]);

#endif
