/*
 * treemem - memory of a server's whole process tree, for `make bench`.
 *
 *   treemem PID      one JSON line: processes, threads, and the sums of
 *                    Pss and Rss (kB, /proc/N/smaps_rollup) over PID and
 *                    all its descendants
 *   treemem -l PID   the tree's processes, one "PID STARTTIME" a line
 *                    (bench.sh ends leftover sessions by it, checking the
 *                    start time so that a reused PID is never signalled)
 *
 * PSS divides each shared page among the processes that map it, so the
 * sum is the tree's fair share of RAM however much it shares.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROCS 200000

struct proc {
	long pid, ppid, threads;
	unsigned long long start;
	bool in_tree;
};

static struct proc *procs;
static size_t nprocs;

/* Fields of /proc/N/stat after the command name, which may hold spaces
 * and parentheses: parse from the last ')'. */
static bool read_stat(long pid, struct proc *p)
{
	char path[64], buf[1024], *s;
	long ppid, threads;
	unsigned long long start;
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	s = strrchr(buf, ')');
	if (s == NULL)
		return false;
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt
	 * cmajflt utime stime cutime cstime priority nice num_threads
	 * itrealvalue starttime */
	if (sscanf(s + 2, "%*c %ld %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %*s %*s %*s %*s %ld %*s %llu", &ppid, &threads,
		   &start) != 3)
		return false;
	p->pid = pid;
	p->ppid = ppid;
	p->threads = threads;
	p->start = start;
	p->in_tree = false;
	return true;
}

static void scan(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (d == NULL) {
		perror("treemem: /proc");
		exit(1);
	}
	procs = calloc(MAX_PROCS, sizeof *procs);
	if (procs == NULL) {
		perror("treemem");
		exit(1);
	}
	while ((e = readdir(d)) != NULL && nprocs < MAX_PROCS) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (read_stat(strtol(e->d_name, NULL, 10), &procs[nprocs]))
			nprocs++;
	}
	closedir(d);
}

/* Mark root and its descendants; repeat until nothing changes (the
 * trees are shallow, so a few passes). */
static void mark(long root)
{
	bool changed = true;

	for (size_t i = 0; i < nprocs; i++)
		procs[i].in_tree = procs[i].pid == root;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < nprocs; i++) {
			if (procs[i].in_tree)
				continue;
			for (size_t j = 0; j < nprocs; j++) {
				if (procs[j].in_tree &&
				    procs[j].pid == procs[i].ppid) {
					procs[i].in_tree = changed = true;
					break;
				}
			}
		}
	}
}

static void rollup(long pid, unsigned long long *pss,
		   unsigned long long *rss)
{
	char path[64], line[256];
	unsigned long long v;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", pid);
	f = fopen(path, "re");
	if (f == NULL)
		return;		/* it just ended */
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "Pss: %llu", &v) == 1)
			*pss += v;
		else if (sscanf(line, "Rss: %llu", &v) == 1)
			*rss += v;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	bool list = argc == 3 && strcmp(argv[1], "-l") == 0;
	unsigned long long pss = 0, rss = 0;
	long root, n = 0, threads = 0;

	if (!list && argc != 2) {
		fprintf(stderr, "usage: treemem [-l] PID\n");
		return 2;
	}
	root = strtol(argv[argc - 1], NULL, 10);
	if (root < 1) {
		fprintf(stderr, "treemem: bad PID\n");
		return 2;
	}
	scan();
	mark(root);
	for (size_t i = 0; i < nprocs; i++) {
		if (!procs[i].in_tree)
			continue;
		if (list) {
			printf("%ld %llu\n", procs[i].pid, procs[i].start);
			continue;
		}
		n++;
		threads += procs[i].threads;
		rollup(procs[i].pid, &pss, &rss);
	}
	if (!list)
		printf("{\"procs\":%ld,\"threads\":%ld,\"pss_kb\":%llu,"
		       "\"rss_kb\":%llu}\n", n, threads, pss, rss);
	return 0;
}
