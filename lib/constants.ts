// Constants: the platform's values, read from the native module. Each is
// exported by name (lib/constant-names.ts) and in the frozen `constants`.

import { native } from './binding';
import type { Constants } from './constant-names';

export * from './constant-names';

/**
 * Every constant bsdsock knows on this platform, frozen: the `AF_*`,
 * `SOCK_*`, `SOL_*`, `SO_*`, `IPPROTO_*`, `IP_*`, `IPV6_*`, `TCP_*`, `MSG_*`,
 * `SHUT_*`, `SCM_*`, `AI_*`, `NI_*`, `EAI_*`, `INADDR_*`, `POLL*` and
 * `EPOLL*` names that CPython's `socket` and `select` modules expose, with this
 * platform's values. Names the platform lacks are absent.
 */
export const constants: Constants = Object.freeze({ ...native.constants }) as Constants;

// Reverse lookups for util.inspect. The first name listed wins for aliases
// (AF_UNIX over AF_LOCAL, AF_NETLINK over AF_ROUTE), as Python's enums do.
function reverse(prefix: string, preferred: readonly string[], skip: readonly string[] = []): Map<number, string> {
  const map = new Map<number, string>();
  for (const name of preferred) {
    const value = constants[name];
    if (value !== undefined) map.set(value, name);
  }
  for (const [name, value] of Object.entries(constants)) {
    if (value !== undefined && name.startsWith(prefix) && !skip.includes(name) && !map.has(value)) map.set(value, name);
  }
  return map;
}

const familyNames = reverse('AF_', ['AF_UNSPEC', 'AF_INET', 'AF_INET6', 'AF_UNIX', 'AF_NETLINK', 'AF_PACKET']);
const typeNames = reverse('SOCK_', ['SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_SEQPACKET', 'SOCK_RDM'], [
  'SOCK_NONBLOCK',
  'SOCK_CLOEXEC',
]);

/** `'AF_INET'` for AF_INET's value, or the number as a string. */
export function familyName(family: number): string {
  return familyNames.get(family) ?? String(family);
}

/** `'SOCK_STREAM'` for SOCK_STREAM's value, or the number as a string. */
export function typeName(type: number): string {
  return typeNames.get(type) ?? String(type);
}
