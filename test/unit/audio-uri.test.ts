// The audio family's URIs as a user types them: what is accepted, and what is refused naming the part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { FAMILIES, registry } from '../../src/devices/index';
import { parseDeviceUri } from '../../src/core/uri';
import { absoluteAudioUri, fastFileUri, parseAudioSimulatorUri, parseAudioUri } from '../../src/devices/audio/audio-uri';
import { AudioTcpSource } from '../../src/devices/audio/tcp-source';
import { AudioFileSource } from '../../src/devices/audio/file-source';

test('the audio family is registered for audio:, audio+tcp: and sim:audio', () => {
  assert.ok(FAMILIES.some((f) => f.id === 'audio'));
  for (const uri of ['audio:a.wav', 'audio+tcp://h:4155?rate=16k&encoding=SPCM&width=2', 'sim:audio']) {
    assert.equal(registry.of(parseDeviceUri(uri)).id, 'audio', uri);
  }
});

test('accepted URIs, and what they mean', () => {
  assert.deepEqual(parseAudioUri(parseDeviceUri('audio:rec/in.wav')), { kind: 'file', path: 'rec/in.wav', declared: {}, speed: 1 });
  assert.deepEqual(parseAudioUri(parseDeviceUri('audio:/abs/raw.pcm?rate=16k&encoding=SPCM&width=2&channels=1&endian=little&speed=max')), {
    kind: 'file',
    path: '/abs/raw.pcm',
    declared: { rate: '16k', encoding: 'SPCM', width: '2', channels: '1', endian: 'little' },
    speed: Infinity,
  });
  assert.deepEqual(parseAudioUri(parseDeviceUri('audio:///abs/x.wav')).kind, 'file');
  assert.deepEqual(parseAudioUri(parseDeviceUri('audio+tcp://mymachine:4155?rate=16k&encoding=ULAW')), {
    kind: 'tcp',
    host: 'mymachine',
    port: 4155,
    format: { encoding: 'ULAW', width: 1, validBits: 8, rate: 16000, channels: 1, endian: 'little' },
  });
  assert.deepEqual(parseAudioSimulatorUri(parseDeviceUri('sim:audio')), {
    kind: 'tone',
    freq: 440,
    format: { encoding: 'SPCM', width: 2, validBits: 16, rate: 16000, channels: 1, endian: 'little' },
    seconds: undefined,
    port: 0,
  });
  assert.deepEqual(parseAudioSimulatorUri(parseDeviceUri('sim:audio?freq=1000&rate=8k&channels=2&encoding=ALAW&seconds=2.5&port=4155')), {
    kind: 'tone',
    freq: 1000,
    format: { encoding: 'ALAW', width: 1, validBits: 8, rate: 8000, channels: 2, endian: 'little' },
    seconds: 2.5,
    port: 4155,
  });
  assert.deepEqual(parseAudioSimulatorUri(parseDeviceUri('sim:audio?file=x.wav')), {
    kind: 'file',
    file: 'x.wav',
    seconds: undefined,
    port: 0,
  });
});

