// SPDX-License-Identifier: GPL-2.0-only
/*
 * no-grant-copy.so: preloaded into QEMU so that its probe finds no grant
 * copy (as on a kernel without GRANT_COPY).  QEMU's block backend then moves
 * every request through gntdev mappings: map, memcpy, unmap.  Nothing else
 * of libxengnttab is touched.
 */
#include <errno.h>
#include <stdint.h>
#include <xengnttab.h>

int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
			 xengnttab_grant_copy_segment_t *segs)
{
	(void)xgt;
	(void)count;
	(void)segs;
	errno = ENOSYS;
	return -1;
}
