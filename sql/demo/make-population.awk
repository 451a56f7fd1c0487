# make-population.awk: the SYNTHETIC population of the demo partnership's
# areas, residents by area and ONS 2021 ethnic group. Made up: the area
# codes E01099001-E01099040 are not real LSOAs (real ones stop near
# E01035000) and the counts describe no real place.
#
#   awk -f sql/demo/make-population.awk > sql/demo/synthetic-population.csv
#
# Deterministic: it uses its own Park-Miller generator, not rand(), whose
# sequence differs between awks (mawk, gawk, busybox), and only integer
# arithmetic that is exact in awk's doubles.
# Output: area,ethnic_group,count with ethnic_group the ONS number 1-19
# (api/codes/ethnic_group.csv), 19 rows per area.

# The next pseudo-random number in [0, 1). 16807 * seed < 2^46, so the
# arithmetic is exact in awk's doubles.
function rnd() {
    seed = (seed * 16807) % 2147483647
    return seed / 2147483647
}

BEGIN {
    seed = 20260101
    areas = 40
    # A diverse city, in percent, by ONS number: 1 Bangladeshi, 2 Chinese,
    # 3 Indian, 4 Pakistani, 5 Other Asian, 6 African, 7 Caribbean, 8 Other
    # Black, 9 White and Asian, 10 White and Black African, 11 White and
    # Black Caribbean, 12 Other Mixed, 13 White British, 14 Irish, 15 Gypsy or
    # Irish Traveller, 16 Roma, 17 Other White, 18 Arab, 19 Any other.
    n = split("3.5 1.2 5.5 12.0 2.2 6.5 3.5 1.2 1.0 0.7 1.8 1.0 50 1.2 0.3 0.4 5.5 1.2 1.3", base, " ")
    # Five kinds of neighbourhood, as multipliers of the city's shares
    # ("group:factor"; groups not named keep 1): South Asian inner areas,
    # Black African and Caribbean inner areas, a central area of students
    # and newer arrivals, outer suburbs, and areas with Eastern European,
    # Roma and Traveller communities.
    profile[1] = "1:2.6 3:1.4 4:2.3 5:1.3 13:0.55 18:1.2"
    profile[2] = "6:2.3 7:2.4 8:2.2 10:1.8 11:2.0 12:1.4 13:0.6"
    profile[3] = "2:2.8 5:1.9 9:1.6 12:1.5 17:1.9 18:2.2 19:1.8 13:0.75"
    profile[4] = "1:0.35 2:0.6 3:0.8 4:0.3 5:0.5 6:0.35 7:0.4 8:0.4 11:0.6 17:0.6 18:0.3 19:0.5 13:1.3"
    profile[5] = "14:1.6 15:4.0 16:5.0 17:2.4 13:0.9"
    print "area,ethnic_group,count"
    for (a = 1; a <= areas; a++) {
        # Suburbs are the commonest kind; the kinds are dealt in a fixed order.
        p = substr("4142434541424345414243454142434541424345", a, 1) + 0
        for (g = 1; g <= n; g++) m[g] = 1
        k = split(profile[p], pairs, " ")
        for (i = 1; i <= k; i++) {
            split(pairs[i], gf, ":")
            m[gf[1] + 0] = gf[2] + 0
        }
        total = 1400 + int(rnd() * 501)
        sum = 0
        for (g = 1; g <= n; g++) {
            w[g] = base[g] * m[g] * (0.7 + 0.6 * rnd()) # no two areas alike
            sum += w[g]
        }
        # White British takes the rounding, so each area adds up to total.
        rest = total
        for (g = 1; g <= n; g++) {
            if (g == 13) continue
            c[g] = int(total * w[g] / sum + 0.5)
            rest -= c[g]
        }
        c[13] = rest
        for (g = 1; g <= n; g++) printf "E01099%03d,%d,%d\n", a, g, c[g]
    }
}
