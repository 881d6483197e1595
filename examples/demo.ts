// `npm run demo`: the upper-case echo server of seed 002 (section 六) in a
// child process, and three clients talking to it over loopback:
//
//   1. a conversation: a few messages, each answered in upper case, then 'q';
//   2. a client that resets its connection (SO_LINGER 0, then close: an RST
//      instead of a FIN), so the server's recv() fails with ECONNRESET;
//   3. another conversation, which shows that the server's connection loop
//      went back to accept() instead of dying with the connection.
//
// Then the server is stopped by its PID and what it printed is shown. The
// demo needs no stdin and ends on its own: every socket call has a timeout,
// and a watchdog ends the whole run if something still hangs.

import { spawn } from 'node:child_process';
import path = require('node:path');
import readline = require('node:readline');

import { SOL_SOCKET, SO_LINGER, socket, type Socket } from '../lib';

const ROOT = path.join(__dirname, '..');
const HOST = '127.0.0.1';
/** Seconds any one socket call may wait for the server. */
const TIMEOUT = 5;
/** Milliseconds the whole demo may take. */
const DEADLINE = 30_000;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The `n` bytes of an upper-cased reply; recv() may return it in pieces. */
function recvReply(s: Socket, n: number): string {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const data = s.recv(1024);
    if (data.length === 0) throw new Error('the echo server closed the connection');
    parts.push(data);
    got += data.length;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Sends each message and prints the exchange, up to a 'q'. */
function converse(s: Socket, messages: readonly string[]): void {
  for (const msg of messages) {
    if (msg === 'q') {
      say('client -> q (closes the connection)');
      return;
    }
    s.sendall(msg);
    say(`client -> ${msg}`);
    say(`server <- ${recvReply(s, Buffer.byteLength(msg))}`);
  }
}

function connect(port: number): Socket {
  const s = socket();
  try {
    s.settimeout(TIMEOUT);
    s.connect([HOST, port]);
    return s;
  } catch (err) {
    s.close();
    throw err;
  }
}

/** The client's own port, to find its lines in the server's log. */
function localPort(s: Socket): number {
  const name = s.getsockname();
  if (!Array.isArray(name)) throw new Error(`unexpected local address ${String(name)}`);
  return name[1];
}

async function main(): Promise<void> {
  const server = spawn(process.execPath, ['--require', 'tsx/cjs', 'examples/echo-server.ts', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<string>((resolve) => {
    server.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`));
    // A failed spawn emits 'error' instead of 'exit'; unheard, it would crash the demo.
    server.once('error', (err) => resolve(`not started: ${err.message}`));
  });
  const watchdog = setTimeout(() => {
    process.stderr.write('demo: the echo server did not answer in time\n');
    server.kill('SIGKILL');
    process.exit(1);
  }, DEADLINE);
  // The watchdog must not be what keeps the demo alive once all is done.
  watchdog.unref();

  // Every line the server prints, as it comes. One listener from the start:
  // a burst of lines arrives in one chunk, and a listener added later would
  // miss the ones emitted in the same tick.
  const log: string[] = [];
  let wake: () => void = () => {};
  readline.createInterface({ input: server.stdout }).on('line', (line) => {
    log.push(line);
    wake();
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
    wake();
  });
  /** Waits (without blocking the event loop) for the server to print a line matching `re`. */
  const waitFor = async (re: RegExp): Promise<string> => {
    for (;;) {
      const found = log.find((l) => re.test(l));
      if (found !== undefined) return found;
      if (gone) throw new Error(`the echo server exited; it printed:\n${log.join('\n')}`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };

  try {
    const listening = await waitFor(/^listening /);
    const port = Number(listening.split(' ')[2]);
    say(`echo server: pid ${server.pid}, ${listening}`);

    // From here the calls block this process (with a timeout): the server is
    // another process, so it goes on serving meanwhile.
    say('--- client 1: a conversation');
    const c1 = connect(port);
    try {
      converse(c1, ['hello', 'bsd sockets', 'q', 'never sent']);
    } finally {
      c1.close();
    }

    say('--- client 2: resets its connection');
    const c2 = connect(port);
    try {
      converse(c2, ['bye']);
      // struct linger { int l_onoff = 1; int l_linger = 0; }, in native byte
      // order: close() then discards the connection with an RST.
      c2.setsockopt(SOL_SOCKET, SO_LINGER, new Int32Array([1, 0]));
      say('client 2 closes with SO_LINGER 0: an RST, not a FIN');
    } finally {
      c2.close();
    }

    say('--- client 3: the server is still there');
    const c3 = connect(port);
    const port3 = localPort(c3);
    try {
      converse(c3, ['still there?']);
    } finally {
      c3.close();
    }
    // Let the server finish with client 3 before stopping it, so that its log
    // is complete.
    await waitFor(new RegExp(`^closed ${HOST} ${port3}$`));

    say(`--- stopping the echo server: kill ${server.pid} SIGTERM`);
    if (server.pid !== undefined) process.kill(server.pid, 'SIGTERM');
    say(`echo server stopped: ${await exited}`);
    say('--- what the echo server printed');
    for (const line of log) say(`  ${line}`);
  } finally {
    clearTimeout(watchdog);
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
