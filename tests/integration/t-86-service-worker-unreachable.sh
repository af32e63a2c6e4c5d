#!/usr/bin/env bash
# Case 86: the scheduler can't reach its workers (the retrieve-worker
# socket refuses it): failed job starts back off instead of spinning. An
# account due every second keeps failing to start for 6 s: the scheduler
# uses little CPU (a leaked 0 ms dispatch timer would take a whole core),
# logs the failure once, and runs the account again as soon as the socket
# is back.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

svc_write_config
fake_pop3_start svcunreach normal
svc_user svcunreach-dst $(fake_acct retrieve) retrieve_interval=1s
svc_start
wait_until 20 eval '(($(fake_logins svcunreach) >= 1))' ||
	svc_fail "the account never ran"
sched=$(svc_procs retrieve | head -1)
[[ -n $sched ]] || svc_fail "no scheduler process"

# the scheduler (user dovecot) may no longer connect to its workers
chmod 000 "$SVC_DIR/run/retrieve-worker"
sleep 1.5
logins0=$(fake_logins svcunreach)
ticks0=$(proc_cpu_ticks "$sched")
sleep 6
ticks1=$(proc_cpu_ticks "$sched")
logins1=$(fake_logins svcunreach)
hz=$(getconf CLK_TCK)
echo "scheduler CPU: $((ticks1 - ticks0)) ticks in 6 s (CLK_TCK $hz)" >"$CASE_OUT/cpu"
# half a second of CPU in 6 s at most (a spinning scheduler uses ~6 s)
(((ticks1 - ticks0) * 2 <= hz)) ||
	svc_fail "scheduler used $((ticks1 - ticks0)) CPU ticks in 6 s (CLK_TCK $hz) with the worker socket unavailable"
assert_eq "$logins0" "$logins1" "remote logins while the workers were unreachable"
kill -0 "$sched" || svc_fail "the scheduler died"
n=$(grep -c 'Error: .*net_connect_unix(retrieve-worker) failed' "$SVC_LOG")
((n >= 1 && n <= 2)) || svc_fail "connect failure logged $n times (want once)"

# the workers come back: the account runs again
chmod 600 "$SVC_DIR/run/retrieve-worker"
wait_until 20 eval '(($(fake_logins svcunreach) > logins1))' ||
	svc_fail "the account did not run after the worker socket came back"
grep -q 'Connected to retrieve-worker again' "$SVC_LOG" ||
	svc_fail "no log line for the recovery"
svc_check_log
case_pass
