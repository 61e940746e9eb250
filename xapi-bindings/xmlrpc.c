/* XML-RPC value tree and encoders; see xmlrpc.h.
 *
 * This file holds the values (constructors, accessors, copy, equality), the
 * encoders, and the text checks, parsers and last-error buffer that the
 * decoder in xmlrpc_decode.c shares through xmlrpc_internal.h.  The
 * dependency runs one way: the decoder builds on this file, never the
 * reverse.
 *
 * Struct members keep their insertion order.  A struct that grows past
 * XR_INDEX_MIN members also gets an open-addressing hash index, so that
 * decoding or building a struct of n members costs O(n), not O(n^2).  A
 * document that repeats a member name keeps the position of the first one
 * and the value of the last one ("last one wins"), as xr_struct_set() does. */
#include "xmlrpc_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "sbuf.h"

/* Structs of at most this many members are searched linearly. */
#define XR_INDEX_MIN 16

/* ------------------------------------------------------------------------
 * Errors, text checks and small parsers shared with the decoder. */

static __thread char xr_errbuf[256];

/* Decodes one UTF-8 sequence at "p" (before "end") into "*cp".  Returns
 * its length, or 0 when it is not well-formed UTF-8 (overlong forms,
 * surrogates and code points past U+10FFFF included). */
static size_t xr_utf8_next(const unsigned char *p, const unsigned char *end, uint32_t *cp)
{
    uint32_t c = p[0];
    size_t n;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 1;
        c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 2;
        c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;
        c &= 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) <= n) {
        return 0;
    }
    for (size_t i = 1; i <= n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (p[i] & 0x3f);
    }
    if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    *cp = c;
    return n + 1;
}

/* Whether "s" is UTF-8 made only of characters that XML 1.0 can carry (its
 * Char production).  Anything else would give a document that no peer,
 * Python and XAPI included, accepts. */
bool xr_text_ok(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;

    while (p < end) {
        uint32_t c;
        size_t n;

        if (*p >= 0x20 && *p < 0x80) {
            p++;
            continue;
        }
        n = xr_utf8_next(p, end, &c);
        if (n == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0xfffe ||
            c == 0xffff) {
            return false;
        }
        p += n;
    }
    return true;
}

/* Formats the thread's error message.  Quoted input may hold anything, so
 * control characters become spaces (the message stays on one line) and
 * bytes that are not UTF-8, such as a character cut by truncation, become
 * '?': callers put the message into faults and logs. */
void xr_verror(const char *fmt, va_list ap)
{
    unsigned char *p = (unsigned char *)xr_errbuf, *end;

    vsnprintf(xr_errbuf, sizeof xr_errbuf, fmt, ap);
    end = p + strlen(xr_errbuf);
    while (p < end) {
        uint32_t c;
        size_t n = xr_utf8_next(p, end, &c);

        if (n == 0 || c == 0xfffe || c == 0xffff) {
            memset(p, '?', n ? n : 1);
            p += n ? n : 1;
        } else if (c < 0x20 || c == 0x7f) {
            *p++ = ' ';
        } else {
            p += n;
        }
    }
}

void xr_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    xr_verror(fmt, ap);
    va_end(ap);
}

void xr_clear_error(void)
{
    xr_errbuf[0] = '\0';
}

const char *xr_last_error(void)
{
    return xr_errbuf[0] ? xr_errbuf : "no error";
}

/* Parses an optional sign ('+' only when "allow_plus") and decimal digits,
 * nothing else, into an int64.  Returns 0, -EINVAL or -ERANGE. */
int xr_parse_i64(const char *s, size_t len, bool allow_plus, int64_t *out)
{
    uint64_t acc = 0, lim = INT64_MAX;
    size_t i = 0;
    bool neg = false;

    if (len && (s[0] == '-' || (allow_plus && s[0] == '+'))) {
        neg = s[0] == '-';
        lim = neg ? (uint64_t)INT64_MAX + 1 : lim;
        i++;
    }
    if (i == len) {
        return -EINVAL;
    }
    for (; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';

        if (d > 9) {
            return -EINVAL;
        }
        if (acc > (lim - d) / 10) {
            return -ERANGE;
        }
        acc = acc * 10 + d;
    }
    if (neg) {
        *out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    } else {
        *out = (int64_t)acc;
    }
    return 0;
}

