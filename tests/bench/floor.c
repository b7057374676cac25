/* SPDX-License-Identifier: MIT */
/* The floor for any credential helper: a trivial, dynamically linked C
 * program that prints a line, as `ccred token` does on a cache hit.  The
 * benchmark compares ccred's hit with this, measured side by side. */
#include <stdio.h>

int main(void)
{
	fputs("floor-token-floor-token-floor-token-floor-to\n", stdout);
	return 0;
}
