//! Flip-flop: the share of each group's networks whose scaffold is the ideal cube.

use super::{share_bars, IdealShare};
use crate::lab::report::figures::Named;

/// The share of networks with the ideal cube, a bar per group.
pub(super) fn ideal_cube(groups: &[IdealShare]) -> Option<Named> {
    share_bars(
        groups,
        "ideal-cube",
        "Share of networks whose fixed points and transitions form the ideal cube (8 \
         attractors, 12 + 6 + 1 saddles, every saddle linking the attractors it separates)."
            .into(),
        "Flip-flop: the ideal cube",
        "share of networks with the ideal cube",
    )
}
