"""CPython's socket module: the benchmark protocol as the seeds' Python
programs would write it (see bench/c/bench.c for the protocol)."""
import socket
import struct
import sys
import time

MSG, CHUNK = 64, 65536
role, workload, transport = sys.argv[1:4]
where = sys.argv[4] if len(sys.argv) > 4 else ''
count = int(sys.argv[5]) if len(sys.argv) > 5 else 0
family = socket.AF_UNIX if transport == 'unix' else socket.AF_INET
kind = socket.SOCK_DGRAM if workload == 'dgram' else socket.SOCK_STREAM
if workload in ('batch64', 'batch1200', 'gso64', 'gso1200'):
    print('{"unsupported": "CPython has no batch calls"}', flush=True)
    sys.exit(0)


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


def server():
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if workload == 'dgram':
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(address(where if transport == 'unix' else '0'))
    print('ready', where if transport == 'unix' else s.getsockname()[1], flush=True)
    buf = bytearray(CHUNK)
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


def client():
    s = socket.socket(family, kind)
    to = address(where)
    buf = bytearray(b'D' * CHUNK)
    if workload == 'dgram':
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
        if workload == 'pingpong':
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


server() if role == 'server' else client()
