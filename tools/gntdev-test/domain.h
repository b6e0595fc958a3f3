/* The domain this runs in: its page size, and whether it is a PV guest. */
#ifndef GT_DOMAIN_H
#define GT_DOMAIN_H

long pagesz(void);

/* 1 if this kernel is a PV guest (gntdev maps via PTE modification, so
 * munmap releases grants at once), 0 if auto-translated (PVH/HVM). */
int dom_is_pv(void);

#endif
