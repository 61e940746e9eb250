/* Which switch this host uses (see netmode.h). */
#include "netmode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "log.h"
#include "paths.h"

/* network.conf is one short line; anything bigger is not ours. */
#define NETMODE_FILE_MAX 4096

static int mode_from_module(enum netmode *mode)
{
    char *sys = paths_get(PATHS_OVS_MODULE);

    if (!sys) {
        return -ENOMEM;
    }
    *mode = access(sys, F_OK) == 0 ? NETMODE_OPENVSWITCH : NETMODE_BRIDGE;
    free(sys);
    return 0;
}

int netmode_get(enum netmode *mode)
{
    char *file = paths_get(PATHS_NETWORK_CONF), *text = NULL;
    size_t len = 0;
    int r;

    if (!file) {
        return -ENOMEM;
    }
    r = fsu_read_file(file, NETMODE_FILE_MAX, &text, &len);
    if (r == -ENOENT) {
        r = mode_from_module(mode);
        goto out;
    }
    if (r < 0) {
        xlog_err("%s: cannot read (%s)", file, strerror(-r));
        goto out;
    }
    text[strcspn(text, "\r\n")] = '\0';
    if (!strcmp(text, "openvswitch") || !strcmp(text, "vswitch")) {
        *mode = NETMODE_OPENVSWITCH;
    } else if (!strcmp(text, "bridge")) {
        *mode = NETMODE_BRIDGE;
    } else {
        xlog_err("%s: unknown network backend '%s'", file, text);
        r = -EINVAL;
    }
out:
    free(text);
    free(file);
    return r;
}

const char *netmode_name(enum netmode mode)
{
    return mode == NETMODE_OPENVSWITCH ? "openvswitch" : "bridge";
}
