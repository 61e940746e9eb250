/* How xe shows XenAPI objects: for each class, the fields xe prints (with
 * xe's names, order and access marks), how each is computed from the raw
 * XML-RPC record, the default fields of <class>-list, and the printers of
 * xe's two output forms.
 *
 * Records stay raw XML-RPC structs, so every field a server sends can be
 * shown, not only those of records.h; an xe field whose wire field the
 * server did not send is left out of the output.  References print as the
 * uuid (or name-label) of the object they point to, found through a
 * resolver, and as "<not in database>" when they point nowhere (the null
 * ref included), as xe does. */
#ifndef XVS_XE_CLASS_H
#define XVS_XE_CLASS_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf;
struct xr_value;

/* How a field's text is computed from the record. */
enum xe_kind {
    XE_K_SCALAR,        /* A string, int, bool, double or datetime as text. */
    XE_K_LOWER,         /* A scalar in lower case (power-state). */
    XE_K_SET,           /* A set of scalars, "a; b". */
    XE_K_MAP,           /* A map, "k: v; k2: v2". */
    XE_K_REF_UUID,      /* A ref, as the uuid of the object. */
    XE_K_REF_NAME,      /* A ref, as the name_label of the object. */
    XE_K_REFS_UUID,     /* A set of refs, as their uuids "u1; u2". */
    XE_K_METRIC,        /* A field of the object the "metrics" ref points to. */
    XE_K_METRIC_SPEED,  /* PIF_metrics.speed as "<n> Mbit/s". */
    XE_K_METRIC_DUPLEX, /* PIF_metrics.duplex as full / half / unknown. */
};

/* xe's access marks: ( RO), ( RW), (MRO), (MRW), (SRO), (SRW). */
enum xe_access {
    XE_RO,
    XE_RW,
    XE_MRO,
    XE_MRW,
    XE_SRO,
    XE_SRW,
};

/* How a settable field's value is sent to its setter. */
enum xe_vtype {
    XE_V_STRING,
    XE_V_INT,  /* A decimal string, as XAPI transports int64. */
    XE_V_BOOL, /* An XML-RPC boolean. */
    XE_V_LIST, /* A comma-separated list, sent as an array of strings. */
};

struct xe_field {
    const char *name; /* As xe names it: "network-uuid". */
    const char *wire; /* The record member it comes from: "network". */
    enum xe_kind kind;
    const char *target; /* Class of the referenced object (REF kinds, METRIC). */
    enum xe_access access;
    /* For XE_RW and settable sets: the setter method without the class
     * ("set_name_label").  For XE_MRW: the map's wire name ("other_config"),
     * changed with add_to_<map> / remove_from_<map>. */
    const char *setter;
    enum xe_vtype vtype;
    bool hidden;           /* Only shown when asked for by name. */
    bool case_insensitive; /* Filters compare without case (MAC). */
};

struct xe_class {
    const char *name; /* xe's name: "pif", "sdn-controller". */
    const char *wire; /* XenAPI's: "PIF", "SDN_controller". */
    const struct xe_field *fields;
    size_t n_fields;
    const char *list_fields;  /* Default params of <name>-list, comma-separated. */
    const char *filter_key;   /* A default filter of <name>-list (or NULL)... */
    const char *filter_value; /* ...and its value ("is-a-template", "false"). */
};

/* Every class, NULL-terminated, and lookup by xe name / wire name (NULL
 * when there is no such class). */
extern const struct xe_class *const xe_classes[];
const struct xe_class *xe_class_find(const char *name);
const struct xe_class *xe_class_find_wire(const char *wire);

/* The field "name" of "cls", or NULL. */
const struct xe_field *xe_class_field(const struct xe_class *cls, const char *name);

/* Finds the records a field refers to.  "lookup" returns the record
 * (borrowed XR_STRUCT) of "ref" in class "wire_class", or NULL when there
 * is none. */
struct xe_resolver {
    const struct xr_value *(*lookup)(void *ctx, const char *wire_class, const char *ref);
    void *ctx;
};

/* Whether record "rec" carries what "f" is computed from. */
bool xe_field_present(const struct xe_field *f, const struct xr_value *rec);

/* Appends the text of field "f" of record "rec" to "out".  Returns 0 or
 * -ENOMEM. */
int xe_field_text(const struct xe_field *f, const struct xr_value *rec,
                  const struct xe_resolver *res, struct sbuf *out);

/* The elements of a set field (for "field:contains=" filters), as xe shows
 * them: uuids for sets of refs.  Fills "out" with malloc'ed strings, which
 * the caller frees with xe_strings_free().  Returns the count or -ENOMEM. */
int xe_field_elements(const struct xe_field *f, const struct xr_value *rec,
                      const struct xe_resolver *res, char ***out);

/* Frees the "n" strings of "v" and "v" itself.  Accepts NULL. */
void xe_strings_free(char **v, int n);

/* "uuid ( RO)", "other-config (MRW)": the label xe prints for "f". */
const char *xe_access_mark(enum xe_access access);

/* Whether record "rec" passes filter "key"="value": a field name compares
 * the field's text; "map:key" the map's value; "set:contains" set
 * membership.  Returns 1 (passes), 0 (does not), -EINVAL (no such field,
 * or a filter form the field does not take; "*why" then names the
 * problem, static text) or -ENOMEM. */
int xe_filter_match(const struct xe_class *cls, const struct xr_value *rec,
                    const struct xe_resolver *res, const char *key, const char *value,
                    const char **why);

/* One printed record: labels and values. */
struct xe_row {
    size_t n;
    char **labels; /* "name-label ( RW)" */
    char **values;
};

/* Frees the labels and values of "row" and zeroes it.  Accepts NULL. */
void xe_row_clear(struct xe_row *row);

/* Builds the row of "rec" with the fields named in "params" (a
 * comma-separated list, "all", or NULL for the class's defaults), in the
 * class's order, leaving out hidden fields and fields absent from "rec".
 * With "all_fields" true every present non-hidden field is taken (the
 * param-list form).  Returns 0 or -ENOMEM. */
int xe_row_build(const struct xe_class *cls, const struct xr_value *rec,
                 const struct xe_resolver *res, const char *params, bool all_fields,
                 struct xe_row *row);

/* Appends "rows" as xe prints them: each record as lines "label: value",
 * the first label padded on the right and the others on the left to the
 * longest label plus four, then two blank lines.  With "minimal", the first
 * value of every row, commas and backslashes escaped, joined by commas on
 * one line.  Returns 0 or -ENOMEM. */
int xe_print_rows(const struct xe_row *rows, size_t n, bool minimal, struct sbuf *out);

#endif
