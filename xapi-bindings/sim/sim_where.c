/* Parser and evaluator of XAPI's get_all_records_where expressions; see
 * sim_where.h for the language.
 *
 * A recursive-descent parser reproduces the precedence that XAPI's yacc
 * grammar gives (and/or equal and left-associative, "not" lowest).  Runs of
 * one binary operator become a single n-ary node, so that a long list of
 * alternatives neither deepens the tree nor the evaluator's recursion. */
#include "sim_where.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

enum sw_kind {
    SW_TRUE,
    SW_FALSE,
    SW_NOT,
    SW_AND,
    SW_OR,
    SW_EQ,
};

/* One side of "=": a literal string or a field name. */
struct sw_value {
    bool is_field;
    char *text;
};

struct sw_node {
    enum sw_kind kind;
    unsigned height; /* 1 for leaves. */
    size_t n;        /* Children of NOT (1), AND and OR (2 or more). */
    struct sw_node **kids;
    struct sw_value lhs, rhs; /* SW_EQ only. */
};

struct sim_where {
    struct sw_node *root;
};

enum sw_token {
    TK_EOF,
    TK_EQ,
    TK_TRUE,
    TK_FALSE,
    TK_LPAREN,
    TK_RPAREN,
    TK_FIELD,
    TK_AND,
    TK_OR,
    TK_NOT,
    TK_STRING,
    TK_BAD, /* A character that starts no token, or an unterminated string. */
};

struct sw_parser {
    const char *text;
    size_t pos;        /* Where the next token starts (after blanks). */
    enum sw_token tok; /* The current token. */
    size_t tok_pos;    /* Its offset, for messages. */
    struct sbuf str;   /* The text of a TK_STRING, unescaped. */
    char *err;
    size_t errlen;
    bool failed;
};

static const struct {
    const char *word;
    enum sw_token tok;
} sw_keywords[] = {
        {"true", TK_TRUE}, {"false", TK_FALSE}, {"field", TK_FIELD},
        {"and", TK_AND},   {"or", TK_OR},       {"not", TK_NOT},
};

static void sw_node_free(struct sw_node *node)
{
    if (!node) {
        return;
    }
    for (size_t i = 0; i < node->n; i++) {
        sw_node_free(node->kids[i]);
    }
    free(node->kids);
    free(node->lhs.text);
    free(node->rhs.text);
    free(node);
}

void sim_where_free(struct sim_where *w)
{
    if (w) {
        sw_node_free(w->root);
        free(w);
    }
}

