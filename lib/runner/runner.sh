# shellcheck shell=dash
# Functions shared by run_vmtests.sh (busybox ash in the guest, or any
# POSIX shell on a host) and the host-side scripts.  Sourced, not run.

# Kernel log lines that make a test FAIL even when it passed: crashes,
# warnings, lockups and stalls, and the mm complaints that do not taint
# the kernel.  One extended regex a line, "  # " and why after it;
# fixtures/vm/unit_tests.sh feeds each one a sample line of its own.
KMSG_PATTERNS='
BUG:                            # BUG(): unable to handle, Bad page state, Bad rss-counter, soft lockup, KFENCE...
kernel BUG at                   # BUG_ON()/VM_BUG_ON() (CONFIG_DEBUG_VM)
page dumped because:            # dump_page() before a VM_BUG_ON_PAGE/FOLIO
WARNING:                        # WARN_ON() and friends
Oops                            # die(): an oops the kernel survived (no panic_on_oops)
general protection              # #GP fault in the kernel
Kernel panic                    # panic()
Bad page state                  # bad_page(): mm/page_alloc.c
Bad rss-counter                 # check_mm(): an rss counter left at exit
bad (pgd|p4d|pud|pmd|pte)       # pgd/p4d/pud/pmd_clear_bad(), print_bad_pte()
INFO: task .* blocked for more than   # hung_task: a task in D state
rcu: INFO: .*detected stalls    # RCU CPU/task stall
hard LOCKUP                     # NMI watchdog
UBSAN:                          # undefined behaviour sanitizer report
list_(add|del) corruption       # CONFIG_DEBUG_LIST
refcount_t:                     # refcount saturation/underflow
(^|\] )BUG [^ ]+ \((Not tainted|Tainted: [^)]*)\): # SLUB: redzone/poison overwritten (slab_bug())
freeing invalid memtype         # x86/PAT: memtype_free() of a range never reserved
conflicting memory types        # x86/PAT: memtype_reserve() conflict
map pfn expected mapping type   # x86/PAT: track_pfn_insert()/remap with a mismatched memtype
map pfn RAM range req           # x86/PAT: a pfnmap of RAM with a non-WB type
'
KMSG_BAD_RE=$(echo "$KMSG_PATTERNS" | sed -e 's/[[:space:]][[:space:]]*# .*$//' -e '/^$/d' |
	awk 'NR > 1 { printf "|" } { printf "%s", $0 } END { print "" }')

# TAINT_USER (bit 6): vfio no-IOMMU mode sets it on purpose.
TAINT_IGNORED=64

kmsg_bad_lines() {
	grep -E "$KMSG_BAD_RE" || true
}

# Drop from stdin the complaint lines a test provokes on purpose:
# kmsg_allow_filter ID FILE.  FILE lines, tab-separated: TEST_ID_GLOB ERE
# WHY.  Only a line of that test that matches ERE goes; everything else
# stays a complaint.
kmsg_allow_filter() {
	local id=$1 file=$2 glob ere res=""
	if [ -f "$file" ]; then
		while IFS="$TAB" read -r glob ere _; do
			case "$glob" in ''|'#'*) continue ;; esac
			# shellcheck disable=SC2254
			case "$id" in $glob) res="$res${res:+|}$ere" ;; esac
		done <"$file"
	fi
	if [ -n "$res" ]; then
		grep -vE -- "$res" || true
	else
		cat
	fi
}

# New taint bits, minus the ignored ones, in TAINT_ADDED (a variable:
# run_vmtests.sh calls it once a case): taint_new BEFORE AFTER
taint_new() {
	# shellcheck disable=SC2034 # the callers read it
	TAINT_ADDED=$(($2 & ~$1 & ~TAINT_IGNORED))
}

