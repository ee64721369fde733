#ifndef SFUNNELC_CLIBBPF_SHIM_H
#define SFUNNELC_CLIBBPF_SHIM_H
/*
 * libbpf for Swift. Swift cannot expand libbpf's LIBBPF_OPTS macro (it sets
 * the struct's size field for ABI checks), so the few calls that take option
 * structs are wrapped here as static inline functions.
 */
#include <errno.h>
#include <stddef.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

/* Opens an object file; the verifier log of a later load lands in `log`. */
static inline struct bpf_object *sfc_object_open(const char *path, char *log, size_t log_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts,
		    .kernel_log_buf = log,
		    .kernel_log_size = log_size,
		    .kernel_log_level = log ? 1 : 0);
	return bpf_object__open_file(path, &opts);
}

/* Runs a program once or `repeat` times on a packet (BPF_PROG_TEST_RUN).
 * Returns 0 or -errno. */
static inline int sfc_test_run(int prog_fd, const void *in, __u32 in_size, void *out,
			       __u32 *out_size, __u32 repeat, __u32 *retval, __u32 *duration)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in,
		    .data_size_in = in_size,
		    .data_out = out,
		    .data_size_out = *out_size,
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(prog_fd, &opts);

	if (err)
		return -errno;
	*out_size = opts.data_size_out;
	*retval = opts.retval;
	*duration = opts.duration;
	return 0;
}

/* Silences libbpf's own messages; errors are reported through return values. */
static inline int sfc_libbpf_quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static inline void sfc_libbpf_quiet(void)
{
	libbpf_set_print(sfc_libbpf_quiet_print);
}
#endif
