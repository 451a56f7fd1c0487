/* test_sdc.c: hub/sdc.h — disclosure control of a table and its margins.
 *
 * Suppression is checked by attack, not by pattern alone: attack() takes
 * what a reader sees (published cells and totals, and which are
 * suppressed) and enumerates every table of non-negative integers
 * consistent with it, recording the values each suppressed cell or total
 * can take. A cell is disclosed when it can take one value only. Tables
 * below are built so that naive rules leak (primary suppression alone; the
 * textbook "no line with exactly one suppressed cell" rule, which leaves a
 * bridge); the attack recovers the hidden count from those, and never from
 * what sdc_protect publishes, on the designed tables and on 1,400 random
 * ones.
 *
 * The cell-key method is checked over all 256 keys: zeros stay zero, never
 * a count from 1 to min_cell - 1, never negative, mean 0 from min_cell on,
 * the documented mean error, and the differencing of two queries whose
 * cells differ by one report. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/sdc.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAXR 4
#define MAXC 5
#define MAXE ((MAXR + 1) * (MAXC + 1))

/* A table with its margins; entry(f, r, c) addresses it as one grid, row
 * rows holding the column totals and column cols the row totals. */
typedef struct fixture {
    int rows, cols;
    sdc_cell_t cells[MAXR * MAXC], row_totals[MAXR], col_totals[MAXC], total;
    sdc_table_t t;
} fixture_t;

static sdc_cell_t *
entry(fixture_t *f, int r, int c)
{
    if (r == f->rows && c == f->cols)
        return &f->total;
    if (r == f->rows)
        return &f->col_totals[c];
    if (c == f->cols)
        return &f->row_totals[r];
    return &f->cells[r * f->cols + c];
}

/* counts is rows x cols, row-major; keys are counts' positions (unused by
 * suppression). */
static void
fixture_make(fixture_t *f, int rows, int cols, const long long *counts)
{
    assert_true(rows >= 1 && rows <= MAXR && cols >= 1 && cols <= MAXC);
    memset(f, 0, sizeof(*f));
    f->rows = rows;
    f->cols = cols;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            long long n = counts[r * cols + c];
            f->cells[r * cols + c].count = n;
            f->cells[r * cols + c].key = (uint64_t)(r * 31 + c * 7);
            f->row_totals[r].count += n;
            f->col_totals[c].count += n;
            f->total.count += n;
        }
    for (int r = 0; r <= rows; r++)
        for (int c = 0; c <= cols; c++) {
            entry(f, r, c)->state = SDC_PUBLISHED;
            entry(f, r, c)->published = -99;
        }
    f->t = (sdc_table_t){rows, cols, f->cells, f->row_totals, f->col_totals, &f->total};
}

static void
protect(fixture_t *f, long long min_cell, long long round_to)
{
    sdc_rules_t rules = {SDC_SUPPRESS, min_cell, round_to};
    sdc_protect(&f->t, &rules);
}

/* A pattern set by hand (a naive rule's): suppressed where pattern says,
 * every other entry published as its count. */
static void
apply_pattern(fixture_t *f, const bool *pattern)
{
    for (int r = 0; r <= f->rows; r++)
        for (int c = 0; c <= f->cols; c++) {
            sdc_cell_t *e = entry(f, r, c);
            e->state = pattern[r * (f->cols + 1) + c] ? SDC_PRIMARY : SDC_PUBLISHED;
            e->published = e->state == SDC_PUBLISHED ? e->count : -1;
        }
}

static bool
hidden(fixture_t *f, int r, int c)
{
    return entry(f, r, c)->state != SDC_PUBLISHED;
}

/* ---- the attack ---------------------------------------------------------- */

/* What the attack learnt about each grid entry: how many values it can
 * take (0, 1, or 2 meaning two or more) and the lowest and highest seen. */
typedef struct attack {
    fixture_t *f;
    long long cap;             /* the largest value tried for a cell */
    long long val[MAXR][MAXC]; /* the table being tried */
    int seen[MAXE];            /* 0, 1, 2+ */
    long long lo[MAXE], hi[MAXE];
    int open; /* hidden entries with fewer than two values */
    long long solutions, nodes;
} attack_t;

static long long
known(attack_t *a, int r, int c)
{
    return entry(a->f, r, c)->published;
}

static void
attack_record(attack_t *a)
{
    fixture_t *f = a->f;
    long long row[MAXR] = {0}, col[MAXC] = {0}, total = 0;
    for (int r = 0; r < f->rows; r++)
        for (int c = 0; c < f->cols; c++) {
            row[r] += a->val[r][c];
            col[c] += a->val[r][c];
            total += a->val[r][c];
        }
    /* Every published total must hold. */
    for (int r = 0; r < f->rows; r++)
        if (!hidden(f, r, f->cols) && row[r] != known(a, r, f->cols))
            return;
    for (int c = 0; c < f->cols; c++)
        if (!hidden(f, f->rows, c) && col[c] != known(a, f->rows, c))
            return;
    if (!hidden(f, f->rows, f->cols) && total != known(a, f->rows, f->cols))
        return;
    a->solutions++;
    for (int r = 0; r <= f->rows; r++)
        for (int c = 0; c <= f->cols; c++) {
            if (!hidden(f, r, c))
                continue;
            long long v = r == f->rows && c == f->cols ? total
                          : r == f->rows               ? col[c]
                          : c == f->cols               ? row[r]
                                                       : a->val[r][c];
            int i = r * (f->cols + 1) + c;
            if (a->seen[i] == 0) {
                a->seen[i] = 1;
                a->lo[i] = a->hi[i] = v;
            } else {
                if (v != a->lo[i] || v != a->hi[i]) {
                    if (a->seen[i] == 1)
                        a->open--;
                    a->seen[i] = 2;
                }
                a->lo[i] = v < a->lo[i] ? v : a->lo[i];
                a->hi[i] = v > a->hi[i] ? v : a->hi[i];
            }
        }
}

