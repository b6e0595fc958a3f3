#include "probe.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>

static sigjmp_buf probe_jb;
static volatile sig_atomic_t probe_sig;

static void probe_handler(int sig)
{
	probe_sig = sig;
	siglongjmp(probe_jb, 1);
}

static int probe(volatile uint8_t *p, int write, uint8_t v, uint8_t *out)
{
	struct sigaction sa, osegv, obus;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = probe_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGSEGV, &sa, &osegv);
	sigaction(SIGBUS, &sa, &obus);
	probe_sig = 0;
	if (sigsetjmp(probe_jb, 1) == 0) {
		if (write)
			*p = v;
		else
			*out = *p;
	}
	sigaction(SIGSEGV, &osegv, NULL);
	sigaction(SIGBUS, &obus, NULL);
	return probe_sig;
}

int probe_read(const volatile uint8_t *p, uint8_t *out)
{
	uint8_t dummy;
	return probe((volatile uint8_t *)p, 0, 0, out ? out : &dummy);
}

int probe_write(volatile uint8_t *p, uint8_t v)
{
	return probe(p, 1, v, NULL);
}
