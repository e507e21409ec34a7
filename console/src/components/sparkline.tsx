/**
 * A small inline SVG line of a series, for Home's headline numbers: no chart library, so the first view stays
 * small. It is an image with a text label (the first and last values); the numbers themselves are beside it.
 */
export function Sparkline(props: { values: readonly number[]; label: string; width?: number; height?: number }) {
  const width = props.width ?? 120;
  const height = props.height ?? 32;
  const values = props.values.length ? props.values : [0];
  const max = Math.max(...values);
  const min = Math.min(...values, 0);
  const span = max - min || 1;
  const step = values.length > 1 ? (width - 4) / (values.length - 1) : 0;
  const points = values.map((value, index) => `${(2 + index * step).toFixed(1)},${(height - 2 - ((value - min) / span) * (height - 4)).toFixed(1)}`);
  const last = points[points.length - 1]!.split(',');
  return (
    <svg class="sparkline" role="img" aria-label={props.label} width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
      <polyline points={points.join(' ')} fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" />
      <circle cx={last[0]} cy={last[1]} r="2.5" fill="currentColor" />
    </svg>
  );
}
