# SPDX-License-Identifier: MIT
# gdb script for security.bats: run the program to _exit, then search every
# readable mapping of its memory (heap, stacks, library data, everything
# but [vvar]/[vsyscall]) for the strings listed one a line in the file
# named by $CCRED_MEMSCAN_PATTERNS, and print one line per string:
#     ccred-memscan INDEX COUNT
# plus "ccred-memscan heap BYTES" (how much heap was searched).
# The patterns come from a file, never the environment: gdb hands its
# environment to the program, which would put them in its memory.
#
#   gdb -q -batch -nx -x memscan.py --args PROGRAM ARGS...
import os

import gdb

with open(os.environ["CCRED_MEMSCAN_PATTERNS"], "rb") as f:
    patterns = [p for p in f.read().split(b"\n") if p]
os.environ.pop("CCRED_MEMSCAN_PATTERNS", None)
gdb.execute("set breakpoint pending on")
gdb.execute("set startup-with-shell off")
gdb.Breakpoint("_exit")
gdb.execute("run")
inf = gdb.selected_inferior()
counts = [0] * len(patterns)
heap = 0
with open("/proc/%d/maps" % inf.pid) as maps:
    for line in maps:
        f = line.split()
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        name = f[5] if len(f) > 5 else ""
        if "r" not in f[1] or name in ("[vvar]", "[vsyscall]"):
            continue
        try:
            mem = inf.read_memory(lo, hi - lo).tobytes()
        except gdb.MemoryError:
            continue
        if name == "[heap]":
            heap += len(mem)
        for i, p in enumerate(patterns):
            counts[i] += mem.count(p)
for i, c in enumerate(counts):
    print("ccred-memscan %d %d" % (i, c))
print("ccred-memscan heap %d" % heap)
gdb.execute("kill")
