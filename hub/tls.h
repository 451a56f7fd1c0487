/* tls.h: the server's TLS context, shared read-only by all workers.
 *
 * TLS 1.2 minimum, Mozilla "intermediate" ECDHE AEAD ciphers, no
 * renegotiation or compression. Client certificates are verified against
 * HUB_CLIENT_CA (and HUB_CLIENT_CRL) when presented or required. A reload
 * builds a new context aside and swaps it in only if it loads. */
#ifndef HUB_TLS_H
#define HUB_TLS_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "config.h"

/* Builds a context from cfg; NULL with a message in err on failure. */
SSL_CTX *tls_context_new(const config_t *cfg, char *err, size_t errlen);

/* Installs ctx as the current context (taking ownership); frees the old one. */
void tls_install(SSL_CTX *ctx);

/* A new server-side SSL object from the current context. */
SSL *tls_new_ssl(void);

/* Rebuilds from cfg and swaps on success; false (old context kept) on failure. */
HUB_MUST_CHECK bool tls_reload(const config_t *cfg, char *err, size_t errlen);

void tls_shutdown(void);

#endif
