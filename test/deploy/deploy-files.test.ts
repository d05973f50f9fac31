/**
 * The deployment files agree with each other and with the code: cloudbuild.yaml,
 * firebase.json, the Dockerfile, .dockerignore, the build configs and the server's config.
 * (No Docker daemon or Google Cloud here: this is what can be checked without them.)
 */
import { expect } from 'chai';
import { MODEL_ALIASES, buildCatalogue } from '../../server/core/models.js';
import { IMAGE_SIZES } from '../../server/core/options.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../../server/config.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

const cloudbuild = z
  .object({
    substitutions: z.record(z.string(), z.string()),
    steps: z.array(z.object({ id: z.string(), name: z.string(), args: z.array(z.string()).optional(), entrypoint: z.string().optional() })),
  })
  .parse(parse(read('cloudbuild.yaml')));
const firebase = z
  .object({
    hosting: z.object({
      public: z.string(),
      predeploy: z.string(),
      rewrites: z.array(z.object({ source: z.string(), run: z.object({ serviceId: z.string(), region: z.string() }) })),
    }),
    firestore: z.object({ rules: z.string(), indexes: z.string() }),
  })
  .parse(JSON.parse(read('firebase.json')));
const dockerfile = read('Dockerfile');
const packageJson = z
  .object({ scripts: z.record(z.string(), z.string()), engines: z.object({ node: z.string() }) })
  .parse(JSON.parse(read('package.json')));

const sub = cloudbuild.substitutions;
const deployArgs = cloudbuild.steps.find((s) => s.id === 'deploy-run')?.args ?? [];
const flag = (name: string) => deployArgs.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
/** Replaces ${_X} and ${PROJECT_ID} the way Cloud Build does. */
const substitute = (text: string, values: Record<string, string>) => text.replace(/\$\{(\w+)\}/g, (_m, key: string) => values[key] ?? `<${key}>`);

