// Preloaded (node --require) into every child of `npm run bench`, the service included: when the
// orchestrator goes away without stopping its children (kill -9, a crash), its IPC channel closes and the
// child exits instead of living on as an orphan. It adds nothing else to the process.
'use strict';
if (typeof process.send === 'function') {
  process.on('disconnect', () => process.exit(1));
}
