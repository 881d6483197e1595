// Root hooks: the whole suite must leave the process with exactly the fds it
// found. A leaked socket fails the run, listing what leaked.

import { openFds, reapChildren } from './helpers';

let before = new Map<string, string>();

export const mochaHooks = {
  afterEach: reapChildren,
  beforeAll(): void {
    before = openFds();
  },
  afterAll(): void {
    // Finalizers of sockets dropped by tests have run by now or never will;
    // give them one more chance so that a GC-based test cannot mask a leak.
    global.gc?.();
    const after = openFds();
    const leaked = [...after].filter(([fd, target]) => before.get(fd) !== target);
    const closed = [...before].filter(([fd]) => !after.has(fd));
    if (leaked.length > 0 || closed.length > 0) {
      const show = (list: [string, string][]) => list.map(([fd, t]) => `${fd} -> ${t}`).join(', ');
      throw new Error(
        `open fds changed during the suite: ${before.size} before, ${after.size} after. ` +
          `New: [${show(leaked)}]; gone: [${show(closed)}]`,
      );
    }
  },
};
