//! The machine a benchmark ran on, printed with its figures: speed tables compare only between
//! runs on the same kind of CPU, and the same code ran twice as fast on one x86-64 as on another.

use serde::Serialize;

/// The CPU and the code paths it selects.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// The CPU's model name and, on x86-64 Linux, its family and model numbers (a virtual
    /// machine often reports only a generic name); "unknown" where the system does not say.
    pub cpu: String,
    /// The kernel faer's matrix products run on, which it picks by the CPU: "AVX-512",
    /// "AVX2 + FMA", or "fallback (no FMA)", whose bits differ from the other two.
    pub product_kernel: &'static str,
    /// The path rnnlab's elementwise loops take ([`crate::net::simd::path`]).
    pub vector_path: &'static str,
}

impl Machine {
    /// This machine.
    pub fn this() -> Self {
        Machine {
            cpu: cpu_name().unwrap_or_else(|| "unknown".into()),
            product_kernel: product_kernel(),
            vector_path: crate::net::simd::path().name(),
        }
    }
}

impl std::fmt::Display for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CPU: {}; products: faer's {} kernel; vector loops: {}",
            self.cpu, self.product_kernel, self.vector_path
        )
    }
}

/// "model name (family F, model M)" from the first processor of /proc/cpuinfo.
fn cpu_name() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let field = |key: &str| {
        info.lines()
            .find(|line| line.split(':').next().is_some_and(|k| k.trim() == key))
            .and_then(|line| line.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    let name = field("model name")?;
    Some(match (field("cpu family"), field("model")) {
        (Some(family), Some(model)) => format!("{name} (family {family}, model {model})"),
        _ => name,
    })
}

/// The kernel faer 0.24 chooses for a product (its `matmul` module: AVX-512F first, then AVX2
/// with FMA, else its portable fallback).
fn product_kernel() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            return "AVX-512";
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return "AVX2 + FMA";
        }
    }
    "fallback (no FMA)"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_cpu_and_its_paths() {
        let machine = Machine::this();
        let line = machine.to_string();
        assert!(line.starts_with("CPU: "), "{line}");
        assert!(!machine.cpu.is_empty());
        if cfg!(target_os = "linux") {
            assert_ne!(machine.cpu, "unknown", "/proc/cpuinfo names the CPU");
        }
        // The loops take no wider path than faer's kernel has (both by the same CPU features,
        // unless RNNLAB_SIMD narrows the loops).
        if machine.vector_path == "avx512" {
            assert_eq!(machine.product_kernel, "AVX-512");
        }
    }
}
