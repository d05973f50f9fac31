import { expect } from 'chai';
import { AppError } from '../../server/errors.js';
import { buildCatalogue } from '../../server/core/models.js';
import { createModelResolver, type ModelDirectory } from '../../server/generation/model-resolver.js';
import { silentLogger } from '../../server/log.js';

/** A line-up the test changes, counting how often it was read; `fail` makes reads reject. */
function lineUp(ids: string[]) {
  const state = { ids: new Set(ids), reads: 0, fail: false };
  const directory: ModelDirectory = {
    listModelIds: async () => {
      state.reads++;
      if (state.fail) throw new Error('models list unavailable');
      return new Set(state.ids);
    },
  };
  return { state, directory };
}

describe('model resolver', () => {
  const catalogue = buildCatalogue();
  const all = ['gemini-nano-banana-2.1', 'gemini-3.1-flash-image', 'gemini-3-pro-image', 'gemini-3.5-flash'];
  let clock = 0;
  const resolver = (directory: ModelDirectory) => createModelResolver({ catalogue, directory, logger: silentLogger, ttlMs: 1000, retryMs: 100, now: () => clock });

  beforeEach(() => {
    clock = 0;
  });

  it('resolves an alias to its first served candidate, reading the line-up once while fresh', async () => {
    const { state, directory } = lineUp(all);
    const models = resolver(directory);
    expect((await models.resolve({ alias: 'flash' })).id).to.equal('gemini-nano-banana-2.1');
    expect((await models.resolve({ alias: 'pro' })).id).to.equal('gemini-3-pro-image');
    expect((await models.resolve({ alias: 'flash', preferredId: 'gemini-3.1-flash-image' })).id).to.equal('gemini-3.1-flash-image');
    expect(state.reads).to.equal(1);
  });

  it('picks the first served model that takes the options, unless the caller named one', async () => {
    const { directory } = lineUp(all);
    const models = resolver(directory);
    const makes512 = (m: { imageSizes: readonly string[] }) => m.imageSizes.includes('512');
    expect((await models.resolve({ alias: 'flash' }, makes512)).id).to.equal('gemini-3.1-flash-image');
    expect((await models.resolve({ alias: 'flash', preferredId: 'gemini-nano-banana-2.1' }, makes512)).id).to.equal('gemini-nano-banana-2.1');
    // None fits: the first served, so that the caller can say what it takes.
    expect((await models.resolve({ alias: 'pro' }, makes512)).id).to.equal('gemini-3-pro-image');
  });

  it('skips candidates Gemini no longer lists', async () => {
    const { directory } = lineUp(['gemini-3.1-flash-image', 'gemini-3-pro-image']);
    const models = resolver(directory);
    expect((await models.resolve({ alias: 'flash' })).id).to.equal('gemini-3.1-flash-image');
    expect((await models.resolve({ alias: 'flash', preferredId: 'gemini-nano-banana-2.1' })).id).to.equal('gemini-3.1-flash-image');
  });

  it('serves a stale line-up at once and refreshes it in the background', async () => {
    const { state, directory } = lineUp(all);
    const models = resolver(directory);
    await models.resolve({ alias: 'flash' });
    state.ids.delete('gemini-nano-banana-2.1');
    clock = 1500;
    expect((await models.resolve({ alias: 'flash' })).id).to.equal('gemini-nano-banana-2.1'); // stale, not waited for
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.reads).to.equal(2);
    expect((await models.resolve({ alias: 'flash' })).id).to.equal('gemini-3.1-flash-image');
  });

  it('reads the line-up again at once when Gemini answers NOT_FOUND, and skips that model', async () => {
    const { state, directory } = lineUp(all);
    const models = resolver(directory);
    await models.resolve({ alias: 'flash' });
    models.reportMissing('gemini-nano-banana-2.1'); // still listed, but Gemini refused it
    expect((await models.resolve({ alias: 'flash' })).id).to.equal('gemini-3.1-flash-image');
    expect(state.reads).to.equal(2);
    clock = 2000; // the refusal is forgotten with the line-up it belonged to
    expect((await models.resolve({ alias: 'flash' })).id).to.equal('gemini-nano-banana-2.1');
  });

  it('names the alias, the ids tried and the variable to set when no candidate is served', async () => {
    const { directory } = lineUp(['gemini-3.5-flash', 'gemini-3-pro-image']);
    const models = resolver(directory);
    const err = await models.resolve({ alias: 'flash' }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).publicMessage)
      .to.include('"flash"')
      .and.include('gemini-nano-banana-2.1, gemini-3.1-flash-image')
      .and.include('IMG_MODEL_FLASH');
    expect((await models.current()).flash).to.deep.equal([]);
  });

  it('tries candidates in order when the line-up cannot be read, and reads again after a while', async () => {
    const { state, directory } = lineUp(all);
    state.fail = true;
    const models = resolver(directory);
    expect((await models.resolve({ alias: 'flash' })).id).to.equal('gemini-nano-banana-2.1');
    expect(state.reads).to.equal(1);
    models.reportMissing('gemini-nano-banana-2.1'); // Gemini's 404 decides; the list is tried again at once
    expect((await models.resolve({ alias: 'flash' })).id).to.equal('gemini-3.1-flash-image');
    expect(state.reads).to.equal(2);
    expect((await models.resolve({ alias: 'flash' })).id).to.equal('gemini-3.1-flash-image');
    expect(state.reads).to.equal(2); // not again within the retry interval
    state.fail = false;
    clock = 150;
    await models.resolve({ alias: 'flash' });
    expect(state.reads).to.equal(3);
  });

  it('treats a models list that names none of the catalogue as unreadable', async () => {
    for (const ids of [[], ['gemini-3.5-flash']]) {
      const { directory } = lineUp(ids);
      expect((await resolver(directory).resolve({ alias: 'pro' })).id).to.equal('gemini-3-pro-image');
    }
  });
});
