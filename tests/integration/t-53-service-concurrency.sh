#!/usr/bin/env bash
# Case 53: the concurrency bounds hold. A slow fake server counts the
# connections open at once: retrieve_max_parallel bounds all of them,
# retrieve_max_per_host those to one host name.
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
svc_init

# every session waits 1.5 s before its greeting, so runs overlap
fake_pop3_start svcconc slow:1.5
svc_write_config retrieve_max_parallel=4 retrieve_max_per_host=3
# 6 accounts via 127.0.0.1 and 6 via localhost: two hosts, one server
for i in 1 2 3 4 5 6; do
	svc_user "svcconc-a$i" "retrieve=pop3://ca$i@127.0.0.1:$FAKE_PORT" \
		"retrieve_password=$FAKE_PASSWORD" retrieve_interval=1h
	svc_user "svcconc-b$i" "retrieve=pop3://cb$i@localhost:$FAKE_PORT" \
		"retrieve_password=$FAKE_PASSWORD" retrieve_interval=1h
done
svc_start
wait_until 60 eval '(($(fake_conns svcconc total) >= 12))' ||
	svc_fail "only $(fake_conns svcconc total) of 12 accounts ran"
wait_until 10 eval '(($(fake_conns svcconc open) == 0))'
max=$(fake_conns svcconc max)
((max <= 4)) || svc_fail "$max connections at once, retrieve_max_parallel is 4"
((max >= 3)) || svc_fail "only $max connections at once: no parallelism"
svc_stop

# per host: 8 accounts on one host, retrieve_max_per_host = 2
fake_pop3_start svcconc2 slow:1.5
svc_write_config retrieve_max_parallel=10 retrieve_max_per_host=2
for i in 1 2 3 4 5 6 7 8; do
	svc_user "svcconc-c$i" "retrieve=pop3://cc$i@127.0.0.1:$FAKE_PORT" \
		"retrieve_password=$FAKE_PASSWORD" retrieve_interval=1h
done
svc_start
wait_until 60 eval '(($(fake_conns svcconc2 total) >= 8))' ||
	svc_fail "only $(fake_conns svcconc2 total) of 8 accounts ran"
max=$(fake_conns svcconc2 max)
assert_eq 2 "$max" "connections to one host at once (retrieve_max_per_host=2)"
# the first server's accounts are not due again (interval 1h)
assert_eq 12 "$(fake_conns svcconc total)" "sessions on the first server"
svc_check_log
case_pass
