//! Fixed points against systems with known answers.

use faer::c64;
use ndarray::{array, Array1, Array2};
use rnnlab::analysis::{
    find_fixed_points, linearise_at, network_fixed_points, topology_of, FixedPointOptions, Topology,
};
use rnnlab::net::{Activation, Arch, CellMap, NetSpec, Params};

/// A 2-unit vanilla network with recurrent kernel `w_h` (h' = f(h·W_h + b)) and bias `b`.
fn vanilla(activation: Activation, w_h: [[f64; 2]; 2], b: [f64; 2]) -> CellMap {
    let spec = NetSpec {
        arch: Arch::Vanilla,
        activation,
        inputs: 1,
        units: 2,
        outputs: 1,
    };
    let mut p = Params::<f64>::zeros(spec);
    let layout = p.layout();
    let rk = layout.recurrent_kernel().start;
    let flat: Vec<f64> = w_h.iter().flatten().copied().collect();
    p.data[rk..rk + 4].copy_from_slice(&flat);
    let bias = layout.bias().start;
    p.data[bias..bias + 2].copy_from_slice(&b);
    CellMap::new(&p)
}

fn grid(lo: f64, hi: f64, k: usize) -> Array2<f64> {
    let step = (hi - lo) / (k - 1) as f64;
    Array2::from_shape_fn((k * k, 2), |(r, c)| {
        lo + step * if c == 0 { r / k } else { r % k } as f64
    })
}

#[test]
fn a_linear_map_has_one_fixed_point_with_its_exact_eigenvalues() {
    // In the ReLU's positive region the map is h' = W_hᵀh + b, eigenvalues 0.5 ± 0.4i.
    let map = vanilla(Activation::Relu, [[0.5, -0.4], [0.4, 0.5]], [1.0, 1.0]);
    let starts = grid(1.0, 3.0, 5);
    let points = find_fixed_points(
        &map,
        array![0.0].view(),
        starts.view(),
        starts.view(),
        &FixedPointOptions::default(),
    )
    .points;
    assert_eq!(points.len(), 1, "{points:?}");
    let p = &points[0];
    assert!(p.converged && p.q < 1e-12);
    assert!(
        (p.state[0] - 0.9 / 0.41).abs() < 1e-9 && (p.state[1] - 0.1 / 0.41).abs() < 1e-9,
        "{}",
        p.state
    );
    assert_eq!(p.eigenvalues.len(), 2);
    for l in &p.eigenvalues {
        assert!(
            (l.re - 0.5).abs() < 1e-12 && (l.im.abs() - 0.4).abs() < 1e-12,
            "{l}"
        );
    }
    assert!(p.stable() && p.unstable == 0);
}

#[test]
fn a_bistable_tanh_network_has_two_attractors_and_a_saddle() {
    // h1' = tanh(2 h1), h2' = tanh(h2 / 2): attractors at (±a, 0) with a = tanh(2a), a saddle at 0.
    let map = vanilla(Activation::Tanh, [[2.0, 0.0], [0.0, 0.5]], [0.0, 0.0]);
    let mut a: f64 = 1.0;
    for _ in 0..200 {
        a = (2.0 * a).tanh();
    }
    let starts = grid(-0.9, 0.9, 7);
    let opts = FixedPointOptions::default();
    let mut points = find_fixed_points(
        &map,
        array![0.0].view(),
        starts.view(),
        starts.view(),
        &opts,
    )
    .points;
    points.sort_by(|p, q| p.state[0].total_cmp(&q.state[0]));
    assert_eq!(points.len(), 3, "{points:?}");
    for (p, want) in points.iter().zip([-a, 0.0, a]) {
        assert!(p.q < opts.q_tolerance && p.converged);
        assert!(
            (p.state[0] - want).abs() < 1e-8 && p.state[1].abs() < 1e-8,
            "{}",
            p.state
        );
    }
    assert!(points[0].stable() && points[2].stable());
    assert_eq!((points[1].unstable, points[1].stable()), (1, false));
    let slope = 2.0 * (1.0 - a * a);
    for p in [&points[0], &points[2]] {
        let moduli: Vec<f64> = p.eigenvalues.iter().map(|l| l.norm()).collect();
        assert!(
            (moduli[0] - 0.5).abs() < 1e-9 && (moduli[1] - slope).abs() < 1e-9,
            "{moduli:?}"
        );
    }
    assert!((points[1].eigenvalues[0].re - 2.0).abs() < 1e-12);
}

