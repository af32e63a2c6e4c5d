#!/usr/bin/env bash
# Hostile POP3 scenarios (cases t-60..t-69), sourced by lib.sh: one
# fake-pop3.py server per scenario, hostile for its first connection(s),
# then well-behaved ("normal"), and a local user with a keep=no account
# on it. Every scenario checks that nothing is lost (a message gone from
# the server has an intact local copy), nothing truncated is delivered,
# no message is delivered more than twice, no Panic/Fatal (doveadm_run),
# bounded time, one error line (none when the run is ok), and that the
# next healthy run recovers every message.

# Timeouts of the scenarios' config (admin settings, plugin block)
HOSTILE_TIMEOUT=3
HOSTILE_MESSAGE_TIMEOUT=4

# hostile_conf: the config the scenarios run with ($RUN_CONF).
hostile_conf() {
	RUN_CONF=$(local_conf_variant local-hostile <<CONF
plugin {
  retrieve_timeout = ${HOSTILE_TIMEOUT}s
  retrieve_message_timeout = ${HOSTILE_MESSAGE_TIMEOUT}s
  retrieve_max_message_size = 50M
}
CONF
) || exit 1
}

# hostile_msgs NAME: three messages NAME-1..3 (2 is ~40 KB, its lines
# include ones beginning with "."), each ending with END-OF-NAME-N;
# prints their paths.
hostile_msgs() {
	local name=$1 body
	make_msg "$name-1" "Hostile one" "Small one.
END-OF-$name-1"
	body=$(for i in $(seq 800); do
		echo "line $i of a longer message, with some text in it"
		((i % 100 == 0)) && echo ".dotted line $i"
	done)
	make_msg "$name-2" "Hostile two" "BEGIN-OF-$name-2
$body
END-OF-$name-2"
	make_msg "$name-3" "Hostile three" "Small three.
END-OF-$name-3"
}

# hostile_check USER NAME WHAT: nothing lost, nothing truncated, at most
# one duplicate, for the messages NAME-1..3.
hostile_check() {
	local user=$1 name=$2 what=$3 n f copies on_server
	for n in 1 2 3; do
		copies=$(local_find_all "$user" "Message-ID: <$name-$n@retrieve-it>")
		for f in $copies; do
			grep -qF "END-OF-$name-$n" "$f" ||
				fail "$what: a truncated copy of $name-$n was delivered: $f"
		done
		copies=$(grep -c . <<<"$copies" || true)
		((copies <= 2)) || fail "$what: $copies copies of $name-$n"
		on_server=$(grep -cx "$name-$n" "$IT_WORK/fake/$name.state" || true)
		((copies > 0 || on_server > 0)) ||
			fail "$what: $name-$n is lost: deleted on the server, no local copy"
	done
}

# hostile_error_lines: the last run's error lines (stderr)
hostile_error_lines() {
	grep -cE '(^|: )Error: ' "$RUN_ERR" || true
}

# hostile_skip NAME: true when H_ONLY (a scenario name) excludes NAME
hostile_skip() {
	[[ -n ${H_ONLY:-} && $1 != "$H_ONLY" ]]
}

# hostile_scenario NAME SCRIPT RESULT [FIELD=VALUE...]: SCRIPT's
# comma-separated modes, one run each (each must end RESULT), then a
# healthy run. Optional checks of the first hostile run, set before:
#   H_ERROR   ERE the error column must match
#   H_WARN    ERE a stderr line must match
#   H_SKIPPED the skipped column's value
#   H_DELETED the deleted column's value
#   H_MAX_SECS the most a hostile run may take (default 2 x timeout + 4)
# H_ONLY=NAME in the environment runs only scenario NAME.
# They are reset after the scenario.
hostile_scenario() {
	local name=$1 script=$2 result=$3 user=$1-dst mode runs=0 start ms n
	shift 3
	local max_ms=$((${H_MAX_SECS:-$((2 * HOSTILE_TIMEOUT + 4))} * 1000))

	if hostile_skip "$name"; then
		unset H_ERROR H_WARN H_SKIPPED H_DELETED H_MAX_SECS
		return 0
	fi

	fake_pop3_start "$name" "$script,normal" $(hostile_msgs "$name")
	local_user "$user" $(fake_acct retrieve) "$@"
	IFS=, read -ra modes <<<"$script"
	for mode in "${modes[@]}"; do
		runs=$((runs + 1))
		start=$(date +%s%N)
		retrieve_run "$user"
		ms=$((($(date +%s%N) - start) / 1000000))
		((ms <= max_ms)) || fail "$name ($mode): the run took $ms ms (at most $max_ms)"
		hostile_check "$user" "$name" "$name ($mode, run $runs)"
		assert_result retrieve "$result"
		n=$(hostile_error_lines)
		if [[ $result == ok ]]; then
			assert_run_ok
			assert_eq 0 "$n" "$name ($mode): error lines"
		else
			assert_run_failed
			assert_eq 1 "$n" "$name ($mode): error lines"
			assert_error_logged "$user" retrieve "."
		fi
		if ((runs == 1)); then
			[[ -z ${H_ERROR:-} ]] ||
				assert_match "$(run_field retrieve error)" "$H_ERROR" "$name: error column"
			[[ -z ${H_WARN:-} ]] || grep -iE -- "$H_WARN" "$RUN_ERR" >/dev/null ||
				fail "$name: no stderr line matching /$H_WARN/"
			[[ -z ${H_SKIPPED:-} ]] ||
				assert_eq "$H_SKIPPED" "$(run_field retrieve skipped)" "$name: skipped column"
			[[ -z ${H_DELETED:-} ]] ||
				assert_eq "$H_DELETED" "$(run_field retrieve deleted)" "$name: deleted column"
		fi
	done

	retrieve_run "$user"
	assert_run_ok
	assert_result retrieve ok
	hostile_check "$user" "$name" "$name (healthy run)"
	for n in 1 2 3; do
		[[ -n $(local_find_all "$user" "Message-ID: <$name-$n@retrieve-it>") ]] ||
			fail "$name: the healthy run did not recover $name-$n"
	done
	assert_eq 0 "$(fake_count "$name")" "$name: messages left on the server after the healthy run"
	fake_pop3_stop "$name"
	echo "  scenario $name: $script -> $result, then recovered" >&3
	unset H_ERROR H_WARN H_SKIPPED H_DELETED H_MAX_SECS
}
