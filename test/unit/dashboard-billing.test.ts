/** The dashboard's pure billing helpers: the CSV export and the routes of the hash. */
import { expect } from 'chai';
import type { Costs } from '../../server/api/api-types.js';
import { csvField, csvUsd, spendCsv, spendCsvName } from '../../web/src/billing-csv.js';
import { parseRoute, sameRoute } from '../../web/src/app-route.js';

const budget = { limitUsd: 5, spentUsd: 0.134, reservedUsd: 0, month: '2026-11', resetsAt: '2026-12-01T00:00:00.000Z' };
const costs: Costs = {
  months: ['2026-10', '2026-11'],
  total: { imageCount: 3, costUsd: 1.5 },
  users: [
    {
      email: "o'hara@example.com",
      imageCount: 3,
      costUsd: 1.5,
      budget,
      months: [
        { month: '2026-10', spentUsd: 1.366, generatedCount: 4 },
        { month: '2026-11', spentUsd: 0.134, generatedCount: 1 },
      ],
    },
  ],
};

describe('spend CSV', () => {
  it('writes one row per user per month, with quoted headers and CRLF line ends', () => {
    expect(spendCsv(costs)).to.equal(
      'User,Month,"Spent (USD, that month)",Generated (that month),"Spent (USD, cumulative)",Images (kept now)\r\n' +
        "o'hara@example.com,2026-10,1.366,4,1.50,3\r\n" +
        "o'hara@example.com,2026-11,0.134,1,1.50,3\r\n",
    );
  });

  it('quotes fields with commas, quotes or line breaks, doubling the quotes', () => {
    expect(csvField('plain')).to.equal('plain');
    expect(csvField('a,b')).to.equal('"a,b"');
    expect(csvField('say "hi"')).to.equal('"say ""hi"""');
    expect(csvField('two\nlines')).to.equal('"two\nlines"');
    // What a spreadsheet would run as a formula is kept as text.
    expect(csvField('=hyperlink("x")@example.com')).to.equal('"\'=hyperlink(""x"")@example.com"');
    expect(csvField('+1@example.com')).to.equal("'+1@example.com");
    expect(csvField('0.067')).to.equal('0.067');
  });

  it('keeps every stored decimal of money, and at least two', () => {
    expect([csvUsd(0), csvUsd(1.5), csvUsd(0.039), csvUsd(0.000001), csvUsd(12)]).to.deep.equal(['0.00', '1.50', '0.039', '0.000001', '12.00']);
  });

  it('names the file after the newest month', () => {
    expect(spendCsvName(costs)).to.equal('image-studio-spend-2026-11.csv');
  });
});

describe('dashboard routes', () => {
  it('reads the page and the gallery’s user from the path, ignoring the query', () => {
    expect(parseRoute('')).to.deep.equal({ page: 'gallery' });
    expect(parseRoute('#/gallery?image=abc.png&q=fox')).to.deep.equal({ page: 'gallery' });
    expect(parseRoute(`#/gallery/${encodeURIComponent('Bob+x@Example.com')}?q=a`)).to.deep.equal({ page: 'gallery', user: 'bob+x@example.com' });
    expect(parseRoute('#/billing')).to.deep.equal({ page: 'billing' });
    expect(parseRoute('#/costs')).to.deep.equal({ page: 'billing' });
    expect(parseRoute('#/usage')).to.deep.equal({ page: 'usage' });
    expect(parseRoute('#/photos')).to.deep.equal({ page: 'photos' });
    expect(parseRoute('#/nowhere')).to.deep.equal({ page: 'gallery' });
  });

  it('treats a change of query alone as the same route', () => {
    expect(sameRoute(parseRoute('#/gallery'), parseRoute('#/gallery?image=a.png'))).to.be.true;
    expect(sameRoute(parseRoute('#/gallery'), parseRoute('#/gallery/bob%40example.com'))).to.be.false;
    expect(sameRoute(parseRoute('#/costs'), parseRoute('#/billing'))).to.be.true;
  });
});
