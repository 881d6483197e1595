/*
 * The C reference of bsdsock's benchmarks: the same workloads, written the
 * way a careful C programmer would, so every other implementation can be
 * measured as a ratio to it in the same run. Built with `cc -O2 -pthread` by
 * bench/run.ts when a compiler is present.
 *
 * The wire protocol (bench/README.md; every implementation speaks it, so any
 * client can talk to any server):
 *
 *   pingpong  stream; the client sends 64-byte messages one at a time and
 *             waits for each to come back whole; the server echoes. EOF ends.
 *   bulk      stream; the client sends N bytes in 64 KiB chunks, then
 *             shuts down its write side; the server counts what it reads (into
 *             one reused buffer) and answers with the count, 8 bytes LE.
 *   dgram     datagrams of 64 bytes; first byte 'D' for data, 'E' to end. On
 *             'E' the server answers the sender with the count of 'D's it
 *             received, 8 bytes LE. The client repeats 'E' until answered.
 *             Over AF_UNIX the client binds (autobind) and connect()s to the
 *             server first, then still uses sendto: Linux reports an
 *             unconnected AF_UNIX datagram socket as writable whatever the
 *             receiver's queue holds, so an event-loop sender could not wait
 *             for room (it would spin); a connected one can.
 *
 * Warm-up: every run is a fresh process, so each client first does part of
 * the work untimed, on the same connection, so that a JIT has compiled the
 * calls both sides make before the clock starts: ping-pong count/10 round
 * trips, bulk count/8 bytes (at most 64 MiB), dgram count/10 datagrams. The
 * server's answers cover the warm-up too; clients subtract it.
 *
 * Usage:
 *   bench server <pingpong|bulk|dgram> <tcp|udp|unix> [unix path]
 *       prints "ready <port|path>", serves one client, exits
 *   bench client <pingpong|bulk|dgram> <tcp|udp|unix> <port|path> <count>
 *       count: round trips, bytes, or datagrams; prints one JSON line:
 *       {"ops":..,"bytes":..,"seconds":..,"lost":..}
 *   bench overhead <count>
 *       ns per call of getsockopt(SO_TYPE) and of a would-block recv, in a
 *       single-threaded process and again with one idle thread (see
 *       overhead() below): {"getsockopt":..,"recvWouldBlock":..,
 *       "getsockoptThreaded":..,"recvWouldBlockThreaded":..}
 *   bench server|client <batch64|batch1200|gso64|gso1200> <udp|unix> ...
 *       batched datagrams (see batch_server/batch_client below): the dgram
 *       protocol with 64- or 1200-byte datagrams, moved 64 at a time with
 *       sendmmsg(2)/recvmmsg(2); gso64 and gso1200 send UDP GSO buffers
 *       (UDP_SEGMENT) and receive with UDP_GRO, splitting by the segment
 *       size. The same JSON line as dgram.
 *   bench spin <count>
 *       a loop of count iterations of about one cycle each on an idle core
 *       (see spin() below), which the suite runs between rounds to see how
 *       much of a CPU it got: {"seconds":..,"sum":..} (the sum proves the
 *       loop ran)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MSG 64
#define CHUNK 65536

static void die(const char *what) {
  perror(what);
  exit(1);
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
  struct sockaddr_storage ss;
  socklen_t len;
} addr_t;

static addr_t make_addr(const char *transport, const char *where) {
  addr_t a;
  memset(&a, 0, sizeof a);
  if (strcmp(transport, "unix") == 0) {
    struct sockaddr_un *un = (struct sockaddr_un *)&a.ss;
    un->sun_family = AF_UNIX;
    strncpy(un->sun_path, where, sizeof un->sun_path - 1);
    a.len = sizeof *un;
  } else {
    struct sockaddr_in *in = (struct sockaddr_in *)&a.ss;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)atoi(where));
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.len = sizeof *in;
  }
  return a;
}

static int make_socket(const char *workload, const char *transport) {
  int family = strcmp(transport, "unix") == 0 ? AF_UNIX : AF_INET;
  int type = strcmp(workload, "dgram") == 0 ? SOCK_DGRAM : SOCK_STREAM;
  int fd = socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  return fd;
}

static void nodelay(int fd, const char *transport) {
  int one = 1;
  if (strcmp(transport, "tcp") == 0 && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
    die("TCP_NODELAY");
}

/* Reads exactly n bytes; 0 at EOF before any, 1 when done. */
static int read_exact(int fd, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd, buf + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("recv");
    }
    if (r == 0) {
      if (got == 0) return 0;
      fprintf(stderr, "short message\n");
      exit(1);
    }
    got += (size_t)r;
  }
  return 1;
}

