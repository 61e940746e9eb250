/* /etc/xensource-inventory reader; see inventory.h.
 *
 * The file is parsed line by line with the subset of shell quoting the
 * installer and xe-reset-networking produce.  Anything else (a line without
 * "=", a key that is not a shell variable name, an unterminated quote,
 * words after the value) is refused with the line number rather than
 * guessed at, because a wrong INSTALLATION_UUID would make interface-
 * reconfigure configure another host's PIFs. */
#include "inventory.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "log.h"
#include "sbuf.h"

/* A real inventory is about 1 KiB; the bound also keeps the quadratic
 * duplicate-key check cheap. */
#define INV_MAX_SIZE ((size_t)64 << 10)

static void inv_fail(const char *name, size_t line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void inv_fail(const char *name, size_t line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    xlog_err("%s: line %zu: %s", name, line, msg);
}

static bool inv_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool inv_key_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool inv_key_char(char c)
{
    return inv_key_start(c) || (c >= '0' && c <= '9');
}

/* Sets "key" to "value" (taking ownership of "value"). */
static int inv_set(struct inv *inv, const char *key, size_t key_len, char *value)
{
    struct inv_entry *entries;
    char *k;

    for (size_t i = 0; i < inv->n; i++) {
        if (strlen(inv->entries[i].key) == key_len && !memcmp(inv->entries[i].key, key, key_len)) {
            free(inv->entries[i].value);
            inv->entries[i].value = value;
            return 0;
        }
    }
    k = strndup(key, key_len);
    entries = k ? realloc(inv->entries, (inv->n + 1) * sizeof *entries) : NULL;
    if (!entries) {
        free(k);
        free(value);
        return -ENOMEM;
    }
    inv->entries = entries;
    inv->entries[inv->n].key = k;
    inv->entries[inv->n].value = value;
    inv->n++;
    return 0;
}

/* Whether [p, end) is empty or a trailing comment, after blanks. */
static bool inv_rest_ok(const char *p, const char *end)
{
    while (p < end && inv_blank(*p)) {
        p++;
    }
    return p == end || *p == '#';
}

/* Parses the value starting at "p" (right after "=") up to "end" into a
 * new string in "*out".  Returns 0, -EBADMSG (with "*why" set) or -ENOMEM. */
static int inv_value(const char *p, const char *end, char **out, const char **why)
{
    struct sbuf b = SBUF_INIT;

    *out = NULL;
    if (p < end && *p == '\'') {
        /* Single quotes: everything up to the next quote, no escapes. */
        const char *close = memchr(p + 1, '\'', (size_t)(end - p - 1));

        if (!close) {
            *why = "unterminated single quote";
            return -EBADMSG;
        }
        sbuf_add(&b, p + 1, (size_t)(close - p - 1));
        p = close + 1;
    } else if (p < end && *p == '"') {
        /* Double quotes: backslash escapes only ", \, $ and `, as in sh. */
        for (p++;; p++) {
            if (p == end) {
                sbuf_free(&b);
                *why = "unterminated double quote";
                return -EBADMSG;
            }
            if (*p == '"') {
                p++;
                break;
            }
            if (*p == '\\' && p + 1 < end && strchr("\"\\$`", p[1])) {
                p++;
            }
            sbuf_addc(&b, *p);
        }
    } else {
        const char *start = p;

        while (p < end && !inv_blank(*p)) {
            if (*p == '\'' || *p == '"') {
                *why = "quote inside an unquoted value";
                return -EBADMSG;
            }
            p++;
        }
        sbuf_add(&b, start, (size_t)(p - start));
    }
    if (!inv_rest_ok(p, end)) {
        sbuf_free(&b);
        *why = "unexpected text after the value";
        return -EBADMSG;
    }
    *out = sbuf_steal(&b, NULL);
    return *out ? 0 : -ENOMEM;
}

static int inv_parse_line(const char *name, size_t lineno, const char *p, const char *end,
                          struct inv *inv)
{
    const char *key, *why = NULL;
    char *value;
    int r;

    while (p < end && inv_blank(*p)) {
        p++;
    }
    while (end > p && inv_blank(end[-1])) {
        end--;
    }
    if (p == end || *p == '#') {
        return 0;
    }
    if (memchr(p, '\0', (size_t)(end - p))) {
        inv_fail(name, lineno, "NUL byte");
        return -EBADMSG;
    }
    if (!memchr(p, '=', (size_t)(end - p))) {
        inv_fail(name, lineno, "expected KEY=value, found no '='");
        return -EBADMSG;
    }
    key = p;
    if (!inv_key_start(*p)) {
        inv_fail(name, lineno, "a key must start with a letter or '_'");
        return -EBADMSG;
    }
    while (p < end && inv_key_char(*p)) {
        p++;
    }
    if (*p != '=') {
        unsigned char c = (unsigned char)*p;

        if (c > 0x20 && c < 0x7f) {
            inv_fail(name, lineno, "invalid character '%c' in key %.*s", c, (int)(p - key), key);
        } else {
            inv_fail(name, lineno, "invalid character 0x%02x in key %.*s", c, (int)(p - key), key);
        }
        return -EBADMSG;
    }
    r = inv_value(p + 1, end, &value, &why);
    if (r == -EBADMSG) {
        inv_fail(name, lineno, "%s for key %.*s", why, (int)(p - key), key);
        return r;
    }
    if (r < 0) {
        return r;
    }
    return inv_set(inv, key, (size_t)(p - key), value);
}

static int inv_parse_named(const char *buf, size_t len, const char *name, struct inv *inv)
{
    const char *p = buf, *end = buf + len;
    size_t lineno = 0;
    int r = 0;

    inv->n = 0;
    inv->entries = NULL;
    if (len > INV_MAX_SIZE) {
        xlog_err("%s: larger than the 64 KiB limit", name);
        return -E2BIG;
    }
    while (p < end && r == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;

        r = inv_parse_line(name, ++lineno, p, eol, inv);
        p = nl ? nl + 1 : end;
    }
    if (r == -ENOMEM) {
        xlog_err("%s: out of memory", name);
    }
    if (r < 0) {
        inv_clear(inv);
    }
    return r;
}

int inv_parse(const char *buf, size_t len, struct inv *inv)
{
    return inv_parse_named(buf, len, "xensource-inventory", inv);
}

int inv_read(const char *path, struct inv *inv)
{
    char *data = NULL;
    size_t len = 0;
    int r;

    inv->n = 0;
    inv->entries = NULL;
    r = fsu_read_file(path, INV_MAX_SIZE, &data, &len);
    if (r == -E2BIG) {
        xlog_err("%s: larger than the 64 KiB limit", path);
        return r;
    }
    if (r < 0) {
        xlog_err("Cannot read %s: %s", path, strerror(-r));
        return r;
    }
    r = inv_parse_named(data, len, path, inv);
    free(data);
    return r;
}

const char *inv_get(const struct inv *inv, const char *key)
{
    for (size_t i = 0; inv && key && i < inv->n; i++) {
        if (!strcmp(inv->entries[i].key, key)) {
            return inv->entries[i].value;
        }
    }
    return NULL;
}

void inv_clear(struct inv *inv)
{
    if (!inv) {
        return;
    }
    for (size_t i = 0; i < inv->n; i++) {
        free(inv->entries[i].key);
        free(inv->entries[i].value);
    }
    free(inv->entries);
    inv->n = 0;
    inv->entries = NULL;
}
