//! The foundation: hand-written BPTT gradients and analytic Jacobians against central finite
//! differences in f64, and the f32 training forward against the f64 map, for every cell.

use ndarray::Array1;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rnnlab::net::{backward, forward, mse, Activation, Arch, CellMap, NetSpec, Params, Tape};

fn every_variant() -> impl Iterator<Item = NetSpec> {
    Arch::ALL.into_iter().flat_map(|arch| {
        Activation::ALL.into_iter().map(move |activation| NetSpec {
            arch,
            activation,
            inputs: 3,
            units: 5,
            outputs: 2,
        })
    })
}

/// A network whose every parameter (biases too) is random, so no term of the gradient hides.
fn random_params(spec: NetSpec, rng: &mut ChaCha8Rng) -> Params<f64> {
    let mut p = Params::<f64>::init(spec, rng);
    for w in &mut p.data {
        *w += rng.random_range(-0.5..0.5);
    }
    p
}

fn random_vec(len: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

#[test]
fn bptt_gradient_matches_finite_differences_for_every_block() {
    let (batch, steps) = (3, 5);
    for spec in every_variant() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let params = random_params(spec, &mut rng);
        let inputs = random_vec(steps * batch * spec.inputs, &mut rng);
        let targets = random_vec(steps * batch * spec.outputs, &mut rng);
        // Every target weighted in [0, 1], some not scored at all (the arrays task's mask).
        let weights: Vec<f64> = random_vec(steps * batch * spec.outputs, &mut rng)
            .into_iter()
            .map(|w| w.max(0.0))
            .collect();
        for mask in [None, Some(weights.as_slice())] {
            let mut tape = Tape::new(spec, batch, steps);
            let mut grad = vec![0.0; params.data.len()];
            forward(&params, &inputs, &mut tape);
            backward(&params, &inputs, &targets, mask, &mut tape, &mut grad);

            let loss_at = |p: &Params<f64>| {
                let mut t = Tape::new(spec, batch, steps);
                forward(p, &inputs, &mut t);
                mse(&t, &targets, mask)
            };
            let eps = 1e-6;
            for (name, range, _) in params.layout().named_blocks() {
                let (mut num, mut den) = (0.0f64, 0.0f64);
                for k in range {
                    let mut p = params.clone();
                    p.data[k] += eps;
                    let up = loss_at(&p);
                    p.data[k] -= 2.0 * eps;
                    let down = loss_at(&p);
                    let fd = (up - down) / (2.0 * eps);
                    num += (fd - grad[k]).powi(2);
                    den += fd.powi(2).max(grad[k].powi(2));
                }
                let rel = (num / den.max(1e-300)).sqrt();
                assert!(
                    rel < 1e-6,
                    "{}/{} block {name}: relative error {rel:e}",
                    spec.arch,
                    spec.activation
                );
                assert!(
                    den > 0.0,
                    "{}/{} block {name}: zero gradient",
                    spec.arch,
                    spec.activation
                );
            }
        }
    }
}

#[test]
fn state_and_input_jacobians_match_finite_differences() {
    for spec in every_variant() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let map = CellMap::new(&random_params(spec, &mut rng));
        let h = Array1::from(random_vec(spec.state_dim(), &mut rng));
        let x = Array1::from(random_vec(spec.inputs, &mut rng));
        let jac = map.jacobians(h.view(), x.view());
        let eps = 1e-6;
        // Column j of ∂F/∂h by central differences, then of ∂F/∂x.
        for j in 0..spec.state_dim() + spec.inputs {
            let (mut hu, mut hd, mut xu, mut xd) = (h.clone(), h.clone(), x.clone(), x.clone());
            let (analytic, name) = if j < spec.state_dim() {
                hu[j] += eps;
                hd[j] -= eps;
                (jac.state.column(j), format!("h{j}"))
            } else {
                let k = j - spec.state_dim();
                xu[k] += eps;
                xd[k] -= eps;
                (jac.input.column(k), format!("x{k}"))
            };
            let fd =
                (map.step(hu.view(), xu.view()) - map.step(hd.view(), xd.view())) / (2.0 * eps);
            for i in 0..spec.state_dim() {
                let err = (fd[i] - analytic[i]).abs();
                assert!(
                    err < 1e-8,
                    "{}/{} ∂F{i}/∂{name}: error {err:e}",
                    spec.arch,
                    spec.activation
                );
            }
        }
    }
}

/// The Jacobians the fixed-point search uses (for the GRU structured ones, its diagonal products
/// done as row scalings) are the exact one the backward step makes: the f64 one to rounding, the
/// f32 one that steers Newton's steps to f32 precision.
#[test]
fn the_search_jacobians_are_the_backward_steps_own() {
    for spec in every_variant() {
        let spec = NetSpec { units: 17, ..spec };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let map = CellMap::new(&random_params(spec, &mut rng));
        let h = Array1::from(random_vec(spec.state_dim(), &mut rng));
        let x = Array1::from(random_vec(spec.inputs, &mut rng));
        let exact = map.jacobians(h.view(), x.view()).state;
        let approximate = map.approximate_state_jacobian(h.view(), x.view());
        let scale = exact.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let structured = map.state_jacobian(h.view(), x.view());
        for (a, e) in structured.iter().zip(&exact) {
            assert!(
                (a - e).abs() < 1e-13 * scale,
                "{}/{}",
                spec.arch,
                spec.activation
            );
        }
        for ((i, j), &e) in exact.indexed_iter() {
            let a = f64::from(approximate[i * spec.state_dim() + j]);
            assert!(
                (a - e).abs() < 1e-5 * scale,
                "{}/{} ∂F{i}/∂h{j}: {a} against {e}",
                spec.arch,
                spec.activation
            );
        }
    }
}

#[test]
fn f32_training_forward_equals_f64_map_step_by_step() {
    let (batch, steps) = (4, 30);
    for spec in every_variant() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let params = Params::<f32>::init(spec, &mut rng);
        let inputs: Vec<f32> = random_vec(steps * batch * spec.inputs, &mut rng)
            .into_iter()
            .map(|v| v as f32)
            .collect();
        let mut tape = Tape::new(spec, batch, steps);
        forward(&params, &inputs, &mut tape);

        let map = CellMap::new(&params);
        let s = spec.state_dim();
        for b in 0..batch {
            let mut h = Array1::<f64>::zeros(s);
            for t in 0..steps {
                let row = t * batch + b;
                let x: Array1<f64> = inputs[row * spec.inputs..(row + 1) * spec.inputs]
                    .iter()
                    .map(|&v| v as f64)
                    .collect();
                h = map.step(h.view(), x.view());
                let got = &tape.states()[row * s..(row + 1) * s];
                for k in 0..s {
                    let err = (got[k] as f64 - h[k]).abs();
                    assert!(
                        err < 2e-5 * (1.0 + h[k].abs()),
                        "{}/{} step {t} unit {k}: f32 {} vs f64 {}",
                        spec.arch,
                        spec.activation,
                        got[k],
                        h[k]
                    );
                }
                let y = map.readout(h.view());
                let y32 = &tape.outputs()[row * spec.outputs..(row + 1) * spec.outputs];
                for k in 0..spec.outputs {
                    assert!((y32[k] as f64 - y[k]).abs() < 2e-5 * (1.0 + y[k].abs()));
                }
            }
        }
    }
}
