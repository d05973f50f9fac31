/**
 * Client metadata documents answered from our pinned copies (pinned-client-metadata.json)
 * before anything is fetched: Claude.ai's and Claude Code's cannot be fetched from Cloud Run.
 * The copies go through the same checks as fetched documents, at start-up, so a bad edit of
 * the file stops the server with the reason.
 */
import pinned from './pinned-client-metadata.json' with { type: 'json' };
import { parseClientMetadataDocument, type ClientMetadataDocument } from './client-metadata-document.js';
import type { ClientMetadataSource } from './client-metadata-fetcher.js';

export function pinnedDocuments(): ReadonlyMap<string, ClientMetadataDocument> {
  return new Map(
    pinned.documents.map(({ document }) => {
      const clientId = String(document.client_id);
      return [clientId, parseClientMetadataDocument(clientId, document)];
    }),
  );
}

/** `fetched`, answering for the pinned client ids from the copies. */
export function withPinnedClients(fetched: ClientMetadataSource, documents = pinnedDocuments()): ClientMetadataSource {
  return {
    get: async (clientId) => documents.get(clientId) ?? fetched.get(clientId),
  };
}
