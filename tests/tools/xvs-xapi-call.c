/* xvs-xapi-call: a small XenAPI command-line client for integration tests
 * and operators.
 *
 *   xvs-xapi-call [OPTIONS] METHOD [ARG...]
 *   xvs-xapi-call [OPTIONS] --records CLASS [--where EXPR] [--fields F1,F2]
 *   xvs-xapi-call [OPTIONS] --login-only
 *
 * It logs in (or attaches to --session REF), calls METHOD with the session
 * ref prepended and the ARGs as strings, prints the Value in a readable form
 * (or as XML-RPC with --xml), and logs out.  Within the ARGs, "--map
 * K=V,K2=V2" passes a struct of strings and "--bool true|false" a boolean.
 * --records prints one line per record of get_all_records (or
 * get_all_records_where EXPR), decoded with the typed record decoder:
 * "REF uuid=... field=value ...".  --login-only prints the new session ref
 * and leaves the session open, for programs that take --session REF.
 *
 * Exit status: 0 success, 1 the call failed (the XenAPI error code and its
 * parameters, or the transport error, are on stderr), 2 usage error. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "paths.h"
#include "records.h"
#include "sbuf.h"
#include "transport.h"
#include "xapi.h"
#include "xmlrpc.h"

#define EXIT_FAIL  1
#define EXIT_USAGE 2

struct opts {
    const char *url;
    const char *user;
    const char *password;
    const char *version;
    const char *originator;
    const char *session;
    const char *records;
    const char *where;
    const char *fields;
    bool slave_local;
    bool xml;
    bool login_only;
    struct xt_options transport;
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: xvs-xapi-call [OPTIONS] METHOD [ARG...]\n"
            "       xvs-xapi-call [OPTIONS] --records CLASS [--where EXPR] [--fields F1,F2]\n"
            "       xvs-xapi-call [OPTIONS] --login-only\n"
            "\n"
            "Calls a XenAPI method with the session ref prepended and prints its Value.\n"
            "ARGs are strings; '--map K=V,K2=V2' passes a struct, '--bool true|false' a bool.\n"
            "\n"
            "  -u, --url URL        XAPI URL: http(s)://HOST[:PORT]/, a socket path or\n"
            "                       http://_var_lib_xcp_xapi/ (default: the local socket\n"
            "                       /var/lib/xcp/xapi under the root prefix)\n"
            "      --unix PATH      the unix socket of XAPI\n"
            "      --root-prefix D  root prefix for the default socket (default $XVS_ROOT)\n"
            "      --user U         user name (default root)\n"
            "      --password P     password (default empty)\n"
            "      --api-version V  version passed to login_with_password\n"
            "      --originator O   originator passed to login_with_password\n"
            "      --slave-local    use session.slave_local_login_with_password\n"
            "      --session REF    use an existing session; no login, no logout\n"
            "      --ca-file F      CA bundle for https\n"
            "      --insecure       do not verify the https peer\n"
            "      --timeout S      total timeout in seconds (default 120)\n"
            "      --records CLASS  print a summary of CLASS.get_all_records\n"
            "      --where EXPR     with --records: use get_all_records_where EXPR\n"
            "      --fields LIST    with --records: the fields to print\n"
            "      --xml            print the Value as XML-RPC\n"
            "      --login-only     print the session ref and keep the session open\n"
            "  -v, --verbose        log every call\n"
            "  -h, --help           this text\n"
            "\n"
            "Exit status: 0 success, 1 the call failed, 2 usage error.\n");
}

/* ------------------------------------------------------------------ */
/* Printing values                                                     */

static bool is_container(const struct xr_value *v)
{
    return xr_type(v) == XR_ARRAY || xr_type(v) == XR_STRUCT;
}

static size_t container_len(const struct xr_value *v)
{
    return xr_type(v) == XR_ARRAY ? xr_array_len(v) : xr_struct_len(v);
}

