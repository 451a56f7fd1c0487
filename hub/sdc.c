/* sdc.c: statistical disclosure control of a table of counts and its
 * margins: primary and secondary suppression, rounding, and the cell-key
 * perturbation.
 *
 * The table with its margins is handled as one grid of (rows + 1) x
 * (cols + 1) entries: the last column holds the row totals, the last row
 * the column totals, the corner the grand total. Every line of the grid
 * (each of its rows and columns) is one published equation: its last entry
 * is the sum of the others. Seen as a bipartite graph, with a vertex per
 * grid row and per grid column and an edge per suppressed entry, a
 * suppressed entry can be worked out exactly from the published ones if
 * and only if its edge is a bridge (lies on no cycle): along a cycle the
 * entries can be moved by +t and -t in turn and every equation still
 * holds, and an edge on no cycle has no such move.
 *
 * Over non-negative integers a cycle is enough only if every entry on it
 * can move by one both ways, that is if every suppressed entry is at least
 * 1. So zeros are never suppressed, neither as primaries (a zero is not a
 * person) nor as complements: a suppressed zero can only move up, two of
 * them on one cycle that need to move in opposite directions pin the whole
 * cycle, and then "on a cycle" would no longer mean "not recoverable". With
 * no zero suppressed, a bridgeless pattern gives every suppressed entry at
 * least two values consistent with everything published (tests/unit/
 * test_sdc.c checks this by brute force on hundreds of tables).
 *
 * Secondary suppression therefore works on bridges. It takes the first
 * bridge (row-major grid order) and closes a cycle through it with the
 * cheapest path of published non-zero entries (repair: fewest margins
 * first, then the smallest sum of counts), and repeats until no bridge is
 * left; then it publishes again every complement that turned out
 * unneeded, largest first (release_unneeded). A line with exactly one
 * suppressed entry is the plainest bridge (its vertex has degree 1), so
 * the classic "no line with a single suppressed cell" rule holds at the
 * end; it is not enough on its own (test_sdc.c has a table where it leaves
 * a bridge and leaks a 4). A repair path always exists: every non-zero
 * entry lies on the 4-cycle of non-zero entries formed with its row's
 * total, its column's total and the grand total.
 *
 * The cheapest-cycle choice replaces the greedy "smallest other cell of
 * the same line, iterate" as a first step: on 2,000 random tables of each
 * shape from 3x3 to 8x5 (20 % zeros, 45 % small counts), running the
 * greedy step before the repairs hid more totals and more of the count on
 * every shape, and hid more in three to five times as many tables as it
 * hid less.
 *
 * One-row (or one-column) tables need no special case: each column total
 * repeats its cell, so a small cell's total is a primary too, and the
 * grid handles the rest; the row total (equal to the grand total) is
 * hidden only when needed. */
#include "sdc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A path's cost: first the number of margins it would suppress, then the
 * sum of the counts it would suppress. Margins come last because a total
 * hidden costs the reader more than a cell: it hides a whole line's size. */
typedef struct cost {
    long long margins, sum;
} cost_t;

/* The table and its margins as one grid, at[r * nc + c], with the work
 * space of the graph searches: per vertex (vertex_count) disc, low, prev,
 * dist, reached and done; per entry (nr * nc) bridge and tried. */
typedef struct grid {
    int nr, nc; /* rows + 1, cols + 1 */
    sdc_cell_t **at;
    int *disc, *low, *prev;
    cost_t *dist;
    bool *reached, *done, *bridge, *tried;
} grid_t;

static size_t
entry_index(const grid_t *g, int r, int c)
{
    return (size_t)r * (size_t)g->nc + (size_t)c;
}

static sdc_cell_t *
grid_entry(const grid_t *g, int r, int c)
{
    return g->at[entry_index(g, r, c)];
}

static bool
grid_margin(const grid_t *g, int r, int c)
{
    return r == g->nr - 1 || c == g->nc - 1;
}

static bool
suppressed(const sdc_cell_t *e)
{
    return e->state != SDC_PUBLISHED;
}

/* Graph vertices: grid row r is r, grid column c is nr + c. */
static int
vertex_count(const grid_t *g)
{
    return g->nr + g->nc;
}

/* The grid position of the edge joining vertices u and v (one a row, one a
 * column). */
static void
edge_of(const grid_t *g, int u, int v, int *r, int *c)
{
    *r = u < v ? u : v;
    *c = (u < v ? v : u) - g->nr;
}

/* Points the grid at the table's cells and margins, checking that the
 * margins are the sums of the cells, and makes its work space. */
