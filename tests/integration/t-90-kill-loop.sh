#!/usr/bin/env bash
# Case 90: the kill -9 loop. POP3 and IMAP accounts, keep=no and
# keep=yes, through Sieve and saved directly in batches (filter=no:
# pop3no, imapyes), each against a real Dovecot remote with a few hundred small
# messages (more arrive before every run, so each run has work). Runs
# are SIGKILLed at random moments (anywhere from connect to commit) until
# KILLS_PER (default 13) kills per account, 52 in all; then one healthy
# run each. Afterwards every seeded message is in the local mailbox,
# byte-complete, with at most one duplicate per kill; keep=no remotes
# are empty, keep=yes remotes untouched. Prints the totals.
# The Sieve accounts file every message numbered ...7 into Copies and
# keep it too (two folders, two transactions of one batch): both copies
# must be there. A kill between the two folders' commits makes the next
# run retrieve such a message again (a copy of two found is not enough to
# record it), a duplicate in the folder that had committed; a message in
# two folders ends its batch, so all duplicates together, in INBOX and in
# Copies, stay within one per kill.
#
# KILL_SEED=N replays a loop's random moments (the seed is printed).
# shellcheck source=tests/integration/lib.sh
source "$(dirname "$0")/lib.sh"
case_begin
require_plugin
imapr_start

KILLS_PER=${KILLS_PER:-13}
INITIAL=${INITIAL:-250}   # messages before the first run
MORE=${MORE:-40}          # messages added before every later run
seed=${KILL_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$seed
echo "  (kill loop seed $seed)" >&2

MSGS=$CASE_OUT/msgs
mkdir -p "$MSGS"

# seed_msgs ACCT USER FROM TO: messages <k90-ACCT-N@retrieve-it>,
# N = FROM..TO, written to $MSGS (the reference copies) and into USER's
# remote INBOX maildir. Sizes vary, some have dot-led lines (POP3
# stuffing) and CRLF-free long lines.
seed_msgs() {
	python3 - "$MSGS" "$IT_WORK/remote-home/$2/Maildir" "$1" "$3" "$4" <<'PY' ||
import os, random, sys, time
msgs, maildir, acct, first, last = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
for sub in ("new", "cur", "tmp"):
    os.makedirs(os.path.join(maildir, sub), exist_ok=True)
now = int(time.time())
for i in range(first, last + 1):
    name = f"k90-{acct}-{i}"
    rnd = random.Random(name)
    body = "".join(f"{'.' if rnd.random() < 0.1 else ''}line {j} of {name} "
                   + "x" * rnd.randrange(0, 200) + "\n"
                   for j in range(rnd.randrange(1, 40)))
    data = ("From: Sender <sender@example.org>\nTo: rcpt@example.org\n"
            f"Subject: {name}\nDate: Mon, 1 Jan 2024 12:00:00 +0000\n"
            f"Message-ID: <{name}@retrieve-it>\n\n{body}")
    with open(os.path.join(msgs, name), "w") as f:
        f.write(data)
    fname = f"{now}.M{i}P{os.getpid()}.k90"
    with open(os.path.join(maildir, "tmp", fname), "w") as f:
        f.write(data)
    os.rename(os.path.join(maildir, "tmp", fname),
              os.path.join(maildir, "new", fname))
PY
		fail "harness: seeding $2 failed"
	chown -R "$MAIL_USER:" "$IT_WORK/remote-home/$2/Maildir"
}

# The four accounts: name, protocol, keep.
ACCTS="pop3no pop3yes imapno imapyes"
declare -A SEEDED KILLS COMPLETED PHASES
for a in $ACCTS; do
	src=k90${a}src dst=k90${a}
	remote_user "$src"
	seed_msgs "$a" "$src" 1 "$INITIAL"
	SEEDED[$a]=$INITIAL KILLS[$a]=0 COMPLETED[$a]=0
	keep=no
	[[ $a == *yes ]] && keep=yes
	# a batch's commit and its recovery, with deletions and without
	filter=yes
	[[ $a == pop3no || $a == imapyes ]] && filter=no
	if [[ $a == pop3* ]]; then
		local_user "$dst" $(acct retrieve "$src" pop3) retrieve_keep=$keep retrieve_filter=$filter
	else
		local_user "$dst" $(imapr_acct retrieve "$src") retrieve_keep=$keep retrieve_filter=$filter
	fi
	if [[ $filter == yes ]]; then
		cat >"$IT_WORK/local-home/$dst/sieve/junk.sieve" <<'SIEVE'
require ["fileinto", "mailbox"];
if header :matches "subject" "k90-*7" {
  fileinto :create "Copies";
  keep;
}
SIEVE
	fi
done

conf_of() { [[ $1 == imap* ]] && echo "$LOCAL_IMAP_CONF" || echo "$LOCAL_CONF"; }

# When to kill, picked at random per run, by what the run has done
# (timings vary too much on a shared machine to aim by the clock):
#   early (1/4): 0..60 ms after the start: connect, TLS, login, listing;
#   delivering (1/2): as soon as K of the pending messages are stored
#     locally, K random: between a delivery, its journal record and the
#     remote deletion;
#   late (1/4): once all but one pending message are stored, 0..40 ms
#     more: the last delivery, QUIT / EXPUNGE, the state commit, LOGOUT.
# A run that ends before its kill is counted, not taken for a kill.
msleep() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }

