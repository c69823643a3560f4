//! [`Chart`]: one fixed-size inline SVG line chart with its caption.

use yew::prelude::*;

use crate::plot::{HEIGHT, WIDTH};

/// One line of a [`Chart`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChartLine {
    /// CSS class, which sets its colour.
    pub class: &'static str,
    /// The SVG path, from [`crate::plot::path`].
    pub d: String,
}

/// Props of [`Chart`].
#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// The series name, the `data-series` attribute: `cpu`, `memory`, `network`.
    pub series: &'static str,
    /// What the chart shows.
    pub title: AttrValue,
    /// The newest reading, as text beside the title.
    pub reading: Html,
    /// The lines, drawn in order.
    pub lines: Vec<ChartLine>,
    /// How many samples are plotted, the `data-samples` attribute.
    pub samples: usize,
}

/// `<svg class="chart">` in a fixed-height box, stretched to the box width.
#[component]
pub fn Chart(props: &ChartProps) -> Html {
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    let label = format!("{}, last {} samples", props.title, props.samples);
    let lines = props.lines.iter().map(|line| {
        html! {
            <path class={line.class} d={line.d.clone()} vector-effect="non-scaling-stroke" />
        }
    });
    html! {
        <figure class="chart-box">
            <figcaption>
                <span class="chart-title">{ props.title.clone() }</span>
                <span class="reading">{ props.reading.clone() }</span>
            </figcaption>
            <svg class="chart" data-series={props.series} data-samples={props.samples.to_string()}
                viewBox={view_box} preserveAspectRatio="none" role="img" aria-label={label}>
                <line class="grid" x1="0" y1="50" x2={WIDTH.to_string()} y2="50" />
                { for lines }
            </svg>
        </figure>
    }
}
