/* SPDX-License-Identifier: MIT */
/*
 * Refresh ahead: a cache hit whose token is inside its refresh window (from
 * refresh_ahead seconds before expiry down to min_ttl) is still a hit, and
 * the token says a refresh is due (ccred_token_refresh_due).  Whoever holds
 * the token then calls ccred_token_refresh, in a process or thread of its
 * own: the library never forks (the command's detached refresher is in
 * helper/refresh.c).
 *
 * A crowd of callers in the window makes one request: a refresh takes the
 * fetch lock without waiting (a refresher or a fetch already at work means
 * nothing to do), then reads the entry again (another refresher may have
 * renewed it while this one started).  A refresh that fails leaves the
 * entry as it is and is not tried again for 10 s: the time is kept in the
 * refresh record beside the entry, so every process sees it.
 */
#include "ccred-int.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* After a failed refresh, none starts for this long. */
#define RETRY_MS 10000LL

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Where the window starts, in seconds before expiry; 0 when there is none. */
static long window(const struct ccred_ctx *ctx, time_t obtained, time_t expires)
{
	long life = (long)(expires - obtained), ra = ctx->prof.refresh_ahead;

	if (ra == 0 || life <= 0)
		return 0;
	if (ra < 0)
		ra = ccredi_effective_min_ttl(ctx, obtained, expires) + life / 3;
	/* A token serves a sixth of its life before it is refreshed: a
	 * refresh_ahead at or past the lifetime would otherwise make every hit
	 * a refresh, and every refresh's token due at once. */
	if (ra > life - life / 6)
		ra = life - life / 6;
	return ra;
}

/* Whether the refresh record holds refreshes off at now.  A time further
 * ahead than any record says (a clock set back) is not honoured: it could
 * hold them off for ever. */
static bool held_off(const struct ccred_ctx *ctx, int dirfd, const char *stem, long long now)
{
	long long not_before;

	if (ccredi_refresh_record_read(dirfd, stem, &not_before) < 0)
		return false;
	if (not_before - now > ctx->prof.timeout * 1000LL + RETRY_MS)
		return false;
	return now < not_before;
}

bool ccredi_refresh_due(struct ccred_ctx *ctx, int dirfd, const char *stem,
                        const struct ccredi_cache_entry *e)
{
	long ra = window(ctx, e->obtained, e->expires);
	long long left = (long long)(e->expires - time(NULL));

	if (ra <= 0 || left >= ra)
		return false;
	/*
	 * Only a hit inside the window pays for this look, so that callers
	 * start no refresher while one is at work (its record is written as
	 * soon as it holds the lock) or for 10 s after one failed.  The lock
	 * itself is not probed here: a probe holds it for an instant, and a
	 * refresher trying it then would give up for nothing.
	 */
	if (held_off(ctx, dirfd, stem, wall_ms())) {
		ccredi_trace(ctx, 1,
		             "refresh: inside refresh_ahead (%ld s), but a refresh is at "
		             "work, or failed less than 10 s ago",
		             ra);
		return false;
	}
	ccredi_trace(ctx, 1, "refresh: inside refresh_ahead (%ld s): a refresh is due", ra);
	return true;
}

CCRED_API ccred_error ccred_token_refresh(struct ccred_ctx *ctx, const char *profile,
                                          ccred_refresh_state *state)
{
	struct ccredi_buf key = {0};
	struct ccredi_cache_entry e;
	struct ccred_token *tok = NULL;
	char stem[33], why[256];
	int dirfd = -1, lockfd = -1;
	long long now, left;
	bool waited;
	long ra;
	ccred_error rc;

	*state = CCRED_REFRESH_NOT_DUE;
	if (profile && (rc = ccred_profile_select(ctx, profile, NULL)) != CCRED_OK)
		return rc;
	if ((rc = ccredi_need_profile(ctx)) != CCRED_OK)
		return rc;
	if (!ctx->prof.cache || ctx->prof.refresh_ahead == 0) {
		ccredi_trace(ctx, 1, "refresh: off for this profile (%s)",
		             ctx->prof.cache ? "refresh_ahead = 0" : "cache = no");
		return CCRED_OK;
	}
	if (ccredi_cache_key(&ctx->prof, &key, stem) < 0) {
		rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
		goto out;
	}
	/* Only a cached token is refreshed ahead: nothing is created here. */
	if ((dirfd = ccredi_cache_dir_open(ctx, 0, why, sizeof(why))) < 0) {
		ccredi_trace(ctx, 1, "refresh: nothing cached: %s", why);
		goto out;
	}
	if ((lockfd = ccredi_lock_take(dirfd, stem, 0, &waited)) < 0) {
		if (errno == ETIMEDOUT)
			*state = CCRED_REFRESH_BUSY;
		ccredi_trace(ctx, 1, "refresh: not now: %s",
		             errno == ETIMEDOUT ? "another ccred is fetching" : strerror(errno));
		goto out;
	}
	now = wall_ms();
	if (held_off(ctx, dirfd, stem, now)) {
		*state = CCRED_REFRESH_BACKOFF;
		ccredi_trace(ctx, 1, "refresh: not now: one failed or began less than 10 s ago");
		goto out;
	}
	/* Under the lock, the entry as it is now: another refresher may have
	 * renewed it since our caller's hit. */
	if (ccredi_cache_read(dirfd, stem, key.p, &e, why, sizeof(why)) != 0) {
		ccredi_trace(ctx, 1, "refresh: nothing to refresh (%s)", why);
		goto out;
	}
	ra = window(ctx, e.obtained, e.expires);
	left = (long long)(e.expires - time(NULL));
	ccredi_cache_entry_clear(&e);
	if (ra <= 0 || left >= ra) {
		ccredi_trace(ctx, 1, "refresh: not due (%lld s left, window %ld s)", left, ra);
		goto out;
	}
	/* Written before the attempt as well, so that a refresher killed at
	 * its timeout (the command's alarm) holds the next one off too. */
	if (ccredi_refresh_record_write(dirfd, stem, now + ctx->prof.timeout * 1000LL + RETRY_MS,
	                                why, sizeof(why)) < 0)
		ccredi_trace(ctx, 1, "refresh: %s", why);
	ccredi_trace(ctx, 1, "refresh: %lld s left, inside refresh_ahead (%ld s): fetching", left,
	             ra);
	rc = ccredi_fetch_and_store(ctx, dirfd, stem, key.p, &tok);
	if (rc == CCRED_OK) {
		ccredi_refresh_record_remove(dirfd, stem);
		*state = CCRED_REFRESH_DONE;
	} else {
		if (ccredi_refresh_record_write(dirfd, stem, wall_ms() + RETRY_MS, why,
		                                sizeof(why)) < 0)
			ccredi_trace(ctx, 1, "refresh: %s", why);
		ccredi_trace(ctx, 1,
		             "refresh: failed; the cached token stays, and no refresh "
		             "starts for 10 s");
	}
out:
	ccred_token_free(tok);
	ccredi_lock_release(lockfd);
	if (dirfd >= 0)
		close(dirfd);
	ccredi_buf_clear(&key);
	return rc;
}
