/**
 * The generate use-case, as a job: choose the model → check the options against it → **start
 * the job** (its title, its status `generating` in the record store, the estimate reserved
 * against the user's monthly budget; or join an identical job still generating) → load
 * references → Gemini (moving to the alias's next model if Gemini no longer serves this one) →
 * derive preview and thumbnail → store the image → finish the job with its record. Either all
 * of it happens, or nothing is stored: a failed record write removes the image again, and the
 * job is marked failed. Answers never lie about money: a failure before Gemini is called says
 * nothing was spent, and a record write whose outcome is unknown says so, with the title to look
 * it up by, never "nothing was stored".
 *
 * The job runs to its end whatever the caller does once Gemini is working (the image is paid
 * for, so it must be findable); a caller that leaves before that stops it, and nothing is spent.
 * While it runs its instance renews its lease; if the instance dies, the lease passes and the
 * job reads as failed, holding and costing nothing.
 */
import { createHash } from 'node:crypto';
import { BudgetExceededError, effectiveLimit, monthResetsAt, type MonthSpend } from '../core/budget.js';
import { AppError, invalidArgument, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import { costFromUsage, imageCostUsd } from '../core/cost.js';
import { acceptsOptions, checkOptions, chooseModel, formatUsd, priceUsd, type Catalogue, type ImageModel } from '../core/models.js';
import { isUploadName, newImageName, parseReferenceImage, type ImageName } from '../core/names.js';
import { MAX_REFERENCE_IMAGES, type AspectRatio, type ImageSize } from '../core/options.js';
import { ModelUnavailableError, billedUsageOf, type GeneratedImage, type ImageGenerator, type ReferenceImage } from '../gemini/image-generator.js';
import type { ImageStore } from '../images/image-store.js';
import { WriteOutcomeUnknownError, type GenerationJob, type GenerationRecord, type RecordStore, type UserPrefs } from '../records/record-store.js';
import { decodeImage, makeSmallImages, referenceForUpload } from './image-derivatives.js';
import type { ModelResolver } from './model-resolver.js';

export interface GenerationDeps {
  readonly catalogue: Catalogue;
  /** Which model of an alias Gemini serves now. */
  readonly models: ModelResolver;
  readonly generator: ImageGenerator;
  readonly images: ImageStore;
  readonly records: RecordStore;
  readonly publicUrl: string;
  readonly logger: Logger;
  readonly now?: () => Date;
  /**
   * How long a record write may take before its outcome is reported as unknown; also how long
   * after that the server looks again, to remove the image if the record never landed.
   */
  readonly recordDeadlineMs?: number;
  /** Every user's monthly limit in USD unless an admin set theirs (IMG_MONTHLY_BUDGET_USD). */
  readonly monthlyBudgetUsd?: number;
  /** How long a job's lease lasts; its instance renews it at a third of that. Default 30 s. */
  readonly jobLeaseMs?: number;
}

export interface GenerationInput {
  /** Lowercased email of the person the generation is for. */
  readonly email: string;
  readonly prompt: string;
  readonly aspectRatio: AspectRatio;
  readonly imageSize: ImageSize;
  /** Only when the human asked for a model; otherwise the user's default applies. */
  readonly model?: string;
  readonly referenceImages: readonly string[];
}

export interface Generation {
  readonly record: GenerationRecord;
  readonly model: ImageModel;
  /** JPEG bytes for the inline preview. */
  readonly preview: Buffer;
  /** Any text Gemini returned beside the image. */
  readonly modelText?: string;
}

/** Stages reported while a generation runs, for progress notifications. */
export type GenerationStage =
  | { stage: 'references'; count: number }
  | { stage: 'generating'; model: ImageModel; imageSize: ImageSize; aspectRatio: AspectRatio }
  | { stage: 'retrying'; attempt: number; delayMs: number; reason: string }
  | { stage: 'saving' };

/** A generation with its title: started here, or joined (an identical one was already generating). */
export interface StartedGeneration {
  readonly name: ImageName;
  readonly joined: boolean;
  /** The monthly limit that applies to the caller, if any (for "this month: $x of $y"). */
  readonly limitUsd?: number;
  /**
   * The generation once it ends, waiting at most `ms`: undefined if it is still generating
   * then. Rejects with the generation's failure (an AppError).
   */
  wait(ms: number): Promise<Generation | undefined>;
}

export interface StartOptions {
  /** The caller went away: stop if Gemini has not been called yet (nothing is then spent). */
  readonly signal?: AbortSignal;
  readonly onStage?: (stage: GenerationStage) => void;
}

/**
 * The generations of this process: starts them as jobs, lets identical calls join, and knows
 * which are still running (for SIGTERM's drain). Joins and waits across instances go through
 * the record store.
 */
export class Generations {
  private readonly running = new Map<ImageName, Promise<Generation>>();

  constructor(private readonly deps: GenerationDeps) {}

  /**
   * Resolves once the generation has its title (the model chosen, the options checked, the
   * budget reserved); rejects, having spent nothing, if any of that fails.
   */
  async start(input: GenerationInput, options: StartOptions = {}): Promise<StartedGeneration> {
    const { deps } = this;
    // The user's default model and own limit, in one read.
    const prefs = await beforeGemini(() => deps.records.prefs(input.email));
    const prepared = await prepare(deps, input, prefs);
    const limitUsd = effectiveLimit(prefs.monthlyBudgetUsd, deps.monthlyBudgetUsd);
    const now = deps.now?.() ?? new Date();
    const job: GenerationJob = {
      name: newImageName(),
      email: input.email,
      status: 'generating',
      requestKey: prepared.requestKey,
      prompt: input.prompt,
      modelAlias: prepared.model.alias,
      modelId: prepared.model.id,
      imageSize: input.imageSize,
      aspectRatio: input.aspectRatio,
      referenceNames: prepared.referenceNames,
      startedAt: now.toISOString(),
      leaseUntil: new Date(Date.now() + this.leaseMs()).toISOString(),
      reservedUsd: priceUsd(prepared.model, input.imageSize),
    };
    const started = await beforeGemini(() =>
      deps.records.startJob(job, limitUsd).catch((err: unknown) => {
        throw err instanceof BudgetExceededError ? budgetRefusal(err) : err;
      }),
    );
    const withLimit = limitUsd === undefined ? {} : { limitUsd };
    if (started.joined) {
      deps.logger.info('joined a generation in flight', { email: input.email, name: started.job.name });
      const local = this.running.get(started.job.name);
      return { name: started.job.name, joined: true, ...withLimit, wait: (ms) => (local ? within(local, ms) : this.watch(started.job.name, ms)) };
    }
    const run = this.run(prepared, job, options);
    this.running.set(job.name, run);
    run.then(
      () => this.running.delete(job.name),
      () => this.running.delete(job.name),
    );
    return { name: job.name, joined: false, ...withLimit, wait: (ms) => within(run, ms) };
  }

  /** Resolves when every generation running here has ended, or after `ms`, whichever is first. */
  async drain(ms: number): Promise<void> {
    await within(Promise.allSettled([...this.running.values()]), ms);
  }

  /** How many generations are running in this process. */
  get inFlight(): number {
    return this.running.size;
  }

  private leaseMs(): number {
    return this.deps.jobLeaseMs ?? DEFAULT_JOB_LEASE_MS;
  }

  /** Runs a started job to its end, renewing its lease meanwhile; a failure marks the job failed. */
  private async run(prepared: Prepared, job: GenerationJob, options: StartOptions): Promise<Generation> {
    const { deps } = this;
    const leaseMs = this.leaseMs();
    const renew = setInterval(() => {
      deps.records.renewJob(job.name, new Date(Date.now() + leaseMs).toISOString()).catch((err: unknown) => deps.logger.warn('could not renew a generation lease', { name: job.name, err }));
    }, Math.max(1, Math.floor(leaseMs / 3)));
    renew.unref();
    const started = Date.now();
    let model: ImageModel | undefined;
    const fields = () => ({ email: job.email, model: model?.alias, modelId: model?.id, imageSize: job.imageSize, aspectRatio: job.aspectRatio, references: job.referenceNames.length, latencyMs: Date.now() - started });
    try {
      const generation = await generate(deps, prepared, job, options.signal, (stage) => {
        if (stage.stage === 'generating') model = stage.model;
        options.onStage?.(stage);
      });
      const { record } = generation;
      deps.logger.info('image generated', { ...fields(), outcome: 'OK', name: record.name, costUsd: record.costUsd, bytes: record.bytes });
      return generation;
    } catch (err) {
      const appError = toAppError(err);
      deps.logger.info('image generation failed', { ...fields(), outcome: appError.status, name: job.name });
      // An unknown record write may still land: its job ends with it, or fails when its lease passes.
      if (!(err instanceof RecordOutcomeUnknown)) {
        // Gemini answered without an image but billed what it read and thought: counted, and said.
        const usage = billedUsageOf(err);
        const billed = usage && model ? costFromUsage(model.tokenPricesUsdPerMillion, usage) : undefined;
        await deps.records.failJob(job.name, appError.publicMessage, billed || undefined).catch((e: unknown) => deps.logger.warn('could not mark a generation failed', { name: job.name, err: e }));
      }
      throw appError;
    } finally {
      clearInterval(renew);
    }
  }

  /** Follows a job that runs elsewhere through the record store, for at most `ms`. */
  private async watch(name: ImageName, ms: number): Promise<Generation | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const record = await this.deps.records.get(name);
      if (record) return storedGeneration(this.deps, record);
      const job = await this.deps.records.getJob(name);
      if (!job) return undefined;
      if (job.status === 'failed') throw new AppError('UNAVAILABLE', job.failure ?? 'The generation failed.');
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, Math.min(WATCH_INTERVAL_MS, left)));
    }
  }
}

