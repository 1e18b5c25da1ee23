// The Moku's REST API as the source uses it: ownership claimed first and its Moku-Client-Key sent
// on every later call, replies read as envelopes (bare nan/inf tokens allowed), and every way a
// call can go wrong turned into a message that names the operation, the code and what to do.
//
// node:http rather than fetch: fetch parses its address as a WHATWG URL, which has no room for
// an IPv6 zone (http://[fe80::1%25eth0]/ is an "Invalid URL"), and a Moku over USB is exactly
// such a link-local address. node:http takes the host as a socket address, zone and all.
import * as http from 'node:http';
import { MokuProtocolError, parseEnvelope } from './protocol';

/** A failed call, worded for the user; `code` is the envelope's code or `HTTP <status>`. */
export class MokuApiError extends Error {
  override name = 'MokuApiError';
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface MokuRestOptions {
  host: string;
  port?: number;
  /** One call may take this long (the first call to an instrument deploys it: seconds). */
  timeoutMs?: number;
}

/** What each HTTP status means on a Moku, and what to do about it. */
function httpAdvice(status: number, op: string, address: string): string {
  switch (status) {
    case 404:
      return `the Moku does not know ${op} (HTTP 404): this instrument or MokuOS version has no such operation; check instrument= and update MokuOS`;
    case 500:
      return `the Moku's API server failed on ${op} (HTTP 500, unhandled error): try again; if it persists, restart the Moku`;
    case 502:
      return `the Moku's API server is not installed (HTTP 502 on ${op}): install it with "mokucli feature install ${address} api-server"`;
    case 504:
      return `the Moku did not answer ${op} in time (HTTP 504): it may still be deploying the instrument; try again, or restart the Moku`;
    default:
      return `the Moku answered ${op} with HTTP ${status}`;
  }
}

/** What each envelope code means, and what to do about it. */
function codeAdvice(code: string | null): string {
  switch (code) {
    case 'INVALID_REQUEST':
      return ' (the request was refused: is another client connected, or did an earlier session end without giving the Moku back? force_connect=true takes it over)';
    case 'INVALID_PARAM':
      return ' (a setting is out of range for this Moku: check the URI parameters)';
    case 'NO_BIT_STREAM':
    case 'NO_PLATFORM_BIT_STREAM':
      return ' (the instrument is not installed on the Moku: update MokuOS or install the instrument)';
    case 'NETWORK_ERROR':
      return ' (the Moku had a network error: check its connection)';
    case 'UNEXPECTED_CHANGE':
      return ' (the Moku changed state meanwhile: was it used by another client?)';
    default:
      return '';
  }
}

export class MokuRest {
  /** The ownership key, once claimed. */
  key?: string;
  /** Warnings the device sent with successful replies (a coerced rate, …), in order. */
  readonly warnings: string[] = [];
  private readonly address: string;

  constructor(private readonly options: MokuRestOptions) {
    const h = options.host.includes(':') ? `[${options.host}]` : options.host;
    this.address = options.port === undefined ? h : `${h}:${options.port}`;
  }

  /** Claims ownership; the key comes in the Moku-Client-Key header (some firmware: in data too). */
  async claim(force: boolean): Promise<string> {
    const { data, headers } = await this.call('moku/claim_ownership', { force_connect: force }, { key: false });
    const header = headers['moku-client-key'];
    const key = typeof header === 'string' && header ? header : typeof data === 'string' && data ? data : undefined;
    if (!key)
      throw new MokuApiError(
        `moku/claim_ownership on ${this.address} returned no Moku-Client-Key (neither the header nor data): is this a Moku running MokuOS 3 or later?`,
        'NO_KEY',
      );
    this.key = key;
    return key;
  }

  /** Gives the device back; never throws (it runs on the way out of every path). */
  async relinquish(): Promise<string | undefined> {
    if (this.key === undefined) return undefined;
    try {
      await this.call('moku/relinquish_ownership', {}, { timeoutMs: 3000 });
      this.key = undefined;
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /**
   * POSTs `body` to /api/<op> (the device accepts POST for getters too) and returns the
   * envelope's data, or throws a MokuApiError saying what went wrong.
   */
  async call(
    op: string,
    body: Record<string, unknown> = {},
    options: { key?: boolean; timeoutMs?: number } = {},
  ): Promise<{ data: unknown; headers: http.IncomingHttpHeaders }> {
    const text = JSON.stringify(body);
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
    if (options.key !== false && this.key !== undefined) headers['Moku-Client-Key'] = this.key;
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const reply = await new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const request = http.request(
        {
          host: this.options.host,
          port: this.options.port ?? 80,
          path: `/api/${op}`,
          method: 'POST',
          headers,
          // One connection per call: nothing is left open to hold the worker when the session ends.
          agent: false,
          timeout: timeoutMs,
        },
        (response) => {
          let received = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (received += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: received, headers: response.headers }));
          response.on('error', reject);
        },
      );
      request.on('timeout', () =>
        request.destroy(
          new MokuApiError(
            `the Moku at ${this.address} did not answer ${op} within ${timeoutMs / 1000} s: is it on and reachable?`,
            'TIMEOUT',
          ),
        ),
      );
      request.on('error', (error) => reject(error));
      request.end(text);
    }).catch((error: Error & { code?: string }) => {
      if (error instanceof MokuApiError) throw error;
      throw new MokuApiError(
        `cannot reach the Moku at ${this.address} (${op}): ${error.code ?? error.message} (is it on, and is ${this.options.host} its address?)`,
        error.code ?? 'NETWORK',
      );
    });
    if (reply.status !== 200)
      throw new MokuApiError(`${this.address}: ${httpAdvice(reply.status, op, this.address)}`, `HTTP ${reply.status}`, reply.status);
    let envelope;
    try {
      envelope = parseEnvelope(reply.body);
    } catch (error) {
      if (error instanceof MokuProtocolError) throw new MokuApiError(`${this.address}: ${op}: ${error.message}`, 'BAD_REPLY');
      throw error;
    }
    if (!envelope.success) {
      const words = envelope.messages.join('; ') || 'no message';
      throw new MokuApiError(
        `${this.address}: ${op} failed: ${envelope.code ?? 'error'}: ${words}${codeAdvice(envelope.code)}`,
        envelope.code ?? 'ERROR',
      );
    }
    for (const message of envelope.messages) this.warnings.push(`${op}: ${message}`);
    return { data: envelope.data, headers: reply.headers };
  }
}
