/* Thin wrappers around the raw /dev/xen/gntdev ioctls and mmap. */
#ifndef GT_GNTDEV_RAW_H
#define GT_GNTDEV_RAW_H

#include <stddef.h>
#include <stdint.h>

#define GNTDEV_PATH "/dev/xen/gntdev"

int gd_open(void);                      /* fd or -errno */

/* All return 0 or -errno (the errno of the ioctl). */
int gd_map(int fd, uint32_t domid, const uint32_t *refs, uint32_t count, uint64_t *index);
/* As gd_map but each ref may have its own domid. */
int gd_map_doms(int fd, const uint32_t *doms, const uint32_t *refs, uint32_t count,
		uint64_t *index);
int gd_unmap(int fd, uint64_t index, uint32_t count);
int gd_offset_for_vaddr(int fd, const void *vaddr, uint64_t *offset, uint32_t *count);
int gd_set_unmap_notify(int fd, uint64_t index, uint32_t action, uint32_t port);
int gd_set_max_grants(int fd, uint32_t count);

/* mmap count pages of the map at 'index'; returns NULL with errno set. */
void *gd_mmap(int fd, uint64_t index, uint32_t count, int prot);

/* Issue an arbitrary request (for bad-input tests). Returns 0 or -errno. */
int gd_ioctl(int fd, unsigned long req, void *arg);

/* Size of struct ioctl_gntdev_map_grant_ref with 'count' refs. */
size_t gd_map_struct_size(uint32_t count);

unsigned long gd_req_map(void);
unsigned long gd_req_unmap(void);
unsigned long gd_req_offset(void);
unsigned long gd_req_notify(void);

#endif
