//! How a sweep shows its progress: bars on a terminal (overall with ETA, one per worker), plain
//! lines otherwise (a detached run's log, a pipe, CI).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::analysis::Topology;
use crate::lab::analyse::AnalyseObserver;
use crate::lab::sweep::RunObserver;
use crate::lab::MISSING;
use crate::store::{AnalysisRecord, NetState, NetworkRow, Outcome};
use crate::train::Progress;

fn describe(n: &NetworkRow) -> String {
    format!(
        "#{} {}/{} N={} l2={:e} seed {}",
        n.id, n.arch, n.activation, n.units, n.l2, n.seed
    )
}

fn result(outcome: &Outcome) -> String {
    match outcome.state {
        NetState::Trained => format!(
            "trained, loss {:.2e}, score {:.4} ({:.1} s)",
            outcome.final_loss.unwrap_or(f64::NAN),
            outcome.score.unwrap_or(f64::NAN),
            outcome.train_seconds
        ),
        state => format!(
            "{}: {}",
            state.name(),
            outcome.reason.as_deref().unwrap_or("")
        ),
    }
}

fn analysed(record: &AnalysisRecord) -> String {
    let scaffold = record
        .topology
        .as_ref()
        .and_then(|t| serde_json::from_str::<Topology>(&t.descriptor).ok());
    let mut line = match scaffold {
        // Points merged along a continuum: their count says little, the lines say what it is.
        Some(Topology::Integration(s)) => {
            let each: Vec<String> = s
                .contexts
                .iter()
                .map(|c| {
                    format!(
                        "τ {} T, extent {}",
                        c.tau_trials
                            .map_or(MISSING.into(), |t| format!("{:.1}", t.min(999.0))),
                        c.line
                            .as_ref()
                            .map_or(MISSING.into(), |l| format!("{:.1}", l.coverage))
                    )
                })
                .collect();
            format!(
                "lines {} ({} of {} line attractors) in {:.1} s",
                each.join(" | "),
                s.contexts.iter().filter(|c| c.line_attractor).count(),
                s.contexts.len(),
                record.seconds
            )
        }
        _ => format!(
            "{} fixed points ({} stable) in {:.1} s",
            record.points.len(),
            record.points.iter().filter(|p| p.stable()).count(),
            record.seconds
        ),
    };
    if let Some(note) = &record.note {
        line.push_str(&format!(": {note}"));
    }
    line
}

/// Progress bars on stderr.
pub struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    workers: Vec<ProgressBar>,
    last_step: Mutex<Vec<Instant>>,
}

impl Bars {
    /// Bars for `jobs` workers.
    pub fn new(jobs: usize) -> Bars {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(5));
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(
            ProgressStyle::with_template(
                "{prefix:>8} [{bar:30}] {pos}/{len} networks  {elapsed} elapsed, ETA {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        overall.set_prefix("sweep");
        let workers = (0..jobs)
            .map(|i| {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{prefix:>8} {msg}").expect("valid template"),
                );
                bar.set_prefix(format!("worker {}", i + 1));
                bar.set_message("waiting");
                bar
            })
            .collect();
        Bars {
            multi,
            overall,
            workers,
            last_step: Mutex::new(vec![Instant::now(); jobs]),
        }
    }
}

impl RunObserver for Bars {
    fn planned(&self, total: usize, remaining: usize) {
        self.overall.set_length(total as u64);
        self.overall.set_position((total - remaining) as u64);
        self.overall.reset_eta();
    }
    fn started(&self, slot: usize, network: &NetworkRow) {
        self.workers[slot].set_message(describe(network));
    }
    fn step(&self, slot: usize, p: &Progress) {
        // Formatting every step would cost more than the step; a few updates a second suffice.
        let mut last = self.last_step.lock().expect("no panics hold it");
        if last[slot].elapsed() > Duration::from_millis(200) {
            last[slot] = Instant::now();
            let msg = self.workers[slot].message();
            let head = msg.split("  step").next().unwrap_or("").to_string();
            self.workers[slot].set_message(format!("{head}  step {}  loss {:.2e}", p.step, p.loss));
        }
    }
    fn finished(&self, slot: usize, network: &NetworkRow, outcome: &Outcome) {
        self.overall.inc(1);
        if outcome.state != NetState::Trained {
            let _ = self
                .multi
                .println(format!("{}: {}", describe(network), result(outcome)));
        }
        self.workers[slot].set_message("waiting");
    }
    fn analysing(&self, slot: usize, network: &NetworkRow) {
        self.workers[slot].set_message(format!("{}  fixed points", describe(network)));
    }
    fn analysed(&self, slot: usize, network: &NetworkRow, record: &AnalysisRecord) {
        if let Some(note) = &record.note {
            let _ = self
                .multi
                .println(format!("{}: fixed points: {note}", describe(network)));
        }
        self.workers[slot].set_message("waiting");
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        for bar in &self.workers {
            bar.finish_and_clear();
        }
        self.overall.finish();
    }
}

/// One line per finished network on stderr.
#[derive(Default)]
pub struct Lines {
    counts: Mutex<(usize, usize)>,
}

impl RunObserver for Lines {
    fn planned(&self, total: usize, remaining: usize) {
        *self.counts.lock().expect("no panics hold it") = (total - remaining, total);
        eprintln!("planned: {total} networks, {remaining} to train");
    }
    fn started(&self, _slot: usize, _network: &NetworkRow) {}
    fn step(&self, _slot: usize, _progress: &Progress) {}
    fn finished(&self, _slot: usize, network: &NetworkRow, outcome: &Outcome) {
        self.counted(network, &result(outcome));
    }
    fn analysing(&self, _slot: usize, _network: &NetworkRow) {}
    fn analysed(&self, _slot: usize, network: &NetworkRow, record: &AnalysisRecord) {
        eprintln!("{}: {}", describe(network), analysed(record));
    }
}

impl Lines {
    /// One line `[done/total] network: what`, counting it done.
    fn counted(&self, network: &NetworkRow, what: &str) {
        let mut c = self.counts.lock().expect("no panics hold it");
        c.0 += 1;
        eprintln!("[{}/{}] {}: {what}", c.0, c.1, describe(network));
    }
}

impl AnalyseObserver for Lines {
    fn planned(&self, remaining: usize) {
        *self.counts.lock().expect("no panics hold it") = (0, remaining);
        eprintln!("{remaining} trained networks to analyse");
    }
    fn analysed(&self, network: &NetworkRow, record: &AnalysisRecord) {
        self.counted(network, &analysed(record));
    }
}
