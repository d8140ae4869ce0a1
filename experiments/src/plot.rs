//! Figures: long-format CSV and SVG line plots (plotters' SVG backend; no system fonts needed).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::ExpError;

/// One line on a figure, with an optional min–max band (for means over trials).
#[derive(Debug, Clone)]
pub struct Curve {
    /// Legend text.
    pub label: String,
    /// x values.
    pub x: Vec<f64>,
    /// y values (the mean when there is a band).
    pub y: Vec<f64>,
    /// (lower, upper) band, same length as `x`.
    pub band: Option<(Vec<f64>, Vec<f64>)>,
}

impl Curve {
    /// A curve from points.
    pub fn new(label: impl Into<String>, points: &[(f64, f64)]) -> Self {
        Curve {
            label: label.into(),
            x: points.iter().map(|p| p.0).collect(),
            y: points.iter().map(|p| p.1).collect(),
            band: None,
        }
    }
}

/// A line plot.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The title.
    pub title: String,
    /// x-axis label, with units.
    pub x_label: String,
    /// y-axis label, with units.
    pub y_label: String,
    /// Logarithmic y axis (non-positive values are left out).
    pub log_y: bool,
    /// Logarithmic x axis (non-positive values are left out).
    pub log_x: bool,
    /// The curves.
    pub curves: Vec<Curve>,
    /// Labels of curves drawn dashed (e.g. one that lies on top of another, or a reference line: dashed curves are
    /// lines even with `markers_only`).
    pub dashed: Vec<String>,
    /// Draw every point as a marker, without lines (figures of one point per configuration).
    pub markers_only: bool,
    /// Leave out points with x above this (so that one very slow curve does not squash the others); None: all.
    pub x_max: Option<f64>,
    /// Where the legend goes.
    pub legend: Legend,
}

/// A corner for the legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Legend {
    /// Upper right (the default: convergence curves start upper left and fall).
    #[default]
    UpperRight,
    /// Upper left.
    UpperLeft,
    /// Lower right.
    LowerRight,
    /// Lower left.
    LowerLeft,
    /// To the right of the plot, outside it (never hides a curve; the SVG is wider).
    Outside,
}

impl Legend {
    fn position(self) -> SeriesLabelPosition {
        match self {
            Legend::UpperRight => SeriesLabelPosition::UpperRight,
            Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
            Legend::LowerRight => SeriesLabelPosition::LowerRight,
            Legend::LowerLeft => SeriesLabelPosition::LowerLeft,
            Legend::Outside => SeriesLabelPosition::UpperRight,
        }
    }
}

const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn keep(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
}

impl Figure {
    /// A figure with a linear x axis and a log y axis.
    pub fn log_y(title: &str, x_label: &str, y_label: &str) -> Self {
        Figure {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            log_y: true,
            log_x: false,
            curves: Vec::new(),
            dashed: Vec::new(),
            markers_only: false,
            x_max: None,
            legend: Legend::UpperRight,
        }
    }

    /// Whether a point is drawn (finite, positive on log axes, within `x_max`).
    fn shown(&self, x: f64, y: f64) -> bool {
        keep(x, self.log_x) && keep(y, self.log_y) && self.x_max.is_none_or(|m| x <= m)
    }

