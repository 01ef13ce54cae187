//! `rnnlab bench notebook`: the notebook's cost per trained network and its queries at scale.

use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{median_ms, ScratchDir};
use crate::lab::stats::Stats;
use crate::lab::LabError;
use crate::net::{Activation, Arch};
use crate::task::TaskKind;

/// What `rnnlab bench notebook` measured.
#[derive(Clone, Debug, Serialize)]
pub struct NotebookBench {
    /// Networks in the synthetic notebook.
    pub networks: usize,
    /// Seconds to plan them (one transaction).
    pub plan_seconds: f64,
    /// Median milliseconds to claim and then store one network with a realistic payload (a 64-unit
    /// GRU's weights and a 200-point curve): the notebook's cost per trained network.
    pub store_ms_per_network: f64,
    /// Median milliseconds of `ls --where 'arch = gru and final_loss < 1e-3' --sort final_loss`
    /// (first page of 50).
    pub ls_filter_sort_ms: f64,
    /// The same query's page at offset networks/2.
    pub ls_deep_page_ms: f64,
    /// Median milliseconds of `status`.
    pub status_ms: f64,
}

/// Builds a synthetic notebook of `networks` trained networks in a temporary file and times the
/// notebook operations a sweep and the TUI depend on.
pub fn bench_notebook(networks: usize) -> Result<NotebookBench, LabError> {
    let dir = ScratchDir::new("bench")?;
    bench_notebook_at(&dir.0.join("bench.db"), networks)
}

/// [`bench_notebook`] on a notebook file `db` that is kept (for benchmarks built on it).
pub fn bench_notebook_at(db: &std::path::Path, networks: usize) -> Result<NotebookBench, LabError> {
    use crate::store::{ListQuery, NetState, NewNetwork, Notebook, Outcome, Role};
    if networks < 100 {
        return Err(LabError::Invalid("--networks must be at least 100".into()));
    }
    {
        let nb = Notebook::open(db)?;
        let exp = nb.ensure_experiment("bench", TaskKind::FlipFlop, "", "bench")?;
        let archs = Arch::STUDY;
        let plan: Vec<NewNetwork> = (0..networks)
            .map(|i| NewNetwork {
                arch: archs[i % 4],
                activation: Activation::ALL[(i % 8) / 4],
                units: 64 << (i % 3),
                l2: 1e-5,
                seed: (i / 24) as u64,
                role: Role::Final,
                trial: 0,
                config: "{}".into(),
            })
            .collect();
        let t0 = Instant::now();
        nb.plan(exp, &plan)?;
        let plan_seconds = t0.elapsed().as_secs_f64();

        let worker = nb.register_worker()?;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let realistic_weights: Vec<f32> = (0..13_059).map(|i| i as f32 * 1e-4).collect();
        let curve: (Vec<u32>, Vec<f32>) = ((0..200).map(|i| i * 10).collect(), vec![0.5; 200]);
        let mut store_ms = Vec::new();
        let mut k = 0;
        loop {
            let t = Instant::now();
            let Some(net) = nb.claim(exp, &worker)? else {
                break;
            };
            let loss = 10f64.powf(rand::Rng::random_range(&mut rng, -4.0..-1.0));
            let realistic = k < 200;
            let outcome = Outcome {
                state: NetState::Trained,
                train_seconds: 5.0,
                steps_run: 2000,
                final_loss: Some(loss),
                score: Some(1.0 - loss),
                backoffs: 0,
                reason: None,
                curve: if realistic {
                    curve.clone()
                } else {
                    (vec![0], vec![loss as f32])
                },
                weights: Some(if realistic {
                    realistic_weights.clone()
                } else {
                    vec![0.0]
                }),
            };
            nb.finish(&net, &outcome)?;
            if realistic {
                store_ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
            k += 1;
        }
        nb.retire_worker(&worker)?;

        let query = |offset| ListQuery {
            filter: Some("arch = gru and final_loss < 1e-3".into()),
            sort: Some("final_loss".into()),
            limit: 50,
            offset,
            ..ListQuery::default()
        };
        let time = |f: &dyn Fn() -> Result<(), LabError>| median_ms(9, f);
        Ok(NotebookBench {
            networks,
            plan_seconds,
            store_ms_per_network: Stats::of(store_ms).median,
            ls_filter_sort_ms: time(&|| nb.list(&query(0)).map(drop).map_err(LabError::from))?,
            ls_deep_page_ms: time(&|| {
                nb.list(&query(networks / 2))
                    .map(drop)
                    .map_err(LabError::from)
            })?,
            status_ms: time(&|| nb.status().map(drop).map_err(LabError::from))?,
        })
    }
}

/// The readable table of `rnnlab bench train`.
impl std::fmt::Display for NotebookBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, plan) = (self.networks, self.plan_seconds);
        writeln!(
            f,
            "synthetic notebook of {n} networks (planned in {plan:.2} s)"
        )?;
        writeln!(
            f,
            "claim + store one trained network (64-unit GRU weights, 200-point curve): {:.2} ms",
            self.store_ms_per_network
        )?;
        writeln!(
            f,
            "ls --where 'arch = gru and final_loss < 1e-3' --sort final_loss, first page: {:.2} ms",
            self.ls_filter_sort_ms
        )?;
        writeln!(
            f,
            "the same, page at offset {}: {:.2} ms",
            n / 2,
            self.ls_deep_page_ms
        )?;
        writeln!(f, "status: {:.2} ms", self.status_ms)
    }
}