/* The "C" locale, created once: doubles travel with a '.' whatever locale
 * the program runs in. */
locale_t xr_c_locale(void)
{
    static locale_t cached;
    locale_t loc = __atomic_load_n(&cached, __ATOMIC_ACQUIRE), expected = (locale_t)0;

    if (loc) {
        return loc;
    }
    loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (loc && !__atomic_compare_exchange_n(&cached, &expected, loc, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
        freelocale(loc);
        loc = expected;
    }
    return loc;
}

static int xr_2digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static bool xr_all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!xr_digit(s[i])) {
            return false;
        }
    }
    return true;
}

/* Checks YYYYMMDDTHH:MM:SS or YYYY-MM-DDTHH:MM:SS, then nothing, "Z",
 * "+hh:mm" or "-hh:mm". */
bool xr_datetime_ok(const char *s, size_t len)
{
    size_t p;
    int mon, day;

    if (len >= 10 && s[4] == '-' && s[7] == '-') {
        if (!xr_all_digits(s, 4) || !xr_all_digits(s + 5, 2) || !xr_all_digits(s + 8, 2)) {
            return false;
        }
        mon = xr_2digits(s + 5);
        day = xr_2digits(s + 8);
        p = 10;
    } else {
        if (len < 8 || !xr_all_digits(s, 8)) {
            return false;
        }
        mon = xr_2digits(s + 4);
        day = xr_2digits(s + 6);
        p = 8;
    }
    if (len < p + 9 || s[p] != 'T' || !xr_all_digits(s + p + 1, 2) || s[p + 3] != ':' ||
        !xr_all_digits(s + p + 4, 2) || s[p + 6] != ':' || !xr_all_digits(s + p + 7, 2)) {
        return false;
    }
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || xr_2digits(s + p + 1) > 23 ||
        xr_2digits(s + p + 4) > 59 || xr_2digits(s + p + 7) > 60) {
        return false;
    }
    p += 9;
    if (p == len || (s[p] == 'Z' && p + 1 == len)) {
        return true;
    }
    return (s[p] == '+' || s[p] == '-') && len == p + 6 && xr_all_digits(s + p + 1, 2) &&
           s[p + 3] == ':' && xr_all_digits(s + p + 4, 2) && xr_2digits(s + p + 1) <= 23 &&
           xr_2digits(s + p + 4) <= 59;
}

/* ------------------------------------------------------------------------
 * Values. */

struct xr_value *xr_new(enum xr_type type)
{
    struct xr_value *v = calloc(1, sizeof *v);

    if (v) {
        v->type = type;
    }
    return v;
}

struct xr_value *xr_new_bytes(enum xr_type type, const void *data, size_t len)
{
    struct xr_value *v;
    char *copy;

    if ((!data && len) || len == (size_t)-1) {
        return NULL;
    }
    copy = malloc(len + 1);
    if (!copy) {
        return NULL;
    }
    if (len) {
        memcpy(copy, data, len);
    }
    copy[len] = '\0';
    v = xr_new(type);
    if (!v) {
        free(copy);
        return NULL;
    }
    v->u.str.data = copy;
    v->u.str.len = len;
    return v;
}

struct xr_value *xr_nil(void)
{
    return xr_new(XR_NIL);
}

struct xr_value *xr_int(int64_t i)
{
    struct xr_value *v = xr_new(XR_INT);

    if (v) {
        v->u.i = i;
    }
    return v;
}

struct xr_value *xr_bool(bool b)
{
    struct xr_value *v = xr_new(XR_BOOL);

    if (v) {
        v->u.b = b;
    }
    return v;
}

struct xr_value *xr_string(const char *s)
{
    return s ? xr_new_bytes(XR_STRING, s, strlen(s)) : NULL;
}

struct xr_value *xr_string_n(const char *s, size_t len)
{
    return xr_new_bytes(XR_STRING, s, len);
}

struct xr_value *xr_double(double d)
{
    struct xr_value *v = xr_new(XR_DOUBLE);

    if (v) {
        v->u.d = d;
    }
    return v;
}

struct xr_value *xr_datetime(const char *iso)
{
    if (!iso || !xr_datetime_ok(iso, strlen(iso))) {
        return NULL;
    }
    return xr_new_bytes(XR_DATETIME, iso, strlen(iso));
}

