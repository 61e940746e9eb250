/* A growable byte buffer that always stays NUL-terminated.
 *
 * Functions return 0 or -ENOMEM.  After a failed append the buffer keeps its
 * previous contents and remains usable, so callers may check once at the end
 * with sbuf_error(). */
#ifndef XVS_SBUF_H
#define XVS_SBUF_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf {
    char *data;  /* NUL-terminated; NULL until the first append. */
    size_t len;  /* Bytes used, without the NUL. */
    size_t size; /* Bytes allocated. */
    bool failed; /* An append has failed since init. */
};

#define SBUF_INIT                                                                                  \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

void sbuf_init(struct sbuf *b);
void sbuf_free(struct sbuf *b);
void sbuf_reset(struct sbuf *b);
int sbuf_reserve(struct sbuf *b, size_t extra);
int sbuf_add(struct sbuf *b, const void *data, size_t len);
int sbuf_adds(struct sbuf *b, const char *s);
int sbuf_addc(struct sbuf *b, char c);
int sbuf_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends "s" with XML's five special characters escaped. */
int sbuf_add_xml_escaped(struct sbuf *b, const char *s, size_t len);

/* Returns -ENOMEM if any append failed since sbuf_init(), else 0. */
int sbuf_error(const struct sbuf *b);

/* Hands the data over to the caller (who frees it) and resets the buffer.
 * Returns "" (allocated) for an empty buffer, NULL on allocation failure. */
char *sbuf_steal(struct sbuf *b, size_t *len);

/* The contents, or "" when empty. */
const char *sbuf_str(const struct sbuf *b);

#endif
