/* JSON text to jansson values and back; see jtext.h. */
#include "jtext.h"

#include "sbuf.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* As jansson's JSON_PARSER_MAX_DEPTH, counted as jansson counts it: every
 * value, a scalar too, is one level deeper than its container; deeper ones
 * are refused, which also bounds this parser's recursion. */
#define MAX_DEPTH 2048

/* JSON's two-character escapes: "\\" followed by a letter of ESC_NAME
 * stands for the byte at the same place in ESC_BYTE. */
static const char ESC_NAME[] = "\"\\/bfnrt", ESC_BYTE[] = "\"\\/\b\f\n\r\t";

struct parser {
    const unsigned char *p, *end, *start;
    char *err;
    int depth;
    struct sbuf buf; /* For strings with escapes or non-ASCII bytes. */
};

static json_t *fail(struct parser *ps, const char *why)
{
    if (!ps->err[0]) {
        snprintf(ps->err, JTEXT_ERR_LEN, "%s at byte %zu", why, (size_t)(ps->p - ps->start));
    }
    return NULL;
}

static void skip_space(struct parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r')) {
        ps->p++;
    }
}

static int hex4(const unsigned char *s)
{
    int v = 0;

    for (int i = 0; i < 4; i++) {
        int c = s[i], d = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* Appends code point "cp" as UTF-8. */
static void put_utf8(struct sbuf *b, uint32_t cp)
{
    if (cp < 0x80) {
        sbuf_addc(b, (char)cp);
    } else if (cp < 0x800) {
        sbuf_addc(b, (char)(0xc0 | (cp >> 6)));
        sbuf_addc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        sbuf_addc(b, (char)(0xe0 | (cp >> 12)));
        sbuf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        sbuf_addc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        sbuf_addc(b, (char)(0xf0 | (cp >> 18)));
        sbuf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
        sbuf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        sbuf_addc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

/* The length of the well-formed UTF-8 sequence (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) that starts with byte
 * s[0] >= 0x80, or 0. */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t n;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if ((size_t)(end - s) < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xbf) {
            return 0;
        }
    }
    return n;
}

/* The code point of the \\u escape whose four hex digits start at ps->p
 * (a surrogate pair taking both escapes), appended as UTF-8 to ps->buf.
 * Returns 0 or -1 (reason set). */
static int unicode_escape(struct parser *ps)
{
    int v = ps->end - ps->p >= 4 ? hex4(ps->p) : -1;
    uint32_t cp;

    if (v < 0) {
        fail(ps, "invalid \\u escape");
        return -1;
    }
    ps->p += 4;
    cp = (uint32_t)v;
    if (cp >= 0xdc00 && cp <= 0xdfff) {
        fail(ps, "invalid Unicode escape (lone low surrogate)");
        return -1;
    }
    if (cp >= 0xd800 && cp <= 0xdbff) {
        int lo = ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u' ? hex4(ps->p + 2) : -1;
        if (lo < 0xdc00 || lo > 0xdfff) {
            fail(ps, "invalid Unicode escape (high surrogate without low)");
            return -1;
        }
        ps->p += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
    }
    if (cp == 0) {
        fail(ps, "\\u0000 is not allowed");
        return -1;
    }
    put_utf8(&ps->buf, cp);
    return 0;
}

/* The string whose opening quote is at ps->p: its bytes in *out and *len,
 * pointing into the text when it needs no decoding, else into ps->buf.
 * Returns 0 or -1 (reason set). */
static int scan_string(struct parser *ps, const char **out, size_t *len)
{
    const unsigned char *s = ++ps->p;

    /* The common case: printable ASCII without escapes, used in place. */
    while (s < ps->end && *s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\') {
        s++;
    }
    if (s < ps->end && *s == '"') {
        *out = (const char *)ps->p;
        *len = (size_t)(s - ps->p);
        ps->p = s + 1;
        return 0;
    }
    sbuf_reset(&ps->buf);
    sbuf_add(&ps->buf, ps->p, (size_t)(s - ps->p));
    ps->p = s;
    for (;;) {
        unsigned char c;
        if (ps->p >= ps->end) {
            fail(ps, "unterminated string");
            return -1;
        }
        c = *ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20) {
            fail(ps, "control character in string");
            return -1;
        }
        if (c >= 0x80) {
            size_t n = utf8_len(ps->p, ps->end);
            if (!n) {
                fail(ps, "invalid UTF-8 in string");
                return -1;
            }
            sbuf_add(&ps->buf, ps->p, n);
            ps->p += n;
            continue;
        }
        if (c != '\\') {
            sbuf_addc(&ps->buf, (char)c);
            ps->p++;
            continue;
        }
        if (ps->end - ps->p < 2) {
            fail(ps, "unterminated string");
            return -1;
        }
        c = ps->p[1];
        ps->p += 2;
        if (c && strchr(ESC_NAME, c)) {
            sbuf_addc(&ps->buf, ESC_BYTE[strchr(ESC_NAME, c) - ESC_NAME]);
            continue;
        }
        if (c != 'u') {
            ps->p -= 2;
            fail(ps, "invalid escape");
            return -1;
        }
        if (unicode_escape(ps)) {
            return -1;
        }
    }
    if (sbuf_error(&ps->buf)) {
        fail(ps, "out of memory");
        return -1;
    }
    *out = ps->buf.data ? ps->buf.data : "";
    *len = ps->buf.len;
    return 0;
}

static json_t *parse_number(struct parser *ps)
{
    const unsigned char *s = ps->p;
    char small[64], *copy = small;
    bool real = false;
    size_t n;
    json_t *v = NULL;

    if (s < ps->end && *s == '-') {
        s++;
    }
    if (s < ps->end && *s == '0') {
        s++;
        if (s < ps->end && *s >= '0' && *s <= '9') {
            return fail(ps, "invalid number (leading zero)");
        }
    } else if (s < ps->end && *s >= '1' && *s <= '9') {
        while (s < ps->end && *s >= '0' && *s <= '9') {
            s++;
        }
    } else {
        return fail(ps, "invalid token");
    }
    if (s < ps->end && *s == '.') {
        real = true;
        if (++s >= ps->end || *s < '0' || *s > '9') {
            return fail(ps, "invalid number (no digit after '.')");
        }
        while (s < ps->end && *s >= '0' && *s <= '9') {
            s++;
        }
    }
    if (s < ps->end && (*s == 'e' || *s == 'E')) {
        real = true;
        if (++s < ps->end && (*s == '+' || *s == '-')) {
            s++;
        }
        if (s >= ps->end || *s < '0' || *s > '9') {
            return fail(ps, "invalid number (no digit in exponent)");
        }
        while (s < ps->end && *s >= '0' && *s <= '9') {
            s++;
        }
    }
    /* strtoll() and strtod() need a terminated copy. */
    n = (size_t)(s - ps->p);
    if (n >= sizeof small && !(copy = malloc(n + 1))) {
        return fail(ps, "out of memory");
    }
    memcpy(copy, ps->p, n);
    copy[n] = '\0';
    errno = 0;
    if (!real) {
        long long i = strtoll(copy, NULL, 10);
        if (errno == ERANGE) {
            fail(ps, i < 0 ? "too big negative integer" : "too big integer");
        } else {
            v = json_integer((json_int_t)i);
        }
    } else {
        double d = strtod(copy, NULL);
        if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) {
            fail(ps, "real number overflow");
        } else {
            v = json_real(d);
        }
    }
    if (copy != small) {
        free(copy);
    }
    if (v) {
        ps->p = s;
    } else if (!ps->err[0]) {
        fail(ps, "out of memory");
    }
    return v;
}

