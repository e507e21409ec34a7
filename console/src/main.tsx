import { render } from 'preact';
import { App } from './app';
import { loadConfig } from './config';
import { interceptLinks } from './router';
import './styles.css';

interceptLinks();
const root = document.getElementById('app')!;
loadConfig().then(
  (config) => render(<App config={config} />, root),
  (error: Error) => render(<p role="alert">{error.message}</p>, root),
);
