import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPapermailError } from '../src/errors.js';
import { readTextFile, writeTextFiles } from '../src/file-errors.js';
import { rejectionOf } from './support/async.js';

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'papermail-files-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('readTextFile', () => {
  it('says "no such file" for a missing file and "it is a folder" for a folder, with the code asked for', async () => {
    const missing = await rejectionOf(readTextFile(join(folder, 'missing.csv'), 'EINPUT'));
    expect(isPapermailError(missing, 'EINPUT')).toBe(true);
    expect(missing.message).toBe(`cannot read ${join(folder, 'missing.csv')}: no such file`);
    expect((await rejectionOf(readTextFile(folder, 'ESOURCE'))).message).toBe(`cannot read ${folder}: it is a folder`);
  });
});

describe('writeTextFiles', () => {
  it('writes every file', async () => {
    await writeTextFiles([{ path: join(folder, 'a.html'), content: '<p>a</p>' }, { path: join(folder, 'a.txt'), content: 'a' }], 'EINPUT');
    expect(await readFile(join(folder, 'a.txt'), 'utf8')).toBe('a');
  });

  it('refuses a path whose folder does not exist, and creates neither the folder nor any file', async () => {
    const target = join(folder, 'no', 'such', 'x.html');
    const error = await rejectionOf(writeTextFiles([{ path: join(folder, 'first.txt'), content: '' }, { path: target, content: '' }], 'EINPUT'));
    expect(error.message).toBe(`cannot write ${target}: its folder ${join(folder, 'no', 'such')} does not exist`);
    await expect(stat(join(folder, 'no'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(join(folder, 'first.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to write over a folder', async () => {
    const target = join(folder, 'taken.html');
    await mkdir(target);
    expect((await rejectionOf(writeTextFiles([{ path: target, content: '' }], 'EINPUT'))).message).toBe(`cannot write ${target}: it is a folder`);
  });
});
