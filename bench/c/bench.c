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
 *   echo      stream; the seeds' upper-case echo: the client sends the 64
 *             bytes of ECHO_MSG (lowercase ASCII) one message at a time and
 *             reads until it has 64 bytes back, which must be the message
 *             upper-cased; the server answers every read (of at most 1024
 *             bytes) with the same bytes upper-cased. EOF ends.
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
 *   bulk-recv, dgram-recvfrom
 *             bulk and dgram on the wire; what differs is how the other
 *             implementations' servers receive: a call that returns fresh
 *             bytes (Python's data = conn.recv(65536) and data, addr =
 *             s.recvfrom(65536)) instead of one reused buffer. C's servers
 *             for them are bulk's and dgram's, the reference.
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
 *   bench micro <count>
 *       ns per iteration of one send of 64 bytes and one receive of up to
 *       64, 1024 and 65536 bytes over an AF_UNIX socketpair, and of a
 *       sendto and a recvfrom of up to 64 and 65536 bytes over UDP loopback:
 *       {"recv64":..,"recv1024":..,"recv65536":..,"recvfrom64":..,
 *       "recvfrom65536":..}
 *   bench instructions <n1> <n2>
 *       the loops whose user-space instructions bench/instructions.ts counts
 *       under callgrind (see instructions() below); prints the marks:
 *       {"marks":[..]}
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
 *       size. The same JSON line as dgram. With BENCH_RECV_SPIN=<k> in
 *       its environment, the batch server spins k iterations of the spin
 *       loop (about 0.53 ns each here) per datagram after each recvmmsg:
 *       how a receiver's time in user space changes the rate over AF_UNIX
 *       (bench/README.md, Batched datagrams).
 *   bench spin <count>
 *       a loop of count iterations of about one cycle each on an idle core
 *       (see spin() below), which the suite runs between rounds to see how
 *       much of a CPU it got: {"seconds":..,"sum":..} (the sum proves the
 *       loop ran)
 */
#define _GNU_SOURCE
#include <ctype.h>
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
/* What a read of the echo server takes at most: the seeds' conn.recv(1024). */
#define ECHO_READ 1024