/** The job's lease: long enough to ride out a slow store call, short enough that a dead job is soon seen as failed. */
const DEFAULT_JOB_LEASE_MS = 30_000;
const WATCH_INTERVAL_MS = 1000;

/** A finished generation read back from the stores (it ran on another instance). */
async function storedGeneration(deps: GenerationDeps, record: GenerationRecord): Promise<Generation> {
  const png = await deps.images.read(record.name, 'image');
  const { preview } = await makeSmallImages(png);
  const model = deps.catalogue[record.modelAlias].candidates.find((m) => m.id === record.modelId) ?? { ...deps.catalogue[record.modelAlias].candidates[0]!, id: record.modelId };
  return { record, model, preview };
}

function budgetRefusal(err: BudgetExceededError): AppError {
  return new AppError(
    'RESOURCE_EXHAUSTED',
    `This would pass your monthly budget: ${spentText(err.spend, err.limitUsd)} (this image is estimated at ${formatUsd(err.estimateUsd)}). ` +
      `It resets on ${monthResetsAt(err.spend.month).slice(0, 10)}; an admin can raise your budget.`,
  );
}

/** "this month: $0.134 of $0.200 spent" (in-flight reservations included, when there are any). */
export function spentText(spend: MonthSpend, limitUsd: number): string {
  const held = spend.reservedUsd > 0 ? `, ${formatUsd(spend.reservedUsd)} more held by generations in progress` : '';
  return `this month ${formatUsd(spend.spentUsd)} of ${formatUsd(limitUsd)} spent${held}`;
}