/* Tries every value of the hidden cells from cell idx on (row-major),
 * pruning with the published totals: a partial line never exceeds its
 * published total, and the last hidden cell of a line with a published
 * total is forced. Stops once every hidden entry has two values. */
static void
attack_from(attack_t *a, int idx)
{
    fixture_t *f = a->f;
    a->nodes++;
    assert_true(a->nodes < 200000000); /* a search this big is a bug */
    if (a->open == 0 && a->solutions > 0)
        return;
    if (idx == f->rows * f->cols) {
        attack_record(a);
        return;
    }
    int r = idx / f->cols, c = idx % f->cols;
    if (!hidden(f, r, c)) {
        a->val[r][c] = known(a, r, c);
        attack_from(a, idx + 1);
        return;
    }
    long long lo = 0, hi = a->cap;
    /* The row: what is fixed already, and what is left for this cell. */
    long long row_fixed = 0;
    bool row_last = true;
    for (int k = 0; k < f->cols; k++)
        if (k < c)
            row_fixed += a->val[r][k];
        else if (k > c && !hidden(f, r, k))
            row_fixed += known(a, r, k);
        else if (k > c)
            row_last = false;
    if (!hidden(f, r, f->cols)) {
        long long left = known(a, r, f->cols) - row_fixed;
        hi = left < hi ? left : hi;
        if (row_last && left > lo)
            lo = left;
    }
    long long col_fixed = 0;
    bool col_last = true;
    for (int k = 0; k < f->rows; k++)
        if (k < r)
            col_fixed += a->val[k][c];
        else if (k > r && !hidden(f, k, c))
            col_fixed += known(a, k, c);
        else if (k > r)
            col_last = false;
    if (!hidden(f, f->rows, c)) {
        long long left = known(a, f->rows, c) - col_fixed;
        hi = left < hi ? left : hi;
        if (col_last && left > lo)
            lo = left;
        if (col_last && left < hi)
            hi = left;
    }
    if (!hidden(f, f->rows, f->cols)) {
        long long fixed = 0;
        for (int k = 0; k < f->rows * f->cols; k++)
            if (k < idx)
                fixed += a->val[k / f->cols][k % f->cols];
            else if (k > idx && !hidden(f, k / f->cols, k % f->cols))
                fixed += known(a, k / f->cols, k % f->cols);
        long long left = known(a, f->rows, f->cols) - fixed;
        hi = left < hi ? left : hi;
    }
    for (long long v = lo; v <= hi && (a->open > 0 || a->solutions == 0); v++) {
        a->val[r][c] = v;
        attack_from(a, idx + 1);
    }
}

/* Runs the attack on f as published. The cap (the true grand total plus
 * 3) only limits how far values are tried where no published total bounds
 * them: values found under it are consistent, so two of them are proof
 * enough that a cell is not disclosed. */
static void
attack_any(fixture_t *f, attack_t *a, long long cap)
{
    memset(a, 0, sizeof(*a));
    a->f = f;
    a->cap = cap;
    for (int r = 0; r <= f->rows; r++)
        for (int c = 0; c <= f->cols; c++)
            a->open += hidden(f, r, c);
    attack_from(a, 0);
}

static void
attack(fixture_t *f, attack_t *a)
{
    attack_any(f, a, f->total.count + 3);
    assert_true(a->solutions > 0); /* the true table is always consistent */
}

/* The number of hidden entries the attack pins to a single value; each
 * pinned value must be the true count (or the attack is wrong). */
static int
disclosed(fixture_t *f)
{
    attack_t a;
    attack(f, &a);
    int n = 0;
    for (int r = 0; r <= f->rows; r++)
        for (int c = 0; c <= f->cols; c++) {
            int i = r * (f->cols + 1) + c;
            if (hidden(f, r, c) && a.seen[i] == 1) {
                assert_int_equal(a.lo[i], entry(f, r, c)->count);
                n++;
            }
        }
    return n;
}

/* The checks any protected table must pass: no zero suppressed, no count
 * 1..min_cell-1 published, every line with no suppressed entry or at
 * least two, suppressed entries published as -1, published ones as their
 * count, and nothing disclosed. */
static void
assert_protected(fixture_t *f, long long min_cell)
{
    for (int r = 0; r <= f->rows; r++)
        for (int c = 0; c <= f->cols; c++) {
            sdc_cell_t *e = entry(f, r, c);
            bool small = e->count >= 1 && e->count < min_cell;
            assert_true(small == (e->state == SDC_PRIMARY));
            if (e->count == 0)
                assert_int_equal(e->state, SDC_PUBLISHED);
            assert_int_equal(e->published, e->state == SDC_PUBLISHED ? e->count : -1);
        }
    for (int r = 0; r <= f->rows; r++) {
        int n = 0;
        for (int c = 0; c <= f->cols; c++)
            n += hidden(f, r, c);
        assert_true(n != 1);
    }
    for (int c = 0; c <= f->cols; c++) {
        int n = 0;
        for (int r = 0; r <= f->rows; r++)
            n += hidden(f, r, c);
        assert_true(n != 1);
    }
    assert_int_equal(disclosed(f), 0);
}

static void
assert_states(fixture_t *f, const char *want)
{
    /* want: one character per grid entry, row by row, '.' published,
     * 'P' primary, 'S' secondary; spaces ignored. */
    char got[MAXE + 1];
    int n = 0;
    for (int r = 0; r <= f->rows; r++)
        for (int c = 0; c <= f->cols; c++) {
            sdc_state_t s = entry(f, r, c)->state;
            got[n++] = s == SDC_PUBLISHED ? '.' : s == SDC_PRIMARY ? 'P' : 'S';
        }
    got[n] = '\0';
    char w[MAXE + 1];
    int m = 0;
    for (const char *p = want; *p; p++)
        if (*p != ' ')
            w[m++] = *p;
    w[m] = '\0';
    assert_string_equal(got, w);
}

/* ---- primary suppression ---------------------------------------------- */

