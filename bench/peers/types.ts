/** What the bench needs from a peer: start it for an app, find its processes, stop it. */
import type { PeerName } from '../cli.js';
import type { Scenario } from '../scenarios.js';

export type App = Scenario['app'];

export interface RunningPeer {
  /** Shown in the report: `ours`, `ours (threads=0)`, `nginx-fpm`, ... */
  label: string;
  baseUrl: string;
  /** Root PIDs: CPU and RSS are summed over these processes and all their descendants. */
  rootPids(): number[];
  stop(): Promise<void>;
}

export interface PeerDriver {
  kind: PeerName;
  label: string;
  /** Why this peer cannot run on this machine (with how to fix it), or null. */
  missing(): string | null;
  /** Why this peer does not take part in a scenario, or null. */
  unsupported(scenario: Scenario): string | null;
  start(app: App): Promise<RunningPeer>;
}

/** A binary on PATH (or an absolute path) that can be executed. */
export { findExecutable } from './which.js';