struct xr_value *xr_base64(const void *data, size_t len)
{
    return xr_new_bytes(XR_BASE64, data, len);
}

struct xr_value *xr_array(void)
{
    return xr_new(XR_ARRAY);
}

struct xr_value *xr_struct(void)
{
    return xr_new(XR_STRUCT);
}

void xr_free(struct xr_value *v)
{
    if (!v) {
        return;
    }
    switch (v->type) {
    case XR_STRING:
    case XR_DATETIME:
    case XR_BASE64:
        free(v->u.str.data);
        break;
    case XR_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++) {
            xr_free(v->u.arr.items[i]);
        }
        free(v->u.arr.items);
        break;
    case XR_STRUCT:
        for (size_t i = 0; i < v->u.st.n; i++) {
            free(v->u.st.m[i].key);
            xr_free(v->u.st.m[i].val);
        }
        free(v->u.st.m);
        free(v->u.st.slots);
        break;
    default:
        break;
    }
    free(v);
}

int xr_array_append(struct xr_value *arr, struct xr_value *item)
{
    if (!arr || arr->type != XR_ARRAY || !item) {
        xr_free(item);
        return -EINVAL;
    }
    if (arr->u.arr.n == arr->u.arr.cap) {
        size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 8;
        struct xr_value **items = NULL;

        if (cap <= SIZE_MAX / sizeof *items) {
            items = realloc(arr->u.arr.items, cap * sizeof *items);
        }
        if (!items) {
            xr_free(item);
            return -ENOMEM;
        }
        arr->u.arr.items = items;
        arr->u.arr.cap = cap;
    }
    arr->u.arr.items[arr->u.arr.n++] = item;
    return 0;
}

/* Hash seed, random per process, so that a peer cannot choose member names
 * that all collide.  Set once, by whichever thread gets there first. */
static uint64_t xr_seed(void)
{
    static uint64_t seed;
    uint64_t s = __atomic_load_n(&seed, __ATOMIC_ACQUIRE), expected = 0;

    if (s) {
        return s;
    }
    if (getrandom(&s, sizeof s, GRND_NONBLOCK) != (ssize_t)sizeof s) {
        s = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)&seed;
    }
    s |= 1;
    if (!__atomic_compare_exchange_n(&seed, &expected, s, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        s = expected;
    }
    return s;
}

static size_t xr_hash(const char *key)
{
    uint64_t h = xr_seed();

    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h = (h ^ *p) * 0x100000001b3ULL;
    }
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
    return (size_t)h;
}

static void xr_index_insert(struct xr_value *st, size_t idx)
{
    size_t mask = st->u.st.nslots - 1, pos = xr_hash(st->u.st.m[idx].key) & mask;

    while (st->u.st.slots[pos]) {
        pos = (pos + 1) & mask;
    }
    st->u.st.slots[pos] = (uint32_t)(idx + 1);
}

static void xr_index_fill(struct xr_value *st)
{
    memset(st->u.st.slots, 0, st->u.st.nslots * sizeof *st->u.st.slots);
    for (size_t i = 0; i < st->u.st.n; i++) {
        xr_index_insert(st, i);
    }
}

/* Makes the index ready for a struct of "n" members (the current ones are
 * indexed, the new one is not yet): built when the struct outgrows linear
 * search, doubled when it would be more than half full. */
static int xr_index_reserve(struct xr_value *st, size_t n)
{
    size_t want = st->u.st.nslots ? st->u.st.nslots : 64;
    uint32_t *slots;

    if (n <= XR_INDEX_MIN || (st->u.st.slots && n * 2 <= st->u.st.nslots)) {
        return 0;
    }
    if (n >= UINT32_MAX / 4) {
        return -ENOMEM;
    }
    while (want < n * 2) {
        want *= 2;
    }
    slots = calloc(want, sizeof *slots);
    if (!slots) {
        return -ENOMEM;
    }
    free(st->u.st.slots);
    st->u.st.slots = slots;
    st->u.st.nslots = want;
    xr_index_fill(st);
    return 0;
}