static void
test_primary_boundaries(void **state)
{
    (void)state;
    static const long long mins[] = {5, 10};
    for (size_t i = 0; i < LEN(mins); i++) {
        long long m = mins[i];
        const long long probes[] = {0, 1, m - 1, m, m + 1};
        for (size_t j = 0; j < LEN(probes); j++) {
            /* The probe among large counts, so only it can be small. */
            const long long counts[] = {probes[j], 50, 60, 70, 80, 90};
            fixture_t f;
            fixture_make(&f, 2, 3, counts);
            protect(&f, m, 1);
            sdc_cell_t *e = entry(&f, 0, 0);
            if (probes[j] >= 1 && probes[j] < m) {
                assert_int_equal(e->state, SDC_PRIMARY);
                assert_int_equal(e->published, -1);
            } else {
                assert_int_equal(e->state, SDC_PUBLISHED);
                assert_int_equal(e->published, probes[j]);
                assert_states(&f, "....  ....  ....");
            }
            assert_protected(&f, m);
        }
    }
}

/* Totals are published counts too: a small row total is a primary. */
static void
test_primary_margins(void **state)
{
    (void)state;
    const long long counts[] = {2, 0, 1, 40, 50, 60, 30, 20, 10};
    fixture_t f;
    fixture_make(&f, 3, 3, counts);
    protect(&f, 5, 1);
    assert_int_equal(entry(&f, 0, 3)->state, SDC_PRIMARY);
    assert_int_equal(entry(&f, 0, 0)->state, SDC_PRIMARY);
    assert_int_equal(entry(&f, 0, 1)->state, SDC_PUBLISHED); /* the zero */
    assert_int_equal(entry(&f, 0, 2)->state, SDC_PRIMARY);
    assert_protected(&f, 5);
}

static void
test_min_cell_one(void **state)
{
    (void)state;
    const long long counts[] = {1, 0, 2, 3, 1, 1};
    fixture_t f;
    fixture_make(&f, 2, 3, counts);
    protect(&f, 1, 1);
    assert_states(&f, "....  ....  ....");
    assert_protected(&f, 1);
}

/* ---- secondary suppression on tables where a naive rule leaks ---------- */

/* Row 0 has one small cell: primary suppression alone gives it away
 * (24 - 9 - 12 = 3). The cheapest cycle through it is closed by 9, 8 and
 * 7 (cost 24, against 12 + 10 + 8 through the last column). */
static void
test_single_small_in_row(void **state)
{
    (void)state;
    const long long counts[] = {3, 9, 12, 8, 7, 10};
    fixture_t f;
    fixture_make(&f, 2, 3, counts);
    bool primary_only[12] = {[0] = true};
    apply_pattern(&f, primary_only);
    assert_int_equal(disclosed(&f), 1);
    protect(&f, 5, 1);
    assert_states(&f, "PS..  SS..  ....");
    assert_protected(&f, 5);
}

/* The same, by column. */
static void
test_single_small_in_column(void **state)
{
    (void)state;
    const long long counts[] = {3, 8, 9, 7, 12, 10};
    fixture_t f;
    fixture_make(&f, 3, 2, counts);
    bool primary_only[12] = {[0] = true};
    apply_pattern(&f, primary_only);
    assert_int_equal(disclosed(&f), 1);
    protect(&f, 5, 1);
    assert_states(&f, "PS.  SS.  ...  ...");
    assert_protected(&f, 5);
}

/* A one-row table: each column total repeats its cell and the row total
 * repeats the grand total, so a small cell's column total is small too
 * and both are primaries; its complement is a cell with its column total.
 * The row total stays published: 3 and 7 hide each other within 10. */
static void
test_one_row(void **state)
{
    (void)state;
    const long long counts[] = {3, 7, 8, 12};
    fixture_t f;
    fixture_make(&f, 1, 4, counts);
    protect(&f, 5, 1);
    assert_states(&f, "PS...  PS...");
    assert_protected(&f, 5);
    /* All of a one-row table small: all hidden, grand total included. */
    const long long tiny[] = {1, 2};
    fixture_make(&f, 1, 2, tiny);
    protect(&f, 5, 1);
    assert_states(&f, "PPP  PPP");
    assert_protected(&f, 5);
    /* A one-cell table. */
    const long long one[] = {4};
    fixture_make(&f, 1, 1, one);
    protect(&f, 5, 1);
    assert_states(&f, "PP  PP");
    assert_protected(&f, 5);
    const long long zero[] = {0};
    fixture_make(&f, 1, 1, zero);
    protect(&f, 5, 1);
    assert_states(&f, "..  ..");
    assert_protected(&f, 5);
}

/* A one-column table, the transpose. */
static void
test_one_column(void **state)
{
    (void)state;
    const long long counts[] = {12, 3, 8, 7};
    fixture_t f;
    fixture_make(&f, 4, 1, counts);
    protect(&f, 5, 1);
    assert_states(&f, "..  PP  ..  SS  ..");
    assert_protected(&f, 5);
}

/* Row 0 is [3, 0, 0]: its total (3) is a primary, and its zeros are
 * published, so the only way to close a cycle through row 0 is through the
 * column of row totals: a row total (21) and a cell (6) are suppressed. A
 * rule that looks for a complement inside the line only finds none in
 * row 0, and a rule that would suppress zeros protects nothing: 0 <= x. */
static void
test_only_candidates_in_margin(void **state)
{
    (void)state;
    const long long counts[] = {3, 0, 0, 6, 8, 7, 9, 6, 5};
    fixture_t f;
    fixture_make(&f, 3, 3, counts);
    protect(&f, 5, 1);
    assert_states(&f, "P..P  S..S  ....  ....");
    assert_protected(&f, 5);
}

/* The textbook rule ("no line with exactly one suppressed entry", the
 * smallest non-zero entry of the line as complement, cells before totals)
 * on this table ends with two separate 4-cycles joined by the cell 4 at
 * row 1, column 0: a bridge. Every line has 0 or at least 2 suppressed
 * entries, yet 4 = 21 - (39 - 22): column 0's total less rows 0 and 2,
 * which are the grand total less row 1. sdc_protect puts it on a cycle. */
