//! [`ChartLine`]: one line a chart draws, as data: its values, its path,
//! its colour and the name the legend and the readout give it.
//!
//! The line lives apart from the components that draw it so that the
//! chart, its legend and the panel that builds the lines all depend on it
//! and it on none of them.

/// One line of a [`Chart`](crate::components::chart::Chart).
#[derive(Debug, Clone, PartialEq)]
pub struct ChartLine {
    /// CSS class, which sets its colour unless [`colour`](Self::colour) does.
    pub class: &'static str,
    /// Its stroke, for lines told apart by colour alone (a CPU's cores),
    /// from [`crate::plot::line_colour`].
    pub colour: Option<String>,
    /// What the legend and the readout call it: "total", "core 3".
    pub name: String,
    /// One of many like lines (a CPU's cores): the legend shows each one's
    /// value, the readout only the highest.
    pub detail: bool,
    /// Its value at each slot, `None` at breaks.
    pub values: Vec<Option<f64>>,
    /// The SVG path, from [`crate::plot::path`].
    pub d: String,
}

impl ChartLine {
    /// The value at `slot`, if it has one.
    pub fn value(&self, slot: usize) -> Option<f64> {
        self.values.get(slot).copied().flatten()
    }
}
