/** The part of mailauth (no bundled types) the DKIM tests use: its verifier, fed an injected DNS resolver. */
declare module 'mailauth/lib/dkim/verify.js' {
  export interface DkimResult {
    signingDomain: string;
    selector: string;
    status: { result: 'pass' | 'fail' | 'neutral' | 'policy' | 'temperror' | 'permerror' | 'none'; comment?: string | false };
    signingHeaders: { keys: string; headers: string[] };
  }
  export function dkimVerify(
    input: Buffer | string,
    options: { resolver: (name: string, type: string) => Promise<string[][]>; sender?: string },
  ): Promise<{ results: DkimResult[] }>;
}