static void
test_degree_rule_leaves_bridge(void **state)
{
    (void)state;
    const long long counts[] = {5, 0, 0, 4, 14, 4, 12, 0, 0};
    fixture_t f;
    fixture_make(&f, 3, 3, counts);
    /* The textbook rule's result (grid 4 x 4, totals last). */
    static const bool textbook[16] = {
        1, 0, 0, 1, /* 5*  0   0   5* */
        1, 1, 1, 0, /* 4*  14* 4*  22 */
        1, 0, 0, 1, /* 12* 0   0   12* */
        0, 1, 1, 0, /* 21  14* 4*  39 */
    };
    apply_pattern(&f, textbook);
    for (int r = 0; r < 4; r++) {
        int n = 0;
        for (int c = 0; c < 4; c++)
            n += textbook[r * 4 + c];
        assert_true(n == 0 || n >= 2);
    }
    for (int c = 0; c < 4; c++) {
        int n = 0;
        for (int r = 0; r < 4; r++)
            n += textbook[r * 4 + c];
        assert_true(n == 0 || n >= 2);
    }
    attack_t a;
    attack(&f, &a);
    assert_int_equal(a.seen[1 * 4 + 0], 1);
    assert_int_equal(a.lo[1 * 4 + 0], 4);
    assert_int_equal(disclosed(&f), 1);
    protect(&f, 5, 1);
    assert_protected(&f, 5);
}

/* Same input, same output; the order of work never shows. */
static void
test_deterministic(void **state)
{
    (void)state;
    const long long counts[] = {1, 7, 2, 9, 0, 3, 6, 4, 8, 2, 11, 1};
    fixture_t a, b;
    fixture_make(&a, 3, 4, counts);
    fixture_make(&b, 3, 4, counts);
    protect(&a, 5, 1);
    protect(&b, 5, 1);
    for (int r = 0; r <= 3; r++)
        for (int c = 0; c <= 4; c++) {
            assert_int_equal(entry(&a, r, c)->state, entry(&b, r, c)->state);
            assert_int_equal(entry(&a, r, c)->published, entry(&b, r, c)->published);
        }
    assert_protected(&a, 5);
}

/* ---- the attack on many tables ------------------------------------------ */

static uint64_t rng_state;

static uint32_t
rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

/* 20 % zeros, 45 % small counts (1 .. min_cell - 1), 35 % from min_cell to
 * 3 min_cell. */
static long long
draw(long long min_cell)
{
    uint32_t u = rng() % 100;
    if (u < 20)
        return 0;
    if (u < 65)
        return 1 + (long long)(rng() % (uint32_t)(min_cell - 1));
    return min_cell + (long long)(rng() % (uint32_t)(2 * min_cell + 1));
}

/* The textbook rule of test_degree_rule_leaves_bridge, as a naive
 * reference: until no line has exactly one suppressed entry, suppress the
 * smallest non-zero published entry of such a line, cells before totals. */
static void
textbook_rule(fixture_t *f, long long min_cell, bool *pattern)
{
    int nr = f->rows + 1, nc = f->cols + 1;
    for (int r = 0; r < nr; r++)
        for (int c = 0; c < nc; c++) {
            long long n = entry(f, r, c)->count;
            pattern[r * nc + c] = n >= 1 && n < min_cell;
        }
    for (bool changed = true; changed;) {
        changed = false;
        for (int line = 0; line < nr + nc; line++) {
            int len = line < nr ? nc : nr, hid = 0, best = -1;
            for (int k = 0; k < len; k++) {
                int r = line < nr ? line : k, c = line < nr ? k : line - nr;
                long long n = entry(f, r, c)->count;
                bool margin = r == nr - 1 || c == nc - 1;
                if (pattern[r * nc + c]) {
                    hid++;
                    continue;
                }
                if (n == 0)
                    continue;
                if (best < 0) {
                    best = r * nc + c;
                    continue;
                }
                int br = best / nc, bc = best % nc;
                bool best_margin = br == nr - 1 || bc == nc - 1;
                long long bn = entry(f, br, bc)->count;
                if ((!margin && best_margin) || (margin == best_margin && n < bn))
                    best = r * nc + c;
            }
            if (hid == 1) {
                assert_true(best >= 0);
                pattern[best] = true;
                changed = true;
            }
        }
    }
}

/* For each shape, tables of random counts with many small ones: the attack
 * pins nothing that sdc_protect publishes, while it does pin cells in
 * many of the same tables under primary suppression alone and in some
 * under the textbook rule (so the attack has teeth). */
static void
test_attack_random_tables(void **state)
{
    (void)state;
    static const struct {
        int rows, cols, tables;
        long long min_cell;
    } shapes[] = {
        {3, 3, 500, 5}, {3, 3, 200, 10}, {2, 4, 200, 5},
        {4, 2, 200, 5}, {1, 5, 100, 5},  {4, 4, 200, 5},
    };
    rng_state = 20261123;
    int tables = 0, hidden_total = 0, primary_leaks = 0, textbook_leaks = 0;
    for (size_t s = 0; s < LEN(shapes); s++)
        for (int t = 0; t < shapes[s].tables; t++) {
            int rows = shapes[s].rows, cols = shapes[s].cols;
            long long m = shapes[s].min_cell, counts[MAXR * MAXC];
            for (int i = 0; i < rows * cols; i++)
                counts[i] = draw(m);
            fixture_t f;
            fixture_make(&f, rows, cols, counts);
            bool pattern[MAXE];
            int nc = cols + 1;
            for (int r = 0; r <= rows; r++)
                for (int c = 0; c <= cols; c++) {
                    long long n = entry(&f, r, c)->count;
                    pattern[r * nc + c] = n >= 1 && n < m;
                }
            apply_pattern(&f, pattern);
            primary_leaks += disclosed(&f) > 0;
            textbook_rule(&f, m, pattern);
            apply_pattern(&f, pattern);
            textbook_leaks += disclosed(&f) > 0;
            protect(&f, m, 1);
            assert_protected(&f, m);
            tables++;
            for (int r = 0; r <= rows; r++)
                for (int c = 0; c <= cols; c++)
                    hidden_total += hidden(&f, r, c);
        }
    print_message("attack: %d tables, %d suppressed entries, none pinned; pinned under primary "
                  "suppression alone in %d tables, under the textbook rule in %d\n",
                  tables, hidden_total, primary_leaks, textbook_leaks);
    assert_true(primary_leaks > tables / 4);
    assert_true(textbook_leaks > 0);
}

