/* XML-RPC value tree and codec; see xmlrpc.h.
 *
 * Decoding drives libxml2's SAX2 parser straight into the value tree instead
 * of building a libxml2 document first.  The depth and value-count limits
 * therefore stop a hostile document while it is being read, before it has
 * cost memory, and a large get_all_records reply is decoded in one pass.
 *
 * Struct members keep their insertion order.  A struct that grows past
 * XR_INDEX_MIN members also gets an open-addressing hash index, so that
 * decoding or building a struct of n members costs O(n), not O(n^2).  A
 * document that repeats a member name keeps the position of the first one
 * and the value of the last one ("last one wins"), as xr_struct_set() does. */
#include "xmlrpc.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "sbuf.h"

/* Structs of at most this many members are searched linearly. */
#define XR_INDEX_MIN 16

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

const struct xr_limits xr_default_limits = {
        .max_size = 64u << 20,
        .max_depth = 64,
        .max_values = 4000000,
};

/* ------------------------------------------------------------------------
 * Errors, text checks and small parsers. */

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
static bool xr_text_ok(const char *s, size_t len)
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
static void xr_verror(const char *fmt, va_list ap)
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

static void xr_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void xr_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    xr_verror(fmt, ap);
    va_end(ap);
}

const char *xr_last_error(void)
{
    return xr_errbuf[0] ? xr_errbuf : "no error";
}

/* Length of "len" clipped for quoting in a message. */
static int xr_qlen(size_t len)
{
    return len > XR_QUOTE ? XR_QUOTE : (int)len;
}

static bool xr_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool xr_all_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!xr_is_blank(s[i])) {
            return false;
        }
    }
    return true;
}

static void xr_trim(const char **s, size_t *len)
{
    while (*len && xr_is_blank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && xr_is_blank((*s)[*len - 1])) {
        (*len)--;
    }
}

/* Parses an optional sign ('+' only when "allow_plus") and decimal digits,
 * nothing else, into an int64.  Returns 0, -EINVAL or -ERANGE. */
static int xr_parse_i64(const char *s, size_t len, bool allow_plus, int64_t *out)
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
static locale_t xr_c_locale(void)
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

static bool xr_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses [+-]digits[.digits][(e|E)[+-]digits] into a finite double.  The
 * grammar is checked first because strtod() also takes hex, "inf", "nan"
 * and leading spaces, none of which XML-RPC allows.  Returns 0, -EINVAL,
 * -ERANGE (overflow) or -ENOMEM. */
static int xr_parse_double(const char *s, size_t len, double *out)
{
    size_t i = 0, mant = 0;
    char *end;
    locale_t loc;
    double d;

    if (i < len && (s[i] == '+' || s[i] == '-')) {
        i++;
    }
    for (; i < len && xr_digit(s[i]); i++) {
        mant++;
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && xr_digit(s[i]); i++) {
            mant++;
        }
    }
    if (mant == 0) {
        return -EINVAL;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp = 0;

        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        for (; i < len && xr_digit(s[i]); i++) {
            exp++;
        }
        if (exp == 0) {
            return -EINVAL;
        }
    }
    if (i != len) {
        return -EINVAL;
    }
    loc = xr_c_locale();
    if (!loc) {
        return -ENOMEM;
    }
    /* The text is followed by a character outside the grammar (a blank,
     * '<' data, or the NUL of the buffer), so strtod stops at "len". */
    errno = 0;
    d = strtod_l(s, &end, loc);
    if (end != s + len || !isfinite(d)) {
        return -ERANGE;
    }
    *out = d;
    return 0;
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
static bool xr_datetime_ok(const char *s, size_t len)
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

