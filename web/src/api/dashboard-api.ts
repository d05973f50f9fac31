/** The dashboard's calls, one function per endpoint. */
import { apiRequest, type Session } from './client.js';
import type { Budget, BudgetUpdate, Costs, Generation, GenerationFilter, GenerationPage, GenerationSummary, Me, ModelAlias, Usage } from './types.js';

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