/* The index of member "key" in "st", or SIZE_MAX. */
static size_t xr_struct_find(const struct xr_value *st, const char *key)
{
    size_t mask, pos;

    if (!st->u.st.slots) {
        for (size_t i = 0; i < st->u.st.n; i++) {
            if (strcmp(st->u.st.m[i].key, key) == 0) {
                return i;
            }
        }
        return SIZE_MAX;
    }
    mask = st->u.st.nslots - 1;
    for (pos = xr_hash(key) & mask; st->u.st.slots[pos]; pos = (pos + 1) & mask) {
        size_t i = st->u.st.slots[pos] - 1;

        if (strcmp(st->u.st.m[i].key, key) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

int xr_struct_set(struct xr_value *st, const char *key, struct xr_value *v)
{
    size_t i;
    char *k;

    if (!st || st->type != XR_STRUCT || !key || !v) {
        xr_free(v);
        return -EINVAL;
    }
    i = xr_struct_find(st, key);
    if (i != SIZE_MAX) {
        xr_free(st->u.st.m[i].val);
        st->u.st.m[i].val = v;
        return 0;
    }
    if (st->u.st.n == st->u.st.cap) {
        size_t cap = st->u.st.cap ? st->u.st.cap * 2 : 8;
        struct xr_member *m = NULL;

        if (cap <= SIZE_MAX / sizeof *m) {
            m = realloc(st->u.st.m, cap * sizeof *m);
        }
        if (!m) {
            xr_free(v);
            return -ENOMEM;
        }
        st->u.st.m = m;
        st->u.st.cap = cap;
    }
    k = strdup(key);
    if (!k || xr_index_reserve(st, st->u.st.n + 1) < 0) {
        free(k);
        xr_free(v);
        return -ENOMEM;
    }
    st->u.st.m[st->u.st.n].key = k;
    st->u.st.m[st->u.st.n].val = v;
    st->u.st.n++;
    if (st->u.st.slots) {
        xr_index_insert(st, st->u.st.n - 1);
    }
    return 0;
}

/* The shorthands tell a failed constructor (-ENOMEM) from bad arguments. */
static int xr_struct_set_new(struct xr_value *st, const char *key, struct xr_value *v)
{
    return v ? xr_struct_set(st, key, v) : -ENOMEM;
}

int xr_struct_set_string(struct xr_value *st, const char *key, const char *s)
{
    return s ? xr_struct_set_new(st, key, xr_string(s)) : -EINVAL;
}

int xr_struct_set_int(struct xr_value *st, const char *key, int64_t i)
{
    return xr_struct_set_new(st, key, xr_int(i));
}

int xr_struct_set_bool(struct xr_value *st, const char *key, bool b)
{
    return xr_struct_set_new(st, key, xr_bool(b));
}

struct xr_value *xr_struct_take(struct xr_value *st, const char *key)
{
    struct xr_value *v;
    size_t i;

    if (!st || st->type != XR_STRUCT || !key) {
        return NULL;
    }
    i = xr_struct_find(st, key);
    if (i == SIZE_MAX) {
        return NULL;
    }
    v = st->u.st.m[i].val;
    free(st->u.st.m[i].key);
    memmove(&st->u.st.m[i], &st->u.st.m[i + 1], (st->u.st.n - i - 1) * sizeof *st->u.st.m);
    st->u.st.n--;
    /* Later members moved down one place, so the index is rebuilt in its
     * existing table, which needs no allocation. */
    if (st->u.st.slots && st->u.st.n <= XR_INDEX_MIN) {
        free(st->u.st.slots);
        st->u.st.slots = NULL;
        st->u.st.nslots = 0;
    } else if (st->u.st.slots) {
        xr_index_fill(st);
    }
    return v;
}

bool xr_struct_remove(struct xr_value *st, const char *key)
{
    struct xr_value *v = xr_struct_take(st, key);

    xr_free(v);
    return v != NULL;
}

struct xr_value *xr_copy(const struct xr_value *v)
{
    struct xr_value *c;

    if (!v) {
        return NULL;
    }
    switch (v->type) {
    case XR_STRING:
    case XR_DATETIME:
    case XR_BASE64:
        return xr_new_bytes(v->type, v->u.str.data, v->u.str.len);
    case XR_ARRAY:
        c = xr_array();
        for (size_t i = 0; c && i < v->u.arr.n; i++) {
            if (xr_array_append(c, xr_copy(v->u.arr.items[i])) < 0) {
                xr_free(c);
                c = NULL;
            }
        }
        return c;
    case XR_STRUCT:
        c = xr_struct();
        for (size_t i = 0; c && i < v->u.st.n; i++) {
            if (xr_struct_set(c, v->u.st.m[i].key, xr_copy(v->u.st.m[i].val)) < 0) {
                xr_free(c);
                c = NULL;
            }
        }
        return c;
    default:
        c = xr_new(v->type);
        if (c) {
            c->u = v->u;
        }
        return c;
    }
}

enum xr_type xr_type(const struct xr_value *v)
{
    /* A missing value reads as nil, so that callers can test the type of
     * an optional member without checking for NULL first. */
    return v ? v->type : XR_NIL;
}

const char *xr_type_name(enum xr_type type)
{
    static const char *const names[] = {
            [XR_NIL] = "nil",       [XR_INT] = "int",       [XR_BOOL] = "boolean",
            [XR_STRING] = "string", [XR_DOUBLE] = "double", [XR_DATETIME] = "dateTime.iso8601",
            [XR_BASE64] = "base64", [XR_ARRAY] = "array",   [XR_STRUCT] = "struct",
    };

    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

int xr_get_int(const struct xr_value *v, int64_t *out)
{
    if (v && v->type == XR_INT) {
        *out = v->u.i;
        return 0;
    }
    if (v && v->type == XR_STRING && xr_parse_i64(v->u.str.data, v->u.str.len, false, out) == 0) {
        return 0;
    }
    return -EINVAL;
}

int xr_get_bool(const struct xr_value *v, bool *out)
{
    if (!v || v->type != XR_BOOL) {
        return -EINVAL;
    }
    *out = v->u.b;
    return 0;
}

int xr_get_double(const struct xr_value *v, double *out)
{
    if (!v || v->type != XR_DOUBLE) {
        return -EINVAL;
    }
    *out = v->u.d;
    return 0;
}

const char *xr_get_string(const struct xr_value *v)
{
    return v && (v->type == XR_STRING || v->type == XR_DATETIME) ? v->u.str.data : NULL;
}

const void *xr_get_bytes(const struct xr_value *v, size_t *len)
{
    if (!v || (v->type != XR_STRING && v->type != XR_BASE64)) {
        return NULL;
    }
    if (len) {
        *len = v->u.str.len;
    }
    return v->u.str.data;
}

size_t xr_array_len(const struct xr_value *v)
{
    return v && v->type == XR_ARRAY ? v->u.arr.n : 0;
}

struct xr_value *xr_array_get(const struct xr_value *v, size_t i)
{
    return i < xr_array_len(v) ? v->u.arr.items[i] : NULL;
}

size_t xr_struct_len(const struct xr_value *v)
{
    return v && v->type == XR_STRUCT ? v->u.st.n : 0;
}

const char *xr_struct_key(const struct xr_value *v, size_t i)
{
    return i < xr_struct_len(v) ? v->u.st.m[i].key : NULL;
}

struct xr_value *xr_struct_value(const struct xr_value *v, size_t i)
{
    return i < xr_struct_len(v) ? v->u.st.m[i].val : NULL;
}

struct xr_value *xr_struct_get(const struct xr_value *v, const char *key)
{
    size_t i;

    if (!v || v->type != XR_STRUCT || !key) {
        return NULL;
    }
    i = xr_struct_find(v, key);
    return i == SIZE_MAX ? NULL : v->u.st.m[i].val;
}

bool xr_equal(const struct xr_value *a, const struct xr_value *b)
{
    if (a == b) {
        return true;
    }
    if (!a || !b || a->type != b->type) {
        return false;
    }
    switch (a->type) {
    case XR_NIL:
        return true;
    case XR_INT:
        return a->u.i == b->u.i;
    case XR_BOOL:
        return a->u.b == b->u.b;
    case XR_DOUBLE:
        /* NaN equals NaN here, so that equality stays reflexive. */
        return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
    case XR_STRING:
    case XR_DATETIME:
    case XR_BASE64:
        return a->u.str.len == b->u.str.len &&
               memcmp(a->u.str.data, b->u.str.data, a->u.str.len) == 0;
    case XR_ARRAY:
        if (a->u.arr.n != b->u.arr.n) {
            return false;
        }
        for (size_t i = 0; i < a->u.arr.n; i++) {
            if (!xr_equal(a->u.arr.items[i], b->u.arr.items[i])) {
                return false;
            }
        }
        return true;
    case XR_STRUCT:
        /* Keys are unique within a struct, so equal counts plus every key
         * of "a" found in "b" with an equal value means the same key set. */
        if (a->u.st.n != b->u.st.n) {
            return false;
        }
        for (size_t i = 0; i < a->u.st.n; i++) {
            if (!xr_equal(a->u.st.m[i].val, xr_struct_get(b, a->u.st.m[i].key))) {
                return false;
            }
        }
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------------
 * Encoding.  The layout follows Python's xmlrpc.client: one value per
 * line, containers opening on the line of their <value>. */

static const char xr_b64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Appends the standard base64 of the "len" bytes at "p", with '=' padding
 * and no line breaks.  Returns 0, or -ENOMEM with "b" marked failed. */
static int xr_b64_encode(struct sbuf *b, const unsigned char *p, size_t len)
{
    size_t groups = len / 3 + (len % 3 != 0);
    char *o;

    if (groups > ((size_t)-1 - 1) / 4 || sbuf_reserve(b, groups * 4) < 0) {
        b->failed = true;
        return -ENOMEM;
    }
    o = b->data + b->len;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t acc = (uint32_t)p[i] << 16;
        size_t left = len - i;

        acc |= left > 1 ? (uint32_t)p[i + 1] << 8 : 0;
        acc |= left > 2 ? p[i + 2] : 0;
        *o++ = xr_b64_alphabet[acc >> 18];
        *o++ = xr_b64_alphabet[(acc >> 12) & 63];
        *o++ = left > 1 ? xr_b64_alphabet[(acc >> 6) & 63] : '=';
        *o++ = left > 2 ? xr_b64_alphabet[acc & 63] : '=';
    }
    b->len += groups * 4;
    b->data[b->len] = '\0';
    return 0;
}

static int xr_enc_text(struct sbuf *b, const char *s, size_t len, const char *what)
{
    if (!xr_text_ok(s, len)) {
        xr_error("%s \"%.*s\" is not UTF-8 text that XML can carry", what, xr_qlen(len), s);
        return -EINVAL;
    }
    return sbuf_add_xml_escaped(b, s, len);
}

static int xr_enc_value(struct sbuf *b, const struct xr_value *v)
{
    int r = 0;

    switch (v->type) {
    case XR_NIL:
        sbuf_adds(b, "<value><nil/></value>\n");
        break;
    case XR_INT:
        /* XML-RPC's <int> is 32 bits; wider values use the <i8> extension,
         * which Python (3.5 and later) and XAPI both read. */
        if (v->u.i >= INT32_MIN && v->u.i <= INT32_MAX) {
            sbuf_addf(b, "<value><int>%" PRId64 "</int></value>\n", v->u.i);
        } else {
            sbuf_addf(b, "<value><i8>%" PRId64 "</i8></value>\n", v->u.i);
        }
        break;
    case XR_BOOL:
        sbuf_adds(b, v->u.b ? "<value><boolean>1</boolean></value>\n"
                            : "<value><boolean>0</boolean></value>\n");
        break;
    case XR_STRING:
        sbuf_adds(b, "<value><string>");
        r = xr_enc_text(b, v->u.str.data, v->u.str.len, "string");
        sbuf_adds(b, "</string></value>\n");
        break;
    case XR_DOUBLE: {
        locale_t loc = xr_c_locale(), old;

        if (!isfinite(v->u.d)) {
            xr_error("XML-RPC has no representation for the double %f", v->u.d);
            return -EINVAL;
        }
        if (!loc) {
            return -ENOMEM;
        }
        /* %.17g gives back the exact double when read. */
        old = uselocale(loc);
        sbuf_addf(b, "<value><double>%.17g</double></value>\n", v->u.d);
        uselocale(old);
        break;
    }
    case XR_DATETIME:
        sbuf_adds(b, "<value><dateTime.iso8601>");
        r = xr_enc_text(b, v->u.str.data, v->u.str.len, "dateTime");
        sbuf_adds(b, "</dateTime.iso8601></value>\n");
        break;
    case XR_BASE64:
        sbuf_adds(b, "<value><base64>");
        xr_b64_encode(b, (const unsigned char *)v->u.str.data, v->u.str.len);
        sbuf_adds(b, "</base64></value>\n");
        break;
    case XR_ARRAY:
        sbuf_adds(b, "<value><array><data>\n");
        for (size_t i = 0; r == 0 && i < v->u.arr.n; i++) {
            r = xr_enc_value(b, v->u.arr.items[i]);
        }
        sbuf_adds(b, "</data></array></value>\n");
        break;
    case XR_STRUCT:
        sbuf_adds(b, "<value><struct>\n");
        for (size_t i = 0; r == 0 && i < v->u.st.n; i++) {
            const char *key = v->u.st.m[i].key;

            sbuf_adds(b, "<member>\n<name>");
            r = xr_enc_text(b, key, strlen(key), "member name");
            sbuf_adds(b, "</name>\n");
            if (r == 0) {
                r = xr_enc_value(b, v->u.st.m[i].val);
            }
            sbuf_adds(b, "</member>\n");
        }
        sbuf_adds(b, "</struct></value>\n");
        break;
    default:
        xr_error("cannot encode a value of unknown type %d", (int)v->type);
        return -EINVAL;
    }
    return r < 0 ? r : sbuf_error(b);
}

/* Hands the document over, or cleans up after a failure. */
static int xr_enc_finish(struct sbuf *b, int r, char **out, size_t *len)
{
    if (r == 0) {
        r = sbuf_error(b);
    }
    if (r == 0) {
        *out = sbuf_steal(b, len);
        r = *out ? 0 : -ENOMEM;
    }
    if (r < 0) {
        sbuf_free(b);
        if (out) {
            *out = NULL;
        }
        if (len) {
            *len = 0;
        }
        if (r == -ENOMEM) {
            xr_error("out of memory");
        }
    }
    return r;
}

int xr_encode_call(const char *method, const struct xr_value *params, char **out, size_t *len)
{
    struct sbuf b = SBUF_INIT;
    int r = -EINVAL;

    if (!out || !method || !*method || (params && params->type != XR_ARRAY)) {
        xr_error("bad arguments to xr_encode_call");
        goto out;
    }
    sbuf_adds(&b, "<?xml version='1.0'?>\n<methodCall>\n<methodName>");
    r = xr_enc_text(&b, method, strlen(method), "method name");
    sbuf_adds(&b, "</methodName>\n<params>\n");
    for (size_t i = 0; r == 0 && i < xr_array_len(params); i++) {
        sbuf_adds(&b, "<param>\n");
        r = xr_enc_value(&b, params->u.arr.items[i]);
        sbuf_adds(&b, "</param>\n");
    }
    sbuf_adds(&b, "</params>\n</methodCall>\n");
out:
    return xr_enc_finish(&b, r, out, len);
}

int xr_encode_response(const struct xr_value *result, char **out, size_t *len)
{
    struct sbuf b = SBUF_INIT;
    int r = -EINVAL;

    if (!out || !result) {
        xr_error("bad arguments to xr_encode_response");
        goto out;
    }
    sbuf_adds(&b, "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n");
    r = xr_enc_value(&b, result);
    sbuf_adds(&b, "</param>\n</params>\n</methodResponse>\n");
out:
    return xr_enc_finish(&b, r, out, len);
}

int xr_encode_fault(int code, const char *reason, char **out, size_t *len)
{
    struct sbuf b = SBUF_INIT;
    int r = -EINVAL;

    if (!out) {
        xr_error("bad arguments to xr_encode_fault");
        goto out;
    }
    reason = reason ? reason : "";
    sbuf_addf(&b,
              "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n"
              "<member>\n<name>faultCode</name>\n<value><int>%d</int></value>\n</member>\n"
              "<member>\n<name>faultString</name>\n<value><string>",
              code);
    r = xr_enc_text(&b, reason, strlen(reason), "fault string");
    sbuf_adds(&b, "</string></value>\n</member>\n</struct></value>\n</fault>\n"
                  "</methodResponse>\n");
out:
    return xr_enc_finish(&b, r, out, len);
}

int xr_encode_value(const struct xr_value *v, char **out, size_t *len)
{
    struct sbuf b = SBUF_INIT;
    int r = -EINVAL;

    if (!out || !v) {
        xr_error("bad arguments to xr_encode_value");
    } else {
        r = xr_enc_value(&b, v);
    }
    return xr_enc_finish(&b, r, out, len);
}
