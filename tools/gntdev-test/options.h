/* Option values the commands share the parsing of. */
#ifndef GT_OPTIONS_H
#define GT_OPTIONS_H

#include <stdint.h>

/* Parse an unsigned decimal/hex number; -1 on error. */
int parse_u32(const char *s, uint32_t *out);
/* Parse "1,2,3" into a malloc'd array. Returns count or -1. */
int parse_u32_list(const char *s, uint32_t **out);
/* Parse --granter: a domid, or "auto" for the one domain whose granter
 * agent is ready.  -1 (with a message on stderr) on error. */
int parse_granter(const char *s, uint32_t *domid);

#endif
