/* stats_query.h: what the statistics endpoints (stats.h, stats_flow.h)
 * share: the disclosure rules and the rollups' refresh interval, the
 * common query parameters (period, scope, filters, grouping) checked into
 * a stats_query_t, and the published form of a figure (a count or a
 * suppressed cell, the disclosure statement, the figures' freshness).
 *
 * Common parameters: from, to (periods YYYY, YYYY-Qn, YYYY-MM; default the
 * twelve months ending with the current one), scope (joint, the default,
 * or own: 403 for a public credential), group (up to three of the
 * groupings below) and a filter per grouping other than time (a
 * comma-separated list of codes; ethnic_group_high expands to its groups).
 * A bad one is answered 400 problem+json naming it. */
#ifndef HUB_STATS_QUERY_H
#define HUB_STATS_QUERY_H

#include <sys/queue.h> /* before keyvalq_struct.h */

#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdbool.h>

#include "codes.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "sdc.h"

#define STATS_GROUP_MAX 3    /* dimensions one response may group by */
#define STATS_MONTHS_MAX 120 /* the longest range, in months */
#define STATS_FILTER_MAX 64  /* values in one filter */

/* The high-level group of an ethnic group with none. */
#define STATS_NOT_STATED "not_stated"

/* The dimensions, in the order of the reports query's first columns. */
typedef enum {
    D_TIME,
    D_STRAND,
    D_INCIDENT,
    D_ETHNIC,
    D_AGE,
    D_AREA,
    D_KIND,
    D_CHANNEL,
    NDIMS
} dim_t;

/* Strings made for one request, freed with it. */
typedef struct {
    char **s;
    int n, cap;
} stats_pool_t;

const char *stats_pool_add(stats_pool_t *p, const char *s, size_t len);
void stats_pool_free(stats_pool_t *p);

/* A dimension's categories: the values a grouped dimension takes in a
 * table, with their positions sorted by value for lookup (stats.c). */
typedef struct {
    const char **values; /* in table order */
    int n;
    int *sorted; /* positions, by value */
} categories_t;

typedef struct {
    dim_t dims[STATS_GROUP_MAX]; /* grouped, in ?group= order */
    const char *names[STATS_GROUP_MAX];
    int ngroup;
    const char *time;   /* month, quarter, year or NULL */
    bool ethnic_high;   /* grouped by the high-level groups */
    int from_y, from_m; /* first month */
    int to_y, to_m;     /* last month */
    bool own;           /* ?scope=own */
    db_array_t filter[NDIMS];
    bool filtered[NDIMS];
    const char *fvals[NDIMS][STATS_FILTER_MAX]; /* each filter's values (ethnic: expanded) */
    int nfvals[NDIMS];
    const char *fhigh[STATS_FILTER_MAX]; /* ?ethnic_group_high= as given */
    int nfhigh;
    categories_t cats[STATS_GROUP_MAX];
} stats_query_t;

/* Keeps the code lists and the configuration's HUB_SDC, HUB_MIN_CELL,
 * HUB_ROUND_TO and HUB_STATS_REFRESH; called once at start-up. */
void stats_query_configure(const codes_t *codes, const config_t *cfg);
const codes_t *stats_codes(void);
const sdc_rules_t *stats_rules(void);

void stats_query_init(stats_query_t *q);
void stats_query_free(stats_query_t *q);

/* Reads the common parameters of kv into q; false when it has answered
 * 400 (or 403: scope=own for a public credential). Groupings: month,
 * quarter, year, strand, incident_type, ethnic_group, ethnic_group_high,
 * age_band, area, partner_kind, channel. */
HUB_MUST_CHECK bool stats_query_parse(request_t *r, struct evkeyvalq *kv, stats_query_t *q,
                                      stats_pool_t *pool);

/* Answers 400 bad-query with detail; returns false. */
bool stats_bad_query(request_t *r, const char *detail);

bool stats_grouped(const stats_query_t *q, dim_t d);

/* Months from y1-m1 to y2-m2 (negative when the second is earlier). */
int stats_months_between(int y1, int m1, int y2, int m2);

/* The code list of a grouping (strand, ethnic_group, …), or NULL for
 * those without one (time, area, partner_kind). */
const code_list_t *stats_grouping_list(const char *name);

/* The report cube (sql/009) that carries every dimension q asks for, or 0. */
int stats_cube_for(const stats_query_t *q);

/* The array literal of a filter, or NULL when there is none. */
const char *stats_filter_param(stats_query_t *q, dim_t d);

/* The period as months ("YYYY-MM", 8 bytes each) and as the cohort's
 * first and last day ("YYYY-MM-DD", 11 bytes each). */
void stats_query_months(const stats_query_t *q, char *from, char *to);
void stats_query_days(const stats_query_t *q, char *first, char *last);

/* The high-level group of row of the ethnic_group list (not_stated for
 * none). */
const char *stats_ethnic_high_of(const code_list_t *eg, size_t row);

/* The published form of a cell into o: "count", or "suppressed": true
 * with its "reason" (small, secondary) and no value. */
void stats_put_count(json_t *o, const sdc_cell_t *c);

/* The rule applied to joint figures (own NULL): the method, its settings
 * and a sentence; for own figures, that none was, and own, the sentence
 * that says what they are. */
json_t *stats_disclosure_json(const char *own);

/* When the rollups were last refreshed (refreshed_at from stats_state_sql)
 * and how often they are. */
json_t *stats_freshness_json(const char *refreshed_at);

/* One row, one column: the rollups' last refresh, ISO 8601 UTC. */
extern const char stats_state_sql[];

#endif
