//! [`ChartLegend`]: which colour is which line of a chart, with each
//! line's value at the slot under the pointer.
//!
//! A chart draws at most [`CHARTED_CORES`](crate::series::CHARTED_CORES)
//! like lines, so the legend has at most that many entries and one more
//! saying how many lines were not drawn; it wraps into a compact grid that
//! scrolls past a few rows.

use std::rc::Rc;

use yew::prelude::*;

use crate::axis::Unit;
use crate::chart_line::ChartLine;

/// Props of [`ChartLegend`].
#[derive(Properties, PartialEq)]
pub struct ChartLegendProps {
    /// The chart's lines.
    pub lines: Rc<Vec<ChartLine>>,
    /// What their values are.
    pub unit: Unit,
    /// The slot under the pointer, whose values the entries show.
    pub slot: Option<usize>,
    /// How many more lines the series has than the chart draws.
    pub not_drawn: usize,
}

/// `ul.legend` with one `li` per line, main lines first: a colour swatch,
/// the line's name and, while a slot is pointed at, its value there.
#[component]
pub fn ChartLegend(props: &ChartLegendProps) -> Html {
    let (main, detail): (Vec<&ChartLine>, Vec<&ChartLine>) =
        props.lines.iter().partition(|line| !line.detail);
    let entries = main.into_iter().chain(detail).map(|line| {
        let value = props
            .slot
            .and_then(|slot| line.value(slot))
            .map(|value| html! { <span class="legend-value">{ props.unit.format(value) }</span> });
        html! {
            <li>
                <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true">
                    <rect class={line.class} fill={line.colour.clone()} width="10" height="10" />
                </svg>
                <span class="legend-name">{ line.name.clone() }</span>
                { for value }
            </li>
        }
    });
    let more = (props.not_drawn > 0).then(|| {
        html! {
            <li class="legend-more muted">{ format!("… and {} more not drawn", props.not_drawn) }</li>
        }
    });
    html! {
        <ul class="legend" aria-label="Legend">
            { for entries }
            { for more }
        </ul>
    }
}
