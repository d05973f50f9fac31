import { expect } from 'chai';
import { acceptedModelNames, buildRegistry, chooseModel, findModel, priceUsd, resolveModel } from '../../server/core/models.js';

describe('model registry', () => {
  const registry = buildRegistry();

  it('maps flash and pro to the Gemini ids and list prices', () => {
    expect(registry.flash.id).to.equal('gemini-3.1-flash-image-preview');
    expect(registry.pro.id).to.equal('gemini-3-pro-image-preview');
    expect([priceUsd(registry.flash, '1K'), priceUsd(registry.flash, '2K'), priceUsd(registry.flash, '4K')]).to.deep.equal([0.067, 0.101, 0.151]);
    expect([priceUsd(registry.pro, '1K'), priceUsd(registry.pro, '2K'), priceUsd(registry.pro, '4K')]).to.deep.equal([0.134, 0.134, 0.24]);
  });

  it('resolves aliases, full ids and doc-page names, in any case', () => {
    for (const name of ['flash', 'FLASH', 'gemini-3.1-flash-image-preview', 'gemini-3.1-flash-image']) {
      expect(findModel(registry, name)?.alias, name).to.equal('flash');
    }
    for (const name of ['pro', ' Pro ', 'gemini-3-pro-image-preview', 'gemini-3-pro-image']) {
      expect(findModel(registry, name)?.alias, name).to.equal('pro');
    }
  });

  it('rejects an unknown model with a message listing every accepted name', () => {
    expect(() => resolveModel(registry, 'dall-e')).to.throw(/Unknown model "dall-e".*flash.*gemini-3-pro-image/);
  });

  it('applies id and price overrides, and still accepts the original ids', () => {
    const custom = buildRegistry({ ids: { pro: 'gemini-4-pro-image' }, prices: { pro: { '4K': 0.3 } } });
    expect(custom.pro.id).to.equal('gemini-4-pro-image');
    expect(custom.pro.pricesUsd).to.deep.equal({ '1K': 0.134, '2K': 0.134, '4K': 0.3 });
    expect(findModel(custom, 'gemini-4-pro-image')?.alias).to.equal('pro');
    expect(findModel(custom, 'gemini-3-pro-image-preview')?.alias).to.equal('pro');
    expect(acceptedModelNames(custom)).to.include('gemini-4-pro-image');
  });

  it('chooses the requested model, else the saved default, else flash', () => {
    expect(chooseModel(registry, 'pro', 'flash').alias).to.equal('pro');
    expect(chooseModel(registry, undefined, 'pro').alias).to.equal('pro');
    expect(chooseModel(registry, undefined, undefined).alias).to.equal('flash');
    expect(chooseModel(registry, undefined, 'retired-model').alias).to.equal('flash');
    expect(() => chooseModel(registry, 'nope', 'pro')).to.throw(/Unknown model/);
  });
});
