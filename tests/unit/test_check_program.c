/* Unit test of tracee_check_program: the exit statuses valgrind gives for a
 * program it cannot run (127 not found, 126 found but not runnable), with a
 * one-line message, and 0 for what can be traced. */
#include "check.h"
#include "leaktrace/tracee.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int status(const char *name, const char *want_msg)
{
	char err[512] = "", *path = NULL;
	int r = tracee_check_program(name, &path, err, sizeof err);

	if (want_msg && !strstr(err, want_msg)) {
		fprintf(stderr, "%s: message '%s', want '%s'\n", name, err, want_msg);
		r = -1;
	}
	if (!r)
		CHECK(path != NULL);
	CHECK(!strchr(err, '\n'));
	free(path);
	return r;
}

int main(void)
{
	char dir[] = "/tmp/lt-check-program.XXXXXX", p[64];

	if (!mkdtemp(dir))
		return 1;
	CHECK(status("leaktrace-no-such-command", "command not found") == 127);
	CHECK(status("./leaktrace-no-such-file", "No such file or directory") == 127);
	snprintf(p, sizeof p, "%s/none/x", dir);
	CHECK(status(p, "No such file or directory") == 127);
	CHECK(status(dir, "Is a directory") == 126);
	snprintf(p, sizeof p, "%s/text", dir);
	FILE *f = fopen(p, "w");
	CHECK(f && fputs("plain text, not a program\n", f) >= 0);
	if (f)
		fclose(f);
	chmod(p, 0755);
	CHECK(status(p, "not ELF") == 126);
	snprintf(p, sizeof p, "%s/script", dir);
	f = fopen(p, "w");
	CHECK(f && fputs("#!/bin/sh\nexit 0\n", f) >= 0);
	if (f)
		fclose(f);
	chmod(p, 0755);
	CHECK(status(p, NULL) == 0);
	CHECK(status("/bin/true", NULL) == 0);
	CHECK(status("true", NULL) == 0);
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd))
		return 1;
	return check_summary("check_program");
}