static void
grid_make(grid_t *g, sdc_table_t *t)
{
    hub_assert(t->rows >= 1 && t->cols >= 1);
    g->nr = t->rows + 1;
    g->nc = t->cols + 1;
    size_t entries = (size_t)g->nr * (size_t)g->nc, vertices = (size_t)vertex_count(g);
    g->at = xcalloc(entries, sizeof(*g->at));
    long long total = 0;
    for (int r = 0; r < t->rows; r++) {
        long long sum = 0;
        for (int c = 0; c < t->cols; c++) {
            sdc_cell_t *e = &t->cells[(size_t)r * (size_t)t->cols + (size_t)c];
            hub_assert(e->count >= 0 && e->count <= LLONG_MAX - sum);
            sum += e->count;
            g->at[entry_index(g, r, c)] = e;
        }
        hub_assert(t->row_totals[r].count == sum);
        g->at[entry_index(g, r, t->cols)] = &t->row_totals[r];
        hub_assert(sum <= LLONG_MAX - total);
        total += sum;
    }
    for (int c = 0; c < t->cols; c++) {
        long long sum = 0;
        for (int r = 0; r < t->rows; r++)
            sum += t->cells[(size_t)r * (size_t)t->cols + (size_t)c].count;
        hub_assert(t->col_totals[c].count == sum);
        g->at[entry_index(g, t->rows, c)] = &t->col_totals[c];
    }
    hub_assert(t->total->count == total);
    g->at[entry_index(g, t->rows, t->cols)] = t->total;
    g->disc = xcalloc(vertices, sizeof(*g->disc));
    g->low = xcalloc(vertices, sizeof(*g->low));
    g->prev = xcalloc(vertices, sizeof(*g->prev));
    g->dist = xcalloc(vertices, sizeof(*g->dist));
    g->reached = xcalloc(vertices, sizeof(*g->reached));
    g->done = xcalloc(vertices, sizeof(*g->done));
    g->bridge = xcalloc(entries, sizeof(*g->bridge));
    g->tried = xcalloc(entries, sizeof(*g->tried));
}

static void
grid_free(grid_t *g)
{
    free(g->tried);
    free(g->bridge);
    free(g->done);
    free(g->reached);
    free(g->dist);
    free(g->prev);
    free(g->low);
    free(g->disc);
    free(g->at);
}

/* Primary suppression: every entry, margins included, counting 1 to
 * min_cell - 1; and the forced ones, as secondaries. */
static void
suppress_primary(grid_t *g, long long min_cell)
{
    for (int r = 0; r < g->nr; r++)
        for (int c = 0; c < g->nc; c++) {
            sdc_cell_t *e = grid_entry(g, r, c);
            if (e->forced && e->count > 0)
                e->state = SDC_SECONDARY; /* zeros stay published: see the top */
            else
                e->state = e->count >= 1 && e->count < min_cell ? SDC_PRIMARY : SDC_PUBLISHED;
        }
}

/* Tarjan's bridge search from vertex u, reached from parent, over the
 * suppressed edges: marks g->bridge. The depth is at most the number of
 * vertices, rows + cols + 2. */
static void
bridges_from(grid_t *g, int u, int parent, int *time)
{
    g->disc[u] = g->low[u] = ++*time;
    int from = u < g->nr ? g->nr : 0, to = u < g->nr ? vertex_count(g) : g->nr;
    for (int v = from; v < to; v++) {
        int r, c;
        edge_of(g, u, v, &r, &c);
        if (v == parent || !suppressed(grid_entry(g, r, c)))
            continue;
        if (g->disc[v] == 0) {
            bridges_from(g, v, u, time);
            if (g->low[v] < g->low[u])
                g->low[u] = g->low[v];
            if (g->low[v] > g->disc[u])
                g->bridge[entry_index(g, r, c)] = true;
        } else if (g->disc[v] < g->low[u]) {
            g->low[u] = g->disc[v];
        }
    }
}

/* The first suppressed entry, in row-major grid order, that lies on no
 * cycle of suppressed entries: one that can be worked out exactly. */
static bool
first_bridge(grid_t *g, int *r, int *c)
{
    int n = vertex_count(g), time = 0;
    memset(g->disc, 0, (size_t)n * sizeof(*g->disc));
    memset(g->bridge, 0, (size_t)g->nr * (size_t)g->nc * sizeof(*g->bridge));
    for (int u = 0; u < n; u++)
        if (g->disc[u] == 0)
            bridges_from(g, u, -1, &time);
    for (*r = 0; *r < g->nr; ++*r)
        for (*c = 0; *c < g->nc; ++*c)
            if (g->bridge[entry_index(g, *r, *c)])
                return true;
    return false;
}

