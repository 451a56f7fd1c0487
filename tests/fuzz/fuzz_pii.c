/* fuzz_pii.c: the personal-data guard, pii_scan, on arbitrary bytes.
 *
 * The input is scanned exactly as given, in a buffer of exactly its size
 * (no NUL after it), so any read at or beyond s[n] is an AddressSanitizer
 * report. Besides memory safety and undefined behaviour it checks that:
 *  - the answer is one of the kinds, with a phrase;
 *  - spaces around a value change nothing: " s " gives what s gives. Every
 *    detector decides at token boundaries, and a space is one, so a
 *    difference would mean an identifier found or missed depending on
 *    where it stands in the string.
 * pii.h promises linear time: libFuzzer's -timeout turns a quadratic
 * detector into a finding on long inputs (make fuzz runs with -max_len
 * 65536). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/pii.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    pii_kind_t k = pii_scan(s, size);
    if (k < PII_NONE || k > PII_TITLED_NAME || pii_kind_phrase(k) == NULL) {
        fprintf(stderr, "fuzz_pii: kind %d out of range\n", (int)k);
        abort();
    }
    char *spaced = malloc(size + 2);
    if (spaced == NULL)
        return 0;
    spaced[0] = ' ';
    memcpy(spaced + 1, s, size);
    spaced[size + 1] = ' ';
    pii_kind_t k2 = pii_scan(spaced, size + 2);
    free(spaced);
    if (k2 != k) {
        fprintf(stderr, "fuzz_pii: \"%.*s\" is %s, but with spaces around it %s\n", (int)size, s,
                pii_kind_phrase(k), pii_kind_phrase(k2));
        abort();
    }
    return 0;
}