describe('deployment files', () => {
  it('route Hosting to the service and region Cloud Build deploys', () => {
    // The viewer's download and share links, and the app's icons (server/ui/icon-routes.ts): the dashboard links them on its own origin.
    expect(firebase.hosting.rewrites.map((r) => r.source)).to.have.members(['/api/**', '/i/**', '/d/**', '/v/**', '/favicon.ico', '/icon.svg', '/icon-192.png']);
    for (const rewrite of firebase.hosting.rewrites) expect(rewrite.run).to.deep.equal({ serviceId: sub._SERVICE, region: sub._REGION });
    expect(deployArgs).to.include('${_SERVICE}');
    expect(flag('region')).to.equal('${_REGION}');
  });

  it('deploy the dashboard from where the build puts it', () => {
    expect(read('web/vite.config.ts')).to.match(/outDir: 'dist'/);
    expect(firebase.hosting.public).to.equal('web/dist');
    expect(packageJson.scripts[firebase.hosting.predeploy.replace(/^npm run /, '')]).to.match(/vite build --config web\/vite\.config\.ts/);
    expect(firebase.firestore).to.deep.equal({ rules: 'firestore.rules', indexes: 'firestore.indexes.json' });
  });

  it('run the compiled server on the port Cloud Run is told about', () => {
    const tsconfigBuild = z.object({ compilerOptions: z.object({ outDir: z.string(), rootDir: z.string() }), include: z.array(z.string()) }).parse(JSON.parse(read('tsconfig.build.json')));
    expect(tsconfigBuild.include).to.deep.equal(['server/**/*.ts']);
    const entry = `${tsconfigBuild.compilerOptions.outDir}/server/main.js`;
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd ?? '[]')).to.include(entry).and.include('node'); // exec form: node gets SIGTERM
    expect(dockerfile).to.include('RUN npm run build:server');
    expect(packageJson.scripts['build:server']).to.equal('tsc -p tsconfig.build.json');
    expect(dockerfile).to.match(/^ENV PORT=8080$/m);
    expect(flag('port')).to.equal('8080');
    expect(dockerfile).to.match(/^USER node$/m);
    expect(dockerfile).to.match(/^ENV NODE_ENV=production$/m);
    expect(dockerfile).to.match(/npm ci --omit=dev/);
  });

  it('give Node a heap that fits the memory Cloud Run grants', () => {
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec(dockerfile)?.[1]);
    const memory = /^(\d+)(Mi|Gi)$/.exec(sub._MEMORY ?? '');
    const memoryMiB = Number(memory?.[1]) * (memory?.[2] === 'Gi' ? 1024 : 1);
    expect(flag('memory')).to.equal('${_MEMORY}');
    expect(heapMiB).to.be.greaterThan(0);
    // Room beside the heap for sharp's native memory and Buffers (measured: Dockerfile comment).
    expect(memoryMiB - heapMiB).to.be.at.least(768);
  });

  it('send every file the image build copies, and nothing else', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    const allowed = read('.dockerignore')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    expect(read('.dockerignore')).to.match(/^\*$/m);
    expect([...new Set(copied)].sort()).to.deep.equal([...allowed].sort());
  });

  it('give the service a configuration it starts with, secrets from Secret Manager', () => {
    const values: Record<string, string> = {
      ...sub,
      PROJECT_ID: 'demo-project',
      _BUCKET: 'demo-project-images',
      _PUBLIC_URL: 'https://image-studio-mcp-123.europe-west1.run.app',
      _OAUTH_CLIENT_ID: '123.apps.googleusercontent.com',
      _ALLOWED_EMAILS: 'ada@example.com,bob@example.com',
      _ADMIN_EMAILS: 'root@example.com',
    };
    const envFlag = substitute(flag('set-env-vars') ?? '', values);
    expect(envFlag.startsWith('^##^')).to.equal(true);
    const env = Object.fromEntries(envFlag.slice(4).split('##').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    const secrets = substitute(flag('set-secrets') ?? '', values).split(',').map((pair) => pair.split('=')[0]!);
    expect(secrets).to.have.members(['GEMINI_API_KEY', 'GOOGLE_OAUTH_CLIENT_SECRET', 'IMG_JWT_SIGNING_KEY']);
    expect(Object.keys(env)).to.not.include.members(secrets);
    const secretValues = { GEMINI_API_KEY: 'k', GOOGLE_OAUTH_CLIENT_SECRET: 's', IMG_JWT_SIGNING_KEY: 'x'.repeat(40) };
    let config;
    try {
      config = loadConfig({ ...env, ...secretValues, K_SERVICE: sub._SERVICE, PORT: '8080' }, '/app');
    } catch (err) {
      throw new Error(err instanceof ConfigError ? err.message : String(err));
    }
    expect(config.store.kind).to.equal('cloud');
    expect(config.auth).to.include({ kind: 'sign-in', firebaseProject: 'demo-project' });
    expect(config.auth.kind === 'sign-in' && config.auth.allowedEmails).to.deep.equal(['ada@example.com', 'bob@example.com']);
  });

  it('keep the CPU after a response, so generations whose client left still finish', () => {
    expect(deployArgs).to.include('--no-cpu-throttling');
  });

  it('cover a 4K Pro generation with retries in the request timeout', () => {
    const timeoutSeconds = Number(/^(\d+)s$/.exec(sub._TIMEOUT ?? '')?.[1]);
    const config = loadConfig({ GEMINI_API_KEY: 'k', IMG_AUTH_DISABLED: '1' }, '/app');
    expect(flag('timeout')).to.equal('${_TIMEOUT}');
    expect(timeoutSeconds * 1000).to.be.at.least(config.gemini.timeoutMs * (config.gemini.maxRetries + 1));
  });

  it('list every variable the server reads in .env.example', () => {
    const example = read('.env.example');
    const read_ = [...read('server/config.ts').matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    // The per-alias variables are made from the aliases and sizes.
    const perAlias = MODEL_ALIASES.map((alias) => alias.toUpperCase()).flatMap((alias) => [`IMG_MODEL_${alias}`, `IMG_TOKEN_PRICES_${alias}`, ...IMAGE_SIZES.map((size) => `IMG_COST_${alias}_${size}`)]);
    expect(read_.length).to.be.greaterThan(15);
    expect([...read_, ...perAlias].filter((name) => !new RegExp(`\\b${name}=`).test(example))).to.deep.equal([]);
  });

  it("state the catalogue's models, order and prices in README and .env.example", () => {
    const readme = read('README.md');
    const example = read('.env.example');
    const catalogue = buildCatalogue();
    for (const alias of MODEL_ALIASES) {
      const ids = catalogue[alias].candidates.map((m) => m.id);
      expect(example, alias).to.include(`IMG_MODEL_${alias.toUpperCase()}=${ids.join(',')}`);
      for (const model of catalogue[alias].candidates) {
        const row = readme.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${model.id}\``));
        expect(row, model.id).to.be.a('string');
        // | alias | model | 512 | 1K | 2K | 4K | …, a price as "$0.050" or "—"
        const cells = row!.split('|').map((cell) => cell.trim()).slice(3, 7);
        expect(cells.map((cell) => (cell === '—' ? undefined : Number(cell.replace('$', '')))), model.id).to.deep.equal(IMAGE_SIZES.map((size) => model.pricesUsd[size]));
      }
    }
  });

  it('run one Node major everywhere: the image, Cloud Build, CI and package.json', () => {
    const major = /^>=(\d+)$/.exec(packageJson.engines.node)?.[1];
    const images = [...dockerfile.matchAll(/^FROM node:(\S+)/gm)].map((m) => m[1]!);
    const steps = cloudbuild.steps.filter((s) => s.name.startsWith('node:')).map((s) => s.name.slice('node:'.length));
    expect(major).to.be.a('string');
    expect(images).to.have.length(2);
    expect(steps).to.have.length.greaterThan(0);
    for (const tag of [...images, ...steps]) expect(tag.split('-')[0], tag).to.equal(major);
    expect(read('.ci/run')).to.include(`node@${major}`);
  });

  it('test with the same command CI runs before building anything', () => {
    const test = cloudbuild.steps[0];
    expect(test?.id).to.equal('test');
    expect(test?.args?.join(' ')).to.include('bash .ci/run');
  });
});
