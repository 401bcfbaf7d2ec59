/* Q5(d): fused CPU kernels for non-causal linear attention with the quadratic kernel.
 *
 * Built and loaded at first use by numerics/kernel_attention.py (hw7/native.py compiles
 * it with the system C compiler; without one the stock-torch path is used instead).
 *
 * With x̃ = (1, x), (qᵀk + 1)² = (q̃ᵀk̃)² = Σ_{a≤b} w_ab (q̃_a q̃_b)(k̃_a k̃_b), w = 1 on the
 * diagonal and 2 off it. The P = (D+1)(D+2)/2 products x̃_a x̃_b (the compact map without
 * its √2s) of a block of CH rows are formed in a small buffer that stays in L1 and are
 * consumed at once by a register-blocked product, so φ(K) and φ(Q) never reach memory —
 * writing and re-reading them is what bounds the stock-op path:
 *
 *   hw7_qla_key:    Sᵀ[c][p] += Σ_j V_j[c] φ_p(K_j),  z[p] += Σ_j φ_p(K_j)
 *                   (per thread, on its rows; 2 vectors of pairs × NR value columns in
 *                   registers, features laid out row by row)
 *   hw7_qla_state:  S'[p][c] = w_p Σ_threads Sᵀ[c][p],  z'[p] = w_p Σ_threads z[p]
 *   hw7_qla_query:  out_i = Σ_p φ_p(Q_i) S'[p] / Σ_p φ_p(Q_i) z'[p]
 *                   (2 vectors of queries × NR value columns in registers, features laid
 *                   out pair by pair; written as (M, N))
 *
 * The arithmetic is that of eq. (8) with the compact map: P products per row, P·M
 * multiply-adds per row for S and for the numerators, P adds (z) and P multiply-adds
 * (denominators) per row, M divides per query (plus products with the constant 1 and
 * zero padding, which change no value).
 *
 * Values are handled in VL-lane vectors (64 bytes: 16 floats or 8 doubles, GCC/Clang
 * vector extensions, so AVX-512 where -march=native has it); the caller pads M to a
 * multiple of VL with zero columns and pairs are padded with zero features to a multiple
 * of 2·VL. The file is compiled once for float and once for double by including itself.
 */
#ifndef HW7_T
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* status bits of hw7_qla_query_* (0: all denominators > 0 and finite, all outputs finite) */
#define HW7_NO_MEMORY 1
#define HW7_BAD_DENOMINATOR 2
#define HW7_NONFINITE_OUTPUT 4

long hw7_qla_abi(void) { return 2; }
long hw7_qla_lanes(long elem_size) { return 64 / elem_size; }

#define HW7_CAT2(a, b) a##_##b
#define HW7_CAT(a, b) HW7_CAT2(a, b)
#define F(name) HW7_CAT(name, HW7_SUF)

#define HW7_T float
#define HW7_SUF f32
#define HW7_VL 16
#define HW7_TINY FLT_MIN
#include "kernel_attention.c"   /* this file again, with HW7_T defined */
#undef HW7_T
#undef HW7_SUF
#undef HW7_VL
#undef HW7_TINY

#define HW7_T double
#define HW7_SUF f64
#define HW7_VL 8
#define HW7_TINY DBL_MIN
#include "kernel_attention.c"   /* this file again, with HW7_T defined */

#else /* ---------------------------------------------------------- body, per type */
typedef HW7_T F(vec) __attribute__((vector_size(HW7_VL * sizeof(HW7_T))));
#define T HW7_T
#define VEC F(vec)
#define VL HW7_VL
#define CH (2 * HW7_VL)   /* rows per block: two vectors of rows */
#define NR 8              /* value columns per register block (MB·VL is a multiple) */

/* pairs padded with zero features to whole key-side register blocks (2 vectors) */
long F(hw7_qla_pairs_padded)(long d) {
  long e = d + 1, P = e * (e + 1) / 2;
  return (P + 2 * VL - 1) / (2 * VL) * (2 * VL);
}

static inline VEC F(ld)(const T *p) { VEC v; memcpy(&v, p, sizeof v); return v; }
static inline void F(st)(T *p, VEC v) { memcpy(p, &v, sizeof v); }

/* xT[a*CH + j] = x̃_a of row j < nc (transposed); rows j ≥ nc are zero */
static void F(rows)(const T *X, long nc, long d, T *xT) {
  for (long j = 0; j < CH; j++) xT[j] = j < nc ? 1 : 0;
  if (nc < CH) memset(xT + CH, 0, (size_t)(d * CH) * sizeof(T));
  for (long j = 0; j < nc; j++)
    for (long a = 0; a < d; a++) xT[(a + 1) * CH + j] = X[j * d + a];
}

