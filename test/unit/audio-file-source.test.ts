// The file source against a recording sink: every frame once and in order, paced in ~20 ms blocks
// or as fast as it reads, held by pause(), and failures that name the file and the problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AudioFileSource, type AudioFileSourceOptions } from '../../src/devices/audio/file-source';
import { readAudioFile } from '../../src/devices/audio/file';
import type { SourceSink, StreamFormat } from '../../src/core/source';
import { tmpDir } from '../helpers/tmp';
import { AUDIO_DATA, buildWav, dataChunk, firstBitDifference, fmtChunk, seededBytes } from '../helpers/audio';

class RecordingSink {
  format?: StreamFormat;
  blocks: Float32Array[] = [];
  bytes = 0;
  ended?: string;
  failed?: Error;
  after: string[] = [];
  private done?: () => void;
  readonly finished = new Promise<void>((resolve) => (this.done = resolve));

  asSink(): SourceSink {
    const over = (what: string) => {
      if (this.ended !== undefined || this.failed) this.after.push(what);
    };
    return {
      format: (f: StreamFormat) => {
        this.format = f;
        return undefined as never;
      },
      frames: (frames: Float32Array, block: { bytes: number }) => {
        over('frames');
        this.blocks.push(frames.slice());
        this.bytes += block.bytes;
      },
      ended: (reason: string) => {
        over('ended');
        this.ended = reason;
        this.done!();
      },
      failed: (error: Error) => {
        over('failed');
        this.failed = error;
        this.done!();
      },
      log: () => undefined,
      connecting: () => undefined,
      rejected: () => undefined,
      written: () => undefined,
      gap: () => undefined,
      samples: () => undefined,
    } as unknown as SourceSink;
  }

  get samples(): Float32Array {
    const out = new Float32Array(this.blocks.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of this.blocks) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }
}

async function play(options: Partial<AudioFileSourceOptions> & { path: string }): Promise<RecordingSink> {
  const sink = new RecordingSink();
  const source = new AudioFileSource({ declared: {}, speed: Infinity, ...options });
  source.start(sink.asSink());
  await sink.finished;
  source.stop();
  return sink;
}

test('as fast as possible: every frame of every shared file once, then "end of file"', async () => {
  for (const name of fs.readdirSync(AUDIO_DATA)) {
    const file = path.join(AUDIO_DATA, name);
    const sink = await play({ path: file });
    const whole = readAudioFile(file);
    assert.equal(sink.ended, 'end of file', name);
    assert.equal(sink.failed, undefined);
    assert.equal(firstBitDifference(sink.samples, whole.samples), -1, name);
    assert.equal(sink.bytes, whole.info.dataBytes);
    assert.equal(sink.format!.rate, whole.info.format.rate);
    assert.deepEqual(
      sink.format!.channels.map((c) => c.name),
      whole.info.format.channels === 2 ? ['ch1', 'ch2'] : ['ch1'],
    );
    assert.ok(sink.format!.channels.every((c) => c.unit === ''));
    assert.deepEqual(sink.after, []);
  }
});

test("the stream format keeps the source's own description for the sidecar", async () => {
  const file = path.join(AUDIO_DATA, 'pluck-pcm24.wav');
  const sink = await play({ path: file });
  const source = sink.format!.source!;
  assert.equal(source.file, file);
  assert.equal(source.container, 'WAV');
  assert.equal(source.encoding, 'SPCM');
  assert.equal(source.width, 3);
  assert.equal(source.rate, 11025);
  assert.equal(source.channels, 2);
  assert.equal(source.endian, 'little');
  assert.equal(source.bytes, fs.statSync(file).size);
  assert.equal(source.frames, 3307);
  assert.deepEqual(source.chunks, ['fmt ', 'LIST', 'data']);
  assert.equal(source.scaling, 'signed 24-bit / 2^23');
});

