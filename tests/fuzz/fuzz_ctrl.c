/*
 * fuzz_ctrl.c - libFuzzer target: the control-line reader (telnet
 * filter, length limit) and the command splitter, fed arbitrary bytes in
 * arbitrary chunks.
 */
#include <stdint.h>
#include <string.h>

#include "../../daemon/session/commands.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct linereader lr;
	char line[CTRL_LINE_MAX + 1];
	size_t off = 0;

	lr_init(&lr);
	while (off < size) {
		/* The first byte of each chunk decides the chunk's length. */
		size_t n = 1 + data[off] % 64, room = lr_room(&lr);
		enum rd_result r;

		off++;
		if (n > size - off)
			n = size - off;
		if (n > room)
			n = room;
		lr_feed(&lr, (const char *)data + off, n);
		off += n;
		while ((r = lr_next(&lr, line, sizeof(line))) != RD_NONE) {
			char *verb, *arg;

			if (r == RD_LINE && command_split(line, &verb, &arg) == 0 &&
			    strlen(verb) > 8)
				__builtin_trap();
		}
		if (room == 0)
			break;
	}
	return 0;
}
