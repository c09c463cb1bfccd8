/**
 * Every string format the contracts may use, in one object: ajv-formats' full set plus our `rfc3339`.
 * The runtime Ajv instances register these, and the precompiled request validators (precompile.ts)
 * reference the same object by name, so both check a format with the very same function.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { parseRfc3339 } from '../time.js';

export const FORMATS = {
  ...fullFormats,
  // RFC 3339 with an explicit offset, fractional seconds allowed, as WeChat Pay writes times — and a
  // real time: 2026-13-01 or 04-31 fail here, not later as a misleading business-rule message.
  rfc3339: { type: 'string' as const, validate: (text: string) => !Number.isNaN(parseRfc3339(text)) },
};
