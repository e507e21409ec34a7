/**
 * The statistics of an experiment on a binary outcome (a send clicked or not, a contact converted or not). Pure and
 * deterministic: the same counts always give the same numbers, so a report never flickers between two reads.
 */

/** Successes out of trials for one arm. */
export interface Tally {
  readonly trials: number;
  readonly successes: number;
}

/** A two-sided interval. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** The standard normal quantile for `p` (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0 || p >= 1) throw new RangeError(`a normal quantile needs 0 < p < 1, got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = 0.02425;
  if (p < tail) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - tail) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * The Wilson score interval of a proportion at `confidence`: unlike the textbook p ± z·se it stays inside [0, 1]
 * and is honest for the small counts and low rates email tests have (0 clicks of 50 sends is not "0% ± 0").
 */
export function wilsonInterval({ trials, successes }: Tally, confidence = 0.95): Interval {
  if (trials === 0) return { low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials))) / (1 + z2n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval for the difference of two proportions (`b` − `a`), built from their Wilson
 * intervals: it keeps good coverage at low rates where the Wald interval of a difference is too narrow.
 */
export function differenceInterval(a: Tally, b: Tally, confidence = 0.95): Interval {
  const pa = a.trials ? a.successes / a.trials : 0;
  const pb = b.trials ? b.successes / b.trials : 0;
  const wa = wilsonInterval(a, confidence);
  const wb = wilsonInterval(b, confidence);
  const diff = pb - pa;
  return {
    low: diff - Math.sqrt((pb - wb.low) ** 2 + (wa.high - pa) ** 2),
    high: diff + Math.sqrt((wb.high - pb) ** 2 + (pa - wa.low) ** 2),
  };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7): enough for Beta densities with millions of trials. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const g = 7;
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = coefficients[0]!;
  for (let i = 1; i < g + 2; i++) sum += coefficients[i]! / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Points per arm on the integration grid: enough that probabilities agree with Monte Carlo to 1e-4. */
const GRID_POINTS = 1_200;
/** Each arm's grid spans its posterior mean ± this many standard deviations; beyond it the mass is below 1e-30. */
const GRID_SDS = 12;

/**
 * The probability that each arm's true rate is the highest, under independent Beta(1 + successes, 1 + failures)
 * posteriors (a uniform prior). Computed by numerical integration, not sampling, so it is exact to about 1e-4 and
 * the same on every read: P(i best) = ∫ f_i(x) ∏_{j≠i} F_j(x) dx on a grid merged from every arm's posterior range.
 */
export function probabilityToBeBest(tallies: readonly Tally[]): number[] {
  if (tallies.length === 0) return [];
  if (tallies.length === 1) return [1];
  const posteriors = tallies.map(({ trials, successes }) => ({ a: 1 + successes, b: 1 + Math.max(0, trials - successes) }));
  const points = new Set<number>([0, 1]);
  for (const { a, b } of posteriors) {
    const mean = a / (a + b);
    const sd = Math.sqrt((a * b) / ((a + b) ** 2 * (a + b + 1)));
    const low = Math.max(0, mean - GRID_SDS * sd);
    const high = Math.min(1, mean + GRID_SDS * sd);
    for (let i = 0; i <= GRID_POINTS; i++) points.add(low + ((high - low) * i) / GRID_POINTS);
  }
  const grid = [...points].sort((x, y) => x - y);
  const step = (k: number) => grid[k]! - grid[k - 1]!;
  const integral = (values: readonly number[]) => values.reduce((sum, value, k) => (k ? sum + ((value + values[k - 1]!) / 2) * step(k) : 0), 0);
  // Each density normalised on the grid itself, so the trapezoid rule's own error cancels out of the CDFs.
  const densities = posteriors.map(({ a, b }) => {
    const logNorm = logGamma(a + b) - logGamma(a) - logGamma(b);
    const raw = grid.map((x) => (x <= 0 || x >= 1 ? betaEdge(x, a, b) : Math.exp(logNorm + (a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x))));
    const total = integral(raw) || 1;
    return raw.map((value) => value / total);
  });
  const cdfs = densities.map((density) => {
    const cdf = new Array<number>(grid.length).fill(0);
    for (let k = 1; k < grid.length; k++) cdf[k] = cdf[k - 1]! + ((density[k]! + density[k - 1]!) / 2) * step(k);
    return cdf;
  });
  const best = densities.map((density, i) =>
    integral(grid.map((_, k) => cdfs.reduce((product, cdf, j) => (j === i ? product : product * cdf[k]!), density[k]!))),
  );
  const sum = best.reduce((total, value) => total + value, 0) || 1;
  return best.map((value) => value / sum);
}

/** A Beta density at 0 or 1, where the log form is undefined: finite only when that exponent is 0. */
function betaEdge(x: number, a: number, b: number): number {
  const exponent = x <= 0 ? a - 1 : b - 1;
  if (exponent > 0) return 0;
  return Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b));
}

/**
 * The mixture sequential probability ratio test (mSPRT) of Johari, Pekelis and Walsh ("Always valid inference",
 * 2017) for the difference of two proportions, with a normal mixing distribution N(0, τ²) over the difference.
 * Its likelihood ratio Λ is a martingale under "no difference", so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α:
 * looking after every send and stopping at the first crossing keeps the false-winner rate at α.
 */
export interface SequentialTest {
  /** Λ, the mixture likelihood ratio for "b − a ≠ 0". */
  readonly likelihoodRatio: number;
  /** The always-valid p-value at this look: min(1, 1/Λ) (the decision takes the running minimum over looks). */
  readonly pValue: number;
  /** The observed difference b − a of the (smoothed) rates. */
  readonly difference: number;
  /** The always-valid confidence interval of b − a at level 1 − α: it covers the truth at every look at once. */
  readonly interval: Interval;
}

export function sequentialTest(a: Tally, b: Tally, tau: number, alpha: number): SequentialTest {
  // Rates smoothed by one success and one failure (Agresti–Coull style), so a 0-click arm has a variance above 0
  // and a single early click cannot make the statistic explode.
  const pa = (a.successes + 1) / (a.trials + 2);
  const pb = (b.successes + 1) / (b.trials + 2);
  const variance = (pa * (1 - pa)) / Math.max(1, a.trials) + (pb * (1 - pb)) / Math.max(1, b.trials);
  const difference = pb - pa;
  const t2 = tau * tau;
  const logRatio = 0.5 * Math.log(variance / (variance + t2)) + (difference * difference * t2) / (2 * variance * (variance + t2));
  const likelihoodRatio = Math.exp(Math.min(700, logRatio));
  const half = Math.sqrt(((variance * (variance + t2)) / t2) * (2 * Math.log(1 / alpha) + Math.log((variance + t2) / variance)));
  return {
    likelihoodRatio,
    pValue: Math.min(1, 1 / likelihoodRatio),
    difference,
    interval: { low: difference - half, high: difference + half },
  };
}
