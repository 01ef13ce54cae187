//! Figures as data, and their drawing: a figure is a [`Plot`] (panels of x-y series sharing one
//! legend) or a [`Heatmap`], drawn as SVG and as PNG by the same code with the font compiled in.
//!
//! May use: nothing of the crate. The report (`lab/report/`) builds figures from its numbers;
//! this folder knows nothing of networks.

mod figure;

pub use figure::*;
