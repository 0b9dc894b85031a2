# sandftpd - a hardened FTP server.  See README.md.
#
#   make              build build/sandftpd and build/sandftpd-session
#   make run          install missing build dependencies, build, and serve
#                     a demo tree anonymously on 127.0.0.1:2121
#   make check        unit tests and integration tests (as root: also as
#                     an unprivileged user)
#   make check SANITIZE=address,undefined
#   make bench        as root: sandftpd against vsftpd, pure-ftpd and ProFTPD
#                     (unpacked from Debian packages into a temporary
#                     folder) and the machine's floors; tables and a plot
#                     in build/bench/ (tests/bench/bench.sh; not a test)
#   make install      install to $(PREFIX) (and create the session user);
#                     PREFIX, DESTDIR, UNITDIR honoured
#   make uninstall    remove what make install installed (configuration
#                     files under /etc only where they are unchanged)
#   make deps         install missing build dependencies (Debian, apt)

CC ?= cc
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/sandftpd
# systemd's units: /lib/systemd/system for PREFIX=/usr, else under PREFIX
# (/usr/local/lib/systemd/system is on systemd's search path too).
ifeq ($(PREFIX),/usr)
UNITDIR ?= /lib/systemd/system
else
UNITDIR ?= $(PREFIX)/lib/systemd/system
endif
# Configuration lives in /etc whatever the PREFIX (the daemon reads
# /etc/sandftpd.conf, /etc/pam.d/sandftpd, /etc/sandftpd/user_deny).
SYSCONFDIR ?= /etc
SANITIZE ?=
PKGS := libseccomp libcap
# libpam and libcrypt: headers only; the authentication process loads them
# (daemon/auth/libs.c), so session children do not map them.
HDR_PKGS := pam libxcrypt openssl
ARCH := $(shell uname -m)

ifeq ($(SANITIZE),)
BUILD ?= build
OPT := -O2 -g
HARDEN := -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	-fstack-clash-protection
ifeq ($(ARCH),x86_64)
HARDEN += -fcf-protection
endif
ifeq ($(ARCH),aarch64)
HARDEN += -mbranch-protection=standard
endif
SANFLAGS :=
SAN_LIBS :=
# The session binary is static (daemon/master/pool.c says why), and
# keeps only the functions and variables it uses (--gc-sections, with
# -ffunction-sections and -fdata-sections below): not the master's
# seccomp policy tables or configuration keys.  Every pointer in the
# writable data is relocated at each child's start, so what is left out
# is also a page less that each idle session writes.
SESSION_LDFLAGS := -static-pie -Wl,--gc-sections
else
BUILD ?= build/sanitize
OPT := -O1 -g -fno-omit-frame-pointer
HARDEN := -fstack-protector-strong
SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
	-DSANDFTPD_SANITIZE
# The sanitizer runtimes intercept crypt(3) and find the real one at
# start only: a libcrypt loaded later (daemon/auth/libs.c) would be
# called through a null pointer from PAM.  Test builds load both at start.
SAN_LIBS := -Wl,--push-state,--no-as-needed -lpam -lcrypt -Wl,--pop-state
# The sanitizers' runtimes need the dynamic loader.
SESSION_LDFLAGS :=
endif

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla
ifneq ($(WERROR),)
WARN += -Werror
endif
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) $(HDR_PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

CFLAGS ?=
LDFLAGS ?=
# The master and the session binary must speak the same IPC: children
# are started as --child=SUM, SUM the checksum of the IPC's definitions
# (common/ipc.h and the addresses it carries, common/addr.h).
IPC_SUM := $(firstword $(shell cat common/ipc.h common/addr.h | cksum))
# -fdata-sections, -ffunction-sections: each variable and function a
# section of its own, which the session binary's link sorts and drops
# when unused (SESSION_LDFLAGS, SESSION_ALL_LDFLAGS).
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) $(OPT) $(HARDEN) -fPIE \
	-fdata-sections -ffunction-sections $(SANFLAGS) $(PKG_CFLAGS) \
	-DSANDFTPD_IPC_SUM='"$(IPC_SUM)"' $(CFLAGS) -MMD -MP
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(SANFLAGS) $(LDFLAGS)
# -static-pie replaces -pie (clang warns about both).  Variables sorted
# by alignment: the small ones (most of libc's too) end up together in a
# few pages, not one or two on each of many pages between large arrays;
# an idle session keeps every page it wrote (daemon/session/idlemem.h).
SESSION_ALL_LDFLAGS = $(if $(SESSION_LDFLAGS),$(filter-out -pie,\
	$(ALL_LDFLAGS)) $(SESSION_LDFLAGS),$(ALL_LDFLAGS)) \
	-Wl,--sort-section=alignment