static bool
cost_less(cost_t a, cost_t b)
{
    return a.margins < b.margins || (a.margins == b.margins && a.sum < b.sum);
}

/* Puts the suppressed entry (r, c), a bridge, on a cycle: suppresses the
 * published entries of the cheapest path from row r to column c that does
 * not use (r, c). Suppressed entries cost nothing to pass through,
 * published non-zero ones their cost_t, zeros cannot be used. Dijkstra
 * over the dense graph; ties go to the lower vertex, so the choice is
 * deterministic. When row r holds no other suppressed entry, this is the
 * classic rule "suppress another cell of the line", except that the cell
 * is chosen for the whole cycle it closes, not for its own count alone. */
static void
repair(grid_t *g, int r, int c)
{
    int n = vertex_count(g), target = g->nr + c;
    memset(g->reached, 0, (size_t)n * sizeof(*g->reached));
    memset(g->done, 0, (size_t)n * sizeof(*g->done));
    g->reached[r] = true;
    g->dist[r] = (cost_t){0, 0};
    g->prev[r] = -1;
    for (;;) {
        int u = -1;
        for (int v = 0; v < n; v++)
            if (g->reached[v] && !g->done[v] && (u < 0 || cost_less(g->dist[v], g->dist[u])))
                u = v;
        hub_assert(u >= 0); /* a path always exists (see the top of this file) */
        if (u == target)
            break;
        g->done[u] = true;
        int from = u < g->nr ? g->nr : 0, to = u < g->nr ? n : g->nr;
        for (int v = from; v < to; v++) {
            int er, ec;
            edge_of(g, u, v, &er, &ec);
            const sdc_cell_t *e = grid_entry(g, er, ec);
            if (g->done[v] || (er == r && ec == c) || (!suppressed(e) && e->count == 0))
                continue;
            cost_t d = g->dist[u];
            if (!suppressed(e)) {
                d.margins += grid_margin(g, er, ec);
                d.sum = d.sum > LLONG_MAX - e->count ? LLONG_MAX : d.sum + e->count;
            }
            if (!g->reached[v] || cost_less(d, g->dist[v])) {
                g->reached[v] = true;
                g->dist[v] = d;
                g->prev[v] = u;
            }
        }
    }
    for (int v = target; g->prev[v] >= 0; v = g->prev[v]) {
        int er, ec;
        edge_of(g, g->prev[v], v, &er, &ec);
        sdc_cell_t *e = grid_entry(g, er, ec);
        if (!suppressed(e))
            e->state = SDC_SECONDARY;
    }
}

/* Publishes again every secondary entry (not forced) whose release leaves no bridge,
 * largest count first (ties by position): repairs are made one bridge at
 * a time, and a cycle closed later can make an earlier complement
 * unnecessary. Each entry is tried once. */
static void
release_unneeded(grid_t *g)
{
    memset(g->tried, 0, (size_t)g->nr * (size_t)g->nc * sizeof(*g->tried));
    for (;;) {
        sdc_cell_t *best = NULL;
        size_t best_at = 0;
        for (int r = 0; r < g->nr; r++)
            for (int c = 0; c < g->nc; c++) {
                sdc_cell_t *e = grid_entry(g, r, c);
                if (e->state == SDC_SECONDARY && !e->forced && !g->tried[entry_index(g, r, c)] &&
                    (best == NULL || e->count > best->count)) {
                    best = e;
                    best_at = entry_index(g, r, c);
                }
            }
        if (best == NULL)
            return;
        g->tried[best_at] = true;
        best->state = SDC_PUBLISHED;
        int r, c;
        if (first_bridge(g, &r, &c))
            best->state = SDC_SECONDARY;
    }
}

/* Secondary suppression: repairs the first bridge until there is none (a
 * repair never makes a new bridge, since adding edges only closes cycles,
 * and the bridge repaired is on a cycle after it, so the loop ends), then
 * releases what turned out unneeded. */
static void
suppress_secondary(grid_t *g)
{
    int r, c;
    while (first_bridge(g, &r, &c))
        repair(g, r, c);
    release_unneeded(g);
}

/* value to the nearest multiple of base, halves up: with base 10, 15 is
 * published as 20 and 14 as 10. Halves go up so that a count of base / 2
 * is never published as 0. */
