import { expect } from 'chai';
import { ALIAS_SPECS, MODEL_SPECS } from '../../server/core/catalogue.js';
import { acceptedModelNames, buildCatalogue, checkOptions, chooseModel, findModelChoice, priceUsd, recordedPriceUsd, type ImageModel, type ModelAlias } from '../../server/core/models.js';
import { ASPECT_RATIOS, IMAGE_SIZES } from '../../server/core/options.js';

describe('model catalogue', () => {
  const catalogue = buildCatalogue();
  const model = (alias: ModelAlias, index = 0): ImageModel => catalogue[alias].candidates[index]!;

  it('prices exactly the sizes each model makes, and every alias candidate has a spec', () => {
    for (const spec of MODEL_SPECS) {
      expect(Object.keys(spec.pricesUsd).sort(), spec.id).to.deep.equal([...spec.imageSizes].sort());
      expect(spec.imageSizes.every((size) => IMAGE_SIZES.includes(size)), spec.id).to.equal(true);
      expect(spec.aspectRatios.every((ratio) => ASPECT_RATIOS.includes(ratio)), spec.id).to.equal(true);
    }
    for (const alias of Object.values(ALIAS_SPECS)) {
      for (const id of alias.candidates) expect(MODEL_SPECS.some((spec) => spec.id === id), id).to.equal(true);
    }
  });

  it('puts Nano Banana 2.1 first for flash, then Nano Banana 2; Nano Banana Pro for pro', () => {
    expect(catalogue.flash.candidates.map((m) => [m.id, m.label])).to.deep.equal([
      ['gemini-nano-banana-2.1', 'Nano Banana 2.1'],
      ['gemini-3.1-flash-image', 'Nano Banana 2'],
    ]);
    expect(model('pro').id).to.equal('gemini-3-pro-image');
    expect(model('lite')).to.include({ id: 'gemini-3.1-flash-lite-image', label: 'Nano Banana 2 Lite' });
    expect(model('lite').pricesUsd).to.deep.equal({ '1K': 0.034 });
    expect(IMAGE_SIZES.map((size) => model('flash', 1).pricesUsd[size])).to.deep.equal([0.045, 0.067, 0.101, 0.151]);
    expect(IMAGE_SIZES.map((size) => model('pro').pricesUsd[size])).to.deep.equal([undefined, 0.134, 0.134, 0.24]);
  });

  it('names an alias by alias, current id, product name or retired id, in any case and spacing', () => {
    expect(findModelChoice(catalogue, ' FLASH ')).to.deep.equal({ alias: 'flash' });
    expect(findModelChoice(catalogue, 'gemini-3.1-flash-image-preview')).to.deep.equal({ alias: 'flash' });
    expect(findModelChoice(catalogue, 'gemini-3-pro-image-preview')).to.deep.equal({ alias: 'pro' });
    expect(findModelChoice(catalogue, 'Nano Banana Pro')).to.deep.equal({ alias: 'pro', preferredId: 'gemini-3-pro-image' });
    expect(findModelChoice(catalogue, 'nano_banana 2')).to.deep.equal({ alias: 'flash', preferredId: 'gemini-3.1-flash-image' });
    expect(findModelChoice(catalogue, 'gemini-3.1-flash-image')).to.deep.equal({ alias: 'flash', preferredId: 'gemini-3.1-flash-image' });
    expect(findModelChoice(catalogue, 'dall-e')).to.equal(undefined);
  });

  it('rejects an unknown model with a message listing the accepted names', () => {
    expect(() => chooseModel(catalogue, 'dall-e', undefined)).to.throw(/Unknown model "dall-e".*flash.*pro.*gemini-3-pro-image/);
  });

  it('chooses the requested model, else the saved default, else flash', () => {
    expect(chooseModel(catalogue, 'pro', 'flash')).to.deep.equal({ alias: 'pro' });
    expect(chooseModel(catalogue, undefined, 'pro')).to.deep.equal({ alias: 'pro' });
    expect(chooseModel(catalogue, undefined, undefined)).to.deep.equal({ alias: 'flash' });
    expect(chooseModel(catalogue, undefined, 'retired-model')).to.deep.equal({ alias: 'flash' });
  });

  it('takes operator ids (an unknown one behaves like the alias\'s first model) and prices, and still knows the defaults', () => {
    const custom = buildCatalogue({ ids: { pro: ['gemini-4-pro-image', 'gemini-3-pro-image'] }, prices: { pro: { '4K': 0.3 } } });
    const [newer, older] = custom.pro.candidates;
    expect(newer).to.include({ id: 'gemini-4-pro-image', label: 'gemini-4-pro-image', maxReferenceImages: 14 });
    expect(newer?.pricesUsd).to.deep.equal({ '1K': 0.134, '2K': 0.134, '4K': 0.3 });
    expect(older?.pricesUsd['4K']).to.equal(0.3);
    expect(findModelChoice(custom, 'gemini-4-pro-image')).to.deep.equal({ alias: 'pro', preferredId: 'gemini-4-pro-image' });
    expect(findModelChoice(custom, 'gemini-3-pro-image-preview')?.alias).to.equal('pro');
    expect(acceptedModelNames(custom)).to.include('gemini-4-pro-image');
  });

  it('gives every model the token prices Gemini bills, with list prices that follow from the image-output rate', () => {
    expect(Object.fromEntries(MODEL_SPECS.map((spec) => [spec.id, spec.tokenPricesUsdPerMillion]))).to.deep.equal({
      'gemini-nano-banana-2.1': { inputText: 1.5, inputImage: 1.5, imageOutput: 30, textOutput: 7.5 },
      'gemini-3.1-flash-image': { inputText: 0.5, inputImage: 0.5, imageOutput: 60, textOutput: 3 },
      'gemini-3-pro-image': { inputText: 2, inputImage: 2, imageOutput: 120, textOutput: 12 },
      'gemini-3.1-flash-lite-image': { inputText: 0.25, inputImage: 0.25, imageOutput: 30, textOutput: 1.5 },
    });
    // A 1K image is 1,120 image tokens on every current model: its list price is those at the image rate.
    for (const spec of MODEL_SPECS) {
      expect(spec.pricesUsd['1K'], spec.id).to.be.closeTo((1120 * spec.tokenPricesUsdPerMillion.imageOutput) / 1e6, 0.0005);
    }
  });

  it('applies operator token prices to every model of the alias, and gives an unknown id the alias\'s first model\'s', () => {
    const overridden = { inputText: 1, inputImage: 2, imageOutput: 50, textOutput: 4 };
    const custom = buildCatalogue({ ids: { flash: ['gemini-9-flash-image', 'gemini-3.1-flash-image'] }, tokenPrices: { flash: overridden } });
    expect(custom.flash.candidates.map((m) => m.tokenPricesUsdPerMillion)).to.deep.equal([overridden, overridden]);
    expect(Object.isFrozen(custom.flash.candidates[0]?.tokenPricesUsdPerMillion)).to.equal(true);
    const newer = buildCatalogue({ ids: { flash: ['gemini-9-flash-image'] } }).flash.candidates[0];
    expect(newer?.tokenPricesUsdPerMillion).to.deep.equal(model('flash').tokenPricesUsdPerMillion);
    expect(model('pro').tokenPricesUsdPerMillion.imageOutput).to.equal(120);
  });

  it('refuses options a model does not take, listing what it does take', () => {
    const request = { imageSize: '1K', aspectRatio: '1:1', referenceCount: 0 } as const;
    expect(() => checkOptions(model('flash'), { ...request, imageSize: '512' })).to.throw(/image_size 512 is not available with flash \(Nano Banana 2\.1, gemini-nano-banana-2\.1\); it makes 1K, 2K, 4K/);
    expect(() => checkOptions(model('flash', 1), { ...request, imageSize: '512' })).not.to.throw();
    expect(() => checkOptions(model('pro'), { ...request, aspectRatio: '8:1' })).to.throw(/aspect_ratio 8:1 is not available with pro .*it takes 1:1, 2:3.*21:9\.$/);
    expect(() => checkOptions(model('flash'), { ...request, aspectRatio: '8:1' })).not.to.throw();
    expect(() => checkOptions(model('pro'), { ...request, referenceCount: 15 })).to.throw(/at most 14/);
  });

  it('prices a generation by the model and size, and an imported record by the model it names', () => {
    expect(priceUsd(model('flash'), '1K')).to.equal(0.034);
    expect(() => priceUsd(model('pro'), '512')).to.throw();
    expect(recordedPriceUsd(catalogue, 'flash', 'gemini-3.1-flash-image-preview', '2K')).to.equal(0.101);
    expect(recordedPriceUsd(catalogue, 'pro', undefined, '4K')).to.equal(0.24);
    expect(recordedPriceUsd(catalogue, 'flash', 'something-else', '512')).to.equal(0.045);
  });
});
