// Signals during blocking calls (PEP 475): every call interrupted by a signal
// goes on as if nothing happened, under a handler that the kernel restarts
// (SA_RESTART, as libuv installs for process.on('SIGxxx')) and under one it
// does not (Node's own SIGUSR1 handler, which starts the inspector: each
// signal makes the blocking syscall fail with EINTR).
//
// The children run with --inspect-port=0, so that the inspector SIGUSR1
// starts listens on an ephemeral loopback port, never on a fixed one.
//
// The storm: a python3 child signals a victim (fixtures/signals/storm.ts)
// about once a millisecond while it runs blocking and timeout-mode accept,
// connect (to a full backlog), recv, send and sendall over TCP and AF_UNIX
// against this process; every byte is checked on both ends. Bounded: 20,000
// signals or the end of the victim's steps, whichever comes first.

import assert = require('node:assert/strict');
import path = require('node:path');
import { setTimeout as sleep } from 'node:timers/promises';

import { AF_INET, AF_UNIX, SOL_SOCKET, SO_RCVBUF, SO_SNDBUF, SocketError, socket, type Address, type Socket } from '../lib';
import { SIZES, payload } from './fixtures/signals/payload';
import { ROOT, python, sockets, start, tempDirs, type Child } from './helpers';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'signals');

/** Runs a fixture in a child Node whose SIGUSR1 is Node's own (non-restarting) handler. */
function child(file: string, args: string[]): Child {
  return start(process.execPath, ['--inspect-port=0', '--require', 'tsx/cjs', path.join(FIXTURES, file), ...args]);
}

