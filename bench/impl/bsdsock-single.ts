// bsdsock, one datagram per syscall (sendto, recvfromInto), on the batch
// workloads: the rate that batching and GSO are measured against
// (bsdsock-batch.ts).

import { run } from './bsdsock-batch';
import { isBatch, parseArgs, unsupported } from './common';

const args = parseArgs(process.argv.slice(2));
if (!isBatch(args.workload)) unsupported('only the batch workloads');
run(args, 'single');
