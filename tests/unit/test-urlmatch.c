/* SPDX-License-Identifier: MIT */
/* URL matching as git's credential.<url>, and the loopback rule. */
#include "ccred-int.h"
#include "check.h"

static int match(const char *pat, const char *url)
{
	struct ccredi_url p, u;
	int r;

	if (ccredi_url_parse(pat, &p) < 0)
		return -100;
	if (ccredi_url_parse(url, &u) < 0) {
		ccredi_url_clear(&p);
		return -200;
	}
	r = ccredi_url_match(&p, &u);
	ccredi_url_clear(&p);
	ccredi_url_clear(&u);
	return r;
}

int main(void)
{
	CHECK(match("https://git.example.com", "https://git.example.com/org/repo.git") > 0);
	CHECK(match("https://git.example.com", "https://GIT.Example.COM/x") > 0);
	CHECK(match("https://git.example.com", "https://git.example.com.evil.org/x") < 0);
	CHECK(match("https://git.example.com", "https://evil.org/git.example.com") < 0);
	CHECK(match("https://git.example.com", "http://git.example.com/") < 0);
	CHECK(match("https://git.example.com", "https://git.example.com:443/") > 0);
	CHECK(match("https://git.example.com", "https://git.example.com:8443/") < 0);
	CHECK(match("https://git.example.com:8443", "https://git.example.com:8443/a") > 0);
	CHECK(match("https://git.example.com/org", "https://git.example.com/org/repo") > 0);
	CHECK(match("https://git.example.com/org", "https://git.example.com/org") > 0);
	CHECK(match("https://git.example.com/org/", "https://git.example.com/org/r") > 0);
	CHECK(match("https://git.example.com/org", "https://git.example.com/organisation") < 0);
	CHECK(match("https://git.example.com/org", "https://git.example.com/") < 0);
	CHECK(match("https://git.example.com/org/team", "https://git.example.com/org/team/r") >
	      match("https://git.example.com/org", "https://git.example.com/org/team/r"));
	CHECK(match("https://u@git.example.com", "https://git.example.com/") > 0);
	/* docker sends bare hosts: read as https */
	CHECK(match("https://registry.example.com", "registry.example.com") > 0);
	CHECK(match("registry.example.com", "https://registry.example.com/v2/") > 0);
	CHECK(match("https://[::1]:5000", "https://[::1]:5000/v2/") > 0);
	CHECK_INT(match("https://", "https://x/"), -100);
	CHECK_INT(match("https://x:0/", "https://x/"), -100);
	CHECK_INT(match("https://x:abc/", "https://x/"), -100);

	CHECK(ccredi_host_is_loopback("127.0.0.1"));
	CHECK(ccredi_host_is_loopback("127.255.0.9"));
	CHECK(ccredi_host_is_loopback("::1"));
	CHECK(ccredi_host_is_loopback("LOCALHOST"));
	CHECK(!ccredi_host_is_loopback("localhost.evil.org"));
	CHECK(!ccredi_host_is_loopback("128.0.0.1"));
	CHECK(!ccredi_host_is_loopback("127.0.0.1.nip.io"));
	CHECK(!ccredi_host_is_loopback("::2"));
	return check_done();
}
