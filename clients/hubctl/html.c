#include "html.h"

void
html_escape(FILE *f, const char *s)
{
    if (s == NULL)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7F ? ' ' : *p, f);
        }
    }
}
