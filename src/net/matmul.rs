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

/// A row-major weight matrix as the cells read it: its entries in the step's type and, where the
/// map keeps one, the same values stored in f32 (see [`gemm_by`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Weights<'a, T> {
    wide: &'a [T],
    narrow: Option<&'a [f32]>,
}

impl<'a, T: Scalar> Weights<'a, T> {
    /// Weights held in the step's type only.
    pub(crate) fn new(wide: &'a [T]) -> Self {
        Weights { wide, narrow: None }
    }

    /// Weights with an f32 copy holding exactly the same values.
    pub(crate) fn with_f32_copy(wide: &'a [T], narrow: &'a [f32]) -> Self {
        assert_eq!(wide.len(), narrow.len(), "one copy of every weight");
        Weights {
            wide,
            narrow: Some(narrow),
        }
    }

    /// The columns from `first` on (of each row, as `view` strides over them).
    pub(crate) fn columns_from(self, first: usize) -> Self {
        Weights {
            wide: &self.wide[first..],
            narrow: self.narrow.map(|n| &n[first..]),
        }
    }

    /// The rows×cols matrix, rows `stride` apart.
    pub(crate) fn view(self, rows: usize, cols: usize, stride: usize) -> WeightsRef<'a, T> {
        WeightsRef {
            wide: view(self.wide, rows, cols, stride),
            narrow: self.narrow.map(|n| view(n, rows, cols, stride)),
        }
    }
}

/// A view of [`Weights`].
pub(crate) struct WeightsRef<'a, T> {
    wide: MatRef<'a, T>,
    narrow: Option<MatRef<'a, f32>>,
}

/// dst += a·w. A single row by weights with an f32 copy (an f64 map's state, see
/// [`Scalar::add_row_times_f32`]) reads the copy: the same bits from half the bytes.
pub(crate) fn gemm_by<T: Scalar>(mut dst: MatMut<'_, T>, a: MatRef<'_, T>, w: WeightsRef<'_, T>) {
    if let (Some(narrow), 1) = (w.narrow, a.nrows()) {
        let row = dst.as_mut().row_mut(0).try_as_row_major_mut();
        if let (Some(row), Some(a)) = (row, a.row(0).try_as_row_major()) {
            let (m, n, k) = (1, row.ncols(), a.ncols());
            super::profile::product(m, n, k, || {
                T::add_row_times_f32(row.as_slice_mut(), a.as_slice(), narrow)
            });
            return;
        }
    }
    gemm(dst, Accum::Add, a, w.wide);
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

/// faer runs its f32 products on x86-64 on one of two kernels, AVX-512 or AVX2 + FMA, chosen by
/// the CPU. Both must give the same bits at every product shape and layout a training iteration
/// uses, or a sweep spread over nodes of both kinds would train different networks from the same
/// file and seed. Called directly, so that both run on whichever machine runs the test.
#[cfg(all(test, target_arch = "x86_64"))]
mod kernel_tests {
    use private_gemm_x86::{gemm, Accum, DType, DstKind, IType, InstrSet};
    use rand::{Rng, SeedableRng};

    /// dst (m×n) = or += a·b, each operand given by (row stride, column stride).
    fn product(
        instr: InstrSet,
        (m, n, k): (usize, usize, usize),
        a: (&[f32], isize, isize),
        b: (&[f32], isize, isize),
        dst: &mut [f32],
        add: bool,
    ) {
        let alpha = 1.0f32;
        // SAFETY: the operands span the strides given; the CPU has the instruction set (checked
        // by the caller).
        unsafe {
            gemm(
                DType::F32,
                IType::U64,
                instr,
                m,
                n,
                k,
                dst.as_mut_ptr().cast(),
                n as isize,
                1,
                std::ptr::null(),
                std::ptr::null(),
                DstKind::Full,
                if add { Accum::Add } else { Accum::Replace },
                a.0.as_ptr().cast(),
                a.1,
                a.2,
                false,
                std::ptr::null(),
                0,
                b.0.as_ptr().cast(),
                b.1,
                b.2,
                false,
                (&raw const alpha).cast(),
                1,
            );
        }
    }

    #[test]
    fn the_avx512_and_avx2_kernels_give_the_same_bits() {
        if !(std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("fma"))
        {
            eprintln!("skipped: this CPU has no AVX-512 to compare AVX2 + FMA with");
            return;
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        // (B, N) of the benchmark and of odd sizes; gate widths G = N..4N; the step's products
        // B×N·N×G and B×G·G×N, and the weight gradient N×TB·TB×G over T·B = 6400 rows (several
        // of the kernel's 512-deep blocks).
        for (b, n) in [(64, 32), (64, 128), (7, 37)] {
            for g in [n, 2 * n, 3 * n, 4 * n] {
                for (m, k, cols, transposed_a) in
                    [(b, n, g, false), (b, g, n, false), (n, 100 * b, g, true)]
                {
                    let a: Vec<f32> = (0..m * k).map(|_| rng.random_range(-1.0..1.0)).collect();
                    let w: Vec<f32> = (0..k * cols).map(|_| rng.random_range(-1.0..1.0)).collect();
                    // The weight gradient reads the tape transposed: a is k×m row-major.
                    let a_strides = if transposed_a {
                        (1, m as isize)
                    } else {
                        (k as isize, 1)
                    };
                    for add in [false, true] {
                        let start: Vec<f32> =
                            (0..m * cols).map(|i| (i % 13) as f32 * 0.25).collect();
                        let mut wide = start.clone();
                        let mut narrow = start;
                        for (instr, dst) in [
                            (InstrSet::Avx512, &mut wide),
                            (InstrSet::Avx256, &mut narrow),
                        ] {
                            product(
                                instr,
                                (m, cols, k),
                                (&a, a_strides.0, a_strides.1),
                                (&w, cols as isize, 1),
                                dst,
                                add,
                            );
                        }
                        assert!(
                            wide.iter()
                                .zip(&narrow)
                                .all(|(x, y)| x.to_bits() == y.to_bits()),
                            "{m}×{k}·{k}×{cols} (a transposed: {transposed_a}, add: {add})"
                        );
                    }
                }
            }
        }
    }
}
