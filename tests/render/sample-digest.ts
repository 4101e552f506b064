/**
 * A real 50-paper digest for render tests, mapped here from samples/2025-09-30.json so the
 * render tests do not depend on src/sources or the taxonomy (written concurrently). Topics
 * come from a tiny keyword list: enough for realistic sections, not the real taxonomy.
 */
import { readFileSync } from 'node:fs';
import { huggingFacePaperUrl, PaperSchema, type Digest, type DigestSection, type Paper } from '../../src/digest/paper.js';

interface ApiEntry {
  numComments?: number;
  paper: {
    id: string;
    title: string;
    summary: string;
    upvotes: number;
    authors: { name: string }[];
    ai_summary?: string;
    ai_keywords?: string[];
    githubRepo?: string;
    githubStars?: number;
    projectPage?: string;
    organization?: { fullname?: string };
  };
}

const SAMPLE = new URL('../../samples/2025-09-30.json', import.meta.url);

export function samplePapers(): Paper[] {
  const entries = JSON.parse(readFileSync(SAMPLE, 'utf8')) as ApiEntry[];
  return entries.map(({ paper, numComments }) =>
    PaperSchema.parse({
      id: paper.id,
      title: paper.title.replace(/\s+/g, ' ').trim(),
      abstract: paper.summary,
      authors: paper.authors.map((author) => author.name),
      organization: paper.organization?.fullname,
      upvotes: paper.upvotes,
      comments: numComments ?? 0,
      githubRepo: paper.githubRepo,
      githubStars: paper.githubStars,
      projectPage: paper.projectPage,
      aiSummary: paper.ai_summary,
      aiKeywords: paper.ai_keywords ?? [],
      day: '2025-09-30',
      url: huggingFacePaperUrl(paper.id),
    }),
  );
}

const TOPICS: [slug: string, topic: string, pattern: RegExp][] = [
  ['video', 'Video generation', /video/i],
  ['image', 'Image generation & editing', /image|diffusion|edit/i],
  ['agents', 'Agents & tool use', /agent|tool|gui/i],
  ['reasoning', 'LLM reasoning', /reason|math|chain-of-thought/i],
  ['rl', 'Reinforcement learning', /reinforcement|reward|RL\b/],
  ['multimodal', 'Multimodal models', /multimodal|vision-language|visual|VLM/i],
  ['3d', '3D & geometry', /3D|geometr|scene/i],
  ['efficiency', 'Efficient inference', /sparse|efficien|attention|quantiz/i],
];

/** The sample day as a digest: papers ranked by upvotes, grouped by the first matching topic. */
export function sampleDigest(): Digest {
  const papers = [...samplePapers()].sort((a, b) => b.upvotes - a.upvotes);
  const sections = new Map<string, DigestSection>();
  for (const paper of papers) {
    const text = `${paper.title} ${paper.aiKeywords.join(' ')}`;
    const [slug, topic] = TOPICS.find(([, , pattern]) => pattern.test(text)) ?? ['other', 'Other'];
    const section = sections.get(slug) ?? { slug, topic, upvotes: 0, papers: [] };
    section.papers.push(paper);
    section.upvotes += paper.upvotes;
    sections.set(slug, section);
  }
  return {
    date: '2025-09-30',
    total: papers.length,
    listed: papers.length,
    highlights: papers.slice(0, 3),
    sections: [...sections.values()].sort((a, b) => b.upvotes - a.upvotes),
  };
}
