#!/usr/bin/env bash
# Case 50: with the shipped service snippet included, mail that lands on
# the remote appears locally within one interval, without any doveadm
# call, filed by the user's Sieve script.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

remote_user svcpoll-src
SVC_EXTRA_CONF='metric retrieve_runs {
  filter = event=retrieve_finished AND result=ok
  fields = messages bytes
}'
svc_write_config
svc_user svcpoll-dst $(acct retrieve svcpoll-src pop3) retrieve_interval=3s
svc_start

# never ran: the first run comes at once (an empty mailbox)
wait_until 20 eval '[[ -n $(remote_logins svcpoll-src) ]]' ||
	svc_fail "the service did not poll the account"
seed_remote svcpoll-src "$(make_msg svcpoll-1 "Hello service")" \
	"$(make_msg svcpoll-2 "[SPAM] service junk")"
t0=$(date +%s)
wait_until 15 eval '[[ $(svc_count svcpoll-dst Junk) == 1 ]]' ||
	svc_fail "the message did not arrive (INBOX $(svc_count svcpoll-dst), Junk $(svc_count svcpoll-dst Junk))"
elapsed=$(($(date +%s) - t0))
# one interval (3 s) plus the time a run takes; the seed itself took some
((elapsed <= 6)) || svc_fail "arrived after ${elapsed}s, interval is 3s"
assert_eq 1 "$(svc_count svcpoll-dst)" "INBOX count"
wait_until 10 eval '[[ $(remote_count svcpoll-src) == 0 ]]' ||
	svc_fail "remote still holds $(remote_count svcpoll-src) messages (keep=no)"
# and it keeps polling on its interval
n1=$(remote_logins svcpoll-src | grep -c .)
sleep 7
n2=$(remote_logins svcpoll-src | grep -c .)
((n2 - n1 >= 1 && n2 - n1 <= 4)) || svc_fail "$((n2 - n1)) polls in 7s at interval 3s"
# retrieve_finished reaches the stats process from the workers
stats=$(doveadm -c "$SVC_CONF" -f tab stats dump 2>&1)
row=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["metric_name"] == "retrieve_runs" && $c["field"] == "duration" {
		print $c["count"], $c["sum"] }' <<<"$stats" | head -1)
read -r runs dsum <<<"$row"
((${runs:-0} >= 2)) || svc_fail "metric retrieve_runs: '$row' in: $(head -3 <<<"$stats")"
((${dsum:-0} > 0)) || svc_fail "metric retrieve_runs: no duration ('$row')"
svc_check_log
case_pass
