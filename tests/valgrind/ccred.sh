#!/bin/sh
# The valgrind stage of tests/run.sh points $CCRED here: the built ccred
# under memcheck.  Every error, and every definite or indirect leak, makes
# it exit 99 (which no test expects) and is logged to
# $CCRED_VALGRIND_LOGS/vg.PID.log, which run.sh also reads.
: "${CCRED_BUILDDIR:?}" "${CCRED_VALGRIND_LOGS:?}"
exec "$CCRED_BUILDDIR/libtool" --mode=execute valgrind -q --tool=memcheck \
	--error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --track-origins=yes \
	--suppressions="$CCRED_SRCDIR/tests/valgrind/ccred.supp" \
	--log-file="$CCRED_VALGRIND_LOGS/vg.%p.log" \
	"$CCRED_BUILDDIR/ccred" "$@"
