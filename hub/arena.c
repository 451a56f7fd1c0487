#include "arena.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BLOCK_MIN (64 << 10)
#define ALIGN 16

typedef struct block {
    struct block *next;
    size_t size, used;
    _Alignas(ALIGN) unsigned char data[];
} block_t;

struct arena {
    block_t *blocks; /* newest first */
};

static _Thread_local arena_t *current;

arena_t *
arena_new(void)
{
    return xcalloc(1, sizeof(arena_t));
}

static void
release(arena_t *a, block_t *keep)
{
    block_t *b = a->blocks;
    while (b != NULL) {
        block_t *next = b->next;
        if (b != keep)
            free(b);
        b = next;
    }
    a->blocks = keep;
    if (keep != NULL) {
        keep->next = NULL;
        keep->used = 0;
    }
}

void
arena_free(arena_t *a)
{
    if (a == NULL)
        return;
    release(a, NULL);
    free(a);
}

static void *
arena_alloc(arena_t *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    block_t *b = a->blocks;
    if (b == NULL || b->size - b->used < n) {
        /* Blocks double, so a large request needs few of them. */
        size_t size = b ? b->size * 2 : BLOCK_MIN;
        while (size < n)
            size *= 2;
        b = xmalloc(sizeof(block_t) + size);
        b->size = size;
        b->used = 0;
        b->next = a->blocks;
        a->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static int
owns(const arena_t *a, const void *p)
{
    for (const block_t *b = a->blocks; b != NULL; b = b->next)
        if ((const unsigned char *)p >= b->data && (const unsigned char *)p < b->data + b->size)
            return 1;
    return 0;
}

void
arena_enter(arena_t *a)
{
    current = a;
}

void
arena_leave(void)
{
    arena_t *a = current;
    current = NULL;
    if (a == NULL || a->blocks == NULL)
        return;
    /* Keep the smallest block (the oldest) for the next request: a big
     * batch must not leave its memory held by the worker. */
    block_t *oldest = a->blocks;
    while (oldest->next != NULL)
        oldest = oldest->next;
    release(a, oldest->size <= BLOCK_MIN ? oldest : NULL);
}

static void *
json_alloc(size_t n)
{
    return current ? arena_alloc(current, n) : xmalloc(n);
}

static void
json_release(void *p)
{
    /* Memory of the current request goes with it; anything else (made
     * outside a request, e.g. at start-up) is ordinary heap. */
    if (p != NULL && !(current && owns(current, p)))
        free(p);
}

void
arena_install_json(void)
{
    json_set_alloc_funcs(json_alloc, json_release);
}
