//! The vector loops of the engine (the cells' gates, the thin products, the DSA search's row
//! updates) compiled once per x86-64 vector width and chosen at run time: AVX-512 (16 f32
//! lanes), AVX2 (8) or the baseline SSE2 (4).
//!
//! Only the width changes. No path contracts a multiply and an add into an FMA or reorders a
//! sum (every loop that sums keeps one accumulator per lane, the same on every path), so all
//! three give the same bits: a network trains to the same weights whichever path its machine
//! takes (faer's products give the same bits on its AVX-512 and AVX2 + FMA kernels, see
//! `matmul::kernel_tests`; on a CPU without FMA its fallback kernel does not).
//! `RNNLAB_SIMD=avx512|avx2|portable` forces a path (a narrower one than the CPU has), which is
//! how the tests check the paths the test machine would not take.

use std::sync::OnceLock;

/// Work whose loops are compiled for each vector width: `run` must be `#[inline(always)]` so
/// that each dispatching function below gets its own copy compiled for its width.
pub trait Kernel {
    /// What the work returns.
    type Output;
    /// Does the work.
    fn run(self) -> Self::Output;
}

/// A vector width the loops are compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Path {
    /// SSE2 (every x86-64) or the target's baseline elsewhere.
    Portable,
    /// AVX2, 8 f32 lanes.
    Avx2,
    /// AVX-512F, 16 f32 lanes.
    Avx512,
}

impl Path {
    /// Every path, narrowest first.
    pub const ALL: [Path; 3] = [Path::Portable, Path::Avx2, Path::Avx512];

    /// The name `RNNLAB_SIMD` takes and the benchmarks print.
    pub fn name(self) -> &'static str {
        match self {
            Path::Portable => "portable",
            Path::Avx2 => "avx2",
            Path::Avx512 => "avx512",
        }
    }
}

crate::named!(Path, "vector path");

/// The path the loops take on this CPU: the widest it has, or narrower where `RNNLAB_SIMD` asks
/// (a request for a width the CPU lacks is ignored: it would crash).
pub fn path() -> Path {
    static PATH: OnceLock<Path> = OnceLock::new();
    *PATH.get_or_init(|| {
        let widest = widest();
        match std::env::var("RNNLAB_SIMD")
            .ok()
            .and_then(|v| v.parse::<Path>().ok())
        {
            Some(asked) => asked.min(widest),
            None => widest,
        }
    })
}

/// The widest path this CPU has.
pub fn widest() -> Path {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return Path::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return Path::Avx2;
        }
    }
    Path::Portable
}

/// Runs `kernel` compiled for [`path`].
#[inline]
pub fn dispatch<K: Kernel>(kernel: K) -> K::Output {
    dispatch_on(path(), kernel)
}

/// Runs `kernel` compiled for `asked`, or for the widest path this CPU has if that is narrower.
#[inline]
pub fn dispatch_on<K: Kernel>(asked: Path, kernel: K) -> K::Output {
    match asked.min(widest()) {
        // SAFETY: `path` returns a width only when the CPU has it.
        #[cfg(target_arch = "x86_64")]
        Path::Avx512 => unsafe { avx512(kernel) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Path::Avx2 => unsafe { avx2(kernel) },
        _ => kernel.run(),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn avx512<K: Kernel>(kernel: K) -> K::Output {
    kernel.run()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2<K: Kernel>(kernel: K) -> K::Output {
    kernel.run()
}
