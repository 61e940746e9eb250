/* The command line of xe; see xe_args.h. */
#include "xe_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parameters every command accepts (the server's "stdparams"). */
static const char *const std_params[] = {
        "server", "password", "port", "username",         "minimal",
        "force",  "multiple", "all",  "message-priority", "trace",
};

bool xe_args_is_std(const char *key)
{
    for (size_t i = 0; i < sizeof std_params / sizeof std_params[0]; i++) {
        if (!strcmp(key, std_params[i])) {
            return true;
        }
    }
    return false;
}

void xe_args_clear(struct xe_args *a)
{
    if (!a) {
        return;
    }
    for (size_t i = 0; i < a->n_params; i++) {
        free(a->params[i].key);
        free(a->params[i].value);
    }
    free(a->params);
    free(a->command);
    free(a->server);
    free(a->user);
    free(a->password);
    free(a->password_file);
    free(a->root_prefix);
    free(a->ca_file);
    memset(a, 0, sizeof *a);
}

const char *xe_args_get(const struct xe_args *a, const char *key)
{
    for (size_t i = a->n_params; i > 0; i--) {
        if (!strcmp(a->params[i - 1].key, key)) {
            return a->params[i - 1].value;
        }
    }
    return NULL;
}

bool xe_args_bool(const struct xe_args *a, const char *key, bool def)
{
    static const char *const yes[] = {"true", "t", "1", "yes", "on"};
    static const char *const no[] = {"false", "f", "0", "no", "off"};
    const char *v = xe_args_get(a, key);

    for (size_t i = 0; v && i < sizeof yes / sizeof yes[0]; i++) {
        if (!strcasecmp(v, yes[i])) {
            return true;
        }
        if (!strcasecmp(v, no[i])) {
            return false;
        }
    }
    return def;
}

static int set_error(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int set_error(char **err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0) {
        *err = NULL;
    }
    va_end(ap);
    return *err ? -EINVAL : -ENOMEM;
}

static int add_param(struct xe_args *a, const char *key, size_t key_len, const char *value)
{
    struct xe_param *p = realloc(a->params, (a->n_params + 1) * sizeof *p);

    if (!p) {
        return -ENOMEM;
    }
    a->params = p;
    p += a->n_params;
    p->key = strndup(key, key_len);
    p->value = strdup(value);
    if (!p->key || !p->value) {
        free(p->key);
        free(p->value);
        return -ENOMEM;
    }
    a->n_params++;
    return 0;
}

static int replace(char **slot, const char *value)
{
    char *copy = strdup(value);

    if (!copy) {
        return -ENOMEM;
    }
    free(*slot);
    *slot = copy;
    return 0;
}

static int parse_port(const char *text, unsigned *port, char **err)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 0 || v > 65535) {
        return set_error(err, "Port number must be an integer (0-65535)");
    }
    *port = (unsigned)v;
    return 0;
}

static bool text_bool(const char *v)
{
    return !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes") ||
           !strcasecmp(v, "on");
}

/* Applies connection keyword "key" (with "value").  Returns 1 when "key"
 * is one, 0 when it is not, or a negative errno. */
static int set_keyword(struct xe_args *a, const char *key, size_t key_len, const char *value,
                       char **err)
{
#define IS(word) (key_len == strlen(word) && !strncmp(key, word, key_len))
    int r;

    if (IS("server")) {
        r = replace(&a->server, value);
    } else if (IS("port")) {
        r = parse_port(value, &a->port, err);
    } else if (IS("username")) {
        r = replace(&a->user, value);
    } else if (IS("password")) {
        r = replace(&a->password, value);
    } else if (IS("passwordfile")) {
        r = replace(&a->password_file, value);
    } else if (IS("nossl")) {
        a->nossl = text_bool(value);
        r = 0;
    } else if (IS("debug")) {
        a->debug = text_bool(value);
        r = 0;
    } else {
        return 0;
    }
#undef IS
    return r < 0 ? r : 1;
}

