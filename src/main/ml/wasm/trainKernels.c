/*
 * CareLens training kernels in WebAssembly SIMD (128-bit), for the tfjs wasm backend.
 * Built by scripts/build-wasm-kernels.sh into trainKernels.wasm.ts (base64); loaded by
 * src/main/ml/wasm/trainKernels.ts.
 *
 * The module has its own memory: the JS side copies chunks of rows of a channels-last
 * tensor in from the backend's heap, calls a kernel, and copies results out. Nothing here
 * ever touches the backend's memory. Layout of our memory (floats, from `tk_base()`):
 * a parameter block of 8 * TK_MAXC floats, then the row buffers A and B of TK_CHUNK floats.
 *
 * Batch normalisation over M rows of C channels (C a multiple of 4), y = relu?(x * scale + shift)
 * with scale = gamma * invstd and shift = beta - mean * scale, computed in float exactly the
 * same way in the forward kernel and when the backward kernel recomputes y for ReLU's mask.
 *
 * Statistics: per channel, sums of (x - K) and (x - K)^2 with K the first row of the batch
 * (a shift that keeps the one-pass variance accurate); float accumulators per chunk of at
 * most 256 rows, added into double accumulators.
 */
#include <wasm_simd128.h>

#define TK_MAXC 1024
#define TK_CHUNK 65536
#define TK_BLOCK_ROWS 256

/* Parameter block offsets (in floats). */
#define P_GAMMA 0
#define P_BETA (1 * TK_MAXC)
#define P_MEAN (2 * TK_MAXC)
#define P_INVSTD (3 * TK_MAXC)
#define P_OUT0 (4 * TK_MAXC)
#define P_OUT1 (5 * TK_MAXC)
#define P_SHIFTK (6 * TK_MAXC)

static float mem[8 * TK_MAXC + 2 * TK_CHUNK] __attribute__((aligned(16)));
static double acc0[TK_MAXC];
static double acc1[TK_MAXC];
static float facc0[TK_MAXC] __attribute__((aligned(16)));
static float facc1[TK_MAXC] __attribute__((aligned(16)));

__attribute__((export_name("tk_base"))) float *tk_base(void) { return mem; }
__attribute__((export_name("tk_maxc"))) int tk_maxc(void) { return TK_MAXC; }
__attribute__((export_name("tk_chunk"))) int tk_chunk(void) { return TK_CHUNK; }

/* Zeroes the double accumulators of C channels. */
__attribute__((export_name("tk_reset"))) void tk_reset(int C) {
  for (int c = 0; c < C; c++) {
    acc0[c] = 0;
    acc1[c] = 0;
  }
}

static void flush(int C) {
  for (int c = 0; c < C; c++) {
    acc0[c] += facc0[c];
    acc1[c] += facc1[c];
    facc0[c] = 0;
    facc1[c] = 0;
  }
}

static void zero_facc(int C) {
  for (int c = 0; c < C; c += 4) {
    wasm_v128_store(facc0 + c, wasm_f32x4_splat(0));
    wasm_v128_store(facc1 + c, wasm_f32x4_splat(0));
  }
}

/*
 * Statistics pass over `rows` rows in buffer A: acc0 += sum (x - K), acc1 += sum (x - K)^2,
 * K in the parameter block at P_SHIFTK.
 */
__attribute__((export_name("tk_bn_stats"))) void tk_bn_stats(int rows, int C) {
  const float *x = mem + 8 * TK_MAXC;
  const float *K = mem + P_SHIFTK;
  zero_facc(C);
  for (int r0 = 0; r0 < rows; r0 += TK_BLOCK_ROWS) {
    int r1 = r0 + TK_BLOCK_ROWS < rows ? r0 + TK_BLOCK_ROWS : rows;
    for (int c = 0; c < C; c += 4) {
      v128_t k = wasm_v128_load(K + c);
      v128_t s = wasm_f32x4_splat(0), q = wasm_f32x4_splat(0);
      for (int r = r0; r < r1; r++) {
        v128_t d = wasm_f32x4_sub(wasm_v128_load(x + r * C + c), k);
        s = wasm_f32x4_add(s, d);
        q = wasm_f32x4_add(q, wasm_f32x4_mul(d, d));
      }
      wasm_v128_store(facc0 + c, s);
      wasm_v128_store(facc1 + c, q);
    }
    flush(C);
  }
}

