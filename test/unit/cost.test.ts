import { expect } from 'chai';
import { costFromUsage, hasTokenCounts, imageCostUsd } from '../../server/core/cost.js';
import { toTokenUsage } from '../../server/gemini/gemini-mapping.js';
import { buildCatalogue, type TokenPrices } from '../../server/core/models.js';

describe('costFromUsage', () => {
  const nanoBanana2: TokenPrices = { inputText: 0.5, inputImage: 0.5, imageOutput: 60, textOutput: 3 };

  it('records 3,000 image-output tokens on Nano Banana 2 as $0.18, not the $0.067 list price', () => {
    expect(costFromUsage(nanoBanana2, { imageOutputTokens: 3000 })).to.equal(0.18);
    expect(costFromUsage(nanoBanana2, { outputTokens: 3000, imageOutputTokens: 3000, textOutputTokens: 0 })).to.equal(0.18);
  });

  it('bills each kind of token at its own rate, thinking as text output', () => {
    // Distinct rates, so each term shows: 100 × 1 + 1,000 × 2 + 1,120 × 100 + (10 + 200) × 10 = 116,200 millionths.
    const prices: TokenPrices = { inputText: 1, inputImage: 2, imageOutput: 100, textOutput: 10 };
    const usage = { promptTokens: 1100, promptTextTokens: 100, promptImageTokens: 1000, outputTokens: 1130, imageOutputTokens: 1120, textOutputTokens: 10, thinkingTokens: 200, totalTokens: 2430 };
    expect(costFromUsage(prices, usage)).to.equal(0.1162);
  });

  it('prices a 1K Nano Banana 2 image from a short prompt a little above its list price', () => {
    const usage = { promptTokens: 12, promptTextTokens: 12, promptImageTokens: 0, outputTokens: 1125, imageOutputTokens: 1120, textOutputTokens: 5, thinkingTokens: 196 };
    // 12 × 0.5 + 1,120 × 60 + 201 × 3 = 67,809 millionths.
    expect(costFromUsage(nanoBanana2, usage)).to.equal(0.067809);
  });

  it('rounds to a millionth of a dollar', () => {
    expect(costFromUsage(nanoBanana2, { promptTextTokens: 1 })).to.equal(0.000001); // 0.5 millionths rounds up
    expect(costFromUsage(nanoBanana2, { promptTextTokens: 7 })).to.equal(0.000004); // 3.5 millionths
    expect(costFromUsage({ inputText: 0.3, inputImage: 0.3, imageOutput: 30, textOutput: 2.5 }, { promptTextTokens: 3, imageOutputTokens: 1290 })).to.equal(0.038701);
  });

  it('counts prompt tokens not reported as image as text, and output tokens not reported as image as text', () => {
    // A record from before the text fields: only the totals and the image share.
    const older = { promptTokens: 1130, outputTokens: 1125, imageOutputTokens: 1120, thinkingTokens: 196, totalTokens: 2451 };
    const split = { ...older, promptTextTokens: 1130, textOutputTokens: 5 };
    expect(costFromUsage(nanoBanana2, older)).to.equal(costFromUsage(nanoBanana2, split));
    const prices: TokenPrices = { inputText: 1, inputImage: 10, imageOutput: 100, textOutput: 1000 };
    expect(costFromUsage(prices, { promptTokens: 600, promptImageTokens: 560 })).to.equal(0.00564); // 40 × 1 + 560 × 10
  });

  it('bills a refused request for its prompt alone when that is all Gemini counted', () => {
    const pro: TokenPrices = { inputText: 2, inputImage: 2, imageOutput: 120, textOutput: 12 };
    expect(costFromUsage(pro, { promptTokens: 1125, promptTextTokens: 5, promptImageTokens: 1120, totalTokens: 1125 })).to.equal(0.00225);
  });

  it('is undefined when the usage counts no tokens, so the caller falls back to the list price', () => {
    expect(costFromUsage(nanoBanana2, {})).to.equal(undefined);
    expect(costFromUsage(nanoBanana2, { totalTokens: 1200 })).to.equal(undefined);
    expect(costFromUsage(nanoBanana2, { promptTokens: 0 })).to.equal(0);
    expect(hasTokenCounts(undefined)).to.equal(false);
    expect(hasTokenCounts({ thinkingTokens: 3 })).to.equal(true);
  });

  it('ignores counts that are not token counts', () => {
    expect(costFromUsage(nanoBanana2, { imageOutputTokens: 1000, promptTextTokens: -5, thinkingTokens: Number.NaN })).to.equal(0.06);
  });
});

describe('imageCostUsd', () => {
  const catalogue = buildCatalogue();
  const nanoBanana2 = catalogue.flash.candidates[1]!;

  it('is the tokens at the model rates when Gemini said how many were the image', () => {
    expect(nanoBanana2.id).to.equal('gemini-3.1-flash-image');
    expect(imageCostUsd(nanoBanana2, '1K', { outputTokens: 3000, imageOutputTokens: 3000 })).to.equal(0.18);
  });

  it('is the list price when Gemini reported no usage', () => {
    expect(imageCostUsd(nanoBanana2, '1K', undefined)).to.equal(0.067);
    expect(imageCostUsd(nanoBanana2, '2K', {})).to.equal(0.101);
    expect(imageCostUsd(nanoBanana2, '2K', { promptTokens: 10 })).to.equal(0.101);
  });

  it('takes the output tokens as the image’s when Gemini did not break them down by modality', () => {
    // candidatesTokenCount 3,000 without candidatesTokensDetails, as toTokenUsage reads it.
    const usage = toTokenUsage({ candidatesTokenCount: 3000, totalTokenCount: 3000 });
    expect(imageCostUsd(nanoBanana2, '1K', usage)).to.equal(0.18);
    expect(imageCostUsd(nanoBanana2, '1K', { promptTokens: 10, outputTokens: 1125 })).to.equal(0.067505);
  });

  it('uses the operator token prices, also for a model id the catalogue does not know', () => {
    const custom = buildCatalogue({ ids: { flash: ['gemini-9-flash-image'] }, tokenPrices: { pro: { inputText: 1, inputImage: 1, imageOutput: 100, textOutput: 5 } } });
    const unknown = custom.flash.candidates[0]!;
    expect(unknown.tokenPricesUsdPerMillion).to.deep.equal(catalogue.flash.candidates[0]!.tokenPricesUsdPerMillion);
    expect(imageCostUsd(unknown, '1K', { imageOutputTokens: 1000 })).to.equal(0.03);
    expect(imageCostUsd(custom.pro.candidates[0]!, '4K', { imageOutputTokens: 2000 })).to.equal(0.2);
  });
});
