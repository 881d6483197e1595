// sock.makefile(): a synchronous buffered file over a socket, as Python's
// socket.makefile() (a BufferedReader/Writer over SocketIO, wrapped in a
// TextIOWrapper in text mode). It is what line-based protocols use:
//
//   const f = sock.makefile('rw', { newline: '\r\n' });
//   f.write('HELO example\n'); f.flush();
//   const reply = f.readline();
//
// Reads call recv() on the socket and writes send(), so the socket's mode
// applies: blocking, or a timeout (SocketTimeoutError), as in Python. After a
// read timed out, the buffered data may be out of step with the stream, so
// further reads are refused, as Python's SocketIO does.

import { Buffer } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';

import { SOCK_STREAM } from './constant-names';
import { E, SocketError, SocketTimeoutError, errnoName } from './errors';
import * as v from './validate';

/** The socket calls a file needs; Socket provides them. */
export interface FileSocket {
  recv(bufsize: number): Buffer;
  send(data: ArrayBufferView): number;
  trySend(data: ArrayBufferView): number;
  sendall(data: ArrayBufferView): void;
  fileno(): number;
  readonly type: number;
}

/**
 * What the reads of a `makefile(mode)` file return: Buffer for a mode with
 * 'b', string for one without, either when the mode is only known as a
 * string.
 */
export type FileData<M extends string> = string extends M ? Buffer | string : M extends `${string}b${string}` ? Buffer : string;

/** Options of `sock.makefile()`, as Python's keywords. */
export interface MakefileOptions {
  /**
   * The buffer size: omitted or -1 for 8192 bytes (io.DEFAULT_BUFFER_SIZE),
   * 0 for unbuffered (binary mode only: `read(n)` is one recv(n),
   * `readline()` reads a byte at a time, every write is one sendall(); no
   * byte is read ahead of what is returned). CPython's unbuffered write is
   * one send() that may return a short count; here it sends everything or
   * throws. Text mode has this one buffer, where CPython's text layer also
   * gathers up to 8192 bytes in front of it: on a datagram socket, text
   * writes with a `buffering` other than 8192 can fall into datagrams
   * differently.
   */
  buffering?: number;
  /**
   * Text mode's encoding: 'utf8' (default), 'latin1' or 'ascii'. Bytes that
   * are not valid in it read as U+FFFD (Python's default errors='strict'
   * raises UnicodeDecodeError instead). Writing text the encoding cannot
   * represent (a lone surrogate in UTF-8, a character above U+00FF in
   * latin1, above U+007F in ascii) throws ERR_INVALID_ARG_VALUE with nothing
   * written, as CPython raises UnicodeEncodeError.
   */
  encoding?: 'utf8' | 'utf-8' | 'latin1' | 'ascii';
  /**
   * Text mode's line endings, as Python's `newline`: null (default) reads
   * '\n', '\r\n' and '\r' as '\n'; '' reads all three and keeps them; '\n',
   * '\r' or '\r\n' reads only that one. Writing: '\n' becomes `newline` when it
   * is '\r' or '\r\n', and stays otherwise.
   */
  newline?: null | '' | '\n' | '\r' | '\r\n';
}

const DEFAULT_BUFFER_SIZE = 8192;

function timedOutError(): SocketError {
  return new SocketError(E.ETIMEDOUT, errnoName(E.ETIMEDOUT), 'recv', undefined, 'cannot read from timed out object');
}

/** The number of code points (Python's characters) in `s`. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The UTF-16 index just after the first `n` code points of `s` (its length if fewer). */
function codePointIndex(s: string, n: number): number {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff ? 2 : 1;
  }
  return i;
}

// What a file has buffered for writing, kept apart from the file so that
// the exit hook below, which cannot reach the file, can still send it.
interface Output {
  readonly sock: FileSocket;
  chunks: Buffer[];
  length: number;
}

// Outputs holding unsent bytes. When the process (or the worker) exits they
// are sent (on its own end or process.exit(); terminate() and fatal signals
// run no JavaScript), as CPython flushes its file objects at shutdown: a script that
// writes to a makefile() file and ends without flush() still sends. But
// only what goes without blocking: a peer that reads nothing (perhaps this
// very thread, now exiting) must not keep the process from ending.
const unflushed = new Set<Output>();
let exitHooked = false;

