/** The programmatic API of wxpay-mock. */
export { createApp, checkRegistry, StartupError, VERSION, type MockApp } from './app.js';
export { startMock, type RunningMock, type StartOptions } from './server.js';
export type { MockOptions } from './options.js';
export { Clock } from './clock.js';
export type { Credentials, MerchantCredentials } from './credentials.js';
export type { JournalEntry, JournalFilter, Finding } from './journal.js';
export { ApiError, type ErrorEnvelope } from './errors.js';
export { encryptResource, decryptResource, type EncryptedResource } from './protocol/aead.js';
export { createSigner, type Signer, type SignerOptions } from './client/signer.js';
