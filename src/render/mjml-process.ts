/**
 * The MJML compiler process (started by mjml-compiler.ts): compiles each request it is sent
 * over IPC and answers with the HTML or the error, then ends when its parent lets it go.
 */
import { PapermailError } from '../errors.js';
import type { CompileAnswer, CompileRequest } from './mjml-compiler.js';
import { compileMjmlHere } from './mjml.js';

process.on('message', (request: CompileRequest) => {
  void answer(request).then((reply) => process.send?.(reply));
});
process.on('disconnect', () => process.exit(0));

async function answer(request: CompileRequest): Promise<CompileAnswer> {
  try {
    return { id: request.id, html: await compileMjmlHere(request.source, request.templateName) };
  } catch (error) {
    const code = error instanceof PapermailError ? error.code : 'ETEMPLATE';
    const message = error instanceof PapermailError ? error.message : `templates/${request.templateName}: ${(error as Error).message}`;
    return { id: request.id, error: { code, message } };
  }
}
