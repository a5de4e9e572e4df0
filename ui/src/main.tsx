//! Entry point: read the connection once (this also takes `?token=` out of the address bar), render.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { readConnection } from './platform';
import './styles.css';

const conn = readConnection();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App conn={conn} />
  </StrictMode>,
);