    /// The data range over every kept point (and band).
    fn range(&self) -> Option<((f64, f64), (f64, f64))> {
        let mut xs = (f64::INFINITY, f64::NEG_INFINITY);
        let mut ys = (f64::INFINITY, f64::NEG_INFINITY);
        for c in &self.curves {
            let mut add = |x: f64, y: f64| {
                if self.shown(x, y) {
                    xs = (xs.0.min(x), xs.1.max(x));
                    ys = (ys.0.min(y), ys.1.max(y));
                }
            };
            for (&x, &y) in c.x.iter().zip(&c.y) {
                add(x, y);
            }
            if let Some((lo, hi)) = &c.band {
                for k in 0..c.x.len() {
                    add(c.x[k], lo[k]);
                    add(c.x[k], hi[k]);
                }
            }
        }
        if xs.0 > xs.1 {
            return None;
        }
        let pad = |(a, b): (f64, f64), log: bool| {
            if log {
                let (la, lb) = (a.log10(), b.log10());
                let p = ((lb - la) * 0.05).max(0.1);
                (10f64.powf(la - p), 10f64.powf(lb + p))
            } else if a == b {
                (a - 1.0, b + 1.0)
            } else {
                let p = (b - a) * 0.03;
                (a - p, b + p)
            }
        };
        Some((pad(xs, self.log_x), pad(ys, self.log_y)))
    }

