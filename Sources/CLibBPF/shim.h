#ifndef SFUNNELC_CLIBBPF_SHIM_H
#define SFUNNELC_CLIBBPF_SHIM_H
/*
 * libbpf for Swift. Swift cannot expand libbpf's LIBBPF_OPTS macro (it sets
 * the struct's size field for ABI checks), so the few calls that take option
 * structs are wrapped here as static inline functions.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/pkt_sched.h>
#include <linux/gen_stats.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

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

/* The same with a context: the packet's device (`ifindex`, looked up in the
 * calling thread's network namespace; 0 keeps the kernel's default, lo) and
 * GSO metadata (gso_size 0: not a GSO packet). Returns 0 or -errno. */
static inline int sfc_test_run_ctx(int prog_fd, const void *in, __u32 in_size, void *out,
				   __u32 *out_size, __u32 repeat, __u32 ifindex, __u32 gso_size,
				   __u32 gso_segs, __u32 *retval, __u32 *duration)
{
	struct __sk_buff ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.ifindex = ifindex;
	ctx.gso_size = gso_size;
	ctx.gso_segs = gso_segs;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in,
		    .data_size_in = in_size,
		    .data_out = out,
		    .data_size_out = *out_size,
		    .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx),
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

/*
 * tc (clsact) hooks and filters. `point` is BPF_TC_INGRESS or BPF_TC_EGRESS.
 * Each returns 0 or a negative errno, as libbpf does.
 */

/* Creates the clsact qdisc; -EEXIST when the interface already has one. */
static inline int sfc_tc_hook_create(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	return bpf_tc_hook_create(&hook);
}

/* Removes the clsact qdisc, and with it every filter on both of its hooks. */
static inline int sfc_tc_hook_destroy(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	return bpf_tc_hook_destroy(&hook);
}

/* Attaches (direct-action) at a fixed handle and priority. With `replace`,
 * a filter already there is changed in place (one netlink request): no
 * moment without a program. Returns the attached program's id in *prog_id. */
static inline int sfc_tc_attach(int ifindex, int point, int prog_fd, __u32 handle, __u32 priority,
				int replace, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = handle, .priority = priority,
		    .flags = replace ? BPF_TC_F_REPLACE : 0);
	int err = bpf_tc_attach(&hook, &opts);

	if (!err)
		*prog_id = opts.prog_id;
	return err;
}

static inline int sfc_tc_detach(int ifindex, int point, __u32 handle, __u32 priority)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
	return bpf_tc_detach(&hook, &opts);
}

/* The id of the program at this handle and priority; -ENOENT when none. */
static inline int sfc_tc_query(int ifindex, int point, __u32 handle, __u32 priority, __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = priority);
	int err = bpf_tc_query(&hook, &opts);

	if (!err)
		*prog_id = opts.prog_id;
	return err;
}

/*
 * One rtnetlink dump (RTM_GETTFILTER, RTM_GETQDISC, ...) for `ifindex`
 * (and `parent`, where the request takes one): calls `each` with every
 * message of type `reply` until the dump is done; `each` returns 0 to go on.
 * Returns 0 or a negative errno (the kernel's, or `each`'s).
 */
static inline int sfc_tc_dump(__u16 request, __u16 reply, int ifindex, __u32 parent,
			      int (*each)(const struct nlmsghdr *nh, void *ctx), void *ctx)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req;
	char buf[32768];
	int fd, err = 0, done = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
	req.nh.nlmsg_type = request;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.tc.tcm_family = AF_UNSPEC;
	req.tc.tcm_ifindex = ifindex;
	req.tc.tcm_parent = parent;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	while (!done && !err) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);
				err = e->error ? e->error : -EIO;
				break;
			}
			if (nh->nlmsg_type == reply && (err = each(nh, ctx)) != 0)
				break;
		}
	}
	close(fd);
	return err;
}

/* A filter message with a handle is a filter; one without is the (priority,
 * protocol) block that a dump also sends. */
static inline int sfc_count_filter(const struct nlmsghdr *nh, void *ctx)
{
	const struct tcmsg *t = NLMSG_DATA(nh);

	if (t->tcm_handle)
		(*(int *)ctx)++;
	return 0;
}

/*
 * Counts the filters (of any kind, anyone's) on one clsact hook with an
 * RTM_GETTFILTER dump; libbpf has no call that lists them. Returns the count
 * or a negative errno.
 */
static inline int sfc_tc_count_filters(int ifindex, int point)
{
	int count = 0;
	int err = sfc_tc_dump(RTM_GETTFILTER, RTM_NEWTFILTER, ifindex,
			      TC_H_MAKE(TC_H_CLSACT, point == BPF_TC_EGRESS ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS),
			      sfc_count_filter, &count);

	return err ? err : count;
}

struct sfc_drops {
	int ifindex;
	int found;
	__u32 drops;
};

/* From a qdisc message: the drop count, if it is the interface's clsact. */
static inline int sfc_take_clsact_drops(const struct nlmsghdr *nh, void *ctx)
{
	struct sfc_drops *d = ctx;
	const struct tcmsg *t = NLMSG_DATA(nh);
	const struct gnet_stats_queue *q = NULL;
	struct rtattr *a;
	int len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*t)), clsact = 0;

	if (t->tcm_ifindex != d->ifindex)
		return 0;
	for (a = (struct rtattr *)((char *)t + NLMSG_ALIGN(sizeof(*t))); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == TCA_KIND && strcmp(RTA_DATA(a), "clsact") == 0)
			clsact = 1;
		if (a->rta_type == TCA_STATS2) {
			struct rtattr *b;
			int blen = RTA_PAYLOAD(a);

			for (b = RTA_DATA(a); RTA_OK(b, blen); b = RTA_NEXT(b, blen))
				if (b->rta_type == TCA_STATS_QUEUE && RTA_PAYLOAD(b) >= sizeof(*q))
					q = RTA_DATA(b);
		}
	}
	if (clsact && q) {
		d->drops = q->drops;
		d->found = 1;
	}
	return 0;
}

