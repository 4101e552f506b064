/** The sample day every in-process measurement uses, digested once, and realistic recipients for it. */
import { loadDailyDigest } from '../src/digest/daily-digest.js';
import type { Digest } from '../src/digest/paper.js';
import { recipientLinks } from '../src/links/public-links.js';
import { silentLogger } from '../src/logger.js';
import type { RecipientFields } from '../src/render/index.js';
import { subscriberAddress } from './seed.js';
import { benchConfig, FULL_DAY_SOURCE } from './workspace.js';

export async function loadSampleDigest(source = FULL_DAY_SOURCE): Promise<Digest> {
  const { digest } = await loadDailyDigest({ source, config: benchConfig(), logger: silentLogger });
  return digest;
}

/** What `count` different subscribers' copies are filled with: their own signed links, a name for every third. */
export function recipientsFor(digest: Digest, count: number, firstId = 1): RecipientFields[] {
  const config = benchConfig();
  return Array.from({ length: count }, (_, index) => {
    const id = firstId + index;
    const email = subscriberAddress(id);
    return { name: id % 3 === 0 ? `Reader Number ${id}` : null, email, ...recipientLinks(config, { id, email }, digest.date) };
  });
}