static void send_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("send");
    }
    buf += r;
    n -= (size_t)r;
  }
}

static void put_u64(char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (char)(v >> (8 * i));
}

static uint64_t get_u64(const char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)(unsigned char)p[i] << (8 * i);
  return v;
}

static int server(const char *workload, const char *transport, const char *path) {
  int fd = make_socket(workload, transport);
  addr_t a = make_addr(transport, strcmp(transport, "unix") == 0 ? path : "0");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (strcmp(workload, "dgram") == 0) {
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  }
  if (bind(fd, (struct sockaddr *)&a.ss, a.len) < 0) die("bind");
  if (strcmp(transport, "unix") == 0) {
    printf("ready %s\n", path);
  } else {
    struct sockaddr_in in;
    socklen_t len = sizeof in;
    getsockname(fd, (struct sockaddr *)&in, &len);
    printf("ready %d\n", ntohs(in.sin_port));
  }
  fflush(stdout);

  char buf[CHUNK];
  if (strcmp(workload, "dgram") == 0) {
    uint64_t count = 0;
    for (;;) {
      struct sockaddr_storage from;
      socklen_t flen = sizeof from;
      ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
      if (r < 0) {
        if (errno == EINTR) continue;
        die("recvfrom");
      }
      if (r > 0 && buf[0] == 'D') {
        count++;
      } else if (r > 0 && buf[0] == 'E') {
        char reply[8];
        put_u64(reply, count);
        if (sendto(fd, reply, 8, 0, (struct sockaddr *)&from, flen) < 0) die("sendto");
        break;
      }
    }
    close(fd);
    return 0;
  }

  if (listen(fd, 16) < 0) die("listen");
  int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) die("accept");
  nodelay(c, transport);
  if (strcmp(workload, "pingpong") == 0) {
    while (read_exact(c, buf, MSG)) send_all(c, buf, MSG);
  } else {
    uint64_t total = 0;
    for (;;) {
      ssize_t r = recv(c, buf, sizeof buf, 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        die("recv");
      }
      if (r == 0) break;
      total += (uint64_t)r;
    }
    char reply[8];
    put_u64(reply, total);
    send_all(c, reply, 8);
  }
  close(c);
  close(fd);
  return 0;
}

