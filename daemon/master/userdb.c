/*
 * userdb.c - the virtual users file and the deny list, in the master.
 *
 * Each file is loaded whole into a new table, and the table replaces the
 * old one only when the file could be read: a login never sees a file
 * half-applied.  Lines that fail to parse are skipped and logged with
 * FILE:LINE, so one typo does not lock every other user out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "../../common/util.h"
#include "userdb.h"

#define RECHECK_MS 1000
#define USERDB_LINES_MAX 1000000

/* A file we watch for changes: what it was when last read. */
struct watched {
	char path[PATH_MAX];
	bool loaded;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int64_t next_check;
};

struct table {
	struct vuser *v;	/* sorted by name */
	char **lines;		/* the storage the fields point into */
	size_t n;
	size_t nlines;
};

static struct watched db_file, deny_file;
static bool deny_system_uids;	/* no deny file: the built-in rule */
static struct table users, denied;

/* A login name: printable, no ':' (the field separator), no space. */
static bool
valid_login_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 256)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == ':' || *s == 0x7f)
			return false;
	return true;
}

/* yescrypt ($y$) or sha512-crypt ($6$), in crypt(3)'s alphabet. */
static bool
valid_hash(const char *h)
{
	size_t n = strlen(h);

	if (n < 8 || n >= VUSER_HASH_MAX)
		return false;
	if (strncmp(h, "$y$", 3) != 0 && strncmp(h, "$6$", 3) != 0)
		return false;
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		    (*h >= '0' && *h <= '9') || *h == '$' || *h == '.' ||
		    *h == '/' || *h == '='))
			return false;
	return true;
}

static char *
next_field(char **p)
{
	char *start = *p, *colon;

	if (start == NULL)
		return NULL;
	colon = strchr(start, ':');
	if (colon) {
		*colon = '\0';
		*p = colon + 1;
	} else {
		*p = NULL;
	}
	return start;
}

int
userdb_parse_line(char *line, struct vuser *v, const char **why)
{
	char *p, *mode;
	size_t len = strlen(line);

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '\0' || *p == '#')
		return 1;
	p = line;
	v->name = next_field(&p);
	v->hash = next_field(&p);
	v->account = next_field(&p);
	v->root = next_field(&p);
	mode = next_field(&p);
	if (mode == NULL || p != NULL) {
		*why = "expected NAME:HASH:ACCOUNT:ROOT:rw|ro (five fields)";
		return -1;
	}
	if (!valid_login_name(v->name)) {
		*why = "the name must be printable, without spaces or ':'";
		return -1;
	}
	if (str_casecmp(v->name, "anonymous") == 0 ||
	    str_casecmp(v->name, "ftp") == 0) {
		*why = "'anonymous' and 'ftp' are the anonymous login";
		return -1;
	}
	if (!valid_hash(v->hash)) {
		*why = "the hash must be yescrypt ($y$...) or sha512-crypt "
		    "($6$...); make one with sandftpd -P";
		return -1;
	}
	if (!str_is_account_name(v->account, VUSER_ACCOUNT_MAX)) {
		*why = "the account must be a local user name";
		return -1;
	}
	if (strcmp(v->account, "root") == 0) {
		*why = "sessions never run as root";
		return -1;
	}
	if (v->root[0] != '/' || strlen(v->root) >= PATH_MAX) {
		*why = "the root must be an absolute path";
		return -1;
	}
	if (strcmp(mode, "rw") == 0) {
		v->writable = true;
	} else if (strcmp(mode, "ro") == 0) {
		v->writable = false;
	} else {
		*why = "the last field must be rw or ro";
		return -1;
	}
	return 0;
}

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nlines; i++)
		free(t->lines[i]);
	free(t->lines);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct vuser *)a)->name,
	    ((const struct vuser *)b)->name);
}