static const char xr_b64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int xr_b64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (xr_digit(c)) {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes standard base64 with '=' padding; blanks anywhere are skipped.
 * Returns 0 with a new NUL-terminated buffer, -EINVAL or -ENOMEM. */
static int xr_b64_decode(const char *s, size_t len, char **out, size_t *out_len)
{
    char *buf = malloc(len / 4 * 3 + 4);
    uint32_t acc = 0;
    size_t n = 0, quad = 0, pad = 0;
    bool ended = false;

    if (!buf) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < len; i++) {
        int val = s[i] == '=' ? 0 : xr_b64_value(s[i]);

        if (xr_is_blank(s[i])) {
            continue;
        }
        /* Nothing follows a padded group; '=' only ends a group, after at
         * least two data characters, and only more '=' may follow it. */
        if (ended || val < 0 || (s[i] == '=' && quad < 2) || (pad && s[i] != '=')) {
            free(buf);
            return -EINVAL;
        }
        pad += s[i] == '=';
        acc = (acc << 6) | (uint32_t)val;
        if (++quad == 4) {
            char bytes[3] = {(char)(acc >> 16), (char)(acc >> 8), (char)acc};

            memcpy(buf + n, bytes, 3 - pad);
            n += 3 - pad;
            ended = pad > 0;
            acc = 0;
            quad = 0;
        }
    }
    if (quad) {
        free(buf);
        return -EINVAL;
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
}

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

/* ------------------------------------------------------------------------
 * Values. */

static struct xr_value *xr_new(enum xr_type type)
{
    struct xr_value *v = calloc(1, sizeof *v);

    if (v) {
        v->type = type;
    }
    return v;
}

static struct xr_value *xr_new_bytes(enum xr_type type, const void *data, size_t len)
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

/* ------------------------------------------------------------------------
 * Decoding: a SAX2 state machine with one frame per open element. */

enum xd_doc { XD_CALL, XD_RESPONSE, XD_VALUE };

enum xd_elem {
    XE_CALL,
    XE_RESPONSE,
    XE_METHODNAME,
    XE_PARAMS,
    XE_PARAM,
    XE_FAULT,
    XE_VALUE,
    XE_SCALAR, /* Text content parsed as "type" when the element ends. */
    XE_NIL,
    XE_ARRAY,
    XE_DATA,
    XE_STRUCT,
    XE_MEMBER,
    XE_NAME,
};

static const char *const xd_names[] = {
        [XE_CALL] = "methodCall",
        [XE_RESPONSE] = "methodResponse",
        [XE_METHODNAME] = "methodName",
        [XE_PARAMS] = "params",
        [XE_PARAM] = "param",
        [XE_FAULT] = "fault",
        [XE_VALUE] = "value",
        [XE_NIL] = "nil",
        [XE_ARRAY] = "array",
        [XE_DATA] = "data",
        [XE_STRUCT] = "struct",
        [XE_MEMBER] = "member",
        [XE_NAME] = "name",
};

/* The elements allowed directly inside <value>. */
static const struct {
    const char *tag;
    enum xd_elem kind;
    enum xr_type type;
} xd_types[] = {
        {"string", XE_SCALAR, XR_STRING},
        {"int", XE_SCALAR, XR_INT},
        {"i4", XE_SCALAR, XR_INT},
        {"i8", XE_SCALAR, XR_INT},
        {"boolean", XE_SCALAR, XR_BOOL},
        {"double", XE_SCALAR, XR_DOUBLE},
        {"dateTime.iso8601", XE_SCALAR, XR_DATETIME},
        {"base64", XE_SCALAR, XR_BASE64},
        {"nil", XE_NIL, XR_NIL},
        {"array", XE_ARRAY, XR_ARRAY},
        {"struct", XE_STRUCT, XR_STRUCT},
};

struct xd_frame {
    enum xd_elem kind;
    enum xr_type type;    /* XE_SCALAR: what to make of the text. */
    const char *tag;      /* Static copy of the element name, for messages. */
    unsigned nchild;      /* Child elements so far. */
    struct xr_value *val; /* Container being filled, or the value of a child. */
    char *name;           /* XE_MEMBER: its name, once read. */
};

struct xd_state {
    xmlParserCtxtPtr ctxt;
    struct xr_limits lim;
    enum xd_doc doc;
    int err;          /* First error of ours; its message is in xr_errbuf. */
    char libmsg[160]; /* First error reported by libxml2. */
    bool libnomem;    /* libxml2 ran out of memory. */
    struct xd_frame *stack;
    size_t n, cap;
    struct sbuf text; /* Character data of the innermost element. */
    unsigned depth;   /* Open arrays and structs. */
    size_t values;
    bool done; /* The root element closed. */
    bool fault;
    char *method;
    struct xr_value *params;
    struct xr_value *result;
};

static void xd_fail(struct xd_state *d, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void xd_fail(struct xd_state *d, int err, const char *fmt, ...)
{
    va_list ap;

    if (d->err) {
        return;
    }
    d->err = err;
    va_start(ap, fmt);
    xr_verror(fmt, ap);
    va_end(ap);
    xmlStopParser(d->ctxt);
}

static void xd_nomem(struct xd_state *d)
{
    xd_fail(d, -ENOMEM, "out of memory");
}

/* Works out what element "name" is, given its parent "up" (NULL for the
 * root), and whether it may appear there.  Returns false after failing. */
static bool xd_classify(struct xd_state *d, struct xd_frame *up, const char *name,
                        struct xd_frame *f)
{
    static const enum xd_elem roots[] = {
            [XD_CALL] = XE_CALL, [XD_RESPONSE] = XE_RESPONSE, [XD_VALUE] = XE_VALUE};
    enum xd_elem want = XE_NIL;
    bool ok = false;

    if (!up) {
        f->kind = roots[d->doc];
        if (strcmp(name, xd_names[f->kind]) != 0) {
            xd_fail(d, -EBADMSG, "unexpected root element <%s>, expected <%s>", name,
                    xd_names[f->kind]);
            return false;
        }
        f->tag = xd_names[f->kind];
        return true;
    }
    switch (up->kind) {
    case XE_CALL:
        want = up->nchild == 0 ? XE_METHODNAME : XE_PARAMS;
        ok = up->nchild < 2;
        break;
    case XE_RESPONSE:
        want = strcmp(name, "fault") == 0 ? XE_FAULT : XE_PARAMS;
        ok = up->nchild == 0;
        break;
    case XE_PARAMS:
        want = XE_PARAM;
        ok = d->doc == XD_CALL || up->nchild == 0;
        break;
    case XE_PARAM:
    case XE_FAULT:
    case XE_DATA:
        want = XE_VALUE;
        ok = up->kind == XE_DATA || up->nchild == 0;
        break;
    case XE_ARRAY:
        want = XE_DATA;
        ok = up->nchild == 0;
        break;
    case XE_STRUCT:
        want = XE_MEMBER;
        ok = true;
        break;
    case XE_MEMBER:
        want = up->nchild == 0 ? XE_NAME : XE_VALUE;
        ok = up->nchild < 2;
        break;
    case XE_VALUE:
        if (up->nchild > 0) {
            xd_fail(d, -EBADMSG, "<value> holds more than one element (<%s>)", name);
            return false;
        }
        if (!xr_all_blank(sbuf_str(&d->text), d->text.len)) {
            xd_fail(d, -EBADMSG, "<value> holds both text and an element <%s>", name);
            return false;
        }
        for (size_t i = 0; i < sizeof xd_types / sizeof xd_types[0]; i++) {
            if (strcmp(name, xd_types[i].tag) == 0) {
                f->kind = xd_types[i].kind;
                f->type = xd_types[i].type;
                f->tag = xd_types[i].tag;
                return true;
            }
        }
        break;
    default:
        break;
    }
    if (!ok || strcmp(name, xd_names[want]) != 0) {
        xd_fail(d, -EBADMSG, "unexpected element <%s> in <%s>", name, up->tag);
        return false;
    }
    f->kind = want;
    f->tag = xd_names[want];
    return true;
}

static void xd_start(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nb_ns, const xmlChar **ns, int nb_attrs, int nb_defaulted,
                     const xmlChar **attrs)
{
    struct xd_state *d = ctx;
    struct xd_frame *up = d->n ? &d->stack[d->n - 1] : NULL;
    struct xd_frame f = {.kind = XE_NIL};

    (void)nb_ns;
    (void)ns;
    (void)nb_attrs;
    (void)nb_defaulted;
    (void)attrs;
    if (d->err) {
        return;
    }
    /* XML-RPC has no namespaces; attributes carry nothing and are ignored. */
    if (prefix || uri) {
        xd_fail(d, -EBADMSG, "unexpected element <%s%s%s> in <%s>",
                prefix ? (const char *)prefix : "", prefix ? ":" : "", (const char *)local,
                up ? up->tag : "the document");
        return;
    }
    if (!xd_classify(d, up, (const char *)local, &f)) {
        return;
    }
    if (f.kind == XE_VALUE && ++d->values > d->lim.max_values) {
        xd_fail(d, -E2BIG, "more than %zu values", d->lim.max_values);
        return;
    }
    if ((f.kind == XE_ARRAY || f.kind == XE_STRUCT) && ++d->depth > d->lim.max_depth) {
        xd_fail(d, -E2BIG, "arrays and structs nested deeper than %u", d->lim.max_depth);
        return;
    }
    if (f.kind == XE_ARRAY || f.kind == XE_STRUCT || (f.kind == XE_PARAMS && d->doc == XD_CALL)) {
        f.val = f.kind == XE_STRUCT ? xr_struct() : xr_array();
        if (!f.val) {
            xd_nomem(d);
            return;
        }
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 32;
        struct xd_frame *stack = realloc(d->stack, cap * sizeof *stack);

        if (!stack) {
            xr_free(f.val);
            xd_nomem(d);
            return;
        }
        d->stack = stack;
        d->cap = cap;
    }
    if (up) {
        /* "up" may have moved with the stack; index it again. */
        d->stack[d->n - 1].nchild++;
    }
    d->stack[d->n++] = f;
    sbuf_reset(&d->text);
}

static void xd_text(void *ctx, const xmlChar *ch, int len)
{
    struct xd_state *d = ctx;
    struct xd_frame *f = d->n ? &d->stack[d->n - 1] : NULL;

    if (d->err || !f || len <= 0) {
        return;
    }
    if (f->kind == XE_METHODNAME || f->kind == XE_NAME || f->kind == XE_SCALAR ||
        (f->kind == XE_VALUE && f->nchild == 0)) {
        if (sbuf_add(&d->text, ch, (size_t)len) < 0) {
            xd_nomem(d);
        }
    } else if (!xr_all_blank((const char *)ch, (size_t)len)) {
        xd_fail(d, -EBADMSG, "unexpected text \"%.*s\" in <%s>", xr_qlen((size_t)len),
                (const char *)ch, f->tag);
    }
}

/* A copy of the collected text as a C string, checked to be text we can
 * encode again (libxml2 already guarantees it; this keeps decode and encode
 * agreeing on what text is). */
static char *xd_text_copy(struct xd_state *d, const char *what)
{
    char *s;

    if (!xr_text_ok(sbuf_str(&d->text), d->text.len)) {
        xd_fail(d, -EBADMSG, "%s holds text that XML cannot carry", what);
        return NULL;
    }
    s = strndup(sbuf_str(&d->text), d->text.len);
    if (!s) {
        xd_nomem(d);
    }
    return s;
}

/* The value of a scalar element from its text, or NULL after failing. */
static struct xr_value *xd_scalar(struct xd_state *d, const struct xd_frame *f)
{
    const char *s = sbuf_str(&d->text);
    size_t len = d->text.len;
    struct xr_value *v = NULL;
    char *bytes = NULL;
    int64_t i = 0;
    double dbl = 0;
    int r = 0;

    if (f->type == XR_STRING || f->type == XR_BASE64) {
        if (f->type == XR_STRING && !xr_text_ok(s, len)) {
            r = -EINVAL;
        } else if (f->type == XR_STRING) {
            v = xr_string_n(s, len);
        } else if ((r = xr_b64_decode(s, len, &bytes, &len)) == 0) {
            v = xr_new(XR_BASE64);
            if (v) {
                v->u.str.data = bytes;
                v->u.str.len = len;
                bytes = NULL;
            }
        }
    } else {
        /* Blanks around a number, boolean or date are harmless layout. */
        xr_trim(&s, &len);
        switch (f->type) {
        case XR_INT:
            r = xr_parse_i64(s, len, true, &i);
            v = r == 0 ? xr_int(i) : NULL;
            break;
        case XR_BOOL:
            r = len == 1 && (s[0] == '0' || s[0] == '1') ? 0 : -EINVAL;
            v = r == 0 ? xr_bool(s[0] == '1') : NULL;
            break;
        case XR_DOUBLE:
            r = xr_parse_double(s, len, &dbl);
            v = r == 0 ? xr_double(dbl) : NULL;
            break;
        default:
            r = xr_datetime_ok(s, len) ? 0 : -EINVAL;
            v = r == 0 ? xr_new_bytes(XR_DATETIME, s, len) : NULL;
            break;
        }
    }
    free(bytes);
    if (r == -ENOMEM || (r == 0 && !v)) {
        xd_nomem(d);
    } else if (r == -ERANGE) {
        xd_fail(d, -EBADMSG, "<%s> value \"%.*s\" is out of range", f->tag, xr_qlen(len), s);
    } else if (r < 0) {
        xd_fail(d, -EBADMSG, "bad <%s> value \"%.*s\"", f->tag, xr_qlen(len), s);
    }
    return v;
}

/* Hands the finished value "v" of a <value> to its parent "up". */
static void xd_deliver(struct xd_state *d, struct xd_frame *up, struct xr_value *v)
{
    if (!up) {
        d->result = v;
    } else if (up->kind == XE_DATA) {
        /* <value> in <data> in <array>: the array is two frames up. */
        if (xr_array_append(d->stack[d->n - 3].val, v) < 0) {
            xd_nomem(d);
        }
    } else {
        up->val = v;
    }
}

static void xd_end(void *ctx, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    struct xd_state *d = ctx;
    struct xd_frame *f, *up;
    struct xr_value *v;

    (void)local;
    (void)prefix;
    (void)uri;
    if (d->err || !d->n) {
        return;
    }
    f = &d->stack[d->n - 1];
    up = d->n > 1 ? &d->stack[d->n - 2] : NULL;
    switch (f->kind) {
    case XE_METHODNAME:
        if (d->text.len == 0) {
            xd_fail(d, -EBADMSG, "empty <methodName>");
        } else {
            d->method = xd_text_copy(d, "<methodName>");
        }
        break;
    case XE_NAME:
        up->name = xd_text_copy(d, "<name>");
        break;
    case XE_SCALAR:
        up->val = xd_scalar(d, f);
        break;
    case XE_NIL:
        /* Text inside <nil> was refused as it arrived. */
        up->val = xr_nil();
        if (!up->val) {
            xd_nomem(d);
        }
        break;
    case XE_DATA:
        break;
    case XE_ARRAY:
    case XE_STRUCT:
        d->depth--;
        up->val = f->val;
        f->val = NULL;
        break;
    case XE_VALUE:
        v = f->val;
        f->val = NULL;
        if (f->nchild == 0) {
            /* A <value> with bare text is a string (XML-RPC spec). */
            if (!xr_text_ok(sbuf_str(&d->text), d->text.len)) {
                xd_fail(d, -EBADMSG, "<value> holds text that XML cannot carry");
                break;
            }
            v = xr_string_n(sbuf_str(&d->text), d->text.len);
            if (!v) {
                xd_nomem(d);
                break;
            }
        }
        xd_deliver(d, up, v);
        d->done = !up;
        break;
    case XE_MEMBER:
        if (!f->name) {
            xd_fail(d, -EBADMSG, "struct member without <name>");
        } else if (!f->val) {
            xd_fail(d, -EBADMSG, "struct member \"%.*s\" without <value>", XR_QUOTE, f->name);
        } else {
            v = f->val;
            f->val = NULL;
            if (xr_struct_set(up->val, f->name, v) < 0) {
                xd_nomem(d);
            }
        }
        break;
    case XE_PARAM:
        v = f->val;
        f->val = NULL;
        if (!v) {
            xd_fail(d, -EBADMSG, "<param> without <value>");
        } else if (d->doc == XD_RESPONSE) {
            d->result = v;
        } else if (xr_array_append(up->val, v) < 0) {
            xd_nomem(d);
        }
        break;
    case XE_PARAMS:
        if (d->doc == XD_RESPONSE && f->nchild != 1) {
            xd_fail(d, -EBADMSG, "the <params> of a <methodResponse> must hold one <param>");
        } else if (d->doc == XD_CALL) {
            d->params = f->val;
            f->val = NULL;
        }
        break;
    case XE_FAULT:
        if (!f->val) {
            xd_fail(d, -EBADMSG, "<fault> without <value>");
        }
        d->result = f->val;
        f->val = NULL;
        d->fault = true;
        break;
    case XE_CALL:
        if (!d->method) {
            xd_fail(d, -EBADMSG, "<methodCall> without <methodName>");
        }
        d->done = true;
        break;
    case XE_RESPONSE:
        if (f->nchild == 0) {
            xd_fail(d, -EBADMSG, "<methodResponse> without <params> or <fault>");
        }
        d->done = true;
        break;
    }
    if (d->err) {
        /* The frame stays on the stack; xd_clear() frees what it holds. */
        return;
    }
    free(f->name);
    d->n--;
    sbuf_reset(&d->text);
}

/* A DOCTYPE is refused before its internal subset is read, which keeps
 * entity declarations, and so every entity expansion attack, out. */
static void xd_dtd(void *ctx, const xmlChar *name, const xmlChar *external_id,
                   const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    xd_fail(ctx, -EBADMSG, "a DOCTYPE is not allowed in XML-RPC");
}

#if LIBXML_VERSION >= 21200
typedef const xmlError *xd_error_ptr;
#else
typedef xmlErrorPtr xd_error_ptr;
#endif

/* Keeps libxml2's first error for our message instead of letting it print. */
static void xd_liberror(void *ctx, xd_error_ptr e)
{
    struct xd_state *d = ctx;

    size_t len;

    if (e && e->code == XML_ERR_NO_MEMORY) {
        d->libnomem = true;
    }
    if (e && e->level >= XML_ERR_ERROR && !d->libmsg[0]) {
        snprintf(d->libmsg, sizeof d->libmsg, "line %d: %s", e->line,
                 e->message ? e->message : "error");
        len = strlen(d->libmsg);
        while (len && xr_is_blank(d->libmsg[len - 1])) {
            d->libmsg[--len] = '\0';
        }
    }
}

static void xd_clear(struct xd_state *d)
{
    for (size_t i = 0; i < d->n; i++) {
        xr_free(d->stack[i].val);
        free(d->stack[i].name);
    }
    free(d->stack);
    sbuf_free(&d->text);
    free(d->method);
    xr_free(d->params);
    xr_free(d->result);
}

/* Parses "buf" as document kind "doc" into "d" (which the caller clears
 * with xd_clear() in every case).  Returns 0 or a negative errno. */
static int xd_run(struct xd_state *d, enum xd_doc doc, const char *buf, size_t len,
                  const struct xr_limits *limits)
{
    xmlSAXHandler sax;
    xmlParserCtxtPtr ctxt;
    xmlStructuredErrorFunc old_handler;
    void *old_handler_ctx;

    memset(d, 0, sizeof *d);
    sbuf_init(&d->text);
    d->doc = doc;
    d->lim = limits ? *limits : xr_default_limits;
    xr_errbuf[0] = '\0';
    if (len > d->lim.max_size || len > INT_MAX) {
        xr_error("a document of %zu bytes is over the %zu-byte limit", len, d->lim.max_size);
        return -E2BIG;
    }
    if (!buf || len == 0) {
        xr_error("empty document");
        return -EBADMSG;
    }
    xmlInitParser();
    /* Some errors (failed allocations while the context is set up, bytes
     * that are not in the declared encoding) are raised without the parser
     * context, through the thread's structured handler: route those to us
     * as well for the length of this parse. */
    old_handler = xmlStructuredError;
    old_handler_ctx = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(d, xd_liberror);
    ctxt = xmlCreateMemoryParserCtxt(buf, (int)len);
    if (!ctxt || !ctxt->sax) {
        xmlSetStructuredErrorFunc(old_handler_ctx, old_handler);
        xmlFreeParserCtxt(ctxt);
        xr_error("out of memory");
        return -ENOMEM;
    }
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = xd_start;
    sax.endElementNs = xd_end;
    sax.characters = xd_text;
    sax.cdataBlock = xd_text;
    sax.ignorableWhitespace = xd_text;
    sax.internalSubset = xd_dtd;
    sax.serror = xd_liberror;
    *ctxt->sax = sax;
    ctxt->userData = d;
    d->ctxt = ctxt;
    /* No network, no entity substitution (XML_PARSE_NOENT is off), no
     * output from libxml2: errors are reported once, by the caller. */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlParseDocument(ctxt);
    xmlSetStructuredErrorFunc(old_handler_ctx, old_handler);
    if (d->err == 0 && (!ctxt->wellFormed || !d->done)) {
        if (d->libnomem || ctxt->errNo == XML_ERR_NO_MEMORY) {
            xr_error("out of memory");
            d->err = -ENOMEM;
        } else {
            xr_error("malformed XML: %s", d->libmsg[0] ? d->libmsg : "incomplete document");
            d->err = -EBADMSG;
        }
    }
    d->ctxt = NULL;
    xmlFreeParserCtxt(ctxt);
    return d->err;
}

int xr_decode_call(const char *buf, size_t len, const struct xr_limits *limits, char **method,
                   struct xr_value **params)
{
    struct xd_state d;
    int r;

    if (!method || !params) {
        return -EINVAL;
    }
    *method = NULL;
    *params = NULL;
    r = xd_run(&d, XD_CALL, buf, len, limits);
    if (r == 0 && !d.params && !(d.params = xr_array())) {
        xr_error("out of memory");
        r = -ENOMEM;
    }
    if (r == 0) {
        *method = d.method;
        *params = d.params;
        d.method = NULL;
        d.params = NULL;
    }
    xd_clear(&d);
    return r;
}

void xr_fault_clear(struct xr_fault *fault)
{
    if (fault) {
        free(fault->reason);
        fault->reason = NULL;
        fault->code = 0;
    }
}

/* Fills "fault" from the struct of a <fault>.  faultCode may be an int or a
 * decimal string (as xr_get_int() reads it) and must fit an int. */
static int xd_fault(const struct xr_value *v, struct xr_fault *fault)
{
    const struct xr_value *code = xr_struct_get(v, "faultCode");
    const char *reason = xr_get_string(xr_struct_get(v, "faultString"));
    int64_t i;

    if (xr_type(v) != XR_STRUCT) {
        xr_error("the <fault> value is a %s, not a struct", xr_type_name(xr_type(v)));
        return -EBADMSG;
    }
    if (xr_get_int(code, &i) < 0 || i < INT_MIN || i > INT_MAX) {
        xr_error("the <fault> has no int faultCode");
        return -EBADMSG;
    }
    if (!reason || xr_type(xr_struct_get(v, "faultString")) != XR_STRING) {
        xr_error("the <fault> has no string faultString");
        return -EBADMSG;
    }
    if (fault) {
        fault->code = (int)i;
        fault->reason = strdup(reason);
        if (!fault->reason) {
            xr_error("out of memory");
            return -ENOMEM;
        }
    }
    return 1;
}

int xr_decode_response(const char *buf, size_t len, const struct xr_limits *limits,
                       struct xr_value **result, struct xr_fault *fault)
{
    struct xd_state d;
    int r;

    if (!result) {
        return -EINVAL;
    }
    *result = NULL;
    if (fault) {
        fault->code = 0;
        fault->reason = NULL;
    }
    r = xd_run(&d, XD_RESPONSE, buf, len, limits);
    if (r == 0 && d.fault) {
        r = xd_fault(d.result, fault);
    } else if (r == 0) {
        *result = d.result;
        d.result = NULL;
    }
    xd_clear(&d);
    return r;
}

int xr_decode_value(const char *buf, size_t len, const struct xr_limits *limits,
                    struct xr_value **v)
{
    struct xd_state d;
    int r;

    if (!v) {
        return -EINVAL;
    }
    *v = NULL;
    r = xd_run(&d, XD_VALUE, buf, len, limits);
    if (r == 0) {
        *v = d.result;
        d.result = NULL;
    }
    xd_clear(&d);
    return r;
}