static json_t *parse_value(struct parser *ps);

static json_t *parse_container(struct parser *ps)
{
    bool object = *ps->p == '{';
    char close = object ? '}' : ']';
    json_t *c = object ? json_object() : json_array();

    if (!c) {
        return fail(ps, "out of memory");
    }
    ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return c;
    }
    for (;;) {
        json_t *v;
        if (object) {
            const char *key;
            size_t klen;
            char *owned = NULL;
            int r;
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != '"') {
                fail(ps, "string or '}' expected");
                goto err;
            }
            if (scan_string(ps, &key, &klen)) {
                goto err;
            }
            /* A key decoded into ps->buf must be kept: the value reuses it. */
            if (key == ps->buf.data && !(key = owned = strndup(key, klen))) {
                fail(ps, "out of memory");
                goto err;
            }
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(owned);
                fail(ps, "':' expected");
                goto err;
            }
            ps->p++;
            v = parse_value(ps);
            r = v ? json_object_setn_new_nocheck(c, key, klen, v) : -1;
            free(owned);
            if (r) {
                fail(ps, "out of memory");
                goto err;
            }
        } else {
            v = parse_value(ps);
            if (!v || json_array_append_new(c, v)) {
                fail(ps, "out of memory");
                goto err;
            }
        }
        skip_space(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return c;
        }
        fail(ps, object ? "',' or '}' expected" : "',' or ']' expected");
        goto err;
    }
