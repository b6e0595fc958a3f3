/* Touch memory that may fault: the signal comes back as a value. */
#ifndef GT_PROBE_H
#define GT_PROBE_H

#include <stdint.h>

/* Return 0, or the signal number (SIGSEGV, SIGBUS) the access raised. */
int probe_read(const volatile uint8_t *p, uint8_t *out);
int probe_write(volatile uint8_t *p, uint8_t v);

#endif
