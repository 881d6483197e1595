"""CPython's socket module: the benchmark protocol as the seeds' Python
programs would write it (see bench/c/bench.c for the protocol).

The pingpong, bulk and dgram servers receive into one reused buffer
(recv_into, recvfrom_into); the echo, bulk-recv and dgram-recvfrom ones are
the seeds' own code: data = conn.recv(1024), conn.sendall(data.upper());
data = conn.recv(65536); data, addr = s.recvfrom(65536).

Also the micro and instructions modes of bench/run.ts and
bench/instructions.ts (bench/c/bench.c describes them)."""
import os
import socket
import struct
import sys
import time

MSG, CHUNK = 64, 65536
ECHO_MSG = b'the quick brown fox jumps over the lazy dog: echo it back, loud!'
WORKLOADS = ('pingpong', 'bulk', 'dgram', 'echo', 'bulk-recv', 'dgram-recvfrom')
BATCH_WORKLOADS = ('batch64', 'batch1200', 'gso64', 'gso1200')
role = sys.argv[1] if len(sys.argv) > 1 else ''
if role in ('server', 'client'):
    workload, transport = sys.argv[2:4]
    if workload in BATCH_WORKLOADS:
        print('{"unsupported": "CPython has no batch calls"}', flush=True)
        sys.exit(0)
    if workload not in WORKLOADS:
        sys.exit('unknown workload %s' % workload)
    where = sys.argv[4] if len(sys.argv) > 4 else ''
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    family = socket.AF_UNIX if transport == 'unix' else socket.AF_INET
    kind = socket.SOCK_DGRAM if workload.startswith('dgram') else socket.SOCK_STREAM


def address(w):
    return w if transport == 'unix' else ('127.0.0.1', int(w))


def read_exact(s, view):
    got = 0
    while got < len(view):
        n = s.recv_into(view[got:])
        if n == 0:
            if got == 0:
                return False
            raise RuntimeError('short message')
        got += n
    return True


def report(ops, nbytes, seconds, lost=0):
    print('{"ops":%d,"bytes":%d,"seconds":%.9f,"lost":%d}' % (ops, nbytes, seconds, lost), flush=True)


def echo_server(conn):
    """The seeds' upper-case echo server."""
    while True:
        data = conn.recv(1024)
        if not data:
            break
        conn.sendall(data.upper())


def bulk_recv_server(conn):
    """The bulk receiver as a Python program writes it: the byte count."""
    total = 0
    while True:
        data = conn.recv(65536)
        if not data:
            break
        total += len(data)
    return total


def recvfrom_server(s):
    """The datagram server as a Python program writes it; the reply by sendto."""
    n_d = 0
    while True:
        data, addr = s.recvfrom(65536)
        if data and data[0] == 0x44:
            n_d += 1
        elif data and data[0] == 0x45:
            s.sendto(struct.pack('<Q', n_d), addr)
            break


def server():
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if kind == socket.SOCK_DGRAM:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(address(where if transport == 'unix' else '0'))
    print('ready', where if transport == 'unix' else s.getsockname()[1], flush=True)
    buf = bytearray(CHUNK)
    if workload == 'dgram-recvfrom':
        recvfrom_server(s)
        s.close()
        return
    if workload == 'dgram':
        n_d = 0
        while True:
            n, frm = s.recvfrom_into(buf)
            if n and buf[0] == 0x44:
                n_d += 1
            elif n and buf[0] == 0x45:
                s.sendto(struct.pack('<Q', n_d), frm)
                break
        s.close()
        return
    s.listen(16)
    c, _ = s.accept()
    if transport == 'tcp':
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if workload == 'pingpong':
        msg = memoryview(buf)[:MSG]
        while read_exact(c, msg):
            c.sendall(msg)
    elif workload == 'echo':
        echo_server(c)
    elif workload == 'bulk-recv':
        c.sendall(struct.pack('<Q', bulk_recv_server(c)))
    else:
        total = 0
        while True:
            n = c.recv_into(buf)
            if not n:
                break
            total += n
        c.sendall(struct.pack('<Q', total))
    c.close()
    s.close()


def echo_once(s, msg, expected):
    """One round trip of the seeds' echo client, checked."""
    s.sendall(msg)
    data = s.recv(1024)
    while len(data) < 64:
        more = s.recv(1024)
        if not more:
            raise RuntimeError('EOF before the whole reply')
        data += more
    if data != expected:
        raise RuntimeError('the reply is not the upper-cased message: %r' % data)


