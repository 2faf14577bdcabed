/**
 * A throw-away Orthanc for tests and benchmarks: free loopback ports, a temporary folder
 * (storage, index, config), the DICOMweb plugin, C-FIND/C-GET/C-MOVE allowed from any AE.
 * `orthancAvailable()` says why tests must skip (null when Orthanc can run here).
 * Test support only: production code never imports it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ORTHANC_BIN = process.env.CARELENS_ORTHANC_BIN ?? '/usr/sbin/Orthanc';
export const ORTHANC_DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface OrthancOptions {
  /** Orthanc's own AE title (default ORTHANC). */
  aet?: string;
  /** Modalities Orthanc knows (needed as C-MOVE destinations): name → [AET, host, port]. */
  modalities?: Record<string, [string, string, number]>;
  /** Extra configuration keys merged over the defaults. */
  config?: Record<string, unknown>;
  /** How long to wait for `/system` (default 20 s). */
  startTimeoutMs?: number;
  /** Extra environment for the Orthanc process (e.g. TCP_NODELAY=1: DCMTK then turns Nagle's algorithm off on its DICOM sockets). */
  env?: Record<string, string>;
}

export interface OrthancInstance {
  httpPort: number;
  dicomPort: number;
  aet: string;
  /** http://127.0.0.1:PORT (the REST API). */
  baseUrl: string;
  /** http://127.0.0.1:PORT/dicom-web (the DICOMweb root, no trailing slash). */
  dicomWebUrl: string;
  /** Uploads Part-10 files through `POST /instances`; throws at the first file Orthanc refuses. */
  upload(files: string[]): Promise<void>;
  /** Uploads what Orthanc accepts and lists what it refused (the shared data holds a few non-DICOM or damaged files). */
  uploadSome(files: string[]): Promise<{ stored: string[]; refused: { file: string; reason: string }[] }>;
  /** Stops Orthanc (SIGTERM, then SIGKILL) and removes its folder. */
  stop(): Promise<void>;
  /** Kills Orthanc at once (SIGKILL), as a crash would; the folder stays until stop(). */
  kill(): void;
  /** The last 200 kB of Orthanc's own log (for diagnosing a failed test). */
  log(): string;
  dir: string;
}

/** Null when Orthanc and its DICOMweb plugin are installed, else why tests should skip. */
export function orthancAvailable(): string | null {
  if (!fs.existsSync(ORTHANC_BIN)) return `Orthanc is not installed (${ORTHANC_BIN} missing; apt-get install orthanc orthanc-dicomweb)`;
  if (!fs.existsSync(ORTHANC_DICOMWEB_PLUGIN)) return `the Orthanc DICOMweb plugin is not installed (${ORTHANC_DICOMWEB_PLUGIN} missing; apt-get install orthanc-dicomweb)`;
  return null;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUp(baseUrl: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Orthanc exited during start-up (${child.exitCode ?? child.signalCode}): ${log().slice(-2000)}`);
    }
    try {
      const res = await fetch(`${baseUrl}/system`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        await res.arrayBuffer();
        return;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Orthanc did not answer /system within ${timeoutMs} ms: ${log().slice(-2000)}`);
}

export async function startOrthanc(opts: OrthancOptions = {}): Promise<OrthancInstance> {
  const reason = orthancAvailable();
  if (reason) throw new Error(reason);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carelens-orthanc-'));
  const aet = opts.aet ?? 'ORTHANC';
  let lastError: unknown;
  // Ports are picked free then bound by Orthanc: another process may take one in between, so retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const httpPort = await freePort();
    const dicomPort = await freePort();
    if (httpPort === dicomPort) continue;
    const config = {
      Name: 'CareLensTest',
      HttpPort: httpPort,
      DicomPort: dicomPort,
      DicomAet: aet,
      StorageDirectory: path.join(dir, 'storage'),
      IndexDirectory: path.join(dir, 'index'),
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      HttpServerEnabled: true,
      DicomServerEnabled: true,
      Plugins: [ORTHANC_DICOMWEB_PLUGIN],
      DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: true, StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
      DicomAlwaysAllowEcho: true,
      DicomAlwaysAllowStore: true,
      DicomAlwaysAllowFind: true,
      DicomAlwaysAllowGet: true,
      DicomAlwaysAllowMove: true,
      DicomCheckModalityHost: false,
      DicomCheckCalledAet: false,
      DicomModalities: opts.modalities ?? {},
      HttpThreadsCount: 16,
      StableAge: 1,
      ...opts.config,
    };
    const configPath = path.join(dir, 'orthanc.json');
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2));
    let logText = '';
    const child = spawn(ORTHANC_BIN, [...(process.env.CARELENS_ORTHANC_VERBOSE ? ['--verbose'] : []), configPath], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    const keep = (b: Buffer): void => {
      logText = (logText + b.toString('utf8')).slice(-200_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const baseUrl = `http://127.0.0.1:${httpPort}`;
    try {
      await waitUp(baseUrl, child, () => logText, opts.startTimeoutMs ?? 20_000);
    } catch (err) {
      lastError = err;
      child.kill('SIGKILL');
      continue;
    }
    // A test process that ends without stop() must not leave Orthanc running.
    const killOnExit = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    void exited.then(() => process.removeListener('exit', killOnExit));
    return {
      httpPort,
      dicomPort,
      aet,
      baseUrl,
      dicomWebUrl: `${baseUrl}/dicom-web`,
      dir,
      async upload(files: string[]): Promise<void> {
        for (const file of files) {
          const body = fs.readFileSync(file);
          const res = await fetch(`${baseUrl}/instances`, { method: 'POST', body, headers: { 'content-type': 'application/dicom' } });
          const text = await res.text();
          if (!res.ok) throw new Error(`Orthanc refused ${file}: HTTP ${res.status} ${text.slice(0, 200)}`);
        }
      },
      async uploadSome(files: string[]) {
        const stored: string[] = [];
        const refused: { file: string; reason: string }[] = [];
        for (const file of files) {
          const res = await fetch(`${baseUrl}/instances`, { method: 'POST', body: fs.readFileSync(file), headers: { 'content-type': 'application/dicom' } });
          const text = await res.text();
          if (res.ok) stored.push(file);
          else refused.push({ file, reason: `HTTP ${res.status} ${text.replace(/\s+/g, ' ').slice(0, 200)}` });
        }
        return { stored, refused };
      },
      log: () => logText,
      kill(): void {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
      async stop(): Promise<void> {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  throw lastError instanceof Error ? lastError : new Error('Orthanc could not start');
}

/** Every file listed in the shared data's dicom/INDEX.tsv (absolute paths), for upload to a test Orthanc. */
export function sharedDicomFiles(sharedDataDir: string): string[] {
  const dir = path.join(sharedDataDir, 'dicom');
  const index = path.join(dir, 'INDEX.tsv');
  if (!fs.existsSync(index)) return [];
  return fs
    .readFileSync(index, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => path.join(dir, line.split('\t')[0] ?? ''))
    .filter((f) => fs.existsSync(f) && fs.statSync(f).isFile());
}
