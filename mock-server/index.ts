/** The programmatic API of wxpay-mock. */
export { createApp, checkRegistry, StartupError, VERSION, type MockApp, type Deliveries, type UseDelivery } from './app.js';
export { startMock, type RunningMock, type StartOptions } from './server.js';
export {
  OptionsError,
  FIDELITY,
  FIDELITY_PROFILES,
  DEFAULT_FIDELITY,
  type MockOptions,
  type FidelityProfile,
  type FidelityChecks,
  type ResolvedOptions,
} from './options.js';
export { LOG_FORMATS, type LogFormat } from './log.js';
export { buildOpenApi, openApiFor, DEFAULT_SERVER_URL, type OpenApiDocument, type OpenApiOptions } from './contract/openapi.js';
export { startProxy, type ProxyOptions, type RunningProxy } from './proxy/server.js';
export { Clock } from './clock.js';
export { ClockInputError } from './clock-input.js';
export type { Credentials, MerchantCredentials } from './credentials.js';
export type { JournalEntry, JournalFilter, Finding } from './journal.js';
export {
  buildReport,
  fetchReport,
  fetchReportInput,
  formatReport,
  operationsOf,
  REPORT_FORMATS,
  type ContractReport,
  type ReportFormat,
  type ReportInput,
  type ReportIssue,
  type ReportOptions,
  type OperationCoverage,
  type DeliveryReport,
} from './report/index.js';
export { ApiError, type ErrorEnvelope } from './errors.js';
export { encryptResource, decryptResource, type EncryptedResource } from './protocol/aead.js';
export { createSigner, type Signer, type SignerOptions } from './client/signer.js';
export {
  FavorDomain,
  FavorControlError,
  type UseCouponOptions,
  type RefundCouponOptions,
  type CouponUsedEvent,
  type CouponUsedListener,
  type CouponUseResult,
  type CouponRefundResult,
} from './operations/favor/redemption.js';
export {
  createCallbackReceiver,
  verifyCallback,
  buildCouponUseNotification,
  CallbackError,
  COUPON_USE,
  MAX_ATTEMPTS,
  RETRY_INTERVAL_MS,
  type CallbackReceiver,
  type CallbackKeys,
  type ReceivedCallback,
  type ReceiverAnswer,
  type ReceiverOptions,
  type DeliveryRecord,
  type DeliveryAttempt,
  type DeliveryFilter,
  type DeliveryHandle,
  type DeliveryState,
  type WaitOptions,
  ACCEPTED_PROBE,
  type HandlerCheck,
  type HandlerCheckOptions,
  type HandlerVerdict,
} from './callbacks/index.js';
export {
  FAULT_HEADER,
  FAULT_ACTIONS,
  FaultRuleError,
  type FaultRule,
  type FaultRuleSpec,
  type FaultAction,
  type InjectedFault,
} from './faults/index.js';
export { BAD_NOTIFICATIONS, type BadNotification } from './callbacks/bad-notifications.js';
export type { ChaosRule, ChaosRuleSpec, ChaosEvent } from './callbacks/chaos.js';
export type { HandlerCase } from './callbacks/handler-check.js';
// The store port and its embedded implementations (`createApp({ store })` takes any StoreBackend).
export { memoryBackend } from './store/memory.js';
export { fileBackend, FileBackend, readDataFile, type FileBackendOptions } from './store/file.js';
// Several replicas on one PostgreSQL database (docs/reference/postgres.md).
export { postgresBackend, PostgresBackend, SCHEMA_VERSION, type PostgresBackendOptions } from './store/postgres.js';
export {
  StoreError,
  type StoreBackend,
  type StoreHost,
  type StoreHealth,
  type SyncedState,
  type LockedState,
  type BlobStore,
  type OpenedState,
  type SealedCommit,
  type CommitRecord,
} from './store/port.js';
export { CommitFailedError, type AppliedEvent, type BeginOptions } from './store/engine.js';
export { SnapshotError, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type Snapshot } from './store/snapshot.js';
// The state a snapshot holds (`Snapshot['state']`, MockData): the core's, and each family's slice, which
// its module adds to MockData / MerchantState by declaration merging. Exported together so that whoever
// imports the package's types sees the whole state, not only the slices of the modules they happen to load.
export type { MockData, MerchantState } from './store/state.js';
export type { FavorMerchantState, FavorGlobalState, FavorCallbackSetting } from './operations/favor/state.js';
export type { PaygiftState } from './operations/paygift/state.js';
export type { PartnershipsState } from './operations/partnerships/state.js';
export type { CallbackState } from './callbacks/types.js';
export { ScenarioError, SCENARIO_FORMAT, type ScenarioResult } from './scenario.js';
