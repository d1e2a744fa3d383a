/** An exchange's outcome as plain data, to cross a thread boundary (errors lose their class there). */
import { BridgeError, type ErrorData } from '../errors.js';
import type { ExchangeOutcome } from '../pool/connection.js';

export type OutcomeData = { kind: 'done'; stopping: boolean } | { kind: 'retry' } | { kind: 'broken' | 'lost'; error: ErrorData };

export function outcomeToData(outcome: ExchangeOutcome): OutcomeData {
  return outcome.kind === 'done' || outcome.kind === 'retry' ? outcome : { kind: outcome.kind, error: outcome.error.toData() };
}

export function outcomeFromData(data: OutcomeData): ExchangeOutcome {
  return data.kind === 'done' || data.kind === 'retry' ? data : { kind: data.kind, error: new BridgeError(data.error.code, data.error.message) };
}
