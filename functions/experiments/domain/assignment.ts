import { fnv1a } from '../../shared/hash';
import { HOLDOUT, type Experiment } from './experiment-file';

/** Where a contact falls in an experiment: an arm's id, or the holdout (gets nothing). */
export type Assignment = { readonly type: 'arm'; readonly arm: string } | { readonly type: 'holdout'; readonly arm: typeof HOLDOUT };

/**
 * A contact's arm, or the holdout, decided by a hash of the experiment id and the contact id alone: the same
 * contact lands in the same arm on every send, every function and every replay, with nothing stored. Stable
 * forever as long as the experiment's arms, weights and holdout do not change, which is why they are fixed at launch.
 */
export function assign(experiment: Pick<Experiment, 'id' | 'arms' | 'holdout'>, contactId: string): Assignment {
  const point = unitPoint(`${experiment.id}\u0000${contactId}`);
  if (point < experiment.holdout) return { type: 'holdout', arm: HOLDOUT };
  const rest = (point - experiment.holdout) / (1 - experiment.holdout);
  const total = experiment.arms.reduce((sum, arm) => sum + arm.weight, 0);
  let cumulative = 0;
  for (const arm of experiment.arms) {
    cumulative += arm.weight / total;
    if (rest < cumulative) return { type: 'arm', arm: arm.id };
  }
  return { type: 'arm', arm: experiment.arms[experiment.arms.length - 1]!.id };
}

/**
 * A point in [0, 1) from a text. FNV-1a's low bits are poorly mixed for inputs that differ in a few characters
 * (ULIDs of contacts created together), so its value goes through murmur3's finaliser before it is scaled.
 */
export function unitPoint(text: string): number {
  let hash = fnv1a(text);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}
