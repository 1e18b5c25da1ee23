// WebGL2: the frame's min/max pairs are uploaded as they arrive, as a float texture (one
// texSubImage2D), and every series' every column is one quad, all in a single draw call with no
// vertex attributes: the vertex shader finds its pair from gl_VertexID and applies geometry.ts's
// pixel rules (lane rows, clamping, joining to the previous column, NaN gaps), so the CPU never
// walks the data. Not instanced: SwiftShader (Chrome's software GL) pays per instance, ~30 µs,
// which at 76 800 quads is seconds. Lanes (position, range, colour) live in a small float
// texture, which keeps the series count free of uniform limits.
import { cssColor } from './color';
import { laneRows, plotBox, fitCanvas } from './geometry';
import type { DrawInput, RendererKind, ScopeRenderer } from './types';

const VERTEX = `#version 300 es
precision highp float;
precision highp int;
uniform highp sampler2D data;  // (min, max) pair i at texel (i % rowLength, i / rowLength)
uniform highp sampler2D lanes; // row 0: (top, end, y0, hi), row 1: (scale, -, -, -), row 2: rgba
uniform int rowLength;
uniform int columns;
uniform int left;
uniform int width;
uniform vec2 canvas;
flat out vec4 color;

float rowOf(vec4 l, float scale, float v) {
  return clamp(floor(l.z + (l.w - v) * scale), l.x, l.y - 1.0);
}

vec2 pair(int i) {
  return texelFetch(data, ivec2(i % rowLength, i / rowLength), 0).rg;
}

// Two triangles per quad: corners (0,0) (1,0) (0,1), (0,1) (1,0) (1,1) as (right, lower).
const int RIGHT[6] = int[6](0, 1, 0, 0, 1, 1);
const int LOWER[6] = int[6](0, 0, 1, 1, 0, 1);

void main() {
  int quad = gl_VertexID / 6;
  int corner = gl_VertexID - quad * 6;
  int s = quad / columns;
  int c = quad - s * columns;
  vec4 l = texelFetch(lanes, ivec2(s, 0), 0);
  float scale = texelFetch(lanes, ivec2(s, 1), 0).x;
  color = texelFetch(lanes, ivec2(s, 2), 0);
  vec2 cur = pair(quad);
  if (isnan(cur.x) || isnan(cur.y) || l.y <= l.x) {
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0); // outside the clip volume: nothing drawn
    return;
  }
  float a = rowOf(l, scale, cur.y);
  float b = rowOf(l, scale, cur.x);
  float top = min(a, b);
  float bot = max(a, b);
  if (c > 0) {
    vec2 prev = pair(quad - 1);
    if (!isnan(prev.x) && !isnan(prev.y)) {
      float pa = rowOf(l, scale, prev.y);
      float pb = rowOf(l, scale, prev.x);
      top = min(top, max(pa, pb));
      bot = max(bot, min(pa, pb));
    }
  }
  int x0 = left + (c * width) / columns;
  int x1 = max(left + ((c + 1) * width) / columns, x0 + 1);
  vec2 px = vec2(float(RIGHT[corner] == 1 ? x1 : x0), LOWER[corner] == 1 ? bot + 1.0 : top);
  gl_Position = vec4(px.x / canvas.x * 2.0 - 1.0, 1.0 - px.y / canvas.y * 2.0, 0.0, 1.0);
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
flat in vec4 color;
out vec4 outColor;
void main() { outColor = vec4(color.rgb * color.a, color.a); }`;

interface Gl {
  gl: WebGL2RenderingContext;
  program: WebGLProgram;
  /** Bound while drawing: WebGL2 draws without attributes, but some drivers want a VAO. */
  vao: WebGLVertexArrayObject;
  data: WebGLTexture;
  lanes: WebGLTexture;
  uniforms: Record<'data' | 'lanes' | 'rowLength' | 'columns' | 'left' | 'width' | 'canvas', WebGLUniformLocation | null>;
}

export class WebglRenderer implements ScopeRenderer {
  readonly kind: RendererKind = 'webgl';
  private readonly gl: WebGL2RenderingContext;
  private state?: Gl;
  /** Texels per row of the data texture, and the rows it has room for. */
  private rowLength = 1;
  private dataRows = 0;
  private laneData = new Float32Array(0);
  private laneCount = -1;
  private readonly onLost = (e: Event) => {
    e.preventDefault(); // lets the browser restore the context
    this.state = undefined;
  };
  private readonly onRestored = () => this.init();

