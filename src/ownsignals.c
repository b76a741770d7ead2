/* ownsignals: leaktrace's own signals.
 *
 * SIGINT, SIGTERM, SIGQUIT, SIGHUP end the session (report what we have,
 * leave the program running); in -p mode SIGUSR1 asks for a report and
 * SIGALRM only wakes the wait loop for the timers.  The handlers set flags;
 * the wait loop acts on them. */
#include <signal.h>
#include <string.h>

#include "session_int.h"

/* the only globals of the tracer side: a handler can reach nothing else */
static volatile sig_atomic_t stop_signal, report_signal, tty_signals_are_the_programs;

static void on_stop_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGUSR1) {
		report_signal = 1;
		return;
	}
	if (sig == SIGALRM)
		return; /* only wakes waitpid up */
	/* Ctrl-C and Ctrl-\ in the terminal of a program we started reach
	 * the program too; it decides, and we report when it ends */
	if (tty_signals_are_the_programs && (sig == SIGINT || sig == SIGQUIT) && si &&
	    si->si_code == SI_KERNEL)
		return;
	stop_signal = sig;
}

void ownsignals_install(bool attached)
{
	struct sigaction sa;

	tty_signals_are_the_programs = !attached;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_stop_signal;
	sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: waitpid returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* a --log-socket or --xml-socket listener that goes away must not
	 * take leaktrace (and the report) with it */
	signal(SIGPIPE, SIG_IGN);
	if (attached)
		sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL); /* only the timers of -p and --interval set it off */
}

int ownsignals_stop_requested(void)
{
	return stop_signal;
}

bool ownsignals_take_report_request(void)
{
	if (!report_signal)
		return false;
	report_signal = 0;
	return true;
}
