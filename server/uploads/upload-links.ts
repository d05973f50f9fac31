/**
 * Upload links: `${publicUrl}/upload/{token}`, where the token is a JWT (HS256) naming the
 * user it was made for and the upload it will become (`{id}.ref.png`, the JWT's `jti`, 128
 * random bits). The link itself is the credential (the user opens it in a browser, not in
 * Claude), so it is short-lived and bound to its user; it is single-use because the upload's
 * record can be created only once (RecordStore.createUpload), with no state kept before.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { ImageName } from '../core/names.js';

export const UPLOAD_LINK_SECONDS = 15 * 60;
const ALGORITHM = 'HS256';
const TYPE = 'upload+jwt';
const ID_PATTERN = /^[0-9a-f]{32}$/;

export interface UploadGrant {
  /** Whose upload it will be (lowercased). */
  readonly email: string;
  /** The name the upload will have. */
  readonly name: ImageName;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

export class UploadLinks {
  private readonly key: Uint8Array;
  private readonly audience: string;

  /** `signingKey`: the deployment's JWT key (IMG_JWT_SIGNING_KEY); in local mode a random one per process does. */
  constructor(
    signingKey: string,
    private readonly publicUrl: string,
  ) {
    this.key = new TextEncoder().encode(signingKey);
    // Its own audience: an upload token is never an access token, nor the reverse.
    this.audience = `${publicUrl}/upload`;
  }

  async create(email: string, seconds = UPLOAD_LINK_SECONDS): Promise<{ url: string; grant: UploadGrant }> {
    const id = randomBytes(16).toString('hex');
    const expiresAt = Math.floor(Date.now() / 1000) + seconds;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: ALGORITHM, typ: TYPE })
      .setIssuer(this.publicUrl)
      .setAudience(this.audience)
      .setSubject(email)
      .setJti(id)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { url: `${this.audience}/${token}`, grant: { email, name: `${id}.ref.png` as ImageName, expiresAt } };
  }

  /** The grant of a valid, unexpired token of ours; undefined for anything else (never says why: it is a credential). */
  async verify(token: string): Promise<UploadGrant | undefined> {
    if (token.length > 2000) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: this.publicUrl, audience: this.audience, algorithms: [ALGORITHM], typ: TYPE });
      const { sub, jti, exp } = payload;
      if (typeof sub !== 'string' || typeof jti !== 'string' || !ID_PATTERN.test(jti) || typeof exp !== 'number') return undefined;
      return { email: sub, name: `${jti}.ref.png` as ImageName, expiresAt: exp };
    } catch {
      return undefined;
    }
  }
}
