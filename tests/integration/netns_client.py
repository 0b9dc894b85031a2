"""Run inside a test's network namespace by test_budgets.py:

    netns_client.py SERVER PORT SOURCE...

connects to SERVER:PORT from each SOURCE address in turn, keeping every
connection open until the last, and prints the first reply line each got
as a JSON list.  Bounded: a 10 s timeout per socket operation."""
import json
import socket
import sys


def main():
    server, port, sources = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    held, lines = [], []
    for src in sources:
        s = socket.create_connection((server, port), timeout=10,
                                     source_address=(src, 0))
        held.append(s)
        lines.append(s.makefile("rb").readline().decode().rstrip("\r\n"))
    for s in held:
        s.close()
    print(json.dumps(lines))


if __name__ == "__main__":
    main()