def client():
    s = socket.socket(family, kind)
    to = address(where)
    buf = bytearray(b'D' * CHUNK)
    if kind == socket.SOCK_DGRAM:
        if transport == 'unix':
            s.bind('')
            s.connect(to)  # see bench/c/bench.c
        msg = bytes(buf[:MSG])
        warm = count // 10
        for _ in range(warm):
            s.sendto(msg, to)
        t0 = time.perf_counter()
        for _ in range(count):
            s.sendto(msg, to)
        s.settimeout(0.2)
        reply = None
        for _ in range(50):
            s.sendto(b'E', to)
            try:
                reply = s.recv(8)
                break
            except TimeoutError:
                pass
        t1 = time.perf_counter()
        lost = warm + count - struct.unpack('<Q', reply)[0]
        report(count - lost, (count - lost) * MSG, t1 - t0, lost)
    else:
        s.connect(to)
        if transport == 'tcp':
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if workload == 'echo':
            msg = ECHO_MSG
            expected = msg.upper()
            for _ in range(count // 10):
                echo_once(s, msg, expected)
            t0 = time.perf_counter()
            for _ in range(count):
                echo_once(s, msg, expected)
            report(count, count * MSG, time.perf_counter() - t0)
        elif workload == 'pingpong':
            msg = memoryview(buf)[:MSG]
            for _ in range(count // 10):
                s.sendall(msg)
                read_exact(s, msg)
            t0 = time.perf_counter()
            for _ in range(count):
                s.sendall(msg)
                read_exact(s, msg)
            report(count, count * MSG, time.perf_counter() - t0)
        else:
            view = memoryview(buf)
            warm = min(count // 8, 64 << 20)
            left = warm
            while left > 0:
                n = min(left, CHUNK)
                s.sendall(view[:n])
                left -= n
            t0 = time.perf_counter()
            left = count
            while left > 0:
                n = min(left, CHUNK)
                s.sendall(view[:n])
                left -= n
            s.shutdown(socket.SHUT_WR)
            reply = bytearray(8)
            read_exact(s, memoryview(reply))
            t1 = time.perf_counter()
            assert struct.unpack('<Q', reply)[0] == warm + count
            report((count + CHUNK - 1) // CHUNK, count, t1 - t0)
    s.close()


def udp_pair():
    """Two UDP sockets on loopback: the sender, the receiver and its address."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(('127.0.0.1', 0))
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM), receiver, receiver.getsockname()


def micro(n):
    """run.ts's microbenchmark: ns per iteration of one send of 64 bytes and
    one recv(size), over an AF_UNIX socketpair; sendto + recvfrom(size) over
    UDP loopback."""
    a, b = socket.socketpair()
    ua, ub, to = udp_pair()
    msg = ECHO_MSG

    def recv_loop(size, n):
        for _ in range(n):
            a.send(msg)
            if len(b.recv(size)) != 64:
                raise RuntimeError('short')

    def recvfrom_loop(size, n):
        for _ in range(n):
            ua.sendto(msg, to)
            if len(ub.recvfrom(size)[0]) != 64:
                raise RuntimeError('short')

    out = {}
    loops = (('recv64', recv_loop, 64), ('recv1024', recv_loop, 1024), ('recv65536', recv_loop, 65536),
             ('recvfrom64', recvfrom_loop, 64), ('recvfrom65536', recvfrom_loop, 65536))
    for name, loop, size in loops:
        loop(size, max(1, n // 10))
    for name, loop, size in loops:
        t0 = time.perf_counter()
        loop(size, n)
        out[name] = (time.perf_counter() - t0) / n * 1e9
    print('{%s}' % ','.join('"%s":%.3f' % kv for kv in out.items()), flush=True)
    for x in (a, b, ua, ub):
        x.close()


def instructions(n1, n2):
    """The loops of bench/instructions.ts (bench/c/bench.c's instructions()),
    as a Python programmer writes them; os.getppid() is the mark."""
    a, b = socket.socketpair()
    ua, ub, to = udp_pair()
    na, nb = socket.socketpair()
    nb.setblocking(False)
    msg = ECHO_MSG
    text = ECHO_MSG.decode()
    into = bytearray(1024)

    def pair(n):
        for _ in range(n):
            a.sendall(msg)
            if len(b.recv(1024)) != 64:
                raise RuntimeError('short')

    def pair_str(n):
        for _ in range(n):
            a.sendall(text.encode())
            if len(b.recv(1024)) != 64:
                raise RuntimeError('short')

    def pair_into(n):
        for _ in range(n):
            a.sendall(msg)
            if b.recv_into(into) != 64:
                raise RuntimeError('short')

    def recv64(n):
        for _ in range(n):
            a.sendall(msg)
            if len(b.recv(64)) != 64:
                raise RuntimeError('short')

    def recv65536(n):
        for _ in range(n):
            a.sendall(msg)
            if len(b.recv(65536)) != 64:
                raise RuntimeError('short')

    chunk = b'D' * 65536

    def bulk(n):
        for _ in range(n):
            a.sendall(chunk)
            got = 0
            while got < 65536:
                data = b.recv(65536)
                if not data:
                    raise RuntimeError('EOF')
                got += len(data)

    def udp(n):
        for _ in range(n):
            ua.sendto(msg, to)
            if len(ub.recvfrom(65536)[0]) != 64:
                raise RuntimeError('short')

    def getsockopt(n):
        for _ in range(n):
            if a.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) != socket.SOCK_STREAM:
                raise RuntimeError('SO_TYPE?')

    def eagain(n):
        for _ in range(n):
            try:
                nb.recv(64)
            except BlockingIOError:
                pass
            else:
                raise RuntimeError('data?')

    marks = []
    # A raised exception costs thousands of instructions: a tenth as many.
    loops = (('pair', pair, 1), ('pairStr', pair_str, 1), ('pairInto', pair_into, 1), ('recv64', recv64, 1),
             ('recv65536', recv65536, 1), ('bulk', bulk, 1), ('udp', udp, 1), ('getsockopt', getsockopt, 1), ('eagain', eagain, 10))
    for name, loop, scale in loops:
        loop(n1 // scale // 2)
    for name, loop, scale in loops:
        short, long = n1 // scale, n2 // scale
        loop(short // 2)
        os.getppid()
        marks.append('%s warm-up' % name)
        for _ in range(3):
            loop(short)
            os.getppid()
            marks.append('%s %d' % (name, short))
            loop(long)
            os.getppid()
            marks.append('%s %d' % (name, long))
    print('{"marks":[%s]}' % ','.join('"%s"' % m for m in marks), flush=True)
    for x in (a, b, ua, ub, na, nb):
        x.close()


if role == 'server':
    server()
elif role == 'client':
    client()
elif role == 'micro':
    micro(int(sys.argv[2]))
elif role == 'instructions':
    instructions(int(sys.argv[2]), int(sys.argv[3]))
else:
    sys.exit('usage: python.py server|client <workload> <transport> ... | micro <count> | instructions <n1> <n2>')
