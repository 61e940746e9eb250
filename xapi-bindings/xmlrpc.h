/* XML-RPC values and their codec (libxml2), as XenAPI uses them.
 *
 * A value is a tree: scalars, arrays and structs.  Containers own their
 * children.  Struct member order is kept (XAPI does not care, but stable
 * output makes files and transcripts diffable).
 *
 * Decoding is bounded by struct xr_limits: input size, nesting depth and
 * number of values.  Malformed or oversized input returns a negative errno
 * and a one-line reason from xr_last_error(); it never crashes. */
#ifndef XVS_XMLRPC_H
#define XVS_XMLRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xr_type {
    XR_NIL,
    XR_INT, /* From <int>, <i4> or <i8>, 64 bits; encoded as <i8> outside int32. */
    XR_BOOL,
    XR_STRING,
    XR_DOUBLE,
    XR_DATETIME, /* dateTime.iso8601, kept as its text, e.g. 20261124T17:29:36Z. */
    XR_BASE64,   /* Decoded bytes. */
    XR_ARRAY,
    XR_STRUCT,
};

struct xr_value;

/* Constructors.  Each returns NULL on allocation failure (or, for
 * xr_datetime(), when "iso" is not of the form YYYYMMDDTHH:MM:SS or
 * YYYY-MM-DDTHH:MM:SS with an optional zone suffix: "Z", "+hh:mm" or
 * "-hh:mm"). */
struct xr_value *xr_nil(void);
struct xr_value *xr_int(int64_t i);
struct xr_value *xr_bool(bool b);
struct xr_value *xr_string(const char *s);
struct xr_value *xr_string_n(const char *s, size_t len);
struct xr_value *xr_double(double d);
struct xr_value *xr_datetime(const char *iso);
struct xr_value *xr_base64(const void *data, size_t len);
struct xr_value *xr_array(void);
struct xr_value *xr_struct(void);

/* Deep copy; NULL on allocation failure. */
struct xr_value *xr_copy(const struct xr_value *v);

/* Frees "v" and everything below it.  Accepts NULL. */
void xr_free(struct xr_value *v);

/* Appends "item" to array "arr", taking ownership of "item" in every case
 * (it is freed on failure).  Returns 0, -EINVAL (not an array, or item
 * NULL, which also covers a failed constructor passed straight in) or
 * -ENOMEM. */
int xr_array_append(struct xr_value *arr, struct xr_value *item);

/* Sets member "key" of struct "st" to "v", replacing an existing member of
 * that name in place.  Takes ownership of "v" in every case.  Returns 0,
 * -EINVAL or -ENOMEM. */
int xr_struct_set(struct xr_value *st, const char *key, struct xr_value *v);

/* Shorthands for xr_struct_set() with a new string / a new int. */
int xr_struct_set_string(struct xr_value *st, const char *key, const char *s);
int xr_struct_set_int(struct xr_value *st, const char *key, int64_t i);
int xr_struct_set_bool(struct xr_value *st, const char *key, bool b);

/* Removes member "key" if present.  Returns true if it was. */
bool xr_struct_remove(struct xr_value *st, const char *key);

/* The type of "v"; XR_NIL when "v" is NULL, so that an absent member reads
 * as nil. */
enum xr_type xr_type(const struct xr_value *v);
const char *xr_type_name(enum xr_type type);

/* Scalar accessors.  Each returns 0, or -EINVAL when "v" is NULL or of
 * another type.  xr_get_int() also accepts a string holding a decimal
 * integer, because XAPI transports its int fields as strings (PIF.VLAN "-1",
 * network.MTU "1500"). */
int xr_get_int(const struct xr_value *v, int64_t *out);
int xr_get_bool(const struct xr_value *v, bool *out);
int xr_get_double(const struct xr_value *v, double *out);

/* The text of a string or datetime, else NULL.  Borrowed from "v". */
const char *xr_get_string(const struct xr_value *v);

/* The bytes of a string or base64 value, else NULL.  Borrowed. */
const void *xr_get_bytes(const struct xr_value *v, size_t *len);

/* Containers.  Out-of-range indexes and wrong types return 0 / NULL. */
size_t xr_array_len(const struct xr_value *v);
struct xr_value *xr_array_get(const struct xr_value *v, size_t i);
size_t xr_struct_len(const struct xr_value *v);
const char *xr_struct_key(const struct xr_value *v, size_t i);
struct xr_value *xr_struct_value(const struct xr_value *v, size_t i);
struct xr_value *xr_struct_get(const struct xr_value *v, const char *key);

/* Detaches and returns member "key" of "st" (the caller owns it), or NULL. */
struct xr_value *xr_struct_take(struct xr_value *st, const char *key);

/* Structural equality (same types, same members in any order for structs). */
bool xr_equal(const struct xr_value *a, const struct xr_value *b);

/* Limits applied while decoding. */
struct xr_limits {
    size_t max_size;    /* Bytes of input. */
    unsigned max_depth; /* Nesting of arrays and structs. */
    size_t max_values;  /* Values in the whole document. */
};

/* 64 MiB, depth 64, 4 million values: room for get_all_records of a big
 * pool, small enough that a hostile peer cannot exhaust memory. */
extern const struct xr_limits xr_default_limits;

/* Encoders.  Each writes a complete XML document into a new buffer that the
 * caller frees, and returns 0 or -ENOMEM (-EINVAL for bad arguments, "out"
 * NULL included, or for a value XML-RPC cannot carry, such as text that is
 * not XML characters or a non-finite double).  "len" may be NULL.  On
 * failure "*out" is NULL and xr_last_error() says why.  "params" is an
 * XR_ARRAY of parameters (NULL for none).  A NULL "reason" in
 * xr_encode_fault() means "". */
int xr_encode_call(const char *method, const struct xr_value *params, char **out, size_t *len);
int xr_encode_response(const struct xr_value *result, char **out, size_t *len);
int xr_encode_fault(int code, const char *reason, char **out, size_t *len);

/* Decodes a <methodCall>.  On success "*method" (caller frees) and "*params"
 * (an XR_ARRAY, caller frees) are set.  "limits" NULL means the defaults.
 * Returns 0, -EBADMSG (malformed), -E2BIG (over a limit), -ENOMEM, or
 * -EINVAL when an output pointer is NULL. */
int xr_decode_call(const char *buf, size_t len, const struct xr_limits *limits, char **method,
                   struct xr_value **params);

/* A <fault> from the peer. */
struct xr_fault {
    int code;
    char *reason; /* Owned; free with xr_fault_clear(). */
};
void xr_fault_clear(struct xr_fault *fault);

/* Decodes a <methodResponse>.  Returns 0 with "*result" set (caller frees),
 * 1 when the response is a fault ("fault" filled, "*result" NULL), or
 * -EBADMSG / -E2BIG / -ENOMEM, or -EINVAL when "result" is NULL.  "fault"
 * may be NULL when the caller only needs to know that a fault came back. */
int xr_decode_response(const char *buf, size_t len, const struct xr_limits *limits,
                       struct xr_value **result, struct xr_fault *fault);

/* Encodes / decodes one bare <value> element, for state files that store a
 * value tree.  Same return conventions as above. */
int xr_encode_value(const struct xr_value *v, char **out, size_t *len);
int xr_decode_value(const char *buf, size_t len, const struct xr_limits *limits,
                    struct xr_value **v);

/* A one-line description of the last decode or encode error in this
 * thread. */
const char *xr_last_error(void);

#endif