/* ---- rounding ------------------------------------------------------------ */

static void
test_rounding(void **state)
{
    (void)state;
    /* Base 5: 5 -> 5, 7 -> 5, 8 -> 10, 12 -> 10, 13 -> 15; each total is
     * rounded on its own: column 1's (21) is published as 20, though its
     * cells are published as 10 and 15. */
    const long long counts[] = {5, 8, 7, 12, 13, 9};
    fixture_t f;
    fixture_make(&f, 2, 3, counts);
    protect(&f, 5, 5);
    static const long long want5[] = {5, 10, 5, 20, 10, 15, 10, 35, 15, 20, 15, 55};
    for (int i = 0; i < 12; i++)
        assert_int_equal(entry(&f, i / 4, i % 4)->published, want5[i]);
    /* Base 10, halves up: 15 -> 20, 14 -> 10, 25 -> 30, 5 -> 10 (never 0). */
    const long long tens[] = {15, 14, 25, 5};
    fixture_make(&f, 1, 4, tens);
    protect(&f, 5, 10);
    assert_int_equal(entry(&f, 0, 0)->published, 20);
    assert_int_equal(entry(&f, 0, 1)->published, 10);
    assert_int_equal(entry(&f, 0, 2)->published, 30);
    assert_int_equal(entry(&f, 0, 3)->published, 10);
    assert_int_equal(entry(&f, 0, 4)->published, 60); /* 59 */
    /* Base 1 changes nothing; suppressed entries stay -1, zeros 0. */
    const long long mixed[] = {3, 0, 17, 9, 6, 11};
    fixture_make(&f, 2, 3, mixed);
    protect(&f, 5, 1);
    assert_protected(&f, 5);
    fixture_make(&f, 2, 3, mixed);
    protect(&f, 5, 5);
    for (int r = 0; r <= 2; r++)
        for (int c = 0; c <= 3; c++) {
            sdc_cell_t *e = entry(&f, r, c);
            if (e->state != SDC_PUBLISHED)
                assert_int_equal(e->published, -1);
            else
                assert_true(e->published % 5 == 0 && llabs(e->published - e->count) <= 2);
        }
    assert_int_equal(entry(&f, 0, 1)->published, 0);
}

/* ---- tables linked by a figure they share --------------------------------- */

/* What a reader learns from two tables that publish one figure in common
 * (grid positions sa in fa, sb in fb): for every value v the figure could
 * take, each table is attacked with v known; v is possible when both have
 * a solution, and a hidden entry's values are gathered over the possible
 * v. Returns how many hidden entries (the figure counted once) are pinned
 * to one value. */
typedef struct {
    int seen[MAXE];
    long long lo[MAXE];
} gathered_t;

static void
gather(gathered_t *g, const attack_t *a, fixture_t *f)
{
    for (int i = 0; i < (f->rows + 1) * (f->cols + 1); i++) {
        if (a->seen[i] == 0)
            continue;
        if (g->seen[i] == 0) {
            g->seen[i] = a->seen[i];
            g->lo[i] = a->lo[i];
        } else if (a->seen[i] == 2 || a->lo[i] != g->lo[i]) {
            g->seen[i] = 2;
        }
    }
}

static void
set_shared(fixture_t *f, const int *pos, int n, bool known_value, long long v)
{
    for (int i = 0; i < n; i++) {
        sdc_cell_t *e = entry(f, pos[i] / (f->cols + 1), pos[i] % (f->cols + 1));
        e->state = known_value ? SDC_PUBLISHED : SDC_SECONDARY;
        e->published = known_value ? v : -1;
    }
}

static int
disclosed_linked(fixture_t *fa, const int *sa, int na, fixture_t *fb, const int *sb, int nb)
{
    sdc_cell_t *shared = entry(fa, sa[0] / (fa->cols + 1), sa[0] % (fa->cols + 1));
    bool was_hidden = shared->state != SDC_PUBLISHED;
    if (!was_hidden)
        return disclosed(fa) + disclosed(fb);
    long long cap = fa->total.count + fb->total.count + 3;
    gathered_t ga = {0}, gb = {0};
    int possible = 0;
    for (long long v = 0; v <= cap; v++) {
        set_shared(fa, sa, na, true, v);
        set_shared(fb, sb, nb, true, v);
        attack_t a, b;
        attack_any(fa, &a, cap);
        attack_any(fb, &b, cap);
        if (a.solutions > 0 && b.solutions > 0) {
            possible++;
            gather(&ga, &a, fa);
            gather(&gb, &b, fb);
        }
    }
    set_shared(fa, sa, na, false, 0);
    set_shared(fb, sb, nb, false, 0);
    assert_true(possible > 0); /* the true count is always possible */
    int n = possible == 1;
    for (int i = 0; i < MAXE; i++)
        n += (ga.seen[i] == 1) + (gb.seen[i] == 1);
    return n;
}

/* Referrals by status [accepted 12, declined 3, open 20 | 35] and accepted
 * ones by outcome [with 7, without 5 | 12] share "accepted". Alone, the
 * first hides declined (3) with accepted, and the second publishes 12:
 * declined = 35 - 12 - 20 = 3. Linked, accepted is hidden in the second
 * too, which then hides "without" (5) to protect it: nothing is pinned. */
