//! Scaffolds of systems whose topology is known by construction.

use faer::c64;
use ndarray::{array, Array1, Array2};
use rnnlab::analysis::topology::{
    flipflop_scaffold, ideal_descriptor, integration_scaffold, multiset_distance, sine_scaffold,
};
use rnnlab::analysis::{find_fixed_points, FixedPoint, FixedPointOptions, InputPoints, Topology};
use rnnlab::net::{Activation, Arch, CellMap, NetSpec, Params};
use rnnlab::task::{Batch, Integration, Task};

/// A vanilla network from its kernels (h' = f(x·W_x + h·W_h + b), y = h·W_out + b_out).
fn vanilla(
    activation: Activation,
    w_x: &Array2<f64>,
    w_h: &Array2<f64>,
    b: &Array1<f64>,
    w_out: &Array2<f64>,
) -> CellMap {
    let spec = NetSpec {
        arch: Arch::Vanilla,
        activation,
        inputs: w_x.nrows(),
        units: w_h.nrows(),
        outputs: w_out.ncols(),
    };
    let mut p = Params::<f64>::zeros(spec);
    let layout = p.layout();
    for (range, m) in [
        (layout.input_kernel(), w_x.view()),
        (layout.recurrent_kernel(), w_h.view()),
        (layout.readout_kernel(), w_out.view()),
    ] {
        p.data[range].copy_from_slice(&m.iter().copied().collect::<Vec<_>>());
    }
    p.data[layout.bias()].copy_from_slice(b.as_slice().unwrap());
    CellMap::new(&p)
}

/// Three independent bistable units: h_i' = tanh(2 h_i + 4 x_i), readout h / a. Its fixed
/// points are {−a, 0, a}³ with one unstable mode per zero coordinate: the ideal cube.
fn cube() -> (CellMap, Vec<rnnlab::analysis::FixedPoint>) {
    let mut a: f64 = 1.0;
    for _ in 0..200 {
        a = (2.0 * a).tanh();
    }
    let eye = Array2::<f64>::eye(3);
    let map = vanilla(
        Activation::Tanh,
        &(&eye * 4.0),
        &(&eye * 2.0),
        &Array1::zeros(3),
        &(&eye / a),
    );
    let levels = [-0.8, -0.3, 0.0, 0.3, 0.8];
    let starts = Array2::from_shape_fn((125, 3), |(r, c)| levels[(r / 5usize.pow(c as u32)) % 5]);
    let points = find_fixed_points(
        &map,
        array![0.0, 0.0, 0.0].view(),
        starts.view(),
        starts.view(),
        &FixedPointOptions::default(),
    )
    .points;
    (map, points)
}

#[test]
fn independent_bistable_units_have_the_ideal_cube() {
    let (map, points) = cube();
    assert_eq!(points.len(), 27);
    let s = flipflop_scaffold(&map, &points);
    let classes: Vec<usize> = (0..4)
        .map(|k| s.nodes.iter().filter(|n| n.unstable == k).count())
        .collect();
    assert_eq!(classes, vec![8, 12, 6, 1]);
    assert!(s.ideal, "{:?}", s.descriptor());
    assert_eq!(s.distance_to_ideal, 0.0);
    assert_eq!(s.transitions, (24, 24));
    assert_eq!(s.lost_flows, 0);
    // Each one-unstable saddle links exactly to the two corners its zero separates.
    for (k, n) in s.nodes.iter().enumerate().filter(|(_, n)| n.unstable == 1) {
        let mut targets: Vec<String> = s
            .edges
            .iter()
            .filter(|(from, _)| *from == k)
            .map(|(_, to)| s.nodes[*to].pattern.clone())
            .collect();
        targets.sort();
        let mut want = vec![n.pattern.replace('0', "+"), n.pattern.replace('0', "-")];
        want.sort();
        assert_eq!(targets, want, "saddle {}", n.label());
    }
}

#[test]
fn the_canonical_form_ignores_the_order_points_were_found_in() {
    let (map, mut points) = cube();
    let first = flipflop_scaffold(&map, &points);
    points.reverse();
    points.rotate_left(7);
    let second = flipflop_scaffold(&map, &points);
    assert_eq!(first, second);
}

#[test]
fn a_missing_corner_is_not_the_ideal_and_costs_its_node_and_edges() {
    let (map, mut points) = cube();
    // Drop the corner (+, +, +) from the points found.
    let corner = points
        .iter()
        .position(|p| p.unstable == 0 && p.state.iter().all(|&v| v > 0.5))
        .unwrap();
    points.remove(corner);
    let s = flipflop_scaffold(&map, &points);
    assert!(!s.ideal);
    // The node and the three edges from the saddles next to it (their flows get lost).
    assert_eq!(s.distance_to_ideal, 4.0);
    assert_eq!(s.lost_flows, 3);
    let full = Topology::FlipFlop(flipflop_scaffold(&map, &cube().1));
    let missing = Topology::FlipFlop(s);
    assert_eq!(full.distance(&missing), Some(4.0));
    assert_eq!(missing.distance(&full), Some(4.0));
    assert_eq!(full.distance(&full), Some(0.0));
}