    /// Writes the figure as SVG.
    pub fn write_svg(&self, path: &Path) -> Result<(), ExpError> {
        let err = |e: &dyn std::fmt::Display| ExpError::io(path, e);
        let outside = self.legend == Legend::Outside;
        let width = if outside { 800 + LEGEND_WIDTH } else { 800 };
        let full = SVGBackend::new(path, (width, 560)).into_drawing_area();
        full.fill(&WHITE).map_err(|e| err(&e))?;
        let (root, legend_area) = if outside {
            let (a, b) = full.split_horizontally(800);
            (a, Some(b))
        } else {
            (full.clone(), None)
        };
        let Some(((x0, x1), (y0, y1))) = self.range() else {
            root.titled(&format!("{} (no data)", self.title), ("sans-serif", 18))
                .map_err(|e| err(&e))?;
            return full.present().map_err(|e| err(&e));
        };
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(&self.title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(78);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(self.x_label.as_str())
                    .y_desc(self.y_label.as_str())
                    .y_label_formatter(&|v| format_tick(*v))
                    .x_label_formatter(&|v| format_tick(*v))
                    .x_max_light_lines(light_lines(self.log_x, x0, x1))
                    .y_max_light_lines(light_lines(self.log_y, y0, y1))
                    .draw()
                    .map_err(|e| err(&e))?;
                for (k, c) in self.curves.iter().enumerate() {
                    let color = PALETTE[k % PALETTE.len()];
                    if let Some((lo, hi)) = &c.band {
                        let mut poly: Vec<(f64, f64)> = Vec::new();
                        for i in 0..c.x.len() {
                            if self.shown(c.x[i], hi[i]) {
                                poly.push((c.x[i], hi[i]));
                            }
                        }
                        for i in (0..c.x.len()).rev() {
                            if self.shown(c.x[i], lo[i]) {
                                poly.push((c.x[i], lo[i]));
                            }
                        }
                        if poly.len() >= 3 {
                            chart
                                .draw_series(std::iter::once(Polygon::new(poly, color.mix(0.18))))
                                .map_err(|e| err(&e))?;
                        }
                    }
                    let pts: Vec<(f64, f64)> =
                        c.x.iter()
                            .zip(&c.y)
                            .filter(|(x, y)| self.shown(**x, **y))
                            .map(|(x, y)| (*x, *y))
                            .collect();
                    if self.dashed.contains(&c.label) {
                        chart
                            .draw_series(DashedLineSeries::new(pts, 8, 6, color.stroke_width(2)))
                            .map_err(|e| err(&e))?
                            .label(c.label.as_str())
                            .legend(move |(x, y)| {
                                EmptyElement::at((x, y))
                                    + PathElement::new(vec![(0, 0), (7, 0)], color.stroke_width(2))
                                    + PathElement::new(vec![(13, 0), (20, 0)], color.stroke_width(2))
                            });
                    } else if self.markers_only {
                        // Shapes cycle with the colour, so that coinciding points (EXTRA and NIDS) both show.
                        let label = c.label.as_str();
                        match marker_shape(k) {
                            Marker::Disc => {
                                chart
                                    .draw_series(pts.iter().map(|&p| Circle::new(p, 5, color.filled())))
                                    .map_err(|e| err(&e))?
                                    .label(label)
                                    .legend(move |(x, y)| Circle::new((x + 10, y), 5, color.filled()));
                            }
                            Marker::Ring => {
                                chart
                                    .draw_series(pts.iter().map(|&p| Circle::new(p, 8, color.stroke_width(2))))
                                    .map_err(|e| err(&e))?
                                    .label(label)
                                    .legend(move |(x, y)| Circle::new((x + 10, y), 7, color.stroke_width(2)));
                            }
                            Marker::Triangle => {
                                chart
                                    .draw_series(pts.iter().map(|&p| TriangleMarker::new(p, 7, color.filled())))
                                    .map_err(|e| err(&e))?
                                    .label(label)
                                    .legend(move |(x, y)| TriangleMarker::new((x + 10, y), 7, color.filled()));
                            }
                            Marker::Cross => {
                                chart
                                    .draw_series(pts.iter().map(|&p| Cross::new(p, 7, color.stroke_width(2))))
                                    .map_err(|e| err(&e))?
                                    .label(label)
                                    .legend(move |(x, y)| Cross::new((x + 10, y), 7, color.stroke_width(2)));
                            }
                        }
                    } else {
                        chart
                            .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                            .map_err(|e| err(&e))?
                            .label(c.label.as_str())
                            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
                    }
                }
                if !outside {
                    chart
                        .configure_series_labels()
                        .position(self.legend.position())
                        .background_style(WHITE.mix(0.85))
                        .border_style(BLACK)
                        .draw()
                        .map_err(|e| err(&e))?;
                }
            }};
        }
        match (self.log_x, self.log_y) {
            (false, true) => draw!(
                builder
                    .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
                    .map_err(|e| err(&e))?
            ),
            (true, true) => {
                draw!(
                    builder
                        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                        .map_err(|e| err(&e))?
                )
            }
            (false, false) => draw!(builder.build_cartesian_2d(x0..x1, y0..y1).map_err(|e| err(&e))?),
            (true, false) => draw!(
                builder
                    .build_cartesian_2d((x0..x1).log_scale(), y0..y1)
                    .map_err(|e| err(&e))?
            ),
        }
        if let Some(area) = legend_area {
            self.draw_outside_legend(&area).map_err(|e| err(&e))?;
        }
        full.present().map_err(|e| err(&e))
    }

    /// The legend of [`Legend::Outside`]: one row per curve (sample line, dashes or marker, then the label).
    fn draw_outside_legend<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let style = ("sans-serif", 14)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (k, c) in self.curves.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let y = 70 + 24 * k as i32;
            if self.dashed.contains(&c.label) {
                area.draw(&PathElement::new(vec![(6, y), (14, y)], color.stroke_width(2)))?;
                area.draw(&PathElement::new(vec![(20, y), (28, y)], color.stroke_width(2)))?;
            } else if self.markers_only {
                match marker_shape(k) {
                    Marker::Disc => area.draw(&Circle::new((17, y), 5, color.filled()))?,
                    Marker::Ring => area.draw(&Circle::new((17, y), 7, color.stroke_width(2)))?,
                    Marker::Triangle => area.draw(&TriangleMarker::new((17, y), 7, color.filled()))?,
                    Marker::Cross => area.draw(&Cross::new((17, y), 7, color.stroke_width(2)))?,
                }
            } else {
                area.draw(&PathElement::new(vec![(6, y), (28, y)], color.stroke_width(2)))?;
            }
            area.draw(&Text::new(c.label.as_str(), (36, y), style.clone()))?;
        }
        Ok(())
    }
}

/// The marker shapes of `markers_only` figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Disc,
    Ring,
    Triangle,
    Cross,
}

