/*
 * listing.h - directory listings: reading a directory (getdents64, sorted,
 * wildcard-filtered), and the line formats: `ls -l` for LIST and STAT,
 * RFC 3659 facts for MLSD/MLST, MDTM timestamps.  Formatting functions
 * are pure (a struct stat in, text out) so tests can pin them down.
 */
#ifndef SANDFTPD_LISTING_H
#define SANDFTPD_LISTING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "../../common/strbuf.h"
#include "rights.h"

#define MLST_TYPE 0x01
#define MLST_SIZE 0x02
#define MLST_MODIFY 0x04
#define MLST_PERM 0x08
#define MLST_UNIX_MODE 0x10
#define MLST_FACTS_ALL 0x1f
#define MLST_FACTS_DEFAULT MLST_FACTS_ALL

/*
 * The largest directory a listing reads: beyond these it is refused with
 * 451 "too many entries".  Memory of a listing stays below 80 MiB (the
 * names, their offsets, the sort's scratch), within a child's data limit.
 */
#define DIRLIST_MAX_ENTRIES (1024u * 1024)
#define DIRLIST_MAX_BYTES (48u * 1024 * 1024)

struct dirlist {
	struct strbuf names;	/* NUL-separated names */
	size_t *off;		/* start of each name in names */
	size_t n, cap;
};

#define DIRLIST_HIDDEN 0x01	/* names starting with '.' */
#define DIRLIST_DOTDOT 0x02	/* "." and ".." themselves */

/*
 * Read the directory open at dirfd.  Dot files only with DIRLIST_HIDDEN or
 * when the pattern itself starts with a dot; with a pattern, only matching
 * names.  Sorted bytewise.  0, or -1 (errno).
 */
int dirlist_read(int dirfd, struct dirlist *dl, unsigned flags,
    const char *pattern);
void dirlist_free(struct dirlist *dl);
/* Append one name (unsorted); 0 or -1. */
int dirlist_add(struct dirlist *dl, const char *name);
const char *dirlist_name(const struct dirlist *dl, size_t i);

/* One `ls -l` line (with CRLF); link_target for symbolic links or NULL. */
void list_line_ls(struct strbuf *out, const char *name, const struct stat *st,
    const char *link_target, time_t now);

/* One MLSx fact line "fact=v;...; name" (with CRLF unless for MLST).
 * parent: the directory holding it, for the perm fact (NULL: unknown). */
void list_line_mlsx(struct strbuf *out, const char *name, const struct stat *st,
    const struct stat *parent, const char *type, uint32_t facts,
    const struct perm_ctx *pc, bool crlf);
/* "file", "dir", or "OS.unix=..." for other kinds. */
const char *mlsx_type(const struct stat *st);

/* OPTS MLST: select facts from "type;size;..."; unknown ones ignored. */
uint32_t mlst_facts_parse(const char *arg);
/* "type*;size*;..." for FEAT, or the selected "type;size;" list. */
void mlst_facts_text(uint32_t facts, bool for_feat, struct strbuf *out);

/*
 * YYYYMMDDHHMMSS in UTC (a buffer of MDTM_BUF bytes).  false, and out
 * empty, for a time that has no such form (a year before 0 or after
 * 9999: file systems keep times far beyond either).
 */
#define MDTM_BUF 32
bool format_mdtm(time_t t, char out[MDTM_BUF]);

#endif
