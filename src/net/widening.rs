//! f64 products of one state by a weight matrix kept in f32: `dst += a·W` with W's entries
//! widened as they are read.
//!
//! The analyses run the map in f64, but a trained network's weights are f32 values, so an f32
//! copy holds them exactly at half the bytes. The fixed-point search evaluates F at one state
//! tens of thousands of times; at 256 units W_h is 1.5 MB in f64, which streams from L3 at every
//! evaluation, and 0.75 MB in f32, which about fits a core's L2 (a 256×512 product: 20 µs by
//! faer on the f64 copy, 9 µs here, on the Zen 4 of the README).
//!
//! The bits are faer's: its product of a column-major matrix by a vector (the shape a row times
//! a row-major W takes) runs `dst_i = fma(W_ji, a_j, dst_i)` for j = 0, 1, … on every output,
//! whatever its vector width. The loops below do the same operations in the same order, keeping
//! a block of outputs in registers across all j. They are used only where the CPU has AVX2 and
//! FMA (see [`available`]; AVX-512 would add nothing to a product bound by reading W), and a
//! test compares them with faer's product to the bit.

use faer::MatRef;

use super::simd::{path, Path};

/// True if this CPU runs the widening product: x86-64 with AVX2 and FMA, and the vector loops
/// not held to SSE2 by `RNNLAB_SIMD=portable`.
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        path() >= Path::Avx2 && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `dst += a·w` for the row `a` (w: a.len() × dst.len(), unit column stride), in f64 with w's
/// entries widened: the same bits as faer's f64 product by the widened matrix.
pub(crate) fn add_row_times(dst: &mut [f64], a: &[f64], w: MatRef<'_, f32>) {
    add_row_times_on(available(), dst, a, w)
}

/// [`add_row_times`] by the vector loop (`vector`: only where [`available`]) or one output at a
/// time.
fn add_row_times_on(vector: bool, dst: &mut [f64], a: &[f64], w: MatRef<'_, f32>) {
    let (k, cols) = (a.len(), dst.len());
    assert_eq!((w.nrows(), w.ncols()), (k, cols), "a·W shapes");
    if k == 0 || cols == 0 {
        return;
    }
    assert_eq!(w.col_stride(), 1, "W's rows must be contiguous");
    let stride = usize::try_from(w.row_stride()).expect("W's rows in order");
    // SAFETY: a MatRef's entries (j, i) lie at j·stride + i from its pointer.
    let w = unsafe { std::slice::from_raw_parts(w.as_ptr(), (k - 1) * stride + cols) };
    let product = Product { dst, a, w, stride };
    #[cfg(target_arch = "x86_64")]
    if vector {
        // SAFETY: `vector` only where `available`, so the CPU has AVX2 and FMA.
        return unsafe { product.avx2() };
    }
    product.outputs(0)
}

/// One product's operands: W row j at `w[j·stride..]`.
struct Product<'a> {
    dst: &'a mut [f64],
    a: &'a [f64],
    w: &'a [f32],
    stride: usize,
}

impl Product<'_> {
    /// Outputs `first..` one at a time (the tails of the vector loops).
    #[inline(always)]
    fn outputs(self, first: usize) {
        for i in first..self.dst.len() {
            let mut acc = self.dst[i];
            for (j, &aj) in self.a.iter().enumerate() {
                acc = f64::from(self.w[j * self.stride + i]).mul_add(aj, acc);
            }
            self.dst[i] = acc;
        }
    }

    /// Blocks of 32 outputs in eight 4-lane accumulators, then of 4, then one at a time.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn avx2(self) {
        use std::arch::x86_64::*;
        let (cols, w, a) = (self.dst.len(), self.w.as_ptr(), self.a);
        let dst = self.dst.as_mut_ptr();
        let mut i = 0;
        // SAFETY (every load and store below): i + width ≤ cols and j < k, so each lies in W's
        // row j or in dst.
        while i + 32 <= cols {
            let mut acc: [__m256d; 8] =
                std::array::from_fn(|l| _mm256_loadu_pd(dst.add(i + 4 * l)));
            for (j, &aj) in a.iter().enumerate() {
                let (aj, row) = (_mm256_set1_pd(aj), w.add(j * self.stride + i));
                for (l, acc) in acc.iter_mut().enumerate() {
                    let wide = _mm256_cvtps_pd(_mm_loadu_ps(row.add(4 * l)));
                    *acc = _mm256_fmadd_pd(wide, aj, *acc);
                }
            }
            for (l, acc) in acc.iter().enumerate() {
                _mm256_storeu_pd(dst.add(i + 4 * l), *acc);
            }
            i += 32;
        }
        while i + 4 <= cols {
            let mut acc = _mm256_loadu_pd(dst.add(i));
            for (j, &aj) in a.iter().enumerate() {
                let wide = _mm256_cvtps_pd(_mm_loadu_ps(w.add(j * self.stride + i)));
                acc = _mm256_fmadd_pd(wide, _mm256_set1_pd(aj), acc);
            }
            _mm256_storeu_pd(dst.add(i), acc);
            i += 4;
        }
        self.outputs(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::matmul::{gemm, view, view_mut};
    use faer::Accum;

    /// Every block size and tail, by the vector loop and one output at a time, against faer's
    /// f64 product by the widened matrix: the same bits.
    #[test]
    fn the_widening_product_is_faers_to_the_bit() {
        if !available() {
            return; // the product is not used here
        }
        for (k, cols, pad) in [
            (1, 1, 0),
            (3, 7, 2),
            (17, 64, 0),
            (33, 100, 5),
            (256, 512, 256),
            (64, 203, 1),
        ] {
            let stride = cols + pad;
            let w: Vec<f32> = (0..k * stride)
                .map(|i| ((i as f64) * 0.37).sin() as f32)
                .collect();
            let wide: Vec<f64> = w.iter().map(|&v| f64::from(v)).collect();
            let a: Vec<f64> = (0..k).map(|j| (j as f64 * 0.11).cos() * 1.7).collect();
            let start: Vec<f64> = (0..cols).map(|i| (i as f64 * 0.3).sin()).collect();
            let mut want = start.clone();
            gemm(
                view_mut(&mut want, 1, cols, cols),
                Accum::Add,
                view(&a, 1, k, k),
                view(&wide, k, cols, stride),
            );
            let w = MatRef::from_row_major_slice_with_stride(
                &w[..(k - 1) * stride + cols],
                k,
                cols,
                stride,
            );
            for vector in [false, true] {
                let mut got = start.clone();
                add_row_times_on(vector, &mut got, &a, w);
                let same = got
                    .iter()
                    .zip(&want)
                    .all(|(g, w)| g.to_bits() == w.to_bits());
                assert!(
                    same,
                    "vector {vector}, k {k}, cols {cols}: {got:?} against faer's {want:?}"
                );
            }
        }
    }
}
