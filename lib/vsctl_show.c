/* xvs-vsctl's `show`: the Open_vSwitch row and what hangs off it, in
 * ovs-vsctl's layout (four spaces per level, references followed into the
 * tables below, other columns printed as "name: value" when not default). */
#include <errno.h>
#include <string.h>

#include "vsctl_cmd.h"

struct show_table {
    const char *table;
    const char *name_col; /* NULL: the row is named by its uuid. */
    const char *cols[4];
};

static const struct show_table show_tables[] = {
        {"Open_vSwitch", NULL, {"manager_options", "bridges", "ovs_version", NULL}},
        {"Bridge", "name", {"controller", "fail_mode", "datapath_type", "ports"}},
        {"Port", "name", {"tag", "trunks", "interfaces", NULL}},
        {"Interface", "name", {"type", "options", "error", "bfd_status"}},
        {"Controller", "target", {"is_connected", NULL, NULL, NULL}},
        {"Manager", "target", {"is_connected", NULL, NULL, NULL}},
};

static const struct show_table *find_show(const char *table)
{
    for (size_t i = 0; table && i < sizeof(show_tables) / sizeof(show_tables[0]); i++) {
        if (!strcmp(show_tables[i].table, table)) {
            return &show_tables[i];
        }
    }
    return NULL;
}

static void indent(struct sbuf *o, int level)
{
    for (int i = 0; i < level * 4; i++) {
        sbuf_addc(o, ' ');
    }
}

static void show_row(struct vctx *ctx, const struct show_table *st, const char *uuid, int level,
                     int depth)
{
    struct sbuf *o = &ctx->cmd->output;

    indent(o, level);
    if (st->name_col) {
        struct vval_type t;
        sbuf_addf(o, "%s ", st->table);
        vdb_column_type(ctx->db, st->table, st->name_col, &t);
        vval_datum_format(vdb_get(ctx->db, st->table, uuid, st->name_col), &t, o);
    } else {
        sbuf_adds(o, uuid);
    }
    sbuf_addc(o, '\n');
    /* The show tables form a tree; the depth bound only guards against a malformed schema. */
    if (depth > 8) {
        return;
    }
    for (size_t i = 0; i < 4 && st->cols[i]; i++) {
        const char *col = st->cols[i];
        struct vval_type t;
        const json_t *d = vdb_get(ctx->db, st->table, uuid, col);
        if (!d || vdb_column_type(ctx->db, st->table, col, &t) < 0) {
            continue;
        }
        const struct show_table *ref = t.key.type == VVAL_UUID ? find_show(t.key.ref_table) : NULL;
        if (ref) {
            for (size_t k = 0; k < json_array_size(d); k++) {
                const char *u = vdb_ref_at(d, k);
                if (u && vdb_row(ctx->db, ref->table, u)) {
                    show_row(ctx, ref, u, level + 1, depth + 1);
                }
            }
            continue;
        }
        if (!vval_is_default(d, &t)) {
            indent(o, level + 1);
            sbuf_addf(o, "%s: ", col);
            vval_datum_format(d, &t, o);
            sbuf_addc(o, '\n');
        }
    }
}

int vcmd_show(struct vctx *ctx)
{
    show_row(ctx, &show_tables[0], ctx->ovs_uuid, 0, 0);
    return 0;
}
