//! Limits checked before anything is allocated or written: a setting that would need more
//! memory than this machine has, or more networks than a notebook should plan, is refused with
//! a message giving the bound, instead of aborting on a failed allocation mid-run.

use crate::analysis::FixedPointOptions;
use crate::net::NetSpec;
use crate::task::Task;
use crate::train::TrainConfig;

/// Most networks one experiment may plan (seeds × grid, search samples included).
pub const MAX_NETWORKS: usize = 1_000_000;
/// Widest network.
pub const MAX_UNITS: usize = 8192;
/// Longest trial.
pub const MAX_TIME_STEPS: usize = 1_000_000;
/// Largest batch.
pub const MAX_BATCH: usize = 1 << 20;
/// Most flip-flop bits. K bits ask a network for 2^K attractors, and its ideal scaffold has 3^K
/// fixed points (every bit +, − or at the saddle between): 531,441 at 12 bits, beyond what a
/// search of up to 2^20 starts can find, so the scaffold verdict means nothing past it (and
/// an analysis that built the ideal graph took 220 s at 16 bits and ran out of memory at 40).
pub const MAX_BITS: usize = 12;
/// Most fixed-point starts per input.
pub const MAX_STARTS: usize = 1 << 20;
/// Most Newton iterations per start.
pub const MAX_ITERATIONS: usize = 100_000;

/// This machine's memory in bytes (`/proc/meminfo`'s MemTotal, read once; 16 GiB where
/// unknown).
pub fn machine_memory() -> f64 {
    static MEMORY: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *MEMORY.get_or_init(read_memory)
}

fn read_memory() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024.0)
        })
        .unwrap_or(16.0 * (1u64 << 30) as f64)
}

fn gib(bytes: f64) -> String {
    format!("{:.1} GiB", bytes / (1u64 << 30) as f64)
}

/// Bytes to train one network of `spec` with `config` on `task`: the tape of a trial batch
/// (states, gates, extra tape and input projections, f32) and the parameters with their
/// gradient and optimiser moments.
pub fn training_bytes(spec: NetSpec, task: &Task, config: &TrainConfig) -> f64 {
    let (t, b) = (task.definition().time_steps() as f64, config.batch as f64);
    let (s, g, n) = (
        spec.state_dim() as f64,
        spec.kernel_width() as f64,
        spec.units as f64,
    );
    let i = spec.inputs as f64;
    let params = (i + n) * g + g + n * spec.outputs as f64;
    4.0 * (t * b * (2.0 * g + s + n + i + spec.outputs as f64) + 4.0 * params)
}

/// Checks sizes of one network's training against fixed bounds and the machine's memory.
pub fn check_training(spec: NetSpec, task: &Task, config: &TrainConfig) -> Result<(), String> {
    if spec.units > MAX_UNITS {
        return Err(format!(
            "units = {} is more than rnnlab trains ({MAX_UNITS})",
            spec.units
        ));
    }
    if config.batch > MAX_BATCH {
        return Err(format!(
            "batch = {} is more than rnnlab trains ({MAX_BATCH})",
            config.batch
        ));
    }
    let t = task.definition().time_steps();
    if t > MAX_TIME_STEPS {
        return Err(format!(
            "time_steps = {t} is more than rnnlab trains ({MAX_TIME_STEPS})"
        ));
    }
    if let Task::FlipFlop(f) = task {
        if f.bits > MAX_BITS {
            return Err(format!(
                "bits = {} is more than {MAX_BITS}: the ideal scaffold every network is compared \
                 with has 3^bits fixed points ({:.3e}), more than a search can find",
                f.bits,
                3f64.powi(f.bits.min(1000) as i32)
            ));
        }
    }
    let need = training_bytes(spec, task, config);
    let have = machine_memory();
    if need > 0.5 * have {
        return Err(format!(
            "training one {} network of {} units with batch {} and {t} steps needs about {}; \
             this machine has {} (at most half of it per network)",
            spec.arch,
            spec.units,
            config.batch,
            gib(need),
            gib(have)
        ));
    }
    Ok(())
}

/// Checks the fixed-point search of a network with `state_dim` states: its starts and its
/// Jacobians (f64, S × S per descent) must fit.
pub fn check_analysis(options: &FixedPointOptions, state_dim: usize) -> Result<(), String> {
    if options.starts > MAX_STARTS {
        return Err(format!(
            "starts = {} is more than {MAX_STARTS}",
            options.starts
        ));
    }
    if options.max_iterations > MAX_ITERATIONS {
        return Err(format!(
            "max_iterations = {} is more than {MAX_ITERATIONS}",
            options.max_iterations
        ));
    }
    let s = state_dim as f64;
    let need = 8.0 * (options.starts as f64 * s + 6.0 * s * s);
    let have = machine_memory();
    if need > 0.5 * have {
        return Err(format!(
            "the fixed-point search with {} starts of {state_dim} states needs about {}; this \
             machine has {}",
            options.starts,
            gib(need),
            gib(have)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Arch};
    use crate::task::FlipFlop;

    #[test]
    fn the_quickstart_fits_and_huge_networks_do_not() {
        let task = Task::FlipFlop(FlipFlop::default());
        let config = TrainConfig::default();
        let spec = |units| NetSpec::for_task(&task, Arch::Lstm, Activation::Tanh, units);
        assert!(check_training(spec(256), &task, &config).is_ok());
        let err = check_training(spec(100_000), &task, &config).unwrap_err();
        assert!(err.contains("units = 100000"), "{err}");
        let big_batch = TrainConfig {
            batch: 100_000_000,
            ..config
        };
        assert!(check_training(spec(32), &task, &big_batch)
            .unwrap_err()
            .contains("batch"));
        let many = FixedPointOptions {
            max_iterations: 1_000_000_000_000,
            ..FixedPointOptions::default()
        };
        assert!(check_analysis(&many, 64)
            .unwrap_err()
            .contains("max_iterations"));
    }
}
