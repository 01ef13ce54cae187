//! The nonlinearity f as a type, so each cell's inner loops are compiled once per activation
//! instead of branching on it for every element.

use super::scalar::Scalar;

/// f and its derivative expressed through the output y = f(x).
pub(crate) trait Nonlinearity {
    fn f<T: Scalar>(x: T) -> T;
    fn df_at_output<T: Scalar>(y: T) -> T;
}

/// f = tanh.
pub(crate) struct Tanh;
/// f = max(0, x).
pub(crate) struct Relu;

impl Nonlinearity for Tanh {
    #[inline(always)]
    fn f<T: Scalar>(x: T) -> T {
        x.tanh()
    }
    #[inline(always)]
    fn df_at_output<T: Scalar>(y: T) -> T {
        T::of(1.0) - y * y
    }
}

impl Nonlinearity for Relu {
    #[inline(always)]
    fn f<T: Scalar>(x: T) -> T {
        if x > T::of(0.0) {
            x
        } else {
            T::of(0.0)
        }
    }
    #[inline(always)]
    fn df_at_output<T: Scalar>(y: T) -> T {
        if y > T::of(0.0) {
            T::of(1.0)
        } else {
            T::of(0.0)
        }
    }
}

/// σ'(x) in terms of s = σ(x).
#[inline(always)]
pub(crate) fn dsigmoid_at_output<T: Scalar>(s: T) -> T {
    s * (T::of(1.0) - s)
}
