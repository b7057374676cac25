#!/bin/sh
# SPDX-License-Identifier: MIT
# The valgrind stage of tests/run.sh points $CCRED here: the built ccred
# under memcheck.  Every error, and every definite leak, makes it exit 99
# (which no test expects) and is logged to $CCRED_VALGRIND_LOGS/vg.PID.log,
# which run.sh also reads.
#
# Leaks: a definite record counts the blocks only it reaches ("N (D direct,
# I indirect) bytes"), and every indirectly lost block is reached from some
# definitely lost one, so counting definite leaks misses none; showing the
# indirect ones too would only repeat, by their own allocation stacks, the
# children of a root that ccred.supp suppresses.
#
# --run-libc-freeres=no: at exit glibc's __libc_freeres (elf/dl-libc.c
# free_mem) frees the dynamic linker's dl_scope_free_list but not the old
# scope arrays queued on it (freed only at the next dlclose), so a dlopen
# after the libsecret store's dlclose in a process that has threads (GLib's)
# showed 64 bytes "definitely lost" under _dl_close_worker; without freeres
# glibc's memory stays as it is at exit, reachable.
: "${CCRED_BUILDDIR:?}" "${CCRED_VALGRIND_LOGS:?}"
# ccred reads the name it was run as (docker-credential-ccred is a symlink
# to $CCRED): run it under valgrind by that name, through a symlink to it.
prog=$CCRED_BUILDDIR/ccred
name=${0##*/}
case $name in
ccred | ccred.sh) ;;
*)
	d=${CCRED_VALGRIND_LOGS%/}.argv0
	mkdir -p "$d"
	[ -L "$d/$name" ] || ln -s "$prog" "$d/$name" 2>/dev/null || [ -L "$d/$name" ]
	prog=$d/$name
	;;
esac
#
# Origins of uninitialised values are not tracked by default: a use of one is
# an error all the same (exit 99), and tracking them made each run ~1.7x
# slower (0.5 s more for `ccred --version`; about 950 runs per stage).  Rerun
# a failing test with CCRED_VALGRIND_TRACK_ORIGINS=1 to see where it came from.
exec "$CCRED_BUILDDIR/libtool" --mode=execute valgrind -q --tool=memcheck \
	--error-exitcode=99 --leak-check=full --show-leak-kinds=definite \
	--errors-for-leak-kinds=definite --run-libc-freeres=no \
	--track-origins="$([ -n "${CCRED_VALGRIND_TRACK_ORIGINS:-}" ] && echo yes || echo no)" \
	--suppressions="$CCRED_SRCDIR/tests/valgrind/ccred.supp" \
	--log-file="$CCRED_VALGRIND_LOGS/vg.%p.log" \
	"$prog" "$@"