# awk's key(version): the first three dot-separated numbers as one number
# ("6.12.117-foo" = 6.12.117), so versions compare numerically.
VERSION_KEY_AWK='
	function key(s,    a, n, i, k) {
		sub(/[^0-9.].*/, "", s)
		n = split(s, a, ".")
		k = 0
		for (i = 1; i <= 3; i++)
			k = k * 100000 + (i <= n ? a[i] + 0 : 0)
		return k
	}
'

# Succeeds when version $1 lies in [$2, $3].
version_in_range() {
	awk -v v="$1" -v lo="$2" -v hi="$3" "$VERSION_KEY_AWK"'
	BEGIN { exit !(key(v) >= key(lo) && key(v) <= key(hi)) }'
}

TAB=$(printf '\t')

# The expectations entry of a test on a kernel:
#   expectation_for ID KERNEL_VERSION FILE -> "KIND<tab>ERE<tab>REFERENCE" or ""
# FILE lines, tab-separated: MIN_VERSION MAX_VERSION KIND TEST_ID_GLOB ERE
# REFERENCE.  KIND is how the known bug shows (or alternatives joined by
# "|"): fail (the test's own
# assertion), log (a kernel log line or taint), hang (the per-test
# timeout), crash (the guest died: panic, oops, or silent past the host's
# timeout); ERE must match a line of that evidence.
expectation_for() {
	[ -f "$3" ] || return 0
	expectation_lookup "$1" "$(expectations_of_kernel "$2" "$3")"
	[ -z "$EXP" ] || printf '%s\n' "$EXP"
}

# The lines of an expectations FILE (or, with "skips", a skips FILE) whose
# version range holds kernel KVER, reordered for the lookups below:
#   expectations_of_kernel KVER FILE [skips]
#   -> "GLOB<tab>KIND<tab>ERE<tab>REFERENCE" (skips: "GLOB<tab>ERE")
# One awk for the whole file: run_vmtests.sh calls it once per run and
# looks each case up in memory, with no process and no file read per case.
expectations_of_kernel() {
	[ -f "$2" ] || return 0
	awk -F '\t+' -v v="$1" -v skips="${3:-}" "$VERSION_KEY_AWK"'
	/^#/ || NF < 4 { next }
	key(v) >= key($1) && key(v) <= key($2) {
		if (skips != "") {
			rest = $0
			for (i = 1; i <= 3; i++)
				sub(/^[^\t]*\t+/, "", rest)
			print $3 "\t" rest
			next
		}
		rest = $0
		for (i = 1; i <= 4; i++)
			sub(/^[^\t]*\t+/, "", rest)
		print $4 "\t" $3 "\t" rest
	}' "$2"
}

NL='
'

# The first of LINES (expectations_of_kernel's output) whose glob matches
# test ID, as "KIND<tab>ERE<tab>REFERENCE" in EXP ("" when none).  Sets a
# variable, not stdout: a $(...) would cost run_vmtests.sh a fork a case.
expectation_lookup() {
	local id=$1 line IFS=$NL
	EXP=""
	set -f	# the globs match test ids, not file names
	for line in $2; do
		# shellcheck disable=SC2254
		case "$id" in
		${line%%"$TAB"*}) EXP=${line#*"$TAB"}; break ;;
		esac
	done
	set +f
}

# Is a SKIP of test ID with REASON on kernel KVER pinned in FILE?  Lines,
# tab-separated: MIN_VERSION MAX_VERSION TEST_ID_GLOB REASON_ERE.
skip_pinned() {
	[ -f "$4" ] || return 1
	skip_pinned_in "$1" "$3" "$(expectations_of_kernel "$2" "$4" skips)"
}

# skip_pinned on the lines of one kernel (expectations_of_kernel ... skips):
# skip_pinned_in ID REASON LINES.  Every pin whose glob matches is tried.
skip_pinned_in() {
	local id=$1 reason=$2 line ere IFS=$NL
	set -f
	for line in $3; do
		# shellcheck disable=SC2254
		case "$id" in
		${line%%"$TAB"*})
			ere=${line#*"$TAB"}
			# Not a pipe: grep -q may exit before printf writes, and
			# under pipefail that would read as "no match".
			if grep -qE -- "$ere" <<-EOF
			$reason
			EOF
			then
				set +f
				return 0
			fi ;;
		esac
	done
	set +f
	return 1
}

