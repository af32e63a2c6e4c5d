#!/usr/bin/env bash
# Case 85: a worker running an account has dropped root for good before
# it reads anything from the remote: while the fake server stalls in the
# middle of RETR, the worker talking to it has real, effective, saved and
# fs uid all the user's (not real uid 0 with a temporary euid), and it is
# not dumpable (/proc/PID/* stay root's: no core with the password in it,
# no ptrace by the user's other processes). The process is used for that
# one run only: a child of a root worker (the fork server), which stays for
# the next job; the stalled run then completes, nothing lost.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

uid=$(id -u "$MAIL_USER")
svc_write_config
fake_pop3_start svcpriv stall-retr "$(make_msg svcpriv-1 "Privileges")"
svc_user svcpriv-dst $(fake_acct retrieve) retrieve_interval=1h
svc_start

wait_file "$IT_WORK/fake/svcpriv.stalled" 30 ||
	svc_fail "the run never reached RETR"
# the worker of the run: the process connected to the fake server
pid=$(fake_client_pid svcpriv)
for p in $(svc_procs retrieve-worker); do
	echo "worker $p: uids $(proc_uids "$p"), /proc status owner $(stat -c %u "/proc/$p/status")" >>"$CASE_OUT/procs"
done
[[ -n $pid ]] || svc_fail "no process connected to the fake server: $(cat "$CASE_OUT/procs")"
assert_eq retrieve-worker "$(cat "/proc/$pid/comm")" "the process connected to the remote"
assert_eq "$uid $uid $uid $uid" "$(proc_uids "$pid")" \
	"uids (real effective saved fs) of the worker in the run"
assert_eq 0 "$(stat -c %u "/proc/$pid/status")" "/proc/$pid/status owner (0: not dumpable)"
ppid=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")
assert_eq retrieve-worker "$(cat "/proc/$ppid/comm")" "the run's parent (the fork server)"

touch "$IT_WORK/fake/svcpriv.release"
wait_until 20 eval '[[ $(svc_count svcpriv-dst) == 1 ]]' ||
	svc_fail "the message never arrived after the stall"
# the process served that run only
wait_until 10 eval '! kill -0 '"$pid"' 2>/dev/null' ||
	svc_fail "worker $pid still alive after its run"
kill -0 "$ppid" 2>/dev/null || svc_fail "fork server $ppid ended with its child's run"
assert_eq 0 "$(fake_count svcpriv)" "messages left on the remote (keep=no)"
svc_check_log
case_pass
