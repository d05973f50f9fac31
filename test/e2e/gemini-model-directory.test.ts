/** The models-list adapter through the real @google/genai client, on both backends, against the Gemini fake. */
import { expect } from 'chai';
import { createGeminiModelDirectory } from '../../server/gemini/gemini-model-directory.js';
import { FAKE_LINEUP, startGeminiFake, type FakeModel, type GeminiFake } from '../fakes/gemini-fake.js';

describe('Gemini model directory against the fake Gemini', () => {
  let fake: GeminiFake;
  before(async () => {
    fake = await startGeminiFake();
  });
  beforeEach(() => fake.reset());
  after(() => fake.close());

  const apiKey = () => createGeminiModelDirectory({ backend: { kind: 'api-key', apiKey: fake.apiKey }, baseUrl: fake.url });

  it('lists the ids Gemini serves, without "models/", and stops listing a model once it is retired', async () => {
    const ids = await apiKey().listModelIds();
    expect([...ids].sort()).to.deep.equal(FAKE_LINEUP.map((m) => m.id).sort());
    fake.retire('gemini-nano-banana-2.1');
    expect(await apiKey().listModelIds()).to.not.include('gemini-nano-banana-2.1');
    expect(fake.lookups.every((l) => l.method === 'GET' && /\/models$/.test(l.path))).to.equal(true);
  });

  it('walks every page of a long list', async () => {
    const many: FakeModel[] = Array.from({ length: 1203 }, (_, i) => ({ ...FAKE_LINEUP[0]!, id: `gemini-test-${i}`, displayName: `Test ${i}` }));
    const big = await startGeminiFake({ models: many });
    try {
      const ids = await createGeminiModelDirectory({ backend: { kind: 'api-key', apiKey: big.apiKey }, baseUrl: big.url }).listModelIds();
      expect(ids.size).to.equal(1203);
      expect(big.lookups.length).to.equal(2);
    } finally {
      await big.close();
    }
  });

  it("reads Vertex AI's publisher models with the service identity", async () => {
    const vertex = createGeminiModelDirectory({
      backend: { kind: 'vertex', project: 'demo-project', location: 'global', googleAuthOptions: fake.vertexCredentials() },
      baseUrl: fake.url,
    });
    const ids = await vertex.listModelIds();
    expect(ids).to.include('gemini-3-pro-image').and.include('gemini-nano-banana-2.1');
  });

  it('rejects when Gemini refuses the key, so the resolver falls back to trying candidates', async () => {
    const refused = createGeminiModelDirectory({ backend: { kind: 'api-key', apiKey: 'not-the-key' }, baseUrl: fake.url });
    const err = await refused.listModelIds().then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(Error);
  });
});
