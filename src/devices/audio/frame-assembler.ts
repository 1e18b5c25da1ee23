// A byte stream cut anywhere (TCP delivers what it has, not whole samples) → whole decoded frames.
// At most one frame's worth of bytes is ever held back between pieces.
import type { SampleDecoder } from './decoder';

export class FrameAssembler {
  private readonly partial: Uint8Array;
  private held = 0;
  private out = new Float32Array(0);

  constructor(private readonly decoder: SampleDecoder) {
    this.partial = new Uint8Array(decoder.frameBytes);
  }

  /** Bytes of an incomplete frame waiting for the rest. */
  get pending(): number {
    return this.held;
  }

  /**
   * Decodes every frame completed by `piece`. The returned samples (interleaved, possibly empty)
   * are only valid until the next call: the buffer is reused.
   */
  push(piece: Uint8Array): Float32Array {
    const frameBytes = this.decoder.frameBytes;
    const channels = this.decoder.format.channels;
    let at = 0;
    let completed = 0;
    if (this.held > 0) {
      const take = Math.min(frameBytes - this.held, piece.length);
      this.partial.set(piece.subarray(0, take), this.held);
      this.held += take;
      at = take;
      if (this.held < frameBytes) return this.out.subarray(0, 0);
      completed = 1;
    }
    const whole = Math.floor((piece.length - at) / frameBytes);
    const samples = (completed + whole) * channels;
    if (this.out.length < samples) this.out = new Float32Array(Math.max(samples, this.out.length * 2));
    if (completed) {
      this.decoder.decode(this.partial, this.out.subarray(0, channels));
      this.held = 0;
    }
    const end = at + whole * frameBytes;
    if (whole > 0) this.decoder.decode(piece.subarray(at, end), this.out.subarray(completed * channels));
    const rest = piece.length - end;
    if (rest > 0) {
      this.partial.set(piece.subarray(end));
      this.held = rest;
    }
    return this.out.subarray(0, samples);
  }
}
