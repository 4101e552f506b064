/** A DKIM key pair for tests, and the DNS a verifier asks, answered here (no network). */
import { generateKeyPairSync } from 'node:crypto';

export function dkimKeys(): { privateKey: string; dnsRecord: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return { privateKey, dnsRecord: `v=DKIM1; k=rsa; p=${publicKey.toString('base64')}` };
}

/** The selector's TXT record and nothing else. */
export function dkimResolver(dnsRecord: string, selector: string, domain: string) {
  return async (name: string, type: string): Promise<string[][]> => {
    if (type === 'TXT' && name === `${selector}._domainkey.${domain}`) return [[dnsRecord]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };
}
