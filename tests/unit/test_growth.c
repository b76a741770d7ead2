/* Unit tests of growth.c: the suspect rule on a steady leak (flagged) and
 * on the non-leaks it must not flag, each judged at every length of the
 * series as the --interval reports would see it grow: bursts, a one-off
 * growth that then plateaus, a ramp that stopped, and noise.  Then the
 * per-stack ring of samples. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "leaktrace/growth.h"

#define N 30

/* A deterministic noise in [-1, 1]. */
static double noise(unsigned i)
{
	unsigned x = i * 2654435761u + 12345u;
	x ^= x >> 13;
	x *= 0x5bd1e995u;
	x ^= x >> 15;
	return (double)(x % 2001) / 1000.0 - 1.0;
}

static double t[N];

/* How many prefixes of y (lengths 1..N) the rule flags. */
static unsigned flagged(const struct growth_rule *r, const double *y)
{
	unsigned k = 0;
	struct growth_verdict v;

	for (size_t n = 1; n <= N; n++) {
		growth_judge(r, t, y, n, &v);
		k += v.suspect;
	}
	return k;
}

static void test_rule(void)
{
	struct growth_rule r;
	struct growth_verdict v;
	double leak[N], burst[N], oneoff[N], ramp[N], noisy[N], slowleak[N];

	growth_rule_default(&r);
	for (unsigned i = 0; i < N; i++) {
		t[i] = 2.0 * i; /* --interval=2 */
		leak[i] = 300000 + 4096.0 * i + 500 * noise(i);
		/* allocate up to 1 MB, free it all, again: where the look falls */
		burst[i] = 20000 + 1e6 * fabs(noise(i + 100));
		oneoff[i] = i < 12 ? 50000 : 50000 + 800000;
		ramp[i] = 50000 + 8192.0 * (i < 10 ? i : 10);
		noisy[i] = 500000 + 20000 * noise(i + 200);
		slowleak[i] = 1e6 + 600.0 * i + 300 * noise(i + 300);
	}
	/* flagged from the 6th look on (a one-sided 1% trend test needs six
	 * rising looks), at about 2048 bytes/s */
	CHECK(flagged(&r, leak) == N - 5);
	growth_judge(&r, t, leak, N, &v);
	CHECK(v.suspect && v.why == NULL);
	CHECK(fabs(v.rate - 2048) < 50);
	CHECK(v.tau > 0.9 && v.r2 > 0.99);
	CHECK(v.n == 10);
	/* 300 bytes/s under noise of +-300 bytes */
	growth_judge(&r, t, slowleak, N, &v);
	CHECK(v.suspect);
	CHECK(fabs(v.rate - 300) < 30);

	CHECK(flagged(&r, burst) == 0);
	CHECK(flagged(&r, oneoff) == 0);
	CHECK(flagged(&r, noisy) == 0);
	/* the ramp is a suspect while it rises, and stops being one once the
	 * window holds mostly plateau */
	growth_judge(&r, t, ramp, 8, &v);
	CHECK(v.suspect);
	growth_judge(&r, t, ramp, 17, &v);
	CHECK(!v.suspect);
	growth_judge(&r, t, ramp, N, &v);
	CHECK(!v.suspect);
	/* the one-off jump is rejected for its step while in the window */
	growth_judge(&r, t, oneoff, 16, &v);
	CHECK(!v.suspect && v.why && v.rate > 0);
	/* five samples are not enough, six rising ones are */
	growth_judge(&r, t, leak, 5, &v);
	CHECK(!v.suspect && v.tau == 1.0);
	growth_judge(&r, t, leak, 6, &v);
	CHECK(v.suspect && v.z > 2.326);
}

static void test_ring(void)
{
	struct growth_rule r;
	growth_rule_default(&r);
	r.window = 6;
	struct growth *g = growth_new(&r);
	struct growth_verdict v;
	double since;
	uint64_t b[3];

	for (unsigned i = 0; i < 20; i++) {
		b[0] = 10000 + 2000 * (uint64_t)i;	 /* a leak */
		b[1] = (uint64_t)(1e5 * fabs(noise(i))); /* bursts */
		size_t n = i < 5 ? 2 : 3;		 /* stack 2 appears late */
		b[2] = i < 12 ? 0 : 40000;		 /* one-off */
		CHECK(growth_sample(g, 1.0 * i, b, n, b[0] + b[2]) == 0);
		growth_stack(g, 0, &v, &since);
		if (i >= 5) {
			CHECK(v.suspect);
			CHECK(since == 0.0); /* suspect since the first look */
		}
		growth_stack(g, 1, &v, &since);
		CHECK(!v.suspect && since < 0);
		growth_stack(g, 2, &v, &since);
		CHECK(!v.suspect);
	}
	growth_stack(g, 0, &v, &since);
	CHECK(fabs(v.rate - 2000) < 1e-6);
	CHECK(v.n == 6);
	growth_stack(g, 7, &v, &since);
	CHECK(!v.suspect && since < 0);
	growth_total(g, &v);
	CHECK(v.suspect && fabs(v.rate - 2000) < 1e-6);
	CHECK(growth_samples(g) == 20);
	growth_free(g);
}

int main(void)
{
	test_rule();
	test_ring();
	return check_summary("growth");
}
