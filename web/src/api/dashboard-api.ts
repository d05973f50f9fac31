/** The dashboard's calls, one function per endpoint. */
import { apiBlob, apiRequest, apiUpload, type Session } from './client.js';
import type { Budget, BudgetUpdate, Costs, Generation, GenerationFilter, GenerationPage, GenerationSummary, Me, ModelAlias, Upload, UploadList, Usage } from './types.js';

export const PAGE_SIZE = 24;

export function fetchMe(session: Session): Promise<Me> {
  return apiRequest<Me>(session, '/api/me');
}

export function saveDefaultModel(session: Session, model: ModelAlias): Promise<{ defaultModel: ModelAlias }> {
  return apiRequest(session, '/api/me/default-model', { method: 'PUT', body: { model } });
}

export function fetchCosts(session: Session, months?: number): Promise<Costs> {
  return apiRequest<Costs>(session, months === undefined ? '/api/costs' : `/api/costs?months=${months}`);
}

/** Admins only. */
export function saveBudget(session: Session, email: string, update: BudgetUpdate): Promise<Budget> {
  return apiRequest<Budget>(session, `/api/users/${encodeURIComponent(email)}/budget`, { method: 'PUT', body: update });
}

function filterQuery(user: string, filter: GenerationFilter): URLSearchParams {
  const query = new URLSearchParams({ user });
  for (const [key, value] of Object.entries(filter)) if (value) query.set(key, String(value));
  return query;
}

export function fetchGenerations(session: Session, user: string, cursor?: string, filter: GenerationFilter = {}): Promise<GenerationPage> {
  const query = filterQuery(user, filter);
  query.set('limit', String(PAGE_SIZE));
  if (cursor) query.set('cursor', cursor);
  return apiRequest<GenerationPage>(session, `/api/generations?${query}`);
}

export function fetchGenerationSummary(session: Session, user: string, filter: GenerationFilter = {}): Promise<GenerationSummary> {
  return apiRequest<GenerationSummary>(session, `/api/generations/summary?${filterQuery(user, filter)}`);
}

/** One image by title (its owner or an admin). */
export function fetchGeneration(session: Session, name: string): Promise<Generation> {
  return apiRequest<Generation>(session, `/api/generations/${encodeURIComponent(name)}`);
}

export function deleteGeneration(session: Session, name: string): Promise<void> {
  return apiRequest<void>(session, `/api/generations/${encodeURIComponent(name)}`, { method: 'DELETE' });
}

export function fetchUsage(session: Session): Promise<Usage> {
  return apiRequest<Usage>(session, '/api/usage');
}

/** The caller's own uploaded reference photos. */
export function fetchUploads(session: Session): Promise<UploadList> {
  return apiRequest<UploadList>(session, '/api/uploads');
}

/** Uploads a photo (the file's bytes as they are); the server reads its type from them. */
export function uploadPhoto(session: Session, file: Blob, onProgress?: (fraction: number) => void): Promise<Upload> {
  return apiUpload<Upload>(session, '/api/uploads', file, onProgress);
}

export function deleteUpload(session: Session, title: string): Promise<void> {
  return apiRequest<void>(session, `/api/uploads/${encodeURIComponent(title)}`, { method: 'DELETE' });
}

/** An upload's thumbnail (Upload.thumbnailPath), fetched with the caller's token. */
export function fetchUploadThumbnail(session: Session, upload: Upload): Promise<Blob> {
  return apiBlob(session, upload.thumbnailPath);
}
