//! Which host the UI runs in, for the few components that behave differently on the desktop.
import { createContext } from 'react';

export const PlatformContext = createContext<{ desktop: boolean }>({ desktop: false });
