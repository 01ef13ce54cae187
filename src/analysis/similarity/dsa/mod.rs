//! Dynamical Similarity Analysis (Ostrow, Eisen, Kozachkov & Fiete, NeurIPS 2023): networks
//! compared by their dynamics rather than by the geometry of their states.
//!
//! Per network, once ([`fit`]): the states reduced to their top principal components, delay-
//! embedded trial by trial (never across a trial boundary), and a linear operator A fitted to
//! the embedding's top singular coordinates (HAVOK-DMD: A maps each step's coordinates to the
//! next). Per pair ([`distances`]), two scores:
//! - `dsa`: Procrustes over vector fields, the angle min over orthogonal C (both components,
//!   det ±1) of ∠(Â, C B̂ Cᵀ) with Â = A/‖A‖_F, found by Riemannian ascent on O(n) from several
//!   starts ([`procrustes`]); a lower bound from the spectra of the symmetric and skew parts and
//!   the value at C = I bracket it, and a pair whose bracket closes skips the ascent;
//! - `dsa-spectral`: the 2-Wasserstein distance between the two operators' eigenvalues in ℂ
//!   (optimal assignment, [`assignment`]), blind to any change of coordinates, not only
//!   rotations: cheap, but two operators with the same eigenvalues and different eigenvectors
//!   (a non-normal A) are at distance 0.
//!
//! Both are metrics on the operators (the first an angle between orbits of the orthogonal
//! group, the second a Wasserstein distance), so their MDS maps and separability scores read
//! like those of angular CCA.

mod assignment;
mod drive;
mod fit;
mod procrustes;
mod square;

pub use assignment::min_cost_assignment;
pub use drive::DsaProbe;
pub use fit::{delay_embedding, fit, DsaOperator};
pub use procrustes::{procrustes_angle, ProcrustesResult};

use serde::{Deserialize, Serialize};

/// The two DSA scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DsaMetric {
    /// Procrustes over vector fields: the angle between the operators up to rotation.
    Procrustes,
    /// The 2-Wasserstein distance between the operators' eigenvalues.
    Spectral,
}

impl DsaMetric {
    /// Both, in the order of [`distances`].
    pub const ALL: [DsaMetric; 2] = [DsaMetric::Procrustes, DsaMetric::Spectral];

    /// The name used on the command line and in the notebook.
    pub fn name(self) -> &'static str {
        match self {
            DsaMetric::Procrustes => "dsa",
            DsaMetric::Spectral => "dsa-spectral",
        }
    }
}

/// What DSA is fed: the probe trials as they are, or the network left alone at the task's
/// constant inputs from states the probe trials visit (docs/SCIENCE.md, "What DSA is fed":
/// the probe's input drive, shared by every network, hides the networks' own dynamics, so
/// relaxation is the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Drive {
    /// The probe batch's trials, inputs included.
    Probe,
    /// Input-free relaxation: each probe trial from a quarter of the way in, run on its own at
    /// one of the task's constant inputs x* (trial k at row k mod K) to the trial's end.
    Relaxation,
}

impl Drive {
    /// Both, the default first.
    pub const ALL: [Drive; 2] = [Drive::Relaxation, Drive::Probe];

    /// Its name in settings and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Drive::Probe => "probe",
            Drive::Relaxation => "relaxation",
        }
    }
}

impl std::str::FromStr for Drive {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Drive::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| format!("unknown DSA drive '{s}' (relaxation, probe)"))
    }
}

/// The settings of a DSA comparison: they are part of the notebook's key for the DSA pairs,
/// so matrices at different settings never mix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DsaOptions {
    /// Principal components of the states kept before the delay embedding.
    pub components: usize,
    /// Delays d of the embedding (each row holds d consecutive samples).
    pub delays: usize,
    /// Steps τ between two delays.
    pub interval: usize,
    /// Singular coordinates r of the embedding the operator acts on (the operator is r × r).
    pub rank: usize,
    /// Ridge λ of the least-squares fit.
    pub ridge: f64,
    /// Random starts of the ascent, beyond the spectral starts, I and the reflection.
    pub random_starts: usize,
    /// What the networks are run on.
    pub drive: Drive,
}

impl Default for DsaOptions {
    fn default() -> Self {
        DsaOptions {
            components: 10,
            delays: 10,
            interval: 1,
            rank: 10,
            ridge: 1e-8,
            random_starts: 4,
            drive: Drive::Relaxation,
        }
    }
}

impl std::fmt::Display for DsaOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} components, {} delays every {} step{}, rank {}, ridge {:e}, {} input",
            self.components,
            self.delays,
            self.interval,
            if self.interval == 1 { "" } else { "s" },
            self.rank,
            self.ridge,
            self.drive.name()
        )
    }
}

impl DsaOptions {
    /// Checks the settings; the message names the one at fault.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("dsa-components", self.components),
            ("dsa-delays", self.delays),
            ("dsa-interval", self.interval),
            ("dsa-rank", self.rank),
        ] {
            if v == 0 {
                return Err(format!("{name} must be at least 1"));
            }
        }
        if self.rank > 200 {
            return Err(format!("dsa-rank must be at most 200 (got {})", self.rank));
        }
        if !(self.ridge >= 0.0 && self.ridge.is_finite()) {
            return Err(format!(
                "dsa-ridge must be a finite number ≥ 0 (got {})",
                self.ridge
            ));
        }
        Ok(())
    }

    /// Steps of a trial the embedding spans: (d − 1)·τ + 1.
    pub fn span(&self) -> usize {
        (self.delays - 1) * self.interval + 1
    }
}

/// The two DSA scores of a pair, in the order `dsa`, `dsa-spectral`.
pub fn distances(a: &DsaOperator, b: &DsaOperator, random_starts: usize) -> [f64; 2] {
    [
        procrustes_angle(a, b, random_starts).angle,
        spectral_distance(a, b),
    ]
}

/// The 2-Wasserstein distance between the eigenvalues of two operators (uniform weights on
/// each operator's r eigenvalues, squared distances in ℂ): √(min over matchings of
/// Σ|λ_i − μ_σ(i)|² / r). The `dsa-metric` package's "wasserstein" score is its square.
pub fn spectral_distance(a: &DsaOperator, b: &DsaOperator) -> f64 {
    let n = a.eigenvalues.len();
    assert_eq!(n, b.eigenvalues.len(), "operators of one rank");
    if n == 0 {
        return 0.0;
    }
    let cost: Vec<f64> = a
        .eigenvalues
        .iter()
        .flat_map(|x| b.eigenvalues.iter().map(move |y| (x - y).norm_sqr()))
        .collect();
    let (_, total) = min_cost_assignment(&cost, n);
    (total.max(0.0) / n as f64).sqrt()
}

/// The two scores of every pair (i, j) of `operators` listed in `pairs`, on `threads` threads.
pub fn pairwise(
    operators: &[DsaOperator],
    pairs: &[(usize, usize)],
    random_starts: usize,
    threads: usize,
) -> Vec<[f64; 2]> {
    super::each_pair(pairs, threads, |i, j| {
        distances(&operators[i], &operators[j], random_starts)
    })
}