/* Records the first error only: later ones are consequences of it. */
static void sw_error(struct sw_parser *p, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void sw_error(struct sw_parser *p, const char *fmt, ...)
{
    va_list ap;

    if (p->failed) {
        return;
    }
    p->failed = true;
    if (p->err && p->errlen) {
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
}

/* Reads the token at p->pos into p->tok.  Returns 0 or -ENOMEM. */
static int sw_next(struct sw_parser *p)
{
    const char *s = p->text;

    /* XAPI's lexer skips exactly these three. */
    while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n') {
        p->pos++;
    }
    p->tok_pos = p->pos;
    switch (s[p->pos]) {
    case '\0':
        p->tok = TK_EOF;
        return 0;
    case '=':
        p->tok = TK_EQ;
        p->pos++;
        return 0;
    case '(':
        p->tok = TK_LPAREN;
        p->pos++;
        return 0;
    case ')':
        p->tok = TK_RPAREN;
        p->pos++;
        return 0;
    case '"':
        sbuf_reset(&p->str);
        for (size_t i = p->pos + 1;; i++) {
            if (s[i] == '\0') {
                p->tok = TK_BAD;
                return 0;
            }
            if (s[i] == '"') {
                p->pos = i + 1;
                p->tok = TK_STRING;
                /* An empty string still needs a buffer, for strdup. */
                sbuf_adds(&p->str, "");
                return sbuf_error(&p->str);
            }
            if (s[i] == '\\' && s[i + 1] == '"') {
                i++;
            }
            sbuf_addc(&p->str, s[i]);
        }
    default:
        break;
    }
    /* Like XAPI's ocamllex rules, a keyword needs no separator after it:
     * `field"bridge"` is a field. */
    for (size_t i = 0; i < sizeof sw_keywords / sizeof sw_keywords[0]; i++) {
        size_t len = strlen(sw_keywords[i].word);

        if (!strncmp(s + p->pos, sw_keywords[i].word, len)) {
            p->tok = sw_keywords[i].tok;
            p->pos += len;
            return 0;
        }
    }
    p->tok = TK_BAD;
    return 0;
}

/* What the current token is, for error messages. */
static void sw_describe(const struct sw_parser *p, char *buf, size_t size)
{
    static const char *const names[] = {
            [TK_EOF] = "the end of the expression",
            [TK_EQ] = "'='",
            [TK_TRUE] = "'true'",
            [TK_FALSE] = "'false'",
            [TK_LPAREN] = "'('",
            [TK_RPAREN] = "')'",
            [TK_FIELD] = "'field'",
            [TK_AND] = "'and'",
            [TK_OR] = "'or'",
            [TK_NOT] = "'not'",
            [TK_STRING] = "a string",
    };
    char c = p->text[p->tok_pos];

    if (p->tok != TK_BAD) {
        snprintf(buf, size, "%s", names[p->tok]);
    } else if (c == '"') {
        snprintf(buf, size, "an unterminated string");
    } else if (c >= 0x21 && c < 0x7f) {
        snprintf(buf, size, "'%c'", c);
    } else {
        snprintf(buf, size, "byte 0x%02x", (unsigned char)c);
    }
}

static void sw_unexpected(struct sw_parser *p, const char *wanted)
{
    char found[48];

    sw_describe(p, found, sizeof found);
    sw_error(p, "expected %s at offset %zu, found %s", wanted, p->tok_pos, found);
}

static struct sw_node *sw_new(enum sw_kind kind)
{
    struct sw_node *node = calloc(1, sizeof *node);

    if (node) {
        node->kind = kind;
        node->height = 1;
    }
    return node;
}

/* Adds "kid" to "node" (taking it in every case).  Returns 0 or -ENOMEM. */
static int sw_adopt(struct sw_node *node, struct sw_node *kid)
{
    struct sw_node **kids = realloc(node->kids, (node->n + 1) * sizeof *kids);

    if (!kids) {
        sw_node_free(kid);
        return -ENOMEM;
    }
    node->kids = kids;
    node->kids[node->n++] = kid;
    if (kid->height + 1 > node->height) {
        node->height = kid->height + 1;
    }
    return 0;
}

static int sw_parse_expr(struct sw_parser *p, unsigned depth, struct sw_node **out);

/* value := STRING | "field" STRING */
static int sw_parse_value(struct sw_parser *p, struct sw_value *v)
{
    int r;

    v->is_field = p->tok == TK_FIELD;
    if (v->is_field) {
        r = sw_next(p);
        if (r < 0) {
            return r;
        }
        if (p->tok != TK_STRING) {
            sw_unexpected(p, "a quoted field name after 'field'");
            return -EINVAL;
        }
    } else if (p->tok != TK_STRING) {
        sw_unexpected(p, "a quoted string or 'field'");
        return -EINVAL;
    }
    v->text = strdup(sbuf_str(&p->str));
    if (!v->text) {
        return -ENOMEM;
    }
    return sw_next(p);
}

/* unary := "not" expr | "true" | "false" | "(" expr ")" | value "=" value */
static int sw_parse_unary(struct sw_parser *p, unsigned depth, struct sw_node **out)
{
    struct sw_node *node = NULL, *kid = NULL;
    int r;

    *out = NULL;
    if (depth > SIM_WHERE_MAX_DEPTH) {
        sw_error(p, "expression nested deeper than %d levels", SIM_WHERE_MAX_DEPTH);
        return -E2BIG;
    }
    switch (p->tok) {
    case TK_TRUE:
    case TK_FALSE:
        node = sw_new(p->tok == TK_TRUE ? SW_TRUE : SW_FALSE);
        r = node ? sw_next(p) : -ENOMEM;
        break;
    case TK_NOT:
        node = sw_new(SW_NOT);
        r = node ? sw_next(p) : -ENOMEM;
        if (r == 0) {
            /* "not" takes everything up to the enclosing ")" or the end,
             * as XAPI's grammar gives it the lowest precedence. */
            r = sw_parse_expr(p, depth + 1, &kid);
        }
        if (r == 0) {
            r = sw_adopt(node, kid);
        }
        break;
    case TK_LPAREN:
        r = sw_next(p);
        if (r == 0) {
            r = sw_parse_expr(p, depth + 1, &node);
        }
        if (r == 0 && p->tok != TK_RPAREN) {
            sw_unexpected(p, "')'");
            r = -EINVAL;
        }
        if (r == 0) {
            r = sw_next(p);
        }
        break;
    case TK_STRING:
    case TK_FIELD:
        node = sw_new(SW_EQ);
        r = node ? sw_parse_value(p, &node->lhs) : -ENOMEM;
        if (r == 0 && p->tok != TK_EQ) {
            sw_unexpected(p, "'='");
            r = -EINVAL;
        }
        if (r == 0) {
            r = sw_next(p);
        }
        if (r == 0) {
            r = sw_parse_value(p, &node->rhs);
        }
        break;
    default:
        sw_unexpected(p, "an expression");
        r = -EINVAL;
        break;
    }
    if (r < 0) {
        sw_node_free(node);
        return r;
    }
    if (node->height > SIM_WHERE_MAX_DEPTH) {
        sw_node_free(node);
        sw_error(p, "expression nested deeper than %d levels", SIM_WHERE_MAX_DEPTH);
        return -E2BIG;
    }
    *out = node;
    return 0;
}

/* expr := unary { ("and" | "or") unary }, folded to the left. */
static int sw_parse_expr(struct sw_parser *p, unsigned depth, struct sw_node **out)
{
    struct sw_node *left = NULL, *right = NULL, *join;
    int r;

    *out = NULL;
    r = sw_parse_unary(p, depth, &left);
    while (r == 0 && (p->tok == TK_AND || p->tok == TK_OR)) {
        enum sw_kind kind = p->tok == TK_AND ? SW_AND : SW_OR;

        r = sw_next(p);
        if (r == 0) {
            r = sw_parse_unary(p, depth, &right);
        }
        if (r < 0) {
            break;
        }
        if (left->kind == kind && left->n >= 2) {
            /* The same operator again: and/or are associative, so the
             * run stays one node. */
            r = sw_adopt(left, right);
            right = NULL;
            continue;
        }
        join = sw_new(kind);
        if (!join) {
            sw_node_free(right);
            r = -ENOMEM;
            break;
        }
        r = sw_adopt(join, left);
        left = join;
        if (r == 0) {
            r = sw_adopt(join, right);
        }
        right = NULL;
        if (r == 0 && join->height > SIM_WHERE_MAX_DEPTH) {
            sw_error(p, "expression nested deeper than %d levels", SIM_WHERE_MAX_DEPTH);
            r = -E2BIG;
        }
    }
    if (r < 0) {
        sw_node_free(left);
        return r;
    }
    *out = left;
    return 0;
}

int sim_where_parse(const char *text, struct sim_where **out, char *err, size_t errlen)
{
    struct sw_parser p = {.text = text, .err = err, .errlen = errlen};
    struct sim_where *w = NULL;
    struct sw_node *root = NULL;
    int r;

    *out = NULL;
    if (err && errlen) {
        err[0] = '\0';
    }
    sbuf_init(&p.str);
    r = sw_next(&p);
    if (r == 0) {
        r = sw_parse_expr(&p, 0, &root);
    }
    if (r == 0 && p.tok != TK_EOF) {
        sw_unexpected(&p, "'and', 'or' or the end of the expression");
        r = -EINVAL;
    }
    if (r == 0) {
        w = calloc(1, sizeof *w);
        if (!w) {
            r = -ENOMEM;
        }
    }
    if (r < 0) {
        if (r == -ENOMEM) {
            sw_error(&p, "out of memory");
        }
        sw_node_free(root);
        goto out;
    }
    w->root = root;
    *out = w;
out:
    sbuf_free(&p.str);
    return r;
}

/* The text of one side of "=": a literal, or the field's value read into
 * "buf".  Sets "*missing" to the field name when the record lacks it. */
static int sw_resolve(const struct sw_value *v, sim_where_lookup_fn lookup, void *ctx,
                      struct sbuf *buf, const char **missing)
{
    int r;

    sbuf_reset(buf);
    if (!v->is_field) {
        r = sbuf_adds(buf, v->text);
        return r;
    }
    r = lookup(ctx, v->text, buf);
    if (r == -ENOENT && missing) {
        *missing = v->text;
    }
    if (r == 0 && sbuf_error(buf)) {
        r = -ENOMEM;
    }
    return r;
}

static int sw_eval(const struct sw_node *node, sim_where_lookup_fn lookup, void *ctx,
                   struct sbuf bufs[2], bool *match, const char **missing)
{
    int r;

    switch (node->kind) {
    case SW_TRUE:
        *match = true;
        return 0;
    case SW_FALSE:
        *match = false;
        return 0;
    case SW_NOT:
        r = sw_eval(node->kids[0], lookup, ctx, bufs, match, missing);
        *match = !*match;
        return r;
    case SW_AND:
    case SW_OR:
        /* AND stops at the first false operand, OR at the first true. */
        for (size_t i = 0; i < node->n; i++) {
            r = sw_eval(node->kids[i], lookup, ctx, bufs, match, missing);
            if (r < 0) {
                return r;
            }
            if (*match == (node->kind == SW_OR)) {
                return 0;
            }
        }
        return 0;
    case SW_EQ:
        r = sw_resolve(&node->lhs, lookup, ctx, &bufs[0], missing);
        if (r == 0) {
            r = sw_resolve(&node->rhs, lookup, ctx, &bufs[1], missing);
        }
        if (r < 0) {
            return r;
        }
        /* Lengths too: a value may hold a NUL byte. */
        *match = bufs[0].len == bufs[1].len &&
                 !memcmp(sbuf_str(&bufs[0]), sbuf_str(&bufs[1]), bufs[0].len);
        return 0;
    }
    return -EINVAL;
}

int sim_where_eval(const struct sim_where *w, sim_where_lookup_fn lookup, void *ctx, bool *match,
                   const char **missing)
{
    struct sbuf bufs[2];
    int r;

    *match = false;
    if (missing) {
        *missing = NULL;
    }
    if (!w || !w->root || !lookup) {
        return -EINVAL;
    }
    sbuf_init(&bufs[0]);
    sbuf_init(&bufs[1]);
    r = sw_eval(w->root, lookup, ctx, bufs, match, missing);
    sbuf_free(&bufs[0]);
    sbuf_free(&bufs[1]);
    if (r < 0) {
        *match = false;
    }
    return r;
}
