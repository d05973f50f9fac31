import { expect } from 'chai';
import { createdAtRange, isDay, matchesFilter, normalizeFilter, searchWords } from '../../server/core/search.js';

describe('search over prompts', () => {
  const record = (prompt: string, overrides: Partial<Parameters<typeof matchesFilter>[0]> = {}) => ({
    prompt,
    modelAlias: 'flash' as const,
    imageSize: '1K' as const,
    createdAt: '2026-11-24T10:00:00.000Z',
    ...overrides,
  });

  it('finds a prompt only when every word appears, whatever the case and accents', () => {
    const prompt = 'A Crème brûlée on a café table,\nat dusk';
    for (const query of ['creme brulee', 'CAFÉ', 'cafe DUSK', 'brûlée, crème!', 'table cre']) {
      expect(matchesFilter(record(prompt), { text: query }), query).to.equal(true);
    }
    for (const query of ['creme sorbet', 'dawn', 'cafés']) {
      expect(matchesFilter(record(prompt), { text: query }), query).to.equal(false);
    }
  });

  it('matches words inside longer ones and across line breaks, and ignores punctuation-only queries', () => {
    expect(matchesFilter(record('a lighthouse\nin fog'), { text: 'light fog' })).to.equal(true);
    expect(matchesFilter(record('anything'), { text: ' ,;! ' })).to.equal(true);
    expect(searchWords('Ｆｏｘ ﬁre  fox')).to.deep.equal(['fox', 'fire']);
  });

  it('narrows by model, size and an inclusive range of UTC days', () => {
    const late = record('x', { createdAt: '2026-11-24T23:59:59.999Z' });
    expect(matchesFilter(late, { fromDay: '2026-11-24', toDay: '2026-11-24' })).to.equal(true);
    expect(matchesFilter(late, { toDay: '2026-11-23' })).to.equal(false);
    expect(matchesFilter(late, { fromDay: '2026-11-25' })).to.equal(false);
    expect(matchesFilter(late, { modelAlias: 'pro' })).to.equal(false);
    expect(matchesFilter(late, { imageSize: '1K', modelAlias: 'flash' })).to.equal(true);
    expect(createdAtRange({ fromDay: '2026-12-31', toDay: '2026-12-31' })).to.deep.equal({ from: '2026-12-31', before: '2027-01-01' });
  });

  it('accepts only real calendar days written YYYY-MM-DD', () => {
    expect(['2026-02-28', '2024-02-29'].map(isDay)).to.deep.equal([true, true]);
    expect(['2026-02-29', '2026-13-01', '2026-1-01', '26-01-01', '2026-01-01T00:00'].map(isDay)).to.deep.equal([false, false, false, false, false]);
  });

  it('treats searches with the same words and fields as the same search', () => {
    expect(normalizeFilter({ text: '  Café  ', modelAlias: 'pro' })).to.deep.equal(normalizeFilter({ modelAlias: 'pro', text: 'cafe' }));
    expect(normalizeFilter({ text: '!!' })).to.deep.equal({});
  });
});
