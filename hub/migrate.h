/* migrate.h: `hubd migrate`, applying sql/NNN_name.sql in order.
 *
 * Each file runs in its own transaction and is recorded with its checksum
 * in hub.schema_migrations; an advisory lock keeps two migrators apart. */
#ifndef HUB_MIGRATE_H
#define HUB_MIGRATE_H

/* Returns a process exit status: 0 applied (or nothing to do), 1 refused. */
int migrate_run(const char *conninfo, const char *sql_dir);

#endif
