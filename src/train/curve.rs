//! A loss curve kept at bounded size: enough points for a plot, not every step.

use serde::{Deserialize, Serialize};

/// (step, loss) points at a stride that doubles whenever the curve would exceed twice its
/// target size, so memory stays bounded however long training runs and the points stay evenly
/// spaced. The last point seen is always kept.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LossCurve {
    kept: Vec<(u32, f32)>,
    stride: u32,
    target: usize,
    last: Option<(u32, f32)>,
}

impl LossCurve {
    /// An empty curve aiming for between `target` and 2·`target` points.
    pub fn new(target: usize) -> Self {
        LossCurve {
            kept: Vec::new(),
            stride: 1,
            target: target.max(2),
            last: None,
        }
    }

    /// Records the loss of `step` (steps must increase).
    pub fn push(&mut self, step: usize, loss: f64) {
        let (step, loss) = (step as u32, loss as f32);
        self.last = Some((step, loss));
        if step % self.stride != 0 {
            return;
        }
        self.kept.push((step, loss));
        if self.kept.len() >= 2 * self.target {
            self.stride *= 2;
            let stride = self.stride;
            self.kept.retain(|(s, _)| s % stride == 0);
        }
    }

    /// The kept steps and losses, plus the last step if it fell between strides.
    pub fn points(&self) -> (Vec<u32>, Vec<f32>) {
        let mut points = self.kept.clone();
        if let Some(last) = self.last {
            if points.last().map(|p| p.0) != Some(last.0) {
                points.push(last);
            }
        }
        points.into_iter().unzip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_bounded_evenly_spaced_and_keeps_the_end() {
        let mut c = LossCurve::new(100);
        for step in 0..12_345 {
            c.push(step, 1.0 / (1.0 + step as f64));
        }
        let (steps, losses) = c.points();
        assert!(steps.len() >= 100 && steps.len() <= 201, "{}", steps.len());
        assert_eq!(steps[0], 0);
        assert_eq!(*steps.last().unwrap(), 12_344);
        let gap = steps[1] - steps[0];
        assert!(steps[..steps.len() - 1]
            .windows(2)
            .all(|w| w[1] - w[0] == gap));
        assert_eq!(losses[1], 1.0 / (1.0 + gap as f32));
        let mut short = LossCurve::new(100);
        for step in 0..50 {
            short.push(step, 0.5);
        }
        assert_eq!(short.points().0.len(), 50, "short runs keep every step");
    }
}