#[test]
fn a_line_of_fixed_points_is_found_along_the_line() {
    // h1' = relu(h1) keeps any h1 ≥ 0; h2' = relu(h2 / 2) decays: a line attractor, λ = 1.
    let map = vanilla(Activation::Relu, [[1.0, 0.0], [0.0, 0.5]], [0.0, 0.0]);
    let starts = Array2::from_shape_fn(
        (6, 2),
        |(r, c)| if c == 0 { 0.2 + 0.3 * r as f64 } else { 0.7 },
    );
    let points = find_fixed_points(
        &map,
        array![0.0].view(),
        starts.view(),
        starts.view(),
        &FixedPointOptions::default(),
    )
    .points;
    assert_eq!(points.len(), 6, "{points:?}");
    for p in &points {
        assert!(
            p.converged && p.state[1].abs() < 1e-5 && p.state[0] > 0.0,
            "{p:?}"
        );
        assert!((p.eigenvalues[0].norm() - 1.0).abs() < 1e-12);
        assert!(!p.stable() && p.unstable == 0, "marginal, not unstable");
    }
}

#[test]
fn pseudo_fixed_points_outside_the_tanh_box_are_not_reported() {
    // A GRU whose update gate is pinned at 1 has F(h) = h everywhere; only states inside the
    // box |h_i| < 1 may be reported, and starts far outside it give nothing.
    let spec = NetSpec {
        arch: Arch::Gru,
        activation: Activation::Tanh,
        inputs: 1,
        units: 2,
        outputs: 1,
    };
    let mut p = Params::<f64>::zeros(spec);
    let b = p.layout().bias().start;
    p.data[b + 2..b + 4].fill(60.0); // update gate σ(60) = 1
    let map = CellMap::new(&p);
    let starts = Array2::from_shape_fn((8, 2), |(r, c)| 3.0 + r as f64 + c as f64);
    let points = find_fixed_points(
        &map,
        array![0.0].view(),
        starts.view(),
        starts.view(),
        &FixedPointOptions::default(),
    )
    .points;
    assert!(points.is_empty(), "{points:?}");
}