static int client(const char *workload, const char *transport, const char *where, uint64_t count) {
  int fd = make_socket(workload, transport);
  addr_t a = make_addr(transport, where);
  char buf[CHUNK];
  memset(buf, 'D', sizeof buf);
  double t0 = 0, t1;
  uint64_t ops = count, bytes = 0, lost = 0;

  if (strcmp(workload, "dgram") == 0) {
    if (strcmp(transport, "unix") == 0) {
      struct sockaddr_un me = {.sun_family = AF_UNIX};
      if (bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)) < 0) die("autobind");
      if (connect(fd, (struct sockaddr *)&a.ss, a.len) < 0) die("connect");
    }
    uint64_t warm = count / 10;
    for (uint64_t i = 0; i < warm + count; i++) {
      if (i == warm) t0 = now();
      while (sendto(fd, buf, MSG, 0, (struct sockaddr *)&a.ss, a.len) < 0) {
        if (errno != EINTR && errno != ENOBUFS) die("sendto");
      }
    }
    struct timeval tv = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char end = 'E', reply[8];
    ssize_t r = -1;
    for (int tries = 0; tries < 50 && r != 8; tries++) {
      if (sendto(fd, &end, 1, 0, (struct sockaddr *)&a.ss, a.len) < 0) die("sendto");
      r = recv(fd, reply, 8, 0);
    }
    t1 = now();
    if (r != 8) die("no answer");
    uint64_t got = get_u64(reply);
    lost = warm + count - got;
    ops = count - lost;
    bytes = ops * MSG;
  } else {
    if (connect(fd, (struct sockaddr *)&a.ss, a.len) < 0) die("connect");
    nodelay(fd, transport);
    if (strcmp(workload, "pingpong") == 0) {
      uint64_t warm = count / 10;
      for (uint64_t i = 0; i < warm; i++) {
        send_all(fd, buf, MSG);
        read_exact(fd, buf, MSG);
      }
      t0 = now();
      for (uint64_t i = 0; i < count; i++) {
        send_all(fd, buf, MSG);
        read_exact(fd, buf, MSG);
      }
      t1 = now();
      bytes = count * MSG;
    } else {
      uint64_t warm = count / 8 < (64u << 20) ? count / 8 : (64u << 20);
      for (uint64_t left = warm; left > 0;) {
        size_t n = left < CHUNK ? (size_t)left : CHUNK;
        send_all(fd, buf, n);
        left -= n;
      }
      t0 = now();
      uint64_t left = count;
      while (left > 0) {
        size_t n = left < CHUNK ? (size_t)left : CHUNK;
        send_all(fd, buf, n);
        left -= n;
      }
      shutdown(fd, SHUT_WR);
      char reply[8];
      if (!read_exact(fd, reply, 8)) die("no count");
      t1 = now();
      if (get_u64(reply) != warm + count) {
        fprintf(stderr, "server counted %llu, sent %llu\n", (unsigned long long)get_u64(reply),
                (unsigned long long)(warm + count));
        return 1;
      }
      bytes = count;
      ops = (count + CHUNK - 1) / CHUNK;
    }
  }
  close(fd);
  printf("{\"ops\":%llu,\"bytes\":%llu,\"seconds\":%.9f,\"lost\":%llu}\n", (unsigned long long)ops,
         (unsigned long long)bytes, t1 - t0, (unsigned long long)lost);
  return 0;
}

// ---- batched datagrams: the limit for bsdsock's sendmmsg/recvmmsg -----------
//
// The dgram protocol, 64 datagrams per syscall. batch64 and batch1200 send
// datagrams of that size; gso64 and gso1200 send them as GSO buffers of 32
// segments (UDP_SEGMENT, two buffers per sendmmsg) to a receiver with
// UDP_GRO on, which gets them coalesced and counts each segment.

#define BATCH 64
#define GSO_SEGS 32
#define BIG 65536

static int batch_size(const char *workload) { return strstr(workload, "1200") != NULL ? 1200 : 64; }
static int batch_gso(const char *workload) { return strncmp(workload, "gso", 3) == 0; }

static int batch_server(const char *workload, const char *transport, const char *path) {
  if (batch_gso(workload) && strcmp(transport, "unix") == 0) {
    printf("{\"unsupported\":\"no GSO over AF_UNIX\"}\n");
    return 0;
  }
  int fd = make_socket("dgram", transport);
  addr_t a = make_addr(transport, strcmp(transport, "unix") == 0 ? path : "0");
  int big = 8 << 20, one = 1;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  if (batch_gso(workload) && setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) < 0) die("UDP_GRO");
  if (bind(fd, (struct sockaddr *)&a.ss, a.len) < 0) die("bind");
  if (strcmp(transport, "unix") == 0) {
    printf("ready %s\n", path);
  } else {
    struct sockaddr_in in;
    socklen_t len = sizeof in;
    getsockname(fd, (struct sockaddr *)&in, &len);
    printf("ready %d\n", ntohs(in.sin_port));
  }
  fflush(stdout);
  size_t each = batch_gso(workload) ? BIG : 2048;
  char *bufs = malloc(BATCH * each);
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  struct sockaddr_storage from[BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } ctrl[BATCH];
  uint64_t count = 0;
  for (;;) {
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
      iov[i].iov_base = bufs + i * each;
      iov[i].iov_len = each;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      msgs[i].msg_hdr.msg_control = ctrl[i].buf;
      msgs[i].msg_hdr.msg_controllen = batch_gso(workload) ? sizeof ctrl[i].buf : 0;
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("recvmmsg");
    }
    for (int i = 0; i < n; i++) {
      const char *d = bufs + i * each;
      size_t len = msgs[i].msg_len, seg = len;
      struct msghdr *h = &msgs[i].msg_hdr;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(h); h->msg_controllen > 0 && c != NULL; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
          int v;
          memcpy(&v, CMSG_DATA(c), sizeof v);
          seg = (size_t)v;
        }
      }
      for (size_t off = 0; off < len || (len == 0 && off == 0); off += seg ? seg : 1) {
        if (len > 0 && d[off] == 'D') {
          count++;
        } else if (len > 0 && d[off] == 'E') {
          char reply[8];
          put_u64(reply, count);
          if (sendto(fd, reply, 8, 0, (struct sockaddr *)&from[i], h->msg_namelen) < 0) die("sendto");
          close(fd);
          free(bufs);
          return 0;
        }
        if (len == 0) break;
      }
    }
  }
}

