/*
 * The 32-bit helper (gntdev-test-compat32), carried inside gntdev-test so
 * that the toolkit stays one file to copy: scenario compat32-caller writes
 * it to a memfd and executes it.  Built without it (no working
 * `gcc -m32 -static`), the blob is empty and the scenario skips.
 */
	.section .rodata.compat32, "a"
	.balign 16
	.globl compat32_blob
	.globl compat32_blob_end
compat32_blob:
#ifdef HAVE_COMPAT32
	.incbin "gntdev-test-compat32"
#endif
compat32_blob_end:
	.section .note.GNU-stack, "", @progbits
