#!/usr/bin/env bash
# run.sh - the whole test suite of dovecot-retrieve: the unit tests
# ("make check", one case per unit test binary) and every integration case
# (tests/integration/t-*.sh) against real Dovecot servers on 127.0.0.1.
#
# Usage (from anywhere, as root, after the plugin is built and installed):
#   tests/run.sh [--build] [--no-unit] [--sanitize] [CASE...]
#   tests/run.sh --fuzz [TARGET...]
#   tests/run.sh --dovecot-2.4 [--no-unit] [CASE...]
#
#   --build     first ./autogen.sh, then configure, make and make install in
#               build-test/ (a VPATH build)
#   --no-unit   skip the unit tests
#   --sanitize  the installed build is an ASan+UBSan one (configure
#               --enable-sanitizers; with --build: built in build-sanitize/):
#               runs everything with the ASan runtime preloaded where our
#               modules are loaded, and fails a case on any sanitizer
#               report (see tests/lib-sanitize.sh)
#   --fuzz      only the libFuzzer targets (tests/fuzz/run.sh), each for
#               FUZZ_TIME seconds (default 30); words pick targets
#   --dovecot-2.4  the same cases against Dovecot 2.4.1 in the Debian 13
#               chroot of tools/setup-2.4.sh: builds the tree there
#               (tools/build-2.4.sh, build-2.4/), installs it into
#               build-2.4/it/inst and runs this script in the chroot with
#               that install laid over its /usr/lib/dovecot (a private
#               mount namespace); the unit tests run there too unless
#               --no-unit. The harness writes 2.4 configuration when
#               "dovecot --version" says 2.4 (conf_for_version).
#   CASE...     run only the integration cases whose name contains one of
#               these words (and no unit tests unless "unit" is one of them)
#
# Environment: BUILD_DIR (the configured build tree for "make check";
# default build-test/, build/ or the source tree, whichever is configured),
# KEEP=1 (keep the work dir under /tmp when something failed),
# CASE_TIMEOUT (seconds per integration case, default 300).
#
# Prints "ok NAME" / "FAIL NAME: reason" per case and ends with one line
# "N passed, N failed" (", N skipped" when some were). Exits 1 when
# anything failed.
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 2
CASE_TIMEOUT=${CASE_TIMEOUT:-300}

build=no unit=yes sanitize=no fuzz=no dovecot24=no filters=()
while (($# > 0)); do
	case $1 in
	--build) build=yes ;;
	--no-unit) unit=no ;;
	--sanitize) sanitize=yes ;;
	--fuzz) fuzz=yes ;;
	--dovecot-2.4) dovecot24=yes ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 2 ;;
	*) filters+=("$1") ;;
	esac
	shift