static int batch_client(const char *workload, const char *transport, const char *where, uint64_t count) {
  if (batch_gso(workload) && strcmp(transport, "unix") == 0) {
    printf("{\"unsupported\":\"no GSO over AF_UNIX\"}\n");
    return 0;
  }
  int fd = make_socket("dgram", transport);
  addr_t a = make_addr(transport, where);
  if (strcmp(transport, "unix") == 0) {
    struct sockaddr_un me = {.sun_family = AF_UNIX};
    if (bind(fd, (struct sockaddr *)&me, sizeof(sa_family_t)) < 0) die("autobind");
    if (connect(fd, (struct sockaddr *)&a.ss, a.len) < 0) die("connect");
  }
  int size = batch_size(workload), gso = batch_gso(workload);
  size_t per = gso ? GSO_SEGS : 1;  // datagrams per message
  char *data = malloc(per * size);
  memset(data, 'D', per * size);
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } ctrl;
  memset(&ctrl, 0, sizeof ctrl);
  struct cmsghdr *c = &ctrl.align;
  c->cmsg_level = SOL_UDP;
  c->cmsg_type = UDP_SEGMENT;
  c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  uint16_t seg = (uint16_t)size;
  memcpy(CMSG_DATA(c), &seg, sizeof seg);
  // Messages per sendmmsg: 64 datagrams either way.
  size_t batch = BATCH / per;
  uint64_t warm = count / 10, total = warm + count, sent = 0;
  double t0 = 0;
  if (warm == 0) t0 = now();
  while (sent < total) {
    // Datagrams of this call, cut at the end of the warm-up and of the run.
    uint64_t stop = sent < warm ? warm : total;
    size_t n = 0;
    uint64_t planned = sent;
    memset(msgs, 0, batch * sizeof msgs[0]);
    while (n < batch && planned < stop) {
      uint64_t k = stop - planned < per ? stop - planned : per;
      iov[n].iov_base = data;
      iov[n].iov_len = k * (size_t)size;
      msgs[n].msg_hdr.msg_iov = &iov[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      if (strcmp(transport, "unix") != 0) {
        msgs[n].msg_hdr.msg_name = &a.ss;
        msgs[n].msg_hdr.msg_namelen = a.len;
      }
      if (gso && k > 1) {
        msgs[n].msg_hdr.msg_control = ctrl.buf;
        msgs[n].msg_hdr.msg_controllen = sizeof ctrl.buf;
      }
      planned += k;
      n++;
    }
    size_t done = 0;
    while (done < n) {
      uint64_t k[BATCH];
      for (size_t i = done; i < n; i++) k[i] = iov[i].iov_len / (size_t)size;
      int r = sendmmsg(fd, msgs + done, (unsigned)(n - done), 0);
      if (r < 0) {
        if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) continue;
        die("sendmmsg");
      }
      for (int i = 0; i < r; i++) sent += k[done + (size_t)i];
      done += (size_t)r;
    }
    if (sent == warm && t0 == 0) t0 = now();
  }
  struct timeval tv = {0, 200000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char end = 'E', reply[8];
  ssize_t r = -1;
  for (int tries = 0; tries < 50 && r != 8; tries++) {
    if (sendto(fd, &end, 1, 0, (struct sockaddr *)&a.ss, a.len) < 0) die("sendto");
    r = recv(fd, reply, 8, 0);
  }
  double t1 = now();
  if (r != 8) die("no answer");
  uint64_t lost = total - get_u64(reply), ops = count - lost;
  close(fd);
  free(data);
  printf("{\"ops\":%llu,\"bytes\":%llu,\"seconds\":%.9f,\"lost\":%llu}\n", (unsigned long long)ops,
         (unsigned long long)(ops * (uint64_t)size), t1 - t0, (unsigned long long)lost);
  return 0;
}

