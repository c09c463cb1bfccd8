/** The contract report: model (what was exercised, what broke), formats, and its input from a running mock. */
export {
  buildReport,
  CALLBACK_DEADLINE_MS,
  type AttemptReport,
  type ContractReport,
  type DeliveryReport,
  type IssueKind,
  type OperationCoverage,
  type OperationRef,
  type ReportInput,
  type ReportIssue,
  type ReportOptions,
} from './model.js';
export { formatReport, REPORT_FORMATS, type ReportFormat } from './format.js';
export { fetchReport, fetchReportInput, operationsOf, ReportSourceError } from './source.js';
export { reportCommand, type ReportArgs } from './cli-report.js';