/* ... and wT[p*CH + j] = x̃_a x̃_b (pairs a ≤ b, a-major), one pair per row of wT; rows
 * j ≥ nc and pairs p ≥ P are zero, so they add nothing */
static void F(features)(const T *X, long nc, long d, long Pp, T *xT, T *wT) {
  long e = d + 1;
  F(rows)(X, nc, d, xT);
  T *w = wT;
  for (long a = 0; a < e; a++) {
    VEC xa0 = F(ld)(xT + a * CH), xa1 = F(ld)(xT + a * CH + VL);
    for (long b = a; b < e; b++, w += CH) {
      F(st)(w, xa0 * F(ld)(xT + b * CH));
      F(st)(w + VL, xa1 * F(ld)(xT + b * CH + VL));
    }
  }
  memset(w, 0, (size_t)(wT + Pp * CH - w) * sizeof(T));
}

/* Rows [0, n) of K (n × d) and V (n × MB·VL, row-major) added into S (MB·VL × Pp, value
 * column-major) and z (Pp). Each row's P features are written once, contiguously (pairs
 * a-major: x̃_a times the window x̃_a..x̃_d, window after window), to a CH-row buffer in
 * L1; the product then holds 2 vectors of pairs × NR value columns in registers, so each
 * feature vector loaded feeds NR multiply-adds (z rides along in the first column block).
 * Returns 0, or HW7_NO_MEMORY. */
int F(hw7_qla_key)(const T *K, const T *V, long n, long d, long MB, T *S, T *z) {
  long e = d + 1, P = e * (e + 1) / 2, Pp = F(hw7_qla_pairs_padded)(d), W = MB * VL;
  long RS = Pp + VL;              /* feature row stride: room for the last window's spill */
  size_t bytes = sizeof(T) * (size_t)(CH * RS + CH * d + 2 * VL);
  T *w = aligned_alloc(64, (bytes + 63) / 64 * 64);
  if (!w) return HW7_NO_MEMORY;
  T *xb = w + CH * RS;            /* the block's K rows, with zero padding to read past */
  for (long j0 = 0; j0 < n; j0 += CH) {
    long nc = n - j0 < CH ? n - j0 : CH;
    memcpy(xb, K + j0 * d, (size_t)(nc * d) * sizeof(T));
    memset(xb + nc * d, 0, 2 * VL * sizeof(T));
    for (long j = 0; j < nc; j++) {
      const T *x = xb + j * d;    /* x̃_a = x[a − 1] for a ≥ 1 */
      T *wr = w + j * RS;
      for (long off = 0; off < d; off += VL) F(st)(wr + 1 + off, F(ld)(x + off));
      wr[0] = 1;                  /* window a = 0: x̃ itself */
      wr += e;
      for (long a = 1; a < e; a++) {
        T xa = x[a - 1];
        /* a full vector per window; its spill past the window is overwritten by the next */
        for (long off = 0; off < e - a; off += VL) F(st)(wr + off, xa * F(ld)(x + a - 1 + off));
        wr += e - a;
      }
      memset(w + j * RS + P, 0, (size_t)(Pp - P) * sizeof(T));
    }
    const T *Vb = V + j0 * W;
    for (long p0 = 0; p0 < Pp; p0 += 2 * VL) {
      VEC z0 = F(ld)(z + p0), z1 = F(ld)(z + p0 + VL);
      for (long c0 = 0; c0 < W; c0 += NR) {
        VEC a0[NR], a1[NR];
        T *s = S + c0 * Pp + p0;
        for (int t = 0; t < NR; t++) {
          a0[t] = F(ld)(s + t * Pp);
          a1[t] = F(ld)(s + t * Pp + VL);
        }
        const T *wp = w + p0, *vj = Vb + c0;
        if (c0 == 0) {
          for (long j = 0; j < nc; j++, wp += RS, vj += W) {
            VEC w0 = F(ld)(wp), w1 = F(ld)(wp + VL);
            for (int t = 0; t < NR; t++) {
              a0[t] += w0 * vj[t];
              a1[t] += w1 * vj[t];
            }
            z0 += w0;
            z1 += w1;
          }
        } else {
          for (long j = 0; j < nc; j++, wp += RS, vj += W) {
            VEC w0 = F(ld)(wp), w1 = F(ld)(wp + VL);
            for (int t = 0; t < NR; t++) {
              a0[t] += w0 * vj[t];
              a1[t] += w1 * vj[t];
            }
          }
        }
        for (int t = 0; t < NR; t++) {
          F(st)(s + t * Pp, a0[t]);
          F(st)(s + t * Pp + VL, a1[t]);
        }
      }
      F(st)(z + p0, z0);
      F(st)(z + p0 + VL, z1);
    }
  }
  free(w);
  return 0;
}