/// The shape of the k-th curve's markers: disc, ring, triangle, cross, in turn.
fn marker_shape(k: usize) -> Marker {
    [Marker::Disc, Marker::Ring, Marker::Triangle, Marker::Cross][k % 4]
}

/// Width in pixels of the legend column of [`Legend::Outside`].
const LEGEND_WIDTH: u32 = 310;

/// The light (minor) grid lines per bold one: plotters' default, except on a log axis spanning less than two
/// decades, where its light lines pile up linearly below each power of 10 (a grey band at 9–11); there, none.
fn light_lines(log: bool, lo: f64, hi: f64) -> usize {
    if log && (hi / lo).log10() < 2.0 { 0 } else { 10 }
}

/// A compact tick label: plain for moderate magnitudes, scientific otherwise.
fn format_tick(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".into()
    } else if (1e-2..1e5).contains(&a) {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        // One significant digit when that is exact (1e5, 2e-3), else two (1.5e5): `{:.0e}` alone would print
        // 1.5e5 and 2.5e5 both as "2e5".
        let short = format!("{v:.0e}");
        if short.parse::<f64>().is_ok_and(|p| (p - v).abs() <= 1e-9 * a) {
            short
        } else {
            format!("{v:.1e}")
        }
    }
}

/// A long-format table: one row per (algorithm, trial, point), with named x and y columns.
#[derive(Debug, Clone, Default)]
pub struct LongTable {
    /// Names of the value columns after `algorithm,trial`.
    pub columns: Vec<String>,
    rows: Vec<(String, usize, Vec<f64>)>,
}

