/** The dashboard's calls, one function per endpoint. */
import { apiRequest, type Session } from './client.js';
import type { Costs, GenerationPage, Me, ModelAlias, Usage } from './types.js';

export const PAGE_SIZE = 24;

export function fetchMe(session: Session): Promise<Me> {
  return apiRequest<Me>(session, '/api/me');
}

export function saveDefaultModel(session: Session, model: ModelAlias): Promise<{ defaultModel: ModelAlias }> {
  return apiRequest(session, '/api/me/default-model', { method: 'PUT', body: { model } });
}

export function fetchCosts(session: Session): Promise<Costs> {
  return apiRequest<Costs>(session, '/api/costs');
}

export function fetchGenerations(session: Session, user: string, cursor?: string): Promise<GenerationPage> {
  const query = new URLSearchParams({ user, limit: String(PAGE_SIZE) });
  if (cursor) query.set('cursor', cursor);
  return apiRequest<GenerationPage>(session, `/api/generations?${query}`);
}

export function deleteGeneration(session: Session, name: string): Promise<void> {
  return apiRequest<void>(session, `/api/generations/${encodeURIComponent(name)}`, { method: 'DELETE' });
}

export function fetchUsage(session: Session): Promise<Usage> {
  return apiRequest<Usage>(session, '/api/usage');
}
