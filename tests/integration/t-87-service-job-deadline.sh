#!/usr/bin/env bash
# Case 87: the scheduler's job deadline. A worker that hangs in a run (here
# stopped with SIGSTOP while the fake server stalls in RETR) is abandoned
# after retrieve_run_timeout plus a margin (4 s + 5 s): the scheduler logs
# it, closes the job and runs the account again after a back-off of one
# run timeout, while the hung worker still exists. Once the hung worker is
# gone, the next run retrieves the message: nothing lost, no duplicate.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

svc_write_config retrieve_run_timeout=4s
fake_pop3_start svcdead stall-retr,normal "$(make_msg svcdead-1 "Deadline")"
svc_user svcdead-dst $(fake_acct retrieve) retrieve_interval=1s
svc_start

wait_file "$IT_WORK/fake/svcdead.stalled" 30 ||
	svc_fail "the run never reached RETR"
hung=$(fake_client_pid svcdead)
[[ -n $hung ]] || svc_fail "no worker running the account"
kill -STOP "$hung"
t0=$(date +%s)
wait_until 25 grep -q 'svcdead-dst account .*the run did not end within 9 s' "$SVC_LOG" ||
	svc_fail "the hung job was never abandoned"
t1=$(date +%s)
((t1 - t0 >= 5)) || svc_fail "abandoned after $((t1 - t0)) s, before the deadline"
# a new run of the account starts (after the 4 s back-off) while the old
# worker still hangs
runs() { grep -c 'Running account .* of user svcdead-dst' "$SVC_LOG"; }
n=$(runs)
wait_until 15 eval '(($(runs) > n))' ||
	svc_fail "the account was not run again after the deadline"
kill -0 "$hung" || svc_fail "the hung worker is gone already"

# the hung worker dies; the stall ends; the message arrives once
kill -KILL "$hung"
touch "$IT_WORK/fake/svcdead.release"
wait_until 60 eval '[[ $(svc_count svcdead-dst) == 1 ]]' ||
	svc_fail "the message never arrived: $(svc_count svcdead-dst) local"
wait_until 10 eval '[[ $(fake_count svcdead) == 0 ]]' ||
	svc_fail "the message stayed on the remote"
sleep 2
assert_eq 1 "$(svc_count svcdead-dst)" "local messages"
# the master's word on our kill -9 is no failure
sed -i "/child $hung killed with signal 9/d" "$SVC_LOG"
svc_check_log
case_pass
