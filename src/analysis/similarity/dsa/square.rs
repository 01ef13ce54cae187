//! The small square matrices of the Procrustes search, laid out for the vector units: each row
//! padded with zeros to a multiple of [`LANES`] and the rows to a multiple of [`ROWS`], so a
//! product runs as whole 8-lane blocks, [`ROWS`] rows at a time, its sums held in registers
//! (a 10 × 10 product is 3 × 2 such blocks of 10 steps). Zeros stay zeros through products,
//! sums and the Cayley solve, so the padding never reaches a result.
//!
//! Every sum runs in one fixed order with a multiply and an add (never an FMA), so the bits are
//! the same on every vector path (`crate::net::simd`).

/// f64 lanes of a row block: one AVX-512 register, two AVX2 ones.
const LANES: usize = 8;
/// Rows a product computes at once (their sums are independent, so they overlap).
const ROWS: usize = 4;

/// An n × n matrix, row-major, padded with zeros.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Square {
    n: usize,
    stride: usize,
    data: Vec<f64>,
}

/// Whether a product's left factor is read as it is or transposed.
#[derive(Clone, Copy)]
pub(super) enum Side {
    Plain,
    Transposed,
}

impl Square {
    /// The n × n zero matrix.
    pub(super) fn zeros(n: usize) -> Self {
        let stride = n.div_ceil(LANES) * LANES;
        Square {
            n,
            stride,
            data: vec![0.0; n.div_ceil(ROWS) * ROWS * stride],
        }
    }

    /// The n × n identity.
    pub(super) fn identity(n: usize) -> Self {
        Square::from_fn(n, |i, j| if i == j { 1.0 } else { 0.0 })
    }

    /// The matrix of entries `f(i, j)`.
    pub(super) fn from_fn(n: usize, mut f: impl FnMut(usize, usize) -> f64) -> Self {
        let mut m = Square::zeros(n);
        for i in 0..n {
            for j in 0..n {
                m.data[i * m.stride + j] = f(i, j);
            }
        }
        m
    }

    /// The matrix of an unpadded row-major slice.
    pub(super) fn from_rows(rows: &[f64], n: usize) -> Self {
        Square::from_fn(n, |i, j| rows[i * n + j])
    }

    /// Its transpose.
    pub(super) fn transposed(&self) -> Self {
        Square::from_fn(self.n, |i, j| self.at(j, i))
    }

    /// Its order n.
    #[inline(always)]
    pub(super) fn n(&self) -> usize {
        self.n
    }

    /// Entry (i, j).
    #[inline(always)]
    pub(super) fn at(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.stride + j]
    }

    /// Sets entry (i, j).
    #[inline(always)]
    pub(super) fn set(&mut self, i: usize, j: usize, value: f64) {
        self.data[i * self.stride + j] = value;
    }

    /// Multiplies column `j` by −1.
    pub(super) fn negate_column(&mut self, j: usize) {
        for i in 0..self.n {
            self.data[i * self.stride + j] = -self.data[i * self.stride + j];
        }
    }

    /// ⟨self, other⟩ (the Frobenius inner product).
    #[inline(always)]
    pub(super) fn inner(&self, other: &Square) -> f64 {
        dot(&self.data, &other.data)
    }

    /// ‖self − other‖_F.
    #[inline(always)]
    pub(super) fn distance(&self, other: &Square) -> f64 {
        self.data
            .iter()
            .zip(&other.data)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt()
    }
}

/// out = Σ_t op(x_t)·y_t, op(x) = x or xᵀ: each output block's sums run over k, then over the
/// terms, in registers.
#[inline(always)]
pub(super) fn product<const T: usize>(out: &mut Square, terms: [(&Square, Side, &Square); T]) {
    let (n, stride) = (out.n, out.stride);
    for block in (0..stride).step_by(LANES) {
        for first in (0..n).step_by(ROWS) {
            let mut sums = [[0.0f64; LANES]; ROWS];
            for (x, side, y) in terms {
                let rows = y.data.chunks_exact(stride).take(n);
                for (k, y) in rows.enumerate() {
                    let y: &[f64; LANES] = y[block..block + LANES].try_into().expect("a block");
                    let x: [f64; ROWS] = match side {
                        Side::Plain => std::array::from_fn(|r| x.data[(first + r) * stride + k]),
                        Side::Transposed => x.data[k * stride + first..][..ROWS]
                            .try_into()
                            .expect("a row group"),
                    };
                    for (sum, x) in sums.iter_mut().zip(x) {
                        for (s, v) in sum.iter_mut().zip(y) {
                            *s += x * v;
                        }
                    }
                }
            }
            for (r, sum) in sums.iter().enumerate() {
                out.data[(first + r) * stride + block..][..LANES].copy_from_slice(sum);
            }
        }
    }
}

/// The skew matrix P − Pᵀ as its upper triangle, row by row, into `upper`; returns
/// ‖P − Pᵀ‖²_F (twice the upper triangle's).
#[inline(always)]
pub(super) fn skew_upper(p: &Square, upper: &mut [f64]) -> f64 {
    let n = p.n;
    let mut at = 0;
    for i in 0..n {
        for j in i + 1..n {
            upper[at] = p.at(i, j) - p.at(j, i);
            at += 1;
        }
    }
    2.0 * dot(upper, upper)
}

