/**
 * A throwaway Dovecot IMAP server per test file: Debian's dovecot-imapd with a config of its
 * own in a temporary folder (no system config, no system service), listening on free loopback
 * ports, one user whose password comes from a static passdb, maildirs in the same folder.
 * With a certificate it also offers STARTTLS on the IMAP port and IMAPS on a second port.
 * Dovecot daemonises; it is stopped through its master.pid, and the folder removed, after the
 * file's last test (also when the process exits without afterAll). Without the binary it fails,
 * saying how to install it: CI does (.ci/run).
 *
 * Messages go in the way mail arrives for a client, by IMAP APPEND, and tests look at what
 * the mailbox holds afterwards over IMAP too: the same view papermail has.
 */
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll } from 'vitest';
import { closedPort as freePort } from './async.js';

const DOVECOT = '/usr/sbin/dovecot';

export interface DovecotOptions {
  /** PEM key and certificate: Dovecot then offers STARTTLS on `port` and IMAPS on `tlsPort`. */
  tls?: { key: string; cert: string };
}

export interface DovecotServer {
  /** Where it listens (loopback only). */
  host: '127.0.0.1';
  /** IMAP: plain, with STARTTLS offered when started with a certificate. */
  port: number;
  /** IMAPS (TLS from the first byte); only when started with a certificate. */
  tlsPort: number | undefined;
  user: string;
  /** The user's password (static passdb). It holds characters a URL must encode. */
  password: string;
  /**
   * A BOUNCE_IMAP_URL for this server: imap:// on `port` by default, imaps:// on `tlsPort`;
   * `host` replaces 127.0.0.1 (the machine's host name reaches it too), `password` the right
   * one; user and password are URL-encoded.
   */
  url(options?: { scheme?: 'imap' | 'imaps'; host?: string; password?: string; mailbox?: string }): string;
  /** Puts a message into `mailbox` (created if missing) by IMAP APPEND; resolves to its UID. */
  append(mailbox: string, raw: string | Buffer, flags?: string[]): Promise<number>;
  /** What `mailbox` holds, in UID order; [] when it does not exist. `path` uses the server's delimiter. */
  messages(mailbox: string | string[]): Promise<MailboxMessage[]>;
  stop(): Promise<void>;
}

export interface MailboxMessage {
  uid: number;
  subject: string;
  /** System flags and keywords, such as \Seen or $PapermailUnreadable (not \Recent, which depends on the session). */
  flags: string[];
}

