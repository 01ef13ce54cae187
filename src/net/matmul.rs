//! Row-major matrix views over flat buffers and the one matrix product the engine uses.
//!
//! Every product goes through faer's single-threaded kernel: the sweep's parallelism is one network
//! per core, so a product must never spawn threads of its own.

use faer::{Accum, MatMut, MatRef, Par};

use super::scalar::Scalar;

/// A rows×cols row-major view of `s`, rows `stride` apart.
#[inline]
pub(crate) fn view<T: Scalar>(s: &[T], rows: usize, cols: usize, stride: usize) -> MatRef<'_, T> {
    MatRef::from_row_major_slice_with_stride(&s[..span(rows, cols, stride)], rows, cols, stride)
}

/// A mutable rows×cols row-major view of `s`, rows `stride` apart.
#[inline]
pub(crate) fn view_mut<T: Scalar>(
    s: &mut [T],
    rows: usize,
    cols: usize,
    stride: usize,
) -> MatMut<'_, T> {
    // Built as the transpose of a column-major view: faer 0.24.4's
    // `from_row_major_slice_with_stride_mut` swaps the two strides (it yields a column-major
    // view). The test below guards every layout the engine uses.
    let len = span(rows, cols, stride);
    MatMut::from_column_major_slice_with_stride_mut(&mut s[..len], cols, rows, stride)
        .transpose_mut()
}

fn span(rows: usize, cols: usize, stride: usize) -> usize {
    if rows == 0 {
        0
    } else {
        (rows - 1) * stride + cols
    }
}

/// dst = a·b (`Accum::Replace`) or dst += a·b (`Accum::Add`), single-threaded.
#[inline]
pub(crate) fn gemm<T: Scalar>(
    dst: MatMut<'_, T>,
    accum: Accum,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
) {
    let (m, n, k) = (dst.nrows(), dst.ncols(), a.ncols());
    super::profile::product(m, n, k, || {
        faer::linalg::matmul::matmul(dst, accum, a, b, T::of(1.0), Par::Seq)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape, transposition and row stride the engine uses, against a naive product, with
    /// guard cells that must stay untouched.
    #[test]
    fn gemm_matches_naive_product_without_touching_guards() {
        const GUARD: f64 = 12345.0;
        for m in 1..10 {
            for n in 1..10 {
                for k in 1..7 {
                    for (ta, tb, pad) in [
                        (false, false, 0),
                        (true, false, 2),
                        (false, true, 1),
                        (true, true, 3),
                    ] {
                        let (ar, ac) = if ta { (k, m) } else { (m, k) };
                        let (br, bc) = if tb { (n, k) } else { (k, n) };
                        let a: Vec<f64> = (0..ar * (ac + pad))
                            .map(|i| (i as f64 * 0.7).sin())
                            .collect();
                        let b: Vec<f64> = (0..br * bc).map(|i| (i as f64 * 0.3).cos()).collect();
                        let stride = n + pad;
                        let mut c = vec![GUARD; m * stride + 4];
                        for i in 0..m {
                            c[i * stride..i * stride + n].fill(0.5);
                        }
                        let av = view(&a, ar, ac, ac + pad);
                        let bv = view(&b, br, bc, bc);
                        let av = if ta { av.transpose() } else { av };
                        let bv = if tb { bv.transpose() } else { bv };
                        gemm(view_mut(&mut c, m, n, stride), Accum::Add, av, bv);
                        for i in 0..m {
                            for j in 0..n {
                                let want =
                                    0.5 + (0..k).map(|l| av[(i, l)] * bv[(l, j)]).sum::<f64>();
                                assert!(
                                    (c[i * stride + j] - want).abs() < 1e-12,
                                    "{m}x{n}x{k} {ta} {tb}: {} vs {want}",
                                    c[i * stride + j]
                                );
                            }
                            assert!(c[i * stride + n..(i + 1) * stride]
                                .iter()
                                .all(|&g| g == GUARD));
                        }
                        assert!(c[m * stride..].iter().all(|&g| g == GUARD));
                    }
                }
            }
        }
    }
}
