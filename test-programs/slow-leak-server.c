/* slow-leak-server: a server loop (50 ticks a second, for argv[1] seconds,
 * default 30) whose heap holds four patterns: cache_put keeps 100 bytes a
 * tick (a steady leak of 5,000 bytes/s, every block still reachable);
 * handle_request allocates 20 buffers of 2 KB a tick and frees them every
 * 7th tick (bursts); load_table allocates 200 KB once, at 1 s (a one-off
 * growth that plateaus); shuffle reallocates 8 blocks to random sizes of
 * 1 to 40 KB each tick (noise).  Only cache_put is a leak. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct entry {
	struct entry *next;
	char key[92];
};

static struct entry *cache;
static void *burst[20 * 7];
static int nburst;
static void *table;
static void *noise[8];

static void cache_put(int i)
{
	struct entry *e = malloc(sizeof *e);
	memset(e->key, 'k', sizeof e->key);
	e->key[0] = (char)i;
	e->next = cache;
	cache = e;
}

static void handle_request(int tick)
{
	for (int i = 0; i < 20; i++) {
		burst[nburst] = malloc(2048);
		memset(burst[nburst++], 0, 2048);
	}
	if (tick % 7 == 6) {
		while (nburst)
			free(burst[--nburst]);
	}
}

static void load_table(void)
{
	table = calloc(200, 1024);
}

static void shuffle(unsigned *seed)
{
	for (int k = 0; k < 8; k++)
		noise[k] = realloc(noise[k], 1000 + rand_r(seed) % 39000);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 30;
	unsigned seed = 1;
	struct timespec tick_len = { 0, 20 * 1000 * 1000 };

	for (int tick = 0; tick < seconds * 50; tick++) {
		cache_put(tick);
		handle_request(tick);
		if (tick == 50)
			load_table();
		shuffle(&seed);
		nanosleep(&tick_len, NULL);
	}
	return table && cache ? 0 : 1;
}