/* A scalar or an empty container on the current line. */
static void print_inline(const struct xr_value *v)
{
    int64_t i;
    bool b;
    double d;
    size_t len;

    switch (xr_type(v)) {
    case XR_NIL:
        fputs("nil", stdout);
        break;
    case XR_INT:
        xr_get_int(v, &i);
        printf("%" PRId64, i);
        break;
    case XR_BOOL:
        xr_get_bool(v, &b);
        fputs(b ? "true" : "false", stdout);
        break;
    case XR_DOUBLE:
        xr_get_double(v, &d);
        printf("%.17g", d);
        break;
    case XR_STRING:
    case XR_DATETIME:
        fputs(xr_get_string(v), stdout);
        break;
    case XR_BASE64:
        xr_get_bytes(v, &len);
        printf("<%zu bytes of base64>", len);
        break;
    case XR_ARRAY:
        fputs("[]", stdout);
        break;
    case XR_STRUCT:
        fputs("{}", stdout);
        break;
    }
}

/* YAML-like: one scalar per line, "- " for array items, "key: " for struct
 * members, nested containers indented by two. */
static void print_value(const struct xr_value *v, int indent)
{
    bool arr = xr_type(v) == XR_ARRAY;
    size_t n = container_len(v);

    if (!is_container(v) || n == 0) {
        printf("%*s", indent, "");
        print_inline(v);
        putchar('\n');
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct xr_value *item = arr ? xr_array_get(v, i) : xr_struct_value(v, i);

        printf("%*s", indent, "");
        if (arr) {
            fputs("-", stdout);
        } else {
            printf("%s:", xr_struct_key(v, i));
        }
        if (is_container(item) && container_len(item) > 0) {
            putchar('\n');
            print_value(item, indent + 2);
        } else if (xr_type(item) == XR_STRING && !*xr_get_string(item)) {
            puts(" \"\""); /* Visible, instead of a trailing blank. */
        } else {
            putchar(' ');
            print_inline(item);
            putchar('\n');
        }
    }
}

/* ------------------------------------------------------------------ */
/* --records                                                           */

static const char *const summaries[][2] = {
        {"PIF", "device,VLAN,MTU,network,management,physical,currently_attached,"
                "ip_configuration_mode,IP,bond_slave_of"},
        {"network", "bridge,MTU,name_label,PIFs"},
        {"Bond", "master,slaves,mode"},
        {"VLAN", "tag,tagged_PIF,untagged_PIF"},
        {"tunnel", "access_PIF,transport_PIF,protocol"},
        {"VIF", "device,network,VM,MAC,locking_mode"},
        {"VM", "name_label,domid,power_state,is_control_domain"},
        {"host", "name_label,hostname,address"},
        {"pool", "name_label,master,vswitch_controller"},
        {"PIF_metrics", "carrier,speed,duplex"},
        {"SDN_controller", "protocol,address,port"},
};

/* Appends "s", quoted when it is empty or holds blanks, quotes or '='. */
static void add_word(struct sbuf *b, const char *s)
{
    if (*s && !strpbrk(s, " \t\n\"\\=")) {
        sbuf_adds(b, s);
        return;
    }
    sbuf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            sbuf_addc(b, '\\');
        }
        sbuf_addc(b, *s == '\n' ? ' ' : *s);
    }
    sbuf_addc(b, '"');
}

static void add_field(struct sbuf *b, const struct xapi_field *f, const void *rec)
{
    const void *p = (const char *)rec + f->offset;
    struct sbuf tmp = SBUF_INIT;

    switch (f->type) {
    case XAPI_F_STRING:
    case XAPI_F_REF:
    case XAPI_F_DATETIME: {
        const char *s = *(char *const *)p;

        add_word(b, s ? s : "");
        break;
    }
    case XAPI_F_INT:
        sbuf_addf(b, "%" PRId64, *(const int64_t *)p);
        break;
    case XAPI_F_BOOL:
        sbuf_adds(b, *(const bool *)p ? "true" : "false");
        break;
    case XAPI_F_DOUBLE:
        sbuf_addf(b, "%g", *(const double *)p);
        break;
    case XAPI_F_STRV: {
        const struct xapi_strv *sv = (const struct xapi_strv *)p;

        for (size_t i = 0; i < sv->n; i++) {
            sbuf_addf(&tmp, "%s%s", i ? "," : "", sv->v[i]);
        }
        add_word(b, sbuf_str(&tmp));
        break;
    }
    case XAPI_F_MAP: {
        const struct xapi_map *m = (const struct xapi_map *)p;

        for (size_t i = 0; i < m->n; i++) {
            sbuf_addf(&tmp, "%s%s:%s", i ? "," : "", m->keys[i], m->values[i]);
        }
        add_word(b, sbuf_str(&tmp));
        break;
    }
    }
    sbuf_free(&tmp);
}

