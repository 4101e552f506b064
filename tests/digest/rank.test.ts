import { describe, expect, it } from 'vitest';
import { rankPapers, selectPapers } from '../../src/digest/rank.js';
import { paper } from '../builders.js';

const ids = (papers: { id: string }[]) => papers.map((item) => item.id);

describe('rankPapers', () => {
  it('puts the most upvoted paper first', () => {
    const ranked = rankPapers([paper({ id: 'a', upvotes: 3 }), paper({ id: 'b', upvotes: 9 })]);
    expect(ids(ranked)).toEqual(['b', 'a']);
  });

  it('breaks an upvote tie by the number of comments', () => {
    const ranked = rankPapers([paper({ id: 'a', upvotes: 5, comments: 1 }), paper({ id: 'b', upvotes: 5, comments: 4 })]);
    expect(ids(ranked)).toEqual(['b', 'a']);
  });

  it('breaks an upvote and comment tie by GitHub stars, a missing count being 0', () => {
    const ranked = rankPapers([paper({ id: 'a', upvotes: 5 }), paper({ id: 'b', upvotes: 5, githubStars: 1 })]);
    expect(ids(ranked)).toEqual(['b', 'a']);
  });

  it('then orders by title, ignoring case', () => {
    const ranked = rankPapers([
      paper({ id: 'a', upvotes: 5, title: 'beta' }),
      paper({ id: 'b', upvotes: 5, title: 'Alpha' }),
    ]);
    expect(ids(ranked)).toEqual(['b', 'a']);
  });

  it('then orders by id, so papers with equal everything else still have one order', () => {
    const ranked = rankPapers([
      paper({ id: '2509.2', upvotes: 5, title: 'Same' }),
      paper({ id: '2509.1', upvotes: 5, title: 'same' }),
    ]);
    expect(ids(ranked)).toEqual(['2509.1', '2509.2']);
  });

  it('gives the same order whatever the input order', () => {
    const papers = [
      paper({ id: 'a', upvotes: 2 }),
      paper({ id: 'b', upvotes: 2, comments: 1 }),
      paper({ id: 'c', upvotes: 7 }),
      paper({ id: 'd', upvotes: 2, githubStars: 3 }),
    ];
    expect(ids(rankPapers(papers))).toEqual(ids(rankPapers([...papers].reverse())));
  });

  it('leaves its input array as it was', () => {
    const papers = [paper({ id: 'a', upvotes: 1 }), paper({ id: 'b', upvotes: 2 })];
    rankPapers(papers);
    expect(ids(papers)).toEqual(['a', 'b']);
  });
});

describe('selectPapers', () => {
  const ranked = rankPapers([paper({ upvotes: 9 }), paper({ upvotes: 5 }), paper({ upvotes: 2 }), paper({ upvotes: 0 })]);

  it('keeps at most topN papers, the best ones', () => {
    expect(selectPapers(ranked, { topN: 2, minUpvotes: 0 }).map((item) => item.upvotes)).toEqual([9, 5]);
  });

  it('drops papers below the minimum upvotes', () => {
    expect(selectPapers(ranked, { topN: 50, minUpvotes: 2 }).map((item) => item.upvotes)).toEqual([9, 5, 2]);
  });

  it('applies the minimum before counting topN', () => {
    expect(selectPapers(ranked, { topN: 3, minUpvotes: 5 }).map((item) => item.upvotes)).toEqual([9, 5]);
  });
});
