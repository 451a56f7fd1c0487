/* arena.h: per-request memory for JSON.
 *
 * Each worker has an arena; while a request is handled, jansson allocates
 * from it and its frees cost nothing, and the whole lot goes at once when
 * the request ends (PostgreSQL's memory contexts in miniature). Parsing a
 * batch of 10,000 reports makes hundreds of thousands of small objects:
 * malloc and free for each were a tenth of hubd's time. Nothing allocated
 * in the arena may outlive the request. */
#ifndef HUB_ARENA_H
#define HUB_ARENA_H

#include <stddef.h>

typedef struct arena arena_t;

arena_t *arena_new(void);
void arena_free(arena_t *a);

/* Makes a the calling thread's current arena (NULL: none, plain malloc). */
void arena_enter(arena_t *a);

/* Leaves the current arena and releases everything allocated in it,
 * keeping one block for the next request. */
void arena_leave(void);

/* Routes jansson's allocations through the current arena; call once at
 * start-up, before any JSON is made. */
void arena_install_json(void);

#endif