/* Switches that take the next argument, with the keyword they set. */
static const char *const switches[][2] = {
        {"-s", "server"},   {"-h", "server"},    {"-p", "port"},
        {"-u", "username"}, {"-pw", "password"}, {"-pwf", "passwordfile"},
};

static int parse_one(struct xe_args *a, int argc, char *const argv[], int *i, char **err)
{
    const char *arg = argv[*i];
    const char *eq;
    int r;

    if (!strcmp(arg, "--help") || !strcmp(arg, "-help")) {
        a->help = true;
        return 0;
    }
    if (!strcmp(arg, "--nossl")) {
        a->nossl = true;
        return 0;
    }
    if (!strcmp(arg, "--debug")) {
        a->debug = true;
        return 0;
    }
    if (!strcmp(arg, "--insecure")) {
        a->insecure = true;
        return 0;
    }
    if (!strncmp(arg, "--root-prefix", 13) || !strncmp(arg, "--ca-file", 9)) {
        bool root = arg[2] == 'r';
        size_t n = root ? 13 : 9;
        const char *v;

        if (arg[n] == '=') {
            v = arg + n + 1;
        } else if (arg[n] == '\0' && *i + 1 < argc) {
            v = argv[++*i];
        } else if (arg[n] == '\0') {
            return set_error(err, "Switch %s requires a parameter", arg);
        } else {
            return add_param(a, arg + 2, strlen(arg + 2), "true");
        }
        return replace(root ? &a->root_prefix : &a->ca_file, v);
    }
    if (!strncmp(arg, "--", 2)) {
        return add_param(a, arg + 2, strlen(arg + 2), "true");
    }
    if (arg[0] == '-' && arg[1] != '\0') {
        for (size_t k = 0; k < sizeof switches / sizeof switches[0]; k++) {
            if (!strcmp(arg, switches[k][0])) {
                if (*i + 1 >= argc) {
                    return set_error(err, "Switch %s requires a parameter", arg);
                }
                r = set_keyword(a, switches[k][1], strlen(switches[k][1]), argv[++*i], err);
                return r < 0 ? r : 0;
            }
        }
        return set_error(err, "Syntax error: Unknown switch: %s", arg);
    }
    eq = strchr(arg, '=');
    if (eq) {
        r = set_keyword(a, arg, (size_t)(eq - arg), eq + 1, err);
        if (r != 0) {
            return r < 0 ? r : 0;
        }
        if (!a->command) {
            return set_error(err, "Syntax error: command name is missing");
        }
        return add_param(a, arg, (size_t)(eq - arg), eq + 1);
    }
    if (!a->command) {
        a->command = strdup(arg);
        return a->command ? 0 : -ENOMEM;
    }
    return add_param(a, arg, strlen(arg), "");
}

int xe_args_parse(int argc, char *const argv[], struct xe_args *out, char **err)
{
    int r = 0;

    memset(out, 0, sizeof *out);
    *err = NULL;
    for (int i = 1; r == 0 && i < argc; i++) {
        r = parse_one(out, argc, argv, &i, err);
    }
    if (r < 0) {
        xe_args_clear(out);
    }
    return r;
}

int xe_args_read_password_file(struct xe_args *a, const char *path)
{
    FILE *f = fopen(path, "re");
    char *lines[2] = {NULL, NULL};
    size_t cap[2] = {0, 0};
    int r = 0;

    if (!f) {
        return errno == EACCES ? -EACCES : -ENOENT;
    }
    for (int k = 0; k < 2; k++) {
        ssize_t n = getline(&lines[k], &cap[k], f);

        if (n < 0) {
            r = -EINVAL;
            break;
        }
        if (n > 0 && lines[k][n - 1] == '\n') {
            lines[k][n - 1] = '\0';
        }
    }
    fclose(f);
    if (r == 0) {
        free(a->user);
        free(a->password);
        a->user = lines[0];
        a->password = lines[1];
    } else {
        free(lines[0]);
        free(lines[1]);
    }
    return r;
}
