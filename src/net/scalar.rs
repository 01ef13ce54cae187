//! The scalar types the cell equations are written over: `f32` for training, `f64` for analysis.
//!
//! The cells are generic over [`Scalar`], so the same code serves both. Only the transcendental
//! functions differ: `f32` uses branch-free polynomial forms that the compiler vectorises (the
//! libm calls would dominate a training step), `f64` uses the standard library for full accuracy.

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub};

use faer::{Accum, MatRef, Par};

use super::matmul::{view, view_mut};

/// A real floating-point type the cell equations can run in.
pub trait Scalar:
    faer::traits::ComplexField
    + Copy
    + Default
    + Debug
    + PartialOrd
    + Send
    + Sync
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + MulAssign
    + 'static
{
    /// Converts from `f64` (rounding for `f32`).
    fn of(x: f64) -> Self;
    /// Widens to `f64`.
    fn to_f64(self) -> f64;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Logistic function 1 / (1 + e^−x).
    fn sigmoid(self) -> Self;
    /// True for NaN and ±∞.
    fn is_non_finite(self) -> bool;
    /// dst += a·w for one row `a`, w (a.len() × dst.len(), contiguous rows) stored in f32 and
    /// holding this type's values exactly: for f64 the widening product (`widening.rs`: faer's
    /// bits from half the bytes), for f32 faer's own.
    fn add_row_times_f32(dst: &mut [Self], a: &[Self], w: MatRef<'_, f32>);
}

impl Scalar for f64 {
    #[inline(always)]
    fn of(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn tanh(self) -> Self {
        f64::tanh(self)
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        1.0 / (1.0 + (-self).exp())
    }
    #[inline(always)]
    fn is_non_finite(self) -> bool {
        !self.is_finite()
    }
    fn add_row_times_f32(dst: &mut [Self], a: &[Self], w: MatRef<'_, f32>) {
        super::widening::add_row_times(dst, a, w)
    }
}

impl Scalar for f32 {
    #[inline(always)]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn tanh(self) -> Self {
        // tanh x = 1 − 2 / (e^{2x} + 1); saturates cleanly at both ends, absolute error ~1e-7.
        1.0 - 2.0 / (exp_f32(2.0 * self) + 1.0)
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        1.0 / (1.0 + exp_f32(-self))
    }
    #[inline(always)]
    fn is_non_finite(self) -> bool {
        !self.is_finite()
    }
    fn add_row_times_f32(dst: &mut [Self], a: &[Self], w: MatRef<'_, f32>) {
        let (k, n) = (a.len(), dst.len());
        let (dst, a) = (view_mut(dst, 1, n, n), view(a, 1, k, k));
        faer::linalg::matmul::matmul(dst, Accum::Add, a, w, 1.0, Par::Seq);
    }
}

/// e^x in f32, branch-free (Cephes `expf` polynomial), within ~2 ulp on [−87, 88].
#[inline(always)]
fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5·2^23 rounds to the nearest integer without SSE4.1's `round`.
    const ROUNDER: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * LOG2E + ROUNDER;
    let n = shifted - ROUNDER;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    // 2^n from the rounded sum's low mantissa bits, which hold n + 1.5·2^23 exactly: integer
    // lanes only. `n as i32` (a saturating cast, NaN → 0) compiled to scalar code per lane.
    let n_bits = shifted.to_bits().wrapping_sub(ROUNDER.to_bits());
    let scale = f32::from_bits(n_bits.wrapping_add(127) << 23);
    e * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_f32_functions_match_f64_reference() {
        let mut worst = (0.0f64, 0.0f64, 0.0f64);
        for i in -40_000..=40_000 {
            // The reference sees the same f32-rounded argument.
            let x = (i as f32 * 1e-3) as f64;
            let e_ref = x.exp();
            let e = exp_f32(x as f32) as f64;
            worst.0 = worst.0.max(((e - e_ref) / e_ref).abs());
            worst.1 = worst
                .1
                .max((Scalar::tanh(x as f32) as f64 - x.tanh()).abs());
            worst.2 = worst
                .2
                .max((Scalar::sigmoid(x as f32) as f64 - Scalar::sigmoid(x)).abs());
        }
        assert!(worst.0 < 4e-7, "exp relative error {}", worst.0);
        assert!(worst.1 < 3e-7, "tanh absolute error {}", worst.1);
        assert!(worst.2 < 2e-7, "sigmoid absolute error {}", worst.2);
        assert_eq!(Scalar::tanh(1e6f32), 1.0);
        assert_eq!(Scalar::tanh(-1e6f32), -1.0);
        assert!(Scalar::sigmoid(-1e6f32) < 1e-37);
        assert!(Scalar::tanh(f32::NAN).is_nan());
    }
}