function buffer(out: Output, bytes: Buffer): void {
  if (bytes.length === 0) return; // nothing to hold (and no reason to stay in the set)
  out.chunks.push(Buffer.from(bytes)); // a copy: the caller may reuse its buffer
  out.length += bytes.length;
  unflushed.add(out);
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', flushAtExit);
  }
}

/**
 * The exit hook: sends what every file still holds, as far as it goes
 * without blocking. Once one file's bytes stop short on a stream socket, the
 * files after it on that socket send nothing: their bytes would follow a
 * cut in the stream. (Datagrams keep their boundaries, so there the next
 * file still sends.) Exported for the tests.
 */
export function flushAtExit(): void {
  const stalled = new Set<FileSocket>();
  for (const o of unflushed) {
    if (stalled.has(o.sock)) continue;
    let done = false;
    quietly(() => (done = drain(o, true)));
    if (!done && o.sock.type === SOCK_STREAM) stalled.add(o.sock);
  }
}

/** What `out` holds, as one Buffer. */
function pending(out: Output): Buffer {
  if (out.chunks.length > 1) out.chunks = [Buffer.concat(out.chunks, out.length)];
  return out.chunks[0]!;
}

/** Drops the first `n` bytes of `out`, which have been sent. */
function sent(out: Output, n: number): void {
  const rest = out.chunks[0]!.subarray(n);
  out.chunks = rest.length === 0 ? [] : [rest];
  out.length = rest.length;
  if (out.length === 0) unflushed.delete(out);
}

/**
 * Sends all that `out` holds, one send() after another, as CPython's
 * BufferedWriter.flush(): what an error leaves unsent (a timeout, EAGAIN on
 * a non-blocking socket) stays buffered for the next flush. At exit, only
 * what goes without blocking (trySend). True once all of it is out.
 */
function drain(out: Output, atExit = false): boolean {
  while (out.length > 0) {
    const data = pending(out);
    const n = atExit ? out.sock.trySend(data) : out.sock.send(data);
    if (n <= 0) return false; // would block (trySend); no send of bytes returns 0, never spin
    sent(out, n);
  }
  return true;
}

/**
 * Whether `text` can be written in `encoding`: Node's encoders substitute
 * what they cannot represent ('?', a cut code unit, U+FFFD) where CPython
 * raises UnicodeEncodeError.
 */
function encodable(text: string, encoding: BufferEncoding): boolean {
  if (encoding === 'utf8') return (text as string & { isWellFormed(): boolean }).isWellFormed(); // no lone surrogate
  return !(encoding === 'ascii' ? /[^\x00-\x7f]/ : /[^\x00-\xff]/).test(text);
}

/** Runs `f`, ignoring what it throws: for cleanup with nobody to report to. */
function quietly(f: () => void): void {
  try {
    f();
  } catch {
    // CPython prints "Exception ignored" here; an exit hook or a finalizer
    // has no caller to throw to (an fd closed behind the socket's back, a
    // peer gone).
  }
}

// A file collected without close() gives up its hold on the socket, as a
// dropped file object does in CPython: a socket close() that waited for the
// file happens then. CPython also flushes it, at once (refcounting); here
// the collection comes at some later time, when other data may have gone
// out on the socket since, so sending it then could put bytes out of order.
// It is dropped with a ResourceWarning instead. (A dropped file still
// uncollected when the process exits is sent by the exit hook, after
// whatever the socket carried since: the hook cannot tell it from a live
// one.)
const dropped = new FinalizationRegistry<{ out: Output; release: () => void }>(({ out, release }) => {
  unflushed.delete(out);
  if (out.length > 0) {
    process.emitWarning(
      `a makefile() file was garbage-collected with ${out.length} bytes written but not sent; they were dropped (flush() or close() sends them)`,
      'ResourceWarning',
    );
  }
  quietly(release);
});

/** What an operation on a closed file throws (CPython: ValueError). */
function closedError(mode: string): TypeError {
  return v.invalidArgValue('file', 'is closed (I/O operation on closed file)', mode);
}

/**
 * A file object over a socket, from `sock.makefile(mode)`. In binary mode
 * ('rb', 'wb', 'rwb') reads return Buffers and writes take any
 * ArrayBufferView; in text mode ('r', 'w', 'rw') reads return strings and
 * writes take strings. Closing the file does not close the socket; a socket
 * closed while files are open closes for real when the last one is closed.
 * `T` is what reads return: Buffer for a mode with 'b', string otherwise.
 */