err:
    json_decref(c);
    return NULL;
}

static json_t *parse_scalar_or_container(struct parser *ps);

static json_t *parse_value(struct parser *ps)
{
    json_t *v;

    if (++ps->depth > MAX_DEPTH) {
        return fail(ps, "maximum parsing depth reached");
    }
    v = parse_scalar_or_container(ps);
    ps->depth--;
    return v;
}

static json_t *parse_scalar_or_container(struct parser *ps)
{
    const char *s;
    size_t n;

    skip_space(ps);
    if (ps->p >= ps->end) {
        return fail(ps, "unexpected end of text");
    }
    switch (*ps->p) {
    case '{':
    case '[':
        return parse_container(ps);
    case '"':
        if (scan_string(ps, &s, &n)) {
            return NULL;
        }
        {
            json_t *v = json_stringn_nocheck(s, n);
            return v ? v : fail(ps, "out of memory");
        }
    case 't':
        if (ps->end - ps->p >= 4 && !memcmp(ps->p, "true", 4)) {
            ps->p += 4;
            return json_true();
        }
        break;
    case 'f':
        if (ps->end - ps->p >= 5 && !memcmp(ps->p, "false", 5)) {
            ps->p += 5;
            return json_false();
        }
        break;
    case 'n':
        if (ps->end - ps->p >= 4 && !memcmp(ps->p, "null", 4)) {
            ps->p += 4;
            return json_null();
        }
        break;
    default:
        return parse_number(ps);
    }
    return fail(ps, "invalid token");
}

json_t *jtext_parse(const char *text, size_t n, char err[JTEXT_ERR_LEN])
{
    struct parser ps = {(const unsigned char *)text,
                        (const unsigned char *)text + n,
                        (const unsigned char *)text,
                        err,
                        0,
                        SBUF_INIT};
    json_t *v = NULL;

    err[0] = '\0';
    skip_space(&ps);
    if (ps.p >= ps.end || (*ps.p != '{' && *ps.p != '[')) {
        fail(&ps, "'[' or '{' expected");
    } else if ((v = parse_value(&ps))) {
        skip_space(&ps);
        if (ps.p < ps.end) {
            json_decref(v);
            v = fail(&ps, "end of text expected");
        }
    }
    sbuf_free(&ps.buf);
    return v;
}

/* Appends string "s" of n bytes, quoted and escaped as jansson does: the
 * two-character escapes where JSON has them, \u00XX (upper-case hex) for
 * the other control characters, everything else as it is.  -EINVAL for
 * bytes that are not UTF-8. */
