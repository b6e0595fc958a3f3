/* Time: the one monotonic clock and a sleep that survives signals. */
#ifndef GT_CLOCK_H
#define GT_CLOCK_H

/* CLOCK_MONOTONIC in milliseconds. */
long mono_ms(void);
/* Sleep milliseconds (resumed after a signal). */
void msleep(unsigned ms);

#endif
