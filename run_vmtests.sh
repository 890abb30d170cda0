#!/bin/sh
# shellcheck shell=dash
# Run the mm conformance suite on the kernel this machine runs (inside the
# QEMU guest of `make vm_run`, or on a booted CI machine).  Every harness
# case runs as its own process; after each one the kernel log and taint
# are checked.  Output: TAP 13, then "N passed, N failed, N skipped".
set -eu
# dash (Debian's /bin/sh) lacks pipefail; busybox ash and bash have it.
(set -o pipefail) 2>/dev/null && set -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib/runner/runner.sh
. "$HERE/lib/runner/runner.sh"

usage() {
	cat <<USAGE
usage: run_vmtests.sh [-t CATEGORIES] [-n GLOBS] [-l] [-h] [-d DIR]
                      [--timeout SECONDS] [--force] [--after TEST_ID]
                      [--repeat N] [-f IDS_FILE]
  -t CATS        run only these categories (comma or space separated)
  -n GLOBS       run only tests whose id matches one of these shell globs
                 (comma separated), e.g. -n '*vfio_pud.shrink'
  -l             list the selected tests (category and test id) and exit
  -d DIR         where tests/ and bin/ are (default: beside this script)
  --timeout S    per-test timeout in seconds (default 120)
  --force        run vm-only categories outside a VM too
  --after ID     skip every test up to and including ID (crash recovery)
  -f FILE        run only the test ids FILE lists, one a line (a shard
                 of a sharded vm_run), in the suite's order
  --repeat N     run each selected test N times; one result per test: ok
                 when every run gave the same verdict, else "not ok ...
                 # flaky: K of N runs ok" with the first differing verdict
categories:
$(grep -v '^#' "$HERE/selftests/categories" | awk 'NF { print "  " $1 }' | sort -u)
USAGE
}

CATS=""
GLOBS=""
LIST=0
DIR=$HERE
TIMEOUT=120
FORCE=0
AFTER=""
REPEAT=1
IDS_FILE=""
while [ $# -gt 0 ]; do
	case "$1" in
	-t) CATS=$(echo "$2" | tr ',' ' '); shift ;;
	-n) GLOBS=$(echo "$2" | tr ',' ' '); shift ;;
	-l) LIST=1 ;;
	-d) DIR=$2; shift ;;
	--timeout) TIMEOUT=$2; shift ;;
	--force) FORCE=1 ;;
	--after) AFTER=$2; shift ;;
	--repeat) REPEAT=$2; shift ;;
	-f) IDS_FILE=$2; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run_vmtests.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

if [ -n "$IDS_FILE" ] && [ ! -r "$IDS_FILE" ]; then
	echo "run_vmtests.sh: -f $IDS_FILE: no such file" >&2
	exit 2
fi
case "$REPEAT" in
''|*[!0-9]*|0) echo "run_vmtests.sh: --repeat wants a count >= 1, not '$REPEAT'" >&2; exit 2 ;;
esac
KMSG_TAIL=$DIR/bin/kmsg_tail
EXPECTATIONS=$HERE/selftests/expectations
SKIPS=$HERE/selftests/skips
KMSG_ALLOW=$HERE/selftests/kmsg_allow
KVERSION=$(uname -r)
IN_VM=0
grep -q 'mmconf.vm=1' /proc/cmdline 2>/dev/null && IN_VM=1
# This kernel's expectations and skip pins, looked up per case in memory.
EXP_LINES=$(expectations_of_kernel "$KVERSION" "$EXPECTATIONS")
SKIP_LINES=$(expectations_of_kernel "$KVERSION" "$SKIPS" skips)

for c in $CATS; do
	grep -q "^${c}[[:space:]]" "$HERE/selftests/categories" || {
		echo "run_vmtests.sh: unknown category '$c' (see -h)" >&2
		exit 2
	}
done

# "category program flags" lines for the selected categories.
selected_programs() {
	grep -v '^#' "$HERE/selftests/categories" | while read -r cat prog flags; do
		[ -n "$cat" ] || continue
		if [ -n "$CATS" ]; then
			case " $CATS " in *" $cat "*) ;; *) continue ;; esac
		else
			has_flag explicit "${flags:-}" && continue
		fi
		echo "$cat $prog ${flags:-}"
	done
}

