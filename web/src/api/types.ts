/** The dashboard API's JSON, as the server defines it: one definition, never a copy. */
export type * from '../../../server/api/api-types.js';
