//! The products with a thin side: the task's few inputs (I) and outputs (O) against the units.
//!
//! A GEMM kernel runs such shapes far below its rate (6400×128 by 128×3 at 6 % of it, measured
//! by `rnnlab bench train --products`), and as passes over all T·B rows they stream the whole
//! gate buffer through memory once more each. As vector loops they run inside the recurrence
//! on one step's rows, while those are in cache: the input projection before a step's cell,
//! the readout after it, and backwards the readout's and the input kernel's gradients.
//!
//! Every sum runs in a fixed order with one accumulator per lane (see [`dot`]), so the loops
//! give the same bits on every vector path of [`super::simd`].

use super::scalar::Scalar;
use super::simd::{self, Kernel};

/// out += a·x.
#[inline(always)]
fn axpy<T: Scalar>(out: &mut [T], a: T, x: &[T]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o += a * v;
    }
}

/// Columns per block of [`combination`]: a block's sums stay in registers (two of AVX-512's,
/// four of AVX2's for f32) while every row of w is added in, so the output is written once
/// instead of read and written once per row. 32, not 64: a network of 32 units gets blocks
/// (`bench train`: N = 32 cells 7–15 % faster, against 0–8 % with 64).
const BLOCK: usize = 32;

/// out = start + Σ_k x[k]·w[k, :] (start None: out's own values), w row-major x.len() ×
/// out.len(). Each output sums in the order start, then rows 0, 1, …: the bits of a pass per
/// row, in one pass.
#[inline(always)]
fn combination<T: Scalar>(out: &mut [T], start: Option<&[T]>, x: &[T], w: &[T]) {
    let n = out.len();
    let mut first = 0;
    while first + BLOCK <= n {
        let block = first..first + BLOCK;
        let mut acc: [T; BLOCK] = match start {
            Some(start) => start[block.clone()].try_into().expect("a block"),
            None => out[block.clone()].try_into().expect("a block"),
        };
        for (&xk, wk) in x.iter().zip(w.chunks_exact(n)) {
            for (a, &v) in acc.iter_mut().zip(&wk[block.clone()]) {
                *a += xk * v;
            }
        }
        out[block].copy_from_slice(&acc);
        first += BLOCK;
    }
    let tail = &mut out[first..];
    if let Some(start) = start {
        tail.copy_from_slice(&start[first..]);
    }
    for (&xk, wk) in x.iter().zip(w.chunks_exact(n)) {
        axpy(tail, xk, &wk[first..]);
    }
}

/// acc[k, :] += x[k]·d for every k, acc row-major x.len() × d.len().
#[inline(always)]
fn add_outer<T: Scalar>(acc: &mut [T], x: &[T], d: &[T]) {
    for (row, &xk) in acc.chunks_exact_mut(d.len()).zip(x) {
        axpy(row, xk, d);
    }
}

/// Σ a[k]·b[k]. Sixteen partial sums, one per lane of the widest path, each in index order,
/// then added in a fixed order: the compiler vectorises the lanes without reordering any sum.
#[inline(always)]
fn dot<T: Scalar>(a: &[T], b: &[T]) -> T {
    const LANES: usize = 16;
    let body = a.len() / LANES * LANES;
    let mut lanes = [T::of(0.0); LANES];
    for (ca, cb) in a[..body]
        .chunks_exact(LANES)
        .zip(b[..body].chunks_exact(LANES))
    {
        for l in 0..LANES {
            lanes[l] += ca[l] * cb[l];
        }
    }
    let tail = a[body..]
        .iter()
        .zip(&b[body..])
        .fold(T::of(0.0), |s, (&x, &y)| s + x * y);
    lanes.iter().fold(tail, |s, &v| s + v)
}

/// z[r] = bias + x[r]·W_x for every row r of `x` (rows×I); `w_x` is I×G, `z` rows×G.
pub(crate) fn project<T: Scalar>(x: &[T], w_x: &[T], bias: &[T], z: &mut [T]) {
    simd::dispatch(Project { x, w_x, bias, z })
}

struct Project<'a, T> {
    x: &'a [T],
    w_x: &'a [T],
    bias: &'a [T],
    z: &'a mut [T],
}

impl<T: Scalar> Kernel for Project<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let (g, i) = (self.bias.len(), self.w_x.len() / self.bias.len());
        for (z, x) in self.z.chunks_exact_mut(g).zip(self.x.chunks_exact(i)) {
            combination(z, Some(self.bias), x, self.w_x);
        }
    }
}

/// y[r] = bias + h[r]·W_out for every state row r (width `stride`, h its last N entries);
/// `w_out_t` is W_out transposed (O×N), `y` rows×O.
pub(crate) fn read_out<T: Scalar>(
    states: &[T],
    stride: usize,
    w_out_t: &[T],
    bias: &[T],
    y: &mut [T],
) {
    simd::dispatch(ReadOut {
        states,
        stride,
        w_out_t,
        bias,
        y,
    })
}

