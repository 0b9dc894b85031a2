/*
 * fuzz_parsers.c - libFuzzer target: PORT/EPRT/EPSV arguments, paths,
 * wildcards and configuration lines, all from one input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/config.h"
#include "../../common/path.h"
#include "../../daemon/session/ftpaddr.h"
#include "../../daemon/session/listing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[VPATH_MAX];
	struct sock_addr a;
	struct config cf;
	struct strbuf errs;
	int proto, all;
	char *half;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)ftp_parse_port(s, &a);
	(void)ftp_parse_eprt(s, &a);
	(void)ftp_parse_epsv(s, &proto, &all);
	if (path_join("/a/b", s, out, sizeof(out)) == 0 && out[0] != '/')
		__builtin_trap();
	half = s + strlen(s) / 2;
	(void)wildcard_match(half, s);
	config_defaults(&cf);
	sb_init(&errs, 4096);
	(void)config_set_option(&cf, s, 1, &errs);
	sb_free(&errs);
	free(s);
	return 0;
}