/* Resolves the comma-separated "list" into fields of "cls".  Returns the
 * number found, or -1 after naming an unknown field. */
static int resolve_fields(const struct xapi_class *cls, const char *list,
                          const struct xapi_field **out, int max)
{
    char *copy = strdup(list), *save = NULL;
    int n = 0;

    if (!copy) {
        return -1;
    }
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const struct xapi_field *f = xapi_class_field(cls, tok);

        if (!f || n == max) {
            fprintf(stderr, "xvs-xapi-call: %s has no field '%s' (or too many fields)\n", cls->name,
                    tok);
            n = -1;
            break;
        }
        out[n++] = f;
    }
    free(copy);
    return n;
}

/* Which fields --records prints: --fields, else the class's summary. */
struct record_view {
    const struct xapi_class *cls;
    const struct xapi_field *fields[64];
    int n;
};

/* Fills "view" for class "name".  Returns 0, or -EINVAL after a message. */
static int record_view_init(struct record_view *view, const char *name, const char *fields)
{
    view->cls = xapi_class_find(name);
    if (!view->cls) {
        fprintf(stderr, "xvs-xapi-call: unknown class '%s'\n", name);
        return -EINVAL;
    }
    for (size_t i = 0; !fields && i < sizeof summaries / sizeof summaries[0]; i++) {
        if (!strcmp(summaries[i][0], view->cls->name)) {
            fields = summaries[i][1];
        }
    }
    view->n = resolve_fields(view->cls, fields ? fields : "", view->fields, 64);
    return view->n < 0 ? -EINVAL : 0;
}

static int print_records(struct xapi_session *s, const struct record_view *view, const char *where)
{
    const struct xapi_class *cls = view->cls;
    struct xapi_record_list list = {0};
    int r = where ? xapi_get_all_records_where(s, cls, where, &list)
                  : xapi_get_all_records(s, cls, &list);

    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < list.n; i++) {
        const char *rec = (const char *)list.items + i * cls->size;
        const struct xapi_field *uuid = xapi_class_field(cls, "uuid");
        struct sbuf line = SBUF_INIT;

        sbuf_adds(&line, *(char *const *)rec);
        if (uuid) {
            sbuf_adds(&line, " uuid=");
            add_field(&line, uuid, rec);
        }
        for (int j = 0; j < view->n; j++) {
            sbuf_addf(&line, " %s=", view->fields[j]->name);
            add_field(&line, view->fields[j], rec);
        }
        r = sbuf_error(&line);
        if (r == 0) {
            puts(sbuf_str(&line));
        }
        sbuf_free(&line);
        if (r < 0) {
            break;
        }
    }
    xapi_record_list_clear(&list);
    return r;
}

/* ------------------------------------------------------------------ */
/* Calls                                                               */

/* "K=V,K2=V2" as a struct of strings; NULL (after a message) when bad. */
static struct xr_value *parse_map(const char *text)
{
    struct xr_value *st = xr_struct();
    char *copy = strdup(text), *save = NULL;

    for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; st && tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');

        if (!eq || eq == tok) {
            fprintf(stderr, "xvs-xapi-call: --map wants K=V,K2=V2, not '%s'\n", text);
            xr_free(st);
            st = NULL;
            break;
        }
        *eq = '\0';
        if (xr_struct_set_string(st, tok, eq + 1) < 0) {
            xr_free(st);
            st = NULL;
        }
    }
    if (!copy) {
        xr_free(st);
        st = NULL;
    }
    free(copy);
    return st;
}

/* Builds the parameter array from the ARGs.  Returns NULL after a usage
 * message. */
static struct xr_value *parse_args(int argc, char **argv)
{
    struct xr_value *params = xr_array();

