/* The append-only journal of xvs-dbd; see ovsdb_journal.h. */
#include "ovsdb_journal.h"

#include "fsutil.h"
#include "jtext.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whole journal files above this are refused (a corrupt size, not a database). */
#define JOURNAL_MAX_FILE (1ll << 32)

/* Automatic compaction starts above this size. */
#define JOURNAL_COMPACT_MIN (16ll << 20)

/* The file is grown ahead of the records in steps of this many zero bytes
 * (ovsdb_journal_reserve()): overwriting blocks that are already written
 * leaves the inode alone, so the fdatasync of each commit flushes the record
 * only, not the inode too. */
#define JOURNAL_PREALLOC (1ll << 20)

struct ovsdb_journal {
    char *path;
    int fd;
    long long size;      /* End of the last record: where the next one goes. */
    long long alloc_end; /* File length; the bytes from size on are zeros. */
    unsigned long records;
    json_t *schema;
    long long base_size; /* Size right after the last load or compaction. */
    bool converted;      /* Loaded from an Open vSwitch file: rewrite it as ours. */
    bool unsynced;       /* Records written since the last fdatasync. */
    unsigned long syncs; /* Successful syncs of appended records. */
};

unsigned long ovsdb_journal_crc32(const void *data, size_t len)
{
    static unsigned long table[256];
    const unsigned char *p = data;
    unsigned long crc = 0xffffffffu;

    if (!table[1]) {
        for (unsigned long i = 0; i < 256; i++) {
            unsigned long c = i;
            for (int k = 0; k < 8; k++) {
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
    }
    while (len--) {
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    }
    return crc ^ 0xffffffffu;
}

/* Serialises one record with its header into a new buffer. */
static char *format_record(const json_t *record, size_t *len)
{
    char *body = json_dumps(record, JSON_COMPACT | JSON_ENCODE_ANY), *out;
    size_t blen;
    int n;

    if (!body) {
        return NULL;
    }
    blen = strlen(body);
    n = asprintf(&out, "XVSJ %zu %08lx\n%s\n", blen, ovsdb_journal_crc32(body, blen), body);
    free(body);
    if (n < 0) {
        return NULL;
    }
    *len = (size_t)n;
    return out;
}

static int write_record(int fd, const json_t *record, long long *size)
{
    size_t len;
    char *buf = format_record(record, &len);
    int r;

    if (!buf) {
        return -ENOMEM;
    }
    r = fsu_write_all(fd, buf, len);
    free(buf);
    if (!r) {
        *size += (long long)len;
    }
    return r;
}

/* Parses the record at data[*off]; on success advances *off.  Returns 0,
 * -ENODATA at a clean end, or -EBADMSG for a torn or corrupt record. */
static int read_record(const char *data, size_t len, size_t *off, json_t **rec)
{
    const char *p = data + *off, *nl, *body;
    unsigned long crc;
    size_t blen;
    char err[JTEXT_ERR_LEN];

    if (*off == len || data[*off] == '\0') {
        /* The end, or the zeros that the file was grown by ahead of time. */
        return -ENODATA;
    }
    nl = memchr(p, '\n', len - *off);
    if (!nl || sscanf(p, "XVSJ %zu %lx\n", &blen, &crc) != 2) {
        return -EBADMSG;
    }
    body = nl + 1;
    if ((size_t)(body - data) + blen + 1 > len || body[blen] != '\n' ||
        ovsdb_journal_crc32(body, blen) != crc) {
        return -EBADMSG;
    }
    *rec = jtext_parse(body, blen, err);
    if (!*rec) {
        return -EBADMSG;
    }
    *off = (size_t)(body - data) + blen + 1;
    return 0;
}

static int sync_dir(const char *path)
{
    char *copy = strdup(path);
    int fd, r = 0;

    if (!copy) {
        return -ENOMEM;
    }
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0) {
        return -errno;
    }
    if (fsync(fd) < 0) {
        r = -errno;
    }
    close(fd);
    return r;
}

static int create_file(struct ovsdb_journal *j, const char *schema_json)
{
    json_error_t jerr;
    json_t *schema = json_loads(schema_json, 0, &jerr), *rec;
    char *tmp = NULL;
    int fd, r;

    if (!schema) {
        xlog_err("built-in schema: %s", jerr.text);
        return -EINVAL;
    }
    if (asprintf(&tmp, "%s.tmp", j->path) < 0) {
        json_decref(schema);
        return -ENOMEM;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        r = -errno;
        goto out;
    }
    rec = json_pack("{s:O}", "schema", schema);
    j->size = 0;
    r = write_record(fd, rec, &j->size);
    json_decref(rec);
    if (!r && fsync(fd) < 0) {
        r = -errno;
    }
    close(fd);
    if (!r && rename(tmp, j->path) < 0) {
        r = -errno;
    }
    if (!r) {
        r = sync_dir(j->path);
    }
out:
    if (r) {
        xlog_err("%s: cannot create: %s", j->path, strerror(-r));
        unlink(tmp);
    }
    free(tmp);
    json_decref(schema);
    return r;
}

/* Loads a database file written by Open vSwitch's ovsdb-server
 * ("standalone" format: records "OVSDB JSON <length> <sha1>\n<json>\n"),
 * so that xvs-dbd can take over an existing conf.db.  The SHA-1 is not
 * checked; a torn last record fails its length or JSON and is ignored. */
static int load_ovs(struct ovsdb_journal *j, const char *data, size_t len, struct ovsdb_db **db)
{
    struct ovsdb_schema *schema = NULL;
    json_t *err = NULL;
    size_t off = 0;
    bool first = true;

    while (off < len) {
        const char *p = data + off, *nl = memchr(p, '\n', len - off);
        char why[JTEXT_ERR_LEN];
        size_t blen;
        json_t *rec;
        int r = 0;
        if (!nl || sscanf(p, "OVSDB JSON %zu ", &blen) != 1 ||
            (size_t)(nl + 1 - data) + blen > len || !(rec = jtext_parse(nl + 1, blen, why))) {
            if (first) {
                xlog_err("%s: bad Open vSwitch database header", j->path);
                return -EINVAL;
            }
            xlog_warn("%s: ignoring a torn record at offset %zu", j->path, off);
            break;
        }
        off = (size_t)(nl + 1 - data) + blen;
        while (off < len && data[off] == '\n') {
            off++;
        }
        if (first) {
            if (ovsdb_schema_from_json(rec, &schema, &err) || ovsdb_db_new(schema, db)) {
                xlog_err("%s: bad schema", j->path);
                ovsdb_schema_free(schema);
                json_decref(err);
                json_decref(rec);
                return -EINVAL;
            }
            j->schema = rec;
            first = false;
            continue;
        }
        r = ovsdb_db_replay_ovs(*db, rec);
        json_decref(rec);
        if (r) {
            xlog_err("%s: record at offset %zu does not apply", j->path, off);
            return -EINVAL;
        }
    }
    if (first) {
        return -EINVAL;
    }
    j->converted = true;
    xlog_info("%s: converting an Open vSwitch database to the xvs-dbd journal", j->path);
    return ovsdb_db_reindex(*db);
}

/* Reads the whole file, builds the database and drops a torn tail. */
static int load(struct ovsdb_journal *j, struct ovsdb_db **db)
{
    struct ovsdb_schema *schema = NULL;
    json_t *rec = NULL, *err = NULL;
    char *data = NULL;
    size_t len = 0, off = 0;
    int r;

    r = fsu_read_file(j->path, JOURNAL_MAX_FILE, &data, &len);
    if (r) {
        xlog_err("%s: %s", j->path, strerror(-r));
        return r;
    }
    if (len >= 11 && !memcmp(data, "OVSDB JSON ", 11)) {
        r = load_ovs(j, data, len, db);
        goto out;
    }
    if (read_record(data, len, &off, &rec) || !json_object_get(rec, "schema")) {
        xlog_err("%s: not an xvs-dbd database (no schema record)", j->path);
        r = -EINVAL;
        goto out;
    }
    if (ovsdb_schema_from_json(json_object_get(rec, "schema"), &schema, &err) ||
        ovsdb_db_new(schema, db)) {
        xlog_err("%s: bad schema: %s", j->path,
                 err ? json_string_value(json_object_get(err, "details")) : "out of memory");
        ovsdb_schema_free(schema);
        r = -EINVAL;
        goto out;
    }
    j->schema = json_incref(json_object_get(rec, "schema"));
    json_decref(rec);
    rec = NULL;
    for (;;) {
        size_t start = off;
        const json_t *body;
        r = read_record(data, len, &off, &rec);
        if (r == -ENODATA) {
            r = 0;
            break;
        }
        body = json_object_get(rec, "txn");
        if (!body) {
            body = json_object_get(rec, "snapshot");
        }
        if (r) {
            /* A crash mid-append leaves a partial last record: drop it. */
            xlog_warn("%s: dropping %zu bytes of torn or corrupt records at offset %zu", j->path,
                      len - start, start);
            if (truncate(j->path, (off_t)start) < 0) {
                r = -errno;
                xlog_err("%s: truncate: %s", j->path, strerror(errno));
                goto out;
            }
            off = start;
            len = start;
            break;
        }
        if (!body || ovsdb_db_replay(*db, body)) {
            /* A whole record with a good checksum that does not apply is not
             * a torn write: refuse rather than silently lose what follows. */
            xlog_err("%s: record at offset %zu does not apply to the database", j->path, start);
            r = -EINVAL;
            goto out;
        }
        j->records++;
        json_decref(rec);
        rec = NULL;
    }
    if (off < len) {
        /* Past the last record there must be nothing but zeros; anything
         * else is what a crash left of records never synced (blocks
         * written out of order), which must not surface behind later ones. */
        bool zeros = true;
        for (size_t i = off; i < len && zeros; i++) {
            zeros = !data[i];
        }
        if (!zeros) {
            xlog_warn("%s: dropping %zu bytes of unsynced data after offset %zu", j->path,
                      len - off, off);
            if (truncate(j->path, (off_t)off) < 0) {
                r = -errno;
                xlog_err("%s: truncate: %s", j->path, strerror(errno));
                goto out;
            }
            len = off;
        }
    }
    j->size = (long long)off;
    j->alloc_end = (long long)len;
    j->base_size = j->size;
    r = ovsdb_db_reindex(*db);
out:
    json_decref(rec);
    json_decref(err);
    free(data);
    if (r) {
        ovsdb_db_free(*db);
        *db = NULL;
    }
    return r;
}

int ovsdb_journal_open(const char *path, const char *schema_json, struct ovsdb_journal **out,
                       struct ovsdb_db **db)
{
    struct ovsdb_journal *j = calloc(1, sizeof *j);
    int r;

    *out = NULL;
    *db = NULL;
    if (!j || !(j->path = strdup(path))) {
        free(j);
        return -ENOMEM;
    }
    j->fd = -1;
    if (access(path, F_OK) < 0) {
        r = create_file(j, schema_json);
        if (r) {
            goto err;
        }
    }
    /* The lock comes first: loading may cut a torn tail off the file, which
     * must never happen to a file that another server is writing. */
    j->fd = open(path, O_WRONLY | O_CLOEXEC);
    if (j->fd < 0) {
        r = -errno;
        xlog_err("%s: %s", path, strerror(errno));
        goto err;
    }
    if (flock(j->fd, LOCK_EX | LOCK_NB) < 0) {
        r = -errno;
        xlog_err("%s: locked by another process", path);
        close(j->fd);
        j->fd = -1;
        goto err;
    }
    r = load(j, db);
    /* Replay leaves the heap full of freed record JSON: give it back. */
    malloc_trim(0);
    if (r) {
        goto err;
    }
    if (j->converted) {
        /* Compaction rewrites the file in our format and opens it locked. */
        r = ovsdb_journal_compact(j, *db);
        if (r) {
            goto err;
        }
        *out = j;
        return 0;
    }
    if (lseek(j->fd, (off_t)j->size, SEEK_SET) < 0) {
        r = -errno;
        xlog_err("%s: seek: %s", path, strerror(errno));
        goto err;
    }
    *out = j;
    return 0;
err:
    ovsdb_db_free(*db);
    *db = NULL;
    ovsdb_journal_close(j);
    return r;
}

void ovsdb_journal_reserve(struct ovsdb_journal *j)
{
    static const char zeros[65536];
    long long end = j->size + JOURNAL_PREALLOC, at = j->alloc_end;

    if (j->fd < 0 || j->alloc_end - j->size >= JOURNAL_PREALLOC / 4) {
        return;
    }
    while (at < end) {
        size_t n = end - at < (long long)sizeof zeros ? (size_t)(end - at) : sizeof zeros;
        ssize_t w = pwrite(j->fd, zeros, n, (off_t)at);
        if (w <= 0) {
            break;
        }
        at += w;
    }
    /* The zeros and the new length must be on disk before the records that
     * overwrite them rely on fdatasync alone. */
    if (at < end || fsync(j->fd) < 0) {
        /* A full disk, say: the records simply extend the file themselves. */
        if (ftruncate(j->fd, (off_t)j->alloc_end) < 0) {
            xlog_warn("%s: cannot undo a failed preallocation: %s", j->path, strerror(errno));
        }
        return;
    }
    j->alloc_end = end;
}

int ovsdb_journal_write(struct ovsdb_journal *j, const json_t *record)
{
    char *body = json_dumps(record, JSON_COMPACT | JSON_ENCODE_ANY);
    int r;

    if (!body) {
        xlog_err("%s: write: %s", j->path, strerror(ENOMEM));
        return -ENOMEM;
    }
    r = ovsdb_journal_write_text(j, body, strlen(body));
    free(body);
    return r;
}

int ovsdb_journal_write_text(struct ovsdb_journal *j, const char *body, size_t blen)
{
    long long before = j->size;
    char head[64];
    int hlen =
            snprintf(head, sizeof head, "XVSJ %zu %08lx\n", blen, ovsdb_journal_crc32(body, blen));
    size_t len = (size_t)hlen + blen + 1;
    char *buf = malloc(len);
    int r;

    if (!buf) {
        xlog_err("%s: write: %s", j->path, strerror(ENOMEM));
        return -ENOMEM;
    }
    /* One buffer, one write(2): a record is never split by our own doing. */
    memcpy(buf, head, (size_t)hlen);
    memcpy(buf + hlen, body, blen);
    buf[len - 1] = '\n';
    r = fsu_write_all(j->fd, buf, len);
    free(buf);
    if (r) {
        /* Cut off whatever part was written (a full disk, say), so that the
         * next record does not follow a torn one. */
        if (ftruncate(j->fd, (off_t)before) < 0 || lseek(j->fd, (off_t)before, SEEK_SET) < 0) {
            xlog_err("%s: cannot cut a failed record: %s", j->path, strerror(errno));
        }
        j->alloc_end = before;
        xlog_err("%s: write: %s", j->path, strerror(-r));
        return r;
    }
    j->size += (long long)len;
    if (j->size > j->alloc_end) {
        j->alloc_end = j->size;
    }
    j->records++;
    j->unsynced = true;
    return 0;
}

int ovsdb_journal_sync(struct ovsdb_journal *j)
{
    if (!j->unsynced) {
        return 0;
    }
    if (fdatasync(j->fd) < 0) {
        int r = -errno;
        xlog_err("%s: fdatasync: %s", j->path, strerror(-r));
        return r;
    }
    j->unsynced = false;
    j->syncs++;
    return 0;
}

int ovsdb_journal_append(struct ovsdb_journal *j, const json_t *record)
{
    int r = ovsdb_journal_write(j, record);

    return r ? r : ovsdb_journal_sync(j);
}

int ovsdb_journal_compact(struct ovsdb_journal *j, const struct ovsdb_db *db)
{
    json_t *rec = NULL;
    char *tmp = NULL;
    long long size = 0;
    int fd = -1, r;

    if (asprintf(&tmp, "%s.tmp", j->path) < 0) {
        return -ENOMEM;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        r = -errno;
        goto out;
    }
    rec = json_pack("{s:O}", "schema", j->schema);
    r = write_record(fd, rec, &size);
    json_decref(rec);
    if (!r) {
        rec = json_pack("{s:o}", "snapshot", ovsdb_db_snapshot(db));
        r = write_record(fd, rec, &size);
        json_decref(rec);
    }
    if (!r && fsync(fd) < 0) {
        r = -errno;
    }
    /* The new file must hold the lock before it replaces the old one. */
    if (!r && flock(fd, LOCK_EX | LOCK_NB) < 0) {
        r = -errno;
    }
    if (!r && rename(tmp, j->path) < 0) {
        r = -errno;
    }
    if (!r) {
        sync_dir(j->path);
        if (j->fd >= 0) {
            close(j->fd);
        }
        j->fd = fd;
        fd = -1;
        j->size = size;
        j->alloc_end = size;
        j->base_size = size;
        j->records = 1;
        /* The snapshot holds every record written so far, and it is synced. */
        j->unsynced = false;
    }
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    if (r) {
        xlog_err("%s: compaction failed: %s", j->path, strerror(-r));
    } else {
        xlog_info("%s: compacted to %lld bytes", j->path, size);
    }
    free(tmp);
    /* The snapshot JSON and its text were as large as the database itself,
     * and were allocated after it: return that memory to the system. */
    malloc_trim(0);
    return r;
}

bool ovsdb_journal_should_compact(const struct ovsdb_journal *j)
{
    /* Like ovsdb-server: once the file is large and mostly history. */
    return j->size > JOURNAL_COMPACT_MIN && j->size > 4 * j->base_size;
}

long long ovsdb_journal_size(const struct ovsdb_journal *j)
{
    return j->size;
}

unsigned long ovsdb_journal_records(const struct ovsdb_journal *j)
{
    return j->records;
}

unsigned long ovsdb_journal_syncs(const struct ovsdb_journal *j)
{
    return j->syncs;
}

void ovsdb_journal_close(struct ovsdb_journal *j)
{
    if (!j) {
        return;
    }
    if (j->fd >= 0) {
        /* A clean close leaves the file without its preallocated tail. */
        if (j->alloc_end > j->size && ftruncate(j->fd, (off_t)j->size) < 0) {
            xlog_warn("%s: cannot trim the preallocated tail: %s", j->path, strerror(errno));
        }
        close(j->fd);
    }
    json_decref(j->schema);
    free(j->path);
    free(j);
}
