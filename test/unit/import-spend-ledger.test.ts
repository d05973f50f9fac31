import { expect } from 'chai';
import { describeUserSpend, readSpendLedger, reconcileSpend, type UserSpend } from '../../server/import/spend-ledger.js';

describe("the original's spend.json", () => {
  describe('reading it', () => {
    it('reads the object of emails to dollars the original wrote, lowercasing emails and rounding float noise', () => {
      const text = JSON.stringify({ 'Ada@Example.com ': 1.2289999999999999, 'bob@example.com': 0, 'dev@local': 0.067 }, null, 2);
      const result = readSpendLedger(text);
      expect(result).to.deep.equal({ ok: true, ledger: new Map([['ada@example.com', 1.229], ['bob@example.com', 0], ['dev@local', 0.067]]) });
    });

    it('accepts an empty ledger', () => {
      expect(readSpendLedger('{}')).to.deep.equal({ ok: true, ledger: new Map() });
    });

    const refusals: [string, string, RegExp][] = [
      ['text that is not JSON', '{broken', /^not valid JSON \(.+\)$/],
      ['an array', '[1, 2]', /^not an object of emails to dollars \(found an array\)$/],
      ['null', 'null', /^not an object of emails to dollars \(found null\)$/],
      ['a bare number', '1.5', /^not an object of emails to dollars \(found a number\)$/],
      ['a numeric string', '{"a@x.com": "0.5"}', /^"a@x.com": "0.5" is not an amount of dollars \(a number, 0 or more\)$/],
      ['a negative amount', '{"a@x.com": -0.1}', /^"a@x.com": -0.1 is not an amount of dollars/],
      ['a nested object', '{"a@x.com": {"flash": 0.1}}', /^"a@x.com": \{"flash":0.1\} is not an amount of dollars/],
      ['null as an amount', '{"a@x.com": null}', /^"a@x.com": null is not an amount of dollars/],
      ['an empty email', '{" ": 0.1}', /^an entry has an empty email \(" "\)$/],
      ['one user spelled twice', '{"a@x.com": 0.1, "A@X.com": 0.2}', /^"a@x.com" and "A@X.com" are the same user$/],
    ];
    for (const [what, text, problem] of refusals) {
      it(`refuses ${what}, saying what is wrong`, () => {
        const result = readSpendLedger(text);
        expect(result.ok).to.equal(false);
        if (!result.ok) expect(result.problems[0]).to.match(problem);
      });
    }

    it('lists at most five problems, then how many more', () => {
      const entries = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`u${i}@x.com`, 'x']));
      const result = readSpendLedger(JSON.stringify(entries));
      expect(result.ok).to.equal(false);
      if (!result.ok) expect(result.problems).to.have.length(6).and.to.include('and 3 more');
    });
  });

  describe('weighing it against the sidecars', () => {
    const sidecars = new Map([
      ['ada@example.com', { imageCount: 2, costUsd: 0.989 }],
      ['dan@example.com', { imageCount: 2, costUsd: 0.268 }],
      ['erin@example.com', { imageCount: 1, costUsd: 0.067 }],
    ]);
    const ledger = new Map([['ada@example.com', 1.229], ['carol@example.com', 0.4], ['dan@example.com', 0.134], ['zed@example.com', 0]]);

    it('lets spend.json win where it names the user and is not below the sidecars, and keeps users with no image left', () => {
      expect(reconcileSpend(ledger, sidecars)).to.deep.equal([
        { email: 'ada@example.com', imageCount: 2, sidecarsUsd: 0.989, ledgerUsd: 1.229, source: 'spend.json', unrecordedUsd: 0.24 },
        { email: 'carol@example.com', imageCount: 0, sidecarsUsd: 0, ledgerUsd: 0.4, source: 'spend.json', unrecordedUsd: 0.4 },
        { email: 'dan@example.com', imageCount: 2, sidecarsUsd: 0.268, ledgerUsd: 0.134, source: 'sidecars', unrecordedUsd: 0 },
        { email: 'erin@example.com', imageCount: 1, sidecarsUsd: 0.067, source: 'sidecars', unrecordedUsd: 0 },
      ]);
    });

    it('uses the sidecars for everyone without a ledger', () => {
      expect(reconcileSpend(undefined, sidecars).map((u) => [u.email, u.source, u.unrecordedUsd])).to.deep.equal([
        ['ada@example.com', 'sidecars', 0],
        ['dan@example.com', 'sidecars', 0],
        ['erin@example.com', 'sidecars', 0],
      ]);
    });
  });

  describe('the report line per user', () => {
    const line = (user: Partial<UserSpend>, ledgerUsed = true) =>
      describeUserSpend({ email: 'ada@example.com', imageCount: 2, sidecarsUsd: 0.989, source: 'sidecars', unrecordedUsd: 0, ...user }, ledgerUsed);

    it('says which source won and by how much they differ', () => {
      expect(line({ ledgerUsd: 1.229, source: 'spend.json', unrecordedUsd: 0.24 })).to.equal(
        'ada@example.com: spend.json $1.229, sidecars $0.989 (2 images): spend.json wins, $0.240 from images no longer present (deleted, or skipped above)',
      );
      expect(line({ imageCount: 0, sidecarsUsd: 0, ledgerUsd: 0.4, source: 'spend.json', unrecordedUsd: 0.4 })).to.equal(
        'ada@example.com: spend.json $0.400, no images left: spend.json wins, $0.400 from images no longer present (deleted, or skipped above)',
      );
      expect(line({ ledgerUsd: 0.989, source: 'spend.json' })).to.equal('ada@example.com: spend.json $0.989, sidecars $0.989 (2 images): they agree');
      expect(line({ ledgerUsd: 0.5 })).to.equal(
        'ada@example.com: spend.json $0.500, sidecars $0.989 (2 images): the sidecars win, spend.json is $0.489 short (it lost entries)',
      );
      expect(line({ imageCount: 1 })).to.equal('ada@example.com: not in spend.json, sidecars $0.989 (1 image): the sidecars win');
      expect(line({}, false)).to.equal('ada@example.com: sidecars $0.989 (2 images)');
    });
  });
});
