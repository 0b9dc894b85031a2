# report.awk - the tables (default) or gnuplot's data (-v mode=plot) of
# bench.sh, from its results.tsv: server, workload, unit, median, runs,
# errors, note.  -v servers="sandftpd vsftpd ..." gives the columns.
BEGIN {
	nw = split("login small big list mlsd idle-pss idle-procs", work, " ")
	label["login"] = "login: sessions/s (16 clients)"
	label["small"] = "small: 4 KiB RETR/s (8 clients)"
	label["big"] = "big: 1 GiB RETR, MB/s (1 client)"
	label["list"] = "list: LIST of 10,000 entries, ms"
	label["mlsd"] = "mlsd: MLSD of 10,000 entries, ms"
	label["idle-pss"] = "idle: PSS per session, kB"
	label["idle-procs"] = "idle: processes per session"
	floorname["login"] = "raw-exec"
	floorname["small"] = "raw-small"
	floorname["big"] = "raw-big"
	for (i = 1; i <= nw; i++)
		lower[work[i]] = work[i] ~ /^(list|mlsd|idle)/
	ns = split(servers, sv, " ")
}
NR == 1 { next }
{
	val[$1, $2] = $4; errs[$1, $2] = $6; seen[$2] = 1
	unsup[$1, $2] = $7 ~ /^unsupported/
	if ($6 + 0 > 0 && !unsup[$1, $2])
		fails[++nfail] = sprintf("%s %s: %d failed (first: %s)", $1, $2, $6, $7)
}

function ok(v) { return v != "" && v != "NA" && v + 0 > 0 }
function fmt(v) {
	if (!ok(v)) return "n/a"
	if (v + 0 >= 100) return sprintf("%.0f", v)
	if (v + 0 >= 10) return sprintf("%.1f", v)
	return sprintf("%.2f", v)
}
function ratio(a, b) { return ok(a) && ok(b) ? sprintf("%.2f", a / b) : "n/a" }
function pct(a, b) { return ok(a) && ok(b) ? sprintf("%.0f%%", 100 * a / b) : "n/a" }
# The best peer's figure for workload w (not sandftpd, not the floor).
function best(w,   i, v, b) {
	b = ""
	for (i = 1; i <= ns; i++) {
		if (sv[i] == "sandftpd") continue
		v = val[sv[i], w]
		if (!ok(v)) continue
		if (b == "" || (lower[w] ? v + 0 < b + 0 : v + 0 > b + 0)) b = v
	}
	return b
}

function tables(   i, j, w, b, c) {
	printf "| workload | better |"
	for (i = 1; i <= ns; i++) printf " %s |", sv[i]
	printf " floor | sandftpd / best peer | sandftpd / floor |\n|---|---|"
	for (i = 1; i <= ns + 3; i++) printf "---:|"
	printf "\n"
	for (j = 1; j <= nw; j++) {
		w = work[j]
		if (!(w in seen)) continue
		printf "| %s | %s |", label[w], lower[w] ? "lower" : "higher"
		for (i = 1; i <= ns; i++) {
			if (unsup[sv[i], w])
				c = "not implemented"
			else
				c = fmt(val[sv[i], w]) (errs[sv[i], w] + 0 ? "*" : "")
			printf " %s |", c
		}
		b = best(w)
		if (w in floorname)
			printf " %s (%s) | %s | %s |\n", fmt(val["floor", w]),
			    floorname[w], ratio(val["sandftpd", w], b),
			    pct(val["sandftpd", w], val["floor", w])
		else
			printf " - | %s | - |\n", ratio(val["sandftpd", w], b)
	}
	if (nfail) {
		printf "\n`*`: some operations failed in these runs:\n\n"
		for (i = 1; i <= nfail; i++) printf "- %s\n", fails[i]
	}

	printf "\nsandftpd's figure divided by each peer's (above 1: more of it; "
	printf "for the lower-is-better rows, above 1 is worse):\n\n"
	printf "| workload |"
	for (i = 1; i <= ns; i++) if (sv[i] != "sandftpd") printf " / %s |", sv[i]
	printf "\n|---|"
	for (i = 1; i <= ns; i++) if (sv[i] != "sandftpd") printf "---:|"
	printf "\n"
	for (j = 1; j <= nw; j++) {
		w = work[j]
		if (!(w in seen)) continue
		printf "| %s |", w
		for (i = 1; i <= ns; i++)
			if (sv[i] != "sandftpd")
				printf " %s |", ratio(val["sandftpd", w], val[sv[i], w])
		printf "\n"
	}

	printf "\nEach server's figure as a fraction of the machine's floor "
	printf "(the same client against rawfloor, no FTP):\n\n"
	printf "| workload | floor |"
	for (i = 1; i <= ns; i++) printf " %s |", sv[i]
	printf "\n|---|---:|"
	for (i = 1; i <= ns; i++) printf "---:|"
	printf "\n"
	for (j = 1; j <= nw; j++) {
		w = work[j]
		if (!(w in floorname) || !(w in seen)) continue
		printf "| %s | %s %s |", w, floorname[w], fmt(val["floor", w])
		for (i = 1; i <= ns; i++)
			printf " %s |", pct(val[sv[i], w], val["floor", w])
		printf "\n"
	}
}

# Two data blocks for ratios.gp: rates as fractions of the floor, then
# the lower-is-better figures relative to sandftpd (or the first server).
function plot(   i, j, w, ref, v) {
	printf "workload"
	for (i = 1; i <= ns; i++) printf " %s", sv[i]
	printf "\n"
	for (j = 1; j <= nw; j++) {
		w = work[j]
		if (!(w in floorname)) continue
		printf "%s", w
		for (i = 1; i <= ns; i++) {
			v = val[sv[i], w]
			if (ok(v) && ok(val["floor", w]))
				printf " %.4f", v / val["floor", w]
			else
				printf " -"
		}
		printf "\n"
	}
	printf "\n\nworkload"
	for (i = 1; i <= ns; i++) printf " %s", sv[i]
	printf "\n"
	ref = "sandftpd"
	for (i = 1; i <= ns; i++) if (sv[i] == ref) break
	if (i > ns) ref = sv[1]
	for (j = 1; j <= nw; j++) {
		w = work[j]
		if (!lower[w] || w == "idle-procs") continue
		printf "%s", w
		for (i = 1; i <= ns; i++) {
			v = val[sv[i], w]
			if (ok(v) && ok(val[ref, w]))
				printf " %.4f", v / val[ref, w]
			else
				printf " -"
		}
		printf "\n"
	}
}

END { if (mode == "plot") plot(); else tables() }