# has_flag FLAG FLAGS: FLAGS is a categories-file flag list (a,b,c).
has_flag() {
	case ",$2," in *",$1,"*) return 0 ;; esac
	return 1
}

# Without -f every id is in; with it, only those FILE lists (read once,
# into IDS: a grep per listed case was a fork per case).
IDS=""
[ -z "$IDS_FILE" ] || IDS="$NL$(cat "$IDS_FILE")$NL"
in_ids_file() {
	[ -z "$IDS_FILE" ] && return 0
	case "$IDS" in *"$NL$1$NL"*) return 0 ;; esac
	return 1
}

id_selected() {
	local glob
	in_ids_file "$1" || return 1
	[ -n "$GLOBS" ] || return 0
	set -f	# the globs match test ids, not file names
	for glob in $GLOBS; do
		# shellcheck disable=SC2254
		case "$1" in $glob) set +f; return 0 ;; esac
	done
	set +f
	return 1
}

CLEAR_WARN_ONCE=/sys/kernel/debug/clear_warn_once
N=0

# Centiseconds since boot in UP_CS, without a process: /proc/uptime has
# two decimals ("1${frac} - 100" keeps a leading 0 from reading as octal).
uptime_cs() {
	local up rest
	read -r up rest </proc/uptime
	UP_CS=$((${up%.*} * 100 + 1${up#*.} - 100))
}

# Centiseconds as seconds with two decimals, in SECS.
cs_secs() {
	SECS=$(($1 / 100)).$(($1 / 10 % 10))$(($1 % 10))
}

# The runner's own cost: the wall time of the case loop against the time
# spent inside the cases (run_case's timeout .. exit), summed here and
# printed once at the end ("# runner: ...").
NCASES=0
CASES_CS=0
LOOP_CS=0
KMOD_CS=0	# the test module's load, not the runner's cost
tap() {
	N=$((N + 1))
	echo "$1 $N $2"
}

# The kernel log is read through one cursor that only moves forward, so
# every record is read exactly once: by the case that ran while it was
# logged, or as a result of its own.  The cursor is descriptor 7, this
# shell's open /dev/kmsg (devkmsg_read() keeps the position per open
# file): each read takes only the new records.  The cases run without it.
KMSG_FD=7
KCUR_FILE=${TMPDIR:-/tmp}/mmconf.kcur.$$
OUT_FILE=${TMPDIR:-/tmp}/mmconf.out.$$
STATUS_FILE=${TMPDIR:-/tmp}/mmconf.status.$$
KLINES=${TMPDIR:-/tmp}/mmconf.klines.$$
KCUR=0	# the record after the last one read (kept for a later run)
TAINT=0

# Put the records logged since the last call in $KLINES, and the taint in
# TAINT (not in a subshell: it sets KCUR and TAINT).  A log that cannot be read
# is a complaint itself: nothing could be checked.  The one process of
# the log check: the grep for complaints runs only on a log that has
# new lines, and matches (kmsg_complaints).
kmsg_new() {
	if "$KMSG_TAIL" fd "$KMSG_FD" "$KCUR_FILE" "$KCUR" >"$KLINES"; then
		read -r KCUR TAINT <"$KCUR_FILE"
		case "$TAINT" in
		''|*[!0-9]*) echo "BUG: run_vmtests.sh: kmsg_tail cannot read the taint ('$TAINT')" >>"$KLINES"
			TAINT=0 ;;
		esac
	else
		echo "BUG: run_vmtests.sh: kmsg_tail cannot read /dev/kmsg" >"$KLINES"
	fi
}

# The complaint lines among $KLINES in BAD ("" when none).
kmsg_complaints() {
	BAD=""
	if [ -s "$KLINES" ] && grep -qE "$KMSG_BAD_RE" "$KLINES"; then
		BAD=$(kmsg_bad_lines <"$KLINES")
	fi
}

# Report kernel log complaints that arrived outside any case as a result
# of their own: kmsg_gate ID WHAT.  Silent when there are none.
kmsg_gate() {
	local bad
	kmsg_new
	kmsg_complaints
	bad=$BAD
	[ -n "$bad" ] || return 0
	echo "$bad" | sed 's/^/# kernel: /'
	tap "not ok" "$1 # kernel log $2: $(echo "$bad" | head -n 1)"
}

# Decide a case's status from its exit code and harness output, in one
# process: print the harness's own diagnostics (without its per-process
# TAP framing) as "# " lines, and put the status in STATUS.
#   case_status RC OUT
case_status() {
	awk -v rc="$1" -v timeout="$TIMEOUT" -v sf="$STATUS_FILE" '
	!/^(TAP version|1\.\.1$|(not )?ok 1 |# (Starting|PASSED|FAILED|Totals))/ {
		print "# " $0
	}
	/^ok 1 .*# *SKIP/ && !skipped {
		skipped = 1
		why = $0
		sub(/^ok 1 .*# *SKIP */, "", why)
	}
	/^ok 1 / { ok = 1 }
	# The first failed assertion ("file:line:test:Expected ...") and
	# the TH_LOG line that explains it.
	/^# [^ :]+:[0-9]+:[^:]+:/ && nfail < 2 {
		line = $0
		sub(/^# */, "", line)
		fail = fail (nfail++ ? " / " : "") substr(line, 1, 200)
	}
	END {
		if (rc == 124 || rc == 137)
			st = "FAIL hang timeout after " timeout "s"
		else if (rc == 4 || skipped)
			st = "SKIP " why
		else if (rc == 0 && ok)
			st = "PASS"
		else
			st = "FAIL fail " fail " (exit code " rc ")"
		print st > sf
	}' "$2"
	read -r STATUS <"$STATUS_FILE" || STATUS="FAIL fail no status (exit code $1)"
}

# Report one case, applying expectations: report ID STATUS OUT
# COMPLAINTS.  STATUS is PASS, "SKIP reason" or "FAIL kind reason" (kind:
# fail, hang), the harness's verdict; OUT the file holding what the case
# printed; COMPLAINTS the kernel's complaint lines it logged (or the taint
# it added), empty when none.  A complaint outranks the harness's verdict
# when there is no expectation.  With one, XFAIL needs every piece of
# evidence to be the recorded one (expectation_verdict): a known log line
# cannot hide a new assertion failure, a known failure cannot hide a new
# complaint.  Anything else of that test stays a FAIL and says what was
# expected; a clean PASS there is XPASS (the known bug is gone).
report() {
	local id=$1 status=$2 out=$3 complaints=$4 why hkind="" exp ekind ere
	local seen first
	why=${status#* }
	[ "$why" = "$status" ] && why=""
	status=${status%% *}
	if [ "$status" = FAIL ]; then
		hkind=${why%% *}
		why=${why#* }
	fi
	first=${complaints%%"$NL"*}
	case "$first" in
	"") ;;
	"kernel tainted:"*) ;;
	*) first="kernel log: $first" ;;
	esac
	expectation_lookup "$id" "$EXP_LINES"
	exp=$EXP
	ekind=${exp%%"$TAB"*}
	ere=${exp#*"$TAB"}
	ere=${ere%%"$TAB"*}
	if [ -z "$hkind" ] && [ -z "$complaints" ]; then
		case "$status" in
		PASS)
			if [ -n "$exp" ]; then
				tap "not ok" "$id # XPASS expected to fail ($ekind): ${exp##*"$TAB"}"
			else
				tap ok "$id"
			fi ;;
		SKIP)
			# In the VM the config guarantees every feature a kernel
			# of this version has: only a SKIP selftests/skips pins
			# is one.
			if [ "$IN_VM" -eq 1 ] &&
			   ! skip_pinned_in "$id" "$why" "$SKIP_LINES"; then
				tap "not ok" "$id # unpinned skip in the VM (selftests/skips): ${why:-no reason given}"
			else
				tap ok "$id # SKIP ${why:-no reason given}"
			fi ;;
		esac
		return
	fi
	if [ -z "$exp" ]; then
		if [ -n "$complaints" ]; then
			tap "not ok" "$id # $first"
		else
			tap "not ok" "$id # $why"
		fi
		return
	fi
	if seen=$(expectation_verdict "$exp" "$hkind" "$out" "$complaints"); then
		[ -n "$hkind" ] || why=$first
		tap ok "$id # XFAIL ${exp##*"$TAB"} ($seen /$ere/: $why)"
		return
	fi
	case "$seen" in
	log*) tap "not ok" "$id # expected $ekind /$ere/, got log: kernel log: ${seen#log"$TAB"}" ;;
	*) tap "not ok" "$id # expected $ekind /$ere/, got $seen: $why" ;;
	esac
}

