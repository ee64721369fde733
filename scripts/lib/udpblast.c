// udpblast: UDP datagrams as fast as the kernel takes them, counted at both
// ends, for scripts/bench-datapath (Python's own send loop would measure
// Python, not the datapath). Built by the bench with the C compiler it finds.
//
//   udpblast send HOST PORT SIZE SECONDS
//       Sends SIZE-byte datagrams (sendmmsg, 64 at a time) to HOST:PORT for
//       SECONDS; prints "sent N cpu C", C: the CPU seconds it used, user and
//       system. Without IRQ time accounting (this kernel's configuration)
//       that includes the softirq work of the datagrams' whole way through
//       veth, router and receiving stack that ran on its CPU.
//   udpblast recv PORT SIZE IDLE
//       Binds 0.0.0.0:PORT (64 MiB receive buffer), prints "ready", counts
//       datagrams until IDLE seconds pass without one; prints
//       "received N bad B seconds T sleeps S" (T: first to last datagram; B:
//       datagrams whose length or contents differ from what send writes; S:
//       the times it found its socket empty and slept until a datagram came,
//       its voluntary context switches: each one a wakeup that whoever
//       delivered that datagram paid for).
//
// Datagram i carries i (8 bytes, little endian) and then the bytes
// (131 k + 7) & 0xff for k = 8 .. SIZE-1; the receiver checks every byte.
// The sender writes only the 8 bytes of i per datagram, so its time goes
// to the kernel.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXSIZE 65507

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pattern(unsigned char *p, size_t size)
{
	size_t k;
	for (k = 0; k < size; k++)
		p[k] = (unsigned char)(131 * k + 7);
}

static void number(unsigned char *p, uint64_t i)
{
	memcpy(p, &i, 8);  // little endian on the machines this runs on
}

static int do_send(const char *host, int port, size_t size, double seconds)
{
	static unsigned char bufs[BATCH][MAXSIZE];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint64_t sent = 0;
	struct rusage ru;
	double end;

	if (fd < 0 || inet_pton(AF_INET, host, &to.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("udpblast send");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int b = 0; b < BATCH; b++) {
		pattern(bufs[b], size);
		iov[b] = (struct iovec){bufs[b], size};
		msgs[b].msg_hdr.msg_iov = &iov[b];
		msgs[b].msg_hdr.msg_iovlen = 1;
	}
	end = now() + seconds;
	while (now() < end) {
		int b, n;
		for (b = 0; b < BATCH; b++)
			number(bufs[b], sent + b);
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0) {
			// ENOBUFS and the like: nothing of this batch left; try again.
			if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED)
				continue;
			perror("udpblast sendmmsg");
			return 1;
		}
		sent += n;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("sent %llu cpu %.6f\n", (unsigned long long)sent,
	       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	return 0;
}

static int do_recv(int port, size_t size, double idle)
{
	static unsigned char bufs[BATCH][MAXSIZE];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = (time_t)idle, .tv_usec = (long)((idle - (time_t)idle) * 1e6)};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rcvbuf = 64 << 20;
	static unsigned char want[MAXSIZE];
	uint64_t got = 0, bad = 0;
	double first = 0, last = 0;
	struct rusage ru;

	pattern(want, size);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    bind(fd, (struct sockaddr *)&at, sizeof(at)) < 0) {
		perror("udpblast recv");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int b, n;
		for (b = 0; b < BATCH; b++) {
			iov[b] = (struct iovec){bufs[b], MAXSIZE};
			memset(&msgs[b], 0, sizeof(msgs[b]));
			msgs[b].msg_hdr.msg_iov = &iov[b];
			msgs[b].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;  // IDLE seconds without a datagram
			if (errno == EINTR)
				continue;
			perror("udpblast recvmmsg");
			return 1;
		}
		last = now();
		if (!got)
			first = last;
		for (b = 0; b < n; b++)
			bad += msgs[b].msg_len != size || memcmp(bufs[b] + 8, want + 8, size - 8);
		got += n;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("received %llu bad %llu seconds %.6f sleeps %ld\n", (unsigned long long)got, (unsigned long long)bad,
	       last - first, ru.ru_nvcsw);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && !strcmp(argv[1], "send")) {
		size_t size = strtoul(argv[4], NULL, 10);
		if (size < 8 || size > MAXSIZE)
			return fprintf(stderr, "udpblast: SIZE must be 8 .. %d\n", MAXSIZE), 2;
		return do_send(argv[2], atoi(argv[3]), size, atof(argv[5]));
	}
	if (argc == 5 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]), strtoul(argv[3], NULL, 10), atof(argv[4]));
	fprintf(stderr, "usage: udpblast send HOST PORT SIZE SECONDS | udpblast recv PORT SIZE IDLE\n");
	return 2;
}
