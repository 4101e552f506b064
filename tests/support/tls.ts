/**
 * A self-signed certificate for a test's TLS server, made by the machine's openssl in a
 * temporary folder: the key and certificate as PEM, and the certificate's file for settings
 * that take a path (SMTP_TLS_CA_FILE).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface SelfSignedCertificate {
  key: string;
  cert: string;
  certFile: string;
}

/** A one-day certificate for `host` (its CN and only subject alternative name), written into `directory`. */
export async function selfSignedCertificate(directory: string, host: string): Promise<SelfSignedCertificate> {
  const keyFile = join(directory, `${host}.key.pem`);
  const certFile = join(directory, `${host}.cert.pem`);
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-keyout', keyFile, '-out', certFile,
    '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`,
  ]);
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), certFile };
}
