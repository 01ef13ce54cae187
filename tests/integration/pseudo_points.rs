//! Pseudo fixed points of gated cells: where an update gate saturates, F(h) ≈ h for any h, so q
//! is small far from every true fixed point. The gate-free residual tells them apart.

use ndarray::{array, Array1, Array2};
use rnnlab::analysis::fixed_points::FoundPoints;
use rnnlab::analysis::{find_fixed_points, FixedPointOptions};
use rnnlab::net::{Activation, Arch, CellMap, NetSpec, Params};

/// A network of `arch` with one input and N decoupled units: every kernel diagonal per block,
/// given as (recurrent weight, bias) per gate block, in the cell's block order.
fn decoupled(arch: Arch, activation: Activation, units: usize, blocks: &[(f64, f64)]) -> CellMap {
    let spec = NetSpec {
        arch,
        activation,
        inputs: 1,
        units,
        outputs: 1,
    };
    let mut p = Params::<f64>::zeros(spec);
    let layout = p.layout();
    let g = spec.kernel_width();
    let n = units;
    let (rk, bias) = (layout.recurrent_kernel(), layout.bias());
    for (k, &(w, b)) in blocks.iter().enumerate() {
        for i in 0..n {
            p.data[rk.start + i * g + k * n + i] = w;
            p.data[bias.start + k * n + i] = b;
        }
    }
    CellMap::new(&p)
}

