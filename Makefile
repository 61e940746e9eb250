# xvs — host networking for XenServer/XCP-ng hosts.
#
#   make deps     install the Debian packages the build, tests and demo need
#   make          build every program into $(BUILD)/bin
#   make demo     a whole simulated XenServer host: boot, xe, VMs, a locked VIF (KEEP=1 keeps it up)
#   make check    run every test suite (also under ASan+UBSan); last line "N passed, N failed"
#   make bench    run the benchmarks (never part of make check)
#   make fuzz     run each libFuzzer target for FUZZ_SECONDS
#   make install  install programs at their XenServer paths under $(DESTDIR)
#   make clean

BUILD        ?= build
PREFIX       ?= /usr
DESTDIR      ?=
SANITIZE     ?=
FUZZ_SECONDS ?= 60
CC           ?= cc

PKGS    := libxml-2.0 libcurl libmicrohttpd jansson libnl-3.0 libnl-route-3.0 libnl-genl-3.0 xenstore
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
           -D_GNU_SOURCE -MMD -MP -Ilib -Ixapi-bindings -Ixenstored -Iswitchd/dbd
CFLAGS  += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Each program loads only the shared libraries it uses (start-up time of the host programs).
LDFLAGS += -Wl,--as-needed
ifneq ($(SANITIZE),)
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

# Debian packages: build, unit tests, fuzzing, integration peers.
DEB_PKGS := make gcc clang libclang-rt-14-dev pkg-config libxml2-dev libcurl4-openssl-dev \
            libmicrohttpd-dev libcmocka-dev libjansson-dev libxen-dev xenstore-utils iproute2 iputils-ping python3 procps \
            libnl-3-dev libnl-route-3-dev libnl-genl-3-dev ethtool ebtables python3-scapy \
            qemu-system-x86 busybox-static kmod xz-utils openssl \
            openvswitch-switch openvswitch-common