static long long
round_to(long long value, long long base)
{
    long long q = value / base, rem = value % base;
    if (rem >= base - rem) {
        hub_assert(q < LLONG_MAX / base);
        q++;
    }
    return q * base;
}

void
sdc_protect(sdc_table_t *t, const sdc_rules_t *rules)
{
    hub_assert(rules->min_cell >= 1 && rules->round_to >= 1);
    grid_t g;
    grid_make(&g, t);
    if (rules->method == SDC_CELLKEY) {
        for (int r = 0; r < g.nr; r++)
            for (int c = 0; c < g.nc; c++) {
                sdc_cell_t *e = grid_entry(&g, r, c);
                e->state = SDC_PUBLISHED;
                e->published = sdc_perturb(e->count, e->key, rules->min_cell);
            }
    } else {
        suppress_primary(&g, rules->min_cell);
        suppress_secondary(&g);
        for (int r = 0; r < g.nr; r++)
            for (int c = 0; c < g.nc; c++) {
                sdc_cell_t *e = grid_entry(&g, r, c);
                /* A suppressed entry's value is never its count; a reader
                 * must look at state. */
                e->published = suppressed(e) ? -1 : e->count;
            }
    }
    if (rules->round_to > 1)
        for (int r = 0; r < g.nr; r++)
            for (int c = 0; c < g.nc; c++) {
                sdc_cell_t *e = grid_entry(&g, r, c);
                if (!suppressed(e))
                    e->published = round_to(e->published, rules->round_to);
            }
    grid_free(&g);
}

void
sdc_publish_exact(sdc_table_t *t)
{
    grid_t g;
    grid_make(&g, t);
    for (int r = 0; r < g.nr; r++)
        for (int c = 0; c < g.nc; c++) {
            sdc_cell_t *e = grid_entry(&g, r, c);
            e->state = SDC_PUBLISHED;
            e->published = e->count;
        }
    grid_free(&g);
}

static bool
any_suppressed(sdc_cell_t *const *e, int n)
{
    for (int i = 0; i < n; i++)
        if (suppressed(e[i]))
            return true;
    return false;
}

static void
force_all(sdc_cell_t *const *e, int n)
{
    for (int i = 0; i < n; i++)
        e[i]->forced = true;
}

void
sdc_protect_linked(sdc_table_t *a, sdc_cell_t *const *shared_a, int na, sdc_table_t *b,
                   sdc_cell_t *const *shared_b, int nb, const sdc_rules_t *rules)
{
    hub_assert(na >= 1 && nb >= 1);
    for (int i = 0; i < na; i++)
        hub_assert(shared_a[i]->count == shared_a[0]->count);
    for (int i = 0; i < nb; i++)
        hub_assert(shared_b[i]->count == shared_a[0]->count);
    sdc_protect(a, rules);
    sdc_protect(b, rules);
    if (!any_suppressed(shared_a, na) && !any_suppressed(shared_b, nb))
        return;
    /* Hidden somewhere: hidden everywhere. A forced entry is never
     * released, so the second pass ends with it suppressed in both. */
    force_all(shared_a, na);
    force_all(shared_b, nb);
    sdc_protect(a, rules);
    sdc_protect(b, rules);
}

void
sdc_sum(sdc_cell_t *out, const sdc_cell_t *const *parts, int n, const sdc_rules_t *rules)
{
    long long sum = 0;
    bool all = true;
    for (int i = 0; i < n; i++) {
        sum += parts[i]->count;
        all &= !suppressed(parts[i]);
    }
    hub_assert(out->count == sum);
    if (!all) {
        out->state = SDC_SECONDARY;
        out->published = -1;
        return;
    }
    out->state = SDC_PUBLISHED;
    out->published = rules->method == SDC_CELLKEY
                         ? sdc_perturb(out->count, out->key, rules->min_cell)
                         : out->count;
    if (rules->round_to > 1)
        out->published = round_to(out->published, rules->round_to);
}

bool
sdc_share(const sdc_cell_t *num, const sdc_cell_t *den, const sdc_rules_t *rules, double *share)
{
    if (suppressed(num) || suppressed(den) || den->published <= 0 || den->count < rules->min_cell)
        return false;
    double v = (double)num->published / (double)den->published;
    *share = v > 1 ? 1 : v < 0 ? 0 : v;
    return true;
}