/// The points found at input `x` from `starts`, the network having visited `visited`, with
/// the default options.
fn search(
    map: &CellMap,
    x: &Array1<f64>,
    starts: &Array2<f64>,
    visited: &Array2<f64>,
) -> FoundPoints {
    find_fixed_points(
        map,
        x.view(),
        starts.view(),
        visited.view(),
        &FixedPointOptions::default(),
    )
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn the_gate_free_residual_is_the_candidate_relation_of_every_gated_cell() {
    let x = array![0.0];
    for activation in [Activation::Tanh, Activation::Relu] {
        let f = |z: f64| match activation {
            Activation::Tanh => z.tanh(),
            Activation::Relu => z.max(0.0),
        };
        // UGRNN: g = σ(a h + b_g + 1), c = f(w h + b); residual c − h.
        let map = decoupled(Arch::Ugrnn, activation, 2, &[(0.5, -2.0), (1.5, 0.2)]);
        let h = array![0.3, 0.7];
        let got = map.gate_free(h.view(), x.view()).residual;
        for i in 0..2 {
            let want = f(1.5 * h[i] + 0.2) - h[i];
            assert!((got[i] - want).abs() < 1e-14, "{activation:?} ugrnn");
            // and F(h) − h = (1 − g)(c − h)
            let g = sigmoid(0.5 * h[i] - 2.0 + 1.0);
            let step = map.step(h.view(), x.view());
            assert!((step[i] - h[i] - (1.0 - g) * want).abs() < 1e-14);
        }
        // GRU: r, u gates, c = f(w (r h) + b); residual c − h.
        let map = decoupled(
            Arch::Gru,
            activation,
            2,
            &[(0.0, 3.0), (0.5, 1.0), (1.5, 0.2)],
        );
        let got = map.gate_free(h.view(), x.view()).residual;
        for i in 0..2 {
            let r = sigmoid(3.0);
            let want = f(1.5 * r * h[i] + 0.2) - h[i];
            assert!((got[i] - want).abs() < 1e-14, "{activation:?} gru");
        }
        // LSTM, state [c; h]: c* = σ(i) f(j) / (1 − σ(f + 1)); residual [c* − c; h' − h].
        let map = decoupled(
            Arch::Lstm,
            activation,
            1,
            &[(0.0, 0.0), (0.0, 0.5), (0.0, -1.0), (0.0, 2.0)],
        );
        let state = array![0.3, 0.1];
        let got = map.gate_free(state.view(), x.view()).residual;
        let (si, fj, sf) = (sigmoid(0.0), f(0.5), sigmoid(0.0));
        assert!(
            (got[0] - (si * fj / (1.0 - sf) - 0.3)).abs() < 1e-14,
            "{activation:?} lstm"
        );
        let next = map.step(state.view(), x.view());
        assert!((got[1] - (next[1] - 0.1)).abs() < 1e-14);
    }
}

/// Three decoupled ReLU units with c = relu(2h − 1): fixed points at h_i ∈ {0, 1} (0 stable,
/// 1 a saddle), 8 in all; the update gate σ(h − 3) saturates for large h, where q vanishes
/// although h is far from c: pseudo fixed points.
fn gated_relu(arch: Arch) -> CellMap {
    match arch {
        Arch::Ugrnn => decoupled(arch, Activation::Relu, 3, &[(1.0, -4.0), (2.0, -1.0)]),
        // r = σ(40) = 1, u = σ(h − 3).
        _ => decoupled(
            arch,
            Activation::Relu,
            3,
            &[(0.0, 40.0), (1.0, -3.0), (2.0, -1.0)],
        ),
    }
}

#[test]
fn gated_relu_networks_report_their_known_points_and_reject_pseudo_points() {
    let x = array![0.0];
    for arch in [Arch::Ugrnn, Arch::Gru] {
        let map = gated_relu(arch);
        // Starts around the true points and far out where the gate is shut (h ≈ 38: 1 − u
        // below 1e-15, so q < 1e-20 there although c − h ≈ 37).
        let near =
            Array2::from_shape_fn((64, 3), |(r, c)| [0.1, 0.9, 0.4, 1.2][(r >> (2 * c)) % 4]);
        let far = Array2::from_shape_fn((8, 3), |(r, c)| 38.0 + (r * 3 + c) as f64);
        let starts = ndarray::concatenate![ndarray::Axis(0), near, far];
        // The network visits the region of its true points only.
        let found = search(&map, &x, &starts, &near);
        assert!(
            found.pseudo >= 1,
            "{arch}: the saturated region was offered"
        );
        let mut states: Vec<Vec<f64>> = found
            .points
            .iter()
            .filter(|p| p.converged)
            .map(|p| p.state.iter().map(|v| (v * 1e6).round() / 1e6).collect())
            .collect();
        states.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let mut want: Vec<Vec<f64>> = (0..8)
            .map(|k| (0..3).map(|i| ((k >> i) & 1) as f64).collect())
            .collect();
        want.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(states, want, "{arch}: exactly the 8 true fixed points");
        for p in &found.points {
            let e = map.gate_free(p.state.view(), x.view()).residual;
            assert!(e.iter().all(|v| v.abs() < 1e-3), "{arch}: {:?}", p.state);
        }
        let unstable: Vec<usize> = {
            let mut u: Vec<usize> = found.points.iter().map(|p| p.unstable).collect();
            u.sort();
            u
        };
        assert_eq!(unstable, vec![0, 1, 1, 1, 2, 2, 2, 3], "{arch}");
    }
}

#[test]
fn points_beyond_the_visited_region_are_pseudo_points() {
    // The same network, but only the region near the true points was visited: the far starts
    // end outside twice its radius.
    let x = array![0.0];
    let map = gated_relu(Arch::Ugrnn);
    let visited = Array2::from_shape_fn((8, 3), |(r, c)| ((r >> c) & 1) as f64);
    let far = Array2::from_shape_fn((4, 3), |(r, c)| 38.0 + (r + c) as f64);
    let found = search(&map, &x, &far, &visited);
    assert!(found
        .points
        .iter()
        .all(|p| p.state.iter().all(|v| v.abs() < 3.0)));
    assert!(found.pseudo >= 1);
}

#[test]
fn a_unit_a_shut_gate_holds_is_judged_by_where_the_network_visits_it_not_by_its_candidate() {
    // UGRNN, ReLU, three decoupled units. Unit 0's gate is shut everywhere (σ(21): 1 − g =
    // 7.6e-10): it keeps any value for ~10⁹ steps, whatever its candidate relu(4) says. Units
    // 1 and 2 settle at 0 (stable) or 1 (a saddle), as above.
    let spec = NetSpec {
        arch: Arch::Ugrnn,
        activation: Activation::Relu,
        inputs: 1,
        units: 3,
        outputs: 1,
    };
    let mut p = Params::<f64>::zeros(spec);
    let layout = p.layout();
    let g = spec.kernel_width();
    let (rk, bias) = (layout.recurrent_kernel(), layout.bias());
    let units = [
        [(0.0, 20.0), (0.0, 4.0)],
        [(1.0, -4.0), (2.0, -1.0)],
        [(1.0, -4.0), (2.0, -1.0)],
    ];
    for (i, blocks) in units.iter().enumerate() {
        for (k, &(w, b)) in blocks.iter().enumerate() {
            p.data[rk.start + i * g + k * 3 + i] = w;
            p.data[bias.start + k * 3 + i] = b;
        }
    }
    let map = CellMap::new(&p);
    let x = array![0.0];
    // Held: not judged by h = c (its residual is 0), although h₀ = 0.7 is far from c₀ = 4.
    let gate = map.gate_free(array![0.7, 0.0, 0.3].view(), x.view());
    assert_eq!(gate.held, vec![true, false, false]);
    assert_eq!(gate.residual[0], 0.0);
    assert!(
        (gate.residual[2] - (-0.3)).abs() < 1e-12,
        "an open gate is judged by c − h"
    );
    // The network visits unit 0 between 0 and 1 only, units 1 and 2 between 0 and 10: a wide
    // region, so the region rule alone keeps unit 0 at 4, where the descents end (c₀ = h₀).
    let visited = Array2::from_shape_fn((11, 3), |(r, c)| match c {
        0 => r as f64 / 10.0,
        _ => r as f64,
    });
    let starts = array![[0.2, 0.1, 0.1], [0.8, 0.1, 0.9], [3.0, 0.9, 0.1]];
    let found = search(&map, &x, &starts, &visited);
    assert!(found.points.is_empty(), "{:?}", found.points);
    assert!(
        found.pseudo >= 1,
        "unit 0 held at 4, a value it never visits"
    );
    // Visiting unit 0 up to 4 makes the same points true ones.
    let wider = &visited * &array![4.0, 1.0, 1.0];
    let found = search(&map, &x, &starts, &wider);
    assert!(!found.points.is_empty() && found.pseudo == 0);
    assert!(found.points.iter().all(|p| (p.state[0] - 4.0).abs() < 1e-6));
}
