# libFuzzer targets of dovecot-retrieve's parsers (plain GNU make, not
# automake: they need clang while the plugin builds with the configured
# compiler). Every lib-retrieve source is compiled with coverage and
# ASan/UBSan into one archive, so a target links whatever the parser it
# drives needs, and a new source file needs no change here.
#
#   make -f tests/fuzz/fuzz.mk O=BUILDDIR    (run.sh does this)

FUZZ_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
TOP := $(FUZZ_DIR)/../..
O ?= $(TOP)/build-fuzz
CC := clang
DOVECOT_INCLUDE ?= /usr/include/dovecot
DOVECOT_LIBDIR ?= /usr/lib/dovecot
# the per-version files of the Dovecot the targets link (doc/dovecot-2.4.md)
DOVECOT_API ?= 2.3

SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
CFLAGS := -g -O1 -std=gnu99 $(SAN) -DHAVE_CONFIG_H -I$(DOVECOT_INCLUDE) \
	-I$(DOVECOT_INCLUDE)/sieve \
	-I$(TOP)/src/lib-retrieve -I$(TOP)/src/lib-retrieve/dovecot-$(DOVECOT_API) \
	-I$(FUZZ_DIR) -Wall -Wno-unused-parameter -Wno-duplicate-decl-specifier
LIBS := -L$(DOVECOT_LIBDIR) -Wl,-rpath,$(DOVECOT_LIBDIR) \
	-ldovecot-sieve -ldovecot-lda -ldovecot-storage -ldovecot

TARGETS := $(patsubst $(FUZZ_DIR)/%.c,%,$(wildcard $(FUZZ_DIR)/fuzz-*.c))
LIB_SRCS := $(wildcard $(TOP)/src/lib-retrieve/*.c) \
	$(wildcard $(TOP)/src/lib-retrieve/dovecot-$(DOVECOT_API)/*.c)
LIB_OBJS := $(patsubst $(TOP)/src/lib-retrieve/%.c,$(O)/lib/%.o,$(LIB_SRCS))

all: $(addprefix $(O)/,$(TARGETS))

$(O)/lib/%.o: $(TOP)/src/lib-retrieve/%.c $(wildcard $(TOP)/src/lib-retrieve/*.h $(TOP)/src/lib-retrieve/dovecot-$(DOVECOT_API)/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(O)/libretrieve-fuzz.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(O)/fuzz-%: $(FUZZ_DIR)/fuzz-%.c $(FUZZ_DIR)/fuzz-common.h $(O)/libretrieve-fuzz.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(O)/libretrieve-fuzz.a $(LIBS)

.PHONY: all
