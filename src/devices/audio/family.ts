// The audio family as the registry sees it: WAV and raw PCM files, raw PCM over TCP, and a
// simulator that serves raw PCM over TCP.
import * as path from 'node:path';
import type { Family } from '../index';
import { parseAudioSimulatorUri, parseAudioUri } from './audio-uri';
import { AudioFileSource } from './file-source';
import { AudioTcpSource } from './tcp-source';
import { AudioSimulator } from './simulator';

export const audio: Family = {
  id: 'audio',
  label: 'Audio (WAV / raw PCM)',
  schemes: ['audio', 'audio+tcp'],
  example: 'audio+tcp://127.0.0.1:4155',
  options: [
    { key: 'rate', description: 'sample rate of a headerless source, 8000–48000 Hz (16000 or 16k)', example: '16k' },
    { key: 'encoding', description: 'SPCM (signed), UPCM (unsigned), ULAW or ALAW', example: 'SPCM' },
    { key: 'width', description: 'bytes per sample (1 for ULAW/ALAW)', example: '2' },
    { key: 'channels', description: 'interleaved channels', example: '1' },
    { key: 'endian', description: 'little or big', example: 'little' },
    { key: 'speed', description: 'files: times real time, or max', example: '1' },
  ],
  simulatorOptions: [
    { key: 'freq', description: 'tone frequency in Hz (channel N plays N × freq)', example: '440' },
    { key: 'rate', description: 'sample rate, 8000–48000 Hz', example: '16k' },
    { key: 'channels', description: 'channels', example: '1' },
    { key: 'encoding', description: 'SPCM, UPCM, ULAW or ALAW on the wire', example: 'SPCM' },
    { key: 'width', description: 'bytes per sample', example: '2' },
    { key: 'endian', description: 'little or big', example: 'little' },
    { key: 'seconds', description: 'stop after this long (default: never)', example: '60' },
    { key: 'file', description: 'a WAV file to stream instead of the tone', example: '/path/to/file.wav' },
    { key: 'port', description: 'TCP port to listen on (0: any free one)', example: '0' },
  ],
  validate(uri) {
    if (uri.scheme === 'sim') parseAudioSimulatorUri(uri);
    else parseAudioUri(uri);
  },
  createSource(uri) {
    const target = parseAudioUri(uri, true);
    if (target.kind === 'tcp') return new AudioTcpSource(target);
    // Relative to the process's folder: the CLI's, or whatever the caller resolved it against.
    return new AudioFileSource({ path: path.resolve(target.path), declared: target.declared, speed: target.speed });
  },
  async simulate(uri) {
    const simulator = new AudioSimulator({ spec: parseAudioSimulatorUri(uri) });
    const port = await simulator.start();
    return { uri: simulator.uri(port), stop: () => simulator.stop(), sentAt: (frame) => simulator.sentAt(frame) };
  },
};
