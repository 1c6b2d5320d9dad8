//! Summary statistics for scenario reports: min / median / max / mean of a sample.

use std::fmt;

/// Summary of a sample of numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub count: usize,
    /// Smallest value.
    pub min: f64,
    /// Median (upper median for even counts).
    pub median: f64,
    /// 10th percentile (nearest rank).
    pub p10: f64,
    /// Largest value.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
}

impl Summary {
    /// Summarises `values` (all zero for an empty sample).
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn of(values: impl IntoIterator<Item = f64>) -> Self {
        let mut v: Vec<f64> = values.into_iter().collect();
        if v.is_empty() {
            return Self {
                count: 0,
                min: 0.0,
                median: 0.0,
                p10: 0.0,
                max: 0.0,
                mean: 0.0,
            };
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        Self {
            count: n,
            min: v[0],
            median: v[n / 2],
            p10: v[(n - 1) / 10],
            max: v[n - 1],
            mean: v.iter().sum::<f64>() / n as f64,
        }
    }

    /// Summarises integer counts.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn of_counts(values: impl IntoIterator<Item = usize>) -> Self {
        Self::of(values.into_iter().map(|x| x as f64))
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "n={} min={:.2} p10={:.2} median={:.2} mean={:.2} max={:.2}",
            self.count, self.min, self.p10, self.median, self.mean, self.max
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_small_samples() {
        let s = Summary::of_counts([5, 1, 3, 2, 4]);
        assert_eq!((s.min, s.median, s.max, s.mean), (1.0, 3.0, 5.0, 3.0));
        assert_eq!(Summary::of([]).count, 0);
        assert!(s.to_string().starts_with("n=5 min=1.00"));
    }
}