/* By name, then by line: the first line of a name comes first. */
static int
by_name_line(const void *a, const void *b)
{
	const struct vuser *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Sort, and keep only the first line of each name (the rest is an
 * error, reported with its line). */
static int
sort_and_dedup(struct table *t, const char *path, struct strbuf *errs)
{
	size_t i, o = 0;
	int dups = 0;

	qsort(t->v, t->n, sizeof(*t->v), by_name_line);
	for (i = 0; i < t->n; i++) {
		if (o > 0 && strcmp(t->v[o - 1].name, t->v[i].name) == 0) {
			sb_appendf(errs, "%s:%d: a second line for '%s' (first "
			    "at line %d); line skipped\n", path, t->v[i].line,
			    t->v[i].name, t->v[o - 1].line);
			dups++;
			continue;
		}
		t->v[o++] = t->v[i];
	}
	t->n = o;
	return dups;
}

static int
table_add(struct table *t, char *line, const struct vuser *v, size_t *cap)
{
	if (t->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct vuser *nv = realloc(t->v, ncap * sizeof(*nv));
		char **nl;

		if (nv == NULL)
			return -1;
		t->v = nv;
		nl = realloc(t->lines, ncap * sizeof(*nl));
		if (nl == NULL)
			return -1;
		t->lines = nl;
		*cap = ncap;
	}
	t->lines[t->nlines++] = line;
	t->v[t->n++] = *v;
	return 0;
}

/* A deny-list line: one name, '#' comments, blank lines. */
static int
parse_deny_line(char *line, struct vuser *v, const char **why)
{
	char *p = line, *end;

	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strcspn(p, "#\r\n");
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	if (*p == '\0')
		return 1;
	if (!valid_login_name(p)) {
		*why = "expected one user name per line";
		return -1;
	}
	memset(v, 0, sizeof(*v));
	v->name = p;
	return 0;
}

typedef int line_parser(char *line, struct vuser *v, const char **why);

/*
 * Read path into a new table.  -1 if it cannot be read (t untouched);
 * else the number of lines skipped.
 */
static int
load_table(struct watched *w, struct table *t, line_parser *parse,
    struct strbuf *errs)
{
	struct table nt;
	struct stat st;
	size_t cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t len;
	int lineno = 0, skipped = 0;
	FILE *f;

	memset(&nt, 0, sizeof(nt));
	f = fopen(w->path, "re");
	if (f == NULL || fstat(fileno(f), &st) < 0) {
		sb_appendf(errs, "%s:0: cannot read: %s\n", w->path,
		    strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	while ((len = getline(&line, &lcap, f)) >= 0 &&
	    lineno < USERDB_LINES_MAX) {
		struct vuser v;
		const char *why = NULL;
		char *copy;
		int rc;

		lineno++;
		if (memchr(line, '\0', (size_t)len) != NULL) {
			sb_appendf(errs, "%s:%d: contains a NUL byte; line "
			    "skipped\n", w->path, lineno);
			skipped++;
			continue;
		}
		copy = strdup(line);
		if (copy == NULL)
			fatal("strdup");
		rc = parse(copy, &v, &why);
		v.line = lineno;
		if (rc == 0) {
			if (table_add(&nt, copy, &v, &cap) < 0)
				fatal("out of memory reading %s", w->path);
			continue;
		}
		free(copy);
		if (rc < 0) {
			sb_appendf(errs, "%s:%d: %s; line skipped\n", w->path,
			    lineno, why);
			skipped++;
		}
	}
	free(line);
	fclose(f);
	skipped += sort_and_dedup(&nt, w->path, errs);
	table_free(t);
	*t = nt;
	w->loaded = true;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->size = st.st_size;
	w->mtime = st.st_mtim;
	return skipped;
}

static bool
changed(struct watched *w)
{
	struct stat st;

	if (stat(w->path, &st) < 0)
		return w->loaded;	/* gone: say so, keep what we have */
	return !w->loaded || st.st_dev != w->dev || st.st_ino != w->ino ||
	    st.st_size != w->size || st.st_mtim.tv_sec != w->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != w->mtime.tv_nsec;
}

static void
reload(struct watched *w, struct table *t, line_parser *parse,
    const char *what)
{
	struct strbuf errs;
	int rc;

	sb_init(&errs, 64 * 1024);
	rc = load_table(w, t, parse, &errs);
	if (sb_str(&errs)[0])
		log_warn("%s%s", sb_str(&errs), rc < 0 ?
		    "keeping what was loaded before" : "");
	if (rc >= 0)
		log_info("%s: %s: %zu entries", what, w->path, t->n);
	sb_free(&errs);
}

static void
refresh_one(struct watched *w, struct table *t, line_parser *parse,
    const char *what, bool force, int64_t now)
{
	if (w->path[0] == '\0')
		return;
	if (!force && now < w->next_check)
		return;
	w->next_check = now + RECHECK_MS;
	if (force || changed(w))
		reload(w, t, parse, what);
}

void
userdb_refresh(bool force)
{
	int64_t now = sys_now_ms();

	refresh_one(&db_file, &users, userdb_parse_line, "user_db", force,
	    now);
	refresh_one(&deny_file, &denied, parse_deny_line, "user_deny_file",
	    force, now);
}

int
userdb_init(const struct config *cf, struct strbuf *errs)
{
	int bad = 0;

	str_copy(db_file.path, sizeof(db_file.path), cf->user_db);
	str_copy(deny_file.path, sizeof(deny_file.path),
	    cf->local_users ? cf->user_deny_file : "");
	if (db_file.path[0] && load_table(&db_file, &users, userdb_parse_line,
	    errs) < 0)
		bad++;
	if (deny_file.path[0] && access(deny_file.path, F_OK) < 0 &&
	    errno == ENOENT && strcmp(deny_file.path,
	    USERDB_DEFAULT_DENY_FILE) == 0) {
		/* Not installed (make install puts it there): the built-in
		 * rule instead, said in the log. */
		log_warn("user_deny_file %s does not exist: refusing root and "
		    "every account with a uid below %u instead", deny_file.path,
		    USERDB_SYSTEM_UID_END);
		deny_system_uids = true;
		deny_file.path[0] = '\0';
	}
	if (deny_file.path[0] && load_table(&deny_file, &denied,
	    parse_deny_line, errs) < 0)
		bad++;
	db_file.next_check = deny_file.next_check = sys_now_ms() + RECHECK_MS;
	return bad;
}

static const struct vuser *
lookup(const struct table *t, const char *name)
{
	struct vuser key;

	memset(&key, 0, sizeof(key));
	key.name = (char *)name;
	return t->n ? bsearch(&key, t->v, t->n, sizeof(key), by_name) : NULL;
}

const struct vuser *
userdb_find(const char *name)
{
	userdb_refresh(false);
	return lookup(&users, name);
}

bool
userdb_denied(const char *name)
{
	userdb_refresh(false);
	return lookup(&denied, name) != NULL ||
	    (deny_system_uids && strcmp(name, "root") == 0);
}

bool
userdb_denied_uid(uint32_t uid)
{
	return uid == 0 || (deny_system_uids && uid < USERDB_SYSTEM_UID_END);
}

size_t
userdb_count(void)
{
	return users.n;
}
