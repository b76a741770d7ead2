/* leaktrace: find memory leaks in an unmodified program with ptrace.
 * main: options in, one session, exit status out. */
#include <signal.h>
#include <stdlib.h>

#include "leaktrace/options.h"
#include "leaktrace/session.h"

int main(int argc, char **argv)
{
	struct config cfg;
	int r = options_parse(argc, argv, &cfg);

	if (r)
		return r > 0 ? 0 : 1;
	/* The terminal's Ctrl-C reaches the program, which decides what it
	 * means; leaktrace stays to write the report when the program ends. */
	if (!cfg.attach_pid) {
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
	}
	r = session_run(&cfg);
	free(cfg.self_args);
	free(cfg.supp_files);
	return r;
}