/// cay(tΩ) = (I − tΩ/2)⁻¹ (I + tΩ/2) into `out`, with Ω the skew matrix of upper triangle
/// `omega` (row by row), by Gaussian elimination without pivoting: I − tΩ/2 has the identity
/// as its symmetric part, so it is invertible and its elimination stays stable without row
/// exchanges. `lu` is scratch.
#[inline(always)]
pub(super) fn cayley(omega: &[f64], t: f64, out: &mut Square, lu: &mut Square) {
    let (n, stride) = (out.n, out.stride);
    out.data.fill(0.0);
    lu.data.fill(0.0);
    let mut at = 0;
    for i in 0..n {
        lu.set(i, i, 1.0);
        out.set(i, i, 1.0);
        for j in i + 1..n {
            let h = 0.5 * t * omega[at];
            at += 1;
            lu.set(i, j, -h);
            lu.set(j, i, h);
            out.set(i, j, h);
            out.set(j, i, -h);
        }
    }
    // Forward elimination on whole padded rows: the entries left of the pivot are never read
    // again, so updating them costs nothing but keeps every row update a whole-block loop.
    for col in 0..n {
        let (above, below) = lu.data.split_at_mut((col + 1) * stride);
        let pivot_row = &above[col * stride..];
        let inverse = 1.0 / pivot_row[col];
        let (out_above, out_below) = out.data.split_at_mut((col + 1) * stride);
        let out_pivot = &out_above[col * stride..];
        for (row, out_row) in below
            .chunks_exact_mut(stride)
            .zip(out_below.chunks_exact_mut(stride))
            .take(n - col - 1)
        {
            let factor = row[col] * inverse;
            if factor != 0.0 {
                for (v, q) in row.iter_mut().zip(pivot_row) {
                    *v -= factor * q;
                }
                for (v, q) in out_row.iter_mut().zip(out_pivot) {
                    *v -= factor * q;
                }
            }
        }
    }
    for col in (0..n).rev() {
        let inverse = 1.0 / lu.at(col, col);
        let (head, tail) = out.data.split_at_mut((col + 1) * stride);
        let row = &mut head[col * stride..];
        for (k, solved) in tail.chunks_exact(stride).take(n - col - 1).enumerate() {
            let l = lu.at(col, col + 1 + k);
            if l != 0.0 {
                for (v, s) in row.iter_mut().zip(solved) {
                    *v -= l * s;
                }
            }
        }
        row.iter_mut().for_each(|v| *v *= inverse);
    }
}

/// Σ x_i y_i with eight running sums (a fixed order: the same bits on every path), so the
/// additions overlap instead of waiting on each other.
#[inline(always)]
pub(super) fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut sums = [0.0; LANES];
    let (xc, yc) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (p, q) in xc.zip(yc) {
        for k in 0..LANES {
            sums[k] += p[k] * q[k];
        }
    }
    let tail: f64 = xr.iter().zip(yr).map(|(p, q)| p * q).sum();
    ((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5]) + (sums[6] + sums[7])) + tail
}

/// The length of a vector of `q` coordinates padded with zeros to whole blocks, so the
/// search's vector loops have no scalar tail.
pub(super) fn padded(q: usize) -> usize {
    q.div_ceil(LANES) * LANES
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_product(x: &Square, y: &Square, transpose: bool) -> Square {
        let n = x.n;
        Square::from_fn(n, |i, j| {
            (0..n)
                .map(|k| if transpose { x.at(k, i) } else { x.at(i, k) } * y.at(k, j))
                .sum()
        })
    }

    fn pseudo_random(n: usize, seed: u64) -> Square {
        let mut state = seed;
        Square::from_fn(n, |_, _| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        })
    }

    /// Every size around the padding's edges against the plain triple loop, with the padding
    /// still zero afterwards.
    #[test]
    fn products_equal_the_plain_sums_and_keep_the_padding_zero() {
        for n in [1, 3, 4, 5, 8, 9, 10, 16, 17] {
            let (x, y, u) = (
                pseudo_random(n, n as u64),
                pseudo_random(n, 100 + n as u64),
                pseudo_random(n, 200 + n as u64),
            );
            let mut out = Square::zeros(n);
            product(
                &mut out,
                [(&x, Side::Plain, &y), (&u, Side::Transposed, &y)],
            );
            let (xy, uty) = (plain_product(&x, &y, false), plain_product(&u, &y, true));
            for i in 0..n {
                for j in 0..n {
                    let want = xy.at(i, j) + uty.at(i, j);
                    assert!((out.at(i, j) - want).abs() < 1e-14, "n {n} ({i}, {j})");
                }
            }
            let padding = out
                .data
                .iter()
                .enumerate()
                .filter(|(k, _)| k / out.stride >= n || k % out.stride >= n);
            assert!(padding.clone().all(|(_, v)| *v == 0.0), "n {n}");
        }
    }

    #[test]
    fn the_cayley_transform_is_orthogonal_and_solves_its_system() {
        for n in [2, 6, 10, 13] {
            let omega: Vec<f64> = (0..n * (n - 1) / 2)
                .map(|k| ((k * 7 + 3) % 11) as f64 / 5.0 - 1.0)
                .collect();
            let (mut q, mut lu) = (Square::zeros(n), Square::zeros(n));
            cayley(&omega, 0.7, &mut q, &mut lu);
            let mut qtq = Square::zeros(n);
            product(&mut qtq, [(&q, Side::Transposed, &q)]);
            assert!(qtq.distance(&Square::identity(n)) < 1e-13, "n {n}");
            // (I − tΩ/2) Q = I + tΩ/2.
            let mut w = Square::zeros(n);
            let mut at = 0;
            for i in 0..n {
                for j in i + 1..n {
                    w.set(i, j, 0.35 * omega[at]);
                    w.set(j, i, -0.35 * omega[at]);
                    at += 1;
                }
            }
            let left = Square::from_fn(n, |i, j| f64::from(u8::from(i == j)) - w.at(i, j));
            let right = Square::from_fn(n, |i, j| f64::from(u8::from(i == j)) + w.at(i, j));
            assert!(
                plain_product(&left, &q, false).distance(&right) < 1e-13,
                "n {n}"
            );
        }
    }
}