/*
 * The packets the clsact qdisc of `ifindex` counted as dropped (programs on
 * either hook returning TC_ACT_SHOT), from an RTM_GETQDISC dump: the
 * qdisc's TCA_STATS2/TCA_STATS_QUEUE. Returns 1 and sets *drops, 0 if the
 * interface has no clsact qdisc, or a negative errno.
 */
static inline int sfc_clsact_drops(int ifindex, __u32 *drops)
{
	struct sfc_drops d = { .ifindex = ifindex };
	int err = sfc_tc_dump(RTM_GETQDISC, RTM_NEWQDISC, ifindex, 0, sfc_take_clsact_drops, &d);

	if (err)
		return err;
	if (d.found)
		*drops = d.drops;
	return d.found;
}

/* Moves the calling thread into the network namespace open at `fd`
 * (setns(2) with CLONE_NEWNET, which glibc declares only for _GNU_SOURCE).
 * Returns 0 or -errno. */
static inline int sfc_setns_net(int fd)
{
	return syscall(SYS_setns, fd, 0x40000000 /* CLONE_NEWNET */) ? -errno : 0;
}

/* 1 when `path` is a mounted bpffs, 0 when not. */
static inline int sfc_is_bpffs(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == 0xcafe4a11 /* BPF_FS_MAGIC */;
}

/* What the kernel says about a loaded program. */
struct sfc_prog_info {
	char name[BPF_OBJ_NAME_LEN];
	__u8 tag[BPF_TAG_SIZE];
	__u32 btf_id;
};

static inline int sfc_prog_info(__u32 prog_id, struct sfc_prog_info *out)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(prog_id);
	int err;

	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (err)
		return -errno;
	memcpy(out->name, info.name, sizeof(out->name));
	memcpy(out->tag, info.tag, sizeof(out->tag));
	out->btf_id = info.btf_id;
	return 0;
}

/* Finds, in the kernel's copy of BTF object `btf_id`, the first named type
 * whose name starts with `prefix`, and copies its name into `out`.
 * Returns 1 when found, 0 when not, or a negative errno. */
static inline int sfc_btf_find_name(__u32 btf_id, const char *prefix, char *out, size_t out_size)
{
	struct btf *btf = btf__load_from_kernel_by_id(btf_id);
	size_t plen = strlen(prefix);
	__u32 i, n;
	int found = 0;

	if (!btf)
		return -errno;
	n = btf__type_cnt(btf);
	for (i = 1; i < n && !found; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;

		if (name && strncmp(name, prefix, plen) == 0) {
			snprintf(out, out_size, "%s", name);
			found = 1;
		}
	}
	btf__free(btf);
	return found;
}
/*
 * TCX hooks (Linux 6.6+): programs attached to an interface's ingress or
 * egress without a qdisc, by BPF_PROG_ATTACH (no link, so they stay after
 * the process exits, as tc filters do). Debian 12's headers predate TCX:
 * its attach types and flag are spelled out here. Each returns 0 or a
 * negative errno; a kernel without TCX answers -EINVAL.
 */
#define SFC_TCX_INGRESS	46	/* BPF_TCX_INGRESS */
#define SFC_TCX_EGRESS	47	/* BPF_TCX_EGRESS */
#define SFC_F_REPLACE	(1U << 2)	/* BPF_F_REPLACE */

/* Attaches `prog_fd`; with `replace_fd` >= 0, in the place of that program, in one step. */
static inline int sfc_tcx_attach(int ifindex, int type, int prog_fd, int replace_fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = ifindex;	/* target_ifindex for TCX: the same field */
	attr.attach_bpf_fd = prog_fd;
	attr.attach_type = type;
	if (replace_fd >= 0) {
		attr.attach_flags = SFC_F_REPLACE;
		attr.replace_bpf_fd = replace_fd;
	}
	return syscall(__NR_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) ? -errno : 0;
}

/* Detaches `prog_fd` from the hook. */
static inline int sfc_tcx_detach(int ifindex, int type, int prog_fd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = ifindex;
	attr.attach_bpf_fd = prog_fd;
	attr.attach_type = type;
	return syscall(__NR_bpf, BPF_PROG_DETACH, &attr, sizeof(attr)) ? -errno : 0;
}

/* The ids of the programs on the hook, in the order they run: at most
 * `*count` into `ids`, `*count` set to how many there are. */
static inline int sfc_tcx_query(int ifindex, int type, __u32 *ids, __u32 *count)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = ifindex;
	attr.query.attach_type = type;
	attr.query.prog_ids = (__u64)(unsigned long)ids;
	attr.query.prog_cnt = *count;
	if (syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)))
		return -errno;
	*count = attr.query.prog_cnt;
	return 0;
}

/* The id of the loaded program `prog_fd`. */
static inline int sfc_prog_id_by_fd(int prog_fd, __u32 *id)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

/* An fd for program `id` (close it), or -errno. */
static inline int sfc_prog_fd_by_id(__u32 id)
{
	int fd = bpf_prog_get_fd_by_id(id);

	return fd < 0 ? -errno : fd;
}
#endif