/** `promise`, or undefined once `ms` passes (the promise runs on). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

interface Prepared {
  readonly input: GenerationInput;
  readonly referenceNames: ImageName[];
  readonly model: ImageModel;
  /** The caller and the arguments, hashed: identical calls join. */
  readonly requestKey: string;
  /** The model again, for a retry after Gemini stopped serving the first one. */
  readonly pickModel: () => Promise<ImageModel>;
}

/** Everything checked before a job starts: nothing is stored or spent if any of it fails. */
async function prepare(deps: GenerationDeps, input: GenerationInput, prefs: UserPrefs): Promise<Prepared> {
  if (input.referenceImages.length > MAX_REFERENCE_IMAGES) {
    throw invalidArgument(`Too many reference images: ${input.referenceImages.length}; at most ${MAX_REFERENCE_IMAGES} are accepted.`);
  }
  const referenceNames = [...new Set(input.referenceImages.map((ref) => parseReferenceImage(ref, deps.publicUrl)))];
  await beforeGemini(() => checkUploadOwners(deps.records, input.email, referenceNames));
  const options = { imageSize: input.imageSize, aspectRatio: input.aspectRatio, referenceCount: referenceNames.length };
  let choice: ReturnType<typeof chooseModel> | undefined;
  // Of the alias's served models, the first that takes these options (a 512 px draft may need an older one).
  const pickModel = async () => {
    choice ??= chooseModel(deps.catalogue, input.model, input.model === undefined ? prefs.defaultModel : undefined);
    const picked = await deps.models.resolve(choice, (m) => acceptsOptions(m, options));
    checkOptions(picked, options);
    return picked;
  };
  const model = await beforeGemini(pickModel);
  const requestKey = createHash('sha256')
    .update(JSON.stringify([input.email, input.prompt, input.aspectRatio, input.imageSize, input.model ?? null, referenceNames]))
    .digest('base64url');
  return { input, referenceNames, model, requestKey, pickModel };
}