int jtext_dump_string(const char *str, size_t n, struct sbuf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str, *end = s + n, *run = s;

    sbuf_addc(out, '"');
    while (s < end) {
        unsigned char c = *s;
        const char *esc;
        if (c >= 0x20 && c != '"' && c != '\\') {
            if (c < 0x80) {
                s++;
            } else {
                size_t len = utf8_len(s, end);
                if (!len) {
                    return -EINVAL;
                }
                s += len;
            }
            continue;
        }
        sbuf_add(out, run, (size_t)(s - run));
        esc = c ? strchr(ESC_BYTE, c) : NULL;
        if (esc) {
            sbuf_addc(out, '\\');
            sbuf_addc(out, ESC_NAME[esc - ESC_BYTE]);
        } else {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sbuf_add(out, u, sizeof u);
        }
        run = ++s;
    }
    sbuf_add(out, run, (size_t)(s - run));
    sbuf_addc(out, '"');
    return 0;
}

/* Appends a real as jansson does: "%.17g", ".0" added when that reads as an
 * integer, and the exponent without '+' or leading zeros. */
void jtext_dump_real(double d, struct sbuf *out)
{
    char buf[64];
    int len = snprintf(buf, sizeof buf - 3, "%.17g", d);
    char *e;

    if (len < 0 || len >= (int)sizeof buf - 3) {
        sbuf_adds(out, "0.0"); /* Cannot happen for a finite double. */
        return;
    }
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    e = strchr(buf, 'e');
    if (e) {
        /* The exponent's digits go right after 'e' or "e-". */
        char *digits = e + 1 + (e[1] == '-'), *from = e + 1 + (e[1] == '-' || e[1] == '+');
        while (*from == '0' && from[1]) {
            from++;
        }
        memmove(digits, from, strlen(from) + 1);
        len = (int)strlen(buf);
    }
    sbuf_add(out, buf, (size_t)len);
}

static int dump(const json_t *v, struct sbuf *out, int depth)
{
    char num[32];
    size_t i;
    int r;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (depth >= MAX_DEPTH) {
            return -EINVAL;
        }
        sbuf_addc(out, '{');
        /* Keys by their length: one built in code may hold a NUL byte. */
        for (void *it = json_object_iter((json_t *)v); it;
             it = json_object_iter_next((json_t *)v, it)) {
            if (it != json_object_iter((json_t *)v)) {
                sbuf_addc(out, ',');
            }
            r = jtext_dump_string(json_object_iter_key(it), json_object_iter_key_len(it), out);
            if (r) {
                return r;
            }
            sbuf_addc(out, ':');
            r = dump(json_object_iter_value(it), out, depth + 1);
            if (r) {
                return r;
            }
        }
        sbuf_addc(out, '}');
        return 0;
    case JSON_ARRAY:
        if (depth >= MAX_DEPTH) {
            return -EINVAL;
        }
        sbuf_addc(out, '[');
        for (i = 0; i < json_array_size(v); i++) {
            if (i) {
                sbuf_addc(out, ',');
            }
            if ((r = dump(json_array_get(v, i), out, depth + 1)) != 0) {
                return r;
            }
        }
        sbuf_addc(out, ']');
        return 0;
    case JSON_STRING:
        return jtext_dump_string(json_string_value(v), json_string_length(v), out);
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        sbuf_adds(out, num);
        return 0;
    case JSON_REAL:
        jtext_dump_real(json_real_value(v), out);
        return 0;
    case JSON_TRUE:
        sbuf_adds(out, "true");
        return 0;
    case JSON_FALSE:
        sbuf_adds(out, "false");
        return 0;
    case JSON_NULL:
        sbuf_adds(out, "null");
        return 0;
    }
    return -EINVAL;
}

int jtext_dump(const json_t *value, struct sbuf *out)
{
    /* As json_dumps() without JSON_ENCODE_ANY: a container or nothing. */
    int r = json_is_object(value) || json_is_array(value) ? dump(value, out, 0) : -EINVAL;

    return r ? r : sbuf_error(out);
}
