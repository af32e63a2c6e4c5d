# shellcheck shell=bash
# lib-assert.sh - verdicts of a case (pass, skip, fail with the logs that
# help), doveadm runs and the assertions on their outcome (sourced by
# lib.sh).

# rss_ok KIB LIMIT_KIB: whether a peak RSS is under its limit. Under
# --sanitize ASan's shadow memory and quarantine make RSS say nothing
# about ours, so there it always holds: the plain suite's run is the
# one that measures.
rss_ok() {
	[[ -n ${SANITIZE_LOG_DIR:-} ]] || (($1 < $2))
}

case_pass() {
	echo "ok $CASE" >&3
	echo ok >"$IT_WORK/verdicts/$CASE"
	exit 0
}

# case_skip REASON: the case cannot run here (exit 77).
case_skip() {
	echo "skip $CASE: $*"
	echo skip >"$IT_WORK/verdicts/$CASE"
	exit 77
}

# fail REASON: report, dump what helps, end the case - also when called
# inside a command substitution (the subshell signals the case's shell).
fail() {
	{
		echo "FAIL $CASE: $*"
		dump_context
	} >&3
	echo fail >"$IT_WORK/verdicts/$CASE"
	[[ $BASHPID != "$$" ]] && kill -USR1 $$
	exit 1
}

# dump_context: the last doveadm run and this case's part of every log
# (not when NO_DUMP is set).
dump_context() {
	local name off
	[[ -n ${NO_DUMP:-} ]] && return 0
	{
		if [[ -n $RUN_RC ]]; then
			echo "  --- last run: ${RUN_CMD:-} (exit $RUN_RC)"
			sed 's/^/  | /' "$RUN_OUT" | tail -n 20
			echo "  --- its stderr"
			sed 's/^/  | /' "$RUN_ERR" | tail -n 30
		fi
		for name in $INSTANCES; do
			off=LOG_OFFSET_$name
			[[ -s $IT_WORK/$name/log/dovecot.log ]] || continue
			if [[ $(stat -c %s "$IT_WORK/$name/log/dovecot.log") -gt ${!off:-0} ]]; then
				echo "  --- $name dovecot.log (this case, last lines)"
				tail -c +"$((${!off:-0} + 1))" "$IT_WORK/$name/log/dovecot.log" |
					tail -n 15 | sed 's/^/  | /'
			fi
		done
		for name in ${CASE_FAKES:-}; do
			echo "  --- fake server $name (last lines)"
			tail -n 15 "$IT_WORK/fake/$name.log" | sed 's/^/  | /'
		done
	} 2>/dev/null
}

assert_eq() { # EXPECTED ACTUAL WHAT
	[[ $1 == "$2" ]] || fail "$3: expected '$1', got '$2'"
}

assert_ne() { # UNEXPECTED ACTUAL WHAT
	[[ $1 != "$2" ]] || fail "$3: got '$2'"
}

assert_contains() { # HAYSTACK NEEDLE WHAT (fixed string)
	[[ $1 == *"$2"* ]] || fail "$3: '$2' not in '$(head -c 400 <<<"$1")'"
}

assert_not_contains() { # HAYSTACK NEEDLE WHAT
	[[ $1 != *"$2"* ]] || fail "$3: '$2' found"
}

assert_match() { # STRING ERE WHAT (case-insensitive)
	grep -qiE -- "$2" <<<"$1" || fail "$3: '$(head -c 400 <<<"$1")' does not match /$2/"
}

assert_file_same() { # EXPECTED_FILE ACTUAL_FILE WHAT
	cmp -s "$1" "$2" && return 0
	fail "$3: $(cmp "$1" "$2" 2>&1 | head -1); first differing bytes:
$(cmp -l "$1" "$2" 2>&1 | head -5)"
}

# assert_remote_login USER ERE: USER logged in to a remote server, every
# login line matching ERE (e.g. "method=APOP", ", TLS,").
assert_remote_login() {
	local lines
	lines=$(remote_logins "$1")
	[[ -n $lines ]] || fail "no remote login of $1 logged"
	grep -vqE -- "$2" <<<"$lines" && fail "remote login of $1 not /$2/: $(grep -vE -- "$2" <<<"$lines" | head -1)"
	return 0
}

