import { expect } from 'chai';
import { ConfigError, loadConfig, loadImportConfig } from '../../server/config.js';

const base = { GEMINI_API_KEY: 'test-key', IMG_AUTH_DISABLED: '1' };
const signIn = {
  GEMINI_API_KEY: 'k',
  GOOGLE_OAUTH_CLIENT_ID: 'id.apps.googleusercontent.com',
  GOOGLE_OAUTH_CLIENT_SECRET: 'secret',
  IMG_JWT_SIGNING_KEY: 'x'.repeat(64),
  IMG_PUBLIC_URL: 'https://img.example.com',
  IMG_ALLOWED_EMAILS: 'a@example.com',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config', () => {
  it('gives local defaults: port 8766, loopback, ./.localdata, sign-in off, the catalogue models and prices', () => {
    const config = loadConfig(base, '/srv');
    expect(config.port).to.equal(8766);
    expect(config.host).to.equal('127.0.0.1');
    expect(config.publicUrl).to.equal('http://localhost:8766');
    expect(config.store).to.deep.equal({ kind: 'local', root: '/srv/.localdata' });
    expect(config.dashboardDir).to.equal('/srv/web/dist');
    expect(config.auth).to.deep.equal({ kind: 'disabled' });
    expect(config.catalogue.flash.candidates.map((m) => m.id)).to.deep.equal(['gemini-nano-banana-2.1', 'gemini-3.1-flash-image']);
    expect(config.catalogue.pro.candidates[0]?.pricesUsd['1K']).to.equal(0.134);
    expect(Object.isFrozen(config)).to.equal(true);
  });

  it('reads overrides for port, public URL, models and prices', () => {
    const config = loadConfig(
      { ...base, PORT: '9000', IMG_PUBLIC_URL: 'https://img.example.com/', IMG_MODEL_PRO: 'gemini-9-pro, gemini-3-pro-image', IMG_COST_PRO_4K: '0.5', IMG_COST_FLASH_512: '0.02', IMG_ROOT: 'data', IMG_DASHBOARD_DIR: '/opt/dashboard' },
      '/srv',
    );
    expect(config.port).to.equal(9000);
    expect(config.publicUrl).to.equal('https://img.example.com');
    expect(config.catalogue.pro.candidates.map((m) => m.id)).to.deep.equal(['gemini-9-pro', 'gemini-3-pro-image']);
    expect(config.catalogue.pro.candidates.map((m) => m.pricesUsd['4K'])).to.deep.equal([0.5, 0.5]);
    // Only the model that makes 512 px images has a 512 price.
    expect(config.catalogue.flash.candidates.map((m) => m.pricesUsd['512'])).to.deep.equal([undefined, 0.02]);
    expect(config.store).to.deep.equal({ kind: 'local', root: '/srv/data' });
    expect(config.dashboardDir).to.equal('/opt/dashboard');
  });

  it('reads token prices per alias (IMG_TOKEN_PRICES_*) for every model serving it, and keeps the catalogue rates otherwise', () => {
    const config = loadConfig({ ...base, IMG_TOKEN_PRICES_FLASH: '0.4, 0.45,55,2.5', IMG_MODEL_PRO: 'gemini-9-pro,gemini-3-pro-image' }, '/srv');
    for (const model of config.catalogue.flash.candidates) {
      expect(model.tokenPricesUsdPerMillion, model.id).to.deep.equal({ inputText: 0.4, inputImage: 0.45, imageOutput: 55, textOutput: 2.5 });
    }
    // An id the catalogue does not know takes the alias's first default model's rates.
    expect(config.catalogue.pro.candidates.map((m) => m.tokenPricesUsdPerMillion)).to.deep.equal([
      { inputText: 2, inputImage: 2, imageOutput: 120, textOutput: 12 },
      { inputText: 2, inputImage: 2, imageOutput: 120, textOutput: 12 },
    ]);
    expect(config.catalogue.lite.candidates[0]?.tokenPricesUsdPerMillion).to.deep.equal({ inputText: 0.25, inputImage: 0.25, imageOutput: 30, textOutput: 1.5 });
    expect(loadImportConfig({ IMG_TOKEN_PRICES_LITE: '0,0,1,0' }, '/srv').catalogue.lite.candidates[0]?.tokenPricesUsdPerMillion.imageOutput).to.equal(1);
  });

  it('refuses malformed token prices, naming the variable and the four prices it takes', () => {
    for (const value of ['60', '0.5,0.5,60', '0.5,0.5,60,3,1', 'a,b,c,d', '0.5;0.5;60;3', '-1,0.5,60,3', '']) {
      const found = problems({ ...base, IMG_TOKEN_PRICES_PRO: value });
      expect(found, value).to.have.length(1);
      expect(found[0], value).to.equal(
        'IMG_TOKEN_PRICES_PRO: expected four USD prices per million tokens, comma-separated: input_text,input_image,image_output,text_output (thinking is billed as text output), such as 0.5,0.5,60,3',
      );
    }
    expect(problems({ ...base, IMG_TOKEN_PRICES_FLASH: '1,1,6000,1' })).to.deep.equal(['IMG_TOKEN_PRICES_FLASH: expected prices per million tokens below 1000 USD']);
  });

  it('names every offending variable at once', () => {
    const found = problems({ ...base, PORT: 'eighty', IMG_COST_FLASH_2K: 'cheap', IMG_PUBLIC_URL: 'ftp://x', IMG_ALLOWED_EMAILS: 'a@b.c, nope', IMG_MODEL_FLASH: 'Gemini 4, ok' });
    expect(found.map((p) => p.split(':')[0])).to.have.members(['PORT', 'IMG_COST_FLASH_2K', 'IMG_PUBLIC_URL', 'IMG_ALLOWED_EMAILS', 'IMG_MODEL_FLASH']);
    expect(found.find((p) => p.startsWith('IMG_MODEL_FLASH'))).to.include('comma-separated');
    const withoutKey = problems({ IMG_AUTH_DISABLED: '1', PORT: '0' });
    expect(withoutKey.map((p) => p.split(':')[0])).to.have.members(['PORT', 'GEMINI_API_KEY']);
  });

  it('refuses to start open unless IMG_AUTH_DISABLED=1, naming the missing sign-in settings', () => {
    const found = problems({ GEMINI_API_KEY: 'k' });
    expect(found).to.have.length(1);
    expect(found[0]).to.match(/^IMG_AUTH_DISABLED: sign-in is not configured \(missing GOOGLE_OAUTH_CLIENT_ID.*IMG_ALLOWED_EMAILS\)/);
  });

  it('refuses IMG_AUTH_DISABLED on Cloud Run and a missing Gemini key', () => {
    const found = problems({ IMG_AUTH_DISABLED: '1', K_SERVICE: 'image-studio' });
    expect(found.map((p) => p.split(':')[0])).to.have.members(['GEMINI_API_KEY', 'IMG_AUTH_DISABLED']);
  });

  it('uses Vertex AI without a key when IMG_GEMINI_BACKEND=vertex, in the project it names', () => {
    const config = loadConfig({ IMG_AUTH_DISABLED: '1', IMG_GEMINI_BACKEND: 'vertex', GOOGLE_CLOUD_PROJECT: 'acme-images', IMG_BUCKET: 'acme-images-png' }, '/srv');
    expect(config.gemini.backend).to.deep.equal({ kind: 'vertex', project: 'acme-images', location: 'global' });
    expect(loadConfig({ ...base }, '/srv').gemini.backend).to.deep.equal({ kind: 'api-key', apiKey: 'test-key' });
    expect(problems({ IMG_AUTH_DISABLED: '1', IMG_GEMINI_BACKEND: 'vertex' })).to.deep.equal([
      'GOOGLE_CLOUD_PROJECT: required with IMG_GEMINI_BACKEND=vertex, the project whose Vertex AI serves Gemini',
    ]);
    expect(problems({ ...base, IMG_GEMINI_BACKEND: 'openai' })[0]).to.match(/^IMG_GEMINI_BACKEND: expected api-key or vertex/);
  });

  it('lowercases the allow-list and accepts IMG_HOST to listen beyond loopback', () => {
    const config = loadConfig({ ...signIn, IMG_ALLOWED_EMAILS: ' Me@Example.com ,you@example.com', IMG_HOST: '127.0.0.1' }, '/srv');
    expect(config.auth.kind === 'sign-in' && config.auth.allowedEmails).to.deep.equal(['me@example.com', 'you@example.com']);
    expect(config.host).to.equal('127.0.0.1');
  });

  it('picks the cloud stores when a bucket or project is set, or IMG_STORE=cloud says so', () => {
    expect(loadConfig({ ...base, IMG_BUCKET: 'my-images' }, '/srv').store).to.deep.equal({
      kind: 'cloud',
      bucket: 'my-images',
      projectId: undefined,
      firestoreDatabase: undefined,
      firestoreTimeoutMs: 5000,
      storageTimeoutMs: 5000,
    });
    expect(loadConfig({ ...base, IMG_BUCKET: 'my-images', GOOGLE_CLOUD_PROJECT: 'proj' }, '/srv').store).to.include({ kind: 'cloud', projectId: 'proj' });
    expect(loadConfig({ ...base, IMG_BUCKET: 'b-images', IMG_FIRESTORE_TIMEOUT_SECONDS: '3', IMG_STORAGE_TIMEOUT_SECONDS: '20' }, '/srv').store).to.include({
      firestoreTimeoutMs: 3000,
      storageTimeoutMs: 20000,
    });
    expect(problems({ ...base, IMG_BUCKET: 'b-images', IMG_FIRESTORE_TIMEOUT_SECONDS: '0' })[0]).to.match(/^IMG_FIRESTORE_TIMEOUT_SECONDS: /);
    expect(loadConfig({ ...base, IMG_BUCKET: 'my-images', IMG_STORE: 'local' }, '/srv').store.kind).to.equal('local');
  });

  it('asks for IMG_BUCKET when the cloud store is chosen without one', () => {
    expect(problems({ ...base, GOOGLE_CLOUD_PROJECT: 'proj' })).to.deep.equal([
      'IMG_BUCKET: required for the cloud store (chosen by IMG_STORE=cloud or GOOGLE_CLOUD_PROJECT); the bucket for images',
    ]);
    expect(problems({ ...base, IMG_STORE: 'cloud' })).to.have.length(1);
    expect(problems({ ...base, IMG_STORE: 'gcs', IMG_BUCKET: 'Bad_Bucket' }).map((p) => p.split(':')[0])).to.have.members(['IMG_STORE', 'IMG_BUCKET']);
  });

  it('reads the store settings alone for commands that need no server settings', () => {
    const config = loadImportConfig({ IMG_ROOT: 'old', IMG_MODEL_PRO: 'gemini-9-pro' }, '/srv');
    expect(config.store).to.deep.equal({ kind: 'local', root: '/srv/old' });
    expect(config.catalogue.pro.candidates[0]?.id).to.equal('gemini-9-pro');
    expect(() => loadImportConfig({ IMG_STORE: 'cloud' }, '/srv')).to.throw(ConfigError, /IMG_BUCKET/);
  });

  it('accepts a complete sign-in configuration and listens on every interface by default', () => {
    const config = loadConfig(signIn);
    expect(config.auth).to.deep.include({ kind: 'sign-in', googleClientId: 'id.apps.googleusercontent.com', jwtSigningKey: 'x'.repeat(64), firebaseProject: undefined });
    expect(config.host).to.equal('0.0.0.0');
  });

  it('refuses a short signing key and a plain-http public URL when sign-in is on', () => {
    const found = problems({
      GEMINI_API_KEY: 'k',
      GOOGLE_OAUTH_CLIENT_ID: 'id',
      GOOGLE_OAUTH_CLIENT_SECRET: 'secret',
      IMG_JWT_SIGNING_KEY: 'short',
      IMG_PUBLIC_URL: 'http://img.example.com',
      IMG_ALLOWED_EMAILS: 'a@example.com',
    });
    expect(found.map((p) => p.split(':')[0])).to.have.members(['IMG_JWT_SIGNING_KEY', 'IMG_PUBLIC_URL']);
  });

  it('trusts X-Forwarded-For one hop on Cloud Run and not at all elsewhere, unless IMG_TRUSTED_PROXIES says otherwise', () => {
    expect(loadConfig(signIn).trustedProxies).to.equal(0);
    expect(loadConfig({ ...signIn, K_SERVICE: 'image-studio-mcp' }).trustedProxies).to.equal(1);
    expect(loadConfig({ ...signIn, K_SERVICE: 'image-studio-mcp', IMG_TRUSTED_PROXIES: '2' }).trustedProxies).to.equal(2);
    expect(loadConfig({ ...signIn, IMG_TRUSTED_PROXIES: '0' }).trustedProxies).to.equal(0);
    expect(problems({ ...signIn, IMG_TRUSTED_PROXIES: 'all' })[0]).to.match(/^IMG_TRUSTED_PROXIES: expected a whole number/);
  });

  it('points sign-in at a Google stand-in with IMG_GOOGLE_BASE_URL, and refuses it on Cloud Run', () => {
    const config = loadConfig({ ...signIn, IMG_GOOGLE_BASE_URL: 'http://127.0.0.1:9099/' });
    expect(config.auth).to.deep.include({ googleBaseUrl: 'http://127.0.0.1:9099' });
    expect(loadConfig(signIn).auth).to.deep.include({ googleBaseUrl: undefined });
    expect(problems({ ...signIn, IMG_GOOGLE_BASE_URL: 'http://127.0.0.1:9099', K_SERVICE: 'image-studio-mcp' }).map((p) => p.split(':')[0])).to.deep.equal(['IMG_GOOGLE_BASE_URL']);
    expect(problems({ ...signIn, IMG_GOOGLE_BASE_URL: 'not a url' }).map((p) => p.split(':')[0])).to.deep.equal(['IMG_GOOGLE_BASE_URL']);
  });

  it('waits 45 s for a generation by default and reads IMG_TOOL_WAIT_SECONDS (5–280) and IMG_MONTHLY_BUDGET_USD', () => {
    expect(loadConfig(base)).to.deep.include({ toolWaitMs: 45_000, monthlyBudgetUsd: undefined });
    expect(loadConfig({ ...base, IMG_TOOL_WAIT_SECONDS: '20', IMG_MONTHLY_BUDGET_USD: '7.50' })).to.deep.include({ toolWaitMs: 20_000, monthlyBudgetUsd: 7.5 });
    expect(problems({ ...base, IMG_TOOL_WAIT_SECONDS: '300', IMG_MONTHLY_BUDGET_USD: 'ten dollars' }).map((p) => p.split(':')[0])).to.have.members(['IMG_TOOL_WAIT_SECONDS', 'IMG_MONTHLY_BUDGET_USD']);
  });
});
