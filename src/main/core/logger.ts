/** A small logger interface: the composition root decides where lines go. */
export interface Logger {
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

export function consoleLogger(prefix = 'carelens', stream: NodeJS.WritableStream = process.stderr): Logger {
  const line = (level: string, message: string, rest: unknown[]) => {
    const extra = rest.map((r) => (r instanceof Error ? (r.stack ?? r.message) : typeof r === 'string' ? r : JSON.stringify(r))).join(' ');
    stream.write(`${new Date().toISOString()} ${prefix} ${level} ${message}${extra ? ' ' + extra : ''}\n`);
  };
  return {
    info: (m, ...r) => line('info', m, r),
    warn: (m, ...r) => line('warn', m, r),
    error: (m, ...r) => line('error', m, r),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