/* The echo workload's message; every implementation sends the same one. */
static const char ECHO_MSG[] = "the quick brown fox jumps over the lazy dog: echo it back, loud!";
_Static_assert(sizeof ECHO_MSG == MSG + 1, "the echo message has 64 bytes");

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
  } else if (strcmp(workload, "echo") == 0) {
    for (;;) {
      ssize_t r = recv(c, buf, ECHO_READ, 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        die("recv");
      }
      if (r == 0) break;
      for (ssize_t i = 0; i < r; i++) buf[i] = (char)toupper((unsigned char)buf[i]);
      send_all(c, buf, (size_t)r);
    }
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

/*
 * One round trip of the echo client: sends the message, reads until 64
 * bytes are back, and fails unless they are the message upper-cased.
 */
static void echo_once(int fd, const char *upper) {
  char reply[ECHO_READ];
  send_all(fd, ECHO_MSG, MSG);
  size_t got = 0;
  while (got < MSG) {
    ssize_t r = recv(fd, reply + got, sizeof reply - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("recv");
    }
    if (r == 0) {
      fprintf(stderr, "EOF before the whole reply\n");
      exit(1);
    }
    got += (size_t)r;
  }
  if (got != MSG || memcmp(reply, upper, MSG) != 0) {
    fprintf(stderr, "the reply is not the upper-cased message: %.*s\n", (int)got, reply);
    exit(1);
  }
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
    if (strcmp(workload, "echo") == 0) {
      char upper[MSG];
      for (int i = 0; i < MSG; i++) upper[i] = (char)toupper((unsigned char)ECHO_MSG[i]);
      for (uint64_t i = 0; i < count / 10; i++) echo_once(fd, upper);
      t0 = now();
      for (uint64_t i = 0; i < count; i++) echo_once(fd, upper);
      t1 = now();
      bytes = count * MSG;
    } else if (strcmp(workload, "pingpong") == 0) {
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
  const char *spin_env = getenv("BENCH_RECV_SPIN");
  const long spin_per = spin_env != NULL ? atol(spin_env) : 0;
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
    if (spin_per > 0) {
      volatile long x = 0;
      for (long k = 0; k < spin_per * n; k++) x += k;
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

// ---- the same-process microbenchmark -------------------------------------------

// Two UDP sockets on loopback: a sends to b, whose address is in *to.
static void udp_pair(int *a, int *b, addr_t *to) {
  *a = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  *b = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (*a < 0 || *b < 0) die("socket");
  *to = make_addr("udp", "0");
  if (bind(*b, (struct sockaddr *)&to->ss, to->len) < 0) die("bind");
  if (getsockname(*b, (struct sockaddr *)&to->ss, &to->len) < 0) die("getsockname");
}

static char big[CHUNK];

// ns per iteration of a send of 64 bytes and a recv of up to `size`.
static double micro_recv(int a, int b, size_t size, uint64_t n) {
  double t0 = now();
  for (uint64_t i = 0; i < n; i++) {
    if (send(a, ECHO_MSG, MSG, MSG_NOSIGNAL) != MSG) die("send");
    if (recv(b, big, size, 0) != MSG) die("recv");
  }
  return (now() - t0) / (double)n * 1e9;
}

// ns per iteration of a sendto of 64 bytes and a recvfrom of up to `size`.
static double micro_recvfrom(int a, int b, const addr_t *to, size_t size, uint64_t n) {
  double t0 = now();
  for (uint64_t i = 0; i < n; i++) {
    if (sendto(a, ECHO_MSG, MSG, 0, (const struct sockaddr *)&to->ss, to->len) != MSG) die("sendto");
    struct sockaddr_storage from;
    socklen_t flen = sizeof from;
    if (recvfrom(b, big, size, 0, (struct sockaddr *)&from, &flen) != MSG) die("recvfrom");
  }
  return (now() - t0) / (double)n * 1e9;
}

// The reference of run.ts's microbenchmark of recv(n) with 64 bytes arriving,
// after a tenth of every loop untimed, as the other implementations run it.
// Single-threaded, as CPython is.
static int micro(uint64_t n) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
  int ua, ub;
  addr_t to;
  udp_pair(&ua, &ub, &to);
  static const size_t sizes[] = {64, 1024, 65536};
  double recv_ns[3], recvfrom_ns[2];
  for (int k = 0; k < 3; k++) micro_recv(sv[0], sv[1], sizes[k], n / 10);
  for (int k = 0; k < 2; k++) micro_recvfrom(ua, ub, &to, k == 0 ? 64 : 65536, n / 10);
  for (int k = 0; k < 3; k++) recv_ns[k] = micro_recv(sv[0], sv[1], sizes[k], n);
  for (int k = 0; k < 2; k++) recvfrom_ns[k] = micro_recvfrom(ua, ub, &to, k == 0 ? 64 : 65536, n);
  printf("{\"recv64\":%.3f,\"recv1024\":%.3f,\"recv65536\":%.3f,\"recvfrom64\":%.3f,\"recvfrom65536\":%.3f}\n",
         recv_ns[0], recv_ns[1], recv_ns[2], recvfrom_ns[0], recvfrom_ns[1]);
  return 0;
}

// ---- the loops of the instruction counts ---------------------------------------
//
// bench/instructions.ts runs each implementation under callgrind with
// --dump-before=getppid: every getppid() call (a mark) writes the
// instructions counted since the one before. Every loop first runs n1 / 2
// times, all of them before any is counted (a JIT compiles what they share);
// then each loop runs n1 / 2 times again as its own warm-up, then n1 and n2
// times, three times over. The difference between an n2 and an n1 segment,
// over n2 - n1, is the loop's instructions per iteration, with whatever a
// segment costs once (the mark, entering the loop) taken out. Every
// implementation runs the same loops with the same names and marks
// "<loop> <iterations>" (where a loop costs thousands of instructions per
// iteration, as bsdsock's and CPython's exceptions do, it may run a tenth
// as many).

#define REPEATS 3

static int in_a, in_b, in_nb, in_ua, in_ub;
static addr_t in_to;
static char in_marks[8192];
static size_t in_marks_len;

static void mark(const char *loop, const char *what) {
  (void)getppid();
  in_marks_len += (size_t)snprintf(in_marks + in_marks_len, sizeof in_marks - in_marks_len, "%s\"%s %s\"",
                                   in_marks_len == 0 ? "" : ",", loop, what);
  if (in_marks_len >= sizeof in_marks) die("too many marks");
}

static void recv_n(int fd, size_t size) {
  if (recv(fd, big, size, 0) != MSG) die("recv");
}

// sendall(64 bytes) + recv(1024): the echo's pair of calls. C has no strings
// and no bytes objects, so the pairStr and pairInto loops are this loop too.
static void step_pair(void) {
  send_all(in_a, ECHO_MSG, MSG);
  recv_n(in_b, ECHO_READ);
}
static void step_recv64(void) {
  send_all(in_a, ECHO_MSG, MSG);
  recv_n(in_b, 64);
}
static void step_recv65536(void) {
  send_all(in_a, ECHO_MSG, MSG);
  recv_n(in_b, 65536);
}
// sendall of 64 KiB + recv(65536) until all of it is back: bulk-recv's
// receive, whose result in the other implementations is 64 KiB of fresh bytes.
static void step_bulk(void) {
  send_all(in_a, big, CHUNK);
  for (size_t got = 0; got < CHUNK;) {
    ssize_t r = recv(in_b, big, CHUNK, 0);
    if (r <= 0) die("recv");
    got += (size_t)r;
  }
}
static void step_udp(void) {
  if (sendto(in_ua, ECHO_MSG, MSG, 0, (const struct sockaddr *)&in_to.ss, in_to.len) != MSG) die("sendto");
  struct sockaddr_storage from;
  socklen_t flen = sizeof from;
  if (recvfrom(in_ub, big, 65536, 0, (struct sockaddr *)&from, &flen) != MSG) die("recvfrom");
}
static void step_getsockopt(void) {
  int v;
  socklen_t l = sizeof v;
  if (getsockopt(in_a, SOL_SOCKET, SO_TYPE, &v, &l) < 0 || v != SOCK_STREAM) die("getsockopt");
}
static void step_eagain(void) {
  if (recv(in_nb, big, MSG, 0) != -1 || errno != EAGAIN) die("recv");
}

static void run_loop(const char *name, void (*step)(void), uint64_t n1, uint64_t n2) {
  char n1s[24], n2s[24];
  snprintf(n1s, sizeof n1s, "%llu", (unsigned long long)n1);
  snprintf(n2s, sizeof n2s, "%llu", (unsigned long long)n2);
  for (uint64_t i = 0; i < n1 / 2; i++) step();
  mark(name, "warm-up");
  for (int r = 0; r < REPEATS; r++) {
    for (uint64_t i = 0; i < n1; i++) step();
    mark(name, n1s);
    for (uint64_t i = 0; i < n2; i++) step();
    mark(name, n2s);
  }
}

static int instructions(uint64_t n1, uint64_t n2) {
  int sv[2], nv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, nv) < 0) die("socketpair");
  in_a = sv[0];
  in_b = sv[1];
  in_nb = nv[0];
  udp_pair(&in_ua, &in_ub, &in_to);
  static void (*const steps[])(void) = {step_pair, step_recv64, step_recv65536, step_bulk, step_udp, step_getsockopt, step_eagain};
  for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++)
    for (uint64_t i = 0; i < n1 / 2; i++) steps[k]();
  run_loop("pair", step_pair, n1, n2);
  run_loop("pairStr", step_pair, n1, n2);
  run_loop("pairInto", step_pair, n1, n2);
  run_loop("recv64", step_recv64, n1, n2);
  run_loop("recv65536", step_recv65536, n1, n2);
  run_loop("bulk", step_bulk, n1, n2);
  run_loop("udp", step_udp, n1, n2);
  run_loop("getsockopt", step_getsockopt, n1, n2);
  run_loop("eagain", step_eagain, n1, n2);
  printf("{\"marks\":[%s]}\n", in_marks);
  return 0;
}

