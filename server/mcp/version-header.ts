/**
 * Claude.ai's connector, since August 2026, opens with a 2025 `initialize` (negotiating
 * 2025-11-25) and then sends its own newest revision in the header of every later request:
 * `MCP-Protocol-Version: 2026-07-28`, sometimes comma-joined with the negotiated one
 * (`2025-11-25, 2026-07-28`), while the bodies stay 2025-era (no per-request `_meta`
 * envelope). The SDK refuses both (400: "missing the required per-request envelope" and
 * "Unsupported protocol version"), so the connector connects and then every call fails.
 *
 * The body says what the client speaks. For a body without the envelope, this rewrites the
 * header to the 2025-era revision it names, else (when it names only newer revisions) to the
 * newest 2025-era one; for a modern body with a comma-joined header, to the revision its
 * envelope claims. Anything else (an unknown or older revision, a mismatch) passes unchanged
 * and the SDK refuses it as the spec says. (Our own code because the SDK's `isLegacyRequest` counts a
 * modern header as modern, which is exactly the mix to tolerate.)
 */
export interface ProtocolVersions {
  /** The 2025-era revisions the SDK serves statelessly (its SUPPORTED_PROTOCOL_VERSIONS). */
  readonly legacy: readonly string[];
  /** The `_meta` key of a modern request's revision claim (the SDK's PROTOCOL_VERSION_META_KEY). */
  readonly claimKey: string;
}

/** Methods only 2026-07-28 has: a body with one of them is a modern client's, never Claude.ai's 2025-era mix. */
const MODERN_METHODS = ['server/discover', 'subscriptions/listen'];

/** MCP revisions are dates. */
const REVISION = /^\d{4}-\d{2}-\d{2}$/;

/** The header to pass on, or undefined to leave the request as it is. Pure. */
export function tolerableVersionHeader(header: string, body: unknown, versions: ProtocolVersions): string | undefined {
  const named = header.split(',').map((v) => v.trim()).filter(Boolean);
  const claim = envelopeClaim(body, versions.claimKey);
  if (claim === undefined) {
    if (methodsOf(body).some((m) => MODERN_METHODS.includes(m))) return undefined;
    const legacy = named.find((v) => versions.legacy.includes(v));
    if (legacy !== undefined) return legacy === header ? undefined : legacy;
    // Only newer revisions named (revisions are dates): the client's own newest, as Claude.ai sends. Anything else is the SDK's to refuse.
    const newest = versions.legacy.reduce((a, b) => (b > a ? b : a), '');
    return named.length > 0 && named.every((v) => REVISION.test(v) && v > newest) ? newest : undefined;
  }
  return named.length > 1 && named.includes(claim) ? claim : undefined;
}

function methodsOf(body: unknown): string[] {
  return (Array.isArray(body) ? body : [body]).flatMap((message) => {
    const method = (message as { method?: unknown } | null)?.method;
    return typeof method === 'string' ? [method] : [];
  });
}

/** The revision a modern request claims in its `_meta` envelope (the first one claimed in a batch). */
function envelopeClaim(body: unknown, claimKey: string): string | undefined {
  for (const message of Array.isArray(body) ? body : [body]) {
    const claim = (message as { params?: { _meta?: Record<string, unknown> } } | null)?.params?._meta?.[claimKey];
    if (typeof claim === 'string') return claim;
  }
  return undefined;
}