# assert_message_once USER FOLDER MSGID: exactly one copy of a message
# in the folder and none elsewhere.
assert_message_once() {
	local n_here n_all
	n_here=$(local_find "$1" "$2" "Message-ID: <$3@retrieve-it>" | grep -c .)
	n_all=$(local_find_all "$1" "Message-ID: <$3@retrieve-it>" | grep -c .)
	[[ $n_here == 1 && $n_all == 1 ]] ||
		fail "message $3: $n_here copies in $1/$2, $n_all in all folders (want 1, 1)"
}

plugin_installed() {
	[[ -e $MODULE_DIR/doveadm/lib10_doveadm_retrieve_plugin.so ]]
}

# doveadm_run NAME CONF ARGS...: run doveadm (bounded), capture output in
# $CASE_OUT/NAME-<seq>.{out,err}; sets RUN_OUT, RUN_ERR, RUN_RC, RUN_CMD.
doveadm_run() {
	local name=$1 conf=$2
	shift 2
	RUN_SEQ=$((RUN_SEQ + 1))
	RUN_OUT=$CASE_OUT/$name-$RUN_SEQ.out
	RUN_ERR=$CASE_OUT/$name-$RUN_SEQ.err
	RUN_CMD="doveadm -c $(basename "$conf") $*"
	RUN_RC=0
	# a config a case wrote itself (printf), in the syntax of the Dovecot
	# under test
	conf_for_version "$conf"
	# (in a subshell that reports a crash by its exit code, not on stderr)
	(timeout "$RUN_TIMEOUT" doveadm -c "$conf" "$@" >"$RUN_OUT" 2>"$RUN_ERR"; exit $?) \
		2>/dev/null || RUN_RC=$?
	[[ $RUN_RC == 124 ]] && fail "'$RUN_CMD' did not finish in ${RUN_TIMEOUT}s"
	check_run_log
}

# check_run_log: Dovecot reports a panic, a fatal error or a leaked
# resource (fd, timeout, memory pool) on stderr: always a bug.
check_run_log() {
	local bad
	bad=$(grep -aE 'Panic:|Fatal:|(Timeout|IO wait timer) leak:|Leaked |fd leak' "$RUN_ERR" | head -1)
	((RUN_RC < 128)) || fail "'$RUN_CMD' died of signal $((RUN_RC - 128))${bad:+, after: $bad}"
	[[ -z $bad ]] || fail "'$RUN_CMD' logged: $bad"
	return 0
}

require_plugin() {
	plugin_installed || NO_DUMP=1 fail "plugin not installed: $MODULE_DIR/doveadm/lib10_doveadm_retrieve_plugin.so"
}

# retrieve_run USER [ARGS]: doveadm retrieve run -u USER (tab output).
# The config is $RUN_CONF when set (e.g. $LOCAL_PLAINTEXT_CONF).
retrieve_run() {
	local user=$1
	shift
	require_plugin
	doveadm_run run "${RUN_CONF:-$LOCAL_CONF}" ${RETRIEVE_DEBUG:+-D} -f tab \
		retrieve run -u "$user" "$@"
}

# retrieve_cmd SUBCOMMAND USER: doveadm retrieve status|list -u USER.
retrieve_cmd() {
	require_plugin
	doveadm_run "$1" "${RUN_CONF:-$LOCAL_CONF}" -f tab retrieve "$1" -u "$2"
}

# retrieve_run_bg USER [ARGS]: retrieve_run in the background; sets
# BG_PID, BG_OUT, BG_ERR. Collect with retrieve_wait_bg.
retrieve_run_bg() {
	retrieve_spawn bg "$@"
	BG_PID=$SPAWN_PID BG_OUT=$SPAWN_OUT BG_ERR=$SPAWN_ERR
}

# retrieve_spawn bg|killable USER [ARGS]: doveadm retrieve run -u USER in
# the background, output into $CASE_OUT/KIND-<seq>.{out,err}; bg bounded
# by RUN_TIMEOUT, killable a direct child (its pid is doveadm's). Sets
# SPAWN_PID, SPAWN_OUT, SPAWN_ERR.
retrieve_spawn() {
	local kind=$1 user=$2 cmd
	shift 2
	require_plugin
	RUN_SEQ=$((RUN_SEQ + 1))
	SPAWN_OUT=$CASE_OUT/$kind-$RUN_SEQ.out
	SPAWN_ERR=$CASE_OUT/$kind-$RUN_SEQ.err
	cmd=(doveadm -c "${RUN_CONF:-$LOCAL_CONF}" -f tab retrieve run -u "$user" "$@")
	conf_for_version "${RUN_CONF:-$LOCAL_CONF}"
	if [[ $kind == killable ]]; then
		"${cmd[@]}" >"$SPAWN_OUT" 2>"$SPAWN_ERR" &
	else
		(timeout "$RUN_TIMEOUT" "${cmd[@]}" >"$SPAWN_OUT" 2>"$SPAWN_ERR"; exit $?) 2>/dev/null &
	fi
	SPAWN_PID=$!
}