# One case, and its verdict.  Its own cost is the case's process (and the
# timeout around it), one awk over its output, one kmsg_tail: everything
# else is shell builtins ("# runner:" at the end says what that costs).
run_case() {
	local id=$1 bin=$2 case=$3 taint0 taint1 rc=0 bad out=$OUT_FILE t0
	echo "# START $id"
	# A WARN_ONCE()/printk_once() that fired in an earlier case (or at
	# boot) stays silent for the rest of the boot: the same bug in this
	# case would pass unseen, and which case shows it would depend on the
	# order.  clear_warn_once (kernel/panic.c, debugfs) re-arms them all,
	# so each case is judged as if it ran first.  In the VM only: on a
	# CI-booted machine this is someone else's log.
	if [ "$IN_VM" -eq 1 ] && [ -w "$CLEAR_WARN_ONCE" ]; then
		echo 1 >"$CLEAR_WARN_ONCE" || true
	fi
	# The taint as the gate's log read (just before this case) left it.
	taint0=$TAINT
	uptime_cs
	t0=$UP_CS
	timeout -s KILL "$TIMEOUT" "$bin" -r "$case" >"$out" 2>&1 7<&- || rc=$?
	uptime_cs
	t0=$((UP_CS - t0))
	NCASES=$((NCASES + 1))
	CASES_CS=$((CASES_CS + t0))
	# How long it took (a sharded vm_run balances its shards by it).
	cs_secs "$t0"
	echo "# DURATION $id $SECS"
	case_status "$rc" "$out"
	kmsg_new
	kmsg_complaints
	bad=$BAD
	[ -z "$bad" ] || bad=$(printf '%s\n' "$bad" | kmsg_allow_filter "$id" "$KMSG_ALLOW")
	taint1=$TAINT
	if [ -n "$bad" ]; then
		printf '%s\n' "$bad" | sed 's/^/# kernel: /'
	elif taint_new "$taint0" "$taint1" && [ "$TAINT_ADDED" -ne 0 ]; then
		bad="kernel tainted: $taint0 -> $taint1"
	fi
	report "$id" "$STATUS" "$out" "$bad"
}

