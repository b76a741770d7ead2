/* leaktrace: find memory leaks in an unmodified program with ptrace.
 * main: options in, one session, exit status out. */
#include <stdlib.h>

#include "leaktrace/options.h"
#include "leaktrace/session.h"

int main(int argc, char **argv)
{
	struct config cfg;
	int r = options_parse(argc, argv, &cfg);

	if (r)
		return r > 0 ? 0 : 1;
	r = session_run(&cfg);
	free(cfg.self_args);
	free(cfg.supp_files);
	heapopts_release(&cfg.heap);
	return r;
}
