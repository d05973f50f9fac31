/**
 * The generate use-case: choose the model → check the options against it → load references →
 * Gemini (moving to the alias's next model if Gemini no longer serves this one) → derive
 * preview and thumbnail → store the image → commit the record. Either all of it happens, or
 * nothing is stored: a failed record write removes the image again. Answers never lie about
 * money: a failure before Gemini is called says nothing was spent, and a record write whose
 * outcome is unknown says so, with the title to look it up by, never "nothing was stored".
 */
import { AppError, invalidArgument, toAppError } from '../errors.js';
import type { Logger } from '../log.js';
import { acceptsOptions, checkOptions, chooseModel, priceUsd, type Catalogue, type ImageModel } from '../core/models.js';
import { newImageName, parseImageReference, type ImageName } from '../core/names.js';
import { MAX_REFERENCE_IMAGES, type AspectRatio, type ImageSize } from '../core/options.js';
import { ModelUnavailableError, type GeneratedImage, type ImageGenerator, type ReferenceImage } from '../gemini/image-generator.js';
import type { ImageStore } from '../images/image-store.js';
import { WriteOutcomeUnknownError, type GenerationRecord, type RecordStore } from '../records/record-store.js';
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

/** Runs one generation and logs one line for it: who, model, size, latency, cost and outcome. */
export async function generateImage(
  deps: GenerationDeps,
  input: GenerationInput,
  onStage: (stage: GenerationStage) => void = () => {},
): Promise<Generation> {
  const started = Date.now();
  let model: ImageModel | undefined;
  const fields = () => ({ email: input.email, model: model?.alias, modelId: model?.id, imageSize: input.imageSize, aspectRatio: input.aspectRatio, references: input.referenceImages.length, latencyMs: Date.now() - started });
  try {
    const generation = await generate(deps, input, (stage) => {
      if (stage.stage === 'generating') model = stage.model;
      onStage(stage);
    });
    const { record } = generation;
    deps.logger.info('image generated', { ...fields(), outcome: 'OK', name: record.name, costUsd: record.costUsd, bytes: record.bytes });
    return generation;
  } catch (err) {
    deps.logger.info('image generation failed', { ...fields(), outcome: toAppError(err).status });
    throw err;
  }
}

async function generate(deps: GenerationDeps, input: GenerationInput, onStage: (stage: GenerationStage) => void): Promise<Generation> {
  if (input.referenceImages.length > MAX_REFERENCE_IMAGES) {
    throw invalidArgument(`Too many reference images: ${input.referenceImages.length}; at most ${MAX_REFERENCE_IMAGES} are accepted.`);
  }
  const referenceNames = [...new Set(input.referenceImages.map((ref) => parseImageReference(ref, deps.publicUrl)))];
  const options = { imageSize: input.imageSize, aspectRatio: input.aspectRatio, referenceCount: referenceNames.length };
  let choice: ReturnType<typeof chooseModel> | undefined;
  // Of the alias's served models, the first that takes these options (a 512 px draft may need an older one).
  const pickModel = async () => {
    choice ??= chooseModel(deps.catalogue, input.model, input.model === undefined ? (await deps.records.prefs(input.email)).defaultModel : undefined);
    const picked = await deps.models.resolve(choice, (m) => acceptsOptions(m, options));
    checkOptions(picked, options);
    return picked;
  };
  const { model: first, references } = await beforeGemini(async () => {
    const model = await pickModel();
    if (referenceNames.length > 0) onStage({ stage: 'references', count: referenceNames.length });
    return { model, references: await Promise.all(referenceNames.map((name) => loadReference(deps.images, name))) };
  });
  let model = first;

  // A model retired since the line-up was read answers NOT_FOUND (nothing generated, nothing
  // billed): reported, it is skipped, so the same call moves to the next candidate, and
  // resolve() throws once none is left.
  let generated: GeneratedImage | undefined;
  while (!generated) {
    onStage({ stage: 'generating', model, imageSize: input.imageSize, aspectRatio: input.aspectRatio });
    try {
      generated = await deps.generator.generate(
        { modelId: model.id, prompt: input.prompt, aspectRatio: input.aspectRatio, imageSize: input.imageSize, references },
        { onRetry: (info) => onStage({ stage: 'retrying', ...info }) },
      );
    } catch (err) {
      if (!(err instanceof ModelUnavailableError)) throw err;
      deps.models.reportMissing(model.id);
      model = await beforeGemini(pickModel);
    }
  }

  onStage({ stage: 'saving' });
  const decoded = await decodeImage(generated.data);
  // The preview and thumbnail are made while the PNG is being stored (see ImageStore.save).
  const small = makeSmallImages(decoded.png);
  small.catch(() => {}); // its failure surfaces through save and the await below
  const name = newImageName();
  const record: GenerationRecord = {
    name,
    email: input.email,
    prompt: input.prompt,
    modelId: model.id,
    modelAlias: model.alias,
    imageSize: input.imageSize,
    aspectRatio: input.aspectRatio,
    referenceNames,
    createdAt: (deps.now?.() ?? new Date()).toISOString(),
    costUsd: priceUsd(model, input.imageSize),
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

async function loadReference(images: ImageStore, name: ImageName): Promise<ReferenceImage> {
  try {
    return { name, ...(await referenceForUpload(await images.read(name, 'image'))) };
  } catch (err) {
    if (err instanceof AppError && err.status === 'NOT_FOUND') {
      throw invalidArgument(`Reference image ${name} was not found. Use the title of an image generated on this server.`);
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
  const commit = deps.records.commit(record);
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
  throw new AppError(
    'UNAVAILABLE',
    `The image "${record.name}" was generated and stored, but the record store did not confirm its record in time, ` +
      'so it is not yet known whether it was saved and counted. Do not generate it again: in a minute, call image_info ' +
      `with "${record.name}"; if it is there, the image is yours at ${deps.publicUrl}/i/${record.name}.`,
  );
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