/*
 * Finishes the statistics of M rows: writes mean to P_MEAN, biased variance to P_OUT0 and
 * 1 / sqrt(var + eps) to P_INVSTD.
 */
__attribute__((export_name("tk_bn_finish"))) void tk_bn_finish(int M, int C, float eps) {
  float *p = mem;
  for (int c = 0; c < C; c++) {
    double m1 = acc0[c] / M;
    double var = acc1[c] / M - m1 * m1;
    if (var < 0) var = 0;
    double mean = p[P_SHIFTK + c] + m1;
    p[P_MEAN + c] = (float)mean;
    p[P_OUT0 + c] = (float)var;
    p[P_INVSTD + c] = (float)(1.0 / __builtin_sqrt(var + eps));
  }
}

static inline void scale_shift(int c, v128_t *scale, v128_t *shift) {
  const float *p = mem;
  v128_t sc = wasm_f32x4_mul(wasm_v128_load(p + P_GAMMA + c), wasm_v128_load(p + P_INVSTD + c));
  *scale = sc;
  *shift = wasm_f32x4_sub(wasm_v128_load(p + P_BETA + c), wasm_f32x4_mul(wasm_v128_load(p + P_MEAN + c), sc));
}

/* y = relu?(x * scale + shift) over `rows` rows of buffer A, in place. */
__attribute__((export_name("tk_bn_apply"))) void tk_bn_apply(int rows, int C, int relu) {
  float *x = mem + 8 * TK_MAXC;
  v128_t zero = wasm_f32x4_splat(0);
  for (int c = 0; c < C; c += 4) {
    v128_t sc, sh;
    scale_shift(c, &sc, &sh);
    wasm_v128_store(facc0 + c, sc);
    wasm_v128_store(facc1 + c, sh);
  }
  for (int r = 0; r < rows; r++) {
    float *q = x + r * C;
    if (relu) {
      for (int c = 0; c < C; c += 4)
        wasm_v128_store(q + c, wasm_f32x4_max(zero, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(q + c), wasm_v128_load(facc0 + c)), wasm_v128_load(facc1 + c))));
    } else {
      for (int c = 0; c < C; c += 4)
        wasm_v128_store(q + c, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(q + c), wasm_v128_load(facc0 + c)), wasm_v128_load(facc1 + c)));
    }
  }
}

/*
 * Backward pass 1 over `rows` rows: buffer A holds dy, buffer B holds x. With relu, g is dy
 * where the forward output was positive and 0 elsewhere (ReLU's gradient), else dy.
 * acc0 += sum g, acc1 += sum g * (x - mean).
 */
__attribute__((export_name("tk_bn_grad_sums"))) void tk_bn_grad_sums(int rows, int C, int relu) {
  const float *g = mem + 8 * TK_MAXC;
  const float *x = g + TK_CHUNK;
  const float *p = mem;
  zero_facc(C);
  v128_t zero = wasm_f32x4_splat(0);
  for (int r0 = 0; r0 < rows; r0 += TK_BLOCK_ROWS) {
    int r1 = r0 + TK_BLOCK_ROWS < rows ? r0 + TK_BLOCK_ROWS : rows;
    for (int c = 0; c < C; c += 4) {
      v128_t sc, sh;
      scale_shift(c, &sc, &sh);
      v128_t mean = wasm_v128_load(p + P_MEAN + c);
      v128_t s = zero, q = zero;
      for (int r = r0; r < r1; r++) {
        const float *gp = g + r * C + c;
        v128_t xv = wasm_v128_load(x + r * C + c);
        v128_t gv = wasm_v128_load(gp);
        if (relu) {
          v128_t y = wasm_f32x4_add(wasm_f32x4_mul(xv, sc), sh);
          gv = wasm_v128_and(gv, wasm_f32x4_gt(y, zero));
        }
        s = wasm_f32x4_add(s, gv);
        q = wasm_f32x4_add(q, wasm_f32x4_mul(gv, wasm_f32x4_sub(xv, mean)));
      }
      wasm_v128_store(facc0 + c, s);
      wasm_v128_store(facc1 + c, q);
    }
    flush(C);
  }
}