  constructor(private readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl2', {
      alpha: true,
      antialias: false,
      depth: false,
      stencil: false,
      premultipliedAlpha: true,
      preserveDrawingBuffer: false,
    });
    if (!gl) throw new Error('webgl renderer: WebGL2 is not available');
    this.gl = gl;
    canvas.addEventListener('webglcontextlost', this.onLost);
    canvas.addEventListener('webglcontextrestored', this.onRestored);
    this.init();
  }

  resize(width: number, height: number): void {
    fitCanvas(this.canvas, width, height);
  }

  draw(input: DrawInput): void {
    const st = this.state;
    const { gl, canvas } = this;
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    const { minmax, columns, lanes } = input;
    const { left, width } = plotBox(input.left, input.width);
    const series = Math.min(lanes.length, Math.floor(minmax.length / (2 * Math.max(1, columns))));
    if (!st || columns <= 0 || width <= 0 || series <= 0) return;
    gl.useProgram(st.program);
    gl.bindVertexArray(st.vao);
    this.uploadData(st, minmax, series * columns);
    this.uploadLanes(st, lanes.slice(0, series), canvas.height);
    gl.uniform1i(st.uniforms.rowLength, this.rowLength);
    gl.uniform1i(st.uniforms.columns, columns);
    gl.uniform1i(st.uniforms.left, left);
    gl.uniform1i(st.uniforms.width, width);
    gl.uniform2f(st.uniforms.canvas, canvas.width, canvas.height);
    gl.drawArrays(gl.TRIANGLES, 0, series * columns * 6);
    gl.bindVertexArray(null);
  }

  dispose(): void {
    this.canvas.removeEventListener('webglcontextlost', this.onLost);
    this.canvas.removeEventListener('webglcontextrestored', this.onRestored);
    const st = this.state;
    if (!st) return;
    const { gl } = st;
    gl.deleteTexture(st.data);
    gl.deleteTexture(st.lanes);
    gl.deleteVertexArray(st.vao);
    gl.deleteProgram(st.program);
    this.state = undefined;
  }

  /** The first `pairs` (min, max) pairs into the data texture: whole rows, then the last part. */
  private uploadData(st: Gl, minmax: Float32Array, pairs: number): void {
    const { gl } = st;
    const n = this.rowLength;
    const rows = Math.ceil(pairs / n);
    gl.activeTexture(gl.TEXTURE1);
    gl.bindTexture(gl.TEXTURE_2D, st.data);
    if (rows > this.dataRows) {
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RG32F, n, rows, 0, gl.RG, gl.FLOAT, null);
      this.dataRows = rows;
    }
    const full = Math.floor(pairs / n);
    if (full > 0) gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, n, full, gl.RG, gl.FLOAT, minmax, 0);
    const rest = pairs - full * n;
    if (rest > 0) gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, full, rest, 1, gl.RG, gl.FLOAT, minmax, full * n * 2);
    gl.uniform1i(st.uniforms.data, 1);
  }

  private uploadLanes(st: Gl, lanes: DrawInput['lanes'], height: number): void {
    const n = lanes.length;
    if (this.laneData.length !== n * 12) this.laneData = new Float32Array(n * 12);
    const d = this.laneData;
    lanes.forEach((lane, i) => {
      const r = laneRows(lane, height);
      d.set([r.top, r.end, r.y0, r.hi], i * 4);
      d[(n + i) * 4] = r.scale;
      const [cr, cg, cb, ca] = cssColor(lane.color);
      d.set([cr / 255, cg / 255, cb / 255, ca / 255], (2 * n + i) * 4);
    });
    const { gl } = st;
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, st.lanes);
    if (n !== this.laneCount) gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA32F, n, 3, 0, gl.RGBA, gl.FLOAT, d);
    else gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, n, 3, gl.RGBA, gl.FLOAT, d);
    this.laneCount = n;
    gl.uniform1i(st.uniforms.lanes, 0);
  }

  private init(): void {
    const { gl } = this;
    const program = link(gl, VERTEX, FRAGMENT);
    const texture = () => {
      const t = gl.createTexture()!;
      gl.bindTexture(gl.TEXTURE_2D, t);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
      return t;
    };
    gl.disable(gl.BLEND);
    gl.disable(gl.DEPTH_TEST);
    const uniform = (name: string) => gl.getUniformLocation(program, name);
    this.state = {
      gl,
      program,
      vao: gl.createVertexArray()!,
      data: texture(),
      lanes: texture(),
      uniforms: {
        data: uniform('data'),
        lanes: uniform('lanes'),
        rowLength: uniform('rowLength'),
        columns: uniform('columns'),
        left: uniform('left'),
        width: uniform('width'),
        canvas: uniform('canvas'),
      },
    };
    // Rows of 4096 texels keep 1024 channels × 8192 columns (LIMITS) within 2048 rows.
    this.rowLength = Math.min(4096, gl.getParameter(gl.MAX_TEXTURE_SIZE) as number);
    this.dataRows = 0;
    this.laneCount = -1;
  }
}

function link(gl: WebGL2RenderingContext, vertex: string, fragment: string): WebGLProgram {
  const program = gl.createProgram()!;
  for (const [type, source] of [
    [gl.VERTEX_SHADER, vertex],
    [gl.FRAGMENT_SHADER, fragment],
  ] as const) {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS) && !gl.isContextLost()) {
      throw new Error(`webgl renderer: shader does not compile: ${gl.getShaderInfoLog(shader)}`);
    }
    gl.attachShader(program, shader);
    gl.deleteShader(shader);
  }
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS) && !gl.isContextLost()) {
    throw new Error(`webgl renderer: program does not link: ${gl.getProgramInfoLog(program)}`);
  }
  return program;
}
