// The first import of the bench's senders: V8's heap sized before anything else is loaded, as
// bin/papermail.js does for every papermail process (src/cli/heap-settings.ts).
import { applyHeapSettings } from '../dist/cli/heap-settings.js';

applyHeapSettings();
