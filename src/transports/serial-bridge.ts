// serialport's native binding cannot run in a worker thread: its poller is registered on the
// main thread's event loop and calls into the worker from there, which aborts the process
// (serialport/bindings-cpp#176, still open). So the serial *bytes* stay on the main thread and
// everything else (framing, Modbus, the poll recorder, the ring) stays in the acquisition worker:
// the worker gets a serialport Binding whose ports forward each call (open, read, write, …) over
// a MessagePort to the real binding on the main thread. At serial speeds (19200 baud is 2 KB/s)
// the hop costs nothing that matters; a busy main thread delays bytes, never loses them.
import { isMainThread, MessageChannel, type MessagePort } from 'node:worker_threads';
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from '@serialport/bindings-interface';
import { answerRequests, isRequest, Requester, type Request } from '../core/request-reply';

type Method = 'open' | 'read' | 'write' | 'close' | 'update' | 'set' | 'get' | 'getBaudRate' | 'flush' | 'drain';
/** One binding call, the body of a request over the bridge's MessagePort. */
interface Call {
  method: Method;
  arg?: unknown;
}

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

/**
 * The worker's end of one port's channel. Errors come back as RemoteErrors with the real
 * binding's `canceled` flag, which serialport's stream reads to ignore reads cut short by a close.
 */
function requesterOn(port: MessagePort): Requester<Call> {
  const requests = new Requester<Call>((message, transfer) => port.postMessage(message, transfer));
  port.on('message', (message) => requests.receive(message));
  port.on('close', () => requests.close('the main thread closed the serial bridge'));
  return requests;
}

class BridgedPort implements BindingPortInterface {
  isOpen = true;
  constructor(
    private readonly requests: Requester<Call>,
    private readonly port: MessagePort,
    readonly openOptions: Required<OpenOptions>,
  ) {}

  private call<T>(method: Method, arg?: unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    return this.requests.request<T>({ method, arg }, transfer);
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    const data = await this.call<Uint8Array>('read', length);
    buffer.set(data, offset);
    return { buffer, bytesRead: data.length };
  }

  write(buffer: Buffer): Promise<void> {
    const copy = Uint8Array.from(buffer);
    return this.call('write', copy, [copy.buffer as ArrayBuffer]);
  }

  async close(): Promise<void> {
    this.isOpen = false;
    try {
      await this.call('close');
    } finally {
      // A read still pending, or any call after this, is told the port is closed (canceled).
      this.requests.close('Port is not open');
      this.port.close();
    }
  }

  update(options: UpdateOptions): Promise<void> {
    return this.call('update', options);
  }
  set(options: SetOptions): Promise<void> {
    return this.call('set', options);
  }
  get(): Promise<PortStatus> {
    return this.call('get');
  }
  getBaudRate(): Promise<{ baudRate: number }> {
    return this.call('getBaudRate');
  }
  flush(): Promise<void> {
    return this.call('flush');
  }
  drain(): Promise<void> {
    return this.call('drain');
  }
}

const bridgedBinding: BindingInterface = {
  list: () => Promise.reject(new Error('serial ports are listed from the main thread')),
  async open(options: OpenOptions) {
    const { port1, port2 } = new MessageChannel();
    requestBridge!(port2);
    const requests = requesterOn(port1);
    try {
      const openOptions = await requests.request<Required<OpenOptions>>({ method: 'open', arg: options });
      return new BridgedPort(requests, port1, openOptions);
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
  const call = async ({ method, arg }: Call): Promise<unknown> => {
    if (method === 'open') {
      real = await binding.open(arg as OpenOptions);
      if (closed) await real.close();
      return real.openOptions;
    }
    if (!real) throw Object.assign(new Error('Port is not open'), { canceled: true });
    if (method === 'read') {
      const length = arg as number;
      const { buffer, bytesRead } = await real.read(Buffer.allocUnsafe(length), 0, length);
      // Only the bytes read, in a buffer of their own that can be moved, not copied: cloning a
      // view would copy the whole (64 KiB) read buffer behind it for a 10-byte frame.
      return new Uint8Array(buffer.subarray(0, bytesRead));
    }
    if (method === 'write') return void (await real.write(Buffer.from(arg as Uint8Array)));
    if (method === 'close') return void (await real.close());
    return (real[method] as (a?: unknown) => Promise<unknown>).call(real, arg);
  };
  const answer = answerRequests<Call, unknown>(
    call,
    // After shut() the worker is gone or going: its answers would go nowhere.
    (reply, transfer) => {
      if (!closed) port.postMessage(reply, transfer);
    },
    (value) => (value instanceof Uint8Array ? [value.buffer as ArrayBuffer] : []),
  );
  port.on('message', (message: unknown) => {
    if (isRequest(message)) void answer(message as Request<Call>);
  });
  // The worker went away (closed or crashed): the device must not stay open behind it.
  port.on('close', () => void shut());
  return shut;
}