describe('74 signals', () => {
  const track = sockets();
  const tmp = tempDirs();

  /** A listening AF_UNIX socket whose backlog is full: the next blocking connect waits for room. */
  function fullListener(): [Socket, string] {
    const file = path.join(tmp(), 'full.sock');
    const l = track(socket(AF_UNIX));
    l.bind(file);
    l.listen(0);
    for (let i = 0; i < 16; i++) {
      const c = track(socket(AF_UNIX));
      c.setblocking(false);
      try {
        c.connect(file);
      } catch (err) {
        if (err instanceof SocketError && err.code === 'EAGAIN') return [l, file];
        throw err;
      }
    }
    throw new Error('the backlog never filled');
  }

  describe('an AF_UNIX connect waiting for room in a full backlog', () => {
    it('is not cut short by non-restarting signals: it connects once there is room', async () => {
      const [l, file] = fullListener();
      const c = child('unix-connect.ts', [file]);
      assert.equal(await c.line(), 'connecting');
      // Linux does not go on connecting an AF_UNIX socket after EINTR as it
      // does TCP: before the fix, the first signal made connect() return
      // success on an unconnected socket, and sendall() failed with ENOTCONN.
      for (let i = 0; i < 20; i++) {
        c.proc.kill('SIGUSR1');
        await sleep(10);
      }
      l.settimeout(10);
      track(l.accept()[0]); // one of ours: room for the child's connection
      assert.equal(await c.line(), `connected ${file}`);
      const conn = track(l.accept()[0]);
      conn.settimeout(10);
      assert.equal(conn.recv(16).toString(), 'hello');
      assert.equal((await c.exit()).code, 0);
    });

    /** Signals `c` every 10 ms until it prints its outcome (at most 500 signals); returns that line. */
    async function signalUntilAnswered(c: Child): Promise<string> {
      const line = c.line();
      let answered = false;
      void line.then(
        () => (answered = true),
        () => (answered = true),
      );
      let sent = 0;
      while (!answered && sent < 500) {
        c.proc.kill('SIGUSR1');
        sent++;
        await sleep(10);
      }
      assert.ok(answered, `still connecting after ${sent} signals`);
      return line;
    }

    it('keeps one SO_SNDTIMEO deadline across signals, restores SO_SNDTIMEO, and reports its expiry as EAGAIN', async () => {
      const [, file] = fullListener();
      const c = child('unix-connect.ts', [file, 'sndtimeo=0.3']);
      assert.equal(await c.line(), 'connecting');
      // The kernel starts SO_SNDTIMEO afresh on each connect(2): retried
      // as is, a connect signalled every 10 ms would never time out. The
      // bound (500 signals) is far past the 0.3 s deadline.
      assert.equal(await signalUntilAnswered(c), 'error EAGAIN');
      assert.equal(await c.line(), 'sndtimeo 0.3');
      assert.equal((await c.exit()).code, 0);
    });

    it('in timeout mode, waits for room until the timeout however often it is interrupted', async () => {
      const [, file] = fullListener();
      const c = child('unix-connect.ts', [file, 'timeout=0.3']);
      assert.equal(await c.line(), 'connecting');
      assert.equal(await signalUntilAnswered(c), 'error ETIMEDOUT');
      assert.equal(await c.line(), 'sndtimeo 0'); // SO_SNDTIMEO as it was
      assert.equal((await c.exit()).code, 0);
    });

    it('in timeout mode, connects once there is room, interrupted or not', async () => {
      const [l, file] = fullListener();
      const c = child('unix-connect.ts', [file, 'timeout=30']);
      assert.equal(await c.line(), 'connecting');
      for (let i = 0; i < 20; i++) {
        c.proc.kill('SIGUSR1');
        await sleep(10);
      }
      l.settimeout(10);
      track(l.accept()[0]);
      assert.equal(await c.line(), `connected ${file}`);
      const conn = track(l.accept()[0]);
      conn.settimeout(10);
      assert.equal(conn.recv(16).toString(), 'hello');
      assert.equal(await c.line(), 'sndtimeo 0');
      assert.equal((await c.exit()).code, 0);
    });
  });

  describe('a signal storm (about 1 kHz) during blocking and timeout-mode calls over TCP and AF_UNIX', function () {
    this.timeout(60_000);

    /** Sends `data` in 16 KiB pieces, pausing now and then, so that the victim's recv() waits. */
    async function sendSlowly(c: Socket, data: Buffer): Promise<void> {
      for (let off = 0; off < data.length; off += 16384) {
        await c.sendallAsync(data.subarray(off, off + 16384));
        if ((off / 16384) % 4 === 3) await sleep(1);
      }
    }

    /** Reads exactly `expected.length` bytes, pausing now and then, checking every one. */
    async function readSlowly(c: Socket, expected: Buffer, what: string): Promise<void> {
      let got = 0;
      for (let i = 0; got < expected.length; i++) {
        const d = await c.recvAsync(Math.min(16384, expected.length - got), { signal: AbortSignal.timeout(20_000) });
        assert.ok(d.length > 0, `${what}: EOF after ${got} bytes`);
        assert.ok(d.equals(expected.subarray(got, got + d.length)), `${what}: wrong bytes at ${got}`);
        got += d.length;
        if (i % 8 === 7) await sleep(1);
      }
    }

    function small(s: Socket): Socket {
      s.setsockopt(SOL_SOCKET, SO_SNDBUF, 16384);
      s.setsockopt(SOL_SOCKET, SO_RCVBUF, 16384);
      return s;
    }

    async function storm(handler: 'restart' | 'interrupt'): Promise<{ signals: number; seen: number }> {
      const dir = tmp();
      const args = ['--require', 'tsx/cjs', path.join(FIXTURES, 'storm.ts'), handler, dir];
      const victim = start(process.execPath, handler === 'interrupt' ? ['--inspect-port=0', ...args] : args);
      assert.equal(await victim.line(), 'ready');
      // Every wait on the victim ends if it dies: with what it said.
      const died = victim.exit().then((e) => {
        throw new Error(`the victim exited (${e.code ?? e.signal}) mid-storm: ${e.stdout.split('\n').slice(-3).join(' / ')} ${e.stderr.slice(-800)}`);
      });
      died.catch(() => {});
      const alive = <T>(p: Promise<T>): Promise<T> => Promise.race([p, died]);
      const signal = handler === 'restart' ? 'SIGUSR2' : 'SIGUSR1';
      const signaller = python(
        [
          'import os, signal, sys, time',
          'sent = 0',
          'def stop(*_):',
          '    print(sent, flush=True)',
          '    sys.exit(0)',
          'signal.signal(signal.SIGTERM, stop)',
          `for sent in range(1, 20001):`,
          `    try: os.kill(${victim.proc.pid}, signal.${signal})`,
          '    except ProcessLookupError: break',
          '    time.sleep(0.001)',
          'stop()',
        ].join('\n'),
      );
      for (const family of [AF_INET, AF_UNIX]) {
        for (const mode of ['blocking', 'timeout']) {
          const name = `${family === AF_INET ? 'tcp' : 'unix'}-${mode}`;
          // The victim accepts, receives, then sends with sendall().
          const listen = await alive(victim.line());
          assert.match(listen, /^listen /, listen);
          await sleep(30); // it waits in accept() meanwhile
          const c = track(small(socket(family)));
          await alive(c.connectAsync(JSON.parse(listen.slice(7)) as Address));
          await alive(sendSlowly(c, payload(`${name} to acceptor`, SIZES.toAcceptor)));
          await alive(readSlowly(c, payload(`${name} from acceptor`, SIZES.fromAcceptor), `${name} sendall`));
          assert.equal(await alive(victim.line()), `ok accept ${name} ${SIZES.toAcceptor} ${SIZES.fromAcceptor}`);
          c.close();
          // The victim connects to a full backlog, receives, then sends with send().
          const l = track(socket(family));
          l.bind(family === AF_INET ? ['127.0.0.1', 0] : path.join(dir, `${name}-full.sock`));
          l.listen(0);
          const filler = track(socket(family));
          filler.setblocking(false);
          filler.connectEx(l.getsockname()); // the one queued connection listen(0) allows
          await sleep(5);
          victim.write(`connect ${JSON.stringify(l.getsockname())}\n`);
          await sleep(50); // it waits for room meanwhile (TCP: its SYN was dropped)
          track((await l.acceptAsync())[0]); // the filler: room
          const [conn] = await alive(l.acceptAsync({ signal: AbortSignal.timeout(20_000) }));
          track(small(conn));
          await alive(sendSlowly(conn, payload(`${name} to connector`, SIZES.toConnector)));
          await alive(readSlowly(conn, payload(`${name} from connector`, SIZES.fromConnector), `${name} send`));
          assert.equal(await alive(victim.line()), `ok connect ${name} ${SIZES.toConnector} ${SIZES.fromConnector}`);
          conn.close();
          l.close();
        }
      }
      const done = await alive(victim.line());
      assert.match(done, /^done \d+$/);
      signaller.proc.kill('SIGTERM');
      const sent = Number(await signaller.line());
      await signaller.exit();
      victim.write('bye\n');
      const exit = await victim.exit();
      assert.deepEqual([exit.code, exit.signal], [0, null], exit.stderr);
      return { signals: sent, seen: Number(done.slice(5)) };
    }

    it('under a restarting handler (a JS listener: SA_RESTART)', async () => {
      const { signals, seen } = await storm('restart');
      // The storm overlapped the calls: the listener ran for many of them.
      assert.ok(signals >= 200, `only ${signals} signals sent`);
      assert.ok(seen >= 100, `the listener saw ${seen} of ${signals} signals`);
    });

    it("under a non-restarting handler (Node's own SIGUSR1: every signal is EINTR)", async () => {
      const { signals, seen } = await storm('interrupt');
      assert.ok(signals >= 200, `only ${signals} signals sent`);
      assert.equal(seen, 0);
    });
  });
});
