# Make sql/views.sql from sql/views-escapes and sql/views.sql.in:
#	awk -f sql/views.awk sql/views-escapes sql/views.sql.in > views.sql
#
# The views show each character of views-escapes as its replacement,
# through nested replace() calls that plain sqlite3 runs; written by hand
# they were long chains that differ only in their column. Each paragraph
# of views-escapes becomes one stage (a CTE) that escapes its characters
# in every column named on the template's "@stages" line:
#
#	@stages COLUMN ...
#	<the first stage's source, one or more lines, the first one
#	indented by one tab: it becomes "FROM <source>">
#	@end
#
# "@last" in a later line names the last stage; lines that start with
# "@--" are the template's own comments and are left out. Everything else
# is copied.

BEGIN {
	FS = "\t"
	nstages = 0
	open = 0
}

# views-escapes: "CODEPOINT<tab>REPLACEMENT", paragraphs are stages.
FNR == NR {
	if ($0 ~ /^#/)
		next
	if ($0 == "") {
		open = 0
		next
	}
	if (NF != 2 || $1 !~ /^[0-9]+$/ || $2 ~ /'/) {
		printf "%s:%d: want CODEPOINT<tab>REPLACEMENT without a quote\n",
		    FILENAME, FNR > "/dev/stderr"
		failed = 1
		exit 1
	}
	if (!open) {
		nstages++
		nchars[nstages] = 0
		open = 1
	}
	n = ++nchars[nstages]
	code[nstages, n] = $1
	repl[nstages, n] = $2
	next
}

# The template.
insource {
	if ($0 == "@end") {
		insource = 0
		stages()
		next
	}
	source[++nsource] = $0
	next
}

/^@--/ {
	next
}

/^@stages / {
	ncols = split(substr($0, 9), cols, " ")
	nsource = 0
	insource = 1
	next
}

{
	gsub(/@last/, "s" nstages)
	print
}

END {
	if (failed)
		exit 1
	if (insource) {
		print "views.awk: @stages without @end" > "/dev/stderr"
		exit 1
	}
}

# Print every stage over the columns in cols, the first from source.
function stages(	k, j, i, line) {
	for (k = 1; k <= nstages; k++) {
		if (k == 1)
			print "\tWITH s1 AS (SELECT id,"
		else
			print "s" k " AS (SELECT id,"
		for (j = 1; j <= ncols; j++)
			column(k, cols[j], j == ncols)
		if (k == 1) {
			for (i = 1; i <= nsource; i++) {
				line = source[i]
				if (i == 1)
					sub(/^\t/, "\tFROM ", line)
				if (i == nsource)
					line = line ")" (k < nstages ? "," : "")
				print line
			}
		} else
			print "\tFROM s" (k - 1) ")" (k < nstages ? "," : "")
	}
}

# Print one column of stage k: its characters replaced, 8 replace( and
# 3 pairs a line, and only when it holds a character outside printable
# ASCII.
function column(k, col, last,	n, i, line) {
	n = nchars[k]
	print "\t    CASE WHEN " col " GLOB '*[^ -~]*' THEN"
	line = ""
	for (i = 1; i <= n; i++) {
		line = line "replace("
		if (i % 8 == 0 || i == n) {
			print "\t    " line
			line = ""
		}
	}
	print "\t    " col ","
	line = ""
	for (i = 1; i <= n; i++) {
		line = line (line == "" ? "" : " ") "char(" code[k, i] "), '" \
		    repl[k, i] "')" (i < n ? "," : "")
		if (i % 3 == 0 || i == n) {
			print "\t    " line
			line = ""
		}
	}
	print "\t    ELSE " col " END AS " col (last ? "" : ",")
}