MASTER_SRCS := $(wildcard daemon/master/*.c)
SESSION_SRCS := $(wildcard daemon/session/*.c)
AUTH_SRCS := $(wildcard daemon/auth/*.c)
SRCS := $(wildcard common/*.c) $(wildcard sandbox/*.c) daemon/main.c \
	$(MASTER_SRCS) $(SESSION_SRCS) $(AUTH_SRCS)
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
LIB_OBJS := $(filter-out $(BUILD)/obj/daemon/main.o,$(OBJS))
HOOK_OBJS := $(SRCS:%.c=$(BUILD)/hooks/%.o)
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)

BIN := $(BUILD)/sandftpd
HOOK_BIN := $(BUILD)/sandftpd-testhooks
UNIT_BIN := $(BUILD)/unit-tests
# The session binary: the child code alone, no master, no dlopen.  The
# master finds it beside itself, as <its own path>-session.
SESSION_BIN := $(BIN)-session
HOOK_SESSION_BIN := $(HOOK_BIN)-session
SESSION_OF = $(filter-out %/common/tlslib.o,$(filter \
	$(1)/common/% $(1)/sandbox/% $(1)/daemon/session/%,$(2))) \
	$(1)/daemon/session_main.o $(1)/common/tlslib-nodl.o
SESSION_OBJS := $(call SESSION_OF,$(BUILD)/obj,$(OBJS))
HOOK_SESSION_OBJS := $(call SESSION_OF,$(BUILD)/hooks,$(HOOK_OBJS))

.PHONY: all run check unit integration deps test-deps depcheck demo \
	install uninstall user clean fuzz bench

all: $(BIN) $(SESSION_BIN)

$(BIN): $(OBJS) $(BUILD)/layout.ok
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS) $(SAN_LIBS)

$(SESSION_BIN): $(SESSION_OBJS)
	$(CC) $(SESSION_ALL_LDFLAGS) -o $@ $(SESSION_OBJS) \
		$(PKG_LIBS)

$(HOOK_SESSION_BIN): $(HOOK_SESSION_OBJS)
	$(CC) $(SESSION_ALL_LDFLAGS) -o $@ $(HOOK_SESSION_OBJS) \
		$(PKG_LIBS)

# The trust boundary, checked at link level: no object of daemon/master/
# refers to a symbol that daemon/session/ defines, nor the reverse.
$(BUILD)/layout.ok: tests/check_layout.sh $(OBJS)
	sh tests/check_layout.sh $(BUILD)/obj/daemon/master \
		$(BUILD)/obj/daemon/session
	@touch $@

$(BUILD)/obj/%.o: %.c | depcheck
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The same code with test hooks: a child that can forge privileged
# requests, to prove the master refuses them.  Never installed.
$(HOOK_BIN): $(HOOK_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(HOOK_OBJS) $(PKG_LIBS) $(SAN_LIBS)

$(BUILD)/hooks/%.o: %.c | depcheck
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSANDFTPD_TESTHOOKS -c -o $@ $<

# OpenSSL without dlopen: the static session binary never loads it.
$(BUILD)/obj/common/tlslib-nodl.o: common/tlslib.c | depcheck
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSANDFTPD_NO_DLOPEN -c -o $@ $<

$(BUILD)/hooks/common/tlslib-nodl.o: common/tlslib.c | depcheck
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSANDFTPD_TESTHOOKS -DSANDFTPD_NO_DLOPEN -c \
		-o $@ $<

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(UNIT_BIN): $(UNIT_OBJS) $(LIB_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $(UNIT_OBJS) $(LIB_OBJS) $(PKG_LIBS) \
		$(CHECK_LIBS)

-include $(OBJS:.o=.d) $(HOOK_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) \
	$(SESSION_OBJS:.o=.d) $(HOOK_SESSION_OBJS:.o=.d)

# ---- dependencies (Debian/Ubuntu; only what pkg-config or PATH lacks) ----

# pkg-config module:Debian package, for the build.
BUILD_DEPS := libseccomp:libseccomp-dev libcap:libcap-dev pam:libpam0g-dev \
	libxcrypt:libcrypt-dev openssl:libssl-dev

# Before anything is compiled: name what is missing, and how to get it,
# rather than fail on a missing header.
depcheck:
	@missing=""; \
	command -v $(CC) >/dev/null 2>&1 || missing=" gcc"; \
	if command -v $(PKG_CONFIG) >/dev/null 2>&1; then \
		for mp in $(BUILD_DEPS); do \
			$(PKG_CONFIG) --exists $${mp%%:*} 2>/dev/null || \
				missing="$$missing $${mp#*:}"; \
		done; \
	else \
		missing="$$missing pkg-config"; \
		for mp in $(BUILD_DEPS); do missing="$$missing $${mp#*:}"; done; \
	fi; \
	if [ -n "$$missing" ]; then \
		echo "sandftpd: missing build dependencies:$$missing" >&2; \
		echo "  install them with 'make deps' (as root, or with sudo)," \
			"or: apt-get install$$missing" >&2; \
		exit 1; \
	fi

# $(call apt_missing,MODULE:PACKAGE ... ,COMMAND:PACKAGE ...)
define apt_missing
	@missing=""; \
	command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"; \
	command -v $(CC) >/dev/null 2>&1 || missing="$$missing gcc"; \
	for mp in $(1); do \
		mod=$${mp%%:*}; pkg=$${mp#*:}; \
		pkg-config --exists $$mod 2>/dev/null || \
			missing="$$missing $$pkg"; \
	done; \
	for cp in $(2); do \
		cmd=$${cp%%:*}; pkg=$${cp#*:}; \
		command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then sudo=""; \
		elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
		else echo "missing packages:$$missing (run as root:" \
			"apt-get install$$missing)"; exit 1; fi; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
			$$missing >/dev/null; \
	fi
endef

deps:
	$(call apt_missing,$(BUILD_DEPS),make:make)

test-deps: deps
	$(call apt_missing,check:check,lftp:lftp curl:curl python3:python3 setpriv:util-linux ip:iproute2 fail2ban-regex:fail2ban openssl:openssl systemd-analyze:systemd systemd-socket-activate:systemd strace:strace)

# ---- make run: a demo tree, served anonymously on 127.0.0.1:2121 ----

DEMO := $(CURDIR)/build/demo
RUN_PORT ?= 2121

demo:
	@mkdir -p $(DEMO)/root/pub/新文件夹 $(DEMO)/root/docs
	@printf 'Welcome to the sandftpd demo server.\n' > $(DEMO)/root/README.txt
	@printf 'Hello, world.\nLine two.\n' > $(DEMO)/root/docs/hello.txt
	@printf 'こんにちは\n' > $(DEMO)/root/pub/新文件夹/テスト.txt
	@head -c 1048576 /dev/urandom > $(DEMO)/root/pub/random-1M.bin
	@find $(DEMO)/root -type d -exec chmod 755 {} +
	@find $(DEMO)/root -type f -exec chmod 644 {} +
	@printf '%s\n' '# written by make run' \
		'listen = 127.0.0.1:$(RUN_PORT)' 'anonymous = yes' \
		'anon_root = $(DEMO)/root' 'pasv_ports = 40000-40999' \
		'port20 = no' > $(DEMO)/sandftpd.conf

user:
	@if [ "$$(id -u)" = 0 ] && ! getent passwd sandftpd >/dev/null; then \
		echo "creating the session user 'sandftpd'"; \
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin sandftpd; \
	fi

run: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory demo user
	@echo
	@echo "sandftpd serves $(DEMO)/root on ftp://127.0.0.1:$(RUN_PORT)/"
	@echo "  curl ftp://127.0.0.1:$(RUN_PORT)/"
	@echo "  curl ftp://127.0.0.1:$(RUN_PORT)/README.txt"
	@echo "  lftp -p $(RUN_PORT) -u anonymous, 127.0.0.1"
	@echo "Stop it with Ctrl-C."
	@echo
	$(BIN) -F -f $(DEMO)/sandftpd.conf

# ---- tests ----

unit: $(UNIT_BIN)
	CK_DEFAULT_TIMEOUT=20 $(UNIT_BIN)

integration: $(BIN) $(SESSION_BIN) $(HOOK_BIN) $(HOOK_SESSION_BIN)
	python3 tests/integration/run.py --binary $(BIN) --hooks $(HOOK_BIN)

check: test-deps user
	@$(MAKE) --no-print-directory $(BIN) $(SESSION_BIN) $(HOOK_BIN) \
		$(HOOK_SESSION_BIN) $(UNIT_BIN)
	@$(MAKE) --no-print-directory unit integration

fuzz:
	$(MAKE) -C tests/fuzz

# The benchmark: DURATION, REPS, IDLE_SESSIONS, MODES, SERVERS and
# SANDFTPD are read from the environment (see tests/bench/bench.sh).
bench: $(BIN) $(SESSION_BIN) user
	SANDFTPD=$${SANDFTPD:-$(CURDIR)/$(BIN)} bash tests/bench/bench.sh

# ---- install ----

UNITS := sandftpd.service sandftpd.socket sandftpd-ftps.socket \
	sandftpd-inetd.socket sandftpd-inetd@.service
# etc/ as it is, installed as examples.
EXAMPLES := sandftpd.conf mirror.conf user_deny pam.d/sandftpd \
	logrotate.d/sandftpd fail2ban/filter.d/sandftpd.conf \
	fail2ban/jail.d/sandftpd.conf
# SOURCE:TARGET under etc/ and $(SYSCONFDIR): the operator's files,
# installed only where absent.  The fail2ban filter is the project's
# (local changes go to sandftpd.local) and is replaced on every install.
# Either kind is removed by uninstall only where it is unchanged.
ETC_CONFIG := sandftpd.conf:sandftpd.conf pam.d/sandftpd:pam.d/sandftpd \
	user_deny:sandftpd/user_deny logrotate.d/sandftpd:logrotate.d/sandftpd
ETC_OWNED := fail2ban/filter.d/sandftpd.conf:fail2ban/filter.d/sandftpd.conf

install: $(BIN) $(SESSION_BIN)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 755 $(BIN) $(DESTDIR)$(SBINDIR)/sandftpd
	install -m 755 $(SESSION_BIN) $(DESTDIR)$(SBINDIR)/sandftpd-session
	install -m 644 docs/sandftpd.8 $(DESTDIR)$(MANDIR)/man8/sandftpd.8
	install -m 644 docs/sandftpd.conf.5 \
		$(DESTDIR)$(MANDIR)/man5/sandftpd.conf.5
	@for u in $(UNITS); do \
		echo "install systemd/$$u -> $(DESTDIR)$(UNITDIR)/$$u"; \
		sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/$$u \
			> $(DESTDIR)$(UNITDIR)/$$u && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	@for f in $(EXAMPLES); do \
		install -D -m 644 etc/$$f $(DESTDIR)$(DOCDIR)/examples/$$f || \
			exit 1; \
	done
	install -d -m 755 $(DESTDIR)$(SYSCONFDIR)/sandftpd
	@for st in $(ETC_CONFIG); do \
		dst=$(DESTDIR)$(SYSCONFDIR)/$${st#*:}; \
		if [ -e "$$dst" ]; then echo "kept $$dst (it exists)"; \
		else install -D -m 644 etc/$${st%%:*} "$$dst" || exit 1; \
			echo "install etc/$${st%%:*} -> $$dst"; fi; \
	done
	@for st in $(ETC_OWNED); do \
		install -D -m 644 etc/$${st%%:*} \
			$(DESTDIR)$(SYSCONFDIR)/$${st#*:} || exit 1; \
	done
	@if [ -z "$(DESTDIR)" ]; then \
		$(MAKE) --no-print-directory user; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/sandftpd \
		$(DESTDIR)$(SBINDIR)/sandftpd-session \
		$(DESTDIR)$(MANDIR)/man8/sandftpd.8 \
		$(DESTDIR)$(MANDIR)/man5/sandftpd.conf.5
	@for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done
	@for f in $(EXAMPLES); do rm -f $(DESTDIR)$(DOCDIR)/examples/$$f; done
	@for d in fail2ban/filter.d fail2ban/jail.d fail2ban pam.d \
		logrotate.d; do \
		rmdir $(DESTDIR)$(DOCDIR)/examples/$$d 2>/dev/null; \
	done; \
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null; \
	true
	@for st in $(ETC_CONFIG) $(ETC_OWNED); do \
		dst=$(DESTDIR)$(SYSCONFDIR)/$${st#*:}; \
		[ -e "$$dst" ] || continue; \
		if cmp -s etc/$${st%%:*} "$$dst"; then rm -f "$$dst"; \
		else echo "kept $$dst (changed since it was installed)"; fi; \
	done
	@rmdir $(DESTDIR)$(SYSCONFDIR)/sandftpd 2>/dev/null; true

clean:
	rm -rf build