async function generate(deps: GenerationDeps, prepared: Prepared, job: GenerationJob, signal: AbortSignal | undefined, onStage: (stage: GenerationStage) => void): Promise<Generation> {
  const { input, referenceNames } = prepared;
  const references = await beforeGemini(async () => {
    if (referenceNames.length > 0) onStage({ stage: 'references', count: referenceNames.length });
    const loaded = await Promise.all(referenceNames.map((name) => loadReference(deps.images, name)));
    if (signal?.aborted) throw new AppError('CANCELLED', 'The request was cancelled before Gemini was called.');
    return loaded;
  });
  let model = prepared.model;

  // A model retired since the line-up was read answers NOT_FOUND (nothing generated, nothing
  // billed): reported, it is skipped, so the same call moves to the next candidate, and
  // resolve() throws once none is left.
  let generated: GeneratedImage | undefined;
  while (!generated) {
    onStage({ stage: 'generating', model, imageSize: input.imageSize, aspectRatio: input.aspectRatio });
    try {
      generated = await deps.generator.generate(
        { modelId: model.id, prompt: input.prompt, aspectRatio: input.aspectRatio, imageSize: input.imageSize, references },
        { onRetry: (info) => onStage({ stage: 'retrying', ...info }), ...(signal ? { signal } : {}) },
      );
    } catch (err) {
      if (!(err instanceof ModelUnavailableError)) throw err;
      deps.models.reportMissing(model.id);
      model = await beforeGemini(prepared.pickModel);
    }
  }

  onStage({ stage: 'saving' });
  const decoded = await decodeImage(generated.data);
  // The preview and thumbnail are made while the PNG is being stored (see ImageStore.save).
  const small = makeSmallImages(decoded.png);
  small.catch(() => {}); // its failure surfaces through save and the await below
  const record: GenerationRecord = {
    name: job.name,
    email: input.email,
    prompt: input.prompt,
    modelId: model.id,
    modelAlias: model.alias,
    imageSize: input.imageSize,
    aspectRatio: input.aspectRatio,
    referenceNames,
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
    // What Gemini billed (its reported tokens at the model's rates), else the list price.
    costUsd: imageCostUsd(model, input.imageSize, generated.usage),
    usage: generated.usage,
    width: decoded.width,
    height: decoded.height,
    bytes: decoded.png.length,
  };
  await store(deps, record, decoded.png, small);
  return { record, model, preview: (await small).preview, modelText: generated.text };
}

/**
 * Runs what comes before Gemini is called. A failure there has cost nothing, and the answer
 * says so: the user may try again without paying twice. (Mistakes in the request need no
 * such reassurance: they say what to change.)
 */
async function beforeGemini<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    const appError = toAppError(err);
    if (appError.status === 'INVALID_ARGUMENT' || appError.status === 'NOT_FOUND') throw appError;
    throw new AppError(appError.status, `${appError.publicMessage} Nothing was generated, so nothing was spent.`, {
      cause: appError.cause ?? err,
      ...(appError.logMessage === undefined ? {} : { logMessage: appError.logMessage }),
    });
  }
}

/**
 * An upload is its owner's alone: for anyone else it does not exist, with the same answer as
 * a missing image (so nobody learns that a title is someone's upload). The one place this is
 * checked; generations are usable by title as before.
 */