# --repeat N: run_case N times, one result.  Each run's verdict (report()
# with expectations and gates, exactly as a single run) is taken from its
# result line, which is kept as a diagnostic ("# run I: ok ...").  All
# alike: that verdict, once; else the test is flaky: a failure naming how
# many runs were ok, the first run's verdict and the first that differed.
# Each run's "# START" reaches the host before the run does, so a crash
# is still attributed to this test.
repeat_case() {
	local id=$1 bin=$2 case=$3 i=0 n0=$N out line verdict first="" other=""
	local ok=0
	out=${TMPDIR:-/tmp}/mmconf.repeat.$$
	while [ "$i" -lt "$REPEAT" ]; do
		i=$((i + 1))
		echo "# START $id"
		# In this shell, not a pipe: run_case advances the kmsg cursor.
		run_case "$id" "$bin" "$case" >"$out"
		N=$n0
		sed -E -e '/^# START /d' -e "s/^((not )?ok [0-9]+ )/# run $i: \\1/" "$out"
		line=$(grep -E '^(not )?ok [0-9]+ ' "$out" | tail -n 1) || true
		verdict=$(echo "$line" | sed -E 's/^(not ok|ok) [0-9]+ [^ ]+/\1/')
		case "$verdict" in ok|"ok # XFAIL"*) ok=$((ok + 1)) ;; esac
		if [ -z "$first" ]; then
			first=$verdict
		elif [ -z "$other" ] && [ "${verdict%% *}" != "${first%% *}" ]; then
			other="run $i: $verdict"
		fi
	done
	rm -f "$out"
	if [ -n "$other" ]; then
		tap "not ok" "$id # flaky: $ok of $REPEAT runs ok; run 1: $first; $other"
	elif [ "${first%% *}" = not ]; then
		tap "not ok" "$id${first#not ok} (all $REPEAT runs)"
	else
		tap ok "$id${first#ok}"
	fi
}