done
if ((${#filters[@]} > 0)); then
	unit=no
	for f in "${filters[@]}"; do
		[[ $f == unit ]] && unit=yes
	done
fi

if [[ $fuzz == yes ]]; then
	exec "$TOP/tests/fuzz/run.sh" ${FUZZ_TIME:+-t "$FUZZ_TIME"} "${filters[@]}"
fi

# --dovecot-2.4, outside the chroot: build and install against 2.4, then
# run this script in the chroot over that install.
if [[ $dovecot24 == yes && -z ${RETRIEVE_IT_24_INST:-} ]]; then
	inst=$TOP/build-2.4/it/inst
	log=$TOP/build-2.4/it/build.log
	mkdir -p "$TOP/build-2.4/it"
	# the unit tests run here (unit-2.4), never the 2.3 build's there
	args=(--no-unit)
	for f in "${filters[@]}"; do
		[[ $f == unit ]] || args+=("$f")
	done
	if ! { tools/setup-2.4.sh && tools/build-2.4.sh &&
		tools/build-2.4.sh -C src/plugins &&
		tools/build-2.4.sh -C src/doveadm &&
		tools/build-2.4.sh -C src/service &&
		tools/build-2.4.sh -C src/settings; } >"$log" 2>&1; then
		echo "FAIL build-2.4: see $log"
		tail -n 25 "$log" | sed 's/^/  | /'
		echo "0 passed, 1 failed"
		exit 1
	fi
	if [[ $unit == yes ]]; then
		# the unit tests against 2.4, as one case before the chroot run
		if tools/build-2.4.sh -C tests check >"$TOP/build-2.4/it/unit.log" 2>&1; then
			echo "ok unit-2.4"; unit_line=ok
		else
			echo "FAIL unit-2.4: see build-2.4/it/unit.log"; unit_line=fail
		fi
	fi
	if ((${#filters[@]} > 0 && ${#args[@]} == 1)); then
		# only "unit" was asked for
		[[ ${unit_line:-} == ok ]] && { echo "1 passed, 0 failed"; exit 0; }
		echo "0 passed, 1 failed"
		exit 1
	fi
	tools/in-2.4.sh env RETRIEVE_IT_24_INST="$inst" KEEP="${KEEP:-0}" \
		CASE_TIMEOUT="$CASE_TIMEOUT" RETRIEVE_IT_24_UNIT="${unit_line:-}" \
		bash tests/run.sh --dovecot-2.4 "${args[@]}"
	exit
fi

passed=0 failed=0 skipped=0
if [[ -n ${RETRIEVE_IT_24_INST:-} ]]; then
	# in the chroot (tools/in-2.4.sh's private mount namespace): our
	# 2.4 build (installed here: make must see the chroot's headers)
	# over the chroot's Dovecot, where Dovecot looks for modules
	rm -rf "$RETRIEVE_IT_24_INST"
	for d in lib-retrieve plugins doveadm service settings; do
		make -s -C "build-2.4/src/src/$d" install DESTDIR="$RETRIEVE_IT_24_INST" \
			>>build-2.4/it/build.log 2>&1 ||
			{ echo "FAIL install-2.4: see build-2.4/it/build.log"; echo "0 passed, 1 failed"; exit 1; }
	done
	mount -t overlay overlay \
		-o lowerdir="$RETRIEVE_IT_24_INST/usr/lib/dovecot:/usr/lib/dovecot" \
		/usr/lib/dovecot || { echo "FAIL overlay of $RETRIEVE_IT_24_INST"; exit 1; }
	# the cases expect "localhost" to be 127.0.0.1 alone (t-25), as the
	# test hosts' /etc/hosts has it; the chroot's also names ::1
	echo "127.0.0.1 localhost" >build-2.4/it/hosts
	mount --bind build-2.4/it/hosts /etc/hosts
	case ${RETRIEVE_IT_24_UNIT:-} in
	ok) passed=1 ;;
	fail) failed=1 ;;
	esac
fi
LOGDIR=$(mktemp -d /tmp/retrieve-tests.XXXXXX)

count() { # ok|fail|skip
	case $1 in
	ok) passed=$((passed + 1)) ;;
	skip) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
}

# report NAME LOGFILE REASON: a failed case with the tail of its log.
report_fail() {
	echo "FAIL $1: $3"
	[[ -s $2 ]] && tail -n 25 "$2" | sed 's/^/  | /'
	count fail
}

# summary: stop the servers, then print the closing line - the last line
# of the output - and exit.
summary() {
	local line="$passed passed, $failed failed" keep=
	((skipped > 0)) && line+=", $skipped skipped"
	[[ ${KEEP:-0} == 1 ]] && ((failed > 0)) && keep=keep
	if [[ -n ${IT_WORK:-} ]]; then
		world_teardown "$keep"
		IT_WORK='' WORLD_PIDS=()
	fi
	[[ $sanitize == yes && -n ${SANITIZE_LOG_DIR:-} ]] && sanitize_finish
	if [[ -n $keep ]]; then
		echo "logs kept: $LOGDIR" >&2
	else
		rm -rf "$LOGDIR"
	fi
	echo "$line"
	((failed == 0))
	exit
}

# ------------------------------------------------------------------ build

build_dir=build-test configure_args=()
if [[ $sanitize == yes ]]; then
	build_dir=build-sanitize configure_args=(--enable-sanitizers)
fi
if [[ $build == yes ]]; then
	log=$LOGDIR/build.log
	if { ./autogen.sh && mkdir -p "$build_dir" && cd "$build_dir" &&
		../configure --with-dovecot=/usr/lib/dovecot "${configure_args[@]}" &&
		make && make install; } >"$log" 2>&1; then
		echo "ok build"
		count ok
	else
		report_fail build "$log" "autogen/configure/make/make install failed"
		summary
	fi
	cd "$TOP" || exit 2
	BUILD_DIR=${BUILD_DIR:-$TOP/$build_dir}
fi

if [[ $sanitize == yes ]]; then
	# shellcheck source=tests/lib-sanitize.sh
	source "$TOP/tests/lib-sanitize.sh"
	if ! sanitize_setup >"$LOGDIR/sanitize.setup"; then
		echo "FAIL sanitize: $(cat "$LOGDIR/sanitize.setup")"
		count fail
		summary
	fi
fi

# sanitize_verdict NAME [PATH...]: after each case, a sanitizer report
# (UBSan's in PATHs) fails it.
sanitize_verdict() {
	[[ $sanitize == yes ]] || return 0
	sanitize_check "$@" >"$LOGDIR/sanitize.out" && return 0
	echo "FAIL $1: sanitizer report"
	cat "$LOGDIR/sanitize.out"
	return 1
}

# ------------------------------------------------------------------- unit

find_build_dir() {
	local d
	for d in "${BUILD_DIR:-}" "$TOP/build-test" "$TOP/build" "$TOP"; do
		[[ -n $d && -f $d/tests/Makefile ]] && { echo "$d"; return 0; }
	done
	return 1
}

run_unit_tests() {
	local b log programs prog name
	if ! b=$(find_build_dir); then
		echo "FAIL unit: no configured build tree (set BUILD_DIR or use --build)"
		count fail
		return
	fi
	log=$LOGDIR/unit-build.log
	# AM_MAINTAINER_MODE: make does not regenerate a Makefile from a newer
	# Makefile.in (e.g. after autogen.sh added a unit test); config.status does.
	if [[ $TOP/tests/Makefile.in -nt $b/tests/Makefile || $TOP/Makefile.in -nt $b/Makefile ]]; then
		(cd "$b" && ./config.status) >"$log" 2>&1 ||
			{ report_fail unit "$log" "config.status in $b failed"; return; }
	fi
	if ! make -C "$b" >>"$log" 2>&1; then
		report_fail unit "$log" "make in $b failed"
		return
	fi
	# The unit test binaries, as tests/Makefile.am lists them.
	programs=$(make -s -C "$b/tests" -f Makefile -f <(printf 'print-test-programs:\n\t@echo $(test_programs)\n') \
		print-test-programs 2>/dev/null)
	if [[ -z $programs ]]; then
		# No list to split by: the whole "make check" is one case.
		log=$LOGDIR/unit.log
		if make -C "$b" check >"$log" 2>&1; then
			echo "ok unit"; count ok
		else
			report_fail unit "$log" "make check failed"
		fi
		return
	fi
	for prog in $programs; do
		name=unit/$(basename "$prog")
		log=$LOGDIR/$(basename "$prog").log
		# make check with test_programs narrowed to this one binary: builds
		# it and runs it the way "make check" does (valgrind wrapper).
		if make -C "$b/tests" check "test_programs=$prog" >"$log" 2>&1; then
			if sanitize_verdict "$name" "$log"; then
				echo "ok $name"; count ok
			else
				count fail
			fi
		else
			report_fail "$name" "$log" "make check failed"
			sanitize_verdict "$name" "$log"
		fi
	done
}

[[ $unit == yes ]] && run_unit_tests

# ------------------------------------------------------------ integration

cases=()
for f in "$TOP"/tests/integration/t-*.sh; do
	name=$(basename "$f" .sh)
	name=${name#t-}
	if ((${#filters[@]} > 0)); then
		match=no
		for w in "${filters[@]}"; do
			[[ $name == *"$w"* ]] && match=yes
		done
		[[ $match == yes ]] || continue
	fi
	cases+=("$f")
done

if ((${#cases[@]} > 0)); then
	# shellcheck source=tests/integration/lib.sh
	source "$TOP/tests/integration/lib.sh"
	if [[ $(id -u) != 0 ]]; then
		echo "FAIL integration: must run as root (starts Dovecot instances)"
		count fail
		summary
	fi
	# In a subshell, so that a failing setup (die) is reported here; what it
	# had started is stopped again.
	if ! (
		trap 'rc=$?; ((rc == 0)) || world_teardown' EXIT
		world_setup && echo "$IT_WORK" >"$LOGDIR/work"
	) >"$LOGDIR/setup.log" 2>&1 || [[ ! -s $LOGDIR/work ]]; then
		report_fail integration-setup "$LOGDIR/setup.log" "could not start the test servers"
		summary
	fi
	IT_WORK=$(cat "$LOGDIR/work")
	export IT_WORK
	world_env
	world_record_pids
	trap 'world_teardown "$([[ ${KEEP:-0} == 1 && $failed -gt 0 ]] && echo keep)"' EXIT
	for f in "${cases[@]}"; do
		name=$(basename "$f" .sh)
		name=${name#t-}
		if [[ ! -d $IT_WORK/etc ]]; then
			echo "FAIL $name: the work dir $IT_WORK was removed by someone else"
			count fail
			continue
		fi
		rc=0
		case_start=$SECONDS
		timeout "$CASE_TIMEOUT" bash "$f" || rc=$?
		# slow cases are named, so that the CI time budget can be kept
		((SECONDS - case_start < 30)) ||
			echo "  ($name took $((SECONDS - case_start))s)"
		verdict=$(cat "$IT_WORK/verdicts/$name" 2>/dev/null)
		sanitize_verdict "$name" "$IT_WORK" || rc=1 verdict=fail
		case $rc in
		0) count ok ;;
		77) count skip ;;
		*)
			count fail
			if [[ $verdict != fail ]]; then
				[[ $rc == 124 ]] && echo "FAIL $name: timed out after ${CASE_TIMEOUT}s" ||
					echo "FAIL $name: exited with status $rc"
			fi
			;;
		esac
		# A case must not take the servers down for the next ones.
		for inst in $INSTANCES; do
			if ! instance_running "$inst"; then
				echo "  (dovecot instance $inst had stopped; restarting it)"
				(world_instance_start "$inst") || echo "  (restart of $inst failed)"
				world_record_pids
			fi
		done
	done
fi

summary
