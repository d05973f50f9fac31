/**
 * What the OAuth server keeps in the AuthStateStore, one zod schema per kind, and a typed
 * view of the store that parses every value it reads: an entry of an unexpected shape (an
 * older or newer version of this code, a hand edit) fails loudly as INTERNAL instead of
 * being used half-understood.
 */
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { AuthStateKind, AuthStateStore } from './auth-state-store.js';

const scopes = z.array(z.string());

/** The approved request, carried through consent and Google's round trip. */
const pendingAuthorizationSchema = z.object({
  clientId: z.string(),
  redirectUri: z.string(),
  codeChallenge: z.string(),
  state: z.string().optional(),
  scopes,
});
export type PendingAuthorization = z.infer<typeof pendingAuthorizationSchema>;

/** What a code or refresh token stands for. */
const grantRefSchema = z.object({ clientId: z.string(), email: z.string(), grantId: z.string(), scopes });
export type GrantRef = z.infer<typeof grantRefSchema>;

/** A code or refresh token once used: kept so that a replay can revoke the grant. */
const usedSchema = z.object({ used: z.literal(true), grantId: z.string() });

const schemas = {
  /** A client registered through /register (RFC 7591); unknown fields from older versions are kept. */
  client: z.looseObject({
    client_id: z.string(),
    client_secret: z.string().optional(),
    client_secret_expires_at: z.number().optional(),
    client_id_issued_at: z.number().optional(),
    client_name: z.string().optional(),
    redirect_uris: z.array(z.string()).min(1),
    token_endpoint_auth_method: z.string().optional(),
    grant_types: z.array(z.string()).optional(),
    response_types: z.array(z.string()).optional(),
    scope: z.string().optional(),
  }),
  /** A consent page shown: its request, and the hash of the browser cookie it was shown with. */
  consent: z.object({ pending: pendingAuthorizationSchema, browser: z.string() }),
  /** An approved consent on its way through Google: our PKCE verifier and nonce for Google, and the browser. */
  pending: z.object({ pending: pendingAuthorizationSchema, codeVerifier: z.string(), nonce: z.string(), browser: z.string() }),
  code: z.union([usedSchema, grantRefSchema.extend({ used: z.literal(false).optional(), redirectUri: z.string(), codeChallenge: z.string(), expiresAt: z.number() })]),
  refresh: z.union([usedSchema, grantRefSchema.extend({ used: z.literal(false).optional() })]),
  grant: z.object({ revoked: z.boolean() }),
} satisfies Record<AuthStateKind, z.ZodType>;

export type AuthRecord<K extends AuthStateKind> = z.infer<(typeof schemas)[K]>;
export type RegisteredClient = AuthRecord<'client'>;

/** The AuthStateStore, typed by kind: values are checked on the way in and parsed on the way out. */
export class AuthRecords {
  constructor(private readonly store: AuthStateStore) {}

  create<K extends AuthStateKind>(kind: K, key: string, value: AuthRecord<K>, expiresAt?: Date): Promise<void> {
    return this.store.create(kind, key, value, expiresAt);
  }

  put<K extends AuthStateKind>(kind: K, key: string, value: AuthRecord<K>, expiresAt?: Date): Promise<void> {
    return this.store.put(kind, key, value, expiresAt);
  }

  async get<K extends AuthStateKind>(kind: K, key: string): Promise<AuthRecord<K> | undefined> {
    return parse(kind, await this.store.get(kind, key));
  }

  /** Removes and returns the entry; of concurrent takes of one key, one gets it. */
  async take<K extends AuthStateKind>(kind: K, key: string): Promise<AuthRecord<K> | undefined> {
    return parse(kind, await this.store.take(kind, key));
  }
}

function parse<K extends AuthStateKind>(kind: K, value: object | undefined): AuthRecord<K> | undefined {
  if (value === undefined) return undefined;
  const parsed = schemas[kind].safeParse(value);
  if (!parsed.success) {
    throw new AppError('INTERNAL', 'A stored sign-in entry has an unexpected shape.', { cause: new Error(`${kind}: ${z.prettifyError(parsed.error)}`) });
  }
  return parsed.data as AuthRecord<K>;
}