# The test module (fixtures/kmod), when one built for this very kernel is
# beside the tests and not loaded yet: loaded before the first program
# flagged "kmod" (before its baselines, so its out-of-tree taint is no
# test's), with the arguments in MMCONF_KMOD_ARGS; unloaded at the end.
LOADED_KMOD=""
KMOD_TRIED=0
load_kmod() {
	local ko name vermagic t0
	[ "$KMOD_TRIED" -eq 0 ] || return 0
	KMOD_TRIED=1
	for ko in "$DIR"/kmod/*.ko; do
		[ -f "$ko" ] || continue
		name=$(basename "$ko" .ko)
		[ -d "/sys/module/$name" ] && continue
		# busybox modinfo wants modules.dep even for a file: read the
		# modinfo section's vermagic= string directly.
		vermagic=$(tr '\0' '\n' <"$ko" | sed -n 's/^vermagic=\([^ ]*\).*/\1/p')
		if [ "$vermagic" != "$KVERSION" ]; then
			kmod_failed "$name" "built for '$vermagic', not $KVERSION"
			continue
		fi
		uptime_cs
		t0=$UP_CS
		# shellcheck disable=SC2086 # a list of name=value words
		insmod "$ko" ${MMCONF_KMOD_ARGS:-} 2>&1 | sed 's/^/# insmod: /' || true
		if [ -d "/sys/module/$name" ]; then
			uptime_cs
			cs_secs $((UP_CS - t0))
			echo "# kmod: $name loaded in $SECS s"
			LOADED_KMOD="$LOADED_KMOD $name"
		else
			kmod_failed "$name" "insmod $ko failed (see the insmod lines above)"
		fi
		kmsg_gate "kmod:load:$name" "while loading $name"
		uptime_cs
		KMOD_CS=$((KMOD_CS + UP_CS - t0))
	done
}

# In the VM the module is part of the suite: not loading it is a failure,
# not a reason for its tests to SKIP.  Elsewhere it is only reported.
kmod_failed() {
	if [ "$IN_VM" -eq 1 ]; then
		tap "not ok" "kmod:$1 # $2"
	else
		echo "# kmod $1 not loaded: $2"
	fi
}

unload_kmod() {
	local name
	for name in $LOADED_KMOD; do
		rmmod "$name" 2>&1 | sed 's/^/# rmmod: /' || true
		# Unloading frees the module's region: where a leaked pin or a
		# reference a pfnmap should never have taken shows up.
		kmsg_gate "kmod:unload:$name" "while unloading $name"
	done
}