/* The p-table. A cell's key (the sum of its reports' random keys, 0..255
 * each, taken mod 256) is uniform on 0..255 and picks the change:
 *
 *   count 0:                 0 for every key (zeros stay zeros, as in the
 *                            ONS Census 2021 method);
 *   count 1 .. m-1:          published as m for keys below round(256 c / m),
 *                            as 0 otherwise, so on average c (within m/512);
 *   count m:                 0 (published as is: anything lower would be
 *                            1 .. m-1, and the mean must stay 0);
 *   count m+1:               -1 for keys   0..63  (64 keys)
 *                             0 for keys  64..191 (128 keys)
 *                            +1 for keys 192..255 (64 keys);
 *   count m+2 and more:      -2 for keys   0..15  (16 keys)
 *                            -1 for keys  16..63  (48 keys)
 *                             0 for keys  64..191 (128 keys)
 *                            +1 for keys 192..239 (48 keys)
 *                            +2 for keys 240..255 (16 keys),
 *
 * where m is min_cell. For counts of m and more the change has mean 0 over
 * the 256 keys and never takes the count below m; its mean absolute value
 * is 0 at m, 0.5 at m+1 and 0.625 (160/256) from m+2 on, its variance
 * 0.875 (sd 0.94) from m+2 on. Half of all counts of m+2 or more are
 * published unchanged. The same (count, key) always gives the same value,
 * so a cell cannot be asked for again to average its noise away, and two
 * queries whose cells differ by one report get independent-looking changes
 * (their keys differ by that report's key). */
long long
sdc_perturb(long long count, uint64_t key, long long min_cell)
{
    hub_assert(count >= 0 && min_cell >= 1 && min_cell <= LLONG_MAX / 256);
    unsigned k = (unsigned)(key % 256);
    if (count == 0)
        return 0;
    if (count < min_cell) {
        long long threshold = (256 * count + min_cell / 2) / min_cell;
        return (long long)k < threshold ? min_cell : 0;
    }
    if (count == min_cell || count > LLONG_MAX - 2)
        return count;
    if (count == min_cell + 1)
        return count + (k < 64 ? -1 : k < 192 ? 0 : 1);
    return count + (k < 16 ? -2 : k < 64 ? -1 : k < 192 ? 0 : k < 240 ? 1 : 2);
}

double
sdc_perturb_mean_error(long long min_cell)
{
    /* The largest over the three rows of the p-table that apply to counts
     * of min_cell or more; from min_cell + 2 on every count has the same. */
    double worst = 0;
    for (long long count = min_cell; count <= min_cell + 2; count++) {
        long long sum = 0;
        for (unsigned k = 0; k < 256; k++) {
            long long d = sdc_perturb(count, k, min_cell) - count;
            sum += d < 0 ? -d : d;
        }
        if ((double)sum / 256.0 > worst)
            worst = (double)sum / 256.0;
    }
    return worst;
}

const char *
sdc_describe(const sdc_rules_t *rules)
{
    /* One buffer per thread: the server's threads describe concurrently. */
    static _Thread_local char sentence[512];
    long long m = rules->min_cell;
    char small[64] = "", shown[32] = "and ";
    if (m > 1)
        snprintf(shown, sizeof(shown), "%lld, and ", m);
    if (m == 2)
        snprintf(small, sizeof(small), "counts of 1");
    else if (m > 2)
        snprintf(small, sizeof(small), "counts from 1 to %lld", m - 1);
    int n;
    if (rules->method == SDC_CELLKEY)
        n = snprintf(sentence, sizeof(sentence),
                     "Every count and total is changed by a small amount (from -2 to +2, %.3f "
                     "on average) chosen by a key made from the reports it counts, so the same "
                     "count always shows the same value and subtracting one query from another "
                     "does not show exactly how many reports differ; zeros stay zero, %s%s%s"
                     "nothing is suppressed.",
                     sdc_perturb_mean_error(m), small, m > 1 ? " are shown as 0 or " : "", shown);
    else if (m > 1)
        n = snprintf(sentence, sizeof(sentence),
                     "Cells and totals with %s are suppressed, and further cells and totals "
                     "are suppressed so that no suppressed count can be worked out from the "
                     "published cells and totals; zeros are shown.",
                     small);
    else
        n = snprintf(sentence, sizeof(sentence), "No count is suppressed.");
    if (rules->round_to > 1 && n > 0 && (size_t)n < sizeof(sentence))
        snprintf(sentence + n, sizeof(sentence) - (size_t)n,
                 " Shown counts are rounded to the nearest multiple of %lld (halves up), "
                 "each total on its own, so totals may differ from the sum of their cells.",
                 rules->round_to);
    return sentence;
}
