import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/config.js';

const base = { GEMINI_API_KEY: 'test-key', IMG_AUTH_DISABLED: '1' };

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
  it('gives local defaults: port 8766, loopback, ./.localdata, flash and pro list prices', () => {
    const config = loadConfig(base, '/srv');
    expect(config.port).to.equal(8766);
    expect(config.host).to.equal('127.0.0.1');
    expect(config.publicUrl).to.equal('http://localhost:8766');
    expect(config.imageRoot).to.equal('/srv/.localdata');
    expect(config.registry.flash.pricesUsd['1K']).to.equal(0.067);
    expect(Object.isFrozen(config)).to.equal(true);
  });

  it('reads overrides for port, public URL, models and prices', () => {
    const config = loadConfig(
      { ...base, PORT: '9000', IMG_PUBLIC_URL: 'https://img.example.com/', IMG_MODEL_PRO: 'gemini-9-pro', IMG_COST_PRO_4K: '0.5', IMG_ROOT: 'data' },
      '/srv',
    );
    expect(config.port).to.equal(9000);
    expect(config.publicUrl).to.equal('https://img.example.com');
    expect(config.registry.pro.id).to.equal('gemini-9-pro');
    expect(config.registry.pro.pricesUsd['4K']).to.equal(0.5);
    expect(config.imageRoot).to.equal('/srv/data');
  });

  it('names every offending variable at once', () => {
    const found = problems({ ...base, PORT: 'eighty', IMG_COST_FLASH_2K: 'cheap', IMG_PUBLIC_URL: 'ftp://x', IMG_ALLOWED_EMAILS: 'a@b.c, nope' });
    expect(found.map((p) => p.split(':')[0])).to.have.members(['PORT', 'IMG_COST_FLASH_2K', 'IMG_PUBLIC_URL', 'IMG_ALLOWED_EMAILS']);
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

  it('lowercases the allow-list and accepts IMG_HOST to listen beyond loopback', () => {
    const config = loadConfig({ ...base, IMG_ALLOWED_EMAILS: ' Me@Example.com ,you@example.com', IMG_HOST: '0.0.0.0' }, '/srv');
    expect(config.auth.allowedEmails).to.deep.equal(['me@example.com', 'you@example.com']);
    expect(config.host).to.equal('0.0.0.0');
  });
});
