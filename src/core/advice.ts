// What a person should do about an error. Sessions and writers report faults as plain messages
// (they name what was wrong); the UI adds the next step, so the same hint reads the same in a
// notification, the log and the tree's tooltip.

const HINTS: Array<[RegExp, string]> = [
  [/ECONNREFUSED/, 'Check that the instrument (or its simulator) is running and listening on that address and port.'],
  [/ENOTFOUND|EAI_AGAIN/, 'The host name does not resolve: check the address in the device URI.'],
  [/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/, 'The host does not answer: check the network, the address, and any firewall between you.'],
  [/ENOSPC/, 'The disk is full. Free some space, then start a new recording: the file written so far is kept and valid.'],
  [/EACCES|EPERM|EROFS/, 'Labscope may not write there: choose a writable recordings folder (setting labscope.recordingsFolder).'],
  [/bad device URI/, 'Fix the device URI in the setting labscope.devices (Add Device… checks a URI as you type).'],
  [/sent no data within/, 'The device accepted the connection but sent nothing: check that it is acquiring (started, not paused).'],
  [/inside the workspace/, 'Use a relative path for labscope.recordingsFolder.'],
];

export function adviceFor(message: string): string | undefined {
  // A message that already ends with its own next step (a transport's "(is the RDA server running
  // …?)") needs no second one saying the same in other words.
  if (/\?\)\s*$/.test(message)) return undefined;
  return HINTS.find(([pattern]) => pattern.test(message))?.[1];
}

/** The message with its next step, for a notification. */
export function withAdvice(message: string): string {
  const hint = adviceFor(message);
  return hint ? `${message}. ${hint}` : message;
}
