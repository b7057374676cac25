/* SPDX-License-Identifier: MIT */
/* Wiping memory that held a secret, in a way the compiler cannot drop. */
#include "ccred-int.h"

#include <stdlib.h>
#include <string.h>

void ccredi_wipe(void *p, size_t n)
{
	if (!p || !n)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	/* A volatile function pointer: the call cannot be proven dead. */
	static void *(*const volatile memset_v)(void *, int, size_t) = memset;
	memset_v(p, 0, n);
#endif
}

CCRED_API void ccred_wipe(void *p, size_t n)
{
	ccredi_wipe(p, n);
}

void ccredi_freezero(void *p, size_t n)
{
	if (!p)
		return;
	ccredi_wipe(p, n);
	free(p);
}

void ccredi_free_secret_str(char *s)
{
	if (s)
		ccredi_freezero(s, strlen(s));
}

char *ccredi_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}
