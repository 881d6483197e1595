// The random-argument fuzzer (fuzz/), run short: 20,000 seeded calls over
// every export, Socket method and the select/poll/epoll/makefile objects,
// found at run time. It must find nothing: no crash, no hang, no thrown
// value that is not an Error, no TypeError/RangeError without a Node code,
// no UNKNOWN code, no fd left open or closed behind a socket's back, no
// socket dropped open, no promise that never settles.
//
// And the fuzzer itself must keep seeing: each kind of finding, injected
// into its child (BSDSOCK_FUZZ_INJECT), is reported; the same seed makes
// the same calls. Longer runs: npm run fuzz -- --calls N --seed S.

import assert = require('node:assert/strict');

import { format, runFuzz, type FuzzSummary } from '../fuzz/run';
import { UNDER_ASAN } from './helpers';

const SEED = 20250611;

describe('42 fuzz', function () {
  // Under ASan (npm run test:sanitize) every call runs several times slower.
  this.timeout(UNDER_ASAN ? 1_200_000 : 240_000);

  it('20,000 seeded random calls find no crash, hang, non-Error, uncoded error, UNKNOWN code or fd leak', async () => {
    const s = await runFuzz({ calls: 20_000, seed: SEED });
    // The whole API was there to be called, found by enumeration.
    for (const name of ['socket', 'new Socket', 'Socket.recv', 'Socket.connectAsync', 'select', 'Poll.register', 'Epoll.poll', 'SocketFile.readline', 'getaddrinfo']) {
      assert.ok(s.targets.includes(name), `not fuzzed: ${name}`);
    }
    assert.equal(s.calls, 20_000, format(s));
    assert.deepEqual(s.counts, {}, format(s));
  });

  describe('the fuzzer reports what it is there to find', () => {
    const categories = (s: FuzzSummary): string[] => [...new Set(s.findings.filter((f) => f.key.includes('inject:') || f.key === f.category || f.key.includes('(garbage collector)')).map((f) => f.category))].sort();

    it('a non-Error, an uncoded TypeError, an UNKNOWN code, an fd leak, a dropped socket, a promise that never settles', async () => {
      process.env.BSDSOCK_FUZZ_INJECT = 'non-error,uncoded,unknown-code,fd-leak,dropped,hung-promise';
      let s: FuzzSummary;
      try {
        s = await runFuzz({ calls: 200, seed: SEED, batch: 100 });
      } finally {
        delete process.env.BSDSOCK_FUZZ_INJECT;
      }
      assert.deepEqual(categories(s), ['dropped', 'fd-leak', 'hung-promise', 'non-error', 'uncoded', 'unknown-code'], format(s));
      const first = (category: string) => s.findings.find((f) => f.category === category && f.key.includes('inject:'))!.first;
      assert.equal(first('non-error').index, 5);
      assert.equal(first('uncoded').call, 'inject:uncoded()');
    });

    it('a crash (SIGSEGV) and a hang, with the call that caused them', async () => {
      process.env.BSDSOCK_FUZZ_INJECT = 'crash';
      let crash: FuzzSummary;
      let hang: FuzzSummary;
      try {
        crash = await runFuzz({ calls: 100, seed: SEED });
        process.env.BSDSOCK_FUZZ_INJECT = 'hang';
        hang = await runFuzz({ calls: 100, seed: SEED, hangMs: 2000 });
      } finally {
        delete process.env.BSDSOCK_FUZZ_INJECT;
      }
      for (const [s, category] of [
        [crash, 'crash'],
        [hang, 'hang'],
      ] as const) {
        const f = s.findings.find((x) => x.category === category);
        assert.ok(f !== undefined, format(s));
        assert.deepEqual([f.first.index, f.first.call], [5, `inject:${category}()`], format(s));
        assert.equal(s.calls, 5);
      }
      assert.match(crash.findings.find((x) => x.category === 'crash')!.first.detail, /signal SIGSEGV/);
    });

    it('the same seed makes the same calls, another seed others', async () => {
      const [a, b, c] = await Promise.all([runFuzz({ calls: 1000, seed: 7 }), runFuzz({ calls: 1000, seed: 7 }), runFuzz({ calls: 1000, seed: 8 })]);
      assert.match(a.callsHash, /^[0-9a-f]+$/);
      assert.equal(b.callsHash, a.callsHash);
      assert.notEqual(c.callsHash, a.callsHash);
    });
  });
});
