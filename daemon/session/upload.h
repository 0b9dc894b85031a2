/*
 * upload.h - receiving files (upload.c): STOR, STOU, APPE, REST + STOR.
 */
#ifndef SANDFTPD_UPLOAD_H
#define SANDFTPD_UPLOAD_H

struct session;

enum upload_kind {
	UPLOAD_STORE,	/* STOR: a new file, or one replacing the old */
	UPLOAD_UNIQUE,	/* STOU: under a name that is free */
	UPLOAD_APPEND,	/* APPE: added to the end */
	UPLOAD_RESUME,	/* REST n + STOR: written from byte n on */
};

/* Run one upload command (arg: its path; STOU: a name or ""). */
void upload_run(struct session *s, enum upload_kind kind, const char *arg);
/* The session ends mid-upload: remove what must not stay. */
void upload_abandon(struct session *s);

#endif