/// A GRU trained on the 3-bit flip-flop inside the test has the cube's scaffold: 8 stable points
/// whose readouts carry all 8 sign patterns, and saddles with 1, 2 and 3 unstable modes.
#[test]
fn a_trained_flipflop_gru_has_the_cube_scaffold() {
    use rnnlab::task::{FlipFlop, Task};
    use rnnlab::train::{train, TrainConfig};
    use std::ops::ControlFlow;

    let task = Task::FlipFlop(FlipFlop::default());
    let spec = NetSpec::for_task(&task, Arch::Gru, Activation::Tanh, 24);
    let config = TrainConfig {
        steps: 4000,
        ..TrainConfig::for_task(&task)
    };
    let trained = train(&task, spec, &config, 2, &mut |_| ControlFlow::Continue(()));
    assert!(
        trained.final_loss < 2e-3,
        "training reached {}",
        trained.final_loss
    );

    let opts = FixedPointOptions::default();
    let found = network_fixed_points(&trained.params, &task, &opts, &Default::default()).unwrap();
    assert_eq!(found.inputs.len(), 1, "flip-flop holds one input, zero");
    let points = &found.inputs[0].points;
    let map = CellMap::new(&trained.params);

    // Every point within its tolerance, no two within the merge distance, and the stored
    // eigenvalues those of a direct eigendecomposition of ∂F/∂h at the point.
    for (k, p) in points.iter().enumerate() {
        assert!(
            p.q < if p.converged {
                opts.q_tolerance
            } else {
                opts.slow_tolerance
            }
        );
        for other in &points[k + 1..] {
            let d = (&p.state - &other.state).mapv(|v| v * v).sum().sqrt();
            assert!(d > opts.merge_distance, "duplicates {d}");
        }
        let direct = linearise_at(&map, p.state.view(), p.input.view()).unwrap();
        for (a, b) in p.eigenvalues.iter().zip(&direct.eigenvalues) {
            assert!((a.norm() - b.norm()).abs() < 1e-9, "{a} vs {b}");
        }
    }

    let stable: Vec<_> = points
        .iter()
        .filter(|p| p.stable() && p.converged)
        .collect();
    let mut patterns: Vec<Vec<bool>> = stable
        .iter()
        .map(|p| {
            map.readout(p.state.view())
                .iter()
                .map(|&y| y > 0.0)
                .collect()
        })
        .collect();
    for p in &stable {
        let y = map.readout(p.state.view());
        assert!(
            y.iter().all(|v| (v.abs() - 1.0).abs() < 0.2),
            "stable readout {y}"
        );
    }
    patterns.sort();
    patterns.dedup();
    assert_eq!(
        (stable.len(), patterns.len()),
        (8, 8),
        "{} stable points",
        stable.len()
    );
    for k in 1..=3 {
        assert!(
            points.iter().any(|p| p.unstable == k),
            "no saddle with {k} unstable modes"
        );
    }
    // And its scaffold is the ideal cube: 8 corners, 12 edge saddles each linking the two
    // corners it separates, 6 face saddles, the centre; every bit flip leads to its neighbour.
    match topology_of(&task, &map, &found.inputs) {
        Topology::FlipFlop(s) => {
            assert!(s.ideal, "{:?}", s.descriptor());
            assert_eq!(s.transitions, (24, 24));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_modes_are_left_and_right_eigenvectors_and_the_input_jacobian_is_exact() {
    use rand::SeedableRng;
    let spec = NetSpec {
        arch: Arch::Gru,
        activation: Activation::Tanh,
        inputs: 2,
        units: 6,
        outputs: 1,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let params = Params::<f64>::init(spec, &mut rng);
    let map = CellMap::new(&params);
    let h = Array1::from_shape_fn(6, |k| 0.3 * (k as f64 - 2.5) / 2.5);
    let x = array![0.4, -0.7];
    let lin = linearise_at(&map, h.view(), x.view()).unwrap();
    let j = lin.state_jacobian.mapv(|v| c64::new(v, 0.0));
    let left = lin.left.as_ref().expect("a random J is diagonalisable");
    for (k, lambda) in lin.eigenvalues.iter().enumerate() {
        let v = lin.right.column(k);
        let w = left.row(k);
        let jv = j.dot(&v);
        let wj = w.dot(&j);
        for i in 0..6 {
            assert!((jv[i] - lambda * v[i]).norm() < 1e-10, "J v ≠ λ v");
            assert!((wj[i] - lambda * w[i]).norm() < 1e-10, "wᵀJ ≠ λ wᵀ");
        }
        assert!((w.dot(&v) - c64::new(1.0, 0.0)).norm() < 1e-10, "wᵀv ≠ 1");
    }
    // ∂F/∂x against central differences.
    for c in 0..2 {
        let mut xp = x.clone();
        let mut xm = x.clone();
        xp[c] += 1e-6;
        xm[c] -= 1e-6;
        let fd = (map.step(h.view(), xp.view()) - map.step(h.view(), xm.view())) / 2e-6;
        for i in 0..6 {
            assert!((fd[i] - lin.input_jacobian[[i, c]]).abs() < 1e-8);
        }
    }
}

#[test]
fn a_network_with_nan_weights_gets_a_reason_not_a_panic() {
    use rnnlab::task::{FlipFlop, Task};
    let task = Task::FlipFlop(FlipFlop {
        time_steps: 10,
        ..FlipFlop::default()
    });
    let spec = NetSpec::for_task(&task, Arch::Gru, Activation::Tanh, 4);
    let mut params = Params::<f32>::zeros(spec);
    params.data.fill(f32::NAN);
    let found = network_fixed_points(
        &params,
        &task,
        &FixedPointOptions::default(),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(found.points().count(), 0);
    assert!(found.note.unwrap().contains("not finite"));
}

#[test]
fn the_adam_reference_finds_the_same_points_on_a_bistable_network() {
    use rnnlab::analysis::{adam_fixed_points, AdamReference};
    let map = vanilla(Activation::Tanh, [[2.0, 0.0], [0.0, 0.5]], [0.0, 0.0]);
    let starts = grid(-0.9, 0.9, 7);
    let opts = FixedPointOptions::default();
    let ours = find_fixed_points(
        &map,
        array![0.0].view(),
        starts.view(),
        starts.view(),
        &opts,
    )
    .points;
    let theirs = adam_fixed_points(
        &map,
        array![0.0].view(),
        starts.view(),
        &opts,
        &AdamReference::default(),
    );
    assert_eq!(theirs.pseudo, 0);
    assert_eq!(theirs.points.len(), 3, "{:?}", theirs.points);
    for p in &theirs.points {
        assert!(ours
            .iter()
            .any(|o| (&o.state - &p.state).mapv(f64::abs).sum() < 1e-3));
    }
}