static void
test_linked_tables(void **state)
{
    (void)state;
    const long long status[] = {12, 3, 20}, outcome[] = {7, 5};
    const int sb[] = {2, 5}; /* the second's row and grand total */
    fixture_t fa, fb;
    fixture_make(&fa, 1, 3, status);
    fixture_make(&fb, 1, 2, outcome);
    protect(&fa, 5, 1);
    protect(&fb, 5, 1);
    assert_states(&fa, "SP..  SP..");
    assert_states(&fb, "...  ...");
    /* The leak: with accepted published by the second, the first's
     * declined is worked out. */
    fa.cells[0].state = SDC_PUBLISHED;
    fa.cells[0].published = 12;
    fa.col_totals[0].state = SDC_PUBLISHED;
    fa.col_totals[0].published = 12;
    assert_true(disclosed(&fa) > 0);

    fixture_make(&fa, 1, 3, status);
    fixture_make(&fb, 1, 2, outcome);
    sdc_cell_t *shared_a[] = {&fa.cells[0], &fa.col_totals[0]};
    sdc_cell_t *shared_b[] = {&fb.row_totals[0], &fb.total};
    sdc_rules_t rules = {SDC_SUPPRESS, 5, 1};
    sdc_protect_linked(&fa.t, shared_a, 2, &fb.t, shared_b, 2, &rules);
    assert_states(&fa, "SP..  SP..");
    assert_states(&fb, ".SS  .SS");
    const int sa2[] = {0, 4}; /* accepted and its column total in the first */
    assert_int_equal(disclosed_linked(&fa, sa2, 2, &fb, sb, 2), 0);
    /* Nothing hidden: nothing forced, one pass. */
    const long long big[] = {12, 30, 20};
    fixture_make(&fa, 1, 3, big);
    fixture_make(&fb, 1, 2, outcome);
    sdc_protect_linked(&fa.t, shared_a, 2, &fb.t, shared_b, 2, &rules);
    assert_states(&fa, "....  ....");
    assert_states(&fb, "...  ...");
}

/* On random pairs of a table and a one-row table whose total is one of the
 * first's row totals, linked protection leaves nothing for the joint
 * attack to pin. */
static void
test_linked_random(void **state)
{
    (void)state;
    rng_state = 99;
    int hid = 0;
    for (int round = 0; round < 150; round++) {
        long long a[6], b[3];
        for (int i = 0; i < 6; i++)
            a[i] = draw(5);
        long long row0 = a[0] + a[1] + a[2], left = row0;
        b[0] = rng() % (left + 1);
        left -= b[0];
        b[1] = rng() % (left + 1);
        b[2] = left - b[1];
        fixture_t fa, fb;
        fixture_make(&fa, 2, 3, a);
        fixture_make(&fb, 1, 3, b);
        sdc_cell_t *shared_a[] = {&fa.row_totals[0]};
        sdc_cell_t *shared_b[] = {&fb.row_totals[0], &fb.total};
        sdc_rules_t rules = {SDC_SUPPRESS, 5, 1};
        sdc_protect_linked(&fa.t, shared_a, 1, &fb.t, shared_b, 2, &rules);
        hid += fa.row_totals[0].state != SDC_PUBLISHED;
        assert_int_equal(fa.row_totals[0].state != SDC_PUBLISHED, fb.total.state != SDC_PUBLISHED);
        const int sa[] = {3}, sb[] = {3, 7};
        assert_int_equal(disclosed_linked(&fa, sa, 1, &fb, sb, 2), 0);
    }
    assert_true(hid > 10); /* the shared figure was hidden often enough to test something */
}

/* A sum of protected figures: published only when every part is. */
static void
test_sum(void **state)
{
    (void)state;
    sdc_rules_t rules = {SDC_SUPPRESS, 5, 1};
    sdc_cell_t in_time = {.count = 20, .state = SDC_PUBLISHED, .published = 20},
               late = {.count = 6, .state = SDC_PUBLISHED, .published = 6},
               overdue = {.count = 0, .state = SDC_PUBLISHED, .published = 0};
    const sdc_cell_t *parts[] = {&in_time, &late, &overdue};
    sdc_cell_t due = {.count = 26, .key = 300};
    sdc_sum(&due, parts, 3, &rules);
    assert_int_equal(due.state, SDC_PUBLISHED);
    assert_int_equal(due.published, 26);
    rules.round_to = 5;
    sdc_sum(&due, parts, 3, &rules);
    assert_int_equal(due.published, 25);
    late.state = SDC_SECONDARY;
    sdc_sum(&due, parts, 3, &rules);
    assert_int_equal(due.state, SDC_SECONDARY);
    assert_int_equal(due.published, -1);
    /* Cell key: its own perturbation, by its own key. */
    late.state = SDC_PUBLISHED;
    rules = (sdc_rules_t){SDC_CELLKEY, 5, 1};
    sdc_sum(&due, parts, 3, &rules);
    assert_int_equal(due.published, sdc_perturb(26, 300, 5));
}

/* Shares: none on a suppressed figure, a zero, or a denominator under
 * min_cell; capped at 1 when perturbed values cross. */
static void
test_share(void **state)
{
    (void)state;
    sdc_rules_t rules = {SDC_SUPPRESS, 5, 1};
    sdc_cell_t num = {.count = 3, .state = SDC_PUBLISHED, .published = 3},
               den = {.count = 12, .state = SDC_PUBLISHED, .published = 12};
    double v = -1;
    assert_true(sdc_share(&num, &den, &rules, &v));
    assert_true(fabs(v - 0.25) < 1e-12);
    num.state = SDC_PRIMARY;
    assert_false(sdc_share(&num, &den, &rules, &v));
    num.state = SDC_PUBLISHED;
    den.state = SDC_SECONDARY;
    assert_false(sdc_share(&num, &den, &rules, &v));
    den = (sdc_cell_t){.count = 4, .state = SDC_PUBLISHED, .published = 4};
    assert_false(sdc_share(&num, &den, &rules, &v)); /* fewer than min_cell items */
    rules.min_cell = 1;                              /* own figures: any denominator */
    assert_true(sdc_share(&num, &den, &rules, &v));
    assert_true(fabs(v - 0.75) < 1e-12);
    den = (sdc_cell_t){.count = 0, .state = SDC_PUBLISHED, .published = 0};
    assert_false(sdc_share(&num, &den, &rules, &v));
    /* Perturbed: 11 of 10 is 1. */
    rules = (sdc_rules_t){SDC_CELLKEY, 5, 1};
    num = (sdc_cell_t){.count = 10, .state = SDC_PUBLISHED, .published = 11};
    den = (sdc_cell_t){.count = 10, .state = SDC_PUBLISHED, .published = 10};
    assert_true(sdc_share(&num, &den, &rules, &v));
    assert_true(v == 1.0);
}

