//! [`Chart`]: one fixed-size inline SVG line chart with its caption, its
//! axes, the values under the pointer and, for charts of many like lines,
//! a [`ChartLegend`].
//!
//! The slot under the pointer is the chart's own state, so pointing at a
//! chart re-renders that chart alone, and only when the pointer reaches
//! another slot. The keyboard reaches the same readout: the chart takes
//! focus, the arrow keys step from sample to sample, Home and End go to the
//! oldest and the newest, and Escape lets go.
//!
//! The plot stretches its view box to the box (`preserveAspectRatio=none`),
//! which would stretch text too, so the tick labels are in two svgs of their
//! own placed beside and below it, positioned in percent. Everything is
//! drawn with classes and SVG presentation attributes: the page's
//! Content-Security-Policy allows no `style` attribute.

use std::rc::Rc;

use web_sys::Element;
use yew::prelude::*;

use crate::axis::{TimeAxis, ValueAxis};
use crate::chart_line::ChartLine;
use crate::components::chart_legend::ChartLegend;
use crate::components::event_item::clock;
use crate::plot::{HEIGHT, WIDTH, nearest, slot_x, step};

/// Props of [`Chart`].
#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// The series name, the `data-series` attribute: `cpu`, `memory`, `network`.
    pub series: &'static str,
    /// What the chart shows.
    pub title: AttrValue,
    /// The newest reading, as text beside the title.
    pub reading: Html,
    /// The lines, drawn in order, scaled to [`axis`](Self::axis)'s top.
    pub lines: Rc<Vec<ChartLine>>,
    /// The y axis.
    pub axis: Rc<ValueAxis>,
    /// The time axis, with each slot's time.
    pub time: Rc<TimeAxis>,
    /// How many samples are plotted, the `data-samples` attribute.
    pub samples: usize,
    /// Whether to name the lines in a [`ChartLegend`].
    #[prop_or_default]
    pub legend: bool,
    /// How many more lines the series has than the chart draws, said at the
    /// legend's end.
    #[prop_or_default]
    pub not_drawn: usize,
}

