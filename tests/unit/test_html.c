/* test_html.c: clients/hubctl/html.h — every character that could make
 * markup written as a reference, control characters as spaces, the rest
 * (UTF-8 included) as it is. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../clients/hubctl/html.h"

static char *
escaped(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    html_escape(f, s);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void
check(const char *in, const char *want)
{
    char *got = escaped(in);
    assert_string_equal(got, want);
    free(got);
}

static void
test_markup(void **state)
{
    (void)state;
    check("<script>alert(\"x\")</script> & co",
          "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co");
    check("a' onmouseover='b", "a&#39; onmouseover=&#39;b");
    check("&amp;", "&amp;amp;");
    check("", "");
}

static void
test_text_kept(void **state)
{
    (void)state;
    check("Reporting up – Black Caribbean résidents", "Reporting up – Black Caribbean résidents");
    check("line\none\ttab", "line\none\ttab");
    check("bell\a nul-free \x1b[31m del\x7f", "bell  nul-free  [31m del ");
    char *none = escaped(NULL);
    assert_string_equal(none, "");
    free(none);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_markup),
        cmocka_unit_test(test_text_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