main() {
	local cat prog flags bin cases case id skipping=0 PREV=""
	[ -n "$AFTER" ] && skipping=1
	# TAP 13 with the plan last: results outside any case (kernel:*,
	# kmod:*) are not known ahead.  vm_run re-emits the merged stream as
	# KTAP v1 with the plan first.
	[ "$LIST" -eq 1 ] || echo "TAP version 13"
	[ "$LIST" -eq 1 ] || echo "# kernel $KVERSION, per-test timeout ${TIMEOUT}s"
	if [ "$LIST" -eq 0 ]; then
		# In the VM the whole log since boot is the suite's to judge;
		# on another machine only what is logged from now on.
		# A /dev/kmsg that cannot be opened leaves descriptor 7
		# closed: every read of it is then a complaint (kmsg_new).
		if (: </dev/kmsg) 2>/dev/null; then
			exec 7</dev/kmsg
		fi
		if [ "$IN_VM" -eq 1 ]; then
			kmsg_gate kernel:boot "during boot"
		else
			"$KMSG_TAIL" end "$KMSG_FD" 2>/dev/null || true
		fi
	fi
	selected_programs >"${TMPDIR:-/tmp}/mmconf.programs.$$"
	uptime_cs
	LOOP_CS=$UP_CS
	while read -r cat prog flags; do
		bin=$DIR/tests/$prog
		if [ ! -x "$bin" ]; then
			[ "$LIST" -eq 1 ] && { echo "$cat $prog (not built)"; continue; }
			# A shard reports a program only when it was dealt it.
			in_ids_file "$prog" || continue
			tap "not ok" "$prog # not built: $bin missing (make all)"
			continue
		fi
		if [ "$LIST" -eq 0 ] && has_flag kmod "$flags" &&
		   { [ "$IN_VM" -eq 1 ] || [ "$FORCE" -eq 1 ]; }; then
			load_kmod
		fi
		# A program whose main is TEST_HARNESS_MAIN, not MM_HARNESS_MAIN,
		# cannot list its cases: it would silently run nothing.
		if ! cases=$("$bin" --list-cases 2>/dev/null) || [ -z "$cases" ]; then
			[ "$skipping" -eq 1 ] && continue
			[ "$LIST" -eq 1 ] && { echo "$cat $prog (lists no cases)"; continue; }
			in_ids_file "$prog" || continue
			tap "not ok" "$prog # lists no cases: does it end in MM_HARNESS_MAIN (lib/mm_harness.h)?"
			continue
		fi
		for case in $cases; do
			id="$prog:$case"
			if [ "$skipping" -eq 1 ]; then
				[ "$id" = "$AFTER" ] && skipping=0
				continue
			fi
			id_selected "$id" || continue
			if [ "$LIST" -eq 1 ]; then
				echo "$cat $id"
			elif [ "$IN_VM" -eq 0 ] && [ "$FORCE" -eq 0 ] &&
			     has_flag vm-only "$flags"; then
				tap ok "$id # SKIP vm-only: may crash the kernel; use make vm_run or --force"
			else
				# Logged after the previous case's own read: its
				# late lines, not this case's.
				kmsg_gate "kernel:after:${PREV:-boot}" \
					"after ${PREV:-boot} ended, before $id started"
				if [ "$REPEAT" -gt 1 ]; then
					repeat_case "$id" "$bin" "$case"
				else
					run_case "$id" "$bin" "$case"
				fi
				PREV=$id
			fi
		done
	done <"${TMPDIR:-/tmp}/mmconf.programs.$$"
	rm -f "${TMPDIR:-/tmp}/mmconf.programs.$$"
	[ "$LIST" -eq 1 ] && return 0
	uptime_cs
	LOOP_CS=$((UP_CS - LOOP_CS - KMOD_CS))
	if [ "$NCASES" -gt 0 ]; then
		cs_secs "$LOOP_CS"
		echo "# runner: $NCASES cases in $SECS s, $(cs_secs "$CASES_CS"; echo "$SECS") s of it inside them: $(((LOOP_CS - CASES_CS) * 10 / NCASES)) ms a case around each${LOADED_KMOD:+ (the module load not counted)}"
	fi
	kmsg_gate "kernel:after:${PREV:-boot}" "after ${PREV:-boot} ended"
	unload_kmod
	rm -f "$KCUR_FILE" "$KLINES" "$OUT_FILE" "$STATUS_FILE"
	echo "1..$N"
	echo "# DONE"
}

if [ "$LIST" -eq 1 ]; then
	main
	exit 0
fi
main | tee "${TMPDIR:-/tmp}/mmconf.tap.$$"
rc=0
tap_summary <"${TMPDIR:-/tmp}/mmconf.tap.$$" || rc=$?
rm -f "${TMPDIR:-/tmp}/mmconf.tap.$$"
exit "$rc"
