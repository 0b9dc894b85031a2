/*
 * greeter - what rawfloor's exec floor starts per connection: write a 220
 * line to the connection (its stdout) and exit.  Linked statically so
 * that starting it costs an exec, not a dynamic loader's work: the floor
 * under any server that gives each session a fresh process image.
 */
#include <unistd.h>

int main(void)
{
	static const char line[] = "220 floor\r\n";

	return write(STDOUT_FILENO, line, sizeof line - 1) ==
	       (ssize_t)(sizeof line - 1) ? 0 : 1;
}