/*
 * Finishes the parameter gradients of M rows: dbeta = sum g to P_OUT1, dgamma = invstd *
 * sum g (x - mean) to P_OUT0, and the per-channel coefficients of dx = A g + B (x - mean) + D
 * (A = gamma invstd, B = -A invstd dgamma / M, D = -A dbeta / M) into P_SHIFTK.. (3C floats).
 */
__attribute__((export_name("tk_bn_grad_finish"))) void tk_bn_grad_finish(int M, int C) {
  float *p = mem;
  for (int c = 0; c < C; c++) {
    double inv = p[P_INVSTD + c];
    double db = acc0[c];
    double dg = acc1[c] * inv;
    double A = (double)p[P_GAMMA + c] * inv;
    p[P_OUT0 + c] = (float)dg;
    p[P_OUT1 + c] = (float)db;
    p[P_SHIFTK + c] = (float)A;
    p[P_SHIFTK + C + c] = (float)(-A * inv * dg / M);
    p[P_SHIFTK + 2 * C + c] = (float)(-A * db / M);
  }
}

/*
 * Backward pass 2: buffer A holds dy, buffer B x; dx = A g + B (x - mean) + D overwrites A
 * (g as in pass 1, the mask recomputed).
 */
__attribute__((export_name("tk_bn_grad_apply"))) void tk_bn_grad_apply(int rows, int C, int relu) {
  float *g = mem + 8 * TK_MAXC;
  const float *x = g + TK_CHUNK;
  const float *p = mem;
  const float *A = p + P_SHIFTK, *B = p + P_SHIFTK + C, *D = p + P_SHIFTK + 2 * C;
  v128_t zero = wasm_f32x4_splat(0);
  for (int c = 0; c < C; c += 4) {
    v128_t sc, sh;
    scale_shift(c, &sc, &sh);
    wasm_v128_store(facc0 + c, sc);
    wasm_v128_store(facc1 + c, sh);
  }
  for (int r = 0; r < rows; r++) {
    float *gp = g + r * C;
    const float *xp = x + r * C;
    for (int c = 0; c < C; c += 4) {
      v128_t xv = wasm_v128_load(xp + c);
      v128_t gv = wasm_v128_load(gp + c);
      if (relu) gv = wasm_v128_and(gv, wasm_f32x4_gt(wasm_f32x4_add(wasm_f32x4_mul(xv, wasm_v128_load(facc0 + c)), wasm_v128_load(facc1 + c)), zero));
      v128_t xm = wasm_f32x4_sub(xv, wasm_v128_load(p + P_MEAN + c));
      wasm_v128_store(gp + c, wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(A + c), gv), wasm_f32x4_mul(wasm_v128_load(B + c), xm)), wasm_v128_load(D + c)));
    }
  }
}

/*
 * Convolution filter gradient of one image (stride 1, dilation 1, channels last), written to
 * dw ([kh, kw, Cin, Cout] floats, zeroed here):
 *   dw[i, j, ci, co] = sum over h < Ho, w < Wo of x[h + i - pt, w + j - pl, ci] * dy[h, w, co]
 * with x zero outside [0, H) x [0, W). Cout a multiple of 8. x, dy and dw live in this
 * module's memory above tk_heap(); the caller copies images in and sums the per-image dw
 * (in double, tk_accumulate). Register blocking: 4 input channels x 8 output channels
 * (8 accumulators) over a run of w, the dy and x rows of one (h, i) pair staying in L1.
 */
