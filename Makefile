# Partnership Data Hub. `make run` and `make test` are the two commands;
# see README.md.

CC       ?= cc
PKGS     := libevent_openssl libevent_pthreads libpq openssl jansson
VERSION  := 0.1.0
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wformat=2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
            -DHUB_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS))
LDLIBS   := $(shell pkg-config --libs $(PKGS)) -lpthread -lm
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

HUB_SRC  := $(filter-out hub/main.c,$(wildcard hub/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
CTL_SRC  := $(wildcard clients/hubctl/*.c)
CTL_LIB_SRC := $(filter-out clients/hubctl/main.c,$(CTL_SRC))

# Two flavours of every object: plain under build/obj, sanitised under build/asan.
OBJ      := $(HUB_SRC:%.c=build/obj/%.o)
ASAN_OBJ := $(HUB_SRC:%.c=build/asan/obj/%.o)
UNITS    := $(UNIT_SRC:tests/unit/%.c=build/tests/%)
ASAN_UNITS := $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)

.PHONY: all asan units fuzzers fuzz tls-check valgrind run test bench format format-check clean dashboard
.SECONDARY:
all: build/hubd build/hubctl

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

build/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -U_FORTIFY_SOURCE -MMD -MP -c $< -o $@

build/libhub.a: $(OBJ)
	ar rcs $@ $^

build/asan/libhub.a: $(ASAN_OBJ)
	ar rcs $@ $^

build/hubd: build/obj/hub/main.o build/libhub.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/hubd: build/asan/obj/hub/main.o build/asan/libhub.a
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS)

# hubctl's modules but main.c, in an archive the unit tests link too (the
# pure ones: csv, mapping, identity, postcode, convert, https's parser …).
build/libhubctl.a: $(CTL_LIB_SRC:%.c=build/obj/%.o)
	ar rcs $@ $^

build/asan/libhubctl.a: $(CTL_LIB_SRC:%.c=build/asan/obj/%.o)
	ar rcs $@ $^

# hubctl shares the hub's modules (credential, migration, db, log) through libhub.a.
build/hubctl: build/obj/clients/hubctl/main.o build/libhubctl.a build/libhub.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

build/asan/hubctl: build/asan/obj/clients/hubctl/main.o build/asan/libhubctl.a build/asan/libhub.a
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS)

build/tests/%: build/obj/tests/unit/%.o build/libhubctl.a build/libhub.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

build/asan/tests/%: build/asan/obj/tests/unit/%.o build/asan/libhubctl.a build/asan/libhub.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

asan: build/asan/hubd build/asan/hubctl $(ASAN_UNITS)
units: $(UNITS)

# libFuzzer targets (tests/fuzz/fuzz_*.c): clang, ASan+UBSan, with the hub's
# modules instrumented for coverage in a third flavour under build/fuzz.
FUZZ_CC    ?= clang
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS    := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -U_FORTIFY_SOURCE -MMD -MP -c $< -o $@

build/fuzz/libhub.a: $(HUB_SRC:%.c=build/fuzz/obj/%.o)
	ar rcs $@ $^

build/fuzz/fuzz_%: build/fuzz/obj/tests/fuzz/fuzz_%.o build/fuzz/libhub.a
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# hubctl's CSV reader, its one module beside the hub's.
build/fuzz/fuzz_csv: build/fuzz/obj/tests/fuzz/fuzz_csv.o build/fuzz/obj/clients/hubctl/csv.o \
                     build/fuzz/libhub.a
	$(FUZZ_CC) $(CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzzers: $(FUZZERS)

# Each fuzz target for FUZZ_SECONDS (default 60); see tests/fuzz/README.md.
fuzz: $(FUZZERS)
	@scripts/fuzz.sh run

# testssl.sh against a throw-away hubd; fails on a finding rated MEDIUM or
# worse (scripts/tls-check.sh; TLS_CHECK_TARGET=host:port for a running one).
tls-check:
	@scripts/tls-check.sh

# Integration suites with hubd under valgrind memcheck; fails on any
# invalid access or definite leak (scripts/valgrind.sh, VALGRIND_SUITES).
valgrind:
	@scripts/valgrind.sh

# The web dashboard (clients/dashboard): its pages and the pinned Chart.js
# build copied into build/dashboard, which hubd serves at /dashboard/
# (HUB_DASHBOARD_DIR). npm ci only when node_modules lacks Chart.js, so an
# offline machine that has installed it once still builds. The pure logic's
# tests (node --test, no dependency) run first: a failing one builds
# nothing. Built aside and swapped in whole, so a half-copied folder is
# never what hubd loads.
DASH := clients/dashboard
dashboard:
	@[ -f $(DASH)/node_modules/chart.js/package.json ] || (cd $(DASH) && npm ci --no-audit --no-fund)
	@node --test --test-reporter=dot $(DASH)/test/*.test.mjs
	@rm -rf build/dashboard.new && mkdir -p build/dashboard.new/vendor
	@cp -R $(DASH)/src/. build/dashboard.new/
	@cp $(DASH)/node_modules/chart.js/dist/chart.umd.min.js build/dashboard.new/vendor/
	@cp $(DASH)/node_modules/chart.js/LICENSE.md build/dashboard.new/vendor/chart.js-LICENSE.txt
	@rm -rf build/dashboard && mv build/dashboard.new build/dashboard
	@echo "build/dashboard: $$(find build/dashboard -type f | wc -l) files"

# Installs missing Debian packages (as root), builds, starts a local cluster
# and hubd in the foreground.
run:
	@scripts/run.sh

# Everything in a throw-away directory; ends with "N passed, N failed".
test:
	@scripts/test.sh

# A pg_dump of the hub database into var/backups/, with its SHA-256; and
# back into a new database (README.md, "Backup and restore").
.PHONY: backup restore
backup:
	@scripts/backup.sh

restore:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/hub-….dump" >&2; exit 2; }
	@scripts/restore.sh "$(FILE)"

build/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o $@ $< -lssl -lcrypto -lpthread -lm

bench: build/bench/hubload build/bench/idle_conns build/bench/pagewalk
	@bench/run.sh
	@bench/access.sh
	@bench/reports.sh
	@bench/population.sh
	@bench/referrals.sh
	@bench/stats.sh

format:
	clang-format -i hub/*.[ch] clients/hubctl/*.[ch] tests/unit/*.c tests/fuzz/*.c $(wildcard bench/*.c)

format-check:
	clang-format --dry-run -Werror hub/*.[ch] clients/hubctl/*.[ch] tests/unit/*.c tests/fuzz/*.c \
	    $(wildcard bench/*.c)

compile_commands.json: $(HUB_SRC) hub/main.c $(UNIT_SRC) $(CTL_SRC) $(FUZZ_SRC)
	@{ echo '['; sep=''; for f in $^; do \
	  printf '%s{"directory":"%s","file":"%s","command":"%s %s -c %s"}\n' "$$sep" "$(CURDIR)" "$$f" \
	    "$(CC)" "$$(echo '$(CFLAGS)' | sed 's/"/\\"/g')" "$$f"; sep=','; done; echo ']'; } > $@

clean:
	rm -rf build compile_commands.json

-include $(shell find build -name '*.d' 2>/dev/null)
