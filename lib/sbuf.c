/* Growable buffer; see sbuf.h. */
#include "sbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbuf_init(struct sbuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->size = 0;
    b->failed = false;
}

void sbuf_free(struct sbuf *b)
{
    if (b) {
        free(b->data);
        sbuf_init(b);
    }
}

void sbuf_reset(struct sbuf *b)
{
    b->len = 0;
    if (b->data) {
        b->data[0] = '\0';
    }
}

int sbuf_reserve(struct sbuf *b, size_t extra)
{
    size_t need, size;
    char *data;

    if (extra > (size_t)-1 - b->len - 1) {
        b->failed = true;
        return -ENOMEM;
    }
    need = b->len + extra + 1;
    if (need <= b->size) {
        return 0;
    }
    size = b->size ? b->size : 64;
    while (size < need) {
        size = size > (size_t)-1 / 2 ? need : size * 2;
    }
    data = realloc(b->data, size);
    if (!data) {
        b->failed = true;
        return -ENOMEM;
    }
    b->data = data;
    b->size = size;
    return 0;
}

int sbuf_add(struct sbuf *b, const void *data, size_t len)
{
    int r = sbuf_reserve(b, len);

    if (r < 0) {
        return r;
    }
    if (len) {
        memcpy(b->data + b->len, data, len);
    }
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int sbuf_adds(struct sbuf *b, const char *s)
{
    return sbuf_add(b, s, strlen(s));
}

int sbuf_addc(struct sbuf *b, char c)
{
    return sbuf_add(b, &c, 1);
}

int sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n, r;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return -EINVAL;
    }
    r = sbuf_reserve(b, (size_t)n);
    if (r < 0) {
        return r;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int sbuf_add_xml_escaped(struct sbuf *b, const char *s, size_t len)
{
    size_t start = 0;

    for (size_t i = 0; i < len; i++) {
        const char *rep;

        switch (s[i]) {
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\r':
            /* A raw CR would be normalised away by any XML reader. */
            rep = "&#13;";
            break;
        default:
            continue;
        }
        sbuf_add(b, s + start, i - start);
        sbuf_adds(b, rep);
        start = i + 1;
    }
    sbuf_add(b, s + start, len - start);
    return sbuf_error(b);
}

int sbuf_error(const struct sbuf *b)
{
    return b->failed ? -ENOMEM : 0;
}

char *sbuf_steal(struct sbuf *b, size_t *len)
{
    char *data;

    if (b->failed) {
        sbuf_free(b);
        return NULL;
    }
    data = b->data ? b->data : strdup("");
    if (len) {
        *len = data ? b->len : 0;
    }
    sbuf_init(b);
    return data;
}

const char *sbuf_str(const struct sbuf *b)
{
    return b->data ? b->data : "";
}
