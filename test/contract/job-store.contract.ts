/**
 * The behaviour every RecordStore must have for generation jobs and monthly budgets. Each
 * implementation's test file calls `jobStoreContract` with a factory for a fresh, empty store.
 */
import { expect } from 'chai';
import { BudgetExceededError } from '../../server/core/budget.js';
import { newImageName } from '../../server/core/names.js';
import type { GenerationJob, RecordStore } from '../../server/records/record-store.js';
import { sampleRecord } from './record-store.contract.js';

const NOW = Date.now();
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

export function sampleJob(overrides: Partial<GenerationJob> = {}): GenerationJob {
  return {
    name: newImageName(),
    email: 'ada@example.com',
    status: 'generating',
    requestKey: `key-${Math.random().toString(36).slice(2)}`,
    prompt: 'a lighthouse at dusk',
    modelAlias: 'flash',
    modelId: 'gemini-3.1-flash-image',
    imageSize: '1K',
    aspectRatio: '1:1',
    referenceNames: [],
    startedAt: new Date(NOW).toISOString(),
    leaseUntil: inMs(60_000),
    reservedUsd: 0.067,
    ...overrides,
  };
}

const month = new Date(NOW).toISOString().slice(0, 7);

async function refusal(promise: Promise<unknown>): Promise<BudgetExceededError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected BudgetExceededError').to.be.instanceOf(BudgetExceededError);
  return err as BudgetExceededError;
}