export async function startDovecot(options: DovecotOptions = {}): Promise<DovecotServer> {
  if (!existsSync(DOVECOT)) {
    throw new Error(
      `Dovecot is not installed: no ${DOVECOT}. The bounce mailbox tests need an IMAP server ` +
        '(Debian: apt-get install -y --no-install-recommends dovecot-imapd; .ci/run does this).',
    );
  }
  const directory = await mkdtemp(join(tmpdir(), 'papermail-imap-'));
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : undefined;
  const user = 'bounces';
  const password = 'p@ss/w0rd:42';
  const config = join(directory, 'dovecot.conf');
  const mail = join(directory, 'mail');
  await mkdir(mail);
  // mkdtemp makes the folder 0700: Dovecot's mail processes (another user) must pass through it.
  await chmod(directory, 0o711);

  // Dovecot's own processes run as unprivileged users; as root those are Debian's dovecot and
  // dovenull (imap-login refuses root), otherwise everything runs as the current user.
  const asRoot = userInfo().uid === 0;
  const mailUser = asRoot ? 'dovecot' : userInfo().username;
  if (asRoot) await chown(mail, uidOf('dovecot'), gidOf('dovecot'));
  let tlsSettings = ['ssl = no'];
  if (options.tls) {
    await writeFile(join(directory, 'cert.pem'), options.tls.cert);
    await writeFile(join(directory, 'key.pem'), options.tls.key, { mode: 0o600 });
    tlsSettings = [`ssl = yes`, `ssl_cert = <${join(directory, 'cert.pem')}`, `ssl_key = <${join(directory, 'key.pem')}`];
  }
  await writeFile(
    config,
    [
      'protocols = imap',
      'listen = 127.0.0.1',
      `base_dir = ${join(directory, 'run')}`,
      `state_dir = ${join(directory, 'state')}`,
      `log_path = ${join(directory, 'log')}`,
      ...tlsSettings,
      // Plain logins are what the refusal tests need to be possible: papermail must refuse them itself.
      'disable_plaintext_auth = no',
      // A wrong password answers at once (the default waits 2 s).
      'auth_failure_delay = 0',
      `mail_location = maildir:${mail}/%u`,
      `passdb {\n  driver = static\n  args = password=${password}\n}`,
      `userdb {\n  driver = static\n  args = uid=${mailUser} gid=${mailUser} home=${mail}/%u\n}`,
      'first_valid_uid = 1',
      `default_internal_user = ${mailUser}`,
      `default_login_user = ${asRoot ? 'dovenull' : mailUser}`,
      'service imap-login {',
      `  inet_listener imap {\n    port = ${port}\n  }`,
      tlsPort ? `  inet_listener imaps {\n    port = ${tlsPort}\n    ssl = yes\n  }` : '  inet_listener imaps {\n    port = 0\n  }',
      '}',
      '',
    ].join('\n'),
  );

  let master: number | undefined;
  // Dovecot's orderly shutdown takes 1.5-3 s; a throwaway server has nothing to keep, so its
  // process group (the master daemonises into a session of its own) is killed at once.
  const stopNow = () => {
    if (master === undefined) return;
    signal(-master, 'SIGKILL');
  };
  process.once('exit', stopNow);

  try {
    // Dovecot forks into the background: its output goes to the log file, never a pipe we would wait on.
    execFileSync(DOVECOT, ['-c', config], { stdio: 'ignore' });
    master = await masterPid(join(directory, 'run', 'master.pid'));
    await listening(port);
  } catch (error) {
    stopNow();
    if (master !== undefined) await exited(master);
    const log = await readFile(join(directory, 'log'), 'utf8').catch(() => '');
    await rm(directory, { recursive: true, force: true });
    throw new Error(`could not start Dovecot in ${directory}: ${(error as Error).message}\n${log}`);
  }

  const client = async () => {
    const imap = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
    await imap.connect();
    return imap;
  };
  const withClient = async <T>(work: (imap: ImapFlow) => Promise<T>): Promise<T> => {
    const imap = await client();
    try {
      return await work(imap);
    } finally {
      await imap.logout();
    }
  };

  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    user,
    password,
    url({ scheme = 'imap', host = '127.0.0.1', password: given = password, mailbox } = {}) {
      const at = scheme === 'imaps' ? tlsPort : port;
      if (at === undefined) throw new Error('this Dovecot was started without a certificate: no IMAPS port');
      const path = mailbox === undefined ? '' : `/${encodeURIComponent(mailbox)}`;
      return `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(given)}@${host}:${at}${path}`;
    },
    append: (mailbox, raw, flags = []) =>
      withClient(async (imap) => {
        if (mailbox.toUpperCase() !== 'INBOX') await imap.mailboxCreate(mailbox);
        const appended = await imap.append(mailbox, raw, flags);
        if (!appended || appended.uid === undefined) throw new Error(`APPEND to ${mailbox} returned no UID`);
        return appended.uid;
      }),
    messages: (mailbox) =>
      withClient(async (imap) => {
        const path = Array.isArray(mailbox) ? mailbox.join(imap.namespace?.delimiter ?? '/') : mailbox;
        if (!(await imap.list()).some((listed) => listed.path === path)) return [];
        const lock = await imap.getMailboxLock(path, { readOnly: true });
        try {
          const found = await imap.fetchAll('1:*', { uid: true, flags: true, envelope: true });
          return found
            .map((message) => ({ uid: message.uid, subject: message.envelope?.subject ?? '', flags: [...(message.flags ?? [])].filter((flag) => flag !== '\\Recent').sort() }))
            .sort((a, b) => a.uid - b.uid);
        } finally {
          lock.release();
        }
      }),
    async stop() {
      stopNow();
      process.removeListener('exit', stopNow);
      // The folder goes once nothing uses it.
      if (master !== undefined) await exited(master);
      master = undefined;
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** One Dovecot per test file: started before its first test, stopped after its last. */
export function useDovecot(options: DovecotOptions | (() => Promise<DovecotOptions>) = {}): { server(): DovecotServer } {
  let server: DovecotServer | undefined;
  beforeAll(async () => {
    server = await startDovecot(typeof options === 'function' ? await options() : options);
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });
  return {
    server() {
      if (server === undefined) throw new Error('the Dovecot server is not running');
      return server;
    },
  };
}

/** The master's process id, once the daemonised master has written it. */
async function masterPid(file: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pid = Number(existsSync(file) ? readFileSync(file, 'utf8').trim() : '');
    if (Number.isInteger(pid) && pid > 0) return pid;
    if (Date.now() > deadline) throw new Error(`Dovecot wrote no ${file} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves once something accepts connections on the port (Dovecot binds just after it forks). */
async function listening(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} 10 s after Dovecot started`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Sends a signal; false when the process is gone. */
function signal(pid: number, name: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once the process is gone or a zombie (its parent, after the daemonising fork, is whoever reaps orphans). */
async function exited(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  const zombie = () => /^\d+ \(.*\) Z/.test(readFileSafely(`/proc/${pid}/stat`));
  while (signal(pid, 0) && !zombie()) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function readFileSafely(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user]).toString().trim());
}

function gidOf(user: string): number {
  return Number(execFileSync('id', ['-g', user]).toString().trim());
}
