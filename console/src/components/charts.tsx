import type { ChartConfiguration } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorNote } from './page';

/** The charts' colours: dark enough against white for their bars and lines (3:1 for graphics). */
export const PALETTE = ['#1d4ed8', '#0f766e', '#b45309', '#b91c1c', '#7e22ce', '#475569', '#0e7490'];

/**
 * A chart.js chart, loaded with a dynamic import when the first chart is drawn, so chart.js is never in the first
 * view's bundle. The canvas is an image with a label; the numbers themselves are in the table beside every chart.
 */
export function ChartCanvas(props: { config: ChartConfiguration; label: string; id: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [error, setError] = useState<Error>();
  useEffect(() => {
    let chart: { destroy(): void } | undefined;
    let current = true;
    import('chart.js/auto').then(
      ({ default: Chart }) => {
        if (!current || !canvas.current) return;
        const { config } = props;
        chart = new Chart(canvas.current, { ...config, options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options } } as ChartConfiguration);
        canvas.current.dataset.drawn = 'true';
      },
      (failure: Error) => current && setError(failure),
    );
    return () => {
      current = false;
      chart?.destroy();
    };
  }, [props.config]);
  return (
    <>
      <div class="chart-box">
        <canvas ref={canvas} id={props.id} role="img" aria-label={props.label} />
      </div>
      <ErrorNote error={error} />
    </>
  );
}
