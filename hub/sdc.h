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
 *    Each complement closes the cheapest such cycle: fewest totals first,
 *    then the smallest counts; ties go by position, so the result is
 *    deterministic. Zeros are published and never suppressed as
 *    complements either: a zero is not a person, and a hidden zero can
 *    only move up, which can pin a cycle (sdc.c says more). A suppressed
 *    entry's published value is -1, never its count.
 *  - cellkey: each count is perturbed by a small amount looked up from
 *    (count, cell key mod 256), as the ONS did for Census 2021; the same
 *    cell always gets the same value, so repeating or differencing queries
 *    does not average the noise away. From min_cell on the change is -2
 *    to +2, mean 0, mean absolute error 0.625 (sdc_perturb_mean_error);
 *    counts 1..min_cell-1 are published as 0 or min_cell, so as to be
 *    right on average; zeros stay zero. Nothing is suppressed; margins are
 *    perturbed by their own keys. The p-table is in sdc.c.
 *
 * Under either method, with round_to > 1 every published value is then
 * rounded to the nearest multiple of round_to, halves up (margins rounded
 * on their own, so they need not add up).
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
    bool forced;         /* in: suppress it whatever its count (a figure another table of the
                            response hides; see sdc_protect_linked); suppress method only */
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

/* Publishes every cell and margin as its count, with no control: for a
 * partner's own figures (?scope=own), never for joint ones. */
void sdc_publish_exact(sdc_table_t *t);

/* Two tables of one response that publish one figure in common (the same
 * count and key): shared_a, its na entries in a (a one-row table's total
 * is both its row total and its grand total), shared_b, its nb entries in
 * b. Protects both as sdc_protect does, and if either hides the figure,
 * hides it in both (forced) and protects them again, so that neither
 * publishes what the other hides. A chain of tables linked this way
 * through single figures keeps every suppressed entry unrecoverable: a
 * figure hidden in both is one more unknown shared by two systems that
 * each leave their unknowns free (tests/unit/test_sdc.c attacks the pair
 * jointly). */
void sdc_protect_linked(sdc_table_t *a, sdc_cell_t *const *shared_a, int na, sdc_table_t *b,
                        sdc_cell_t *const *shared_b, int nb, const sdc_rules_t *rules);

/* A figure that is the sum of n figures already protected (out->count and
 * out->key their sums), such as "due" = answered in time + late + overdue:
 * suppressed (secondary) unless every part is published, since a hidden
 * part would follow from it; otherwise published as its own count, or
 * perturbed by its own key under cellkey, and rounded as any count. */
void sdc_sum(sdc_cell_t *out, const sdc_cell_t *const *parts, int n, const sdc_rules_t *rules);

/* The share num / den, in [0, 1], of two protected figures: false (no
 * share) when either is suppressed, den's published value is 0, or den's
 * true count is below min_cell (a share of fewer items would say too much
 * about each). Uses the published values (under cellkey, perturbed ones,
 * the share capped at 1). */
bool sdc_share(const sdc_cell_t *num, const sdc_cell_t *den, const sdc_rules_t *rules,
               double *share);

/* The cell-key perturbation of count with key: count plus a small
 * adjustment, never negative, never 1..min_cell-1. Deterministic. */
long long sdc_perturb(long long count, uint64_t key, long long min_cell);

/* The mean absolute error sdc_perturb adds to a count of at least
 * min_cell, over all 256 keys: the largest over such counts, 0.625,
 * reached from min_cell + 2 on (documented in the response). */
double sdc_perturb_mean_error(long long min_cell);

/* A short sentence naming the rule applied, for the response ("Cells and
 * totals with counts from 1 to 4 are suppressed, and further ..."). The
 * sentence is in thread-local storage: valid until the next call on the
 * same thread, so copy it (json_string does) before calling again. */
const char *sdc_describe(const sdc_rules_t *rules);

#endif