// bulk-recv and dgram-recvfrom are bulk and dgram on the wire, and C's
// servers for them are bulk's and dgram's (see the top of this file); any
// other name is a mistake, not a bulk run.
static const char *workload_of(const char *name) {
  if (strcmp(name, "bulk-recv") == 0) return "bulk";
  if (strcmp(name, "dgram-recvfrom") == 0) return "dgram";
  if (strcmp(name, "pingpong") == 0 || strcmp(name, "echo") == 0 || strcmp(name, "bulk") == 0 || strcmp(name, "dgram") == 0)
    return name;
  fprintf(stderr, "unknown workload %s\n", name);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "spin") == 0) return spin(strtoull(argv[2], NULL, 10));
  if (argc >= 3 && strcmp(argv[1], "overhead") == 0) return overhead(strtoull(argv[2], NULL, 10));
  if (argc >= 3 && strcmp(argv[1], "micro") == 0) return micro(strtoull(argv[2], NULL, 10));
  if (argc >= 4 && strcmp(argv[1], "instructions") == 0)
    return instructions(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
  if (argc >= 4 && strcmp(argv[1], "server") == 0 && is_batch(argv[2]))
    return batch_server(argv[2], argv[3], argc > 4 ? argv[4] : "");
  if (argc >= 6 && strcmp(argv[1], "client") == 0 && is_batch(argv[2]))
    return batch_client(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10));
  if (argc >= 4 && strcmp(argv[1], "server") == 0) return server(workload_of(argv[2]), argv[3], argc > 4 ? argv[4] : "");
  if (argc >= 6 && strcmp(argv[1], "client") == 0)
    return client(workload_of(argv[2]), argv[3], argv[4], strtoull(argv[5], NULL, 10));
  fprintf(stderr, "usage: see the comment at the top of bench/c/bench.c\n");
  return 2;
}
