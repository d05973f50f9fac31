/** Who is calling, and what they may see. Pure. */

export interface Caller {
  /** Lowercased email of a verified account (or the local stand-in when sign-in is off). */
  readonly email: string;
  readonly isAdmin: boolean;
  /** On the allow-list (or an admin): may use the tools. Checked anew on every request. */
  readonly isAllowed: boolean;
}

/** The caller when IMG_AUTH_DISABLED=1: one local user who sees everything. */
export const LOCAL_CALLER: Caller = Object.freeze({ email: 'local@localhost', isAdmin: true, isAllowed: true });

/** What a signed-in user who is not on the allow-list is told, instead of a generic failure. */
export function notAllowedMessage(email: string): string {
  return (
    `You are signed in as ${email}, which is not on this Image Studio server's allow-list. ` +
    'Ask the person who runs it to add your address, or reconnect with another Google account.'
  );
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isListed(list: readonly string[], email: string): boolean {
  return list.includes(normalizeEmail(email));
}

/** A generation record is private to the person who made it and to admins. */
export function canSeeRecord(caller: Caller, ownerEmail: string): boolean {
  return caller.isAdmin || normalizeEmail(ownerEmail) === caller.email;
}

/** A lowercased email address as users are named here (including `local@localhost`). */
export const EMAIL_PATTERN = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;
