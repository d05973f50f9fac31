/**
 * The behaviour every AuthStateStore must have. Each implementation's test file calls
 * `authStateStoreContract` with a factory for a fresh, empty store.
 */
import { expect } from 'chai';
import { AppError } from '../../server/errors.js';
import type { AuthStateStore } from '../../server/auth/auth-state-store.js';

const PAST = new Date(Date.now() - 60_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function authStateStoreContract(label: string, makeStore: () => Promise<AuthStateStore>): void {
  describe(`AuthStateStore contract: ${label}`, () => {
    let store: AuthStateStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('returns a created value as it was written, nested objects and arrays included', async () => {
      const client = { client_id: 'c1', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], meta: { scopes: ['mcp'], n: 3, on: true, none: null } };
      await store.create('client', 'c1', client);
      expect(await store.get('client', 'c1')).to.deep.equal(client);
      const hour = new Date(Date.now() + 3_600_000);
      await store.create('code', 'ab12', { email: 'ada@example.com' }, hour);
      expect(await store.get('code', 'ab12')).to.deep.equal({ email: 'ada@example.com' });
    });

    it('returns undefined from get and take of a key never stored', async () => {
      expect(await store.get('code', 'missing')).to.equal(undefined);
      expect(await store.take('code', 'missing')).to.equal(undefined);
    });

    it('refuses to create over a live key and keeps the original', async () => {
      await store.create('client', 'c1', { name: 'first' });
      const error = await store.create('client', 'c1', { name: 'second' }).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(AppError);
      expect(await store.get('client', 'c1')).to.deep.equal({ name: 'first' });
    });

    it('treats an expired value as absent, and lets create replace it', async () => {
      await store.put('code', 'old', { n: 1 }, PAST);
      expect(await store.get('code', 'old')).to.equal(undefined);
      expect(await store.take('code', 'old')).to.equal(undefined);
      await store.put('refresh', 'old', { n: 1 }, PAST);
      await store.create('refresh', 'old', { n: 2 });
      expect(await store.get('refresh', 'old')).to.deep.equal({ n: 2 });
    });

    it('lets a value expire once its time has passed', async () => {
      await store.get('code', 'warm-up'); // a first call may open connections: not timed
      await store.create('code', 'soon', { n: 1 }, new Date(Date.now() + 300));
      expect(await store.get('code', 'soon')).to.deep.equal({ n: 1 });
      await sleep(320);
      expect(await store.get('code', 'soon')).to.equal(undefined);
      expect(await store.take('code', 'soon')).to.equal(undefined);
    });

    it('gives a value to one take only', async () => {
      await store.create('code', 'once', { n: 1 });
      expect(await store.take('code', 'once')).to.deep.equal({ n: 1 });
      expect(await store.take('code', 'once')).to.equal(undefined);
      expect(await store.get('code', 'once')).to.equal(undefined);
    });

    it('gives a value to exactly one of 10 concurrent takes', async () => {
      await store.create('refresh', 'r1', { grant: 'g1' });
      const results = await Promise.all(Array.from({ length: 10 }, () => store.take('refresh', 'r1')));
      expect(results.filter((r) => r !== undefined)).to.deep.equal([{ grant: 'g1' }]);
    });

    it('gives each of several keys to exactly one of the takes racing for it', async () => {
      const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
      await Promise.all(keys.map((key) => store.create('code', key, { key })));
      const races = keys.flatMap((key) => [key, key, key].map(async (k) => ({ key: k, value: await store.take('code', k) })));
      const won = (await Promise.all(races)).filter((r) => r.value !== undefined);
      expect(won.map((r) => r.key).sort()).to.deep.equal(keys);
      for (const r of won) expect(r.value).to.deep.equal({ key: r.key });
    });

    it('replaces a value with put, and creates it if absent', async () => {
      await store.put('grant', 'g1', { v: 1 });
      await store.put('grant', 'g1', { v: 2, extra: ['x'] });
      expect(await store.get('grant', 'g1')).to.deep.equal({ v: 2, extra: ['x'] });
      await store.put('grant', 'g1', { v: 3 }, PAST);
      expect(await store.get('grant', 'g1')).to.equal(undefined);
    });

    it('deletes a value, and deleting an absent one is not an error', async () => {
      await store.create('pending', 'p1', { state: 's' });
      await store.delete('pending', 'p1');
      expect(await store.get('pending', 'p1')).to.equal(undefined);
      await store.delete('pending', 'p1');
      await store.delete('pending', 'never');
    });

    it('keeps each kind a namespace of its own', async () => {
      await store.create('code', 'same', { kind: 'code' });
      await store.create('refresh', 'same', { kind: 'refresh' });
      expect(await store.take('code', 'same')).to.deep.equal({ kind: 'code' });
      expect(await store.get('refresh', 'same')).to.deep.equal({ kind: 'refresh' });
      await store.delete('refresh', 'same');
      expect(await store.get('client', 'same')).to.equal(undefined);
    });

    it('treats keys such as __proto__ as plain keys', async () => {
      await store.create('client', '__proto__', { a: 1 });
      await store.create('client', 'constructor', { b: 2 });
      expect(await store.get('client', '__proto__')).to.deep.equal({ a: 1 });
      expect(await store.take('client', 'constructor')).to.deep.equal({ b: 2 });
      expect(await store.get('client', 'toString')).to.equal(undefined);
    });

    it('refuses keys that are empty, too long or hold other than letters, digits, - and _', async () => {
      for (const key of ['', 'a/b', '../etc', 'a.b', 'x'.repeat(201), 'ключ']) {
        for (const call of [() => store.get('code', key), () => store.take('code', key), () => store.put('code', key, {}), () => store.delete('code', key)]) {
          const error = await call().then(() => undefined, (e: unknown) => e);
          expect((error as AppError | undefined)?.status, JSON.stringify(key)).to.equal('INVALID_ARGUMENT');
        }
      }
      await store.create('code', 'x'.repeat(200), { long: true });
      expect(await store.get('code', 'x'.repeat(200))).to.deep.equal({ long: true });
    });
  });
}
