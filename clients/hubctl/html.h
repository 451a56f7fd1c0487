/* html.h: text from the hub made safe inside HTML. Pure, for the tests. */
#ifndef HUBCTL_HTML_H
#define HUBCTL_HTML_H

#include <stdio.h>

/* Writes s with & < > " ' as character references, and control characters
 * (but tab and line feed) as spaces, so that it is text in an element or a
 * quoted attribute value, never markup. NULL writes nothing. */
void html_escape(FILE *f, const char *s);

#endif
