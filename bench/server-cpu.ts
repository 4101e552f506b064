/**
 * The CPU time a server process and its children have used (Linux /proc): the process itself,
 * the children still running, and those that ended and were waited for (cutime/cstime), so a
 * PostgreSQL backend that exits with its connection is still counted, by the postmaster.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's times: 100 on every Linux this runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** Milliseconds of CPU (user + system) used by `pid` and every child of it, living or ended. */
export async function processTreeCpuMs(pid: number): Promise<number> {
  let ticks = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [parent, user, system, childrenUser, childrenSystem] = [fields[1], fields[11], fields[12], fields[13], fields[14]].map(Number);
    if (Number(entry) === pid || parent === pid) ticks += user! + system! + childrenUser! + childrenSystem!;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}
