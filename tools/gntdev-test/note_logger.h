/* A libxen logger that turns library messages into scenario notes
 * (instead of printing them in the middle of the TAP stream). */
#ifndef GT_NOTE_LOGGER_H
#define GT_NOTE_LOGGER_H

struct xentoollog_logger;
struct xentoollog_logger *note_logger(void);

#endif
