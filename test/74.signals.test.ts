// Signals during blocking calls (PEP 475): every call interrupted by a signal
// goes on as if nothing happened, under a handler that the kernel restarts
// (SA_RESTART, as libuv installs for process.on('SIGxxx')) and under one it
// does not (Node's own SIGUSR1 handler, which starts the inspector: each
// signal makes the blocking syscall fail with EINTR).
//
// The children run with --inspect-port=0, so that the inspector SIGUSR1
// starts listens on an ephemeral loopback port, never on a fixed one.

import assert = require('node:assert/strict');
import path = require('node:path');
import { setTimeout as sleep } from 'node:timers/promises';

import { AF_UNIX, SocketError, socket, type Socket } from '../lib';
import { ROOT, sockets, start, tempDirs, type Child } from './helpers';

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
});