#[test]
fn the_multiset_distance_is_a_metric_on_descriptors() {
    let a = ideal_descriptor(3);
    let mut b = a.clone();
    b.remove("0:+++");
    let mut c = b.clone();
    *c.entry("0:+++".into()).or_insert(0) += 2;
    assert_eq!(multiset_distance(&a, &a), 0.0);
    assert_eq!(multiset_distance(&a, &b), 1.0);
    assert_eq!(multiset_distance(&b, &c), 2.0);
    assert_eq!(multiset_distance(&a, &c), 1.0);
    assert!(multiset_distance(&a, &c) <= multiset_distance(&a, &b) + multiset_distance(&b, &c));
    // The ideal 3-cube: 27 nodes and 2 edges from each of its 12 edge saddles.
    assert_eq!(a.len(), 27 + 24);
}

#[test]
fn a_rotating_oscillator_has_its_linear_frequency_and_a_limit_cycle() {
    // h' = tanh(g·R(θ) h): the origin is unstable with λ = g·e^{±iθ}; tanh bounds the orbit on
    // a limit cycle turning by about θ per step.
    let (g, theta) = (1.2f64, std::f64::consts::TAU / 25.0);
    let w_h = array![
        [g * theta.cos(), g * theta.sin()],
        [-g * theta.sin(), g * theta.cos()]
    ];
    let map = vanilla(
        Activation::Tanh,
        &Array2::zeros((1, 2)),
        &w_h,
        &Array1::zeros(2),
        &array![[1.0], [0.0]],
    );
    let x = array![0.5];
    let starts = Array2::from_shape_fn((9, 2), |(r, c)| 0.1 * ((r + c) as f64 - 4.0));
    let points = find_fixed_points(
        &map,
        x.view(),
        starts.view(),
        starts.view(),
        &FixedPointOptions::default(),
    )
    .points;
    assert_eq!(points.len(), 1);
    let inputs = vec![InputPoints {
        input: x.clone(),
        points,
        pseudo: 0,
    }];
    let target = theta / std::f64::consts::TAU;
    let s = sine_scaffold(&map, &inputs, |_| target);
    let at = &s.inputs[0];
    assert_eq!((at.fixed_points, at.stable), (1, 0));
    assert!((at.linear_frequency.unwrap() - target).abs() < 1e-12);
    assert!((at.modulus.unwrap() - g).abs() < 1e-12);
    let period = at.cycle_period.expect("a limit cycle");
    assert!((period * target - 1.0).abs() < 0.1, "period {period}");
    assert!(s.ideal);
}

/// The integration task's probe trials (T = 30, targets the running sum over T).
fn probe() -> Batch {
    Task::Integration(Integration::default()).probe_batch()
}

const T: f64 = 30.0;

/// The input without the streams in `context`.
fn resting_input(context: usize) -> Array1<f64> {
    let mut x = Array1::zeros(4);
    x[2 + context] = 1.0;
    x
}

