/* XML-RPC decoder; see xmlrpc.h.
 *
 * Decoding drives libxml2's SAX2 parser straight into the value tree instead
 * of building a libxml2 document first.  The depth and value-count limits
 * therefore stop a hostile document while it is being read, before it has
 * cost memory, and a large get_all_records reply is decoded in one pass.
 *
 * The value tree, the text checks and the last-error buffer live in
 * xmlrpc.c; this file reaches them through xmlrpc_internal.h. */
#include "xmlrpc_internal.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "sbuf.h"

const struct xr_limits xr_default_limits = {
        .max_size = 64u << 20,
        .max_depth = 64,
        .max_values = 4000000,
};

/* ------------------------------------------------------------------------
 * Text parsers that only the decoder needs. */

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
    int err;          /* First error of ours; its message is in xr_last_error(). */
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
    xr_clear_error();
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