/* ---- cell key --------------------------------------------------------- */

static void
test_perturb_never_small_never_negative(void **state)
{
    (void)state;
    static const long long mins[] = {1, 2, 3, 5, 7, 10};
    for (size_t i = 0; i < LEN(mins); i++) {
        long long m = mins[i];
        for (long long n = 0; n <= 300; n++)
            for (uint64_t k = 0; k < 256; k++) {
                long long p = sdc_perturb(n, k, m);
                assert_true(p == 0 || p >= m);
                if (n == 0)
                    assert_int_equal(p, 0);
                if (n >= m)
                    assert_true(llabs(p - n) <= 2 && p >= m);
                /* Only the key mod 256 counts. */
                assert_int_equal(sdc_perturb(n, k + 256 * 977, m), p);
            }
    }
    assert_int_equal(sdc_perturb(LLONG_MAX, 3, 5), LLONG_MAX);
}

/* Mean 0 over the keys for every count from min_cell on; small counts
 * unbiased within min_cell / 512. */
static void
test_perturb_mean(void **state)
{
    (void)state;
    for (long long m = 1; m <= 12; m++)
        for (long long n = 1; n <= m + 200; n++) {
            long long sum = 0;
            for (uint64_t k = 0; k < 256; k++)
                sum += sdc_perturb(n, k, m) - n;
            if (n >= m)
                assert_int_equal(sum, 0);
            else
                assert_true(fabs((double)sum / 256.0) <= (double)m / 512.0);
        }
}

/* The mean absolute error: 0 at min_cell, 0.5 one above, 0.625 (160/256)
 * from two above; sdc_perturb_mean_error reports the largest. */
static void
test_perturb_mean_error(void **state)
{
    (void)state;
    for (long long m = 1; m <= 12; m++) {
        assert_true(sdc_perturb_mean_error(m) == 0.625);
        for (long long n = m; n <= m + 50; n++) {
            long long abs_sum = 0, sq_sum = 0;
            for (uint64_t k = 0; k < 256; k++) {
                long long d = sdc_perturb(n, k, m) - n;
                abs_sum += llabs(d);
                sq_sum += d * d;
            }
            long long want = n == m ? 0 : n == m + 1 ? 128 : 160;
            assert_int_equal(abs_sum, want);
            if (n >= m + 2)
                assert_int_equal(sq_sum, 224); /* variance 0.875 */
        }
    }
}

static void
test_perturb_deterministic(void **state)
{
    (void)state;
    for (long long n = 0; n < 100; n++)
        for (uint64_t k = 0; k < 256; k++)
            assert_int_equal(sdc_perturb(n, k, 5), sdc_perturb(n, k, 5));
    /* The same table protected twice publishes the same values. */
    const long long counts[] = {1, 7, 2, 9, 0, 3, 6, 4, 8, 2, 11, 1};
    fixture_t a, b;
    fixture_make(&a, 3, 4, counts);
    fixture_make(&b, 3, 4, counts);
    sdc_rules_t rules = {SDC_CELLKEY, 5, 1};
    sdc_protect(&a.t, &rules);
    sdc_protect(&b.t, &rules);
    for (int r = 0; r <= 3; r++)
        for (int c = 0; c <= 4; c++)
            assert_int_equal(entry(&a, r, c)->published, entry(&b, r, c)->published);
}

/* With the cell key, everything is published, each entry perturbed by its
 * own key, and nothing suppressed; rounding applies on top. */
static void
test_cellkey_protect(void **state)
{
    (void)state;
    const long long counts[] = {1, 7, 2, 9, 0, 3, 6, 4, 8, 2, 11, 1};
    fixture_t f;
    fixture_make(&f, 3, 4, counts);
    for (int r = 0; r <= 3; r++)
        for (int c = 0; c <= 4; c++)
            entry(&f, r, c)->key = (uint64_t)(r * 97 + c * 53 + 11);
    sdc_rules_t rules = {SDC_CELLKEY, 5, 1};
    sdc_protect(&f.t, &rules);
    for (int r = 0; r <= 3; r++)
        for (int c = 0; c <= 4; c++) {
            sdc_cell_t *e = entry(&f, r, c);
            assert_int_equal(e->state, SDC_PUBLISHED);
            assert_int_equal(e->published, sdc_perturb(e->count, e->key, 5));
        }
    rules.round_to = 5;
    sdc_protect(&f.t, &rules);
    for (int r = 0; r <= 3; r++)
        for (int c = 0; c <= 4; c++) {
            sdc_cell_t *e = entry(&f, r, c);
            assert_int_equal(e->state, SDC_PUBLISHED);
            assert_int_equal(e->published % 5, 0);
            long long p = sdc_perturb(e->count, e->key, 5);
            assert_true(llabs(e->published - p) <= 2);
        }
}

/* Differencing. Two queries whose filters overlap give cells that differ
 * by the reports in one and not the other; the attacker subtracts the
 * published values. With one report between them, the cells are (n, k)
 * and (n + 1, k + r) where r is that report's key; with none, the same
 * cell twice (difference 0: the method's consistency); with two, (n, k)
 * and (n + 2, k + r) with r the sum of their keys. Over every n from 0 to
 * 300 and every k and r:
 *
 *  - one report shows as a difference of exactly 1 in a third of cases
 *    only (21504/65536 = 32.8 % from min_cell + 2 on; 32.3 % over all n
 *    here), and as 0, the same as "no report", in a fifth (13824/65536 =
 *    21.1 %; 21.8 % here);
 *  - the differences for one and for two reports share two thirds of
 *    their mass (0.67), so a difference does not tell how many reports
 *    there are.
 *
 * The expected error this costs: each published count is off by 0.625 on
 * average (standard deviation 0.94) from min_cell + 2 on, less just above
 * min_cell; a difference of two counts by 0.98 on average (sd 1.32). Both
 * are printed. */
