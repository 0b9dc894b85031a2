/*
 * cmd_params.c - TYPE, MODE, STRU, REST, ALLO: transfer parameters.
 * Only what is implemented is accepted; the other RFC 959 values get 504.
 */
#include <string.h>

#include "../../common/util.h"
#include "commands.h"

void
cmd_type(struct session *s, char *arg)
{
	str_upper(arg);
	if (strcmp(arg, "I") == 0 || strcmp(arg, "L 8") == 0 ||
	    strcmp(arg, "L8") == 0) {
		s->ascii = false;
		reply(s, 200, "Switching to Binary mode.");
	} else if (strcmp(arg, "A") == 0 || strcmp(arg, "A N") == 0) {
		s->ascii = true;
		reply(s, 200, "Switching to ASCII mode.");
	} else if (arg[0] == 'A' || arg[0] == 'E' || arg[0] == 'L') {
		reply(s, 504, "Type %s not implemented.", arg);
	} else {
		reply(s, 501, "Unknown type %s.", arg);
	}
}

void
cmd_mode(struct session *s, char *arg)
{
	str_upper(arg);
	if (strcmp(arg, "S") == 0)
		reply(s, 200, "Mode set to S.");
	else if (strcmp(arg, "B") == 0 || strcmp(arg, "C") == 0)
		reply(s, 504, "Mode %s not implemented.", arg);
	else
		reply(s, 501, "Unknown mode.");
}

void
cmd_stru(struct session *s, char *arg)
{
	str_upper(arg);
	if (strcmp(arg, "F") == 0)
		reply(s, 200, "Structure set to F.");
	else if (strcmp(arg, "R") == 0 || strcmp(arg, "P") == 0)
		reply(s, 504, "Structure %s not implemented.", arg);
	else
		reply(s, 501, "Unknown structure.");
}

void
cmd_rest(struct session *s, char *arg)
{
	uint64_t off;

	if (parse_uint(arg, 0, (uint64_t)INT64_MAX, &off) < 0) {
		reply(s, 501, "REST needs a byte offset.");
		return;
	}
	s->rest = off;
	reply(s, 350, "Restart position accepted (%llu).",
	    (unsigned long long)off);
}

void
cmd_allo(struct session *s, char *arg)
{
	(void)arg;
	reply(s, 202, "ALLO command ignored.");
}
