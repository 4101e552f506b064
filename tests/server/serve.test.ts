import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';

const logLines: string[] = [];
const logger = createLogger('debug', (line) => logLines.push(line));
const servers: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  logLines.length = 0;
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}

function helloApp(): Hono {
  const app = new Hono();
  app.get('/', (c) => c.text('hello'));
  return app;
}

describe('startServer', () => {
  it('listens on a free port when given port 0 and reports the bound address', async () => {
    const server = await startServer({ app: helloApp(), host: '127.0.0.1', port: 0, logger });
    servers.push(server);

    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await (await fetch(server.url)).text()).toBe('hello');
  });

  it('stops accepting connections once closed', async () => {
    const server = await startServer({ app: helloApp(), host: '127.0.0.1', port: 0, logger });

    await server.close();

    await expect(fetch(server.url)).rejects.toThrow();
  });

  it('stops work first, lets open requests finish, then releases resources', async () => {
    const events: string[] = [];
    const send = deferred();
    const requestStarted = deferred();
    const app = new Hono();
    app.post('/admin/send', async (c) => {
      requestStarted.resolve();
      await send.promise;
      events.push('request finished');
      return c.text('sent');
    });
    const server = await startServer({
      app,
      host: '127.0.0.1',
      port: 0,
      logger,
      onShutdown: {
        stopWork: () => {
          events.push('stop work');
          // Stopping the work (aborting the send) is what lets the open request finish.
          send.resolve();
        },
        release: () => void events.push('release'),
      },
    });
    const open = fetch(`${server.url}/admin/send`, { method: 'POST' });
    await requestStarted.promise;

    await server.close();

    expect(await (await open).text()).toBe('sent');
    expect(events).toEqual(['stop work', 'request finished', 'release']);
  });

  it('runs release even when stopping work failed, and logs the failure', async () => {
    let released = false;
    const server = await startServer({
      app: helloApp(),
      host: '127.0.0.1',
      port: 0,
      logger,
      onShutdown: {
        stopWork: () => {
          throw new Error('schedule would not stop');
        },
        release: () => void (released = true),
      },
    });

    await server.close();

    expect(released).toBe(true);
    expect(logLines).toContain('error: server: shutdown step stopWork failed: schedule would not stop');
  });

  it('closes once however often close() is called', async () => {
    let releases = 0;
    const server = await startServer({ app: helloApp(), host: '127.0.0.1', port: 0, logger, onShutdown: { release: () => void (releases += 1) } });

    await Promise.all([server.close(), server.close()]);

    expect(releases).toBe(1);
  });

  it('cuts connections still open after the grace period', async () => {
    const never = deferred();
    const requestStarted = deferred();
    const app = new Hono();
    app.get('/stuck', async (c) => {
      requestStarted.resolve();
      await never.promise;
      return c.text('too late');
    });
    const server = await startServer({ app, host: '127.0.0.1', port: 0, logger, graceMs: 0 });
    const stuck = fetch(`${server.url}/stuck`).then(
      () => 'answered',
      () => 'cut',
    );
    await requestStarted.promise;

    await server.close();

    expect(await stuck).toBe('cut');
    never.resolve();
  });

  it('fails with ECONFIG naming HOST and PORT when the port is taken', async () => {
    const first = await startServer({ app: helloApp(), host: '127.0.0.1', port: 0, logger });
    servers.push(first);

    await expect(startServer({ app: helloApp(), host: '127.0.0.1', port: first.port, logger })).rejects.toThrow(
      expect.objectContaining({ code: 'ECONFIG', message: expect.stringMatching(/HOST, PORT.*EADDRINUSE/) }),
    );
  });
});