# retrieve_wait_bg: wait for the background run; it becomes the "last
# run" (RUN_OUT, RUN_ERR, RUN_RC) for the assertions.
retrieve_wait_bg() {
	RUN_RC=0
	wait "$BG_PID" || RUN_RC=$?
	RUN_OUT=$BG_OUT RUN_ERR=$BG_ERR RUN_CMD="(background) retrieve run"
	[[ $RUN_RC == 124 ]] && fail "background run did not finish in ${RUN_TIMEOUT}s"
	check_run_log
}

# field ACCOUNT COLUMN [FILE]: the COLUMN value of ACCOUNT's row in a tab
# output (header line + rows); default the last run's output.
field() {
	local file=${3:-$RUN_OUT}
	awk -F'\t' -v acct="$1" -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		!(col in idx) || !("account" in idx) { exit 2 }
		$idx["account"] == acct { print $idx[col]; found = 1; exit }
		END { if (!found) exit 1 }' "$file"
}

# run_field ACCOUNT COLUMN: like field, failing the case when absent.
run_field() {
	local v rc=0
	v=$(field "$1" "$2") || rc=$?
	case $rc in
	0) echo "$v" ;;
	2) fail "no column '$2' in the output header: $(head -1 "$RUN_OUT")" ;;
	*) fail "no row for account '$1' in the output" ;;
	esac
}

# assert_result ACCOUNT RESULT: the last run's result column.
assert_result() {
	local got
	got=$(run_field "$1" result) || exit 1
	[[ $got == "$2" ]] ||
		fail "account $1: result '$got', expected '$2' (error: $(field "$1" error))"
}

assert_run_ok() {
	((RUN_RC < 128)) || fail "'$RUN_CMD' died of signal $((RUN_RC - 128))"
	[[ $RUN_RC == 0 ]] || fail "'$RUN_CMD' exited $RUN_RC, expected 0"
}

assert_run_failed() {
	[[ $RUN_RC != 0 ]] || fail "'$RUN_CMD' exited 0, expected non-zero"
	((RUN_RC < 128)) || fail "'$RUN_CMD' died of signal $((RUN_RC - 128))"
}

# assert_error_logged USER ACCOUNT ERE: the last run logged one line
# naming user, account and a cause matching ERE.
assert_error_logged() {
	grep -F -- "$1" "$RUN_ERR" | grep -F -- "$2" | grep -iE -- "$3" >/dev/null ||
		fail "no stderr line naming user $1, account $2 and /$3/"
}

# user_field USER ACCOUNT COLUMN [FILE]: like field, for output with one
# row per user and account (-A, -F: doveadm's "Username" column).
user_field() {
	awk -F'\t' -v user="$1" -v acct="$2" -v col="$3" '
		NR == 1 {
			for (i = 1; i <= NF; i++) idx[$i] = i
			u = ("Username" in idx) ? idx["Username"] : \
				("username" in idx) ? idx["username"] : idx["user"]
			next
		}
		!(col in idx) || !("account" in idx) || !u { exit 2 }
		$u == user && $idx["account"] == acct { print $idx[col]; found = 1; exit }
		END { if (!found) exit 1 }' "${4:-$RUN_OUT}"
}

# assert_user_result USER ACCOUNT RESULT: the last run's result for one
# user's account (multi-user output).
assert_user_result() {
	local got rc=0
	got=$(user_field "$1" "$2" result) || rc=$?
	((rc == 0)) || fail "no result for user $1 account $2 in: $(head -c 600 "$RUN_OUT")"
	[[ $got == "$3" ]] ||
		fail "user $1 account $2: result '$got', expected '$3' (error: $(user_field "$1" "$2" error))"
}

# retrieve_start_killable USER [ARGS]: doveadm retrieve run in the
# background, as a direct child (no timeout wrapper), so that KILL_PID is
# doveadm itself. Output into KILL_OUT / KILL_ERR.
retrieve_start_killable() {
	retrieve_spawn killable "$@"
	KILL_PID=$SPAWN_PID KILL_OUT=$SPAWN_OUT KILL_ERR=$SPAWN_ERR
}
