// The receive stream between the poll recorder (producer, on an absolute schedule) and its
// consumer (at its own pace): bounded, so a slow consumer meets the recorder's overflow policy.

export class BatchQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private readonly takers: ((result: IteratorResult<T>) => void)[] = [];
  private readonly spaceWaiters: (() => void)[] = [];

  constructor(readonly capacity: number) {}

  get length(): number {
    return this.items.length;
  }

  get full(): boolean {
    return this.items.length >= this.capacity;
  }

  /** Adds if there is room; false when full (or closed). */
  offer(item: T): boolean {
    if (this.closed || this.full) return false;
    const taker = this.takers.shift();
    if (taker) taker({ value: item, done: false });
    else this.items.push(item);
    return true;
  }

  /** Resolves once there is room (true) or the queue is closed (false). */
  async waitForSpace(): Promise<boolean> {
    while (!this.closed && this.full) await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    return !this.closed;
  }

  /** Removes the oldest queued item (DROP_OLDEST's eviction). */
  evictOldest(): T | undefined {
    const item = this.items.shift();
    this.spaceWaiters.shift()?.();
    return item;
  }

  /** No more items: waiting takers finish, queued items are still delivered. */
  close(): void {
    this.closed = true;
    for (const taker of this.takers.splice(0)) taker({ value: undefined, done: true });
    for (const waiter of this.spaceWaiters.splice(0)) waiter();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const value = this.items.shift()!;
      this.spaceWaiters.shift()?.();
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.takers.push(resolve));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.next() };
  }
}
