# shellcheck shell=bash
# lib-sanitize.sh - tests/run.sh --sanitize: runs the suite against an
# installed build configured with --enable-sanitizers (ASan + UBSan) and
# makes every sanitizer report a failure of the case that caused it.
#
# Our modules are dlopen()ed by programs that are not instrumented
# (doveadm, Dovecot's services), and the ASan runtime must be the first
# library of a process: it is preloaded into
#   - doveadm, through a wrapper first in PATH (and kept across its
#     re-execution through doveconf by DOVECOT_PRESERVE_ENVS);
#   - the children of the Dovecot instances the tests start (the local
#     one and the service cases' ones), through import_environment
#     (master filters its environment), with default_vsz_limit = 0 since
#     ASan reserves terabytes of address space for its shadow memory.
# Leak detection is off: Dovecot's processes exit without freeing
# everything, and valgrind already checks the unit tests for leaks.
# ASan reports go to files in SANITIZE_LOG_DIR (world-writable: the
# processes run as the mail user too). gcc's UBSan ignores log_path
# beside ASan: its reports ("runtime error: ...") go to stderr, which
# the harness keeps in the work dir (doveadm's *.err, the instances'
# logs, where master puts its children's stderr), and it stops the
# process (halt_on_error). After each case, a new ASan file or a new
# "runtime error:" line in the work dir fails it.

# sanitize_setup: exports the environment; prints an error and returns
# 1 when the installed module is not a sanitizer build.
sanitize_setup() {
	local module=/usr/lib/dovecot/libdovecot-retrieve.so
	SANITIZE_LIBASAN=$(ldd "$module" 2>/dev/null | awk '/libasan/ { print $3; exit }')
	if [[ -z $SANITIZE_LIBASAN || ! -e $SANITIZE_LIBASAN ]]; then
		echo "installed $module is not built with --enable-sanitizers"
		return 1
	fi
	SANITIZE_LOG_DIR=$(mktemp -d /tmp/retrieve-sanitize.XXXXXX)
	chmod 1777 "$SANITIZE_LOG_DIR"
	mkdir -p "$SANITIZE_LOG_DIR/bin" "$SANITIZE_LOG_DIR/reported"
	chmod 755 "$SANITIZE_LOG_DIR/bin"
	export SANITIZE_LOG_DIR SANITIZE_LIBASAN
	export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:disable_coredump=1:log_path=$SANITIZE_LOG_DIR/asan"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
	# run-test.sh: valgrind cannot run ASan binaries
	export NOVALGRIND=1
	local real
	real=$(command -v doveadm) || { echo "no doveadm in PATH"; return 1; }
	cat >"$SANITIZE_LOG_DIR/bin/doveadm" <<WRAP
#!/bin/sh
# doveadm re-executes itself through doveconf, which keeps only these
DOVECOT_PRESERVE_ENVS="LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS \${DOVECOT_PRESERVE_ENVS:-}"
LD_PRELOAD=$SANITIZE_LIBASAN\${LD_PRELOAD:+:\$LD_PRELOAD}
export DOVECOT_PRESERVE_ENVS LD_PRELOAD
exec $real "\$@"
WRAP
	chmod 755 "$SANITIZE_LOG_DIR/bin/doveadm"
	export PATH=$SANITIZE_LOG_DIR/bin:$PATH
	# appended to the local and service instances' dovecot.conf
	IT_LOCAL_CONF_EXTRA="default_vsz_limit = 0
import_environment = TZ CORE_OUTOFMEM CORE_ERROR LISTEN_PID LISTEN_FDS NOTIFY_SOCKET ASAN_OPTIONS UBSAN_OPTIONS LD_PRELOAD=$SANITIZE_LIBASAN"
	export IT_LOCAL_CONF_EXTRA
}

# sanitize_ubsan_lines PATH...: the "runtime error:" lines in PATHs
# (in directories: the logs and captured stderr, not the mail)
sanitize_ubsan_lines() {
	grep -rah --include='*.log' --include='*.err' --include='*.out' \
		-- 'runtime error: ' "$@" 2>/dev/null
}

# sanitize_check NAME [PATH...]: 0 when no sanitizer reported anything
# since the last check; otherwise prints the reports' first lines, moves
# them aside and returns 1. PATHs (files or directories) are searched
# for UBSan's lines; the count seen so far is remembered.
sanitize_check() {
	local name=$1 f found=() seen_file seen now rc=0
	shift
	if (($# > 0)); then
		seen_file=$SANITIZE_LOG_DIR/ubsan.seen.$(printf '%s' "$*" | md5sum | cut -c1-12)
		seen=$(cat "$seen_file" 2>/dev/null || echo 0)
		now=$(sanitize_ubsan_lines "$@" | grep -c .)
		if ((now > seen)); then
			echo "  --- UBSan: $((now - seen)) new report(s)"
			sanitize_ubsan_lines "$@" | tail -n $((now - seen)) | head -n 5 | sed 's/^/  | /'
			rc=1
		fi
		echo "$now" >"$seen_file"
	fi
	for f in "$SANITIZE_LOG_DIR"/asan.* "$SANITIZE_LOG_DIR"/ubsan.[0-9]*; do
		[[ -s $f ]] && found+=("$f")
	done
	((${#found[@]} == 0)) && return $rc
	mkdir -p "$SANITIZE_LOG_DIR/reported/$name"
	for f in "${found[@]}"; do
		echo "  --- sanitizer report $(basename "$f")"
		grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ ' "$f" | head -n 14 | sed 's/^/  | /'
		mv "$f" "$SANITIZE_LOG_DIR/reported/$name/"
	done
	return 1
}

# sanitize_finish: removes the report dir unless something was reported
sanitize_finish() {
	if [[ -n $(ls -A "$SANITIZE_LOG_DIR/reported") ]]; then
		echo "sanitizer reports kept: $SANITIZE_LOG_DIR/reported" >&2
	else
		rm -rf "$SANITIZE_LOG_DIR"
	fi
}
