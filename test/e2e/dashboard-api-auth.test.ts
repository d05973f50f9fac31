/** Who may use the dashboard API: tokens minted by the real Firebase Auth emulator, verified by firebase-admin. */
import { expect } from 'chai';
import { sampleRecord } from '../contract/record-store.contract.js';
import { expiredIdToken, forgedIdToken, googleIdToken, passwordIdToken } from '../support/auth-emulator.js';
import { openStoreKit, type StoreKit } from '../support/store-kits.js';
import { startDashboardApiServer, type DashboardApiServer } from './dashboard-api-server.js';

describe('dashboard API sign-in (Firebase Auth emulator)', () => {
  let kit: StoreKit;
  let server: DashboardApiServer;
  let url: string;
  const adaRecord = sampleRecord({ email: 'ada@example.com', prompt: 'ada’s private prompt' });
  const bobRecord = sampleRecord({ email: 'bob@example.com', prompt: 'bob’s private prompt' });
  // Ada used Bob's image as a reference (she had its title): the reference must not lead her to it.
  const adaRemix = sampleRecord({ email: 'ada@example.com', prompt: 'ada’s remix', referenceNames: [bobRecord.name, adaRecord.name], createdAt: '2026-11-25T10:00:00.000Z' });

  before(async () => {
    kit = await openStoreKit('local');
    await kit.records.commit(adaRecord);
    await kit.records.commit(bobRecord);
    await kit.records.commit(adaRemix);
    server = await startDashboardApiServer(kit, { allowed: ['ada@example.com', 'bob@example.com'], admins: ['root@example.com'] });
    url = server.url;
  });
  after(async () => {
    await server.close();
    await kit.close();
  });

  const get = (path: string, token?: string) => fetch(`${url}/api${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const body = async (res: Response) =>
    (await res.json()) as { message?: string; users?: { email: string }[]; generations?: { prompt: string }[]; prompt?: string; references?: unknown[]; imageCount?: number };

  it('serves an allow-listed, verified Google user their own data only', async () => {
    const token = await googleIdToken('Ada@Example.com');
    const costs = await body(await get('/costs', token));
    expect(costs.users?.map((u) => u.email)).to.deep.equal(['ada@example.com']);
    const mine = await body(await get('/generations', token));
    expect(mine.generations?.map((g) => g.prompt)).to.deep.equal(['ada’s remix', 'ada’s private prompt']);
    const others = await get('/generations?user=bob@example.com', token);
    expect(others.status).to.equal(403);
    expect(JSON.stringify(await body(others))).to.not.include('bob’s private prompt');
    expect((await fetch(`${url}/api/generations/${bobRecord.name}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).to.equal(404);
    expect(await kit.records.get(bobRecord.name)).to.deep.equal(bobRecord);
    // One image: hers by name; Bob's answers exactly as a title that does not exist.
    expect((await body(await get(`/generations/${adaRecord.name}`, token))).prompt).to.equal('ada’s private prompt');
    const bobs = await get(`/generations/${bobRecord.name}`, token);
    const absent = await get(`/generations/${'0'.repeat(32)}.png`, token);
    expect([bobs.status, absent.status]).to.deep.equal([404, 404]);
    expect((await body(bobs)).message?.replace(bobRecord.name, 'X')).to.equal((await body(absent)).message?.replace(`${'0'.repeat(32)}.png`, 'X'));
    // Her reference to Bob's image names it but links nothing; hers is linked.
    expect((await body(await get(`/generations/${adaRemix.name}`, token))).references).to.deep.equal([
      { name: bobRecord.name },
      { name: adaRecord.name, imageUrl: `/i/${adaRecord.name}`, thumbnailUrl: `/i/${adaRecord.name.replace('.png', '.thumb.webp')}` },
    ]);
    expect((await get('/generations/summary?user=bob@example.com', token)).status).to.equal(403);
    expect((await body(await get('/generations/summary', token))).imageCount).to.equal(2);
  });

  it('shows an admin every user', async () => {
    const token = await googleIdToken('root@example.com');
    // Everyone on the lists, the admin too though they have not generated anything.
    expect((await body(await get('/costs', token))).users?.map((u) => u.email)).to.deep.equal(['ada@example.com', 'bob@example.com', 'root@example.com']);
    expect((await body(await get('/generations?user=bob@example.com', token))).generations?.map((g) => g.prompt)).to.deep.equal(['bob’s private prompt']);
    expect((await body(await get(`/generations/${bobRecord.name}`, token))).prompt).to.equal('bob’s private prompt');
    expect((await body(await get('/generations/summary?user=bob@example.com&q=private', token))).imageCount).to.equal(1);
    // An admin sees whose the referenced image is, and gets the link.
    expect((await body(await get(`/generations/${adaRemix.name}`, token))).references?.[0]).to.deep.include({ imageUrl: `/i/${bobRecord.name}` });
    expect((await get('/usage', token)).status).to.equal(200);
    expect((await get('/usage', await googleIdToken('ada@example.com'))).status).to.equal(403);
  });

  it('tells a signed-in user who is not on the list so, and gives them nothing', async () => {
    const res = await get('/costs', await googleIdToken('mallory@example.com'));
    expect(res.status).to.equal(403);
    expect((await body(res)).message).to.include('signed in as mallory@example.com, which is not on');
  });

  it('refuses unverified emails, other sign-in providers, and missing, forged or expired tokens', async () => {
    const cases: [string | undefined, number, RegExp][] = [
      [await googleIdToken('ada@example.com', { verified: false }), 403, /not verified/],
      [await passwordIdToken('ada@example.com'), 403, /Sign in with a Google account/],
      [undefined, 401, /Sign in first/],
      ['not-a-token', 401, /not valid/],
      [await forgedIdToken('ada@example.com'), 401, /not valid/],
      [await expiredIdToken('ada@example.com'), 401, /expired/],
    ];
    for (const [token, status, message] of cases) {
      const res = await get('/me', token);
      expect(res.status, String(token).slice(0, 20)).to.equal(status);
      expect((await body(res)).message).to.match(message);
    }
  });
});
