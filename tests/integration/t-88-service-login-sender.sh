#!/usr/bin/env bash
# Case 88: the 0666 "retrieve" socket and who may name whom. A login
# notice makes a nearly-due account run at once, but only when it comes
# from root, Dovecot's internal user, or the user's own uid (a mail
# process):
# - LOGIN <victim> from uid nobody: ignored (a warning naming the user and
#   the sender), no run; sent again, it costs no second lookup (cached);
# - the same from the victim's uid: the account runs at once;
# - a flood of 3000 notices for unknown users from one process: the
#   scheduler stays up and bounded, runs go on.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

uid=$(id -u "$MAIL_USER")
nobody=$(id -u nobody)
svc_write_config
fake_pop3_start svcsender normal "$(make_msg svcsender-1 "Sender")"
# due again after 30 s; a login after 15 s runs it at once
svc_user svcsender-dst $(fake_acct retrieve) retrieve_interval=30s
svc_start
wait_until 20 eval '[[ $(svc_count svcsender-dst) == 1 ]]' ||
	svc_fail "the first run did not retrieve the message"
t0=$(date +%s)
sleep 16

svc_notify_login "$nobody" svcsender-dst
wait_until 5 grep -q "Ignoring a login notice for user svcsender-dst from uid $nobody" "$SVC_LOG" ||
	svc_fail "no warning about the notice from uid $nobody"
svc_notify_login "$nobody" svcsender-dst
sleep 2
assert_eq 1 "$(fake_logins svcsender)" "remote logins after notices from uid $nobody"
assert_eq 1 "$(grep -c "Ignoring a login notice for user svcsender-dst" "$SVC_LOG")" \
	"lookups for the repeated refused notice"

# the user's own uid: runs now, well before the 30 s interval
svc_notify_login "$uid" svcsender-dst
wait_until 6 eval '(($(fake_logins svcsender) == 2))' ||
	svc_fail "a notice from the user's uid did not run the account"
(($(date +%s) - t0 < 28)) || svc_fail "too slow to tell a login run from the interval"

# a flood of unknown users from one process
users=()
for i in $(seq 3000); do users+=("nosuch$i"); done
svc_notify_login "$nobody" "${users[@]}"
sched=$(svc_procs retrieve | head -1)
sleep 3
kill -0 "$sched" || svc_fail "the scheduler died in the flood"
rss=$(ps -o rss= -p "$sched" | tr -d ' ')
rss_ok "$rss" 20000 || svc_fail "scheduler RSS $rss KiB after the flood"
grep -q 'user lookups wait already: dropping login notices' "$SVC_LOG" ||
	svc_fail "no warning about the dropped notices"
# runs go on meanwhile: the interval brings the next one
wait_until 40 eval '(($(fake_logins svcsender) >= 3))' ||
	svc_fail "the account did not run on its interval during the flood"
svc_check_log
case_pass
