import type { Digest, DigestPeriod, Paper } from './paper.js';

/**
 * What `papermail digest --json` prints: compact, one summary per paper, stable keys. A weekly
 * issue (`--weekly`) also has its `period`, and each of its papers the `day` it was listed on.
 */
export interface DigestJson {
  date: string;
  period?: DigestPeriod;
  total: number;
  sections: DigestSectionJson[];
}

export interface DigestSectionJson {
  topic: string;
  slug: string;
  upvotes: number;
  papers: PaperJson[];
}

/** Missing optional values are null rather than absent, so every paper has the same keys. */
export interface PaperJson {
  id: string;
  title: string;
  upvotes: number;
  comments: number;
  url: string;
  authors: string[];
  organization: string | null;
  githubRepo: string | null;
  githubStars: number | null;
  /** The AI summary when Hugging Face has one (a sentence or two), else the abstract. */
  summary: string;
  /** Weekly issues only: the Daily Papers day the paper was listed on. */
  day?: string;
  /** The topic that scored close behind its section's (its readers get the paper too), or null. */
  secondaryTopic: string | null;
}

export function digestToJson(digest: Digest): DigestJson {
  return {
    date: digest.date,
    ...(digest.period === undefined ? {} : { period: digest.period }),
    total: digest.total,
    sections: digest.sections.map((section) => ({
      topic: section.topic,
      slug: section.slug,
      upvotes: section.upvotes,
      papers: section.papers.map((paper) => (digest.period === undefined ? paperToJson(paper) : { ...paperToJson(paper), day: paper.day })),
    })),
  };
}

function paperToJson(paper: Paper): PaperJson {
  return {
    id: paper.id,
    title: paper.title,
    upvotes: paper.upvotes,
    comments: paper.comments,
    url: paper.url,
    authors: paper.authors,
    organization: paper.organization ?? null,
    githubRepo: paper.githubRepo ?? null,
    githubStars: paper.githubStars ?? null,
    summary: paper.aiSummary !== undefined && paper.aiSummary.trim() !== '' ? paper.aiSummary : paper.abstract,
    secondaryTopic: paper.secondaryTopic ?? null,
  };
}
