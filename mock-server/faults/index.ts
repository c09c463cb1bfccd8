/** Fault injection: rules that break the mock's own replies on purpose (issue 14). */
export { FaultSet, FAULT_HEADER, type FaultRule, type FaultRequest } from './set.js';
export { NO_FAULT, type InjectedFault, type RequestFault } from './request.js';
export {
  FAULT_ACTIONS,
  FaultRuleError,
  RATE_LIMIT,
  ruleSpecFromText,
  ruleSpecOf,
  type FaultAction,
  type FaultEffect,
  type FaultFilter,
  type FaultRuleSpec,
  type FaultWhen,
} from './rules.js';
export { faultControlRoutes, type RuleStore } from './routes.js';
export { SeededRandom } from './prng.js';
