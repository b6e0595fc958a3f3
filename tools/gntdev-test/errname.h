/* Errno values by name, for evidence and messages. */
#ifndef GT_ERRNAME_H
#define GT_ERRNAME_H

/* "EINVAL" etc. for e or -e; "errno N" for one without a name here. */
const char *errname(int e);

#endif