# Does a failure of kind KIND with the evidence in FILE match the
# expectation EXP (expectation_for's output)?
expectation_matches() {
	local exp=$1 kind=$2 file=$3 ere
	# KIND may name alternatives ("fail|log": a WARN_ONCE only the first
	# such case of a boot logs); the regex decides either way.
	case "|${exp%%"$TAB"*}|" in *"|$kind|"*) ;; *) return 1 ;; esac
	ere=${exp#*"$TAB"}
	ere=${ere%%"$TAB"*}
	grep -qE -- "$ere" "$file"
}

# Judge what a failed case showed against its expectation:
# expectation_verdict EXP HKIND OUT COMPLAINTS.  HKIND is the harness's
# failure (fail, hang) or "" when it passed; OUT the file of what the case
# printed; COMPLAINTS its kernel complaint lines, "" for none.  XFAIL only
# when every piece is one the expectation records: each kind seen is one
# of its KIND alternatives, its regex matches the harness output of a
# failure and every single complaint line of a log.  Prints the kinds
# seen ("fail", "log", "fail+log") and succeeds; else prints the piece
# that did not match (the kind, or "log<TAB>line") and fails.
expectation_verdict() {
	local exp=$1 hkind=$2 out=$3 complaints=$4 kinds ere line seen=""
	kinds="|${exp%%"$TAB"*}|"
	ere=${exp#*"$TAB"}
	ere=${ere%%"$TAB"*}
	if [ -n "$hkind" ]; then
		case "$kinds" in *"|$hkind|"*) ;; *) echo "$hkind"; return 1 ;; esac
		grep -qE -- "$ere" "$out" || { echo "$hkind"; return 1; }
		seen=$hkind
	fi
	if [ -n "$complaints" ]; then
		line=$(printf '%s\n' "$complaints" | head -n 1)
		case "$kinds" in *"|log|"*) ;; *) printf 'log\t%s\n' "$line"; return 1 ;; esac
		line=$(printf '%s\n' "$complaints" | grep -vE -e "$ere" -e '^$' |
			head -n 1) || true
		if [ -n "$line" ]; then
			printf 'log\t%s\n' "$line"
			return 1
		fi
		seen=${seen:+$seen+}log
	fi
	echo "$seen"
}

# Every line of an expectations file is well formed: prints the bad ones.
expectations_lint() {
	awk -F '\t' '
	/^#/ || /^$/ { next }
	NF < 6 || $3 !~ /^(fail|log|hang|crash)(\|(fail|log|hang|crash))*$/ ||
	    $5 == "" || $5 == ".*" ||
	    $1 !~ /^[0-9]+\.[0-9]+/ || $2 !~ /^[0-9]+\.[0-9]+/ {
		print FILENAME ":" NR ": " $0
	}' "$1"
}

# Count a TAP stream (stdin) and print the closing lines.  XFAIL counts as
# passed and XPASS as failed; their own counts come on the line before.
# Exit status: 1 when anything failed.
tap_summary() {
	awk '
	/^ok [0-9]+ .*# *SKIP/		{ skip++; next }
	/^ok [0-9]+ .*# *XFAIL/		{ xfail++; pass++; next }
	/^ok [0-9]+/			{ pass++; next }
	/^not ok [0-9]+ .*# *XPASS/	{ xpass++; fail++; next }
	/^not ok [0-9]+/		{ fail++; next }
	END {
		printf "# xfail %d, xpass %d\n", xfail, xpass
		printf "%d passed, %d failed, %d skipped\n", pass, fail, skip
		exit fail > 0
	}'
}
