/** The handler registry: operation id → handler, one module per family. */
import { certificateHandlers } from './certificates.js';
import { favorCallbackHandlers } from './favor/callbacks.js';
import type { HandlerRegistry } from './types.js';

export const handlers: HandlerRegistry = {
  ...certificateHandlers,
  ...favorCallbackHandlers,
};
