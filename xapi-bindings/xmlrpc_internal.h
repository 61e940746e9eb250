/* Private to the XML-RPC codec: shared by xmlrpc.c (values, encoders) and
 * xmlrpc_decode.c (the decoder) and included by nothing else.  Everything
 * outside the codec uses xmlrpc.h, whose value type stays opaque. */
#ifndef XVS_XMLRPC_INTERNAL_H
#define XVS_XMLRPC_INTERNAL_H

#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xmlrpc.h"

/* Longest excerpt of offending input quoted in an error message. */
#define XR_QUOTE 40

struct xr_member {
    char *key;
    struct xr_value *val;
};

struct xr_value {
    enum xr_type type;
    union {
        int64_t i;
        bool b;
        double d;
        struct {
            char *data; /* Always NUL-terminated after "len" bytes. */
            size_t len;
        } str; /* XR_STRING, XR_DATETIME, XR_BASE64. */
        struct {
            struct xr_value **items;
            size_t n, cap;
        } arr;
        struct {
            struct xr_member *m;
            size_t n, cap;
            uint32_t *slots; /* Member index + 1, 0 when free; NULL while small. */
            size_t nslots;   /* A power of two, at least twice n. */
        } st;
    } u;
};

/* Length of "len" clipped for quoting in a message. */
static inline int xr_qlen(size_t len)
{
    return len > XR_QUOTE ? XR_QUOTE : (int)len;
}

static inline bool xr_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A new value of "type" with its payload zeroed, or NULL (out of memory). */
struct xr_value *xr_new(enum xr_type type);

/* A new XR_STRING, XR_DATETIME or XR_BASE64 value holding a NUL-terminated
 * copy of the "len" bytes at "data" (which may be NULL only when "len" is
 * 0), or NULL (out of memory).  The bytes are not checked. */
struct xr_value *xr_new_bytes(enum xr_type type, const void *data, size_t len);

/* Whether the "len" bytes at "s" are UTF-8 made only of characters that
 * XML 1.0 can carry. */
bool xr_text_ok(const char *s, size_t len);

/* Sets the calling thread's xr_last_error() message, printf-style.  The
 * result is forced onto one line of valid UTF-8. */
void xr_verror(const char *fmt, va_list ap);
void xr_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Empties the calling thread's xr_last_error() message. */
void xr_clear_error(void);

/* Parses an optional sign ('+' only when "allow_plus") and decimal digits,
 * nothing else, into "*out".  Returns 0, -EINVAL or -ERANGE. */
int xr_parse_i64(const char *s, size_t len, bool allow_plus, int64_t *out);

/* The "C" locale, created once and never freed, or (locale_t)0 when it
 * cannot be created (out of memory). */
locale_t xr_c_locale(void);

/* Whether the "len" bytes at "s" are an XML-RPC dateTime.iso8601:
 * YYYYMMDDTHH:MM:SS or YYYY-MM-DDTHH:MM:SS, then nothing, "Z", "+hh:mm" or
 * "-hh:mm". */
bool xr_datetime_ok(const char *s, size_t len);

#endif