__attribute__((export_name("tk_conv_filter_grad"))) void tk_conv_filter_grad(const float *x, const float *dy, float *dw, int H, int W, int Cin, int Ho, int Wo,
                                                                             int Cout, int kh, int kw, int pt, int pl) {
  for (int q = 0; q < kh * kw * Cin * Cout; q += 4) wasm_v128_store(dw + q, wasm_f32x4_splat(0));
  for (int h = 0; h < Ho; h++) {
    for (int i = 0; i < kh; i++) {
      int r = h + i - pt;
      if (r < 0 || r >= H) continue;
      const float *xrow = x + r * W * Cin;
      const float *dyrow = dy + h * Wo * Cout;
      for (int j = 0; j < kw; j++) {
        int w0 = pl - j > 0 ? pl - j : 0;
        int w1 = W + pl - j < Wo ? W + pl - j : Wo;
        if (w0 >= w1) continue;
        float *dwt = dw + (i * kw + j) * Cin * Cout;
        const float *xs = xrow + (j - pl) * Cin; /* x at output column w: xs + w * Cin */
        for (int co = 0; co < Cout; co += 8) {
          int ci = 0;
          for (; ci + 4 <= Cin; ci += 4) {
            float *o0 = dwt + ci * Cout + co;
            float *o1 = o0 + Cout, *o2 = o1 + Cout, *o3 = o2 + Cout;
            v128_t a00 = wasm_v128_load(o0), a01 = wasm_v128_load(o0 + 4);
            v128_t a10 = wasm_v128_load(o1), a11 = wasm_v128_load(o1 + 4);
            v128_t a20 = wasm_v128_load(o2), a21 = wasm_v128_load(o2 + 4);
            v128_t a30 = wasm_v128_load(o3), a31 = wasm_v128_load(o3 + 4);
            for (int w = w0; w < w1; w++) {
              const float *d = dyrow + w * Cout + co;
              const float *xv = xs + w * Cin + ci;
              v128_t d0 = wasm_v128_load(d), d1 = wasm_v128_load(d + 4);
              v128_t b0 = wasm_v128_load32_splat(xv), b1 = wasm_v128_load32_splat(xv + 1);
              v128_t b2 = wasm_v128_load32_splat(xv + 2), b3 = wasm_v128_load32_splat(xv + 3);
              a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(b0, d0));
              a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(b0, d1));
              a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(b1, d0));
              a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(b1, d1));
              a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(b2, d0));
              a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(b2, d1));
              a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(b3, d0));
              a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(b3, d1));
            }
            wasm_v128_store(o0, a00), wasm_v128_store(o0 + 4, a01);
            wasm_v128_store(o1, a10), wasm_v128_store(o1 + 4, a11);
            wasm_v128_store(o2, a20), wasm_v128_store(o2 + 4, a21);
            wasm_v128_store(o3, a30), wasm_v128_store(o3 + 4, a31);
          }
          if (ci + 3 == Cin) { /* 3 channels left (an RGB first layer): one pass for all three */
            float *o0 = dwt + ci * Cout + co;
            float *o1 = o0 + Cout, *o2 = o1 + Cout;
            v128_t a00 = wasm_v128_load(o0), a01 = wasm_v128_load(o0 + 4);
            v128_t a10 = wasm_v128_load(o1), a11 = wasm_v128_load(o1 + 4);
            v128_t a20 = wasm_v128_load(o2), a21 = wasm_v128_load(o2 + 4);
            for (int w = w0; w < w1; w++) {
              const float *d = dyrow + w * Cout + co;
              const float *xv = xs + w * Cin + ci;
              v128_t d0 = wasm_v128_load(d), d1 = wasm_v128_load(d + 4);
              v128_t b0 = wasm_v128_load32_splat(xv), b1 = wasm_v128_load32_splat(xv + 1), b2 = wasm_v128_load32_splat(xv + 2);
              a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(b0, d0));
              a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(b0, d1));
              a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(b1, d0));
              a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(b1, d1));
              a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(b2, d0));
              a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(b2, d1));
            }
            wasm_v128_store(o0, a00), wasm_v128_store(o0 + 4, a01);
            wasm_v128_store(o1, a10), wasm_v128_store(o1 + 4, a11);
            wasm_v128_store(o2, a20), wasm_v128_store(o2 + 4, a21);
            ci += 3;
          }
          for (; ci < Cin; ci++) {
            float *o0 = dwt + ci * Cout + co;
            v128_t a00 = wasm_v128_load(o0), a01 = wasm_v128_load(o0 + 4);
            for (int w = w0; w < w1; w++) {
              const float *d = dyrow + w * Cout + co;
              v128_t b0 = wasm_v128_load32_splat(xs + w * Cin + ci);
              a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(b0, wasm_v128_load(d)));
              a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(b0, wasm_v128_load(d + 4)));
            }
            wasm_v128_store(o0, a00), wasm_v128_store(o0 + 4, a01);
          }
        }
      }
    }
  }
}

/* sum[k] += part[k] for n values (double accumulators of the per-image filter gradients). */
__attribute__((export_name("tk_accumulate"))) void tk_accumulate(double *sum, const float *part, int n) {
  for (int k = 0; k < n; k++) sum[k] += part[k];
}