static int is_batch(const char *workload) {
  return strcmp(workload, "batch64") == 0 || strcmp(workload, "batch1200") == 0 || strcmp(workload, "gso64") == 0 ||
         strcmp(workload, "gso1200") == 0;
}

// One pass of the two overhead loops: ns per call into out[0] and out[1].
static void overhead_loops(int fd, uint64_t n, double out[2]) {
  char buf[MSG];
  int v;
  socklen_t l;
  double t0 = now();
  for (uint64_t i = 0; i < n; i++) {
    l = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l) < 0) die("getsockopt");
  }
  double t1 = now();
  for (uint64_t i = 0; i < n; i++) {
    if (recv(fd, buf, sizeof buf, 0) != -1 || errno != EAGAIN) die("recv");
  }
  double t2 = now();
  out[0] = (t1 - t0) / n * 1e9;
  out[1] = (t2 - t1) / n * 1e9;
}

static void *idle_thread(void *arg) {
  for (;;) pause();
  return arg;
}

// The loops twice: as a single-threaded process, then with one idle thread.
// A single-threaded process gets the kernel's fast fd lookup (fdget skips
// the file's reference count while the fd table is not shared); with a
// second thread every call takes and drops a reference (fget/fput), which
// costs about 60 ns per call here. Node always runs several threads, so the
// second pair is the reference that isolates what a binding adds.
static int overhead(uint64_t n) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
  double single[2], threaded[2];
  overhead_loops(sv[0], n / 10, single);  // untimed warm-up, as the other implementations get
  overhead_loops(sv[0], n, single);
  pthread_t t;
  if (pthread_create(&t, NULL, idle_thread, NULL) != 0) die("pthread_create");
  overhead_loops(sv[0], n, threaded);
  printf("{\"getsockopt\":%.3f,\"recvWouldBlock\":%.3f,\"getsockoptThreaded\":%.3f,\"recvWouldBlockThreaded\":%.3f}\n",
         single[0], single[1], threaded[0], threaded[1]);
  return 0;
}

// Each iteration adds to x, which the next one needs, and the empty asm
// keeps x in a register so that the compiler can neither vectorize the loop
// nor compute its result: add, add, compare-and-branch, one iteration per
// cycle on a core of the last ten years. On a VM whose host gives it only
// part of a CPU the loop takes longer, and no other counter shows it when
// the hypervisor reports no steal time.
static int spin(uint64_t n) {
  uint64_t x = 0;
  double t0 = now();
  for (uint64_t i = 0; i < n; i++) {
    x += i;
    __asm__ volatile("" : "+r"(x));
  }
  double t1 = now();
  printf("{\"seconds\":%.9f,\"sum\":%llu}\n", t1 - t0, (unsigned long long)x);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "spin") == 0) return spin(strtoull(argv[2], NULL, 10));
  if (argc >= 3 && strcmp(argv[1], "overhead") == 0) return overhead(strtoull(argv[2], NULL, 10));
  if (argc >= 4 && strcmp(argv[1], "server") == 0 && is_batch(argv[2]))
    return batch_server(argv[2], argv[3], argc > 4 ? argv[4] : "");
  if (argc >= 6 && strcmp(argv[1], "client") == 0 && is_batch(argv[2]))
    return batch_client(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10));
  if (argc >= 4 && strcmp(argv[1], "server") == 0) return server(argv[2], argv[3], argc > 4 ? argv[4] : "");
  if (argc >= 6 && strcmp(argv[1], "client") == 0)
    return client(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10));
  fprintf(stderr, "usage: see the comment at the top of bench/c/bench.c\n");
  return 2;
}