impl LongTable {
    /// A table with these value columns.
    pub fn new(columns: &[&str]) -> Self {
        LongTable {
            columns: columns.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn push(&mut self, algorithm: &str, trial: usize, values: Vec<f64>) {
        debug_assert_eq!(values.len(), self.columns.len());
        self.rows.push((algorithm.to_string(), trial, values));
    }

    /// Writes `algorithm,trial,<columns>` as CSV.
    pub fn write_csv(&self, path: &Path) -> Result<(), ExpError> {
        let mut w = csv::Writer::from_path(path).map_err(|e| ExpError::io(path, e))?;
        let mut header = vec!["algorithm".to_string(), "trial".to_string()];
        header.extend(self.columns.iter().cloned());
        w.write_record(&header).map_err(|e| ExpError::io(path, e))?;
        for (a, t, v) in &self.rows {
            let mut rec = vec![a.clone(), t.to_string()];
            rec.extend(v.iter().map(|x| format!("{x:e}")));
            w.write_record(&rec).map_err(|e| ExpError::io(path, e))?;
        }
        w.flush().map_err(|e| ExpError::io(path, e))
    }
}

/// The two convergence figures of a set of runs, by passes and by seconds, with y the trace's `rel_subopt`
/// ((F − F*)/F*, log scale; each curve thinned to `max_points`): `DIR/STEM_passes.{svg,csv}` (the CSV holds passes,
/// seconds and rel_subopt of every recorded row) and `DIR/STEM_seconds.svg`. Returns the files written.
pub fn convergence_figures(
    dir: &Path,
    stem: &str,
    title: &str,
    runs: &[(&str, &gradus_oracle::Report)],
    epoch_size: usize,
    max_points: usize,
) -> Result<Vec<String>, ExpError> {
    let y = "relative suboptimality (F − F*)/F*";
    let mut by_passes = Figure::log_y(title, "passes over the data (gradient evaluations)", y);
    let mut by_time = Figure::log_y(title, "seconds", y);
    let mut table = LongTable::new(&["passes", "seconds", "rel_subopt"]);
    for &(name, r) in runs {
        let k = r.trace.metric_index("rel_subopt").expect("monitored");
        let rows: Vec<(f64, f64, f64)> = r
            .trace
            .rows
            .iter()
            .map(|row| (row.work.passes(epoch_size), row.seconds, row.values[k]))
            .collect();
        for &(p, s, v) in &rows {
            table.push(name, 0, vec![p, s, v]);
        }
        let p: Vec<(f64, f64)> = rows.iter().map(|&(p, _, v)| (p, v)).collect();
        let t: Vec<(f64, f64)> = rows.iter().map(|&(_, s, v)| (s, v)).collect();
        by_passes
            .curves
            .push(Curve::new(name, &crate::classic::thin(&p, max_points)));
        by_time
            .curves
            .push(Curve::new(name, &crate::classic::thin(&t, max_points)));
    }
    let mut written = vec![save(dir, &format!("{stem}_passes"), &by_passes, &table)?];
    let svg = format!("{stem}_seconds.svg");
    by_time.write_svg(&dir.join(&svg))?;
    written.push(svg);
    Ok(written)
}

/// Writes a figure's SVG and its CSV side by side (`<stem>.svg`, `<stem>.csv`); returns the SVG's file name.
pub fn save(dir: &Path, stem: &str, figure: &Figure, table: &LongTable) -> Result<String, ExpError> {
    table.write_csv(&dir.join(format!("{stem}.csv")))?;
    let svg = format!("{stem}.svg");
    figure.write_svg(&dir.join(&svg))?;
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_svg_and_csv() {
        let dir = std::env::temp_dir().join(format!("gradus-plot-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut f = Figure::log_y("t", "iterations", "relative error");
        let pts: Vec<(f64, f64)> = (0..20).map(|i| (i as f64, 10f64.powi(-i))).collect();
        let mut c = Curve::new("GD", &pts);
        c.band = Some((
            c.y.iter().map(|v| v * 0.5).collect(),
            c.y.iter().map(|v| v * 2.0).collect(),
        ));
        f.curves.push(c);
        f.curves.push(Curve::new(
            "zeros are dropped on log axes",
            &[(0.0, 0.0), (1.0, 1.0), (2.0, 0.5)],
        ));
        let mut t = LongTable::new(&["iteration", "rel_error"]);
        t.push("GD", 0, vec![0.0, 1.0]);
        f.dashed.push("GD".into());
        let svg = save(&dir, "fig", &f, &t).unwrap();
        let text = std::fs::read_to_string(dir.join(&svg)).unwrap();
        assert!(text.contains("<svg") && text.contains("GD") && text.contains("relative error"));
        let csv = std::fs::read_to_string(dir.join("fig.csv")).unwrap();
        assert_eq!(csv.lines().next().unwrap(), "algorithm,trial,iteration,rel_error");
        // Markers only, clipped x, another legend corner.
        let mut g = Figure::log_y("t", "κ·κ_W", "rounds");
        g.log_x = true;
        g.markers_only = true;
        g.x_max = Some(10.0);
        g.legend = Legend::LowerRight;
        g.curves
            .push(Curve::new("IDEAL", &[(1.0, 10.0), (5.0, 30.0), (100.0, 1e6)]));
        assert!(g.range().unwrap().0.1 < 20.0);
        g.write_svg(&dir.join("g.svg")).unwrap();
        assert!(std::fs::read_to_string(dir.join("g.svg")).unwrap().contains("<circle"));
        // The legend outside the plot widens the SVG and still names every curve.
        g.legend = Legend::Outside;
        g.write_svg(&dir.join("h.svg")).unwrap();
        let h = std::fs::read_to_string(dir.join("h.svg")).unwrap();
        assert!(h.contains(&format!("width=\"{}\"", 800 + LEGEND_WIDTH)) && h.contains("IDEAL"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn tick_labels_are_distinct() {
        assert_eq!(format_tick(1e5), "1e5");
        assert_eq!(format_tick(1.5e5), "1.5e5");
        assert_eq!(format_tick(2.5e5), "2.5e5");
        assert_eq!(format_tick(1e-3), "1e-3");
        assert_eq!(format_tick(250.0), "250");
    }
}
