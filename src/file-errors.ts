/**
 * One wording for every file-system problem a user can meet with a path they gave (a source file,
 * a CSV to import, a preview to write), so the same problem reads the same in every command.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PapermailError, type ErrorCode } from './errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  ENAMETOOLONG: 'the name is too long',
};

/** Why reading or writing a path failed, in words ("no such file", "it is a folder"). */
export function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && code in REASONS) return REASONS[code]!;
  return error instanceof Error ? error.message : String(error);
}

/** The text of a file, or PapermailError(code) `cannot read <path>: <reason>`. */
export async function readTextFile(path: string, code: ErrorCode): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new PapermailError(code, `cannot read ${path}: ${describeFileError(error)}`, { cause: error });
  }
}

/**
 * Writes each file, never creating a missing folder: a path with a typo in its folder is refused
 * with `cannot write <path>: its folder <folder> does not exist` before anything is written.
 */
export async function writeTextFiles(files: Array<{ path: string; content: string }>, code: ErrorCode): Promise<void> {
  for (const { path } of files) await checkFolderOf(path, code);
  for (const { path, content } of files) {
    try {
      await writeFile(path, content);
    } catch (error) {
      throw new PapermailError(code, `cannot write ${path}: ${describeFileError(error)}`, { cause: error });
    }
  }
}

async function checkFolderOf(path: string, code: ErrorCode): Promise<void> {
  const folder = dirname(path);
  const found = await stat(folder).catch((error: NodeJS.ErrnoException) => error);
  if (found instanceof Error) {
    const reason = found.code === 'ENOENT' ? `its folder ${folder} does not exist` : `its folder ${folder}: ${describeFileError(found)}`;
    throw new PapermailError(code, `cannot write ${path}: ${reason}`, { cause: found });
  }
  if (!found.isDirectory()) throw new PapermailError(code, `cannot write ${path}: ${folder} is not a folder`);
  const target = await stat(path).catch(() => undefined);
  if (target?.isDirectory()) throw new PapermailError(code, `cannot write ${path}: it is a folder`);
}