test('paced: blocks of 20 ms of frames (the last one shorter), the whole file in order', async () => {
  const dir = tmpDir();
  const file = path.join(dir, 'short.wav');
  // 8000 Hz → 160-frame blocks; 1000 frames = 6 whole blocks and 40 frames.
  fs.writeFileSync(file, buildWav([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }), dataChunk(seededBytes(2000, 3))]));
  // 20× real time keeps the test short; pacing is the same code at any speed.
  const sink = await play({ path: file, speed: 20 });
  assert.deepEqual(
    sink.blocks.map((b) => b.length),
    [160, 160, 160, 160, 160, 160, 40],
  );
  assert.equal(firstBitDifference(sink.samples, readAudioFile(file).samples), -1);
  assert.equal(sink.ended, 'end of file');
});

test('pause() holds the file where it is and resume() goes on without losing or repeating a frame', async () => {
  const file = path.join(tmpDir(), 'p.wav');
  fs.writeFileSync(file, buildWav([fmtChunk({ tag: 1, channels: 2, rate: 8000, bits: 16 }), dataChunk(seededBytes(4 * 1600, 4))]));
  const sink = new RecordingSink();
  const source = new AudioFileSource({ path: file, declared: {}, speed: 10 });
  const s = sink.asSink();
  let paused = -1;
  let atResume = -1;
  source.start({
    ...s,
    frames: (frames, block) => {
      s.frames(frames, block);
      if (sink.blocks.length === 2) {
        source.pause();
        paused = sink.blocks.length;
        setTimeout(() => {
          atResume = sink.blocks.length;
          source.resume();
        }, 100);
      }
    },
  } as SourceSink);
  await sink.finished;
  source.stop();
  assert.equal(paused, 2);
  assert.equal(atResume, paused, 'frames came while paused');
  assert.equal(sink.ended, 'end of file');
  assert.equal(firstBitDifference(sink.samples, readAudioFile(file).samples), -1);
});

test('stop() ends playing: no sink call after it returns', async () => {
  const sink = new RecordingSink();
  const source = new AudioFileSource({ path: path.join(AUDIO_DATA, '8bit-alaw-8kHz-noBext-mono-encoded.wav'), declared: {}, speed: 1 });
  source.start(sink.asSink());
  await new Promise((r) => setTimeout(r, 100));
  source.stop();
  const seen = sink.blocks.length;
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(sink.blocks.length, seen);
  assert.equal(sink.ended, undefined);
});

test('failures name the file and the problem', async () => {
  const dir = tmpDir();
  const missing = await play({ path: path.join(dir, 'nope.wav') });
  assert.match(missing.failed!.message, /^cannot play .*nope\.wav: no such file$/);
  const folder = await play({ path: dir });
  assert.match(folder.failed!.message, /it is a folder, not a file/);
  const raw = path.join(dir, 'x.pcm');
  fs.writeFileSync(raw, Buffer.alloc(64));
  const undeclared = await play({ path: raw, declared: { rate: '16k', encoding: 'SPCM' } });
  assert.match(undeclared.failed!.message, /x\.pcm: no RIFF\/RIFX header, so it is read as raw PCM, and width is required for SPCM/);
  const cut = path.join(dir, 'cut.wav');
  fs.writeFileSync(cut, buildWav([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }), dataChunk(Buffer.alloc(100))]).subarray(0, 80));
  assert.match((await play({ path: cut })).failed!.message, /cut\.wav: truncated data chunk/);
  assert.equal(undeclared.format, undefined, 'no format before the file is known good');
});

test('a raw file plays with its declared format', async () => {
  const raw = path.join(tmpDir(), 'mono.ulaw');
  fs.writeFileSync(raw, seededBytes(1000, 9));
  const sink = await play({ path: raw, declared: { rate: '8k', encoding: 'ULAW' } });
  assert.equal(sink.ended, 'end of file');
  assert.equal(sink.samples.length, 1000);
  assert.deepEqual(
    { container: sink.format!.source!.container, encoding: sink.format!.source!.encoding, rate: sink.format!.rate },
    { container: 'raw', encoding: 'ULAW', rate: 8000 },
  );
});
