import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalAuthStateStore } from '../../server/auth/local-auth-state-store.js';
import { authStateStoreContract } from './auth-state-store.contract.js';

const roots: string[] = [];
async function tempRoot(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'auth-state-'));
  roots.push(root);
  return root;
}
after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function storedKeys(root: string, kind: string): Promise<string[]> {
  const file = JSON.parse(await readFile(path.join(root, 'auth', `${kind}.json`), 'utf8')) as { entries: { key: string }[] };
  return file.entries.map((entry) => entry.key).sort();
}

authStateStoreContract('local files', async () => new LocalAuthStateStore(await tempRoot()));

describe('LocalAuthStateStore', () => {
  it('keeps one file per kind under {root}/auth, and nothing else', async () => {
    const root = await tempRoot();
    const store = new LocalAuthStateStore(root);
    await store.create('client', 'c1', { name: 'Claude' });
    await store.create('code', 'k1', { email: 'ada@example.com' }, new Date(Date.now() + 60_000));
    await store.take('code', 'k1');
    expect(await readdir(root)).to.deep.equal(['auth']);
    expect((await readdir(path.join(root, 'auth'))).sort()).to.deep.equal(['client.json', 'code.json']);
    const client = JSON.parse(await readFile(path.join(root, 'auth', 'client.json'), 'utf8')) as { version: number; entries: { createdAt: string }[] };
    expect(client).to.deep.equal({ version: 1, entries: [{ key: 'c1', value: { name: 'Claude' }, expiresAt: null, createdAt: client.entries[0]?.createdAt }] });
    expect(Date.parse(client.entries[0]!.createdAt)).to.be.closeTo(Date.now(), 5000);
    expect(await storedKeys(root, 'code')).to.deep.equal([]);
  });

  it('sees what an earlier instance on the same root stored (a restart)', async () => {
    const root = await tempRoot();
    const first = new LocalAuthStateStore(root);
    await first.create('client', 'c1', { name: 'Claude' });
    await first.create('refresh', 'r1', { grant: 'g1' }, new Date(Date.now() + 60_000));
    const second = new LocalAuthStateStore(root);
    expect(await second.get('client', 'c1')).to.deep.equal({ name: 'Claude' });
    expect(await second.take('refresh', 'r1')).to.deep.equal({ grant: 'g1' });
    expect(await new LocalAuthStateStore(root).get('refresh', 'r1')).to.equal(undefined);
  });

  it('sweeps expired entries from disk on the next write of that kind', async () => {
    const root = await tempRoot();
    const store = new LocalAuthStateStore(root);
    await store.create('code', 'short', { n: 1 }, new Date(Date.now() + 30));
    await store.create('code', 'long', { n: 2 }, new Date(Date.now() + 60_000));
    expect(await storedKeys(root, 'code')).to.deep.equal(['long', 'short']);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await store.delete('code', 'absent'); // a write that changes nothing else
    expect(await storedKeys(root, 'code')).to.deep.equal(['long']);
    await store.put('code', 'dead', { n: 3 }, new Date(Date.now() - 1000));
    expect(await storedKeys(root, 'code')).to.deep.equal(['long']);
  });

  it('leaves the file alone when a take or delete finds nothing to remove', async () => {
    const root = await tempRoot();
    const store = new LocalAuthStateStore(root);
    await store.take('code', 'absent');
    await store.delete('code', 'absent');
    expect(await readdir(path.join(root, 'auth'))).to.deep.equal([]);
  });

  it('refuses a file it cannot read rather than treating it as empty', async () => {
    const root = await tempRoot();
    const store = new LocalAuthStateStore(root);
    await store.create('client', 'c1', { name: 'Claude' });
    await writeFile(path.join(root, 'auth', 'client.json'), JSON.stringify({ version: 2, entries: {} }));
    const error = await store.create('client', 'c2', {}).then(() => undefined, (e: unknown) => e);
    expect(error).to.have.property('status', 'INTERNAL');
  });
});