static void
test_differencing(void **state)
{
    (void)state;
    const long long m = 5;
    enum { SPAN = 13, MID = 6 }; /* differences -6 .. +6 */
    long long one[SPAN] = {0}, two[SPAN] = {0}, cases = 0, big_one = 0, big_two = 0;
    for (long long n = 0; n <= 300; n++)
        for (uint64_t k = 0; k < 256; k++)
            for (uint64_t r = 0; r < 256; r++) {
                long long base = sdc_perturb(n, k, m);
                long long d1 = sdc_perturb(n + 1, k + r, m) - base;
                long long d2 = sdc_perturb(n + 2, k + r, m) - base;
                if (d1 >= -MID && d1 <= MID)
                    one[d1 + MID]++;
                else
                    big_one++;
                if (d2 >= -MID && d2 <= MID)
                    two[d2 + MID]++;
                else
                    big_two++;
                cases++;
            }
    double p_one_is_1 = (double)one[MID + 1] / (double)cases;
    double p_one_is_0 = (double)one[MID] / (double)cases;
    double overlap = 0;
    for (int d = 0; d < SPAN; d++)
        overlap += (double)(one[d] < two[d] ? one[d] : two[d]) / (double)cases;
    print_message("differencing, one report: P(diff = 1) = %.3f, P(diff = 0, as with none) = "
                  "%.3f; overlap of one and two reports = %.3f\n",
                  p_one_is_1, p_one_is_0, overlap);
    assert_true(p_one_is_1 < 0.34);
    assert_true(p_one_is_0 > 0.20);
    assert_true(overlap > 0.6);
    (void)big_one;
    (void)big_two;

    /* The expected error, from the p-table itself. */
    double abs1 = 0, sq1 = 0, absd = 0, sqd = 0;
    for (uint64_t k = 0; k < 256; k++) {
        long long d = sdc_perturb(100, k, m) - 100;
        abs1 += (double)llabs(d) / 256.0;
        sq1 += (double)(d * d) / 256.0;
        for (uint64_t j = 0; j < 256; j++) {
            long long e = (sdc_perturb(200, j, m) - 200) - d;
            absd += (double)llabs(e) / 65536.0;
            sqd += (double)(e * e) / 65536.0;
        }
    }
    print_message("expected error: a count %.3f (sd %.3f), a difference of two counts %.3f "
                  "(sd %.3f)\n",
                  abs1, sqrt(sq1), absd, sqrt(sqd));
    assert_true(abs1 == sdc_perturb_mean_error(m));
    assert_true(fabs(sqrt(sq1) - sqrt(0.875)) < 1e-12);
    assert_true(fabs(sqrt(sqd) - sqrt(1.75)) < 1e-12);
}

/* ---- the description ------------------------------------------------- */

static void
test_describe(void **state)
{
    (void)state;
    sdc_rules_t r = {SDC_SUPPRESS, 5, 1};
    const char *s = sdc_describe(&r);
    assert_non_null(strstr(s, "counts from 1 to 4 are suppressed"));
    assert_null(strstr(s, "rounded"));
    r.min_cell = 10;
    r.round_to = 5;
    s = sdc_describe(&r);
    assert_non_null(strstr(s, "counts from 1 to 9 are suppressed"));
    assert_non_null(strstr(s, "nearest multiple of 5"));
    r.min_cell = 2;
    r.round_to = 1;
    assert_non_null(strstr(sdc_describe(&r), "counts of 1 are suppressed"));
    r.min_cell = 1;
    assert_string_equal(sdc_describe(&r), "No count is suppressed.");
    r = (sdc_rules_t){SDC_CELLKEY, 5, 1};
    s = sdc_describe(&r);
    assert_non_null(strstr(s, "0.625"));
    assert_non_null(strstr(s, "counts from 1 to 4 are shown as 0 or 5"));
    assert_non_null(strstr(s, "nothing is suppressed"));
}

/* Each thread gets its own sentence: two threads describing different
 * rules at once never see each other's. */
static void *
describe_many(void *arg)
{
    const sdc_rules_t *r = arg;
    char first[512];
    snprintf(first, sizeof(first), "%s", sdc_describe(r));
    for (int i = 0; i < 20000; i++)
        if (strcmp(sdc_describe(r), first) != 0)
            return (void *)1;
    return NULL;
}

static void
test_describe_threads(void **state)
{
    (void)state;
    sdc_rules_t a = {SDC_SUPPRESS, 5, 1}, b = {SDC_CELLKEY, 10, 5};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, describe_many, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, describe_many, &b), 0);
    void *ra, *rb;
    assert_int_equal(pthread_join(ta, &ra), 0);
    assert_int_equal(pthread_join(tb, &rb), 0);
    assert_null(ra);
    assert_null(rb);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_primary_boundaries),
        cmocka_unit_test(test_primary_margins),
        cmocka_unit_test(test_min_cell_one),
        cmocka_unit_test(test_single_small_in_row),
        cmocka_unit_test(test_single_small_in_column),
        cmocka_unit_test(test_one_row),
        cmocka_unit_test(test_one_column),
        cmocka_unit_test(test_only_candidates_in_margin),
        cmocka_unit_test(test_degree_rule_leaves_bridge),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_attack_random_tables),
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_linked_tables),
        cmocka_unit_test(test_linked_random),
        cmocka_unit_test(test_sum),
        cmocka_unit_test(test_share),
        cmocka_unit_test(test_perturb_never_small_never_negative),
        cmocka_unit_test(test_perturb_mean),
        cmocka_unit_test(test_perturb_mean_error),
        cmocka_unit_test(test_perturb_deterministic),
        cmocka_unit_test(test_cellkey_protect),
        cmocka_unit_test(test_differencing),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_describe_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
