/*
 * fuzz_ipc.c - libFuzzer target: the master's validator of privileged
 * requests, on arbitrary message bytes, descriptor counts and phases.
 */
#include <stdint.h>
#include <string.h>

#include "../../common/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ipc_msg m;
	int ph;

	if (size < 2 || size - 2 > sizeof(m.u.raw))
		return 0;
	memset(&m, 0, sizeof(m));
	m.nfds = data[0] % (IPC_MAX_FDS + 1);
	m.truncated = data[0] & 0x80;
	ph = data[1] % 5;
	m.len = size - 2;
	memcpy(m.u.raw, data + 2, m.len);
	(void)ipc_check_from_child(&m, (enum ipc_phase)ph);
	(void)ipc_check_from_master(&m);
	return 0;
}
