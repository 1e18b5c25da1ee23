// The simulated Moku and its mokucli stand-in checked by a client written independently of
// Labscope's, in Debian's python3 with the standard library only (http.client, json, socket,
// subprocess), against the request and reply shapes of ../shared/PROTOCOLS.md "Liquid Instruments
// Moku": the envelope, the Moku-Client-Key header and the refusal without it, describe's fields,
// bare nan tokens outside strings, start_streaming's stream_id, a coerced rate's warning and
// get_samplerate, 404 without JSON, `mokucli --version` in both styles, `mokucli stream` listening
// on 127.0.0.1 (reached with the official client's 5 tries 0.5 s apart), one JSON object per line
// with continuous time, `EOS` and exit 0; relinquish at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { MokuSimulator } from '../../src/devices/moku/simulator';
import { PYTHON } from '../helpers/python';

const CLIENT = String.raw`
import http.client, json, re, socket, subprocess, sys, time

host, port, mokucli, version_style = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
report = {}

def bare_tokens(text):
    # nan / inf / -inf outside strings become JSON's NaN / Infinity, which json.loads reads.
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == '\\' else 1
            out.append(text[i:j + 1]); i = j + 1; continue
        m = re.match(r'-?(nan|inf)(?![A-Za-z0-9_])', text[i:])
        if m:
            word = m.group(0)
            out.append({'nan': 'NaN', '-nan': 'NaN', 'inf': 'Infinity', '-inf': '-Infinity'}[word]); i += len(word); continue
        out.append(ch); i += 1
    return ''.join(out)

def post(path, body, key=None):
    c = http.client.HTTPConnection(host, port, timeout=10)
    headers = {'Content-Type': 'application/json'}
    if key: headers['Moku-Client-Key'] = key
    c.request('POST', '/api/' + path, json.dumps(body), headers)
    r = c.getresponse()
    text = r.read().decode()
    c.close()
    return r.status, dict(r.getheaders()), text

def envelope(text):
    e = json.loads(bare_tokens(text))
    assert set(e) == {'success', 'data', 'code', 'messages'}, e
    assert isinstance(e['success'], bool)
    assert e['messages'] is None or all(isinstance(m, str) for m in e['messages'])
    return e

# Without a key: an INVALID_REQUEST envelope.
s, h, t = post('moku/describe', {})
e = envelope(t)
report['no_key'] = [s, e['success'], e['code']]

s, h, t = post('moku/claim_ownership', {'force_connect': True})
key = {k.lower(): v for k, v in h.items()}.get('moku-client-key')
report['claim'] = [s, envelope(t)['success'], bool(key)]

s, h, t = post('moku/describe', {}, key)
e = envelope(t)
report['describe'] = sorted(k for k in e['data'] if k in ('hardware', 'mokuOS', 'proxy_version', 'bitstreams'))
report['describe_nan'] = [e['data'].get('temperature') != e['data'].get('temperature'), e['data'].get('note')]

s, h, t = post('slot1/datalogger/no_such_operation', {}, key)
try:
    json.loads(t); notjson = False
except ValueError:
    notjson = True
report['404'] = [s, notjson]

s, h, t = post('slot1/datalogger/start_streaming', {'duration': 0.4, 'sample_rate': 3000}, key)
e = envelope(t)
report['start'] = [e['success'], e['data'], bool(e['messages'])]
s, h, t = post('slot1/datalogger/get_samplerate', {}, key)
rate = envelope(t)['data']['sample_rate']
report['rate'] = rate

v = subprocess.run([mokucli, '--version'], capture_output=True, text=True, timeout=10)
m = re.search(r'(\d+)\.(\d+)\.(\d+)', v.stdout)
report['version'] = [v.returncode, [int(x) for x in m.groups()], v.stdout.strip().startswith('mokucli ') == (version_style == '2')]

probe = socket.socket(); probe.bind(('127.0.0.1', 0)); target = probe.getsockname()[1]; probe.close()
proc = subprocess.Popen([mokucli, 'stream', '--ip-address=%s:%d' % (host, port), '--stream-id=logsink0', '--target=%d' % target],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
sock = None
for attempt in range(5):
    try:
        sock = socket.create_connection(('127.0.0.1', target)); break
    except OSError:
        time.sleep(0.5)
data = b''
while True:
    chunk = sock.recv(65536)
    if not chunk: break
    data += chunk
sock.close()
code = proc.wait(timeout=10)
stderr = proc.stderr.read().decode()
lines = data.decode().split('\n')
assert lines[-1] == '', 'every line ends with a newline'
lines = lines[:-1]
frames, continuous, keys, per_line = 0, True, set(), set()
for line in lines[:-1]:
    o = json.loads(bare_tokens(line))
    keys.add(tuple(o))
    n = len(o['time'])
    assert all(len(o[k]) == n for k in o)
    per_line.add(n)
    for k, t in enumerate(o['time']):
        if abs(t - (frames + k) / rate) > 1e-9: continuous = False
    frames += n
report['stream'] = {'last': lines[-1], 'exit': code, 'stderr': stderr, 'frames': frames, 'continuous': continuous,
                    'keys': sorted(set(k for ks in keys for k in ks)), 'varying': len(per_line) > 1, 'attempt': attempt}

s, h, t = post('moku/relinquish_ownership', {}, key)
report['relinquish'] = envelope(t)['success']
print(json.dumps(report))
`;

function runPython(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // Asynchronously: the simulator answers from this process's event loop meanwhile.
    const child = spawn(PYTHON, ['-c', CLIENT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`python3 client failed (${code}): ${err}`));
      resolve(JSON.parse(out) as Record<string, unknown>);
    });
  });
}

for (const [style, version] of [
  ['4', '4.0.3'],
  ['2', 'mokucli 2.2.2'],
] as const) {
  test(
    `a stdlib-only Python client finds the simulator and its stand-in as PROTOCOLS.md says (--version: ${version})`,
    { timeout: 60_000 },
    async () => {
      const sim = new MokuSimulator({ mokucliVersion: version, nanBodies: true, standIn: { listenDelayMs: 600, perLine: [1, 30] } });
      const port = await sim.start();
      try {
        const r = await runPython(['127.0.0.1', String(port), sim.mokucli!, style]);
        assert.deepEqual(r.no_key, [200, false, 'INVALID_REQUEST']);
        assert.deepEqual(r.claim, [200, true, true]);
        assert.deepEqual(r.describe, ['bitstreams', 'hardware', 'mokuOS', 'proxy_version']);
        assert.deepEqual(r.describe_nan, [true, 'info: nan readings are financial-grade']);
        assert.deepEqual(r['404'], [404, true]);
        assert.deepEqual(r.start, [true, { stream_id: 'logsink0' }, true]);
        assert.equal(r.rate, 1e6 / 333);
        assert.deepEqual(r.version, [0, style === '4' ? [4, 0, 3] : [2, 2, 2], true]);
        const stream = r.stream as Record<string, unknown>;
        assert.equal(stream.last, 'EOS');
        assert.equal(stream.exit, 0);
        assert.equal(stream.stderr, '');
        assert.equal(stream.frames, Math.round(0.4 * (1e6 / 333)));
        assert.equal(stream.continuous, true);
        assert.deepEqual(stream.keys, ['ch1', 'ch2', 'time']);
        assert.equal(stream.varying, true);
        assert.ok((stream.attempt as number) >= 1, 'the stand-in listened only after a start-up delay');
        assert.equal(r.relinquish, true);
        assert.ok(!sim.owned);
      } finally {
        await sim.stop();
      }
    },
  );
}
