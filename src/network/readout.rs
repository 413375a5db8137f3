//! Diehl & Cook's (2015) label read-out of an unsupervised network, and the selectivity of its
//! cells.
//!
//! After training (learning off), every excitatory cell is **assigned** the class for which its
//! mean spike count over labelled presentations is highest (a cell that never spikes gets none).
//! A new sample is **classified** as the class whose assigned cells have the highest mean spike
//! count for it (Diehl & Cook 2015, §2.6: "the predicted digit is the one whose assigned neurons
//! have the highest average firing rate"). Ties go to the lowest class index, and a sample to
//! which no assigned cell responds gets no prediction (it counts as an error).
//!
//! ```
//! use spikegpu::network::readout::ClassReadout;
//! // Two cells, two classes: cell 0 answers class 0, cell 1 class 1.
//! let responses = [vec![5, 0], vec![0, 4], vec![6, 1]];
//! let readout = ClassReadout::fit(&responses, &[0, 1, 0], 2).unwrap();
//! assert_eq!(readout.assignment(), &[Some(0), Some(1)]);
//! assert_eq!(readout.predict(&[0, 3]), Some(1));
//! ```

use crate::error::{Error, Result};

/// Each cell's assigned class (Diehl & Cook's read-out).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassReadout {
    assignment: Vec<Option<usize>>,
    n_classes: usize,
}

impl ClassReadout {
    /// Assigns every cell the class with its highest mean response. `responses[s][i]` is cell
    /// i's spike count for sample s, whose class is `labels[s]` (below `n_classes`).
    pub fn fit(responses: &[Vec<u32>], labels: &[usize], n_classes: usize) -> Result<ClassReadout> {
        let means = mean_responses(responses, labels, n_classes)?;
        let n_cells = means.first().map_or(0, Vec::len);
        let assignment = (0..n_cells)
            .map(|i| {
                let best = argmax((0..n_classes).map(|c| means[c][i]))?;
                (means[best][i] > 0.0).then_some(best)
            })
            .collect();
        Ok(ClassReadout { assignment, n_classes })
    }

    /// Each cell's class (`None`: the cell answered no class).
    pub fn assignment(&self) -> &[Option<usize>] {
        &self.assignment
    }

    /// How many classes have at least one cell of their own.
    pub fn classes_covered(&self) -> usize {
        (0..self.n_classes)
            .filter(|c| self.assignment.contains(&Some(*c)))
            .count()
    }

    /// The class whose assigned cells have the highest mean count in `response` (one count per
    /// cell); `None` when no assigned cell spiked.
    pub fn predict(&self, response: &[u32]) -> Option<usize> {
        let mut sum = vec![0.0f64; self.n_classes];
        let mut cells = vec![0usize; self.n_classes];
        for (&class, &count) in self.assignment.iter().zip(response) {
            if let Some(c) = class {
                sum[c] += f64::from(count);
                cells[c] += 1;
            }
        }
        let mean = (0..self.n_classes).map(|c| if cells[c] == 0 { 0.0 } else { sum[c] / cells[c] as f64 });
        let best = argmax(mean.clone())?;
        (mean.clone().nth(best)? > 0.0).then_some(best)
    }

    /// The fraction of samples whose prediction equals their label.
    pub fn accuracy(&self, responses: &[Vec<u32>], labels: &[usize]) -> f64 {
        let correct = responses
            .iter()
            .zip(labels)
            .filter(|(r, l)| self.predict(r) == Some(**l))
            .count();
        correct as f64 / responses.len().max(1) as f64
    }
}

/// How selective the cells are, from their mean response to each class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Selectivity {
    /// Cells that spiked for some class.
    pub active: usize,
    /// Active cells whose best class gets at least twice the mean count of their second best.
    pub selective: usize,
    /// Mean over active cells of `(best − mean of the others) / (best + mean of the others)`:
    /// 1 for a cell that answers one class only, 0 for one that answers all alike.
    pub mean_index: f64,
}

