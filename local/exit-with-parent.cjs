// Preloaded (`node --require`) into `npm start` and into the serverless-offline process it runs: a process
// whose parent dies without stopping it (npm killed by a process manager, SIGKILL, a crash) would be left
// holding the gateway's ports. Such a process is handed to another parent, so a cheap poll of its parent's id
// notices, and the process stops itself as on Ctrl+C.
const POLL_MS = 1000;
/** Time for the process's own SIGTERM handler to stop its servers before it is made to exit. */
const GRACE_MS = 8000;
const parentAtStart = process.ppid;

const watch = setInterval(() => {
  if (process.ppid === parentAtStart) return;
  clearInterval(watch);
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), GRACE_MS).unref();
}, POLL_MS);
watch.unref();
