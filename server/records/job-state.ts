/** How a stored generation job reads now, the same for every record store. Pure. */
import { JOB_LEASE_LOST, type GenerationJob } from './record-store.js';

/** Generating, and its instance still vouches for it. */
export function isAlive(job: GenerationJob, nowMs: number): boolean {
  return job.status === 'generating' && Date.parse(job.leaseUntil) > nowMs;
}

/** The job as it stands: one still marked generating past its lease died with its instance. */
export function settled(job: GenerationJob, nowMs: number): GenerationJob {
  if (job.status !== 'generating' || isAlive(job, nowMs)) return job;
  return { ...job, status: 'failed', failedAt: job.leaseUntil, failure: JOB_LEASE_LOST };
}

/** Generating (and alive), or failed at or after `since`: what the gallery shows. `job` is settled. */
export function isRecentJob(job: GenerationJob, nowMs: number, since: string): boolean {
  return isAlive(job, nowMs) || (job.status === 'failed' && (job.failedAt ?? job.startedAt) >= since);
}

/** Newest first, by start time, then by name. */
export function newestJobFirst(a: GenerationJob, b: GenerationJob): number {
  if (a.startedAt !== b.startedAt) return a.startedAt < b.startedAt ? 1 : -1;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}