/// `figure.chart-box[data-series]` holding `<svg class="chart">`, stretched
/// to the box width, its `svg.y-axis` and `svg.time-axis` labels, a
/// `p.chart-readout` of the values under the pointer and, if asked, a
/// `ul.legend`.
#[component]
pub fn Chart(props: &ChartProps) -> Html {
    let hovered = use_state_eq(|| None::<usize>);
    let time = &props.time;
    let slot = (*hovered).filter(|slot| time.times.get(*slot).is_some_and(Option::is_some));

    let plot = use_node_ref();

    // Yew listens at the app's root, so the event's `currentTarget` is the
    // root, not the svg: the svg's box comes from its node ref.
    let on_pointer_move = {
        let (hovered, time, plot) = (hovered.clone(), time.clone(), plot.clone());
        Callback::from(move |event: PointerEvent| {
            let Some(element) = plot.cast::<Element>() else {
                return;
            };
            let rect = element.get_bounding_client_rect();
            if rect.width() > 0.0 {
                let x = (f64::from(event.client_x()) - rect.x()) / rect.width() * WIDTH;
                hovered.set(nearest(x, &time.times, time.window));
            }
        })
    };
    let on_key_down = {
        let (hovered, time) = (hovered.clone(), time.clone());
        Callback::from(move |event: KeyboardEvent| {
            let next = match event.key().as_str() {
                "ArrowLeft" => step(&time.times, *hovered, false),
                "ArrowRight" => step(&time.times, *hovered, true),
                "Home" => time.times.iter().position(Option::is_some),
                "End" => step(&time.times, None, true),
                "Escape" => None,
                _ => return,
            };
            event.prevent_default();
            hovered.set(next);
        })
    };
    let let_go = {
        let hovered = hovered.clone();
        move || hovered.set(None)
    };
    let on_pointer_leave = {
        let let_go = let_go.clone();
        Callback::from(move |_: PointerEvent| let_go())
    };
    let on_blur = Callback::from(move |_: FocusEvent| let_go());

    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    let range = match (props.axis.ticks.first(), props.axis.ticks.last()) {
        (Some(bottom), Some(top)) => format!(", {} to {}", bottom.label, top.label),
        _ => String::new(),
    };
    let label = format!(
        "{}, last {} samples{range}; arrow keys read them",
        props.title, props.samples
    );
    let grid = props.axis.ticks.iter().skip(1).map(|tick| {
        let y = format!("{:.1}", HEIGHT - tick.at * HEIGHT);
        html! {
            <line class="grid" x1="0" y1={y.clone()} x2={WIDTH.to_string()} y2={y}
                vector-effect="non-scaling-stroke" />
        }
    });
    let y_labels = props.axis.ticks.iter().map(|tick| {
        let y = format!("{:.1}%", 100.0 - tick.at * 100.0);
        html! {
            <text x="100%" y={y} dx="-4" dy="0.35em" text-anchor="end">{ tick.label.clone() }</text>
        }
    });
    let time_labels = time.ticks.iter().map(|tick| {
        let x = format!("{:.1}%", tick.at * 100.0);
        // The end labels stay inside the chart's width.
        let anchor = match tick.at {
            at if at > 0.95 => "end",
            at if at < 0.05 => "start",
            _ => "middle",
        };
        html! {
            <text x={x} y="2" dominant-baseline="hanging" text-anchor={anchor}>
                { tick.label.clone() }
            </text>
        }
    });
    let lines = props.lines.iter().map(|line| {
        html! {
            <path class={line.class} stroke={line.colour.clone()} d={line.d.clone()}
                vector-effect="non-scaling-stroke" />
        }
    });
    let marker = slot.map(|slot| {
        let x = format!("{:.1}", slot_x(slot, time.times.len(), time.window));
        html! {
            <line class="marker" x1={x.clone()} y1="0" x2={x} y2={HEIGHT.to_string()}
                vector-effect="non-scaling-stroke" />
        }
    });
    let readout = slot
        .and_then(|slot| readout(&props.lines, &props.axis, time, slot))
        .unwrap_or_default();
    let legend = props.legend.then(|| {
        html! {
            <ChartLegend lines={props.lines.clone()} unit={props.axis.unit} {slot}
                not_drawn={props.not_drawn} />
        }
    });
    html! {
        <figure class="chart-box" data-series={props.series}>
            <figcaption>
                <span class="chart-title">{ props.title.clone() }</span>
                <span class="reading">{ props.reading.clone() }</span>
            </figcaption>
            <div class="chart-area">
                <svg class="y-axis" aria-hidden="true">{ for y_labels }</svg>
                <svg ref={plot} class="chart" data-series={props.series} data-samples={props.samples.to_string()}
                    viewBox={view_box} preserveAspectRatio="none" role="img" aria-label={label}
                    tabindex="0" onpointermove={on_pointer_move} onpointerleave={on_pointer_leave}
                    onkeydown={on_key_down} onblur={on_blur}>
                    { for grid }
                    { for lines }
                    { for marker }
                </svg>
                <svg class="time-axis" aria-hidden="true">{ for time_labels }</svg>
            </div>
            <p class="chart-readout" aria-live="polite">{ readout }</p>
            { for legend }
        </figure>
    }
}

/// What the readout says of `slot`: its age and clock time, each main
/// line's value, and the highest of the like lines.
fn readout(lines: &[ChartLine], axis: &ValueAxis, time: &TimeAxis, slot: usize) -> Option<String> {
    let age = time.age(slot)?;
    let at = clock(time.times.get(slot).copied().flatten()?);
    let mut parts = vec![format!("{age} ({at})")];
    let value = |line: &ChartLine, value: f64| format!("{} {}", line.name, axis.unit.format(value));
    parts.extend(
        lines
            .iter()
            .filter(|line| !line.detail)
            .filter_map(|line| Some(value(line, line.value(slot)?))),
    );
    let highest = lines
        .iter()
        .filter(|line| line.detail)
        .filter_map(|line| Some((line, line.value(slot)?)))
        .max_by(|(_, a), (_, b)| a.total_cmp(b));
    if let Some((line, highest)) = highest {
        parts.push(format!("highest {}", value(line, highest)));
    }
    Some(parts.join(" · "))
}