test('a bad audio URI is refused naming the part that is wrong', () => {
  const cases: [string, RegExp][] = [
    ['audio:', /no file \(expected audio:path\/to\/file\.wav\)/],
    ['audio://host/x.wav', /audio: takes a file path, not a host "host"/],
    ['audio:x.wav?rat=16k', /unknown parameter "rat" \(known: rate, encoding, width, channels, endian, speed\)/],
    ['audio:x.pcm?rate=96k', /parameter rate=96k is outside 8000–48000 Hz/],
    ['audio:x.pcm?rate=16k&encoding=ULAW&width=2', /parameter width=2 contradicts encoding=ULAW/],
    ['audio:x.wav?speed=fast', /parameter speed="fast" is not a number > 0 or "max"/],
    ['audio+tcp://:4155?rate=16k', /no host/],
    ['audio+tcp://h?rate=16k&encoding=SPCM&width=2', /no port/],
    ['audio+tcp://h:4155/x?rate=16k&encoding=SPCM&width=2', /a socket address has no path/],
    ['audio+tcp://h:4155?rate=16k&encoding=SPCM', /parameter width is required for SPCM/],
    ['audio+tcp://h:4155?encoding=SPCM&width=2', /parameter rate is required for a headerless source/],
    ['audio+tcp://h:4155?rate=16k', /parameter encoding is required/],
    ['audio+tcp://h:4155?rate=16k&encoding=SPCM&width=2&speed=max', /unknown parameter "speed"/],
    ['audio+tcp://h:4155?rate=16k&encoding=SPCM&width=2&endian=middle', /parameter endian="middle" is not little or big/],
    ['sim:audio?file=x.wav&rate=16k', /file= streams a WAV in its own format: it cannot be combined with rate=/],
    ['sim:audio?file=', /parameter file="" is empty/],
    ['sim:audio?freq=9000&rate=16k', /parameter freq=9000 is too high/],
    ['sim:audio?freq=3000&rate=16k&channels=3', /channel 3 plays 9000 Hz/],
    ['sim:audio?freq=-5', /parameter freq="-5" is not a number > 0/],
    ['sim:audio?seconds=0', /parameter seconds="0" is not a number > 0/],
    ['sim:audio?port=70000', /parameter port="70000" is not a number from 0 \(any\) to 65535/],
    ['sim:audio?encoding=FLOAT', /parameter encoding="FLOAT" is not one of SPCM, UPCM, ULAW, ALAW/],
    ['sim:audio?volume=3', /unknown parameter "volume"/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => registry.resolve(text),
      (e: Error) => e.name === 'UriError' && message.test(e.message) && e.message.includes(`"${text}"`),
      text,
    );
  }
});

test('a bare address passes (Add Device checks it before its options); the source still refuses it naming the field', () => {
  assert.doesNotThrow(() => registry.resolve('audio+tcp://127.0.0.1:4155'));
  assert.throws(() => registry.createSource('audio+tcp://127.0.0.1:4155'), /parameter rate is required/);
  assert.ok(registry.createSource('audio+tcp://127.0.0.1:4155?rate=16k&encoding=SPCM&width=2') instanceof AudioTcpSource);
  assert.ok(registry.createSource('audio:x.wav') instanceof AudioFileSource);
});

test('relative file paths are made absolute against a folder; other URIs are left alone', () => {
  const base = path.resolve('/work/space');
  assert.equal(absoluteAudioUri('audio:rec/in.wav', base), `audio:${path.join(base, 'rec/in.wav')}`);
  assert.equal(
    absoluteAudioUri('audio:raw.pcm?rate=16k&encoding=ULAW', base),
    `audio:${path.join(base, 'raw.pcm')}?rate=16k&encoding=ULAW`,
  );
  assert.equal(absoluteAudioUri('audio:/abs/in.wav', base), 'audio:/abs/in.wav');
  assert.equal(absoluteAudioUri('audio+tcp://h:1?rate=16k', base), 'audio+tcp://h:1?rate=16k');
  const sim = absoluteAudioUri('sim:audio?file=a%26b.wav&port=5', base);
  assert.equal(parseDeviceUri(sim).params.get('file'), path.join(base, 'a&b.wav'));
  assert.equal(parseDeviceUri(sim).params.get('port'), '5');
  assert.equal(absoluteAudioUri('sim:rda?file=x.vhdr', base), 'sim:rda?file=x.vhdr');
});

test('--fast: speed=max on a file URI; anything else is refused', () => {
  assert.equal(fastFileUri(parseDeviceUri('audio:a.wav')).uri, 'audio:a.wav?speed=max');
  assert.equal(fastFileUri(parseDeviceUri('audio:a.pcm?rate=8k&encoding=ULAW')).uri, 'audio:a.pcm?rate=8k&encoding=ULAW&speed=max');
  assert.equal(fastFileUri(parseDeviceUri('audio:a.wav?speed=max')).uri, 'audio:a.wav?speed=max');
  assert.throws(() => fastFileUri(parseDeviceUri('audio:a.wav?speed=2')), /speed=2 asks for another speed/);
  assert.throws(() => fastFileUri(parseDeviceUri('sim:audio')), /only an audio file \(audio:FILE\) can be played faster/);
  assert.throws(() => fastFileUri(parseDeviceUri('audio+tcp://h:1?rate=8k&encoding=ULAW')), /only an audio file/);
});
