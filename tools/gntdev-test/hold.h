/* How `map` and `share` hold what they set up until they are told to stop. */
#ifndef GT_HOLD_H
#define GT_HOLD_H

/* Block until stdin reaches EOF or SIGINT/SIGTERM/SIGHUP arrives. */
void hold_until_eof_or_signal(void);

#endif