struct ReadOut<'a, T> {
    states: &'a [T],
    stride: usize,
    w_out_t: &'a [T],
    bias: &'a [T],
    y: &'a mut [T],
}

impl<T: Scalar> Kernel for ReadOut<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let o = self.bias.len();
        let n = self.w_out_t.len() / o;
        let rows = self.states.chunks_exact(self.stride);
        for (y, state) in self.y.chunks_exact_mut(o).zip(rows) {
            let h = &state[self.stride - n..];
            for ((y, w), &b) in y
                .iter_mut()
                .zip(self.w_out_t.chunks_exact(n))
                .zip(self.bias)
            {
                *y = b + dot(h, w);
            }
        }
    }
}

/// The readout's backward step on one step's rows: ∂L/∂h[r] += dy[r]·W_outᵀ (into the last N
/// entries of each `dh` row of width `stride`) and ∂L/∂W_outᵀ += dy[r]ᵀ·h[r], h[r] the last N
/// entries of `states` row r. `w_out_t` and `d_w_out_t` are O×N, `dy` rows×O.
pub(crate) fn read_out_backward<T: Scalar>(
    dy: &[T],
    w_out_t: &[T],
    states: &[T],
    stride: usize,
    dh: &mut [T],
    d_w_out_t: &mut [T],
) {
    simd::dispatch(ReadOutBackward {
        dy,
        w_out_t,
        states,
        stride,
        dh,
        d_w_out_t,
    })
}

struct ReadOutBackward<'a, T> {
    dy: &'a [T],
    w_out_t: &'a [T],
    states: &'a [T],
    stride: usize,
    dh: &'a mut [T],
    d_w_out_t: &'a mut [T],
}

impl<T: Scalar> Kernel for ReadOutBackward<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let stride = self.stride;
        let rows = self.states.len() / stride;
        let o = self.dy.len() / rows;
        let n = self.w_out_t.len() / o;
        let h_rows = self.states.chunks_exact(stride);
        let dh_rows = self.dh.chunks_exact_mut(stride);
        for ((dy, state), dh) in self.dy.chunks_exact(o).zip(h_rows).zip(dh_rows) {
            combination(&mut dh[stride - n..], None, dy, self.w_out_t);
            add_outer(self.d_w_out_t, dy, &state[stride - n..]);
        }
    }
}

/// The input side's backward step on one step's rows, once `dz` holds ∂L/∂z:
/// ∂L/∂W_x += x[r]ᵀ·dz[r] and ∂L/∂b += dz[r].
pub(crate) fn project_backward<T: Scalar>(x: &[T], dz: &[T], d_w_x: &mut [T], d_bias: &mut [T]) {
    simd::dispatch(ProjectBackward {
        x,
        dz,
        d_w_x,
        d_bias,
    })
}

struct ProjectBackward<'a, T> {
    x: &'a [T],
    dz: &'a [T],
    d_w_x: &'a mut [T],
    d_bias: &'a mut [T],
}

impl<T: Scalar> Kernel for ProjectBackward<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let g = self.d_bias.len();
        let i = self.d_w_x.len() / g;
        for (dz, x) in self.dz.chunks_exact(g).zip(self.x.chunks_exact(i)) {
            add_outer(self.d_w_x, x, dz);
            for (b, &d) in self.d_bias.iter_mut().zip(dz) {
                *b += d;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocked combination gives the bits of one pass per input row (start, then row 0,
    /// row 1, … added into each output), for widths below, at and between the block size.
    #[test]
    fn a_combination_sums_in_the_order_of_a_pass_per_row() {
        for width in [1, 5, 31, 32, 33, 64, 96, 100, 130] {
            for inputs in [0, 1, 3, 7] {
                let value = |i: usize| ((i * 7919) % 1000) as f32 * 1e-3 - 0.5 + 1e-7 * i as f32;
                let x: Vec<f32> = (0..inputs).map(|k| value(k + 11)).collect();
                let w: Vec<f32> = (0..inputs * width).map(|i| value(i + 101)).collect();
                let start: Vec<f32> = (0..width).map(|i| value(i + 3)).collect();
                let mut expected = start.clone();
                for (k, &xk) in x.iter().enumerate() {
                    for (j, e) in expected.iter_mut().enumerate() {
                        *e += xk * w[k * width + j];
                    }
                }
                let mut from_start = vec![0.0f32; width];
                combination(&mut from_start, Some(&start), &x, &w);
                let mut in_place = start.clone();
                combination(&mut in_place, None, &x, &w);
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&from_start), bits(&expected), "{width}×{inputs}");
                assert_eq!(
                    bits(&in_place),
                    bits(&expected),
                    "{width}×{inputs}, in place"
                );
            }
        }
    }
}
