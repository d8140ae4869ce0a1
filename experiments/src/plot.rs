//! Figures: long-format CSV and SVG line plots (plotters' SVG backend; no system fonts needed).

use std::path::Path;

use plotters::prelude::*;

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
        }
    }

    /// The data range over every kept point (and band).
    fn range(&self) -> Option<((f64, f64), (f64, f64))> {
        let mut xs = (f64::INFINITY, f64::NEG_INFINITY);
        let mut ys = (f64::INFINITY, f64::NEG_INFINITY);
        for c in &self.curves {
            let mut add = |x: f64, y: f64| {
                if keep(x, self.log_x) && keep(y, self.log_y) {
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
        let root = SVGBackend::new(path, (800, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let Some(((x0, x1), (y0, y1))) = self.range() else {
            root.titled(&format!("{} (no data)", self.title), ("sans-serif", 18))
                .map_err(|e| err(&e))?;
            return root.present().map_err(|e| err(&e));
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
                    .draw()
                    .map_err(|e| err(&e))?;
                for (k, c) in self.curves.iter().enumerate() {
                    let color = PALETTE[k % PALETTE.len()];
                    if let Some((lo, hi)) = &c.band {
                        let mut poly: Vec<(f64, f64)> = Vec::new();
                        for i in 0..c.x.len() {
                            if keep(c.x[i], self.log_x) && keep(hi[i], self.log_y) {
                                poly.push((c.x[i], hi[i]));
                            }
                        }
                        for i in (0..c.x.len()).rev() {
                            if keep(c.x[i], self.log_x) && keep(lo[i], self.log_y) {
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
                            .filter(|(x, y)| keep(**x, self.log_x) && keep(**y, self.log_y))
                            .map(|(x, y)| (*x, *y))
                            .collect();
                    chart
                        .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                        .map_err(|e| err(&e))?
                        .label(c.label.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()
                    .map_err(|e| err(&e))?;
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
        root.present().map_err(|e| err(&e))
    }
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
        format!("{v:.0e}")
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
        let svg = save(&dir, "fig", &f, &t).unwrap();
        let text = std::fs::read_to_string(dir.join(&svg)).unwrap();
        assert!(text.contains("<svg") && text.contains("GD") && text.contains("relative error"));
        let csv = std::fs::read_to_string(dir.join("fig.csv")).unwrap();
        assert_eq!(csv.lines().next().unwrap(), "algorithm,trial,iteration,rel_error");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
