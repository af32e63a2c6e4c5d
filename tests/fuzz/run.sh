#!/usr/bin/env bash
# run.sh - builds the libFuzzer targets (clang, ASan+UBSan) and runs each
# for a bounded time. First every input of its seed corpus
# (tests/fuzz/corpus/TARGET/, which also keeps the regression inputs of
# past findings) is run once, then it fuzzes from that corpus.
#
# Usage: tests/fuzz/run.sh [-t SECONDS] [TARGET...]
#
#   -t SECONDS  fuzzing time per target (default $FUZZ_TIME or 30)
#   TARGET      pop3-reply, url, settings, state, imap-fetch, imap-folders,
#               spamd-reply, rspamd-reply, spam-envelope,
#               oauth2-token-reply
#               (default: all)
#
# Environment: FUZZ_BUILD (build directory, default build-fuzz/ in the
# source tree), FUZZ_WORK (where new inputs and findings go, default a
# temporary directory, kept when something was found).
#
# Prints "ok fuzz/TARGET: ..." or "FAIL fuzz/TARGET: ..." per target and
# ends with "N passed, N failed". Exits 1 on any finding.
#
# A finding (crash-*, leak-*, timeout-*, oom-* in the work dir): minimise
# it with "build-fuzz/fuzz-TARGET -minimize_crash=1 -runs=10000 FILE",
# add it to tests/fuzz/corpus/TARGET/regress-WHAT and report it.
set -u

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
time=${FUZZ_TIME:-30}
while (($# > 0)); do
	case $1 in
	-t) time=$2; shift ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
targets=("$@")
if ((${#targets[@]} == 0)); then
	for f in "$TOP"/tests/fuzz/fuzz-*.c; do
		f=$(basename "$f" .c)
		targets+=("${f#fuzz-}")
	done
fi

build=${FUZZ_BUILD:-$TOP/build-fuzz}
work=${FUZZ_WORK:-$(mktemp -d /tmp/retrieve-fuzz.XXXXXX)}
mkdir -p "$build" "$work"
passed=0 failed=0

if ! make -s -C "$TOP" -f tests/fuzz/fuzz.mk O="$build" -j"$(nproc)" \
	>"$work/build.log" 2>&1; then
	echo "FAIL fuzz/build: clang build of the fuzz targets failed"
	grep -E 'error' "$work/build.log" | head -20 | sed 's/^/  | /'
	echo "0 passed, 1 failed"
	exit 1
fi

# Leaks are findings too (LeakSanitizer runs at the end of each input
# batch); Dovecot's own one-time allocations at lib_init are not leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for t in "${targets[@]}"; do
	bin=$build/fuzz-$t seeds=$TOP/tests/fuzz/corpus/$t
	log=$work/$t.log
	if [[ ! -x $bin || ! -d $seeds ]]; then
		echo "FAIL fuzz/$t: no such target (or no seed corpus)"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$work/$t"
	# the seeds, each once: regression inputs of past findings
	if ! "$bin" "$seeds"/* >"$log" 2>&1; then
		echo "FAIL fuzz/$t: a seed input fails: $(sed -n 's/^Running: //p' "$log" | tail -1)"
		grep -aE 'ERROR|SUMMARY|runtime error|Panic|Fatal' "$log" | head -5 | sed 's/^/  | /'
		failed=$((failed + 1))
		continue
	fi
	# new inputs go to the first directory, the seeds stay untouched
	if "$bin" -max_total_time="$time" -timeout=10 -rss_limit_mb=1024 \
		-max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$work/$t-" "$work/$t" "$seeds" >>"$log" 2>&1; then
		runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" |
			tail -1 | grep -oE '[0-9]+$')
		cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
		echo "ok fuzz/$t: ${runs:-?} runs in ${time}s, ${cov:-cov: ?}"
		passed=$((passed + 1))
	else
		artifact=$(ls "$work/$t"-{crash,leak,timeout,oom,slow-unit}-* 2>/dev/null | head -1)
		echo "FAIL fuzz/$t: finding ${artifact:-(no artifact, see $log)}"
		grep -aE 'ERROR|SUMMARY|runtime error|Panic|Fatal' "$log" | head -5 | sed 's/^/  | /'
		failed=$((failed + 1))
	fi
done

if ((failed > 0)); then
	echo "fuzz work dir kept: $work" >&2
elif [[ -z ${FUZZ_WORK:-} ]]; then
	rm -rf "$work"
fi
echo "$passed passed, $failed failed"
((failed == 0))
