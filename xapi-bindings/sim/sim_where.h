/* The expression language of XAPI's get_all_records_where, for xvs-xapi-sim.
 *
 * The grammar is XAPI's (ocaml/database/db_filter_parse.mly):
 *
 *   expr  := value "=" value | expr "and" expr | expr "or" expr
 *          | "not" expr | "true" | "false" | "(" expr ")"
 *   value := STRING | "field" STRING
 *
 * "and" and "or" have the same precedence and associate to the left, so
 * `a or b and c` is `(a or b) and c`; "not" binds looser than both, so
 * `not a and b` is `not (a and b)`.  Keywords are lower case.  Blanks are
 * space, tab and newline.  A STRING is double-quoted; XAPI has no escapes,
 * we add one: \" stands for a quote (any other backslash is literal).
 * "=" compares the two sides as strings; a field's side is the record's
 * value in XAPI's database form (see sim_db_value_text()).
 *
 * This module knows nothing of records: evaluation asks a callback for
 * field values. */
#ifndef XVS_SIM_WHERE_H
#define XVS_SIM_WHERE_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf;

/* Nesting limit of a parsed expression (parentheses, "not", and changes
 * between "and" and "or"); a run of one operator counts once, so long
 * `field "uuid"="a" or field "uuid"="b" or ...` lists are fine. */
#define SIM_WHERE_MAX_DEPTH 64

/* A parsed expression. */
struct sim_where;

/* Parses "text".  On success "*out" is set (free with sim_where_free()).
 * On a syntax error returns -EINVAL and writes a one-line reason into
 * "err" (of "errlen" bytes; may be NULL); -E2BIG when the expression nests
 * deeper than SIM_WHERE_MAX_DEPTH; -ENOMEM. */
int sim_where_parse(const char *text, struct sim_where **out, char *err, size_t errlen);

/* Frees "w".  Accepts NULL. */
void sim_where_free(struct sim_where *w);

/* Called for each `field "name"` evaluated: appends the field's value text
 * to "out" (which arrives empty) and returns 0, or returns -ENOENT when the
 * record has no such field, or -ENOMEM. */
typedef int (*sim_where_lookup_fn)(void *ctx, const char *field, struct sbuf *out);

/* Evaluates "w" against one record, reading fields through "lookup"
 * ("ctx" is passed along).  Like XAPI, "and"/"or" stop at the first
 * operand that decides, so a missing field on the other side is never
 * looked up.  Returns 0 with "*match" set; -ENOENT when a field was
 * missing ("*missing", if not NULL, then names it; the string belongs to
 * "w"); -ENOMEM. */
int sim_where_eval(const struct sim_where *w, sim_where_lookup_fn lookup, void *ctx, bool *match,
                   const char **missing);

#endif
