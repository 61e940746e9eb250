/* XenAPI errors as xe prints them.
 *
 * For an error code XAPI documents, xe prints the documentation sentence
 * and then one "name: value" line per parameter, naming the parameters as
 * the datamodel does (extra values as "<extra>", missing ones as
 * "<unknown>"):
 *
 *   The uuid you supplied was invalid.
 *   type: PIF
 *   uuid: 00000000-0000-0000-0000-000000000000
 *
 * For any other code it prints "Error code: CODE" and "Error parameters:
 * p1, p2".  The table here covers the codes the network, VIF, VM and
 * plugin verbs can meet. */
#ifndef XVS_XE_ERR_H
#define XVS_XE_ERR_H

#include <stddef.h>

struct sbuf;

/* The documentation sentence of "code" and its parameter names (a
 * NULL-terminated list in "*params"), or NULL when the code is not in the
 * table. */
const char *xe_err_doc(const char *code, const char *const **params);

/* Appends the text xe prints for error "code" with "n" parameters "v".
 * Every line ends in '\n'.  Returns 0 or -ENOMEM. */
int xe_err_format(const char *code, const char *const *v, size_t n, struct sbuf *out);

#endif
