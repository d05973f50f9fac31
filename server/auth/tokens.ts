/**
 * Our own tokens. Access tokens are short-lived JWTs (HS256, IMG_JWT_SIGNING_KEY) whose
 * audience is the MCP resource; Google's tokens never leave the server and no other
 * issuer's tokens are accepted. Codes and refresh tokens are random strings that are stored
 * only as SHA-256 hashes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

export const ACCESS_TOKEN_SECONDS = 3600;
const ALGORITHM = 'HS256';

export interface AccessClaims {
  readonly email: string;
  readonly clientId: string;
  /** The grant (one sign-in and its refresh chain); revoking it cuts off its access tokens. */
  readonly grantId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

export class TokenIssuer {
  private readonly key: Uint8Array;

  constructor(
    signingKey: string,
    private readonly issuer: string,
    private readonly audience: string,
  ) {
    this.key = new TextEncoder().encode(signingKey);
  }

  async accessToken(claims: Omit<AccessClaims, 'expiresAt'>): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ email: claims.email, client_id: claims.clientId, grant: claims.grantId, scope: claims.scopes.join(' ') })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setSubject(claims.email)
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
      .setJti(randomToken(16))
      .sign(this.key);
    return { token, expiresIn: ACCESS_TOKEN_SECONDS };
  }

  /** The claims of a valid access token of ours; rejects anything else (other issuer, audience, key, algorithm, expired). */
  async verifyAccessToken(token: string): Promise<AccessClaims> {
    const { payload } = await jwtVerify(token, this.key, { issuer: this.issuer, audience: this.audience, algorithms: [ALGORITHM], typ: 'at+jwt' });
    const { email, client_id, grant, scope, exp } = payload as Record<string, unknown>;
    if (typeof email !== 'string' || typeof client_id !== 'string' || typeof grant !== 'string' || typeof exp !== 'number') {
      throw new Error('access token without the expected claims');
    }
    return { email, clientId: client_id, grantId: grant, scopes: typeof scope === 'string' && scope ? scope.split(' ') : [], expiresAt: exp };
  }

  /** A short-lived signed blob (the consent form's ticket), bound to its purpose. */
  async sign(purpose: string, data: Record<string, unknown>, seconds: number): Promise<string> {
    return new SignJWT({ ...data, purpose }).setProtectedHeader({ alg: ALGORITHM }).setIssuer(this.issuer).setExpirationTime(`${seconds}s`).sign(this.key);
  }

  async verify(purpose: string, blob: string): Promise<Record<string, unknown>> {
    const { payload } = await jwtVerify(blob, this.key, { issuer: this.issuer, algorithms: [ALGORITHM] });
    if (payload.purpose !== purpose) throw new Error('signed for another purpose');
    return payload;
  }
}

/** A random, URL-safe secret of `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** How secrets are keyed in the store: never the secret itself. */
export function hashOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}