LIB_SRCS  := $(sort $(wildcard lib/*.c))
XAPI_SRCS := $(sort $(wildcard xapi-bindings/*.c))
SIM_SRCS  := $(sort $(wildcard xapi-bindings/sim/*.c))
SIM_LIB_SRCS := $(filter-out xapi-bindings/sim/sim_main.c,$(SIM_SRCS))
# The switch: each switchd/<name>/ folder is one program, xvs-<name>, built
# from its main.c plus the folder's other modules (a library unit tests link).
SWITCHD_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard switchd/*/main.c))))
SWITCHD_PROGS := $(patsubst switchd/%,$(BUILD)/bin/xvs-%,$(SWITCHD_DIRS))
SWITCHD_LIBS := $(patsubst switchd/%,$(BUILD)/libswitchd-%.a,$(SWITCHD_DIRS))
# xvs-xenstored, the xenstored of sandboxes: xenstored/main.c plus modules.
XSD_SRCS := $(sort $(wildcard xenstored/*.c))
XSD_LIB_SRCS := $(filter-out xenstored/main.c,$(XSD_SRCS))
XSD := $(if $(XSD_SRCS),$(BUILD)/bin/xvs-xenstored)
LIBXSD := $(BUILD)/libxenstored.a
# xe, the XenAPI command line: xapi-bindings/xe/main.c plus modules.
XE_SRCS := $(sort $(wildcard xapi-bindings/xe/*.c))
XE_LIB_SRCS := $(filter-out xapi-bindings/xe/main.c,$(XE_SRCS))
XE := $(if $(XE_SRCS),$(BUILD)/bin/xe)
LIBXE := $(BUILD)/libxe.a
# Host programs with their XenServer names: libexec/<name>/ and plugins/<name>/
# folders, each built from its main.c plus the folder's other modules (which
# also go into a library that unit tests link).
HOSTPROG_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard libexec/*/main.c plugins/*/main.c))))
HOSTPROGS := $(patsubst %,$(BUILD)/%,$(HOSTPROG_DIRS))
HOSTPROG_LIBS := $(patsubst %,$(BUILD)/lib%.a,$(subst /,-,$(HOSTPROG_DIRS)))
UNIT_SRCS := $(sort $(wildcard tests/unit/*_test.c))
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
BENCH_SRCS:= $(sort $(wildcard bench/*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIBXVS  := $(BUILD)/libxvs.a
LIBXAPI := $(BUILD)/libxapi.a
LIBSIM  := $(BUILD)/libsim.a
SIM     := $(BUILD)/bin/xvs-xapi-sim
UNITS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
TOOLS   := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(TOOL_SRCS))
BENCHES := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
REPLAYS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(FUZZ_SRCS))
PROGRAMS := $(if $(SIM_SRCS),$(SIM)) $(SWITCHD_PROGS) $(XSD) $(XE)

.PHONY: all deps check demo bench fuzz install clean format cppcheck
# Keep the objects of pattern-built programs, so rebuilds stay incremental.
.SECONDARY:
.SECONDEXPANSION:
all: $(PROGRAMS) $(HOSTPROGS) $(UNITS) $(TOOLS) $(REPLAYS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIBXVS): $(call obj,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBXAPI): $(call obj,$(XAPI_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

# The simulator's modules, without its main(), so unit tests can link them.
$(LIBSIM): $(call obj,$(SIM_LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(SIM): $(BUILD)/obj/xapi-bindings/sim/sim_main.o $(LIBSIM) $(LIBXAPI) $(LIBXVS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The built-in OVSDB schema, compiled into xvs-dbd as a C string.
$(BUILD)/gen/vswitch_schema.c: switchd/vswitch.ovsschema
	@mkdir -p $(dir $@)
	awk 'BEGIN { print "/* Generated from switchd/vswitch.ovsschema by the Makefile. */"; \
	             print "const char ovsdb_builtin_schema[] =" } \
	     { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "    \"" $$0 "\\n\"" } \
	     END { print "    ;" }' $< > $@

$(BUILD)/libswitchd-%.a: $$(call obj,$$(filter-out switchd/$$*/main.c,$$(wildcard switchd/$$*/*.c))) \
                        $$(if $$(filter dbd,$$*),$(BUILD)/obj/gen/vswitch_schema.o)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/obj/gen/vswitch_schema.o: $(BUILD)/gen/vswitch_schema.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/bin/xvs-%: $(BUILD)/obj/switchd/%/main.o $(BUILD)/libswitchd-%.a $(LIBXAPI) $(LIBXVS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/liblibexec-%.a: $$(call obj,$$(filter-out libexec/$$*/main.c,$$(wildcard libexec/$$*/*.c)))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/libplugins-%.a: $$(call obj,$$(filter-out plugins/$$*/main.c,$$(wildcard plugins/$$*/*.c)))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/libexec/%: $(BUILD)/obj/libexec/%/main.o $(BUILD)/liblibexec-%.a $(LIBXAPI) $(LIBXVS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/plugins/%: $(BUILD)/obj/plugins/%/main.o $(BUILD)/libplugins-%.a $(LIBXAPI) $(LIBXVS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(LIBXE): $(call obj,$(XE_LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/bin/xe: $(BUILD)/obj/xapi-bindings/xe/main.o $(LIBXE) $(LIBXAPI) $(LIBXVS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(LIBXSD): $(call obj,$(XSD_LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/bin/xvs-xenstored: $(BUILD)/obj/xenstored/main.o $(LIBXSD) $(LIBXVS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(HOSTPROG_LIBS) $(SWITCHD_LIBS) $(if $(XSD_SRCS),$(LIBXSD)) \
                  $(if $(XE_SRCS),$(LIBXE)) $(LIBSIM) \
                  $(LIBXAPI) $(LIBXVS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -lcmocka -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(LIBXAPI) $(LIBXVS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIBXAPI) $(LIBXVS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Fuzz targets are also linked with a plain main that replays their corpus,
# so make check exercises them under ASan without libFuzzer.
$(BUILD)/fuzz-replay/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay_main.o $(HOSTPROG_LIBS) $(SWITCHD_LIBS) \
                       $(if $(XSD_SRCS),$(LIBXSD)) $(LIBXAPI) $(LIBXVS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' \
	        || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "Installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else echo "All Debian packages present."; fi
	@# The KVM/TCG lab (a Debian kernel with bonding, 8021q, openvswitch), built once and cached.
	@tests/lab/xvs-lab build

# Unit tests run twice (plain and ASan+UBSan build); integration tests use
# the plain programs; the fuzz corpora replay under ASan.
check: deps
	$(MAKE) -j$$(nproc) all
	$(MAKE) -j$$(nproc) BUILD=build-asan SANITIZE=1 all
	@tests/run-tests.sh build build-asan

# The main job: see demo/xvs-demo.sh (QUICK=1: no pauses; KEEP=1: leave the host up).
demo: deps
	$(MAKE) -j$$(nproc) all
	@demo/xvs-demo.sh $(if $(QUICK),--quick) $(if $(KEEP),--keep) $(BUILD)

bench: all $(BENCHES)
	@bench/run-bench.sh $(BUILD)

# libFuzzer builds, separate from the rest; each target runs FUZZ_SECONDS.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib -Ixapi-bindings -Ixenstored -Iswitchd/dbd \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -fsanitize=fuzzer,address,undefined
FUZZ_LIB_SRCS := $(LIB_SRCS) $(XAPI_SRCS) $(XSD_LIB_SRCS) \
                 $(filter-out switchd/dbd/main.c,$(wildcard switchd/dbd/*.c)) \
                 $(if $(wildcard switchd/vswitch.ovsschema),$(BUILD)/gen/vswitch_schema.c)
fuzz: $(FUZZ_SRCS) $(if $(wildcard switchd/vswitch.ovsschema),$(BUILD)/gen/vswitch_schema.c)
	@mkdir -p build-fuzz
	@set -e; for f in $(FUZZ_SRCS); do \
	    n=$$(basename $$f .c); \
	    clang $(FUZZ_CFLAGS) $$f $(FUZZ_LIB_SRCS) $(LDLIBS) -o build-fuzz/$$n; \
	    mkdir -p build-fuzz/corpus-$$n; \
	    build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	        build-fuzz/corpus-$$n tests/fuzz/corpus/$${n#fuzz_}; \
	done

# Programs at the paths XenServer uses: libexec programs in /opt/xensource/libexec,
# the plugin in /etc/xapi.d/plugins, the init scripts, systemd units and udev rules.
LIBEXEC_DIR ?= /opt/xensource/libexec
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBEXEC_DIR) $(DESTDIR)/etc/xapi.d/plugins \
	    $(DESTDIR)/etc/init.d $(DESTDIR)/etc/udev/rules.d $(DESTDIR)/usr/lib/systemd/system
	$(if $(PROGRAMS),install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/)
	$(if $(filter $(BUILD)/libexec/%,$(HOSTPROGS)),install -m 0755 $(filter $(BUILD)/libexec/%,$(HOSTPROGS)) $(DESTDIR)$(LIBEXEC_DIR)/)
	$(if $(filter $(BUILD)/plugins/%,$(HOSTPROGS)),install -m 0755 $(filter $(BUILD)/plugins/%,$(HOSTPROGS)) $(DESTDIR)/etc/xapi.d/plugins/)
	@# XenServer 7+ XAPI calls the plugin by its successor's name after a controller change.
	ln -sf openvswitch-cfg-update $(DESTDIR)/etc/xapi.d/plugins/openvswitch-config-update
	install -m 0755 init.d/openvswitch init.d/management-interface $(DESTDIR)/etc/init.d/
	install -m 0644 init.d/*.service $(DESTDIR)/usr/lib/systemd/system/
	install -m 0644 udev/xen-backend.rules $(DESTDIR)/etc/udev/rules.d/

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

cppcheck:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	    --inline-suppr -D__GNUC__ -Ilib -Ixapi-bindings $$(git ls-files '*.c')

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