extern unsigned char __heap_base;
/* Start of the free memory above the static data and the stack (16-byte aligned). */
__attribute__((export_name("tk_heap"))) unsigned char *tk_heap(void) { return (unsigned char *)(((unsigned long)&__heap_base + 15) & ~15ul); }

/*
 * One Adam step over n values, in place, the arithmetic of tfjs's AdamOptimizer:
 *   m = m b1 + g (1 - b1); v = v b2 + g^2 (1 - b2);
 *   p = p + (m / c1) / (sqrt(v / c2) + eps) * -lr,   c1 = 1 - b1^t, c2 = 1 - b2^t.
 */
__attribute__((export_name("tk_adam"))) void tk_adam(float *p, const float *g, float *m, float *v, int n, float b1, float b2, float o1, float o2, float c1,
                                                     float c2, float lr, float eps) {
  /* o1 = 1 - b1 and o2 = 1 - b2 as the caller rounds them (tfjs: in double, then to float). */
  v128_t B1 = wasm_f32x4_splat(b1), B2 = wasm_f32x4_splat(b2), O1 = wasm_f32x4_splat(o1), O2 = wasm_f32x4_splat(o2);
  v128_t C1 = wasm_f32x4_splat(c1), C2 = wasm_f32x4_splat(c2), NLR = wasm_f32x4_splat(-lr), E = wasm_f32x4_splat(eps);
  int k = 0;
  for (; k + 4 <= n; k += 4) {
    v128_t gv = wasm_v128_load(g + k);
    v128_t mv = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + k), B1), wasm_f32x4_mul(gv, O1));
    v128_t vv = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + k), B2), wasm_f32x4_mul(wasm_f32x4_mul(gv, gv), O2));
    wasm_v128_store(m + k, mv);
    wasm_v128_store(v + k, vv);
    v128_t step = wasm_f32x4_div(wasm_f32x4_div(mv, C1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vv, C2)), E));
    wasm_v128_store(p + k, wasm_f32x4_add(wasm_f32x4_mul(step, NLR), wasm_v128_load(p + k)));
  }
  for (; k < n; k++) {
    float gk = g[k];
    float mk = m[k] * b1 + gk * o1;
    float vk = v[k] * b2 + gk * gk * o2;
    m[k] = mk;
    v[k] = vk;
    p[k] = (mk / c1) / (__builtin_sqrtf(vk / c2) + eps) * -lr + p[k];
  }
}

/*
 * Gradient of a 2x2, stride-2 max pool over one image (H, W even; C a multiple of 4): each
 * dy goes to its window's first maximum in row-major order (x == y), as the cpu backend and
 * TensorFlow route it; the window's other three get 0.
 */
__attribute__((export_name("tk_maxpool_grad"))) void tk_maxpool_grad(const float *x, const float *y, const float *dy, float *dx, int H, int W, int C) {
  int Ho = H / 2, Wo = W / 2, row = W * C;
  for (int i = 0; i < Ho; i++) {
    for (int j = 0; j < Wo; j++) {
      int p = (2 * i * W + 2 * j) * C, o = (i * Wo + j) * C;
      for (int c = 0; c < C; c += 4) {
        v128_t yv = wasm_v128_load(y + o + c), g = wasm_v128_load(dy + o + c);
        v128_t e00 = wasm_f32x4_eq(wasm_v128_load(x + p + c), yv);
        v128_t e01 = wasm_v128_andnot(wasm_f32x4_eq(wasm_v128_load(x + p + C + c), yv), e00);
        v128_t seen = wasm_v128_or(e00, e01);
        v128_t e10 = wasm_v128_andnot(wasm_f32x4_eq(wasm_v128_load(x + p + row + c), yv), seen);
        v128_t e11 = wasm_v128_not(wasm_v128_or(seen, e10));
        wasm_v128_store(dx + p + c, wasm_v128_and(g, e00));
        wasm_v128_store(dx + p + C + c, wasm_v128_and(g, e01));
        wasm_v128_store(dx + p + row + c, wasm_v128_and(g, e10));
        wasm_v128_store(dx + p + row + C + c, wasm_v128_and(g, e11));
      }
    }
  }
}
