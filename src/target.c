/* target: reading and writing the memory of the traced process.
 *
 * process_vm_readv is the fast path (one syscall, no page-table walk through
 * /proc); it fails whole on a range that crosses an unmapped page, so a failed
 * read is retried page by page to return the readable prefix.  Writes go
 * through /proc/PID/mem because only that (or PTRACE_POKEDATA) may write the
 * read-only pages that hold code. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "leaktrace/target.h"

#define PAGE 4096u

int target_mem_open(struct target_mem *tm, pid_t pid)
{
	char fn[64];

	tm->pid = pid;
	snprintf(fn, sizeof fn, "/proc/%d/mem", (int)pid);
	tm->memfd = open(fn, O_RDWR | O_CLOEXEC);
	return tm->memfd < 0 ? -errno : 0;
}

void target_mem_close(struct target_mem *tm)
{
	if (tm->memfd >= 0)
		close(tm->memfd);
	tm->memfd = -1;
}

static ssize_t read_once(const struct target_mem *tm, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(tm->pid, &local, 1, &remote, 1, 0);

	if (n < 0 && (errno == ENOSYS || errno == EPERM) && tm->memfd >= 0)
		n = pread(tm->memfd, buf, len, (off_t)addr);
	return n;
}

ssize_t target_read(const struct target_mem *tm, uint64_t addr, void *buf, size_t len)
{
	ssize_t n = read_once(tm, addr, buf, len);
	size_t done = 0;

	if (n >= 0 || errno != EFAULT)
		return n;
	/* a hole somewhere: take the readable prefix a page at a time */
	while (done < len) {
		size_t chunk = PAGE - (size_t)((addr + done) % PAGE);
		if (chunk > len - done)
			chunk = len - done;
		n = read_once(tm, addr + done, (char *)buf + done, chunk);
		if (n <= 0)
			break;
		done += (size_t)n;
		if ((size_t)n < chunk)
			break;
	}
	if (done == 0) {
		errno = EFAULT;
		return -1;
	}
	return (ssize_t)done;
}

int target_write(const struct target_mem *tm, uint64_t addr, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n =
		    pwrite(tm->memfd, (const char *)buf + done, len - done, (off_t)(addr + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

int target_fill(const struct target_mem *tm, uint64_t addr, uint64_t len, int byte)
{
	unsigned char buf[4096];

	memset(buf, byte, sizeof buf);
	while (len) {
		size_t n = len < sizeof buf ? (size_t)len : sizeof buf;
		int e = target_write(tm, addr, buf, n);
		if (e)
			return e;
		addr += n;
		len -= n;
	}
	return 0;
}
