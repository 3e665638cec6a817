# SPDX-License-Identifier: ISC
# The C code blocks of one document, so that the documentation is tested as
# it stands: in Markdown (*.md) every ```c fence; in a manual page every
# .Bd -literal display of the EXAMPLES section.  A block right after a line
# <!-- compile-only --> (Markdown) or .\" compile-only (manual page) is
# compiled but not run.
#
#   awk -f doc-blocks.awk FILE            one line per block: INDEX MODE LINE
#   awk -v want=N -f doc-blocks.awk FILE  block N as C, with a #line directive
#                                         so that diagnostics name FILE:LINE
#
# In a manual page a code line may use only the escapes \e (backslash), \&
# and \-, and must not start with . or ' (write \&. as roff needs); anything
# else would render differently from what is compiled, and fails here.

function start() {
	n++
	inblock = 1
	mode[n] = compile_only ? "compile" : "run"
	at[n] = FNR
	compile_only = 0
	if (n == want)
		printf("#line %d \"%s\"\n", FNR + 1, FILENAME)
}

function emit(s) {
	if (n == want)
		print s
}

function fail(msg) {
	printf("%s:%d: %s\n", FILENAME, FNR, msg) > "/dev/stderr"
	bad = 1
}

function unescape(s,    out, c, i) {
	if (s ~ /^[.']/)
		fail("a code line starts with a control character (write \\&" \
		    substr(s, 1, 1) ")")
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c != "\\") {
			out = out c
			continue
		}
		c = substr(s, ++i, 1)
		if (c == "e")
			out = out "\\"
		else if (c == "-")
			out = out "-"
		else if (c != "&")
			fail("escape \\" c " in a code block (a backslash is \\e)")
	}
	return out
}

FNR == 1 {
	man = FILENAME !~ /\.md$/
}

!man && inblock {
	if ($0 ~ /^```[ \t]*$/)
		inblock = 0
	else
		emit($0)
	next
}
!man && other {
	if ($0 ~ /^```[ \t]*$/)
		other = 0
	next
}
!man {
	if ($0 ~ /^```c[ \t]*$/)
		start()
	else if ($0 ~ /^```/) {
		other = 1
		compile_only = 0
	} else if ($0 ~ /^<!-- compile-only -->[ \t]*$/)
		compile_only = 1
	else if ($0 !~ /^[ \t]*$/)
		compile_only = 0
	next
}

man && /^\.S[Hh] / {
	examples = $0 ~ /^\.S[Hh] "?EXAMPLES?"?[ \t]*$/
	next
}
man && !examples {
	next
}
man && inblock {
	if ($0 ~ /^\.Ed([ \t]|$)/)
		inblock = 0
	else
		emit(unescape($0))
	next
}
man {
	if ($0 ~ /^\.Bd[ \t]+-literal/)
		start()
	else if ($0 ~ /^\.\\" compile-only[ \t]*$/)
		compile_only = 1
	else if ($0 !~ /^\.\\"/)
		compile_only = 0
}

END {
	if (inblock)
		fail("the code block that starts at line " at[n] " never ends")
	if (bad)
		exit 1
	if (want == "")
		for (i = 1; i <= n; i++)
			print i, mode[i], at[i]
}