/* The state the queries use, from the key tasks' partial states: for each of H heads,
 * S[p·W + c] = w[p] Σ_i St_part[i][c·Pp + p] and z[p] = w[p] Σ_i z_part[i][p] over its
 * `parts` partials (w: the pair weights, 1 on the diagonal pairs, 2 off it, 0 padding). */
void F(hw7_qla_state)(const T *St_part, const T *z_part, long H, long parts, long W, long Pp,
                      const T *w, T *S, T *z) {
  for (long h = 0; h < H; h++) {
    const T *sp = St_part + h * parts * W * Pp, *zp = z_part + h * parts * Pp;
    T *sh = S + h * Pp * W, *zh = z + h * Pp;
    for (long p = 0; p < Pp; p++) {
      T acc = 0;
      for (long i = 0; i < parts; i++) acc += zp[i * Pp + p];
      zh[p] = w[p] * acc;
    }
    for (long c = 0; c < W; c++)
      for (long p = 0; p < Pp; p++) {
        T acc = 0;
        for (long i = 0; i < parts; i++) acc += sp[(i * W + c) * Pp + p];
        sh[p * W + c] = w[p] * acc;
      }
  }
}

/* Queries Q (n × d) against the weighted state S (Pp × MB·VL) and z (P): writes the
 * outputs transposed, outT[l·ld + i] for value column l < MB·VL and query i < n (ld ≥ n:
 * the row stride of the caller's (M, N) buffer), and den[i]. Each block of CH queries is
 * one vector-by-broadcast product: 2 vectors of queries × NR value columns in registers,
 * so every feature vector loaded feeds NR multiply-adds. Returns a status: 0, or the
 * bits HW7_NO_MEMORY, HW7_BAD_DENOMINATOR (one is ≤ the smallest normal number, or not
 * finite), HW7_NONFINITE_OUTPUT — the caller then finds and names the cause. */
int F(hw7_qla_query)(const T *Q, const T *S, const T *Z, long n, long d, long MB, T *outT,
                     long ld, T *den) {
  long e = d + 1, P = e * (e + 1) / 2, Pp = F(hw7_qla_pairs_padded)(d), W = MB * VL;
  T *xT = malloc(sizeof(T) * (size_t)((e + Pp + 1) * CH));
  if (!xT) return HW7_NO_MEMORY;
  T *wT = xT + e * CH, *blk = wT + Pp * CH;   /* blk: one output row of a partial block */
  int status = 0;
  for (long j0 = 0; j0 < n; j0 += CH) {
    long nc = n - j0 < CH ? n - j0 : CH;
    F(features)(Q + j0 * d, nc, d, Pp, xT, wT);
    /* denominators: even and odd pairs in separate sums, not one latency-bound chain */
    VEC d0 = {0}, d1 = {0}, e0 = {0}, e1 = {0};
    long p = 0;
    for (; p + 1 < P; p += 2) {
      d0 += Z[p] * F(ld)(wT + p * CH);
      d1 += Z[p] * F(ld)(wT + p * CH + VL);
      e0 += Z[p + 1] * F(ld)(wT + (p + 1) * CH);
      e1 += Z[p + 1] * F(ld)(wT + (p + 1) * CH + VL);
    }
    if (p < P) {
      d0 += Z[p] * F(ld)(wT + p * CH);
      d1 += Z[p] * F(ld)(wT + p * CH + VL);
    }
    d0 += e0;
    d1 += e1;
    for (long l = 0; l < nc; l++) {
      T dl = l < VL ? d0[l] : d1[l - VL];
      den[j0 + l] = dl;
      if (!(dl > HW7_TINY) || !isfinite(dl)) status |= HW7_BAD_DENOMINATOR;
    }
    for (long c0 = 0; c0 < W; c0 += NR) {
      VEC a0[NR], a1[NR];
      for (int t = 0; t < NR; t++) a0[t] = a1[t] = (VEC){0};
      for (long p = 0; p < P; p++) {
        VEC w0 = F(ld)(wT + p * CH), w1 = F(ld)(wT + p * CH + VL);
        const T *s = S + p * W + c0;
        for (int t = 0; t < NR; t++) {
          a0[t] += w0 * s[t];
          a1[t] += w1 * s[t];
        }
      }
      for (int t = 0; t < NR; t++) {
        VEC o0 = a0[t] / d0, o1 = a1[t] / d1;
        T *o = outT + (c0 + t) * ld + j0;
        if (nc == CH) {
          F(st)(o, o0);
          F(st)(o + VL, o1);
        } else {
          F(st)(blk, o0);
          F(st)(blk + VL, o1);
          memcpy(o, blk, (size_t)nc * sizeof(T));
        }
        for (long l = 0; l < nc; l++)
          if (!isfinite(o[l])) status |= HW7_NONFINITE_OUTPUT;
      }
    }
  }
  free(xT);
  return status;
}
#undef T
#undef VEC
#undef VL
#undef CH
#undef NR
#endif