    for (int i = 0; params && i < argc; i++) {
        struct xr_value *v;

        if (!strcmp(argv[i], "--map") || !strcmp(argv[i], "--bool")) {
            if (i + 1 == argc) {
                fprintf(stderr, "xvs-xapi-call: %s needs a value\n", argv[i]);
                v = NULL;
            } else if (argv[i][2] == 'm') {
                v = parse_map(argv[++i]);
            } else if (!strcmp(argv[i + 1], "true") || !strcmp(argv[i + 1], "false")) {
                v = xr_bool(!strcmp(argv[++i], "true"));
            } else {
                fprintf(stderr, "xvs-xapi-call: --bool wants true or false\n");
                v = NULL;
            }
        } else {
            v = xr_string(argv[i]);
        }
        if (xr_array_append(params, v) < 0) {
            xr_free(params);
            params = NULL;
        }
    }
    return params;
}

static int call_method(struct xapi_session *s, const struct opts *o, const char *method,
                       const struct xr_value *params)
{
    struct xr_value *result = NULL;
    char *xml = NULL;
    size_t len = 0;
    int r = xapi_call(s, method, params, &result);

    if (r < 0) {
        return r;
    }
    if (o->xml) {
        r = xr_encode_value(result, &xml, &len);
        if (r == 0) {
            fwrite(xml, 1, len, stdout);
            if (len && xml[len - 1] != '\n') {
                putchar('\n');
            }
        }
        free(xml);
    } else {
        print_value(result, 0);
    }
    xr_free(result);
    return r;
}

/* ------------------------------------------------------------------ */

enum {
    OPT_UNIX = 256,
    OPT_ROOT,
    OPT_USER,
    OPT_PASSWORD,
    OPT_VERSION,
    OPT_ORIGINATOR,
    OPT_SLAVE_LOCAL,
    OPT_SESSION,
    OPT_CA_FILE,
    OPT_INSECURE,
    OPT_TIMEOUT,
    OPT_RECORDS,
    OPT_WHERE,
    OPT_FIELDS,
    OPT_XML,
    OPT_LOGIN_ONLY,
};

