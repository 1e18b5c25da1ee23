// serialport's native binding cannot run in a worker thread: its poller is registered on the
// main thread's event loop and calls into the worker from there, which aborts the process
// (serialport/bindings-cpp#176, still open). So the serial *bytes* stay on the main thread and
// everything else (framing, Modbus, the poll recorder, the ring) stays in the acquisition worker:
// the worker gets a serialport Binding whose ports forward each call (open, read, write, …) over
// a MessagePort to the real binding on the main thread. At serial speeds (19200 baud is 2 KB/s)
// the hop costs nothing that matters; a busy main thread delays bytes, never loses them.
import { isMainThread, MessageChannel, type MessagePort } from 'node:worker_threads';
import type { BindingInterface, BindingPortInterface, OpenOptions, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-interface';

type Method = 'open' | 'read' | 'write' | 'close' | 'update' | 'set' | 'get' | 'getBaudRate' | 'flush' | 'drain';
interface Call { id: number; method: Method; arg?: unknown }
interface Reply { id: number; result?: unknown; error?: { message: string; canceled?: boolean; code?: string } }

let requestBridge: ((port: MessagePort) => void) | undefined;

/** The acquisition worker says how a port reaches the main thread (its parentPort). */
export function setSerialBridgeRequester(request: (port: MessagePort) => void): void {
  requestBridge = request;
}

/** The binding to hand serialport (and modbus-serial): the real one on the main thread, else the bridge. */
export function serialBinding(): BindingInterface {
  if (isMainThread || !requestBridge) return nativeBinding();
  return bridgedBinding;
}

function nativeBinding(): BindingInterface {
  // Loaded lazily: only a session that uses a serial port pays for the addon.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@serialport/bindings-cpp') as { autoDetect(): BindingInterface }).autoDetect();
}

class BridgeError extends Error {
  canceled?: boolean;
  code?: string;
}

class Rpc {
  private next = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  constructor(readonly port: MessagePort) {
    port.on('message', (reply: Reply) => {
      const call = this.pending.get(reply.id);
      if (!call) return;
      this.pending.delete(reply.id);
      if (reply.error) {
        const error = new BridgeError(reply.error.message);
        error.canceled = reply.error.canceled;
        error.code = reply.error.code;
        call.reject(error);
      } else {
        call.resolve(reply.result);
      }
    });
    port.on('close', () => this.cancelAll('the main thread closed the serial bridge'));
  }

  call<T>(method: Method, arg?: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    return new Promise((resolve, reject) => {
      const id = this.next++;
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.port.postMessage({ id, method, arg } satisfies Call, transfer);
    });
  }

  cancelAll(why: string): void {
    for (const call of this.pending.values()) {
      const error = new BridgeError(why);
      error.canceled = true;
      call.reject(error);
    }
    this.pending.clear();
  }
}

class BridgedPort implements BindingPortInterface {
  isOpen = true;
  constructor(private readonly rpc: Rpc, readonly openOptions: Required<OpenOptions>) {}

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    const data = await this.rpc.call<Uint8Array>('read', length);
    buffer.set(data, offset);
    return { buffer, bytesRead: data.length };
  }

  write(buffer: Buffer): Promise<void> {
    const copy = Uint8Array.from(buffer);
    return this.rpc.call('write', copy, [copy.buffer as ArrayBuffer]);
  }

  async close(): Promise<void> {
    this.isOpen = false;
    try {
      await this.rpc.call('close');
    } finally {
      this.rpc.cancelAll('Port is not open');
      this.rpc.port.close();
    }
  }

  update(options: UpdateOptions): Promise<void> {
    return this.rpc.call('update', options);
  }
  set(options: SetOptions): Promise<void> {
    return this.rpc.call('set', options);
  }
  get(): Promise<PortStatus> {
    return this.rpc.call('get');
  }
  getBaudRate(): Promise<{ baudRate: number }> {
    return this.rpc.call('getBaudRate');
  }
  flush(): Promise<void> {
    return this.rpc.call('flush');
  }
  drain(): Promise<void> {
    return this.rpc.call('drain');
  }
}

const bridgedBinding: BindingInterface = {
  list: () => Promise.reject(new Error('serial ports are listed from the main thread')),
  async open(options: OpenOptions) {
    const { port1, port2 } = new MessageChannel();
    requestBridge!(port2);
    const rpc = new Rpc(port1);
    try {
      const openOptions = await rpc.call<Required<OpenOptions>>('open', options);
      return new BridgedPort(rpc, openOptions);
    } catch (error) {
      port1.close();
      throw error;
    }
  },
};

/**
 * The main thread's side of one bridged port: calls arrive in order and are answered as the real
 * binding answers them. Reads are answered one at a time by serialport, so a pending read never
 * blocks a write (they are separate calls on the real port). Returns a function that closes it.
 */
export function serveSerialBridge(port: MessagePort, binding: BindingInterface = nativeBinding()): () => Promise<void> {
  let real: BindingPortInterface | undefined;
  let closed = false;
  const shut = async () => {
    if (closed) return;
    closed = true;
    port.close();
    if (real?.isOpen) await real.close().catch(() => undefined);
  };
  port.on('message', async ({ id, method, arg }: Call) => {
    try {
      let result: unknown;
      if (method === 'open') {
        real = await binding.open(arg as OpenOptions);
        if (closed) await real.close();
        result = real.openOptions;
      } else if (!real) {
        throw Object.assign(new Error('Port is not open'), { canceled: true });
      } else if (method === 'read') {
        const length = arg as number;
        const { buffer, bytesRead } = await real.read(Buffer.allocUnsafe(length), 0, length);
        result = new Uint8Array(buffer.buffer, buffer.byteOffset, bytesRead);
      } else if (method === 'write') {
        await real.write(Buffer.from(arg as Uint8Array));
      } else if (method === 'close') {
        await real.close();
      } else {
        result = await (real[method] as (a?: unknown) => Promise<unknown>).call(real, arg);
      }
      if (!closed || method === 'close') port.postMessage({ id, result } satisfies Reply);
    } catch (error) {
      const e = error as BridgeError;
      if (!closed) port.postMessage({ id, error: { message: e.message, canceled: e.canceled, code: e.code } } satisfies Reply);
    }
  });
  // The worker went away (closed or crashed): the device must not stay open behind it.
  port.on('close', () => void shut());
  return shut;
}