export class SocketFile<T extends Buffer | string = Buffer | string> {
  readonly #sock: FileSocket;
  readonly #release: () => void;
  readonly #reading: boolean;
  readonly #writing: boolean;
  readonly #binary: boolean;
  readonly #bufsize: number;
  readonly #encoding: BufferEncoding;
  readonly #newline: MakefileOptions['newline'];
  readonly mode: string;
  #closed = false;
  // reading, binary: bytes received and not yet returned
  #bytes: Buffer = Buffer.alloc(0);
  // reading, text: characters decoded and not yet returned
  #text = '';
  #decoder: StringDecoder | null = null;
  #eof = false;
  #timedOut = false;
  // writing
  readonly #out: Output;

  /** ERR_INVALID_THIS unless `self` is a SocketFile (see Socket's #brand). */
  static #brand(self: unknown): void {
    if (typeof self !== 'object' || self === null || !(#sock in self)) throw v.invalidThis('SocketFile');
  }

  /** @internal Made by Socket.makefile(). */
  constructor(sock: FileSocket, mode: string, options: MakefileOptions, release: () => void) {
    if (typeof mode !== 'string' || !/^[rwb]*$/.test(mode)) {
      throw v.invalidArgValue('mode', "must be made of 'r', 'w' and 'b'", mode);
    }
    this.mode = mode;
    // As Python: without 'w' a file reads ('' and 'b' included).
    this.#writing = mode.includes('w');
    this.#reading = mode.includes('r') || !this.#writing;
    this.#binary = mode.includes('b');
    const buffering = options.buffering === undefined ? -1 : v.int32(options.buffering, 'options.buffering');
    if (buffering === 0 && !this.#binary) throw v.invalidArgValue('options.buffering', 'can be 0 only in binary mode', 0);
    this.#bufsize = buffering < 0 ? DEFAULT_BUFFER_SIZE : buffering;
    const encoding = options.encoding ?? 'utf8';
    if (!['utf8', 'utf-8', 'latin1', 'ascii'].includes(encoding)) {
      throw v.invalidArgValue('options.encoding', "must be 'utf8', 'latin1' or 'ascii'", encoding);
    }
    this.#encoding = encoding === 'utf-8' ? 'utf8' : encoding;
    const newline = options.newline === undefined ? null : options.newline;
    if (newline !== null && !['', '\n', '\r', '\r\n'].includes(newline)) {
      throw v.invalidArgValue('options.newline', "must be null, '', '\\n', '\\r' or '\\r\\n'", newline);
    }
    this.#newline = newline;
    this.#sock = sock;
    this.#release = release;
    this.#out = { sock, chunks: [], length: 0 };
    dropped.register(this, { out: this.#out, release }, this);
  }

  /** True once closed. */
  get closed(): boolean {
    SocketFile.#brand(this);
    return this.#closed;
  }

  /** The socket's fd. */
  fileno(): number {
    SocketFile.#brand(this);
    return this.#sock.fileno();
  }

  #check(reading: boolean): void {
    if (this.#closed) throw closedError(this.mode);
    if (reading ? !this.#reading : !this.#writing) {
      throw v.invalidArgValue('file', `was not opened for ${reading ? 'reading' : 'writing'}`, this.mode);
    }
    // As Python's SocketIO: once a read timed out, the buffer may be out of
    // step with the stream, so nothing more is read, buffered data included.
    if (reading && this.#timedOut) throw timedOutError();
  }

  /**
   * One recv() into the buffer, of `size` bytes (the buffer size by default;
   * unbuffered reads ask for exactly what they return); false at EOF.
   */
  #fill(size = this.#bufsize === 0 ? DEFAULT_BUFFER_SIZE : this.#bufsize): boolean {
    if (this.#eof) return false;
    if (this.#timedOut) throw timedOutError();
    let data: Buffer;
    try {
      data = this.#sock.recv(size);
    } catch (err) {
      if (err instanceof SocketTimeoutError) this.#timedOut = true;
      throw err;
    }
    if (data.length === 0) {
      this.#eof = true;
      if (!this.#binary) this.#text += this.#decoder?.end() ?? '';
      return false;
    }
    if (this.#binary) {
      this.#bytes = this.#bytes.length === 0 ? data : Buffer.concat([this.#bytes, data]);
    } else {
      // Node's 'ascii' decoder drops the high bit (0xE9 would read as 'i'):
      // decode as latin1, and bytes above 0x7F are not ASCII.
      this.#decoder ??= new StringDecoder(this.#encoding === 'ascii' ? 'latin1' : this.#encoding);
      const text = this.#decoder.write(data);
      this.#text += this.#encoding === 'ascii' ? text.replace(/[\x80-\xff]/g, '\ufffd') : text;
    }
    return true;
  }

  #takeBytes(n: number): Buffer {
    const out = this.#bytes.subarray(0, n);
    this.#bytes = this.#bytes.subarray(n);
    return out;
  }

  /**
   * Takes `n` characters of decoded text; with universal newlines (newline
   * null) '\r\n' and '\r' become '\n', and a final '\r' waits for the next
   * character unless at EOF.
   */
  #takeText(n: number): string {
    const end = codePointIndex(this.#text, n);
    let out = this.#text.slice(0, end);
    this.#text = this.#text.slice(end);
    if (this.#newline === null) {
      if (out.endsWith('\r') && !this.#eof && this.#text === '') {
        // '\r' may be the first half of '\r\n': decide once more arrives.
        this.#text = '\r';
        out = out.slice(0, -1);
      } else if (out.endsWith('\r') && this.#text.startsWith('\n')) {
        this.#text = this.#text.slice(1);
      }
      out = out.replace(/\r\n?/g, '\n');
    }
    return out;
  }

  /**
   * Reads up to `size` bytes (binary) or characters (text); all of it until
   * EOF when `size` is -1 or omitted (any negative size in text mode or
   * unbuffered, as in Python). Returns less only at EOF (or, with buffering
   * 0, whatever one recv(size) gives: nothing is read ahead). Empty at EOF.
   *
   * @throws {RangeError} for a size below -1 in buffered binary mode.
   */
  read(size = -1): T {
    SocketFile.#brand(this);
    return this.#read(size) as T;
  }

  #read(size: number): Buffer | string {
    this.#check(true);
    v.int32(size, 'size');
    if (this.#binary) {
      if (this.#bufsize === 0 && size >= 0) {
        // Unbuffered: one recv() of exactly `size` (the buffer is always
        // empty here: unbuffered reads never read ahead).
        if (size > 0) this.#fill(size);
        return this.#takeBytes(this.#bytes.length);
      }
      if (size < -1 && this.#bufsize !== 0) throw v.outOfRange('size', '>= -1 (read length must be non-negative or -1)', size);
      while ((size < 0 || this.#bytes.length < size) && this.#fill());
      return this.#takeBytes(size < 0 ? this.#bytes.length : size);
    }
    if (size < 0) {
      while (this.#fill());
      return this.#takeText(Infinity);
    }
    // `size` counts characters (code points, as Python's str) after newline
    // translation.
    let out = '';
    let got = 0;
    while (got < size) {
      const need = size - got;
      // One character more than needed settles a trailing '\r'.
      while (codePoints(this.#text) <= need && this.#fill());
      if (this.#text === '') break; // EOF
      const part = this.#takeText(need);
      out += part;
      got += codePoints(part);
    }
    return out;
  }

  /** Where the first line in the text buffer ends (after its terminator), or -1. */
  #lineEnd(): number {
    const t = this.#text;
    const nl = this.#newline;
    if (nl === '\n' || nl === '\r' || nl === '\r\n') {
      const i = t.indexOf(nl);
      return i < 0 ? -1 : i + nl.length;
    }
    // Universal newlines: '\n', '\r\n' or a '\r' that is known not to start '\r\n'.
    const m = /\r\n|\r|\n/.exec(t);
    if (m === null) return -1;
    if (m[0] === '\r' && m.index === t.length - 1 && !this.#eof) return -1;
    return m.index + m[0].length;
  }

  /**
   * Reads one line, with its terminator ('\n' in binary mode; per `newline`
   * in text mode, '\n' by default); at most `limit` bytes/characters when
   * `limit` >= 0. At EOF, whatever is left (empty when nothing is).
   */
  readline(limit = -1): T {
    SocketFile.#brand(this);
    return this.#readline(limit) as T;
  }

  #readline(limit: number): Buffer | string {
    this.#check(true);
    v.int32(limit, 'limit');
    if (this.#binary) {
      // Unbuffered, a byte at a time, as Python's raw readline: no byte
      // after the line leaves the socket.
      const step = this.#bufsize === 0 ? 1 : undefined;
      for (;;) {
        const nl = this.#bytes.indexOf(0x0a);
        if (nl >= 0 && (limit < 0 || nl < limit)) return this.#takeBytes(nl + 1);
        if (limit >= 0 && this.#bytes.length >= limit) return this.#takeBytes(limit);
        if (!this.#fill(step)) return this.#takeBytes(this.#bytes.length);
      }
    }
    for (;;) {
      // `limit` counts characters (code points), as in Python.
      const end = this.#lineEnd();
      const endChars = end < 0 ? -1 : codePoints(this.#text.slice(0, end));
      if (end >= 0 && (limit < 0 || endChars <= limit)) return this.#takeText(endChars);
      if (limit >= 0 && codePoints(this.#text) > limit) return this.#takeText(limit);
      if (!this.#fill()) return this.#takeText(Infinity);
    }
  }

  /** Reads every remaining line. */
  readlines(): T[] {
    SocketFile.#brand(this);
    const lines: T[] = [];
    for (let line = this.readline(); line.length > 0; line = this.readline()) lines.push(line);
    return lines;
  }

  /** Iterates over the remaining lines, as `for line in f` in Python. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let line = this.readline(); line.length > 0; line = this.readline()) yield line;
  }

  /**
   * Writes `data` (a string in text mode, bytes in binary mode) into the
   * buffer. As CPython's BufferedWriter: data that fits joins the buffer;
   * otherwise the buffer is sent first, then data larger than the buffer is
   * sent straight away (one datagram on a datagram socket) and smaller data
   * is buffered. A write that throws has buffered none of its own data; but
   * data larger than the buffer may have been partly sent before the error
   * (CPython does not say how much either), so a retry can repeat a prefix.
   * Returns the count written, in characters (text) or bytes (binary). Call
   * flush() to send the rest.
   */
  write(data: T extends string ? string : ArrayBufferView): number {
    SocketFile.#brand(this);
    this.#check(false);
    let bytes: Buffer;
    let count: number;
    if (this.#binary) {
      if (!ArrayBuffer.isView(data)) throw v.invalidArgType('data', 'a Buffer, TypedArray or DataView in binary mode', data);
      // A detached view has no bytes (and no usable buffer).
      bytes = v.viewBuffer(data);
      count = bytes.length;
    } else {
      if (typeof data !== 'string') throw v.invalidArgType('data', 'of type string in text mode', data);
      const enc = this.#encoding;
      if (!encodable(data, enc)) {
        throw v.invalidArgValue('data', `has characters the '${enc}' encoding cannot represent (Python: UnicodeEncodeError)`, data);
      }
      const nl = this.#newline;
      const text = nl === '\r' || nl === '\r\n' ? data.replace(/\n/g, nl) : data;
      bytes = Buffer.from(text, enc);
      count = codePoints(data);
    }
    if (this.#bufsize === 0) {
      this.#sock.sendall(bytes);
      return count;
    }
    const out = this.#out;
    if (out.length + bytes.length <= this.#bufsize) {
      buffer(out, bytes);
      return count;
    }
    drain(out);
    let off = 0;
    while (bytes.length - off > this.#bufsize) off += this.#sock.send(off === 0 ? bytes : bytes.subarray(off));
    buffer(out, bytes.subarray(off));
    return count;
  }

  /**
   * Sends everything written so far, with send() until it is all out. On an
   * error (a timeout, EAGAIN) the bytes not sent stay buffered, as in
   * CPython, and a later flush() sends them.
   */
  flush(): void {
    SocketFile.#brand(this);
    if (this.#closed) throw closedError(this.mode);
    drain(this.#out);
  }

  /**
   * Flushes and closes the file (not the socket, unless the socket was
   * closed while this file was open). Idempotent. A file that is
   * garbage-collected unclosed releases the socket the same way; what it
   * held unsent is dropped, with a ResourceWarning. What a file holds when
   * the process or worker exits (on its own or by process.exit(), not by
   * terminate()) is sent as far as it goes without blocking, errors ignored. A close() whose flush fails still closes the file, and
   * what it could not send is dropped, as in CPython.
   */
  close(): void {
    SocketFile.#brand(this);
    if (this.#closed) return;
    try {
      if (this.#writing) this.flush();
    } finally {
      this.#closed = true;
      // Not for the exit hook to send later, after whatever the socket
      // carries from now on.
      unflushed.delete(this.#out);
      this.#out.chunks = [];
      this.#out.length = 0;
      dropped.unregister(this);
      this.#release();
    }
  }

  /** Closes the file at the end of a `using` block. */
  [Symbol.dispose](): void {
    SocketFile.#brand(this);
    this.close();
  }
}
