# Partnership Data Hub server image: `hubd` (serve) and `hubd migrate`.
#
#   docker build -t partnership-data-hub/hubd .
#
# Configuration is by environment variables only (see `hubd --help` and
# docker-compose.yml): HUB_DB, HUB_TLS_CERT, HUB_TLS_KEY, HUB_CLIENT_CA,
# HUB_CLIENT_CRL, HUB_CLIENT_CERT, HUB_WORKERS, ... The image sets HUB_LISTEN,
# HUB_SQL_DIR (api/ is copied too, for the protocol code lists).

# ---- build stage -------------------------------------------------------------
FROM debian:12-slim AS build

RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential pkg-config \
        libevent-dev libpq-dev libssl-dev libjansson-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
RUN make -j"$(nproc)" build/hubd

# ---- runtime stage -----------------------------------------------------------
FROM debian:12-slim

# curl is only for the HEALTHCHECK below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libevent-2.1-7 libevent-openssl-2.1-7 libevent-pthreads-2.1-7 \
        libpq5 libssl3 libjansson4 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user with a fixed uid/gid, so mounted key files can be
# chown'ed to it (or the container run with --user as the key's owner).
RUN groupadd --system --gid 10001 hubd \
    && useradd --system --uid 10001 --gid hubd --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin hubd

COPY --from=build /src/build/hubd /usr/local/bin/hubd
COPY --from=build /src/sql/ /usr/share/hub/sql/
COPY --from=build /src/api/ /usr/share/hub/api/

ENV HUB_LISTEN=0.0.0.0:8443 \
    HUB_SQL_DIR=/usr/share/hub/sql

USER 10001:10001
EXPOSE 8443

# Liveness over loopback. -k: the certificate may name a public host, not
# 127.0.0.1; this checks that hubd answers, not who it is. Needs
# HUB_CLIENT_CERT=off or optional (with `required` the handshake needs a
# client certificate: override or disable the healthcheck). The port is taken
# from HUB_LISTEN. `hubd migrate` containers should disable it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD curl -fsSk --max-time 4 -o /dev/null "https://127.0.0.1:${HUB_LISTEN##*:}/healthz" || exit 1

ENTRYPOINT ["hubd"]
