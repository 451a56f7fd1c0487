#include "tls.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Mozilla intermediate (v5.7), TLS 1.2 part, ECDHE only. TLS 1.3 suites
 * keep OpenSSL's defaults, which are the same three AEADs. */
#define TLS12_CIPHERS                                                                              \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS_GROUPS "X25519:prime256v1:secp384r1"
#define VERIFY_DEPTH 3

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *current;

static void
openssl_error(const char *what, const char *path, char *err, size_t errlen)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "%s%s%s: %s", what, path ? " " : "", path ? path : "", buf);
    ERR_clear_error();
}

static bool
load_crl(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    if (X509_STORE_load_file(store, path) != 1) {
        openssl_error("HUB_CLIENT_CRL: cannot load", path, err, errlen);
        return false;
    }
    /* Check the leaf against the CRL; a CRL that is missing or out of date
     * for the issuing CA fails verification (fail closed). */
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    return true;
}

SSL_CTX *
tls_context_new(const config_t *cfg, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        openssl_error("SSL_CTX_new", NULL, err, errlen);
        return NULL;
    }
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        !SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) ||
        !SSL_CTX_set1_groups_list(ctx, TLS_GROUPS)) {
        openssl_error("TLS parameters", NULL, err, errlen);
        goto fail;
    }
    /* The server's cipher order (all of it forward-secret AEAD), so no
     * client can steer towards the weakest it shares; ChaCha20 first for
     * clients that put it first (no AES hardware). testssl.sh rates
     * "no cipher order" HIGH. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA);
    /* Idle keep-alive connections give their 16+ KiB read and write buffers
     * back (as nginx does): memory follows active, not open, connections. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    /* Without a session id context, resumed sessions with client
     * certificates fail the handshake. */
    static const unsigned char sid_ctx[] = "hubd";
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);

    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
        openssl_error("HUB_TLS_CERT: cannot load", cfg->tls_cert, err, errlen);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1) {
        openssl_error("HUB_TLS_KEY: cannot load", cfg->tls_key, err, errlen);
        goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        openssl_error("HUB_TLS_KEY: does not match HUB_TLS_CERT", NULL, err, errlen);
        goto fail;
    }
    if (cfg->client_cert != CLIENT_CERT_OFF) {
        if (SSL_CTX_load_verify_locations(ctx, cfg->client_ca, NULL) != 1) {
            openssl_error("HUB_CLIENT_CA: cannot load", cfg->client_ca, err, errlen);
            goto fail;
        }
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->client_ca);
        if (names == NULL) {
            openssl_error("HUB_CLIENT_CA: no CA names in", cfg->client_ca, err, errlen);
            goto fail;
        }
        SSL_CTX_set_client_CA_list(ctx, names);
        if (cfg->client_crl[0] != '\0' && !load_crl(ctx, cfg->client_crl, err, errlen))
            goto fail;
        int mode = SSL_VERIFY_PEER;
        if (cfg->client_cert == CLIENT_CERT_REQUIRED)
            mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        SSL_CTX_set_verify(ctx, mode, NULL);
        SSL_CTX_set_verify_depth(ctx, VERIFY_DEPTH);
    }
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

void
tls_install(SSL_CTX *ctx)
{
    pthread_mutex_lock(&current_lock);
    SSL_CTX *old = current;
    current = ctx;
    pthread_mutex_unlock(&current_lock);
    /* Connections made from the old context hold their own reference. */
    SSL_CTX_free(old);
}

SSL *
tls_new_ssl(void)
{
    pthread_mutex_lock(&current_lock);
    SSL *ssl = SSL_new(current);
    pthread_mutex_unlock(&current_lock);
    return ssl;
}

bool
tls_reload(const config_t *cfg, char *err, size_t errlen)
{
    SSL_CTX *ctx = tls_context_new(cfg, err, errlen);
    if (ctx == NULL)
        return false;
    tls_install(ctx);
    return true;
}

void
tls_shutdown(void)
{
    tls_install(NULL);
}
