/* check.h: the unit tests' assertions.  A failed check prints what failed
 * with its file and line, and the test goes on to the others; main ends
 * with check_summary(), whose result is the exit status. */
#ifndef LEAKTRACE_TEST_CHECK_H
#define LEAKTRACE_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, checks;

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		checks++;                                                                          \
		if (!(expr)) {                                                                     \
			failures++;                                                                \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr);   \
		}                                                                                  \
	} while (0)

/* Two strings equal; both are printed when they are not. */
#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		checks++;                                                                          \
		if (strcmp((got), (want)) != 0) {                                                  \
			failures++;                                                                \
			fprintf(stderr,                                                            \
				"%s:%d: CHECK failed: %s\n--- got:\n%s\n--- want:\n%s\n---\n",     \
				__FILE__, __LINE__, #got " == " #want, (got), (want));             \
		}                                                                                  \
	} while (0)

/* Whether an external tool a check needs (xmllint) is installed.  Without it the check
 * is left out, except under CI=true, where the missing tool is a failed check. */
static inline int check_tool(const char *tool)
{
	char cmd[128];
	const char *ci = getenv("CI");

	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	if (system(cmd) == 0)
		return 1;
	if (ci && strcmp(ci, "true") == 0) {
		checks++;
		failures++;
		fprintf(stderr, "%s is not installed (CI=true: a missing tool is a failure)\n",
			tool);
	}
	return 0;
}

/* "NAME: N checks, M failed"; nonzero when a check failed. */
static inline int check_summary(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, checks, failures);
	return failures != 0;
}

#endif
