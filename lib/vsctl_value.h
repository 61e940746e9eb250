/* OVSDB column types and values for xvs-vsctl: the schema's type of a column,
 * parsing of the command-line value syntax (`[a,b]`, `{k=v}`, quoted strings,
 * `@name` row ids) into OVSDB wire JSON, and printing values the way
 * ovs-vsctl prints them.  Pure functions on jansson trees; no I/O.
 *
 * A "datum" here is a JSON array: of atoms for a set, of [key, value] arrays
 * for a map, always sorted and without duplicates.  Atoms are in wire format
 * (integers, reals, booleans, strings, ["uuid", "..."]). */
#ifndef XVS_VSCTL_VALUE_H
#define XVS_VSCTL_VALUE_H

#include <jansson.h>
#include <stdbool.h>

enum vval_atype {
    VVAL_VOID,
    VVAL_INTEGER,
    VVAL_REAL,
    VVAL_BOOLEAN,
    VVAL_STRING,
    VVAL_UUID,
};

struct vval_base {
    enum vval_atype type;
    const json_t *enums; /* Allowed values (a datum of atoms) or NULL; borrowed from the schema. */
    long long min_int, max_int;
    const char *ref_table; /* For uuids: referenced table or NULL. */
};

struct vval_type {
    struct vval_base key;
    struct vval_base value; /* type VVAL_VOID unless a map. */
    unsigned min, max;      /* max UINT_MAX for "unlimited". */
};

/* Symbols for `--id=@name`: a JSON object "@name" -> {"uuid": str, "created": bool}.  Parsing a
 * reference to an unknown symbol adds it with a fresh uuid from the callback. */
typedef void (*vval_uuid_fn)(char out[37], void *arg);
struct vval_symtab {
    json_t *symbols;
    vval_uuid_fn new_uuid;
    void *arg;
};

/* Reads a column type from schema JSON "type_json" (borrowed; must outlive t).  Returns 0 or
 * -EINVAL. */
int vval_type_from_schema(const json_t *type_json, struct vval_type *t);

static inline bool vval_is_map(const struct vval_type *t)
{
    return t->value.type != VVAL_VOID;
}

/* Converts wire JSON "wire" of type t to a datum (new reference; sorted).  NULL on malformed input.
 */
json_t *vval_from_wire(const json_t *wire, const struct vval_type *t);
/* Converts a datum to wire JSON (new reference). */
json_t *vval_to_wire(const json_t *datum, const struct vval_type *t);

/* Sorts and deduplicates a datum in place (maps by key; the first of equal keys wins). */
void vval_normalize(json_t *datum, bool is_map);
/* Total order on atoms of the same type, like OVSDB's. */
int vval_atom_cmp(const json_t *a, const json_t *b);

/* Parses one atom of base type b from "s" (the whole string: quoted JSON string or bare text).
 * Returns the atom (new reference) or NULL with *err (malloc'd message). */
json_t *vval_parse_atom(const struct vval_base *b, const char *s, struct vval_symtab *syms,
                        char **err);
/* Parses a datum ("a,b", "[a,b]", "{k=v,...}", "[]") of type t; checks the size against t's
 * min/max unless "loose".  Returns a datum or NULL with *err. */
json_t *vval_parse_datum(const struct vval_type *t, const char *s, bool loose,
                         struct vval_symtab *syms, char **err);
/* Reads one token (quoted string or bare word up to a delimiter ":=, []{}!<>" or space) from
 * *p, advancing it.  Returns the token text unquoted (malloc'd) or NULL with *err. */
char *vval_token(const char **p, char **err);

/* Appends ovs-vsctl's text form of an atom / a datum to "out". */
struct sbuf;
void vval_atom_format(const json_t *atom, struct sbuf *out);
void vval_datum_format(const json_t *datum, const struct vval_type *t, struct sbuf *out);
/* Appends a string quoted the way OVSDB prints strings that need quotes. */
void vval_string_format(const char *s, struct sbuf *out);

/* True if the datum is the default of type t (empty, 0, false, ""). */
bool vval_is_default(const json_t *datum, const struct vval_type *t);
/* A new datum holding the default value of t. */
json_t *vval_default(const struct vval_type *t);

/* Checks the enum/range constraints of atom against b: 0, or -EINVAL with *err (malloc'd). */
int vval_check_atom(const struct vval_base *b, const json_t *atom, char **err);

/* True if "s" is a well-formed UUID string. */
bool vval_is_uuid(const char *s);

#endif