async function checkUploadOwners(records: RecordStore, email: string, names: readonly ImageName[]): Promise<void> {
  for (const name of names.filter(isUploadName)) {
    const upload = await records.getUpload(name);
    if (upload?.email !== email) throw referenceNotFound(name);
  }
}

function referenceNotFound(name: ImageName): AppError {
  return invalidArgument(`Reference image ${name} was not found. Use the title of an image generated on this server, or of a photo you uploaded.`);
}

async function loadReference(images: ImageStore, name: ImageName): Promise<ReferenceImage> {
  try {
    return { name, ...(await referenceForUpload(await images.read(name, 'image'))) };
  } catch (err) {
    if (err instanceof AppError && err.status === 'NOT_FOUND') {
      throw referenceNotFound(name);
    }
    throw err;
  }
}

async function store(deps: GenerationDeps, record: GenerationRecord, png: Buffer, small: Promise<{ thumbnail: Buffer }>): Promise<void> {
  const failed = (err: unknown) =>
    new AppError('UNAVAILABLE', 'The image was generated but could not be saved, so nothing was stored. Please try again.', {
      cause: err,
    });
  try {
    await deps.images.save(record.name, { png, thumbnail: small.then((s) => s.thumbnail) });
  } catch (err) {
    // An image that could not be scaled down says so itself; anything else is a storage failure.
    const unreadable = await small.then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    throw unreadable ?? failed(err);
  }

  const removeImage = () =>
    deps.images.remove(record.name).catch((err: unknown) =>
      deps.logger.error('could not remove an image whose record failed', { name: record.name, err }),
    );
  const deadlineMs = deps.recordDeadlineMs ?? DEFAULT_RECORD_DEADLINE_MS;
  const commit = deps.records.finishJob(record);
  const outcome = await settleWithin(commit, deadlineMs);
  if (outcome.state === 'fulfilled') return;
  if (outcome.state === 'rejected' && !(outcome.reason instanceof WriteOutcomeUnknownError)) {
    await removeImage();
    throw failed(outcome.reason);
  }

  // The write may have landed, or may still land. A record must never point at a missing
  // image, so the image stays until the record is known to be absent: once the write settles,
  // or, if its outcome stays unknown, when a read a deadline later does not find it. If that
  // read fails too, the image stays: without a record nobody can see it, and nothing is counted.
  const lookAgain = () =>
    setTimeout(() => {
      deps.records.get(record.name).then(
        (found) => (found ? landed() : void removeImage()),
        (err: unknown) => deps.logger.warn('could not check whether a record landed; its image stays', { name: record.name, err }),
      );
    }, deadlineMs).unref();
  const landed = () => deps.logger.warn('a record write landed after its deadline; the image is stored after all', { name: record.name });
  if (outcome.state === 'pending') {
    commit.then(landed, (err: unknown) => (err instanceof WriteOutcomeUnknownError ? lookAgain() : void removeImage()));
  } else {
    lookAgain();
  }
  deps.logger.warn('a record write has an unknown outcome', { name: record.name, cause: outcome.state === 'pending' ? 'deadline' : outcome.reason });
  throw new RecordOutcomeUnknown(
    `The image "${record.name}" was generated and stored, but the record store did not confirm its record in time, ` +
      'so it is not yet known whether it was saved and counted. Do not generate it again: in a minute, call image_info ' +
      `with "${record.name}"; if it is there, the image is yours at ${deps.publicUrl}/i/${record.name}.`,
  );
}

/** The record write of a generated image may or may not have landed: the job is left to its lease. */
class RecordOutcomeUnknown extends AppError {
  constructor(message: string) {
    super('UNAVAILABLE', message);
  }
}

/** Record stores can hang when unreachable (Firestore's client waits for minutes). */
const DEFAULT_RECORD_DEADLINE_MS = 20_000;

type Settled<T> = { state: 'fulfilled'; value: T } | { state: 'rejected'; reason: unknown } | { state: 'pending' };

function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ state: 'pending' }), ms);
  });
  const settled = promise.then(
    (value): Settled<T> => ({ state: 'fulfilled', value }),
    (reason: unknown): Settled<T> => ({ state: 'rejected', reason }),
  );
  return Promise.race([settled, deadline]).finally(() => clearTimeout(timer));
}