# kill_once ACCT: more mail, a run, a SIGKILL at a random moment.
kill_once() {
	local a=$1 have want phase i rc
	seed_msgs "$a" "k90${a}src" $((SEEDED[$a] + 1)) $((SEEDED[$a] + MORE))
	SEEDED[$a]=$((SEEDED[$a] + MORE))
	have=$(local_file_count "k90$a")
	# some may have been stored before (a duplicate at most): roughly
	want=$((SEEDED[$a] - have))
	((want > 0)) || want=1
	phase=$((RANDOM % 4))
	RUN_CONF=$(conf_of "$a") retrieve_start_killable "k90$a"
	case $phase in
	0) msleep $((RANDOM % 60)) ;;
	1 | 2)
		want=$((have + 1 + RANDOM % want))
		for i in $(seq 2000); do
			(($(local_file_count "k90$a") >= want)) && break
			kill -0 "$KILL_PID" 2>/dev/null || break
		done ;;
	3)
		want=$((have + want - 1))
		for i in $(seq 2000); do
			(($(local_file_count "k90$a") >= want)) && break
			kill -0 "$KILL_PID" 2>/dev/null || break
		done
		msleep $((RANDOM % 40)) ;;
	esac
	if kill -KILL "$KILL_PID" 2>/dev/null; then
		KILLS[$a]=$((KILLS[$a] + 1))
		PHASES[$a.$phase]=$((${PHASES[$a.$phase]:-0} + 1))
		wait "$KILL_PID" 2>/dev/null
	else
		# it had finished: not a kill, but it must have been a clean run
		rc=0
		wait "$KILL_PID" || rc=$?
		((rc == 0)) || fail "run of k90$a exited $rc before the kill: $(head -5 "$KILL_ERR")"
		COMPLETED[$a]=$((COMPLETED[$a] + 1))
	fi
	grep -E 'Panic|Fatal' "$KILL_ERR" && fail "k90$a: panic or fatal error in a killed run"
	return 0
}

# Round robin, so the four accounts' kills interleave; give up on an
# account whose runs all end before the delay (at most 3x the kills).
rounds=0
while :; do
	done_all=yes
	for a in $ACCTS; do
		((KILLS[$a] < KILLS_PER)) || continue
		done_all=no
		kill_once "$a"
	done
	[[ $done_all == yes ]] && break
	rounds=$((rounds + 1))
	((rounds <= 3 * KILLS_PER)) || break
done

