// The bulk-recv server without bsdsock's receive pool: every read goes to a
// new `Buffer.allocUnsafe(65536)` by `recvInto`, the least a Node program
// can do to get each chunk in memory of its own. Not how to use bsdsock,
// but a measurement: it tells what returning fresh bytes per read costs
// any Node code on this machine (memory that the garbage collector frees
// in bulk, long after use) from what `recv(65536)` adds to it. Its client
// is bsdsock sync's; the other workloads decline.

import { AF_INET, AF_UNIX, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, socket } from '../../dist';
import { parseArgs, putU64, ready, unsupported } from './common';

const args = parseArgs(process.argv.slice(2));
if (args.workload !== 'bulk-recv') unsupported('only bulk-recv');

function server(): void {
  const unix = args.transport === 'unix';
  const s = socket(unix ? AF_UNIX : AF_INET, SOCK_STREAM);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(unix ? args.where : ['127.0.0.1', 0]);
  ready(unix ? args.where : (s.getsockname() as [string, number])[1]);
  s.listen(16);
  const [conn] = s.accept();
  let total = 0;
  for (;;) {
    const data = Buffer.allocUnsafe(65536);
    const n = conn.recvInto(data);
    if (n === 0) break;
    total += n;
  }
  conn.sendall(putU64(total));
  conn.close();
  s.close();
}

if (args.role === 'server') server();
else require('./bsdsock-sync'); // its client, which reads the same command line