static const struct option long_opts[] = {
        {"url", required_argument, NULL, 'u'},
        {"unix", required_argument, NULL, OPT_UNIX},
        {"root-prefix", required_argument, NULL, OPT_ROOT},
        {"user", required_argument, NULL, OPT_USER},
        {"password", required_argument, NULL, OPT_PASSWORD},
        {"api-version", required_argument, NULL, OPT_VERSION},
        {"originator", required_argument, NULL, OPT_ORIGINATOR},
        {"slave-local", no_argument, NULL, OPT_SLAVE_LOCAL},
        {"session", required_argument, NULL, OPT_SESSION},
        {"ca-file", required_argument, NULL, OPT_CA_FILE},
        {"insecure", no_argument, NULL, OPT_INSECURE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"records", required_argument, NULL, OPT_RECORDS},
        {"where", required_argument, NULL, OPT_WHERE},
        {"fields", required_argument, NULL, OPT_FIELDS},
        {"xml", no_argument, NULL, OPT_XML},
        {"login-only", no_argument, NULL, OPT_LOGIN_ONLY},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

/* Parses the options; returns the index of METHOD, or -1 for a usage error
 * (after a message), or -2 for --help. */
static int parse_options(int argc, char **argv, struct opts *o)
{
    const char *root = NULL;
    char *end;
    int c;

    o->user = "root";
    o->password = "";
    while ((c = getopt_long(argc, argv, "+u:vh", long_opts, NULL)) != -1) {
        switch (c) {
        case 'u':
        case OPT_UNIX:
            if (o->url) {
                fprintf(stderr, "xvs-xapi-call: give one of --url and --unix, once\n");
                return -1;
            }
            o->url = optarg;
            if (c == OPT_UNIX && optarg[0] != '/') {
                fprintf(stderr, "xvs-xapi-call: --unix wants an absolute path\n");
                return -1;
            }
            break;
        case OPT_ROOT:
            root = optarg;
            break;
        case OPT_USER:
            o->user = optarg;
            break;
        case OPT_PASSWORD:
            o->password = optarg;
            break;
        case OPT_VERSION:
            o->version = optarg;
            break;
        case OPT_ORIGINATOR:
            o->originator = optarg;
            break;
        case OPT_SLAVE_LOCAL:
            o->slave_local = true;
            break;
        case OPT_SESSION:
            o->session = optarg;
            break;
        case OPT_CA_FILE:
            o->transport.ca_file = optarg;
            break;
        case OPT_INSECURE:
            o->transport.insecure = true;
            break;
        case OPT_TIMEOUT:
            errno = 0;
            o->transport.timeout_ms = strtol(optarg, &end, 10) * 1000;
            if (errno || *end || end == optarg || o->transport.timeout_ms <= 0 ||
                o->transport.timeout_ms > 86400000L) {
                fprintf(stderr, "xvs-xapi-call: bad --timeout '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_RECORDS:
            o->records = optarg;
            break;
        case OPT_WHERE:
            o->where = optarg;
            break;
        case OPT_FIELDS:
            o->fields = optarg;
            break;
        case OPT_XML:
            o->xml = true;
            break;
        case OPT_LOGIN_ONLY:
            o->login_only = true;
            break;
        case 'v':
            xlog_set_level(XLOG_DEBUG);
            break;
        case 'h':
            return -2;
        default:
            return -1;
        }
    }
    if (root && paths_init(root) < 0) {
        fprintf(stderr, "xvs-xapi-call: bad --root-prefix '%s'\n", root);
        return -1;
    }
    if ((o->records || o->login_only) ? optind != argc : optind == argc) {
        fprintf(stderr, "xvs-xapi-call: give one of METHOD [ARG...], --records CLASS and "
                        "--login-only\n");
        return -1;
    }
    if (o->records && o->login_only) {
        fprintf(stderr, "xvs-xapi-call: --records and --login-only exclude each other\n");
        return -1;
    }
    if (o->login_only && o->session) {
        fprintf(stderr, "xvs-xapi-call: --login-only makes no sense with --session\n");
        return -1;
    }
    if ((o->where || o->fields) && !o->records) {
        fprintf(stderr, "xvs-xapi-call: --where and --fields need --records\n");
        return -1;
    }
    if (o->session && (o->slave_local || o->version || o->originator)) {
        fprintf(stderr, "xvs-xapi-call: --session excludes the login options\n");
        return -1;
    }
    return optind;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    struct record_view view = {0};
    struct xt_transport *t = NULL;
    struct xapi_session *s = NULL;
    struct xr_value *params = NULL;
    char *default_url = NULL;
    int first, r, status = EXIT_FAIL;

    xlog_open(argv[0], false);
    first = parse_options(argc, argv, &o);
    if (first == -2) {
        usage(stdout);
        return 0;
    }
    if (first < 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (o.login_only) {
        /* Nothing to call. */
    } else if (!o.records) {
        params = parse_args(argc - first - 1, argv + first + 1);
        if (!params) {
            return EXIT_USAGE;
        }
    } else if (record_view_init(&view, o.records, o.fields) < 0) {
        return EXIT_USAGE;
    }
    if (!o.url) {
        default_url = paths_get(PATHS_XAPI_SOCKET);
        o.url = default_url;
    }
    r = o.url ? xt_curl_new(o.url, &o.transport, &t) : -ENOMEM;
    if (r == 0) {
        r = xapi_session_new(t, &s);
    }
    if (r < 0) {
        status = r == -EINVAL ? EXIT_USAGE : EXIT_FAIL;
        goto out;
    }
    if (o.session) {
        r = xapi_session_attach(s, o.session);
    } else if (o.slave_local) {
        r = xapi_slave_local_login_with_password(s, o.user, o.password);
    } else {
        r = xapi_login_with_password(s, o.user, o.password, o.version, o.originator);
    }
    if (r < 0) {
        goto out;
    }
    if (o.login_only) {
        puts(xapi_session_ref(s));
        status = 0;
        goto out;
    }
    r = o.records ? print_records(s, &view, o.where) : call_method(s, &o, argv[first], params);
    status = r == 0 ? 0 : EXIT_FAIL;
    /* The logout's own failure is logged but does not change the verdict on
     * the call. */
    xapi_logout(s);
out:
    if (fflush(stdout) != 0 && status == 0) {
        status = EXIT_FAIL;
    }
    xapi_session_free(s);
    xr_free(params);
    free(default_url);
    return status;
}