# The healthy runs, and the books.
total_kills=0 total_lost=0 total_dups=0 total_multi_dups=0
for a in $ACCTS; do
	RUN_CONF=$(conf_of "$a") retrieve_run "k90$a"
	assert_run_ok
	assert_result retrieve ok
	# Copies holds a second copy of each ...7 message of a Sieve account:
	# counted on its own, so the INBOX copy can't hide a lost one
	copies_dir=$IT_WORK/local-home/k90$a/Maildir/.Copies
	find "$IT_WORK/local-home/k90$a/Maildir" -path "$copies_dir" -prune -o \
		-path '*/tmp' -prune -o -type f \( -path '*/cur/*' -o -path '*/new/*' \) -print |
		xargs -r -d '\n' grep -h -i -m1 '^Message-ID:' | tr -d '\r' |
		awk '{ print $2 }' | sort | uniq -c | awk '{ print $1, $2 }' >"$CASE_OUT/counts-$a"
	expected=$(seq 1 "${SEEDED[$a]}" | sed "s/.*/<k90-$a-&@retrieve-it>/" | sort)
	got=$(awk '{ print $2 }' "$CASE_OUT/counts-$a")
	if [[ $a == pop3yes || $a == imapno ]]; then
		find "$copies_dir" -path '*/tmp' -prune -o -type f -print 2>/dev/null |
			xargs -r -d '\n' grep -h -i -m1 '^Message-ID:' | tr -d '\r' |
			awk '{ print $2 }' | sort | uniq -c | awk '{ print $1, $2 }' >"$CASE_OUT/copies-$a"
		copies_expected=$(grep -E -- '-[0-9]*7@' <<<"$expected")
		copies_got=$(awk '{ print $2 }' "$CASE_OUT/copies-$a")
		copies_lost=$(comm -23 <(echo "$copies_expected") <(echo "$copies_got") | grep -c . || true)
		copies_extra=$(comm -13 <(echo "$copies_expected") <(echo "$copies_got") | grep -c . || true)
		((copies_lost == 0)) || fail "$a: $copies_lost copies in Copies lost, e.g. $(comm -23 <(echo "$copies_expected") <(echo "$copies_got") | head -3 | tr '\n' ' ')"
		((copies_extra == 0)) || fail "$a: $copies_extra unexpected messages in Copies"
		copies_dups=$(awk '$1 > 1 { n += $1 - 1 } END { print n + 0 }' "$CASE_OUT/copies-$a")
	else
		copies_dups=0
	fi
	lost=$(comm -23 <(echo "$expected") <(echo "$got") | grep -c . || true)
	extra=$(comm -13 <(echo "$expected") <(echo "$got") | grep -c . || true)
	dups=$(grep -v -E -- '-[0-9]*7@' "$CASE_OUT/counts-$a" |
		awk '$1 > 1 { n += $1 - 1 } END { print n + 0 }')
	multi_dups=$(grep -E -- '-[0-9]*7@' "$CASE_OUT/counts-$a" |
		awk '$1 > 1 { n += $1 - 1 } END { print n + 0 }')
	multi_dups=$((multi_dups + copies_dups))
	echo "  ($a: ${SEEDED[$a]} messages, ${KILLS[$a]} kills, ${COMPLETED[$a]} runs ended before their kill (early/delivering/late kills ${PHASES[$a.0]:-0}/$((${PHASES[$a.1]:-0} + ${PHASES[$a.2]:-0}))/${PHASES[$a.3]:-0}), $lost lost, $dups duplicates, $multi_dups of messages in two folders)" >&2
	((lost == 0)) || fail "$a: $lost messages lost, e.g. $(comm -23 <(echo "$expected") <(echo "$got") | head -3 | tr '\n' ' ')"
	((extra == 0)) || fail "$a: $extra unexpected messages"
	((dups + multi_dups <= KILLS[$a])) || fail "$a: $dups + $multi_dups duplicates after ${KILLS[$a]} kills: $(awk '$1 > 1' "$CASE_OUT/counts-$a" | head -3 | tr '\n' ' ')"
	((KILLS[$a] >= KILLS_PER)) || fail "$a: only ${KILLS[$a]} kills landed (runs end too fast)"
	if [[ $a == *no ]]; then
		remote=$( [[ $a == imap* ]] && imapr_count "k90${a}src" INBOX || remote_count "k90${a}src")
		assert_eq 0 "$remote" "$a: remote INBOX after the healthy run (keep=no)"
	else
		remote=$( [[ $a == imap* ]] && imapr_count "k90${a}src" INBOX || remote_count "k90${a}src")
		assert_eq "${SEEDED[$a]}" "$remote" "$a: remote INBOX (keep=yes)"
	fi
	total_kills=$((total_kills + KILLS[$a])) total_lost=$((total_lost + lost))
	total_dups=$((total_dups + dups)) total_multi_dups=$((total_multi_dups + multi_dups))
done

# No partial or altered message: every local file, without the headers
# delivery adds, is byte for byte its seeded copy.
for a in $ACCTS; do
	local_msg_files "k90$a"
done >"$CASE_OUT/files"
python3 - "$MSGS" "$CASE_OUT/files" "$ADDED_HEADERS" <<'PY' || fail "partial or altered messages (above)"
import os, re, sys
msgs, files, added = sys.argv[1], sys.argv[2], sys.argv[3].split()
names = [n.lower().encode() for n in added]
bad = 0
for path in open(files).read().split("\n"):
    if not path:
        continue
    data = open(path, "rb").read().replace(b"\r\n", b"\n")
    lines = data.split(b"\n")
    i = 0
    while i < len(lines) and b":" in lines[i] and \
            lines[i].split(b":", 1)[0].lower() in names:
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    body = b"\n".join(lines[i:])
    m = re.search(rb"^Message-ID: <([^>@]+)@retrieve-it>", body, re.M)
    ref = m and os.path.join(msgs, m.group(1).decode())
    if not ref or not os.path.exists(ref):
        print(f"  {path}: no known Message-ID")
        bad += 1
    elif body != open(ref, "rb").read():
        print(f"  {path}: {len(body)} bytes, differs from its seeded copy")
        bad += 1
sys.exit(1 if bad else 0)
PY

echo "  kill loop totals: $total_kills kills, $total_lost lost, $total_dups duplicates, $total_multi_dups of messages in two folders" >&2
((total_kills >= 50)) || fail "only $total_kills kills"
case_pass