/// The selectivity of every cell over the classes of labelled presentations.
pub fn selectivity(responses: &[Vec<u32>], labels: &[usize], n_classes: usize) -> Result<Selectivity> {
    let means = mean_responses(responses, labels, n_classes)?;
    let n_cells = means.first().map_or(0, Vec::len);
    let (mut active, mut selective, mut index_sum) = (0, 0, 0.0);
    for i in 0..n_cells {
        let mut r: Vec<f64> = means.iter().map(|row| row[i]).collect();
        r.sort_by(|a, b| b.total_cmp(a));
        if r[0] == 0.0 {
            continue;
        }
        active += 1;
        if r.len() < 2 || r[0] >= 2.0 * r[1] {
            selective += 1;
        }
        let others = r[1..].iter().sum::<f64>() / (r.len() - 1).max(1) as f64;
        index_sum += (r[0] - others) / (r[0] + others);
    }
    Ok(Selectivity {
        active,
        selective,
        mean_index: index_sum / active.max(1) as f64,
    })
}

/// `means[c][i]`: cell i's mean count over the samples of class c (0 for a class with none).
fn mean_responses(responses: &[Vec<u32>], labels: &[usize], n_classes: usize) -> Result<Vec<Vec<f64>>> {
    let bad = |problem: String| Error::Network {
        part: "readout".into(),
        problem,
    };
    if responses.len() != labels.len() {
        return Err(bad(format!(
            "{} responses for {} labels",
            responses.len(),
            labels.len()
        )));
    }
    let n_cells = responses.first().map_or(0, Vec::len);
    let mut sums = vec![vec![0.0f64; n_cells]; n_classes];
    let mut counts = vec![0usize; n_classes];
    for (s, (response, &label)) in responses.iter().zip(labels).enumerate() {
        if label >= n_classes {
            return Err(bad(format!(
                "sample {s} has label {label}, not below {n_classes} classes"
            )));
        }
        if response.len() != n_cells {
            return Err(bad(format!("sample {s} has {} counts, not {n_cells}", response.len())));
        }
        counts[label] += 1;
        for (sum, &count) in sums[label].iter_mut().zip(response) {
            *sum += f64::from(count);
        }
    }
    for (row, &count) in sums.iter_mut().zip(&counts) {
        row.iter_mut().for_each(|v| *v /= count.max(1) as f64);
    }
    Ok(sums)
}

/// The index of the first largest value.
fn argmax(values: impl Iterator<Item = f64>) -> Option<usize> {
    values
        .enumerate()
        .fold(None, |best: Option<(usize, f64)>, (i, v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((i, v)),
        })
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assigns_by_mean_not_sum_and_predicts_by_mean_of_assigned_cells() {
        // Class 0 has three samples, class 1 one: by sums cell 0 would pick class 0 (3 > 2), by
        // means it picks class 1 (1 < 2).
        let responses = [vec![1, 0, 0], vec![1, 0, 0], vec![1, 9, 0], vec![2, 0, 0]];
        let labels = [0, 0, 0, 1];
        let r = ClassReadout::fit(&responses, &labels, 3).expect("valid in this test");
        assert_eq!(r.assignment(), &[Some(1), Some(0), None]);
        assert_eq!(r.classes_covered(), 2);
        // Class 1's one cell: mean 2; class 0's one cell: mean 1.
        assert_eq!(r.predict(&[2, 1, 7]), Some(1));
        assert_eq!(r.predict(&[0, 0, 7]), None);
        assert_eq!(r.accuracy(&[vec![2, 1, 0], vec![0, 3, 0]], &[1, 1]), 0.5);
    }

    #[test]
    fn selectivity_index_of_pure_and_flat_cells() {
        // Cell 0 answers class 0 only (index 1); cell 1 answers both alike (index 0); cell 2 never.
        let responses = [vec![4, 3, 0], vec![0, 3, 0]];
        let s = selectivity(&responses, &[0, 1], 2).expect("valid in this test");
        assert_eq!((s.active, s.selective), (2, 1));
        assert!((s.mean_index - 0.5).abs() < 1e-12);
    }

    #[test]
    fn errors_name_the_sample() {
        let e = ClassReadout::fit(&[vec![1]], &[5], 2)
            .expect_err("an error")
            .to_string();
        assert!(e.contains("sample 0 has label 5"), "{e}");
        assert!(ClassReadout::fit(&[vec![1]], &[], 2).is_err());
    }
}
