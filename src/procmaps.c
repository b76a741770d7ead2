/* procmaps: the target's /proc/PID/maps, parsed, and fields of its
 * /proc/PID/status.
 *
 * The address space changes while the target runs, so every user (scratch
 * placement, the root set of a scan, module discovery) reads it afresh at
 * the moment it needs it, with the target stopped. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leaktrace/procmaps.h"

int procmaps_read(pid_t pid, struct maps *m)
{
	char fn[64], *line = NULL;
	size_t cap = 0, alloc = 0;
	FILE *f;
	int err = 0;

	m->v = NULL;
	m->n = 0;
	snprintf(fn, sizeof fn, "/proc/%d/maps", (int)pid);
	f = fopen(fn, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		struct mapping mp;
		char perms[8];
		unsigned long long s, e, off, ino;
		unsigned dmaj, dmin;
		int pos = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &s, &e, perms, &off, &dmaj,
			   &dmin, &ino, &pos) < 7)
			continue;
		char *path = line + pos;
		path[strcspn(path, "\n")] = '\0';
		memset(&mp, 0, sizeof mp);
		mp.start = s;
		mp.end = e;
		mp.offset = off;
		mp.inode = ino;
		mp.r = perms[0] == 'r';
		mp.w = perms[1] == 'w';
		mp.x = perms[2] == 'x';
		mp.shared = perms[3] == 's';
		mp.path = strdup(path);
		if (!mp.path) {
			err = -ENOMEM;
			break;
		}
		if (m->n == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			struct mapping *nv = realloc(m->v, na * sizeof *nv);
			if (!nv) {
				free(mp.path);
				err = -ENOMEM;
				break;
			}
			m->v = nv;
			alloc = na;
		}
		m->v[m->n++] = mp;
	}
	free(line);
	fclose(f);
	if (err)
		procmaps_free(m);
	return err;
}

void procmaps_free(struct maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

const struct mapping *procmaps_find(const struct maps *m, uint64_t addr)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr < m->v[mid].start)
			hi = mid;
		else if (addr >= m->v[mid].end)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}

/* The address in [gs, ge) (ge already less the guard page) closest to near
 * for len bytes, or none. */
static void consider_gap(uint64_t gs, uint64_t ge, uint64_t near, uint64_t len, uint64_t *best,
			 uint64_t *bestdist)
{
	const uint64_t page = 4096;

	if (ge <= gs || ge - gs < len)
		return;
	uint64_t cand = near < gs ? gs : near > ge - len ? ge - len : near;
	cand &= ~(page - 1);
	if (cand < gs)
		cand += page;
	if (cand + len > ge)
		return;
	uint64_t dist = cand > near ? cand - near : near - cand;
	if (dist < *bestdist) {
		*bestdist = dist;
		*best = cand;
	}
}

/* Gaps are searched outward from near; a guard of one page is left on both
 * sides so that a mapping that grows (the stack, a heap) never runs into
 * ours.  The program break grows without a mapping to show where it will
 * go: [avoid_lo, avoid_hi) is kept free for it. */
uint64_t procmaps_free_near(const struct maps *m, uint64_t near, uint64_t len, uint64_t avoid_lo,
			    uint64_t avoid_hi)
{
	const uint64_t reach = 3ull << 29, page = 4096, lowest = 1ull << 24;
	const uint64_t top = (1ull << 47) - page;
	uint64_t best = 0, bestdist = UINT64_MAX;

	for (size_t i = 0; i <= m->n; i++) {
		uint64_t gs = i ? m->v[i - 1].end + page : lowest;
		uint64_t ge = i < m->n ? m->v[i].start : top;

		if (ge <= gs || ge - gs < len + page)
			continue;
		ge -= page;
		if (avoid_hi + page <= gs || avoid_lo >= ge + page) {
			consider_gap(gs, ge, near, len, &best, &bestdist);
			continue;
		}
		/* the parts below and above the range, a guard page from it */
		if (avoid_lo > gs + page)
			consider_gap(gs, avoid_lo - page, near, len, &best, &bestdist);
		if (avoid_hi + page < ge)
			consider_gap(avoid_hi + page, ge, near, len, &best, &bestdist);
	}
	return bestdist <= reach ? best : 0;
}

int procmaps_stat_field(pid_t pid, pid_t tid, int field, uint64_t *out)
{
	char fn[64], buf[1024];

	if (tid > 0)
		snprintf(fn, sizeof fn, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	else
		snprintf(fn, sizeof fn, "/proc/%d/stat", (int)pid);
	int fd = open(fn, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int err = errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? -err : -EIO;
	buf[n] = '\0';
	/* the command name (field 2) may hold spaces and parentheses: the
	 * fields from 3 on follow its last ')', one space apart */
	char *p = strrchr(buf, ')');
	for (int f = 2; p && f < field; f++)
		p = strchr(p + 1, ' ');
	if (field < 4 || !p || !isdigit((unsigned char)p[1]))
		return -EINVAL;
	*out = strtoull(p + 1, NULL, 10);
	return 0;
}

uint64_t procmaps_start_brk(pid_t pid)
{
	uint64_t v;

	return procmaps_stat_field(pid, 0, 47, &v) ? 0 : v;
}

int procmaps_status_field(pid_t pid, const char *key, char *out, size_t len)
{
	char fn[64], line[256];
	size_t klen = strlen(key);
	FILE *f;

	snprintf(fn, sizeof fn, "/proc/%d/status", (int)pid);
	if (!(f = fopen(fn, "re")))
		return -errno;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			const char *v = line + klen + 1;
			v += strspn(v, " \t");
			snprintf(out, len, "%.*s", (int)strcspn(v, "\n"), v);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -ENOENT;
}

unsigned long long procmaps_status_number(pid_t pid, const char *key, int base,
					  unsigned long long dflt)
{
	char buf[64];

	if (procmaps_status_field(pid, key, buf, sizeof buf))
		return dflt;
	return strtoull(buf, NULL, base);
}
