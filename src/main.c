/* leaktrace: find memory leaks in an unmodified program with ptrace.
 * main: options in, what can be refused before anything runs, one session,
 * exit status out. */
#include <stdio.h>
#include <stdlib.h>

#include "leaktrace/options.h"
#include "leaktrace/outfile.h"
#include "leaktrace/session.h"
#include "leaktrace/tracee.h"

int main(int argc, char **argv)
{
	struct config cfg;
	char err[4200];
	int r = options_parse(argc, argv, &cfg);

	if (r) {
		options_free(&cfg);
		return r > 0 ? 0 : 1;
	}
	/* an output file that cannot be written fails now, not after the run */
	if (outfile_check_outputs(&cfg, err, sizeof err)) {
		fprintf(stderr, "leaktrace: %s\n", err);
		options_free(&cfg);
		return 1;
	}
	/* a program that cannot be run: valgrind's 127 (not found) or 126 */
	if (!cfg.attach_pid) {
		char *path = NULL;
		r = tracee_check_program(cfg.target_argv[0], &path, err, sizeof err);
		free(path);
		if (r) {
			fprintf(stderr, "leaktrace: %s\n", err);
			options_free(&cfg);
			return r;
		}
	}
	r = session_run(&cfg);
	options_free(&cfg);
	return r;
}