#[test]
fn a_linear_integrator_is_a_line_attractor_aligned_with_its_cued_input() {
    // ReLU, h1' = h1 + s0 / T (λ = 1 exactly: it holds any sum), h2' = h2 / 2 + s1 / T;
    // readout y = h1, the task's running sum (kept at zero when negative).
    let w_x = array![[1.0 / T, 0.0], [0.0, 1.0 / T], [0.0, 0.0], [0.0, 0.0]];
    let map = vanilla(
        Activation::Relu,
        &w_x,
        &array![[1.0, 0.0], [0.0, 0.5]],
        &Array1::zeros(2),
        &array![[1.0], [0.0]],
    );
    let starts = Array2::from_shape_fn(
        (6, 2),
        |(r, c)| if c == 0 { 0.1 + 0.2 * r as f64 } else { 0.4 },
    );
    let inputs: Vec<InputPoints> = (0..2)
        .map(resting_input)
        .map(|x| InputPoints {
            points: find_fixed_points(
                &map,
                x.view(),
                starts.view(),
                starts.view(),
                &FixedPointOptions::default(),
            )
            .points,
            input: x,
            pseudo: 0,
        })
        .collect();
    let s = integration_scaffold(&map, &inputs, &probe());
    let cued = &s.contexts[0];
    let line = cued.line.as_ref().expect("a line");
    assert!(
        line.points >= 5 && line.fixed == line.points,
        "the search's points: a line of fixed points {line:?}"
    );
    assert!(line.held_states > 50, "every probe state is held: {line:?}");
    // The positive half of the targets (ReLU): well over half their 5–95 % range.
    assert!(
        line.readout_range.0 < 0.05 && line.coverage > 0.6,
        "{line:?}"
    );
    assert!(line.straightness > 0.999, "{line:?}");
    assert!(
        line.readout_alignment > 0.999,
        "the line runs along h1, the readout: {line:?}"
    );
    assert!(
        cued.line_attractor,
        "{:?} {:?} {:?}",
        cued.retention, cued.tau_trials, cued.linearised_tau_trials
    );
    assert_eq!(cued.tau_trials, Some(1e6), "λ = 1: no decay at all");
    assert!((cued.top_modulus.unwrap() - 1.0).abs() < 1e-12);
    assert!((cued.cued_alignment.unwrap() - 1.0).abs() < 1e-12);
    assert!(cued.ignored_alignment.unwrap() < 1e-12);
    assert!((cued.selectivity.unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(cued.modes_for_response, Some(1));
    assert!((cued.response_by_modes[0] - 1.0).abs() < 1e-12);
    assert!(cued.distance_to_ideal() < 1e-12);
    // In context 1 the integrating mode is the ignored stream's: not the ideal.
    assert!(s.contexts[1].cued_alignment.unwrap() < 1e-12);
    assert!(!s.contexts[1].line_attractor);
    assert!(!s.ideal);
}

/// A two-unit tanh network: unit 1 integrates stream `integrated` with |λ| = `lambda`, unit 2
/// forgets the other stream at λ = ½; the readout is 100 · unit 1, the task's running sum
/// (unit 1 stays within ±0.03, where tanh is linear to 1e-3). Its points in each context: the
/// fixed point at the origin and the slow points (q below the search's tolerance) along unit 1.
fn leaky_integrator(lambda: f64, integrated: usize) -> (CellMap, Vec<InputPoints>) {
    let mut w_x = Array2::zeros((4, 2));
    w_x[[integrated, 0]] = 0.01 / T;
    w_x[[1 - integrated, 1]] = 0.01 / T;
    let map = vanilla(
        Activation::Tanh,
        &w_x,
        &array![[lambda, 0.0], [0.0, 0.5]],
        &Array1::zeros(2),
        &array![[100.0], [0.0]],
    );
    let inputs = (0..2)
        .map(|context| {
            let x = resting_input(context);
            let points = (-3..=3)
                .map(|k| {
                    let h1 = 0.002 * k as f64;
                    let q = 0.5 * (h1 - (lambda * h1).tanh()).powi(2);
                    FixedPoint {
                        input: x.clone(),
                        state: array![h1, 0.0],
                        q,
                        converged: q < 1e-12,
                        eigenvalues: vec![c64::new(lambda, 0.0), c64::new(0.5, 0.0)],
                        unstable: usize::from(lambda > 1.0),
                    }
                })
                .filter(|p| p.q < FixedPointOptions::default().slow_tolerance)
                .collect();
            InputPoints {
                input: x,
                points,
                pseudo: 0,
            }
        })
        .collect();
    (map, inputs)
}

#[test]
fn a_slightly_leaky_integrator_with_a_line_of_slow_points_is_a_line_attractor() {
    // |λ| = 1 − 1/(4T): an input keeps e^(−1/4) of itself over a trial, τ ≈ 4 T.
    let (map, inputs) = leaky_integrator(1.0 - 1.0 / (4.0 * T), 0);
    let s = integration_scaffold(&map, &inputs, &probe());
    let c = &s.contexts[0];
    let line = c.line.as_ref().unwrap();
    assert_eq!(
        (line.points, line.fixed),
        (7, 1),
        "one fixed point, six slow ones"
    );
    assert!(line.held_states > 50, "{line:?}");
    assert!(line.coverage > 1.0, "the line spans the targets: {line:?}");
    assert!(line.straightness > 0.999, "{line:?}");
    let tau = c.tau_trials.unwrap();
    assert!((3.9..4.1).contains(&tau), "τ/T {tau}");
    assert!((c.selectivity.unwrap() - 1.0).abs() < 1e-12);
    assert!(c.line_attractor && c.distance_to_ideal() == 0.0);
    // In context 1 it integrates the ignored stream (stream 0): not a line attractor for it.
    assert!(!s.contexts[1].line_attractor);
}

#[test]
fn a_fast_decaying_mode_is_not_a_line_attractor() {
    let (map, inputs) = leaky_integrator(0.5, 0);
    let c = &integration_scaffold(&map, &inputs, &probe()).contexts[0];
    let tau = c.tau_trials.unwrap();
    assert!(tau < 0.05, "τ/T {tau}: |λ| = ½ forgets within a few steps");
    let line = c.line.as_ref().unwrap();
    assert!(line.held_states < 5, "it holds no sum: {line:?}");
    assert!(line.coverage < 0.5, "only its slowest points: {line:?}");
    assert!(!c.line_attractor);
    assert!(c.distance_to_ideal() > 1.2);
}

#[test]
fn integrating_the_wrong_stream_fails_selectivity() {
    // Unit 1 integrates stream 1 in both contexts: right in context 1, wrong in context 0.
    let (map, inputs) = leaky_integrator(1.0 - 1.0 / (4.0 * T), 1);
    let s = integration_scaffold(&map, &inputs, &probe());
    let (wrong, right) = (&s.contexts[0], &s.contexts[1]);
    assert!(wrong.tau_trials.unwrap() > 1.0, "it does integrate");
    assert!(wrong.selectivity.unwrap() < 0.05, "{:?}", wrong.selectivity);
    assert!(!wrong.line_attractor);
    assert!(right.line_attractor);
    assert!(!s.ideal);
}