export function jobStoreContract(label: string, makeStore: () => Promise<RecordStore>): void {
  describe(`RecordStore jobs and budgets contract: ${label}`, () => {
    let store: RecordStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('creates a generating job that any reader finds, holding its estimate against the month', async () => {
      const job = sampleJob();
      expect(await store.startJob(job, undefined)).to.deep.equal({ joined: false });
      expect(await store.getJob(job.name)).to.deep.equal(job);
      expect((await store.listGenerating('ada@example.com')).map((j) => j.name)).to.deep.equal([job.name]);
      expect(await store.listGenerating('bob@example.com')).to.deep.equal([]);
      expect(await store.monthSpend('ada@example.com', month)).to.deep.equal({ month, spentUsd: 0, reservedUsd: 0.067 });
    });

    it('lists for the gallery the jobs generating and those failed since a time, not finished or others’ ones', async () => {
      const running = sampleJob({ startedAt: inMs(-3_000) });
      const failedLately = sampleJob({ startedAt: inMs(-2_000) });
      const failedLong = sampleJob({ startedAt: inMs(-1_000) });
      const finished = sampleJob();
      const bobs = sampleJob({ email: 'bob@example.com' });
      for (const job of [running, failedLately, failedLong, finished, bobs]) await store.startJob(job, undefined);
      await store.failJob(failedLong.name, 'Gemini refused the prompt.');
      const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
      await tick();
      const since = new Date().toISOString();
      await tick();
      await store.failJob(failedLately.name, 'Gemini refused the image.');
      await store.finishJob(sampleRecord({ name: finished.name }));
      const listed = await store.listJobs('ada@example.com', since);
      expect(listed.map((j) => [j.name, j.status])).to.deep.equal([
        [failedLately.name, 'failed'],
        [running.name, 'generating'],
      ]);
      expect(listed[0]?.failure).to.equal('Gemini refused the image.');
    });

    it('joins an identical generating job of the same user, and only that', async () => {
      const first = sampleJob({ requestKey: 'same' });
      await store.startJob(first, undefined);
      expect(await store.startJob(sampleJob({ requestKey: 'same' }), undefined)).to.deep.equal({ joined: true, job: first });
      expect(await store.startJob(sampleJob({ requestKey: 'other' }), undefined)).to.deep.equal({ joined: false });
      expect(await store.startJob(sampleJob({ requestKey: 'same', email: 'bob@example.com' }), undefined)).to.deep.equal({ joined: false });
      expect(await store.listGenerating('ada@example.com')).to.have.length(2);
    });

    it('refuses a job that would pass the monthly limit, writing nothing', async () => {
      const first = sampleJob();
      await store.startJob(first, 0.1);
      const err = await refusal(store.startJob(sampleJob(), 0.1));
      expect(err.limitUsd).to.equal(0.1);
      expect(err.spend).to.deep.equal({ month, spentUsd: 0, reservedUsd: 0.067 });
      expect((await store.listGenerating('ada@example.com')).map((j) => j.name)).to.deep.equal([first.name]);
      // Another user's limit is their own.
      expect(await store.startJob(sampleJob({ email: 'bob@example.com' }), 0.1)).to.deep.equal({ joined: false });
    });

    it('finishes a job with its record: the reservation becomes the real cost, in the record’s month', async () => {
      const job = sampleJob();
      await store.startJob(job, 0.1);
      const record = sampleRecord({ name: job.name, createdAt: new Date(NOW).toISOString(), costUsd: 0.05 });
      await store.finishJob(record);
      expect(await store.getJob(job.name)).to.equal(undefined);
      expect(await store.get(job.name)).to.deep.equal(record);
      expect(await store.listGenerating('ada@example.com')).to.deep.equal([]);
      expect(await store.monthSpend('ada@example.com', month)).to.deep.equal({ month, spentUsd: 0.05, reservedUsd: 0 });
      expect((await store.totals('ada@example.com')).costUsd).to.equal(0.05);
      // 0.05 spent: another 0.067 would pass 0.10.
      await refusal(store.startJob(sampleJob(), 0.1));
      expect(await store.startJob(sampleJob({ reservedUsd: 0.045 }), 0.1)).to.deep.equal({ joined: false });
    });

    it('counts records in the month they were made, and plain commits too', async () => {
      await store.commit(sampleRecord({ createdAt: '2026-10-31T23:59:59.000Z', costUsd: 0.134 }));
      await store.commit(sampleRecord({ createdAt: '2026-11-01T00:00:00.000Z', costUsd: 0.067 }));
      expect(await store.monthSpend('ada@example.com', '2026-10')).to.deep.equal({ month: '2026-10', spentUsd: 0.134, reservedUsd: 0 });
      expect((await store.monthSpend('ada@example.com', '2026-11')).spentUsd).to.equal(0.067);
    });

    it('fails a job: nothing held, nothing spent, unless Gemini billed tokens for it', async () => {
      const plain = sampleJob();
      const billed = sampleJob();
      await store.startJob(plain, undefined);
      await store.startJob(billed, undefined);
      await store.failJob(plain.name, 'Gemini refused the prompt.');
      await store.failJob(billed.name, 'Gemini refused the image.', 0.0012);
      const failed = await store.getJob(plain.name);
      expect(failed).to.include({ status: 'failed', failure: 'Gemini refused the prompt.' });
      expect(failed?.failedAt).to.be.a('string');
      expect(await store.getJob(billed.name)).to.include({ status: 'failed', costUsd: 0.0012 });
      expect(await store.listGenerating('ada@example.com')).to.deep.equal([]);
      expect(await store.monthSpend('ada@example.com', month)).to.deep.equal({ month, spentUsd: 0.0012, reservedUsd: 0 });
      const totals = await store.totals('ada@example.com');
      expect(totals.costUsd).to.equal(0.0012);
      expect(totals.imageCount).to.equal(0);
      // Spend in the month and on the day it failed, but no generation.
      const today = new Date().toISOString().slice(0, 10);
      expect((await store.userBudgets(month, 'ada@example.com'))[0]?.months).to.deep.equal({ [month]: { generatedCount: 0, costUsd: 0.0012 } });
      expect((await store.activity(today)).map((u) => u.days)).to.deep.equal([{ [today]: { generatedCount: 0, costUsd: 0.0012 } }]);
      // Failing again changes nothing.
      await store.failJob(billed.name, 'again', 1);
      expect((await store.totals('ada@example.com')).costUsd).to.equal(0.0012);
      expect((await store.activity(today))[0]?.days).to.deep.equal({ [today]: { generatedCount: 0, costUsd: 0.0012 } });
    });

    it('reads a job whose lease has passed as failed, holding nothing, and never joins it', async () => {
      const dead = sampleJob({ requestKey: 'k', leaseUntil: inMs(150) });
      await store.startJob(dead, 0.1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const read = await store.getJob(dead.name);
      expect(read?.status).to.equal('failed');
      expect(read?.failure).to.be.a('string');
      expect(await store.listGenerating('ada@example.com')).to.deep.equal([]);
      expect((await store.monthSpend('ada@example.com', month)).reservedUsd).to.equal(0);
      expect(await store.startJob(sampleJob({ requestKey: 'k' }), 0.1)).to.deep.equal({ joined: false });
    });

    it('keeps a job alive while its lease is renewed, and never brings back one whose lease passed', async () => {
      const job = sampleJob({ leaseUntil: inMs(1000) });
      await store.startJob(job, undefined);
      await store.renewJob(job.name, inMs(60_000));
      const dead = sampleJob({ leaseUntil: inMs(100) });
      await store.startJob(dead, undefined);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect((await store.getJob(job.name))?.status).to.equal('generating');
      await store.renewJob(dead.name, inMs(60_000));
      expect((await store.getJob(dead.name))?.status).to.equal('failed');
      await store.renewJob(newImageName(), inMs(60_000)); // a job that is gone: nothing happens
    });

    it('commits the record of a job that failed by its lease or is gone: the image exists and was paid for', async () => {
      const late = sampleJob({ leaseUntil: inMs(50) });
      await store.startJob(late, undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const record = sampleRecord({ name: late.name, createdAt: new Date().toISOString(), costUsd: 0.05 });
      await store.finishJob(record);
      expect(await store.get(late.name)).to.deep.equal(record);
      const orphan = sampleRecord({ createdAt: new Date().toISOString(), costUsd: 0.02 });
      await store.finishJob(orphan);
      expect(await store.get(orphan.name)).to.deep.equal(orphan);
      expect((await store.totals('ada@example.com')).costUsd).to.equal(0.07);
    });

    it('lets at most what fits through when concurrent jobs race for one limit', async () => {
      const jobs = Array.from({ length: 6 }, () => sampleJob());
      const outcomes = await Promise.allSettled(jobs.map((job) => store.startJob(job, 0.2)));
      const started = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof BudgetExceededError);
      expect(started.length, JSON.stringify(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o).reason)))).to.equal(2);
      expect(refused.length).to.equal(4);
      expect(await store.listGenerating('ada@example.com')).to.have.length(2);
      expect((await store.monthSpend('ada@example.com', month)).reservedUsd).to.equal(0.134);
    });

    it('gives concurrent identical calls one job', async () => {
      const outcomes = await Promise.all(Array.from({ length: 5 }, () => store.startJob(sampleJob({ requestKey: 'same' }), undefined)));
      const created = outcomes.filter((o) => !o.joined);
      expect(created).to.have.length(1);
      const generating = await store.listGenerating('ada@example.com');
      expect(generating).to.have.length(1);
      for (const o of outcomes) if (o.joined) expect(o.job.name).to.equal(generating[0]!.name);
    });

    it('keeps each user’s own monthly limit: a number, none (null), or the default (undefined)', async () => {
      expect((await store.prefs('ada@example.com')).monthlyBudgetUsd).to.equal(undefined);
      await store.setBudget('ada@example.com', 5);
      expect((await store.prefs('ada@example.com')).monthlyBudgetUsd).to.equal(5);
      await store.setBudget('ada@example.com', null);
      expect((await store.prefs('ada@example.com')).monthlyBudgetUsd).to.equal(null);
      await store.setBudget('ada@example.com', undefined);
      expect((await store.prefs('ada@example.com')).monthlyBudgetUsd).to.equal(undefined);
      expect((await store.prefs('bob@example.com')).monthlyBudgetUsd).to.equal(undefined);
      // Read with the preferences too (one read for a generation); preferences keep their own value.
      await store.setPrefs('ada@example.com', { defaultModel: 'pro' });
      await store.setBudget('ada@example.com', 2.5);
      expect(await store.prefs('ada@example.com')).to.deep.equal({ defaultModel: 'pro', monthlyBudgetUsd: 2.5 });
      await store.setPrefs('ada@example.com', {});
      expect(await store.prefs('ada@example.com')).to.deep.equal({ monthlyBudgetUsd: 2.5 });
    });

    it('gives each user with spend their totals, own limit and the month’s spend, or the one user asked for', async () => {
      await store.commit(sampleRecord({ email: 'bob@example.com', createdAt: new Date(NOW).toISOString(), costUsd: 0.05 }));
      await store.commit(sampleRecord({ createdAt: new Date(NOW).toISOString(), costUsd: 0.134 }));
      await store.setBudget('bob@example.com', 1);
      await store.setBudget('cy@example.com', null); // a limit, but no spend: not among users with spend
      await store.startJob(sampleJob({ reservedUsd: 0.067 }), undefined);
      const all = await store.userBudgets(month);
      expect(all.map((u) => [u.totals.email, u.totals.costUsd, u.setting, u.spend])).to.deep.equal([
        ['ada@example.com', 0.134, undefined, { month, spentUsd: 0.134, reservedUsd: 0.067 }],
        ['bob@example.com', 0.05, 1, { month, spentUsd: 0.05, reservedUsd: 0 }],
      ]);
      const [cy] = await store.userBudgets(month, 'cy@example.com');
      expect(cy).to.deep.equal({ totals: { email: 'cy@example.com', imageCount: 0, costUsd: 0, byModel: {} }, setting: null, spend: { month, spentUsd: 0, reservedUsd: 0 }, months: {} });
      expect(all[0]?.months).to.deep.equal({ [month]: { generatedCount: 1, costUsd: 0.134 } });
      expect((await store.userBudgets('2026-01', 'ada@example.com'))[0]?.spend).to.deep.equal({ month: '2026-01', spentUsd: 0, reservedUsd: 0 });
    });
  });
}
