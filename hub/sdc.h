/* sdc.h: statistical disclosure control of the counts the hub publishes.
 *
 * A response's counts form a table: rows x cols cells and its margins (a
 * total per row, per column, and the grand total), all published. A
 * one-way table is one row. The caller fills in each cell's true count
 * and cell key (the sum of the per-report random keys of the reports in
 * the cell); sdc_protect decides, for every cell and margin, whether it
 * is published and as what value.
 *
 * Two methods (HUB_SDC):
 *  - suppress (default): counts 1..min_cell-1 are suppressed (primary);
 *    then more cells, margins included, are suppressed (secondary) until
 *    no suppressed value can be worked out from what is published: every
 *    row and column (margins count as cells of their line) holds no
 *    suppressed cell or at least two, and no suppressed cell is the only
 *    unknown of any set of published equations (a bridge in the pattern).
 *    Zeros are published: a zero is not a person. Published counts may
 *    then be rounded to a multiple of round_to (margins rounded on their
 *    own, so they need not add up).
 *  - cellkey: each count is perturbed by a small amount looked up from
 *    (count, cell key mod 256), as the ONS did for Census 2021; the same
 *    cell always gets the same value, so repeating or differencing queries
 *    does not average the noise away. Counts 1..min_cell-1 are never
 *    published as such (they become 0 or min_cell or more). Nothing is
 *    suppressed; margins are perturbed by their own keys.
 *
 * Everything here is pure: no I/O, no clock, no randomness. */
#ifndef HUB_SDC_H
#define HUB_SDC_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { SDC_SUPPRESS, SDC_CELLKEY } sdc_method_t;

typedef struct sdc_rules {
    sdc_method_t method;
    long long min_cell; /* HUB_MIN_CELL, >= 1 (default 5) */
    long long round_to; /* HUB_ROUND_TO, >= 1 (1: no rounding) */
} sdc_rules_t;

typedef enum {
    SDC_PUBLISHED, /* published as .published */
    SDC_PRIMARY,   /* suppressed: a small count */
    SDC_SECONDARY, /* suppressed: protects another suppressed cell */
} sdc_state_t;

typedef struct sdc_cell {
    long long count;     /* in: the true count, >= 0 */
    uint64_t key;        /* in: the cell key (used mod 256) */
    long long published; /* out: the value to publish when state is SDC_PUBLISHED */
    sdc_state_t state;   /* out */
} sdc_cell_t;

typedef struct sdc_table {
    int rows, cols;         /* >= 1 each */
    sdc_cell_t *cells;      /* rows * cols, row-major */
    sdc_cell_t *row_totals; /* rows: the sum of each row's cells */
    sdc_cell_t *col_totals; /* cols: the sum of each column's cells */
    sdc_cell_t *total;      /* the sum of all cells */
} sdc_table_t;

/* Decides every cell's and margin's state and published value. The margins'
 * counts must be the sums of the cells' (checked with hub_assert). */
void sdc_protect(sdc_table_t *t, const sdc_rules_t *rules);

/* The cell-key perturbation of count with key: count plus a small
 * adjustment, never negative, never 1..min_cell-1. Deterministic. */
long long sdc_perturb(long long count, uint64_t key, long long min_cell);

/* The mean absolute error sdc_perturb adds to counts of at least
 * min_cell, over all 256 keys (documented in the response). */
double sdc_perturb_mean_error(long long min_cell);

/* A short sentence naming the rule applied, for the response ("Counts from
 * 1 to 4 are suppressed, with secondary suppression so that ..."). */
const char *sdc_describe(const sdc_rules_t *rules);

#endif
