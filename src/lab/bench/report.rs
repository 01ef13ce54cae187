//! `rnnlab bench report`: `rnnlab report` on a synthetic analysed population at the study's
//! scale (every network with 27 fixed points, a scaffold, and every geometry and topology pair
//! stored), so its time is measured where the heavy parts are already in the notebook.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{bench_notebook_at, ScratchDir};
use crate::analysis::similarity::ReductionOptions;
use crate::analysis::topology::{FlipFlopScaffold, Node};
use crate::analysis::{Topology, TOPOLOGY_VERSION};
use crate::lab::compare::{dsa_settings_key, settings_key, CompareOptions};
use crate::lab::report::{report, ReportOptions};
use crate::lab::LabError;
use crate::store::{AnalysisRecord, AnalysisScope, Notebook, StoredFixedPoint, TopologyRecord};

/// What `rnnlab bench report` measured.
#[derive(Clone, Debug, Serialize)]
pub struct ReportBench {
    /// Networks in the synthetic population.
    pub networks: usize,
    /// Geometry pairs stored (and as many topology pairs).
    pub pairs: usize,
    /// Seconds to build the synthetic notebook (not part of the report).
    pub setup_seconds: f64,
    /// Seconds of `rnnlab report` on it.
    pub report_seconds: f64,
    /// Size of the page in bytes.
    pub page_bytes: u64,
    /// Size of every file written, in bytes.
    pub total_bytes: u64,
}

/// Stores random geometry distances between the first `n` networks of the notebook's first
/// experiment, as a finished `rnnlab run` would (n(n−1)/2 pairs under the default reduction).
pub fn store_random_distances(db: &Path, n: i64) -> Result<(), LabError> {
    let notebook = Notebook::open(db)?;
    let experiment = notebook
        .experiments()?
        .into_iter()
        .next()
        .ok_or_else(|| LabError::Invalid("the bench notebook has no experiment".into()))?;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let pairs: Vec<_> = (1..=n)
        .flat_map(|a| (a + 1..=n).map(move |b| (a, b)))
        .map(|(a, b)| (a, b, [(); 3].map(|_| rng.random_range(0.0..1.0))))
        .collect();
    let key = settings_key(&ReductionOptions::default());
    notebook.store_similarity(experiment.id, &key, &pairs)?;
    // DSA's pairs too: a notebook with every pair stored is never asked to run a network (it
    // has none to run).
    let dynamics: Vec<_> = pairs
        .iter()
        .map(|&(a, b, _)| (a, b, [(); 2].map(|_| rng.random_range(0.0..1.0))))
        .collect();
    let dsa_key = dsa_settings_key(&CompareOptions::default());
    notebook.store_dsa(experiment.id, &dsa_key, &dynamics)?;
    Ok(())
}

/// A fabricated analysis: 27 points of a 64-unit network (8 stable) and a cube-like scaffold,
/// ideal for three networks in four.
fn analysis(rng: &mut ChaCha8Rng, units: usize) -> AnalysisRecord {
    let points = (0..27)
        .map(|k| StoredFixedPoint {
            input_index: 0,
            input: vec![0.0; 3],
            state: (0..units).map(|_| rng.random_range(-1.0..1.0)).collect(),
            q: 1e-14,
            converged: true,
            unstable: [0, 1, 2, 3][k.min(26) * 4 / 27],
            max_modulus: if k < 8 { 0.9 } else { 1.2 },
            eigenvalues: (0..units)
                .map(|_| [rng.random_range(-1.0..1.0), rng.random_range(-0.3..0.3)])
                .collect(),
            readout: vec![0.0; 3],
        })
        .collect();
    let ideal = rng.random_range(0.0..1.0) < 0.75;
    let topology = Topology::FlipFlop(FlipFlopScaffold {
        bits: 3,
        nodes: (0..8)
            .map(|k| Node {
                unstable: 0,
                pattern: format!("{:03b}", k).replace('0', "-").replace('1', "+"),
                readout: vec![0.0; 3],
            })
            .collect(),
        edges: Vec::new(),
        lost_flows: 0,
        transitions: (24, 24),
        ideal,
        distance_to_ideal: if ideal { 0.0 } else { 2.0 },
    });
    AnalysisRecord {
        settings: "{}".into(),
        summary: "[]".into(),
        note: None,
        seconds: 0.0,
        points,
        pseudo: 0,
        topology: Some(TopologyRecord {
            version: TOPOLOGY_VERSION,
            descriptor: serde_json::to_string(&topology).expect("serialises"),
            ideal,
            distance_to_ideal: if ideal { 0.0 } else { 2.0 },
        }),
    }
}

/// Builds the synthetic population in a scratch notebook and times `rnnlab report` on it.
pub fn bench_report(networks: usize, threads: usize) -> Result<ReportBench, LabError> {
    let dir = ScratchDir::new("bench-report")?;
    let db = dir.0.join("bench.db");
    let started = Instant::now();
    bench_notebook_at(&db, networks)?;
    store_random_distances(&db, networks as i64)?;
    let notebook = Notebook::open(&db)?;
    let worker = notebook.register_worker()?;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    while let Some(net) = notebook.claim_analysis(AnalysisScope::default(), &worker)? {
        let record = analysis(&mut rng, 64);
        let d = rng.random_range(0.0..4.0);
        notebook.store_analysis(&net, &record, &|_| Some(d))?;
    }
    notebook.retire_worker(&worker)?;
    let setup_seconds = started.elapsed().as_secs_f64();

    let out = dir.0.join("report");
    let started = Instant::now();
    report(
        &notebook,
        &ReportOptions {
            experiment: "bench".into(),
            networks: Vec::new(),
            max_loss: None,
            comparison: crate::lab::compare::CompareOptions::default(),
            threads,
        },
        &out,
    )?;
    let report_seconds = started.elapsed().as_secs_f64();
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let total_bytes = std::fs::read_dir(&out)
        .map_err(|source| LabError::Io {
            path: out.clone(),
            source,
        })?
        .filter_map(Result::ok)
        .map(|e| size(&e.path()))
        .sum();
    Ok(ReportBench {
        networks,
        pairs: networks * (networks - 1) / 2,
        setup_seconds,
        report_seconds,
        page_bytes: size(&out.join("index.html")),
        total_bytes,
    })
}

impl fmt::Display for ReportBench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "rnnlab report on {} analysed networks ({} geometry and {} topology pairs stored; \
             built in {:.0} s):",
            self.networks, self.pairs, self.pairs, self.setup_seconds
        )?;
        writeln!(
            f,
            "  {:.1} s; page {:.1} MB, all files {:.1} MB",
            self.report_seconds,
            self.page_bytes as f64 / 1e6,
            self.total_bytes as f64 / 1e6
        )
    }
}
