/* migration.h: the set of sql/NNN_name.sql files and the plan to apply them.
 *
 * Pure logic (no database): scanning, ordering, checksums, and checking the
 * files against what schema_migrations says was applied. */
#ifndef HUB_MIGRATION_H
#define HUB_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define MIGRATION_NAME_MAX 128

typedef struct migration {
    int version;
    char name[MIGRATION_NAME_MAX]; /* file name, e.g. 001_init.sql */
    char checksum[65];             /* SHA-256 of the content, hex */
    char *sql;                     /* file content */
} migration_t;

typedef struct applied_migration {
    int version;
    char checksum[65];
} applied_migration_t;

/* "001_init.sql" -> 1. False for anything not matching ^[0-9]{3}_[a-z0-9_]+\.sql$. */
HUB_MUST_CHECK bool migration_parse_name(const char *filename, int *version);

/* Reads every migration file of dir, sorted by version. Other files are
 * ignored; two files with one version are an error. */
HUB_MUST_CHECK bool migration_scan(const char *dir, migration_t **out, size_t *n, char *err,
                                   size_t errlen);
void migration_free(migration_t *m, size_t n);

/* Checks files (sorted) against applied (any order) and sets *first_new to
 * the index of the first file to apply (n when none). Refuses a changed
 * applied file, an applied version with no file, and a new file older than
 * the newest applied one. */
HUB_MUST_CHECK bool migration_plan(const migration_t *files, size_t n,
                                   const applied_migration_t *applied, size_t napplied,
                                   size_t *first_new, char *err, size_t errlen);

/* Lower-case hex SHA-256 of data. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
